"""crm's hook implementations: initial data, the 客户关系 menu, tabs and buttons on records, demo data."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.renderers import render

from core.hookspecs import hookimpl
from core.i18n import _

from . import defaults, services
from .models import Opportunity
from .schemas import STATE_TITLES


@hookimpl
def addon_data(session, registry):
    """The numbering, and stages, lost reasons and campaign types to start from (the company edits them)."""
    services.ensure_sequence(session)
    defaults.create(session)


def _list(entry_id: str, model: str, title, order: int, action: str = "read") -> dict:
    return {"id": entry_id, "parent": "crm", "title": title, "order": order, "route": "zg.model.list",
            "route_kw": {"model": model}, "permission": f"{model.replace('.', ':')}:{action}"}


@hookimpl
def menu_items(request):
    return [
        {"id": "crm", "title": _("CRM"), "order": 15},
        _list("crm.opportunities", "crm.opportunity", _("Opportunities"), 10),
        {"id": "crm.pipeline", "parent": "crm", "title": _("Pipeline"), "order": 11, "route": "crm.pipeline",
         "permission": "crm:opportunity:read"},
        _list("crm.competitors", "crm.competitor", _("Competitors"), 20),
        _list("crm.campaigns", "crm.campaign", _("Campaigns"), 30),
        # Settings last (the menu has two levels): for those who may change them.
        _list("crm.stages", "crm.stage", _("Pipeline stages"), 90, "edit"),
        _list("crm.lost_reasons", "crm.lost_reason", _("Lost reasons"), 91, "edit"),
        _list("crm.campaign_types", "crm.campaign_type", _("Campaign types"), 92, "edit"),
    ]


def _opportunities_tab(request, where, order: int) -> dict | None:
    models = request.registry.zg_models
    descriptor = models["crm.opportunity"]
    access = request.access
    if not access.allowed(descriptor.name, "read"):
        return None
    rows = list(request.dbsession.scalars(sa.select(Opportunity).where(where, access.filter(descriptor, "read"))
                                          .order_by(Opportunity.id.desc()).limit(100)))
    html = render("addons.crm:templates/opportunities_tab.pt", {"opportunities": rows, "states": STATE_TITLES},
                  request=request)
    return {"id": "crm-opportunities", "title": _("Opportunities"), "html": html, "count": len(rows),
            "order": order}


@hookimpl
def detail_tabs(request, descriptor, record):
    """The evaluation and the stage history of an opportunity; the opportunities of a customer,
    a campaign or a competitor."""
    from .models import opportunity_competitor

    if descriptor.name == "crm.opportunity":
        session = request.dbsession
        can_edit = request.access.can(session, descriptor, record, "edit") and record.state == "open"
        evaluation = render("addons.crm:templates/evaluation_tab.pt", {
            "opportunity": record, "items": services.checklist(session, record), "can_edit": can_edit,
        }, request=request)
        changes = services.stage_history(session, record)
        history = render("addons.crm:templates/history_tab.pt", {"changes": changes}, request=request)
        return [{"id": "crm-evaluation", "title": _("Evaluation"), "html": evaluation, "order": 5},
                {"id": "crm-history", "title": _("Stage history"), "html": history, "count": len(changes),
                 "order": 6}]
    if descriptor.name == "base.partner":
        tab = _opportunities_tab(request, Opportunity.partner_id == record.id, 30)
    elif descriptor.name == "crm.campaign":
        tab = _opportunities_tab(request, Opportunity.campaign_id == record.id, 5)
    elif descriptor.name == "crm.competitor":
        tab = _opportunities_tab(request, Opportunity.id.in_(
            sa.select(opportunity_competitor.c.opportunity_id)
            .where(opportunity_competitor.c.competitor_id == record.id)), 5)
    else:
        return None
    return [tab] if tab is not None else None


@hookimpl
def record_tools(request, descriptor, record):
    """Mark won / Mark lost on an open opportunity the user may edit (forms asking for the note, the reason)."""
    if descriptor.name != "crm.opportunity" or record.state != "open":
        return None
    if not request.access.can(request.dbsession, descriptor, record, "edit"):
        return None
    return [{"id": "crm-won", "title": _("Mark won"), "url": request.route_url("crm.opportunity.won", id=record.id),
             "order": 10},
            {"id": "crm-lost", "title": _("Mark lost"),
             "url": request.route_url("crm.opportunity.lost", id=record.id), "order": 11}]


@hookimpl
def demo_data(session, registry):
    from . import demo

    return demo.create(session)
