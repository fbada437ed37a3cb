"""The audit log for administrators: filter, page, export to Excel. Read-only.

There is no view that changes or deletes audit entries, and :class:`AuditEntry` is not
a registered model, so the generic pages and the API do not serve it either.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy.orm import Session

from ... import spreadsheet
from ...descriptors import ModelDescriptor, models_for
from ...i18n import _
from ...records import Page
from ...security.models import AuditEntry
from ...security.sharing import MAX_ID
from . import links

PAGE_SIZE = 50
MAX_PAGE = 1_000_000
#: An export holds at most this many rows (newest first); narrow the filters for more.
EXPORT_LIMIT = 100_000

ACTION_TITLES = {
    "login": _("Signed in"),
    "login_failed": _("Failed sign-in"),
    "logout": _("Signed out"),
    "create": _("Created"),
    "update": _("Changed"),
    "delete": _("Deleted"),
    "password_changed": _("Password changed"),
    "password_reset": _("Password reset"),
    "unlocked": _("Account unlocked"),
    "app_install": _("App installed"),
    "app_uninstall": _("App removed"),
    "app_purge": _("App removed with its data"),
}


@dataclasses.dataclass
class AuditFilters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    user: str = ""  # part of the login
    action: str = ""
    model: str = ""  # a model name ("notes.note") or a table name ("notes_note")
    record_id: int | None = None

    def query(self) -> dict[str, str]:
        """The filters as URL parameters (for paging and the export link)."""
        out = {"date_from": self.date_from.isoformat() if self.date_from else "",
               "date_to": self.date_to.isoformat() if self.date_to else "",
               "user": self.user, "action": self.action, "model": self.model,
               "record_id": "" if self.record_id is None else str(self.record_id)}
        return {k: v for k, v in out.items() if v}


def parse_filters(params: Mapping[str, str]) -> tuple[AuditFilters, dict[str, object]]:
    """Filters from request parameters, and an error message per bad field."""
    filters, errors = AuditFilters(), {}
    for name in ("date_from", "date_to"):
        value = (params.get(name) or "").strip()
        if value:
            try:
                setattr(filters, name, dt.date.fromisoformat(value))
            except ValueError:
                errors[name] = _("Enter a date as YYYY-MM-DD.")
    record_id = (params.get("record_id") or "").strip()
    if record_id:
        try:
            filters.record_id = int(record_id)
            if not -MAX_ID <= filters.record_id <= MAX_ID:
                raise ValueError(record_id)
        except ValueError:
            errors["record_id"] = _("Enter a number.")
    filters.user = (params.get("user") or "").strip()[:80]
    filters.action = (params.get("action") or "").strip()[:20]
    filters.model = (params.get("model") or "").strip()[:100]
    return filters, errors


def _model_names(model: str, descriptors: Mapping[str, ModelDescriptor]) -> set[str]:
    """Record changes are logged by table name, other events by model name: match both."""
    names = {model}
    for name, descriptor in descriptors.items():
        table = getattr(descriptor.model, "__tablename__", None)
        if model in (name, table):
            names |= {name, table}
    return names


def _utc(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The start of ``day`` in the company's time zone, as stored (naive UTC)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC).replace(tzinfo=None)


def audit_select(filters: AuditFilters, descriptors: Mapping[str, ModelDescriptor],
                 tz: dt.tzinfo = dt.UTC) -> sa.Select:
    """The audit entries matching the filters, newest first; dates are days in ``tz``."""
    query = sa.select(AuditEntry)
    if filters.date_from:
        query = query.where(AuditEntry.at >= _utc(filters.date_from, tz))
    if filters.date_to:
        query = query.where(AuditEntry.at < _utc(filters.date_to + dt.timedelta(days=1), tz))
    if filters.user:
        query = query.where(AuditEntry.login.icontains(filters.user, autoescape=True))
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.model:
        query = query.where(AuditEntry.model.in_(sorted(_model_names(filters.model, descriptors))))
    if filters.record_id is not None:
        query = query.where(AuditEntry.record_id == filters.record_id)
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def audit_page(session: Session, query: sa.Select, page: int = 1, size: int = PAGE_SIZE) -> Page:
    page = max(1, page)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.limit(size).offset((page - 1) * size)))
    return Page(items=items, total=total, page=page, size=size)


def known_actions(session: Session) -> list[str]:
    """The actions offered in the filter: the known ones and any seen recently."""
    recent = sa.select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(5000).subquery()
    seen = set(session.scalars(sa.select(recent.c.action).distinct()))
    return list(ACTION_TITLES) + sorted(seen - set(ACTION_TITLES))


def change_lines(entry: AuditEntry) -> list[tuple[str, object, object, bool]]:
    """``(field, old, new, is_change)`` per field: old → new for updates, the value otherwise."""
    lines = []
    for key, value in sorted((entry.changes or {}).items()):
        if entry.action == "update" and isinstance(value, list) and len(value) == 2:
            lines.append((key, value[0], value[1], True))
        else:
            lines.append((key, None, value, False))
    return lines


def changes_text(entry: AuditEntry) -> str:
    parts = []
    for key, old, new, is_change in change_lines(entry):
        parts.append(f"{key}: {show(old)} → {show(new)}" if is_change else f"{key}: {show(new)}")
    return "; ".join(parts)


def show(value) -> str:
    """A logged value as text: ∅ for none, "" for an empty text."""
    if value is None:
        return "∅"
    return '""' if value == "" else str(value)


def audit_workbook(session: Session, query: sa.Select, translate, tz: dt.tzinfo = dt.UTC) -> bytes:
    """The entries as an .xlsx file (at most :data:`EXPORT_LIMIT` rows)."""
    header = [translate(t) for t in (_("Time"), _("User"), _("Action"), _("Model"),
                                     _("Record"), _("Address"), _("Changes"))]

    def rows():
        for entry in session.scalars(query.limit(EXPORT_LIMIT).execution_options(yield_per=1000)):
            title = ACTION_TITLES.get(entry.action)
            at = entry.at.replace(tzinfo=dt.UTC).astimezone(tz).replace(tzinfo=None)
            yield (at, entry.login, translate(title) if title else entry.action, entry.model,
                   entry.record_id, entry.address, changes_text(entry))

    return spreadsheet.workbook(translate(_("Audit log")), header, rows())


# -- views ------------------------------------------------------------------------------

@view_config(route_name="zg.audit", request_method="GET", permission="admin",
             renderer="core:web/templates/admin/audit.pt")
def audit_view(request):
    descriptors = models_for(request)
    filters, errors = parse_filters(request.GET)
    try:
        page_no = min(int(request.GET.get("page", 1)), MAX_PAGE)
    except ValueError:
        page_no = 1
    if errors:
        request.response.status = 400
        result = Page(items=[], total=0, page=1, size=PAGE_SIZE)
    else:
        result = audit_page(request.dbsession, audit_select(filters, descriptors, request.fmt.tzinfo),
                            page_no)
    by_table = {getattr(d.model, "__tablename__", ""): d for d in descriptors.values()}
    links.crumbs(request, (_("Audit log"), None))

    def page_url(number: int) -> str:
        return request.route_url("zg.audit", _query={**filters.query(), "page": number})

    def record_link(entry) -> str | None:
        descriptor = descriptors.get(entry.model) or by_table.get(entry.model)
        if descriptor is None or entry.record_id is None or entry.action == "delete":
            return None
        return links.record_url(request, descriptor, entry.record_id)

    def model_title(entry):
        descriptor = descriptors.get(entry.model) or by_table.get(entry.model)
        return descriptor.title if descriptor is not None else entry.model

    return {"page_title": _("Audit log"), "filters": filters, "errors": errors, "result": result,
            "actions": known_actions(request.dbsession), "action_titles": ACTION_TITLES,
            "models": sorted(descriptors), "page_url": page_url, "record_link": record_link,
            "model_title": model_title, "change_lines": change_lines, "show": show,
            "export_url": request.route_url("zg.audit.export", _query=filters.query())}


@view_config(route_name="zg.audit.export", request_method="GET", permission="admin")
def audit_export(request):
    filters, errors = parse_filters(request.GET)
    if errors:
        return Response(status=400, content_type="text/plain", charset="utf-8",
                        text="; ".join(f"{k}: {request.translate(v)}" for k, v in errors.items()))
    query = audit_select(filters, models_for(request), request.fmt.tzinfo)
    body = audit_workbook(request.dbsession, query, request.translate, request.fmt.tzinfo)
    name = f"audit-{dt.date.today():%Y%m%d}.xlsx"
    return Response(body=body, content_type=spreadsheet.XLSX,
                    content_disposition=f'attachment; filename="{name}"')
