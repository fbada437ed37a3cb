"""What every page's layout shows: the menu from the installed addons, breadcrumbs.

Menu entries come from the ``menu_items`` hook; an entry with ``permission`` is
shown only to users who have it, and a group with no visible child is hidden.
"""
from __future__ import annotations

import dataclasses
from urllib.parse import parse_qsl, urlsplit

from pyramid.httpexceptions import HTTPException


@dataclasses.dataclass
class MenuEntry:
    id: str
    title: object
    url: str | None
    order: int
    icon: str = ""
    children: list[MenuEntry] = dataclasses.field(default_factory=list)
    active: bool = False


def _url(request, item) -> str | None:
    if item.get("url"):
        return item["url"]
    if item.get("route"):
        try:
            return request.route_url(item["route"], **item.get("route_kw", {}))
        except KeyError:  # a route of an addon whose routes are not configured here
            return None
    return None


def _is_current(request, url: str | None) -> bool:
    """The entry's page or a page below it (a list's detail, new and edit pages)."""
    if not url:
        return False
    here = request.path_url
    target = url.split("?")[0].rstrip("/")
    if target == request.application_url.rstrip("/"):  # the dashboard: only itself
        return here.rstrip("/") == target
    if here == target:  # the page itself: an entry with a query (customers) needs its values
        return all(request.params.get(k) == v for k, v in parse_qsl(urlsplit(url).query))
    return here.startswith(target + "/")


def _only_most_specific(entries) -> None:
    """Of entries for one page (all partners, customers…), keep only those with a query active."""
    by_path: dict[str, list[MenuEntry]] = {}
    for entry in entries:
        if entry.active and entry.url:
            by_path.setdefault(entry.url.split("?")[0], []).append(entry)
    for same in by_path.values():
        if any("?" in e.url for e in same):
            for entry in same:
                entry.active = "?" in entry.url


def build_menu(request) -> list[MenuEntry]:
    if request.user is None:
        return []
    items = [item for result in request.hook.menu_items(request=request) for item in (result or [])]
    entries: dict[str, MenuEntry] = {}
    parents: dict[str, str | None] = {}
    for item in items:
        permission = item.get("permission")
        if permission and not request.has_permission(permission):
            continue
        entry = MenuEntry(id=item["id"], title=item["title"], url=_url(request, item),
                          order=int(item.get("order", 100)), icon=item.get("icon", ""))
        entry.active = _is_current(request, entry.url)
        entries[entry.id] = entry
        parents[entry.id] = item.get("parent")
    _only_most_specific(entries.values())
    roots: list[MenuEntry] = []
    for entry_id, entry in entries.items():
        parent = entries.get(parents[entry_id] or "")
        (parent.children if parent is not None else roots).append(entry)

    def key(e: MenuEntry):
        return (e.order, str(request.translate(e.title) if hasattr(e.title, "domain") else e.title))

    def prune(nodes: list[MenuEntry]) -> list[MenuEntry]:
        kept = []
        for node in sorted(nodes, key=key):
            node.children = prune(node.children)
            if node.url or node.children:
                node.active = node.active or any(c.active for c in node.children)
                kept.append(node)
        return kept

    return prune(roots)


def _menu(request):
    try:
        return build_menu(request)
    except HTTPException:
        return []


def _company(request) -> dict:
    """The company profile for the layout (the ``company_profile`` hook), with defaults."""
    try:
        profile = request.hook.company_profile(request=request)
    except HTTPException:
        profile = None
    return {"name": "", "theme": "default", "idle_lock_minutes": 0, **(profile or {})}


def includeme(config):
    config.add_request_method(_menu, "menu", reify=True)
    config.add_request_method(_company, "company", reify=True)
    config.add_request_method(lambda r: [], "breadcrumbs", reify=True)
