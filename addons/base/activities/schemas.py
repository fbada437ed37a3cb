"""The activity schema: forms, the JSON API and the record check share it."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

import colander
import deform

from core.descriptors import models_for
from core.fields import reference
from core.i18n import _
from core.security.access import Access

from . import services, targets
from .services import KIND_TITLES


#: Dates as spreadsheets write them: 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日, then a time or not.
_LOOSE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                    r"(?:[\sT]+(\d{1,2})[:：](\d{2})(?:[:：](\d{2})(?:\.\d+)?)?)?$")


def _parse(text: str) -> dt.datetime:
    """ISO 8601 (with or without an offset), or a date as spreadsheets write it; ValueError else."""
    text = unicodedata.normalize("NFKC", text).strip()
    try:
        return dt.datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        match = _LOOSE.match(text)
        if match is None:
            raise
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    return dt.datetime(year, month, day, hour, minute, second)


def company_tz(node) -> dt.tzinfo:
    """The company's time zone for a bound node: the request's setting, else the session's
    ``zg.timezone`` (requests set it; code may), else Asia/Shanghai."""
    bindings = getattr(node, "bindings", None) or {}
    request, session = bindings.get("request"), bindings.get("session")
    if request is not None:
        return _tz(request)
    name = session.info.get("zg.timezone") if session is not None else None
    return ZoneInfo(name or "Asia/Shanghai")


class LocalDateTime(colander.SchemaType):
    """A moment typed in the company's time zone, stored as naive UTC.

    Forms send ``2026-05-01T14:30`` (an ``<input type="datetime-local">``): that is
    local time in ``zhanggui.timezone``. The API may send an offset
    (``2026-05-01T06:30:00+00:00``, what it returns); without one it is local time too.
    Imports also bring ``2026/5/1 14:30`` or ``2026年5月1日``. Without ``tzinfo`` the
    zone is looked up when the value is read (:func:`company_tz`).
    """

    def __init__(self, tzinfo: dt.tzinfo | None = None):
        self.tzinfo = tzinfo

    def serialize(self, node, appstruct):
        if appstruct in (colander.null, None):
            return colander.null
        if appstruct.tzinfo is None:
            appstruct = appstruct.replace(tzinfo=dt.UTC)
        return appstruct.astimezone(self.tzinfo or company_tz(node)).strftime("%Y-%m-%dT%H:%M")

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, None, ""):
            return colander.null
        if isinstance(cstruct, dt.datetime):
            value = cstruct
        else:
            try:
                value = _parse(str(cstruct))
            except ValueError:
                raise colander.Invalid(node, _("Invalid date and time.")) from None
        if not 1900 <= value.year <= 9998:
            raise colander.Invalid(node, _("Invalid date and time."))
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.tzinfo or company_tz(node))
        return value.astimezone(dt.UTC).replace(tzinfo=None)


#: The API's description of a LocalDateTime (returned with "+00:00"; accepted with or without).
DATETIME_JSON = {"type": "string", "examples": ["2026-05-01T06:30:00+00:00", "2026-05-01T14:30"],
                 "description": "ISO 8601; without an offset it is the company's time zone (zhanggui.timezone)."}


def _tz(request) -> dt.tzinfo | None:
    if request is None:
        return None  # looked up when read: the session's zone (company_tz)
    return ZoneInfo(request.registry.settings.get("zhanggui.timezone", "Asia/Shanghai"))


def _model_choices(request):
    if request is None:
        return []
    found = sorted((name, request.translate(d.title)) for name, d in models_for(request).items()
                   if name not in targets.NOT_TARGETS)
    return [("", "—"), *found]


@colander.deferred
def _target_check(node, kw):
    """The record the activity is about: named, and one the user may read (else "No such record").

    The same check with and without a request (:func:`.services.resolve_target`), so the
    pages, the API and imports refuse the same rows. Code that writes without a user
    (services called by other addons, the demo) checks for itself.
    """
    session, request, user = kw.get("session"), kw.get("request"), kw.get("user")

    def check(form, value):
        if session is None or (request is None and user is None):
            return
        access = getattr(request, "access", None) or Access(session, user)
        descriptors = models_for(request) if request is not None else None
        errors = services.resolve_target(session, access, value, descriptors, by_name=request is None)
        if errors:
            error = colander.Invalid(form)  # the messages are the fields' own
            for name, message in errors.items():
                error[name] = message
            raise error

    return check


class NameOrId(colander.String):
    """Text naming a record (a spreadsheet's cell), or its id as code passes it (an int, kept)."""

    def deserialize(self, node, cstruct):
        if isinstance(cstruct, int) and not isinstance(cstruct, bool):
            if not 0 < cstruct < 2 ** 31:
                raise colander.Invalid(node, _("No such record."))
            return cstruct
        return super().deserialize(node, cstruct)


def _short_text(node, value) -> None:
    if isinstance(value, str):
        colander.Length(1, 200)(node, value)


def activity_schema(request) -> colander.SchemaNode:
    """The schema of ``base.activity``; partner and contact fields once partners exist.

    Without a request (imports, code) the record is named the way a spreadsheet names it:
    the partner (its code or name), the contact (name or mobile; with a partner, that
    partner's contact), or a record type and the record's number, code, name or id; the
    owner by login or name. :func:`.services.resolve_target` turns those into ids.
    """
    tz = _tz(request)
    sheet = request is None
    schema = colander.SchemaNode(colander.Mapping(), validator=_target_check)
    schema.add(colander.SchemaNode(colander.String(), name="model", title=_("Record type"),
                                   widget=deform.widget.SelectWidget(values=_model_choices(request)),
                                   validator=colander.Length(1, 100), **({"missing": ""} if sheet else {})))
    if sheet:
        schema.add(colander.SchemaNode(NameOrId(), name="record_id", title=_("Record number"), missing=None,
                                       description=_("Its number, code or name (with the record type)."),
                                       validator=_short_text))
    else:
        schema.add(colander.SchemaNode(colander.Integer(), name="record_id", title=_("Record number"),
                                       validator=colander.Range(1, 2 ** 31 - 1)))
    schema.add(colander.SchemaNode(colander.String(), name="kind", title=_("Kind"), missing="call",
                                   validator=colander.OneOf([k for k, _t in KIND_TITLES]),
                                   widget=deform.widget.SelectWidget(values=KIND_TITLES)))
    schema.add(colander.SchemaNode(LocalDateTime(tz), name="at", title=_("When"),
                                   missing=None, description=_("Now when left empty."), json_schema=DATETIME_JSON,
                                   widget=deform.widget.TextInputWidget(attributes={"type": "datetime-local"})))
    schema.add(colander.SchemaNode(colander.String(), name="subject", title=_("Subject"),
                                   validator=colander.Length(1, 200)))
    schema.add(colander.SchemaNode(colander.String(), name="content", title=_("What was said"), missing="",
                                   widget=deform.widget.TextAreaWidget(rows=4)))
    schema.add(colander.SchemaNode(colander.String(), name="next_step", title=_("Next step"), missing="",
                                   validator=colander.Length(0, 500)))
    schema.add(colander.SchemaNode(LocalDateTime(tz), name="next_due", title=_("Next step due"), missing=None,
                                   description=_("You are reminded then."), json_schema=DATETIME_JSON,
                                   widget=deform.widget.TextInputWidget(attributes={"type": "datetime-local"})))
    schema.add(colander.SchemaNode(colander.Boolean(), name="done", title=_("Next step done"), missing=False))
    if sheet:
        schema.add(colander.SchemaNode(NameOrId(), name="owner_id", title=_("Owner"), missing=None,
                                       description=_("Login or name; you when left empty.")))
    try:
        from ..partners.models import Contact, Partner
    except ImportError:  # partners not built yet: the activity still works without these two
        return schema
    schema.add(reference(Partner, name="partner_id", title=_("Partner"),
                         description=_("Found from the record when left empty.")))
    if sheet:
        schema.add(colander.SchemaNode(NameOrId(), name="contact_id", title=_("Contact"), missing=None,
                                       description=_("Name or mobile; with a partner, that partner's contact.")))
    else:
        schema.add(reference(Contact, name="contact_id", title=_("Contact")))
    return schema
