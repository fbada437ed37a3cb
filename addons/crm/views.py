"""crm's own pages: the pipeline board and the evaluation's save (won / lost are the kernel's action forms).

Thin: check the record through the record service (permission and scope), call
:mod:`.services`, render. Everything else (lists, forms, detail pages) is the kernel's
generic pages over the descriptors in :mod:`.registration`.
"""
from __future__ import annotations

import json

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config

from core import records
from core.i18n import _
from core.web.pages.common import crumbs, error_text, flash, http_errors, require

from . import services
from .models import Opportunity
from .registration import OPPORTUNITY


def _script_json(value) -> str:
    """JSON safe inside a <script> element (no "</script>", no "<!--")."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def _signed_in(request):
    if request.user is None:
        raise HTTPForbidden()
    return request.user


@view_config(route_name="crm.pipeline", renderer="addons.crm:templates/pipeline.pt")
def pipeline(request):
    """The board: a column per stage with its totals; cards move by drag and drop (pipeline.js)."""
    _signed_in(request)
    require(request, OPPORTUNITY, "read")
    views = services.views_allowed(request.access, OPPORTUNITY)
    view = request.params.get("view", "")
    if view not in views:
        view = "mine" if "mine" in views and len(views) == 1 else views[-1]
    columns = services.pipeline(request.dbsession, request.access, OPPORTUNITY, view)
    crumbs(request, OPPORTUNITY, (_("Pipeline"), None))
    can_edit = request.access.allowed(OPPORTUNITY.name, "edit")
    texts = {"moving": request.translate(_("Moving…")), "failed": request.translate(_("Not moved: ${error}")),
             "lost_reason": request.translate(_("A deal is lost with a reason: the form opens."))}
    # The script puts the card's id in place of the 0.
    data = {"move_url": request.route_url("zg.api.action", model=OPPORTUNITY.name, id=0, action="move"),
            "lost_url": request.route_url("zg.model.action", model=OPPORTUNITY.name, id=0, action="lost",
                                          _query={"came_from": request.path_qs}),
            "can_edit": can_edit}
    return {"columns": columns, "views": views, "view": view, "can_edit": can_edit,
            "can_create": request.access.allowed(OPPORTUNITY.name, "create"),
            "data": _script_json(data), "texts": _script_json(texts),
            "totals": (sum(c.count for c in columns if not c.stage.is_lost and not c.stage.is_won),
                       sum((c.amount for c in columns if not c.stage.is_lost and not c.stage.is_won)),
                       sum((c.weighted for c in columns if not c.stage.is_lost and not c.stage.is_won))),
            "page_title": _("Pipeline")}


def _opportunity(request, action: str = "edit") -> Opportunity:
    _signed_in(request)
    with http_errors():
        return records.get(request.dbsession, OPPORTUNITY, request.access, request.matchdict["id"], action)


@view_config(route_name="crm.opportunity.evaluate", request_method="POST")
def evaluate(request):
    """Save the evaluation tab's ticks (the checklist of the opportunity's stage)."""
    opportunity = _opportunity(request)
    ids = [int(i) for i in request.POST.getall("item") if str(i).isdigit() and len(str(i)) < 10]
    try:
        with request.dbsession.begin_nested():
            records.run_action(request.dbsession, OPPORTUNITY, request.access, "evaluate", [opportunity.id],
                               request, item_ids=ids)
    except records.ValidationFailed as exc:
        flash(request, error_text(request, exc), "error")
    else:
        flash(request, _("Evaluation saved."))
    return HTTPSeeOther(request.route_url("zg.model.detail", model=OPPORTUNITY.name, id=opportunity.id,
                                          _anchor="tab-crm-evaluation"))


def includeme(config):
    config.add_route("crm.pipeline", "/crm/pipeline")
    config.add_route("crm.opportunity.evaluate", "/crm/opportunities/{id:\\d{1,9}}/evaluate")
    config.add_static_view("crm-static", "addons.crm:static", cache_max_age=3600)
    config.scan(".views")
