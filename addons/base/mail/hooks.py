"""Hook implementations of base's mail part (collected by addons/base/hooks.py).

The Email menu, the blast report tab, the received mail tab, the mailbox's reading
status, "Preview" on a template, "Open the list" on a segment and "Save as segment"
on the partner and contact lists.
"""
from __future__ import annotations

from urllib.parse import urlencode

import sqlalchemy as sa
from pyramid.renderers import render

from core import records
from core.hookspecs import hookimpl
from core.i18n import _

from . import blasts, segments
from .models import MailFolderState
from .registration import BLAST, EMAIL_TEMPLATE, RECEIVED_MAIL, SEGMENT

TEMPLATES = "addons.base.mail:templates/"


@hookimpl(specname="menu_items")
def mail_menu(request):
    return [{"id": "mail", "title": _("Mail"), "order": 35},
            {"id": "mail.blasts", "parent": "mail", "title": _("Email blasts"), "order": 10,
             "route": "zg.model.list", "route_kw": {"model": BLAST.name}, "permission": BLAST.permission("read")},
            {"id": "mail.segments", "parent": "mail", "title": _("Segments"), "order": 20,
             "route": "zg.model.list", "route_kw": {"model": SEGMENT.name},
             "permission": SEGMENT.permission("read")},
            {"id": "mail.templates", "parent": "mail", "title": _("Email templates"), "order": 30,
             "route": "zg.model.list", "route_kw": {"model": EMAIL_TEMPLATE.name},
             "permission": EMAIL_TEMPLATE.permission("read")},
            {"id": "mail.received", "parent": "mail", "title": _("Received mail"), "order": 40,
             "route": "zg.model.list", "route_kw": {"model": RECEIVED_MAIL.name},
             "permission": RECEIVED_MAIL.permission("read")}]


def _report_rows(request, blast) -> list[dict]:
    session = request.dbsession
    rows = []
    for run in reversed(blast.runs):
        title = request.fmt.datetime(run.started_at) if hasattr(request, "fmt") else str(run.started_at)
        if blast.schedule == "periodic":
            title = f"{run.period} ({title})"
        rows.append({"key": run.id, "title": title, "counts": blasts.report(session, blast, run), "total": False})
    if len(rows) > 1:
        rows.insert(0, {"key": "all", "title": request.translate(_("All runs")),
                        "counts": blasts.report(session, blast), "total": True})
    return rows


def _partners(request, limit: int = 500) -> list[tuple[int, str]]:
    from ..partners.models import Partner
    from ..partners.registration import PARTNER

    if not request.access.allowed(PARTNER.name, "read"):
        return []
    query = records.select(PARTNER, request.access).order_by(None).order_by(Partner.name).limit(limit)
    return [(p.id, f"{p.name} ({p.code})") for p in request.dbsession.scalars(query)]


@hookimpl(specname="detail_tabs")
def mail_tabs(request, descriptor, record):
    """The report on a blast; the text and "attach" on received mail; reading status on a mailbox."""
    if descriptor.name == BLAST.name:
        html = render(TEMPLATES + "report.pt", {"rows": _report_rows(request, record)}, request=request)
        return [{"id": "report", "title": _("Report"), "html": html, "order": 10}]
    if descriptor.name == RECEIVED_MAIL.name:
        access = request.access
        can_attach = record.state == "unmatched" and access.allowed(RECEIVED_MAIL.name, "edit")
        activity_url = request.route_url("zg.model.detail", model="base.partner", id=record.partner_id,
                                         _anchor="tab-activities") if record.partner_id else None
        html = render(TEMPLATES + "received_tab.pt", {
            "record": record, "can_attach": can_attach, "activity_url": activity_url,
            "partners": _partners(request) if can_attach else []}, request=request)
        return [{"id": "message", "title": _("Message"), "html": html, "order": 10}]
    if descriptor.name == "base.mailbox":
        states = list(request.dbsession.scalars(sa.select(MailFolderState)
                                                .where(MailFolderState.mailbox_id == record.id)))
        if not states:
            return None
        rows = "".join(
            "<tr><td>{}</td><td>{}</td><td class='zg-num'>{}</td><td>{}</td></tr>".format(
                _esc(s.folder), _esc(request.fmt.datetime(s.last_run_at) if s.last_run_at else ""), s.fetched,
                _esc(s.last_error) or "✓")
            for s in states)
        head = "".join(f"<th scope='col'>{_esc(request.translate(t))}</th>" for t in
                       (_("Folder"), _("Last read"), _("Messages read"), _("Last error")))
        html = (f"<div class='zg-table-wrap'><table class='zg-table zg-mail-reading'><thead><tr>{head}</tr></thead>"
                f"<tbody>{rows}</tbody></table></div>")
        failing = any(s.last_error for s in states)
        return [{"id": "receiving", "title": _("Receiving"), "html": html, "order": 40,
                 "count": "!" if failing else None}]
    return None


def _esc(value) -> str:
    from markupsafe import escape

    return str(escape(value))


@hookimpl(specname="record_tools")
def mail_record_tools(request, descriptor, record):
    if descriptor.name == EMAIL_TEMPLATE.name:
        return [{"id": "mail-preview", "title": _("Preview"), "order": 10,
                 "url": request.route_url("base.mail.preview", id=record.id)}]
    if descriptor.name == SEGMENT.name and record.model in segments.TARGETS:
        return [{"id": "segment-list", "title": _("Open the list"), "order": 10,
                 "url": request.route_url("zg.model.list", model=record.model,
                                          _query=segments.list_query(record))}]
    return None


@hookimpl(specname="list_tools")
def save_as_segment(request, descriptor):
    """"Save as segment" on the lists a segment can be made of, with the list's search and filters."""
    if descriptor.name not in segments.TARGETS or not request.access.allowed(SEGMENT.name, "create"):
        return None
    params = [(k, v) for k, v in request.GET.items() if k not in ("page", "size", "sort")]
    query = urlencode(params)
    return [{"id": "save-segment", "title": _("Save as segment"), "order": 80,
             "url": request.route_url("zg.model.new", model=SEGMENT.name,
                                      _query={"model": descriptor.name, "query": query})}]
