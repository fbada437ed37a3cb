"""Console pages about the host: plans, the addons installed, the marketplace, the audit log."""
from __future__ import annotations

import importlib.metadata

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from ...i18n import _
from .. import plans as plan_service
from ..services import TenantError
from .common import TEMPLATES, back, flash, operator, reason

ACTIONS = {"install": _("Install"), "upgrade": _("Upgrade"), "remove": _("Remove")}


# -- plans --------------------------------------------------------------------------------------

def _addon_choices(request):
    catalog = request.registry.zg_catalog
    return [catalog[n] for n in catalog if n not in plan_service.ALWAYS and not catalog[n].manifest.auto_install]


@view_config(route_name="console.plans", renderer=TEMPLATES + "plans.pt")
def plans(request):
    return {"page_title": _("Plans"), "rows": plan_service.list_plans(operator(request))}


@view_config(route_name="console.plan.edit", renderer=TEMPLATES + "plan.pt")
@view_config(route_name="console.plan.new", renderer=TEMPLATES + "plan.pt")
def plan_edit(request):
    ops = operator(request)
    name = request.matchdict.get("name")
    current = None
    if name is not None:
        try:
            current = plan_service.get_plan(ops, name)
        except TenantError:
            raise HTTPNotFound() from None
    values = {"name": name or "", "title": current.title if current else "",
              "addons": current.addon_names if current else []}
    error = None
    if request.method == "POST":
        values = {"name": name or request.POST.get("name", "").strip(), "title": request.POST.get("title", ""),
                  "addons": request.POST.getall("addons")}
        if name is None and values["name"] in {p.name for p in plan_service.list_plans(ops)}:
            error = request.translate(_("A plan with this name exists already."))
        else:
            try:
                plan_service.set_plan(ops, values["name"], values["addons"], values["title"])
            except TenantError as exc:
                error = reason(request, exc)
            else:
                flash(request, _("Plan saved."))
                return back(request, "console.plans")
    return {"page_title": _("Plan ${name}", mapping={"name": name}) if name else _("New plan"),
            "values": values, "error": error, "addons": _addon_choices(request), "editing": name is not None}


@view_config(route_name="console.plan.delete", request_method="POST")
def plan_delete(request):
    try:
        plan_service.delete_plan(operator(request), request.matchdict["name"])
    except TenantError as exc:
        flash(request, _("Refused: ${reason}", mapping={"reason": reason(request, exc)}), "error")
    else:
        flash(request, _("Plan deleted."))
    return back(request, "console.plans")


# -- the addons on the host ---------------------------------------------------------------------

def _distribution_version(name: str | None) -> str:
    if not name:
        return ""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return ""


@view_config(route_name="console.addons", renderer=TEMPLATES + "addons.pt")
def addons(request):
    catalog = request.registry.zg_catalog
    users: dict[str, list[str]] = {}
    for t in operator(request).list():
        for name in t.addons:
            users.setdefault(name, []).append(t.name)
    rows = [{"name": n, "addon": catalog[n], "dist_version": _distribution_version(catalog[n].distribution),
             "tenants": users.get(n, [])} for n in catalog]
    from ... import KERNEL_API_VERSION

    return {"page_title": _("Addons on this host"), "rows": rows, "kernel": KERNEL_API_VERSION,
            "errors": list(getattr(catalog, "errors", []))}


# -- the marketplace ----------------------------------------------------------------------------

def market(request):
    from ...market.services import Market

    return Market(request.registry.settings, actor=f"console:{request.operator_login}")


@view_config(route_name="console.market", renderer=TEMPLATES + "market.pt")
def marketplace(request):
    from ...market.services import MarketError

    offered, installed, error, problems = [], [], None, []
    try:
        m = market(request)
        offered = m.offered()
        problems = list(m.errors)  # an index that could not be read…
        installed = m.installed()
    except MarketError as exc:
        error = reason(request, exc)
    return {"page_title": _("Marketplace"), "offered": offered, "installed": installed, "error": error,
            "problems": problems}


@view_config(route_name="console.market.action", renderer=TEMPLATES + "market_confirm.pt")
def market_action(request):
    """GET: what is about to happen, with a confirm button. POST: do it."""
    from ...market.services import MarketError

    action = request.matchdict["action"]
    if action not in ACTIONS:
        raise HTTPNotFound()
    distribution = request.params.get("distribution", "").strip()[:200]
    version = request.params.get("version", "").strip()[:50] or None
    if not distribution:
        raise HTTPNotFound()
    if request.method == "POST":
        try:
            m = market(request)
            if action == "install":
                done = m.install(distribution, version)
            elif action == "upgrade":
                done = m.upgrade(distribution, version)
            else:
                m.remove(distribution)
                done = None
        except MarketError as exc:
            flash(request, _("Refused: ${reason}", mapping={"reason": reason(request, exc)}), "error")
        else:
            flash(request, _("${action}: ${what} done.", mapping={
                "action": request.translate(ACTIONS[action]),
                "what": f"{done.distribution} {done.version}" if done else distribution}))
            for line in done.report if done else []:  # migrations per company, the reload
                flash(request, line)
        return back(request, "console.market")
    return {"page_title": ACTIONS[action], "action": action, "title": ACTIONS[action],
            "distribution": distribution, "version": version}


# -- the audit log ------------------------------------------------------------------------------

@view_config(route_name="console.log", renderer=TEMPLATES + "log.pt")
def log(request):
    tenant = request.params.get("tenant", "").strip()[:40] or None
    rows = operator(request).history(tenant, 300)
    return {"page_title": _("Audit log"), "rows": rows, "tenant": tenant or ""}


def includeme(config):
    config.add_route("console.plans", "/plans")
    config.add_route("console.plan.new", "/plans/new")
    config.add_route("console.plan.edit", "/plans/{name}")
    config.add_route("console.plan.delete", "/plans/{name}/delete")
    config.add_route("console.addons", "/addons")
    config.add_route("console.market", "/market")
    config.add_route("console.market.action", "/market/{action}")
    config.add_route("console.log", "/log")
    config.scan(".views_host")
