"""Console pages: sign-in and out, the language, the tenants and everything done to one.

Views are thin: they parse (colander), call :class:`core.tenants.services.Operator` or
:mod:`core.tenants.plans` as the signed-in hosting administrator, and render. The
services write the operator's audit log.
"""
from __future__ import annotations

import colander
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from ...i18n import LOCALES, _
from ...security.services import LoginPolicy
from .. import plans
from ..mail import configured as mail_configured
from ..mail import deliver_password
from ..services import DOMAIN_RE, EMAIL_RE, NAME_RE, TenantError, split_hosts
from . import LOCALE_COOKIE, auth
from .common import TEMPLATES, back, came_from, flash, operator, reason, size

STATE_TITLES = {"active": _("Active"), "suspended": _("Suspended"), "creating": _("Being created")}


# -- signing in ---------------------------------------------------------------------------------

@view_config(route_name="console.login", renderer=TEMPLATES + "login.pt", permission=NO_PERMISSION_REQUIRED)
def login(request):
    target = came_from(request, request.params.get("came_from"))
    error, login_value = None, ""
    if request.method == "POST":
        login_value = request.POST.get("login", "")[:80]
        policy = LoginPolicy.from_settings(request.registry.settings)
        try:
            who = auth.check(operator(request), request.registry.zg_operators, login_value,
                             request.POST.get("password", ""), policy, address=request.client_addr or "")
        except auth.SigninError as exc:
            error = exc.message
        else:
            auth.remember(request, who)
            return HTTPSeeOther(target)
    elif request.operator_login is not None:
        return HTTPSeeOther(target)
    return {"page_title": _("Sign in"), "error": error, "login": login_value,
            "came_from": request.params.get("came_from", "")}


@view_config(route_name="console.logout", request_method="POST", permission=NO_PERMISSION_REQUIRED)
def logout(request):
    if request.operator_login is not None:
        operator(request).log("signout", "", "ok", request.operator_login)
    request.session.invalidate()
    return back(request, "console.login")


@view_config(route_name="console.language", request_method="POST", permission=NO_PERMISSION_REQUIRED)
def language(request):
    """Remember the console's language in this browser, then back to the page."""
    locale = request.POST.get("locale")
    response = HTTPSeeOther(came_from(request, request.POST.get("came_from")))
    if locale in LOCALES:
        response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 86400, httponly=True, samesite="Lax")
    return response


@view_config(route_name="console.home")
def home(request):
    return back(request, "console.tenants")


# -- the tenants --------------------------------------------------------------------------------

#: Tenants per page of the console's list (only they have their databases read).
PAGE_SIZE = 50


@view_config(route_name="console.tenants", renderer=TEMPLATES + "tenants.pt")
def tenants(request):
    q = request.params.get("q", "").strip().lower()[:100]
    try:
        page = max(1, int(request.params.get("page", 1)))
    except ValueError:
        page = 1
    rows, total = operator(request).search(q, page, PAGE_SIZE, addons=request.registry.zg_catalog)
    pages = max(1, -(-total // PAGE_SIZE))
    return {"page_title": _("Tenants"), "rows": rows, "q": q, "size": size, "states": STATE_TITLES,
            "page": page, "pages": pages, "total": total}


def _tenant_or_404(request):
    try:
        return operator(request).info(request.matchdict["name"])
    except TenantError:
        raise HTTPNotFound() from None


@view_config(route_name="console.tenant", renderer=TEMPLATES + "tenant.pt")
def tenant(request):
    info = _tenant_or_404(request)
    ops = operator(request)
    return {"page_title": info.name, "t": info, "size": size, "states": STATE_TITLES,
            "history": ops.history(info.name, 50), "plans": plans.list_plans(ops),
            "backups": sorted(ops.backup_dir(info.name).glob("*.tar.gz"), reverse=True)[:10]
            if ops.backup_dir(info.name).is_dir() else []}


def _act(request, work, done) -> HTTPSeeOther:
    """Run ``work()``; flash ``done`` or the refusal; back to the tenant's page."""
    name = request.matchdict["name"]
    try:
        work(operator(request), name)
    except TenantError as exc:
        flash(request, _("Refused: ${reason}", mapping={"reason": reason(request, exc)}), "error")
    except Exception as exc:  # noqa: BLE001  a failed backup or database: say it, keep the page
        flash(request, _("Failed: ${reason}", mapping={"reason": f"{type(exc).__name__}: {exc}"}), "error")
    else:
        flash(request, done)
    return back(request, "console.tenant", name=name)


@view_config(route_name="console.tenant.suspend", request_method="POST")
def suspend(request):
    message = request.POST.get("message", "").strip()[:2000]
    return _act(request, lambda ops, n: ops.suspend(n, message), _("The company is suspended."))


@view_config(route_name="console.tenant.resume", request_method="POST")
def resume(request):
    return _act(request, lambda ops, n: ops.resume(n), _("The company is served again."))


@view_config(route_name="console.tenant.backup", request_method="POST")
def backup(request):
    return _act(request, lambda ops, n: ops.backup(n), _("Backup written."))


@view_config(route_name="console.tenant.domains", request_method="POST")
def domains(request):
    add = split_hosts(request.POST.get("add", ""))
    remove = split_hosts(request.POST.getall("remove"))
    bad = [d for d in add if not DOMAIN_RE.match(d)]
    if bad:
        flash(request, _("Not a host name: ${host}", mapping={"host": ", ".join(bad)}), "error")
        return back(request, "console.tenant", name=request.matchdict["name"])
    return _act(request, lambda ops, n: ops.set_domains(n, add, remove), _("Host names saved."))


@view_config(route_name="console.tenant.plan", request_method="POST")
def plan(request):
    chosen = request.POST.get("plan", "").strip() or None
    return _act(request, lambda ops, n: plans.assign(ops, n, chosen), _("Plan saved."))


@view_config(route_name="console.tenant.drop", request_method="POST")
def drop(request):
    name = request.matchdict["name"]
    if request.POST.get("confirm", "").strip() != name:
        flash(request, _("Type the company's name ${name} to confirm.", mapping={"name": name}), "error")
        return back(request, "console.tenant", name=name)
    keep = request.POST.get("keep_backup") == "1"
    ops = operator(request)
    try:
        path = ops.drop(name, keep_backup=keep)
    except Exception as exc:  # noqa: BLE001  TenantError, a failed backup: nothing (or only hosts) gone
        flash(request, _("Refused: ${reason}", mapping={"reason": reason(request, exc)}), "error")
        return back(request, "console.tenant", name=name)
    flash(request, _("${name} dropped; backup kept at ${path}", mapping={"name": name, "path": str(path)})
          if path else _("${name} dropped, without a backup.", mapping={"name": name}))
    return back(request, "console.tenants")


# -- creating a tenant --------------------------------------------------------------------------

def _name(node, value):
    if not NAME_RE.match(value):
        raise colander.Invalid(node, _("2 to 40 lower-case letters, digits and _, starting with a letter."))


def _hosts(node, value):
    hosts = split_hosts(value)
    if not hosts:
        raise colander.Invalid(node, _("At least one host name."))
    bad = [h for h in hosts if not DOMAIN_RE.match(h)]
    if bad:
        raise colander.Invalid(node, _("Not a host name: ${host}", mapping={"host": ", ".join(bad)}))


def _email(node, value):
    if value and not EMAIL_RE.match(value):
        raise colander.Invalid(node, _("Not an email address."))


class TenantSchema(colander.MappingSchema):
    name = colander.SchemaNode(colander.String(), title=_("Name"), validator=_name,
                               preparer=lambda v: v.strip().lower() if isinstance(v, str) else v)
    domains = colander.SchemaNode(colander.String(), title=_("Host names"), validator=_hosts)
    plan = colander.SchemaNode(colander.String(), title=_("Plan"), missing="")
    addons = colander.SchemaNode(colander.List(), title=_("Addons"), missing=[])
    demo = colander.SchemaNode(colander.Boolean(), title=_("Demo data"), missing=False)
    admin_email = colander.SchemaNode(colander.String(), title=_("Administrator's email"), missing="",
                                      validator=_email)


def _create_choices(request):
    ops = operator(request)
    catalog = request.registry.zg_catalog
    all_plans = plans.list_plans(ops)
    allowed = {p.name: sorted(plans.closure(p.addons, catalog)) for p in all_plans}
    addons = [catalog[n] for n in catalog if n not in plans.ALWAYS and not catalog[n].manifest.auto_install]
    return all_plans, allowed, addons


@view_config(route_name="console.tenant.new", renderer=TEMPLATES + "create.pt")
def create(request):
    all_plans, allowed, addons = _create_choices(request)
    values = {"name": "", "domains": "", "plan": "", "addons": [], "demo": False, "admin_email": ""}
    errors: dict[str, str] = {}
    result = None
    if request.method == "POST":
        values = {"name": request.POST.get("name", ""), "domains": request.POST.get("domains", ""),
                  "plan": request.POST.get("plan", ""), "addons": request.POST.getall("addons"),
                  "demo": "true" if request.POST.get("demo") else "false",
                  "admin_email": request.POST.get("admin_email", "")}
        try:
            data = TenantSchema().deserialize(values)
        except colander.Invalid as exc:
            errors = {k: request.translate(v) if hasattr(v, "interpolate") else v
                      for k, v in exc.asdict(translate=request.translate).items()}
        else:
            result = _create(request, data, errors)
        values["demo"] = values["demo"] == "true"
    return {"page_title": _("New tenant"), "values": values, "errors": errors, "plans": all_plans,
            "allowed": allowed, "addons": addons, "result": result, "mail": mail_configured(request.registry.settings)}


def _create(request, data: dict, errors: dict) -> dict | None:
    ops = operator(request)
    try:
        created = ops.create(data["name"], split_hosts(data["domains"]), data["addons"], demo=data["demo"],
                             plan=data["plan"] or None, admin_email=data["admin_email"])
    except TenantError as exc:
        errors["_"] = reason(request, exc)
        return None
    problem = deliver_password(ops, created, data["admin_email"]) if data["admin_email"] else "no email"
    # Rendered once, never put in the session (its cookie is signed, not encrypted).
    return {"created": created, "emailed": problem is None, "problem": problem if data["admin_email"] else "",
            "email": data["admin_email"]}


def includeme(config):
    config.add_route("console.home", "/")
    config.add_route("console.login", "/login")
    config.add_route("console.logout", "/logout")
    config.add_route("console.language", "/language")
    config.add_route("console.tenants", "/tenants")
    config.add_route("console.tenant.new", "/tenants/new")
    config.add_route("console.tenant", "/tenants/{name}")
    for action in ("suspend", "resume", "backup", "domains", "plan", "drop"):
        config.add_route(f"console.tenant.{action}", f"/tenants/{{name}}/{action}")
    config.scan(".views_tenants")
