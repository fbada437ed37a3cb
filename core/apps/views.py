"""Administration → Apps: the list, one app's detail, and the confirmation page of a change.

Thin views over :class:`core.apps.services.Apps`. Every view that runs the life cycle
(a dry run too) first ends the request's own transaction: the life cycle works on
its own connection, and locks that the request holds (rows it read or wrote) would
otherwise make it wait for a transaction that waits for it.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.i18n import TranslationString
from pyramid.view import view_config

from ..i18n import DOMAIN, _
from ..web.admin import links
from .services import AVAILABLE, INCOMPATIBLE, INSTALLED, MISSING, NOT_ALLOWED, Apps, AppsError

TEMPLATES = "core.apps:templates/"

STATE_TITLES = {
    INSTALLED: _("Installed"),
    AVAILABLE: _("Available"),
    NOT_ALLOWED: _("Not in your plan"),
    INCOMPATIBLE: _("Cannot be installed"),
    MISSING: _("Code missing"),
}


def apps_for(request) -> Apps:
    """The service for the request's database, acting as the signed-in user."""
    user = request.user
    return Apps(request.database, request.registry.zg_catalog, request.registry.settings,
                request.registry.zg_registries, user_id=getattr(user, "id", None),
                login=getattr(user, "login", "") or "", address=request.client_addr or "",
                reports=getattr(request.registry, "zg_reports", None))


def release_transaction(request) -> None:
    """Commit the request's transaction (it has only read so far) and begin a fresh one.

    On SQLite a request that wrote holds the database's write lock; on PostgreSQL a
    request that read a table holds a lock that DROP TABLE waits for. The life cycle
    runs on another connection, so either would hang it: the request lets go first.
    """
    user = request.user
    request.tm.commit()
    request.tm.begin()
    if user is not None:
        request.dbsession.add(user)  # the layout still reads the signed-in user


def text(request, value: str) -> str:
    """A text of the host (a category) in the page's language when the catalog has it."""
    return request.translate(TranslationString(value, domain=DOMAIN)) if value else ""


def app_text(request, app, key: str) -> str:
    """The app's ``title``, ``summary`` or ``category`` in the page's language.

    The addon's manifest translates itself (``[locale.zh_Hans]``); else the catalog
    may know the English text (a category such as "Sales"); else the English.
    """
    own = (app.texts or {}).get(request.locale_name, {}).get(key)
    if own:
        return own
    value = getattr(app, key, "") or (app.name if key == "title" else "")
    return text(request, value)


def _matches(request, app, query: str) -> bool:
    query = query.lower()
    fields = (app.name, app.title, app.summary, app.category,
              *(app_text(request, app, key) for key in ("title", "summary", "category")))
    return any(query in (f or "").lower() for f in fields)


def menu_lines(request, entries, limit: int | None = None) -> list[str]:
    """The menu entries as lines, one per group: "Sales › Quotations, Sales orders".

    ``limit`` shortens each group to that many entries and "…" (the cards); the
    detail page shows them all.
    """
    groups: dict[object, list] = {}
    for entry in entries:
        groups.setdefault(entry.parent, []).append(entry.title)
    lines = []
    for group, titles in groups.items():
        names = [_tr(request, t) for t in titles]
        if limit is not None and len(names) > limit:
            names = names[:limit] + ["…"]
        lines.append(f"{_tr(request, group)} › {', '.join(names)}" if group is not None else ", ".join(names))
    return lines


def _tr(request, value) -> str:
    return request.translate(value) if hasattr(value, "domain") else str(value)


def _common(request) -> dict:
    return {"state_titles": STATE_TITLES, "text": text, "app_text": app_text, "menu_lines": menu_lines,
            "css_url": request.static_url("core.apps:static/apps.css")}


@view_config(route_name="zg.apps", request_method="GET", permission="admin",
             renderer=TEMPLATES + "list.pt")
def apps_list(request):
    query = (request.GET.get("q") or "").strip()[:100]
    apps = apps_for(request).list()
    shown = [a for a in apps if not query or _matches(request, a, query)]
    groups: dict[str, list] = {}
    for app in shown:
        groups.setdefault(app.category, []).append(app)
    links.crumbs(request, (_("Apps"), None))
    titles = {category: app_text(request, members[0], "category") for category, members in groups.items()}
    return {"page_title": _("Apps"), "groups": sorted(groups.items(), key=lambda g: titles[g[0]].lower()),
            "category_titles": titles,
            "query": query, "total": len(apps), "shown": len(shown),
            "installed": sum(1 for a in apps if a.state == INSTALLED), **_common(request)}


def _app_or_404(request, apps: Apps):
    try:
        return apps.get(request.matchdict["name"])
    except AppsError:
        raise HTTPNotFound() from None


@view_config(route_name="zg.apps.detail", request_method="GET", permission="admin",
             renderer=TEMPLATES + "detail.pt")
def app_detail(request):
    app = _app_or_404(request, apps_for(request))
    links.crumbs(request, (_("Apps"), request.route_url("zg.apps")), (app.name, None))
    return {"page_title": _("App: ${name}", mapping={"name": app.name}), "app": app, **_common(request)}


def _confirm_page(request, apps: Apps, app, action: str, purge: bool, error=None) -> dict:
    """The dry runs behind the confirmation: the change itself, and for a removal its purge too."""
    plan = purge_plan = None
    if error is None:
        try:
            plan = apps.plan(app.name, action, purge=False)
            if action == "remove":
                purge_plan = apps.plan(app.name, action, purge=True)
        except AppsError as exc:
            error = exc
    if error is not None:
        request.response.status = error.status if error.status in (400, 403) else 400
    links.crumbs(request, (_("Apps"), request.route_url("zg.apps")),
                 (app.name, request.route_url("zg.apps.detail", name=app.name)),
                 (_("Install") if action == "install" else _("Remove"), None))
    title = (_("Install ${name}?", mapping={"name": app.name}) if action == "install"
             else _("Remove ${name}?", mapping={"name": app.name}))
    return {"page_title": title, "app": app, "action": action, "purge": purge, "plan": plan,
            "purge_plan": purge_plan, "error": error.message if error is not None else None,
            "form_url": request.route_url("zg.apps.confirm", name=app.name, action=action),
            "back_url": request.route_url("zg.apps.detail", name=app.name), **_common(request)}


@view_config(route_name="zg.apps.confirm", request_method="GET", permission="admin",
             renderer=TEMPLATES + "confirm.pt")
def app_confirm(request):
    apps = apps_for(request)
    app = _app_or_404(request, apps)
    release_transaction(request)
    action = request.matchdict["action"]
    return _confirm_page(request, apps, app, action, action == "remove" and request.GET.get("purge") == "1")


@view_config(route_name="zg.apps.confirm", request_method="POST", permission="admin",
             renderer=TEMPLATES + "confirm.pt")
def app_change(request):
    apps = apps_for(request)
    app = _app_or_404(request, apps)
    release_transaction(request)
    action = request.matchdict["action"]
    purge = action == "remove" and request.POST.get("purge") == "1"
    try:
        result = apps.install(app.name) if action == "install" else apps.remove(app.name, purge=purge)
    except AppsError as exc:
        return _confirm_page(request, apps, app, action, purge, error=exc)
    names = ", ".join(result.plan.names)
    if action == "install":
        message = _("Installed: ${names}. Its menu entries are there now.", mapping={"names": names})
    elif purge:
        message = _("Removed with their data: ${names}.", mapping={"names": names})
    else:
        message = _("Removed: ${names}. Their data is kept.", mapping={"names": names})
    request.session.flash(request.translate(message))
    return HTTPSeeOther(request.route_url("zg.apps.detail", name=app.name))
