"""crm's hook implementations: initial data, the 客户关系 menu, tabs and buttons on records, demo data."""
from __future__ import annotations

import functools

import sqlalchemy as sa
from pyramid.renderers import render

from core.hookspecs import hookimpl
from core.i18n import _

from . import defaults, services
from .blasts import hooks as blasts_hooks
from .channels import hooks as channels_hooks
from .contacts import hooks as contacts_hooks
from .customers import hooks as customers_hooks
from .followup import hooks as followup_hooks
from .models import Opportunity
from .pool import hooks as pool_hooks
from .projects import hooks as projects_hooks
from .schemas import STATE_TITLES
from .targets import hooks as targets_hooks

#: The parts of crm besides the pipeline (this module's own hooks), each a package.
PARTS = (customers_hooks, pool_hooks, followup_hooks, projects_hooks, channels_hooks, targets_hooks,
         contacts_hooks, blasts_hooks)


#: The groups of the 客户关系 section (the menu's third level), in order: (id, title, order).
GROUPS = (("crm.g.customers", _("Customers"), 1), ("crm.g.sales", _("Sales"), 2), ("crm.g.followup", _("Follow-up"), 3),
          ("crm.g.marketing", _("Marketing"), 4), ("crm.g.channels", _("Channels"), 5),
          ("crm.g.targets", _("Targets and points"), 6), ("crm.g.settings", _("Settings"), 9))
#: Entry order ranges of the parts (see each part's hooks) → their group.
_RANGES = ((1, 7, "crm.g.customers"), (8, 9, "crm.g.settings"), (10, 29, "crm.g.sales"), (30, 39, "crm.g.marketing"),
           (40, 48, "crm.g.customers"), (49, 49, "crm.g.settings"), (50, 59, "crm.g.followup"),
           (60, 69, "crm.g.sales"), (70, 72, "crm.g.channels"), (73, 74, "crm.g.settings"),
           (75, 84, "crm.g.targets"), (85, 88, "crm.g.customers"), (89, 92, "crm.g.settings"),
           (93, 94, "crm.g.marketing"), (95, 10 ** 6, "crm.g.settings"))


def _grouped(items):
    """crm's entries placed in the groups of its section (by their order), the groups added."""
    out = []
    for item in items or ():
        if item.get("parent") == "crm":
            order = int(item.get("order", 100))
            group = next((g for low, high, g in _RANGES if low <= order <= high), "crm.g.settings")
            item = {**item, "parent": group}
        out.append(item)
    return out


def _menu_of(func):
    @hookimpl(specname="menu_items")
    def grouped(request):
        return _grouped(func(request))
    return grouped


def _collect() -> None:
    """Lift each part's hook implementations into this module, the one plugin of crm.

    A part implements a hook under its own function name with
    ``@hookimpl(specname="menu_items")``; pluggy then calls every one of them. Menu entries
    under "crm" go to the group their order range belongs to (``_RANGES``).
    """
    for module in PARTS:
        part = module.__name__.rsplit(".", 2)[-2]
        for name, value in vars(module).items():
            if callable(value) and hasattr(value, "zhanggui_impl"):
                if value.zhanggui_impl.get("specname") == "menu_items":
                    value = _menu_of(value)
                globals()[f"_{part}_{name}"] = value


_collect()


@hookimpl
def addon_data(session, registry):
    """The numbering, and stages, lost reasons and campaign types to start from (the company edits them)."""
    services.ensure_sequence(session)
    defaults.create(session)
    # Customers contacted before crm was installed: their last contact, from base's activities.
    from .customers.services import refresh_last_contacts

    refresh_last_contacts(session)


def _list(entry_id: str, model: str, title, order: int, action: str = "read") -> dict:
    return {"id": entry_id, "parent": "crm", "title": title, "order": order, "route": "zg.model.list",
            "route_kw": {"model": model}, "permission": f"{model.replace('.', ':')}:{action}"}


@hookimpl
def menu_items(request):
    groups = [{"id": gid, "parent": "crm", "title": title, "order": order} for gid, title, order in GROUPS]
    return groups + _grouped([
        {"id": "crm", "title": _("CRM"), "order": 15},
        _list("crm.opportunities", "crm.opportunity", _("Opportunities"), 10),
        {"id": "crm.pipeline", "parent": "crm", "title": _("Pipeline"), "order": 11, "route": "crm.pipeline",
         "permission": "crm:opportunity:read"},
        _list("crm.competitors", "crm.competitor", _("Competitors"), 20),
        _list("crm.campaigns", "crm.campaign", _("Campaigns"), 30),
        # Settings last: for those who may change them.
        _list("crm.stages", "crm.stage", _("Pipeline stages"), 90, "edit"),
        _list("crm.lost_reasons", "crm.lost_reason", _("Lost reasons"), 91, "edit"),
        _list("crm.campaign_types", "crm.campaign_type", _("Campaign types"), 92, "edit"),
    ])


def _opportunities_tab(request, where, order: int) -> dict | None:
    models = request.registry.zg_models
    descriptor = models["crm.opportunity"]
    access = request.access
    if not access.allowed(descriptor.name, "read"):
        return None
    rows = functools.cache(lambda: list(request.dbsession.scalars(
        sa.select(Opportunity).where(where, access.filter(descriptor, "read"))
        .order_by(Opportunity.id.desc()).limit(100))))
    # Read and drawn only when shown (the customer 360 page has its own opportunities section).
    return {"id": "crm-opportunities", "title": _("Opportunities"), "order": order,
            "html": lambda: render("addons.crm:templates/opportunities_tab.pt",
                                   {"opportunities": rows(), "states": STATE_TITLES}, request=request),
            "count": lambda: len(rows())}


def _brought_tab(request, campaign, order: int) -> dict | None:
    """The customers the campaign brought (their profile's campaign), as far as the reader may see them."""
    from addons.base.partners.models import Partner

    from .customers.models import CustomerProfile

    partners = request.registry.zg_models["base.partner"]
    if not request.access.allowed(partners.name, "read"):
        return None
    rows = list(request.dbsession.scalars(
        sa.select(Partner).join(CustomerProfile, CustomerProfile.partner_id == Partner.id)
        .where(CustomerProfile.campaign_id == campaign.id, request.access.filter(partners, "read"))
        .order_by(Partner.id.desc()).limit(100)))
    html = render("addons.crm:templates/brought_tab.pt", {"partners": rows}, request=request)
    return {"id": "crm-brought", "title": _("Customers brought"), "html": html, "count": len(rows), "order": order}


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
        tabs = [_opportunities_tab(request, Opportunity.campaign_id == record.id, 5),
                _brought_tab(request, record, 6)]
        return [t for t in tabs if t is not None] or None
    elif descriptor.name == "crm.competitor":
        tab = _opportunities_tab(request, Opportunity.id.in_(
            sa.select(opportunity_competitor.c.opportunity_id)
            .where(opportunity_competitor.c.competitor_id == record.id)), 5)
    else:
        return None
    return [tab] if tab is not None else None


@hookimpl
def demo_data(session, registry):
    """The pipeline's demo data, then each part's (customers first: the others use their profiles)."""
    import importlib

    from . import PARTS, demo

    notes = list(demo.create(session) or [])
    for part in PARTS:
        notes.extend(importlib.import_module(f"{__package__}.{part}.demo").create(session) or [])
    return notes
