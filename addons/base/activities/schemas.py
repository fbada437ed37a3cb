"""The activity schema: forms, the JSON API and the record check share it."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import colander
import deform

from core.descriptors import models_for
from core.fields import reference
from core.i18n import _
from core.security.access import Access

from . import targets
from .services import KIND_TITLES


class LocalDateTime(colander.SchemaType):
    """A moment typed in the company's time zone, stored as naive UTC.

    Forms send ``2026-05-01T14:30`` (an ``<input type="datetime-local">``): that is
    local time in ``zhanggui.timezone``. The API may send an offset
    (``2026-05-01T06:30:00+00:00``, what it returns); without one it is local time too.
    """

    def __init__(self, tzinfo: dt.tzinfo):
        self.tzinfo = tzinfo

    def serialize(self, node, appstruct):
        if appstruct in (colander.null, None):
            return colander.null
        if appstruct.tzinfo is None:
            appstruct = appstruct.replace(tzinfo=dt.UTC)
        return appstruct.astimezone(self.tzinfo).strftime("%Y-%m-%dT%H:%M")

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, None, ""):
            return colander.null
        if isinstance(cstruct, dt.datetime):
            value = cstruct
        else:
            try:
                value = dt.datetime.fromisoformat(str(cstruct).strip().replace(" ", "T", 1))
            except ValueError:
                raise colander.Invalid(node, _("Invalid date and time.")) from None
        if not 1900 <= value.year <= 9998:
            raise colander.Invalid(node, _("Invalid date and time."))
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.tzinfo)
        return value.astimezone(dt.UTC).replace(tzinfo=None)


#: The API's description of a LocalDateTime (returned with "+00:00"; accepted with or without).
DATETIME_JSON = {"type": "string", "examples": ["2026-05-01T06:30:00+00:00", "2026-05-01T14:30"],
                 "description": "ISO 8601; without an offset it is the company's time zone (zhanggui.timezone)."}


def _tz(request) -> dt.tzinfo:
    if request is None:
        return ZoneInfo("Asia/Shanghai")
    return ZoneInfo(request.registry.settings.get("zhanggui.timezone", "Asia/Shanghai"))


def _model_choices(request):
    if request is None:
        return []
    found = sorted((name, request.translate(d.title)) for name, d in models_for(request).items()
                   if name not in targets.NOT_TARGETS)
    return [("", "—"), *found]


@colander.deferred
def _target_check(node, kw):
    """The record the activity is about must be one the user may read (else "No such record")."""
    session, request, user = kw.get("session"), kw.get("request"), kw.get("user")

    def check(form, value):
        if request is None or session is None:
            return  # code (services) writes without a user: the caller checked
        access = getattr(request, "access", None) or Access(session, user)
        descriptors = models_for(request)
        error = colander.Invalid(form)  # the message is the field's own
        if value.get("model") not in descriptors or value.get("model") in targets.NOT_TARGETS:
            error["model"] = _("Choose a kind of record.")
            raise error
        if not targets.may(session, access, descriptors, value["model"], value.get("record_id")):
            error["record_id"] = _("No such record.")
            raise error

    return check


def activity_schema(request) -> colander.SchemaNode:
    """The schema of ``base.activity``; partner and contact fields once partners exist."""
    tz = _tz(request)
    schema = colander.SchemaNode(colander.Mapping(), validator=_target_check)
    schema.add(colander.SchemaNode(colander.String(), name="model", title=_("Record type"),
                                   widget=deform.widget.SelectWidget(values=_model_choices(request)),
                                   validator=colander.Length(1, 100)))
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
    try:
        from ..partners.models import Contact, Partner
    except ImportError:  # partners not built yet: the activity still works without these two
        return schema
    schema.add(reference(Partner, name="partner_id", title=_("Partner"),
                         description=_("Found from the record when left empty.")))
    schema.add(reference(Contact, name="contact_id", title=_("Contact")))
    return schema
