"""crm's own pages: the pipeline board, the won / lost forms and the evaluation's save.

Thin: check the record through the record service (permission and scope), call
:mod:`.services`, render. Everything else (lists, forms, detail pages) is the kernel's
generic pages over the descriptors in :mod:`.registration`.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config

from core import records
from core.i18n import _
from core.web.pages.common import crumbs, error_text, flash, http_errors, require

from . import services
from .models import LostReason, Opportunity
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
            "lost_url": request.route_url("crm.opportunity.lost", id=0, _query={"came_from": request.path_qs}),
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


def _back(request, opportunity: Opportunity) -> str:
    came_from = request.params.get("came_from", "")
    if came_from.startswith("/") and not came_from.startswith("//"):
        return came_from
    return request.route_url("zg.model.detail", model=OPPORTUNITY.name, id=opportunity.id)


def _close(request, kind: str):
    """The won / lost form: GET shows it, POST runs the model action (same checks as the API)."""
    opportunity = _opportunity(request)
    errors: dict = {}
    values = {"note": "", "lost_reason_id": ""}
    if request.method == "POST":
        values = {"note": request.POST.get("note", ""), "lost_reason_id": request.POST.get("lost_reason_id", "")}
        params = {"note": values["note"]}
        if kind == "lost":
            params["lost_reason_id"] = values["lost_reason_id"]
        try:
            with request.dbsession.begin_nested():
                message = records.run_action(request.dbsession, OPPORTUNITY, request.access, kind,
                                             [opportunity.id], request, **params)
        except records.ValidationFailed as exc:
            errors = {k: request.translate(v) if hasattr(v, "interpolate") else str(v)
                      for k, v in exc.errors.items()}
        except records.Forbidden:
            raise HTTPForbidden() from None
        else:
            flash(request, message)
            return HTTPSeeOther(_back(request, opportunity))
    reasons = list(request.dbsession.scalars(sa.select(LostReason).where(LostReason.active.is_(True))
                                             .order_by(LostReason.sequence, LostReason.name)))
    title = _("Mark won") if kind == "won" else _("Mark lost")
    crumbs(request, OPPORTUNITY, (str(opportunity),
                                  request.route_url("zg.model.detail", model=OPPORTUNITY.name, id=opportunity.id)),
           (title, None))
    return {"opportunity": opportunity, "kind": kind, "reasons": reasons, "errors": errors, "values": values,
            "came_from": request.params.get("came_from", ""), "back": _back(request, opportunity),
            "page_title": title}


@view_config(route_name="crm.opportunity.won", renderer="addons.crm:templates/close.pt")
def won(request):
    return _close(request, "won")


@view_config(route_name="crm.opportunity.lost", renderer="addons.crm:templates/close.pt")
def lost(request):
    return _close(request, "lost")


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
    config.add_route("crm.opportunity.won", "/crm/opportunities/{id:\\d{1,9}}/won")
    config.add_route("crm.opportunity.lost", "/crm/opportunities/{id:\\d{1,9}}/lost")
    config.add_route("crm.opportunity.evaluate", "/crm/opportunities/{id:\\d{1,9}}/evaluate")
    config.add_static_view("crm-static", "addons.crm:static", cache_max_age=3600)
    config.scan(".views")
