"""Sharing and ownership transfer pages for the selected records of any owned model.

Views only parse the form and call :mod:`core.security.sharing`, which checks every
record first (all or nothing). Errors: a record the user may not see → 404, a record
the user may not share or transfer → 403, bad input → 400; the form is shown again
with the message.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPFound, HTTPNotFound
from pyramid.view import view_config

from ...i18n import _
from ...security import sharing
from ...security.models import Department, User
from ...security.services import SecurityError
from . import links


def _status(exc: SecurityError) -> int:
    if isinstance(exc, sharing.NotVisible):
        return 404
    if isinstance(exc, sharing.NotAllowed):
        return 403
    return 400


def _ints(values, field: str) -> list[int]:
    try:
        return [int(v) for v in values if str(v).strip()]
    except ValueError:
        raise SecurityError(_("Invalid choice."), field=field) from None


def _ids(request) -> list[int]:
    return sharing.parse_ids(request.params.getall("ids"))


def _next(request, descriptor, ids: list[int]) -> str:
    default = None
    if len(ids) == 1:
        default = links.record_url(request, descriptor, ids[0])
    default = default or links.list_url(request, descriptor) or request.application_url + "/"
    return links.safe_next(request, request.params.get("came_from"), default)


def share_choices(request) -> dict:
    session = request.dbsession
    return {
        "users": session.execute(sa.select(User.id, User.name, User.login).where(User.active.is_(True))
                                 .order_by(User.name, User.login)).all(),
        "departments": session.execute(sa.select(Department.id, Department.name, Department.path)
                                       .order_by(Department.path)).all(),
    }


def _base(request, descriptor, ids: list[int], title) -> dict:
    links.crumbs(request, (descriptor.title_plural, links.list_url(request, descriptor)), (title, None))
    return {"page_title": title, "descriptor": descriptor, "ids": ids, "records": [], "error": None,
            "refused": False, "came_from": request.params.get("came_from", ""), "shares": [],
            "names": {}, **share_choices(request)}


def _load(request, descriptor, values: dict, check) -> dict:
    """Load the selected records into ``values``; an error message and status otherwise."""
    try:
        records = sharing.load_records(request.dbsession, request.access, descriptor, values["ids"])
    except SecurityError as exc:
        request.response.status = _status(exc)
        values["error"] = exc.message
        values["refused"] = True
        return values
    values["records"] = records
    refused = [r for r in records if not check(request.dbsession, request.access, descriptor, r)]
    if refused:
        request.response.status = 403
        values["refused"] = True
        values["error"] = _("You may not do this with: ${records}", mapping={
            "records": ", ".join(f"{descriptor.label(r)} (#{r.id})" for r in refused[:10])})
    return values


def _share_values(request, descriptor, ids) -> dict:
    values = _base(request, descriptor, ids, _("Share ${what}",
                                              mapping={"what": request.translate(descriptor.title_plural)}))
    values = _load(request, descriptor, values, sharing.can_share)
    if len(values["records"]) == 1 and not values["refused"]:
        record = values["records"][0]
        values["shares"] = sharing.shares_of(request.dbsession, descriptor.name, record.id)
        values["names"] = share_names(request.dbsession, values["shares"])
    return values


def share_names(session, shares) -> dict:
    """Display names for the users and departments of some shares, by ``("u"|"d", id)``."""
    uids = {s.user_id for s in shares if s.user_id} | {s.shared_by_id for s in shares if s.shared_by_id}
    dids = {s.department_id for s in shares if s.department_id}
    names = {}
    if uids:
        names |= {("u", i): n for i, n in session.execute(
            sa.select(User.id, User.name).where(User.id.in_(uids)))}
    if dids:
        names |= {("d", i): n for i, n in session.execute(
            sa.select(Department.id, Department.name).where(Department.id.in_(dids)))}
    return names


def _ids_or_400(request):
    try:
        return _ids(request), None
    except SecurityError as exc:
        request.response.status = 400
        return [], exc.message


@view_config(route_name="zg.model.share", request_method="GET", renderer="core:web/templates/admin/share.pt")
def share_form(request):
    descriptor = links.descriptor_or_404(request, request.matchdict["model"])
    if not descriptor.owned:
        raise HTTPNotFound()
    ids, error = _ids_or_400(request)
    if error:
        return {**_base(request, descriptor, [], _("Share")), "error": error, "refused": True}
    return _share_values(request, descriptor, ids)


@view_config(route_name="zg.model.share", request_method="POST", renderer="core:web/templates/admin/share.pt")
def share_save(request):
    descriptor = links.descriptor_or_404(request, request.matchdict["model"])
    if not descriptor.owned:
        raise HTTPNotFound()
    ids: list[int] = []
    try:
        ids = _ids(request)
        count = sharing.share_records(
            request.dbsession, request.access, descriptor, ids,
            users=_ints(request.POST.getall("users"), "users"),
            departments=_ints(request.POST.getall("departments"), "departments"),
            can_edit=request.POST.get("access") == "edit")
    except SecurityError as exc:
        # Nothing was written: every record is checked before the first share.
        values = (_share_values(request, descriptor, ids) if ids
                  else _base(request, descriptor, [], _("Share")))
        request.response.status = _status(exc)
        values["error"] = exc.message
        values["refused"] = values["refused"] or isinstance(exc, (sharing.NotAllowed, sharing.NotVisible))
        return values
    request.session.flash(request.translate(_("Shared ${n} record(s); ${shares} new share(s).",
                                              mapping={"n": len(ids), "shares": count})))
    return HTTPFound(_next(request, descriptor, ids))


@view_config(route_name="zg.model.unshare", request_method="POST")
def unshare(request):
    descriptor = links.descriptor_or_404(request, request.matchdict["model"])
    record_id = int(request.matchdict["id"])
    try:
        sharing.unshare_record(request.dbsession, request.access, descriptor, record_id,
                               int(request.matchdict["share_id"]))
    except SecurityError as exc:
        if isinstance(exc, sharing.NotAllowed):
            raise HTTPForbidden() from None
        raise HTTPNotFound() from None
    request.session.flash(request.translate(_("The share was removed.")))
    default = (links.record_url(request, descriptor, record_id)
               or request.route_url("zg.model.share", model=descriptor.name, _query={"ids": record_id}))
    return HTTPFound(links.safe_next(request, request.params.get("came_from"), default))


def _transfer_values(request, descriptor, ids) -> dict:
    values = _base(request, descriptor, ids, _("Transfer ${what}",
                                              mapping={"what": request.translate(descriptor.title_plural)}))
    values["to"] = request.params.get("to", "")
    values["reason"] = request.params.get("reason", "")
    return _load(request, descriptor, values, sharing.can_transfer)


@view_config(route_name="zg.model.transfer", request_method="GET",
             renderer="core:web/templates/admin/transfer.pt")
def transfer_form(request):
    descriptor = links.descriptor_or_404(request, request.matchdict["model"])
    if not descriptor.owned:
        raise HTTPNotFound()
    ids, error = _ids_or_400(request)
    if error:
        return {**_base(request, descriptor, [], _("Transfer")), "error": error, "refused": True,
                "to": "", "reason": ""}
    return _transfer_values(request, descriptor, ids)


@view_config(route_name="zg.model.transfer", request_method="POST",
             renderer="core:web/templates/admin/transfer.pt")
def transfer_save(request):
    descriptor = links.descriptor_or_404(request, request.matchdict["model"])
    if not descriptor.owned:
        raise HTTPNotFound()
    ids: list[int] = []
    try:
        ids = _ids(request)
        moved = sharing.transfer_records(request.dbsession, request.access, descriptor, ids,
                                         request.POST.get("to"), request.POST.get("reason", ""))
    except SecurityError as exc:
        values = _transfer_values(request, descriptor, ids) if ids else {
            **_base(request, descriptor, [], _("Transfer")), "to": "", "reason": ""}
        request.response.status = _status(exc)
        values["error"] = exc.message
        values["field"] = exc.field
        values["refused"] = values["refused"] or isinstance(exc, (sharing.NotAllowed, sharing.NotVisible))
        return values
    request.session.flash(request.translate(_("${n} record(s) transferred.", mapping={"n": moved})))
    return HTTPFound(_next(request, descriptor, ids))
