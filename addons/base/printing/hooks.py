"""Hook implementations of base's printing part (collected by addons/base/hooks.py).

Print buttons on lists (``list_tools``: the selection or the current filter) and on
detail pages (``record_tools``) of every model that has an active print template; the
menu entry; the default templates at install.
"""
from __future__ import annotations

from core import datacache
from core.hookspecs import hookimpl
from core.i18n import _

from . import defaults, services

#: What the buttons say, per template kind.
TOOL_TITLES = {"document": _("Print PDF"), "envelope": _("Envelopes"), "label": _("Address labels")}
#: Query parameters of a list that are not part of its search and filters.
_NOT_FILTERS = {"page", "size", "ids", "template", "kind"}


def _defaults_by_kind(request, model: str) -> dict[str, tuple[int, str]]:
    """``{kind: (id, name)}`` of the model's first template of each kind (kept per process)."""
    def read() -> dict[str, tuple[int, str]]:
        found: dict[str, tuple[int, str]] = {}
        for template in services.templates_for(request.dbsession, model):
            found.setdefault(template.kind, (template.id, template.name))  # defaults come first
        return found
    return datacache.cached(request.dbsession, ("print_templates", model), read)


@hookimpl(specname="list_tools")
def print_list_tools(request, descriptor):
    """Print (PDF), print preview, envelopes and labels of the list's filter or of the selected rows."""
    if descriptor.name == "base.print_template":
        return None
    templates = _defaults_by_kind(request, descriptor.name)
    if not templates:
        return None
    current = [(k, v) for k, v in request.GET.items() if k not in _NOT_FILTERS]
    tools = []
    for order, kind in enumerate(("document", "envelope", "label")):
        template = templates.get(kind)
        if template is None:
            continue
        query = [*current, ("template", template[0])]
        tools.append({"id": f"print-{kind}", "title": TOOL_TITLES[kind], "order": 50 + order,
                      "url": request.route_url("base.print.pdf", model=descriptor.name, _query=query),
                      "target": "_blank", "selection": True})
        if kind == "document":
            tools.append({"id": "print-preview", "title": _("Print preview (template)"), "order": 49,
                          "url": request.route_url("base.print.preview", model=descriptor.name, _query=query),
                          "target": "_blank", "selection": True})
    return tools


@hookimpl(specname="record_tools")
def print_record_tools(request, descriptor, record):
    """Print this record (PDF, preview, envelope, label); the editor of a print template."""
    if descriptor.name == "base.print_template":
        if request.access.allowed(descriptor.name, "edit"):
            return [{"id": "print-editor", "title": _("Edit the template"), "order": 10,
                     "url": request.route_url("base.print_template.editor", id=record.id)}]
        return None
    tools = []
    for order, (kind, (template_id, name)) in enumerate(_defaults_by_kind(request, descriptor.name).items()):
        query = {"ids": record.id, "template": template_id}
        tools.append({"id": f"print-{kind}", "title": TOOL_TITLES.get(kind, name), "order": 50 + order,
                      "url": request.route_url("base.print.pdf", model=descriptor.name, _query=query),
                      "target": "_blank"})
        if kind == "document":
            tools.append({"id": "print-preview", "title": _("Print preview (template)"), "order": 49,
                          "url": request.route_url("base.print.preview", model=descriptor.name, _query=query),
                          "target": "_blank"})
    return tools or None


@hookimpl(specname="menu_items")
def printing_menu_items(request):
    return [{"id": "admin.print_templates", "parent": "admin", "title": _("Print templates"), "order": 7,
             "route": "zg.model.list", "route_kw": {"model": "base.print_template"},
             "permission": "base:print_template:read"}]


@hookimpl(specname="addon_data")
def printing_addon_data(session, registry):
    """Envelopes and address labels for partners and contacts in every new database."""
    defaults.seed_mailing(session)


@hookimpl(specname="addon_installed")
def printing_addon_installed(session, registry, name):
    """A document template for each document type of the addon just installed."""
    addon = registry.catalog[name] if name in registry.catalog else None
    if addon is not None:
        defaults.seed_documents(session, defaults.types_of_addon(addon.module), registry.catalog)
