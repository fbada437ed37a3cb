"""The generic create and edit forms: deform from the descriptor's colander schema.

The form validates for the field-level messages; the record service validates again
and writes, so the pages and the API share one path (permissions, scope, services).
"""
from __future__ import annotations

import colander
import deform
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config

from ... import records
from ...descriptors import ModelDescriptor
from ...i18n import _
from ...security.services import SecurityError
from ..lines import use_line_editor
from .common import crumbs, descriptor_of, flash, http_errors, require

DEFORM_BASE = ("deform:static/scripts/jquery-2.0.3.min.js", "deform:static/scripts/deform.js")
DEFORM_CSS = ("deform:static/css/form.css",)


def make_form(request, descriptor: ModelDescriptor, record=None) -> deform.Form:
    schema = records.bound_schema(descriptor, request.dbsession, request, record, request.user).clone()
    # Custom fields not shown on this form (docs/custom-fields.md) are left out; on save they keep their values.
    place = "new" if record is None else "edit"
    for node in [n for n in schema.children if place not in getattr(n, "zg_show", (place,))]:
        schema.children.remove(node)
    schema.add(colander.SchemaNode(colander.String(), name="csrf_token", widget=deform.widget.HiddenWidget(),
                                   default=request.session.get_csrf_token(), missing=""))
    use_line_editor(schema)
    button = deform.Button("save", _("Save"), css_class="btn-primary")
    form = deform.Form(schema, buttons=(button,), formid="zg-record-form")
    request.hook.form_widgets(request=request, descriptor=descriptor, form=form, record=record)
    return form


def form_values(schema, record) -> dict:
    """A record's values as the form's appstruct (sets as strings to match select values)."""
    out = {}
    for node in schema.children:
        if node.name == "csrf_token" or not (hasattr(record, node.name) or hasattr(node, "zg_custom")
                                             or hasattr(node, "zg_extension")):
            continue
        value = records.field_value(record, node)
        if value is None:
            continue
        if records.is_lines(node):
            value = [form_values(node.children[0], line) for line in value]
        elif isinstance(value, (set, frozenset, list, tuple)):
            value = {str(v) for v in value}
        out[node.name] = value
    return out


def resources(request, form: deform.Form) -> dict[str, list[str]]:
    """The deform scripts and stylesheets this form needs, as URLs (jQuery and deform first)."""
    needed = form.get_widget_resources()
    js = [*DEFORM_BASE, *[j for j in needed["js"] if j not in DEFORM_BASE]]
    css = [*DEFORM_CSS, *[c for c in needed["css"] if c not in DEFORM_CSS]]
    return {"js": [request.static_url(j) for j in js], "css": [request.static_url(c) for c in css]}


def _fail(form: deform.Form, errors: dict) -> str:
    """Render the form with the service's per-field errors (not caught by the form itself)."""
    error = colander.Invalid(form.schema, _("Please correct the marked fields."))
    for name, message in errors.items():
        if not _add_error(error, form.schema, name.split("."), message):
            error.msg = message
    form.widget.handle_error(form, error)
    return form.render()  # with the values just submitted (the form's cstruct)


def _add_error(error: colander.Invalid, node, path: list[str], message) -> bool:
    """Attach ``message`` at ``path`` (``["lines", "0", "quantity"]``) below ``error``; False if no such field."""
    if not path:
        return False
    head, rest = path[0], path[1:]
    if isinstance(node.typ, colander.Sequence):
        if not head.isdigit():
            return False
        child, pos = node.children[0], int(head)
    else:
        names = [c.name for c in node.children]
        if head not in names:
            return False
        pos = names.index(head)
        child = node.children[pos]
    sub = next((c for c in error.children if c.pos == pos), None)
    if sub is None:
        sub = colander.Invalid(child, message if not rest else None)
        if rest and not _add_error(sub, child, rest, message):
            return False
        error.add(sub, pos=pos)
        return True
    return _add_error(sub, child, rest, message) if rest else True


def save(request, descriptor: ModelDescriptor, form: deform.Form, record_id=None):
    """Validate and write through core.records; (rendered form with messages, None) or (None, record).

    Addon views that show a generic form elsewhere (the activity form on a record's tab)
    call this too, so errors look and roll back the same way.
    """
    try:
        form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return failure.render(), None
    # The cstruct the form just checked; the service deserializes it with the same schema.
    data = {k: v for k, v in form.cstruct.items() if k != "csrf_token"}
    session, access = request.dbsession, request.access
    try:
        with http_errors():
            if record_id is None:
                record = records.create(session, descriptor, access, data, request)
            else:
                record = records.update(session, descriptor, access, record_id, data, request)
    except records.ValidationFailed as exc:
        request.tm.doom()  # nothing the service may have flushed is committed
        return _fail(form, exc.errors), None
    except SecurityError as exc:
        request.tm.doom()
        return _fail(form, {exc.field or "": exc.message}), None
    return None, record


def page_values(request, descriptor, form, html, record=None):
    """What the form template needs (title, breadcrumbs, resources); addon views reuse it."""
    title = descriptor.title
    if record is None:
        crumbs(request, descriptor, (_("New"), None))
        page_title = _("New ${model}", mapping={"model": request.translate(title)})
    else:
        label = descriptor.label(record)
        crumbs(request, descriptor, (label, request.route_url("zg.model.detail", model=descriptor.name,
                                                              id=record.id)), (_("Edit"), None))
        page_title = _("Edit ${model}", mapping={"model": request.translate(title)})
    # A form with lines uses the page's width: the line editor is a wide table.
    wide = any(records.is_lines(node) for node in form.schema.children)
    return {"descriptor": descriptor, "form": html, "resources": resources(request, form),
            "page_title": page_title, "record": record, "wide": wide, **form_extras(request, descriptor, record)}


def form_extras(request, descriptor, record) -> dict:
    """Other addons' markup and scripts for this form (the ``form_extras`` hook), in their order."""
    found = [extra for result in request.hook.form_extras(request=request, descriptor=descriptor, record=record)
             for extra in (result or [])]
    found.sort(key=lambda e: int(e.get("order", 100)))
    return {"extras": [e["html"] for e in found if e.get("html")],
            "extra_js": [u for e in found for u in e.get("js", ())],
            "extra_css": [u for e in found for u in e.get("css", ())]}


@view_config(route_name="zg.model.new", renderer="core:web/templates/model/form.pt")
def new(request):
    descriptor = descriptor_of(request)
    if not descriptor.creatable:  # GET and POST alike: its records come from elsewhere (docs/models.md)
        raise HTTPForbidden()
    require(request, descriptor, "create")
    form = make_form(request, descriptor)
    if request.method == "POST":
        html, record = save(request, descriptor, form)
        if record is not None:
            flash(request, _("${model} created.", mapping={"model": request.translate(descriptor.title)}))
            return HTTPSeeOther(request.route_url("zg.model.detail", model=descriptor.name, id=record.id))
    else:
        # ``?partner_id=7`` prefills a field (a "New contact" link on a partner); the save validates it.
        prefill = {n.name: request.GET.getall(n.name) if isinstance(n.typ, colander.Set) else request.GET[n.name]
                   for n in form.schema.children if n.name != "csrf_token" and n.name in request.GET}
        try:
            html = form.render(prefill) if prefill else form.render()
        except (colander.Invalid, TypeError, ValueError):  # a value the field cannot show: no prefill
            html = form.render()
    return page_values(request, descriptor, form, html)


@view_config(route_name="zg.model.edit", renderer="core:web/templates/model/form.pt")
def edit(request):
    descriptor = descriptor_of(request)
    require(request, descriptor, "edit")
    with http_errors():
        record = records.get(request.dbsession, descriptor, request.access, request.matchdict["id"], "edit")
    if descriptor.editable is not None and not descriptor.editable(record):
        # e.g. an approved document: say why on its page rather than showing a form that cannot be saved
        flash(request, _("This record cannot be edited in its current state."), "error")
        return HTTPSeeOther(request.route_url("zg.model.detail", model=descriptor.name, id=record.id))
    form = make_form(request, descriptor, record)
    if request.method == "POST":
        html, saved = save(request, descriptor, form, record.id)
        if saved is not None:
            flash(request, _("${model} saved.", mapping={"model": request.translate(descriptor.title)}))
            return HTTPSeeOther(request.route_url("zg.model.detail", model=descriptor.name, id=saved.id))
    else:
        html = form.render(form_values(form.schema, record))
    return page_values(request, descriptor, form, html, record)
