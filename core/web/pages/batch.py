"""Batch actions on the rows selected in a list: delete, the model's actions, share, transfer, print.

Every record is checked with the record service (permission and scope); the batch
is all or nothing: if one record is refused, nothing is written.
"""
from __future__ import annotations

from urllib.parse import urlencode

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config

from ... import records
from ...i18n import _
from ...security.services import SecurityError
from .common import descriptor_of, error_text, flash, ids_of, local_url, require
from .list import list_tools

#: Batch choices that open another page with the selected ids (GET, no writing here).
REDIRECTS = {"share": "zg.model.share", "transfer": "zg.model.transfer", "print": "zg.model.print"}


@view_config(route_name="zg.model.batch", request_method="POST")
def batch(request):
    descriptor = descriptor_of(request)
    require(request, descriptor, "read")
    name = request.POST.get("action", "")
    ids = ids_of(request)
    back = local_url(request, request.POST.get("came_from"),
                     request.route_url("zg.model.list", model=descriptor.name))
    if not ids:
        flash(request, _("Select at least one record."), "error")
        return HTTPSeeOther(back)
    if name.startswith("tool:"):  # a list_tools tool offered for the selection: its url with the ids
        tool = next((t for t in list_tools(request, descriptor) if t.get("selection")
                     and f"tool:{t['id']}" == name), None)
        if tool is None:
            flash(request, _("This action is not available."), "error")
            return HTTPSeeOther(back)
        joiner = "&" if "?" in tool["url"] else "?"
        return HTTPSeeOther(tool["url"] + joiner + urlencode([("ids", i) for i in ids]))
    if name in REDIRECTS:
        try:
            url = request.route_url(REDIRECTS[name], model=descriptor.name, _query=[("ids", i) for i in ids])
        except KeyError:  # the sharing pages are not configured in this app
            flash(request, _("This action is not available."), "error")
            return HTTPSeeOther(back)
        return HTTPSeeOther(url)
    session, access = request.dbsession, request.access
    if name == "delete":
        permission = "delete"
    else:
        action = next((a for a in descriptor.actions if a.name == name and a.batch and a.schema is None), None)
        if action is None:
            flash(request, _("This action is not available."), "error")
            return HTTPSeeOther(back)
        permission = action.permission
    if not access.allowed(descriptor.name, permission):
        raise HTTPForbidden()
    try:
        if name == "delete":
            for record_id in ids:
                records.delete(session, descriptor, access, record_id)
            result = _("${n} record(s) deleted.", mapping={"n": len(ids)})
        else:
            result = records.run_action(session, descriptor, access, name, ids, request)
    except (records.NotFound, records.Forbidden):
        request.tm.doom()  # all or nothing
        flash(request, _("Nothing was done: some of the selected records cannot be changed by you."), "error")
        return HTTPSeeOther(back)
    except (SecurityError, records.ValidationFailed) as exc:
        request.tm.doom()
        flash(request, error_text(request, exc), "error")
        return HTTPSeeOther(back)
    except sa.exc.IntegrityError:
        request.tm.doom()
        flash(request, _("Nothing was done: some of the selected records are still in use."), "error")
        return HTTPSeeOther(back)
    flash(request, result if result else _("Done."))
    if name == "delete" and "/m/" in back and back.rstrip("/").split("/")[-1].isdigit():
        back = request.route_url("zg.model.list", model=descriptor.name)  # the detail page is gone
    return HTTPSeeOther(back)
