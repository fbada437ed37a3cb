"""crm's segments page: every segment the user may see, with its live count and "New blast".

Thin: the segments and their counts are base's (:mod:`addons.base.mail.segments`, the
same query as the list page under the user's record scope); this page only gathers them
where a sales manager works.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden
from pyramid.view import view_config

from addons.base.mail import segments
from addons.base.mail.registration import BLAST, SEGMENT
from addons.base.mail.services import MailError
from core import records
from core.i18n import _
from core.web.pages.common import require

from . import services
from .registration import SMS_BLAST

#: The page shows at most this many segments (newest first past it: use the segment list).
LIMIT = 200


def segment_rows(request) -> list[dict]:
    """The segments the user may read, each with its count now (None: the user may not read its list)."""
    session, access = request.dbsession, request.access
    query = records.select(SEGMENT, access).limit(LIMIT)
    rows = []
    for segment in session.scalars(query):
        target = segments.TARGETS.get(segment.model)
        readable = target is not None and access.allowed(target.descriptor.name, "read")
        rows.append({
            "segment": segment,
            "lists": target.descriptor.title_plural if target is not None else segment.model,
            "count": _count(request, segment) if readable else None,
            "list_url": request.route_url("zg.model.list", model=segment.model,
                                          _query=segments.list_query(segment)) if readable else None,
            "url": request.route_url("zg.model.detail", model=SEGMENT.name, id=segment.id),
        })
    return rows


def _count(request, segment) -> int | str:
    try:
        return services.segment_count(request.dbsession, segment, request.access)
    except MailError as exc:  # a filter the list lost: said, not silently widened
        return request.translate(exc.message)


@view_config(route_name="crm.segments", renderer="addons.crm:blasts/templates/segments.pt")
def segments_page(request):
    if request.user is None:
        raise HTTPForbidden()
    require(request, SEGMENT, "read")
    access = request.access
    sms = services.sms_available(request.hook)
    return {"rows": segment_rows(request), "page_title": _("Segments"),
            "can_segment": access.allowed(SEGMENT.name, "create"),
            "can_email": access.allowed(BLAST.name, "create"),
            "can_sms": sms and access.allowed(SMS_BLAST.name, "create"),
            "sms": sms,
            "customers_url": request.route_url("zg.model.list", model="base.partner",
                                               _query={"is_customer": "true"})}


def includeme(config):
    config.add_route("crm.segments", "/crm/segments")
    config.scan(".views")
