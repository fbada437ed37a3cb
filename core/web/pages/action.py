"""A model action with parameters (``Action.schema``) as a form page: ask, run, back to the record.

The action runs through :func:`core.records.run_action`, which checks the parameters with the
same schema as the API (``POST /api/v1/<model>/<id>/<action>``), so both refuse alike.
"""
from __future__ import annotations

import colander
import deform
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ... import records
from ...i18n import _
from .common import crumbs, descriptor_of, error_text, flash, http_errors, local_url, require
from .form import _fail, resources


@view_config(route_name="zg.model.action", renderer="core:web/templates/model/form.pt")
def action_form(request):
    descriptor = descriptor_of(request)
    action = next((a for a in descriptor.actions if a.name == request.matchdict["action"]), None)
    if action is None or action.schema is None:
        raise HTTPNotFound()
    require(request, descriptor, action.permission)
    session = request.dbsession
    with http_errors():
        record = records.get(session, descriptor, request.access, request.matchdict["id"], action.permission)
    detail = request.route_url("zg.model.detail", model=descriptor.name, id=record.id)
    if not action.is_available(record, request):
        flash(request, _("This action is not available."), "error")
        return HTTPSeeOther(detail)
    schema = records.action_schema(action, session, request, [record], request.user).clone()
    schema.add(colander.SchemaNode(colander.String(), name="csrf_token", widget=deform.widget.HiddenWidget(),
                                   default=request.session.get_csrf_token(), missing=""))
    # ``?came_from=/crm/pipeline``: where to go back to afterwards (a page of this site only).
    back = local_url(request, request.params.get("came_from") or None, detail)
    schema.add(colander.SchemaNode(colander.String(), name="came_from", widget=deform.widget.HiddenWidget(),
                                   default=request.params.get("came_from", ""), missing=""))
    form = deform.Form(schema, buttons=(deform.Button("run", action.title, css_class="btn-primary"),),
                       formid="zg-action-form")
    if request.method == "POST":
        try:
            form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            html = failure.render()
        else:
            data = {k: v for k, v in form.cstruct.items() if k not in ("csrf_token", "came_from")}
            try:
                with http_errors():
                    result = records.run_action(session, descriptor, request.access, action.name, [record.id],
                                                request, **data)
            except records.ValidationFailed as exc:
                request.tm.doom()
                html = _fail(form, exc.errors)
            except ValueError as exc:  # a service's refusal that names no field
                request.tm.doom()
                html = _fail(form, {"": error_text(request, exc)})
            else:
                if result is not None:
                    flash(request, result)
                return HTTPSeeOther(back)
    else:
        html = form.render()
    crumbs(request, descriptor, (descriptor.label(record), detail), (action.title, None))
    return {"descriptor": descriptor, "form": html, "resources": resources(request, form),
            "page_title": action.title, "record": record, "wide": False}
