"""Schemas of email templates, segments, blasts and received mail (forms, API, checks)."""
from __future__ import annotations

import colander
import deform

from core.fields import reference
from core.i18n import _

from ..activities.schemas import DATETIME_JSON, LocalDateTime, _tz
from . import segments, services
from .models import PERIODS, SCHEDULES, EmailTemplate, Segment

SCHEDULE_TITLES = [("now", _("Now")), ("at", _("At a set time")), ("periodic", _("Periodically"))]
PERIOD_TITLES = [("", "—"), ("daily", _("Every day")), ("weekly", _("Every week")), ("monthly", _("Every month"))]
WEEKDAY_TITLES = [("", "—"), ("0", _("Monday")), ("1", _("Tuesday")), ("2", _("Wednesday")), ("3", _("Thursday")),
                  ("4", _("Friday")), ("5", _("Saturday")), ("6", _("Sunday"))]
STATE_TITLES = [("draft", _("Draft")), ("scheduled", _("Scheduled")), ("running", _("Running")),
                ("done", _("Done")), ("cancelled", _("Cancelled"))]
RECEIVED_STATES = [("unmatched", _("Not matched")), ("matched", _("Filed on a partner")),
                   ("bounce", _("Delivery report"))]
assert [k for k, _t in SCHEDULE_TITLES] == list(SCHEDULES)
assert [k for k, _t in PERIOD_TITLES[1:]] == list(PERIODS)


def _variables_help():
    return _("Variables: ${names}. Values are escaped (HTML in a name shows as text).",
             mapping={"names": ", ".join("{{ %s }}" % name for name, _t in services.VARIABLES)})


def _template_check(form, value):
    problems = services.check_template(value.get("subject", ""), value.get("body_html", ""))
    if problems:
        error = colander.Invalid(form)
        for name, message in problems.items():
            error[name] = _("The template has an error: ${problem}", mapping={"problem": message})
        raise error


def email_template_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping(), validator=_template_check)
    schema.add(colander.SchemaNode(colander.String(), name="name", title=_("Name"),
                                   validator=colander.Length(1, 100)))
    schema.add(colander.SchemaNode(colander.String(), name="subject", title=_("Subject"),
                                   validator=colander.Length(1, 300)))
    schema.add(colander.SchemaNode(colander.String(), name="body_html", title=_("Body (HTML)"),
                                   description=_variables_help(), missing="",
                                   widget=deform.widget.TextAreaWidget(rows=14, css_class="zg-code")))
    schema.add(colander.SchemaNode(colander.Boolean(), name="active", title=_("Active"), missing=True,
                                   default=True))
    return schema


# ---- segments ---------------------------------------------------------------------------

def _segment_check(form, value):
    q, filters = segments.parse_query(value.get("model", ""), value.get("query", ""))
    problems = segments.check(value.get("model", ""), q, filters, (form.bindings or {}).get("session"))
    if problems:
        error = colander.Invalid(form)
        if "model" in problems:
            error["model"] = _("Choose what the segment lists.")
        else:
            error["query"] = _("The list has no such filter, or a value is not valid: ${detail}",
                               mapping={"detail": problems["query"].partition(":")[2]})
        raise error


def segment_schema(request) -> colander.SchemaNode:
    titles = [(name, request.translate(title) if request is not None else title)
              for name, title in segments.choices(request)]
    schema = colander.SchemaNode(colander.Mapping(), validator=_segment_check)
    schema.add(colander.SchemaNode(colander.String(), name="name", title=_("Name"),
                                   validator=colander.Length(1, 100)))
    schema.add(colander.SchemaNode(colander.String(), name="model", title=_("Lists"), missing="base.partner",
                                   validator=colander.OneOf(list(segments.TARGETS)),
                                   widget=deform.widget.SelectWidget(values=titles)))
    schema.add(colander.SchemaNode(
        colander.String(), name="query", title=_("Search and filters"), missing="",
        description=_("Filter the list, then paste its address here (or type e.g. "
                      "is_customer=1&province=330000). Empty: every record you may see."),
        validator=colander.Length(0, 2000)))
    schema.add(colander.SchemaNode(colander.String(), name="note", title=_("Note"), missing="",
                                   widget=deform.widget.TextAreaWidget(rows=2)))
    return schema


def apply_segment(segment: Segment, appstruct) -> Segment:
    for key in ("name", "model", "note"):
        if key in appstruct:
            setattr(segment, key, appstruct[key])
    if "query" in appstruct:
        segment.q, segment.filters = segments.parse_query(segment.model, appstruct["query"])
    return segment


# ---- blasts -----------------------------------------------------------------------------

def _blast_check(form, value):
    error = colander.Invalid(form)
    if value.get("schedule") == "at" and not value.get("send_at"):
        error["send_at"] = _("Set the date and time to send at.")
    if value.get("schedule") == "periodic":
        if not value.get("period"):
            error["period"] = _("Choose how often.")
        elif value["period"] == "weekly" and value.get("weekday") in (None, colander.null):
            error["weekday"] = _("Choose the day of the week.")
        elif value["period"] == "monthly" and value.get("monthday") in (None, colander.null):
            error["monthday"] = _("Choose the day of the month.")
    if error.children:
        raise error


class _Time(colander.String):
    def deserialize(self, node, cstruct):
        value = super().deserialize(node, cstruct)
        if value in (colander.null, ""):
            return value
        try:
            hour, minute = (int(p) for p in value.strip().split(":")[:2])
            if not (0 <= hour < 24 and 0 <= minute < 60):
                raise ValueError(value)
        except ValueError:
            raise colander.Invalid(node, _("A time like 09:30.")) from None
        return f"{hour:02d}:{minute:02d}"


def blast_schema(request) -> colander.SchemaNode:
    from ..outbox.models import Mailbox

    schema = colander.SchemaNode(colander.Mapping(), validator=_blast_check)
    schema.add(colander.SchemaNode(colander.String(), name="name", title=_("Name"),
                                   validator=colander.Length(1, 100)))
    schema.add(reference(EmailTemplate, name="template_id", title=_("Email template"), missing=colander.required))
    schema.add(reference(Segment, name="segment_id", title=_("Segment"), missing=colander.required))
    schema.add(reference(Mailbox, name="mailbox_id", title=_("Send from"),
                         description=_("The company mailbox when left empty.")))
    schema.add(colander.SchemaNode(colander.String(), name="schedule", title=_("When to send"), missing="now",
                                   validator=colander.OneOf(list(SCHEDULES)),
                                   widget=deform.widget.SelectWidget(values=SCHEDULE_TITLES)))
    schema.add(colander.SchemaNode(LocalDateTime(_tz(request)), name="send_at", title=_("Send at"), missing=None,
                                   json_schema=DATETIME_JSON,
                                   widget=deform.widget.TextInputWidget(attributes={"type": "datetime-local"})))
    schema.add(colander.SchemaNode(colander.String(), name="period", title=_("Repeat"), missing="",
                                   validator=colander.OneOf(["", *PERIODS]),
                                   widget=deform.widget.SelectWidget(values=PERIOD_TITLES)))
    schema.add(colander.SchemaNode(colander.Integer(), name="weekday", title=_("Day of the week"), missing=None,
                                   validator=colander.Range(0, 6),
                                   widget=deform.widget.SelectWidget(values=WEEKDAY_TITLES)))
    schema.add(colander.SchemaNode(colander.Integer(), name="monthday", title=_("Day of the month"),
                                   missing=None, validator=colander.Range(1, 28),
                                   description=_("1 to 28, so that every month has it.")))
    schema.add(colander.SchemaNode(_Time(), name="time_of_day", title=_("At (time of day)"), missing="09:00",
                                   description=_("In the company's time zone.")))
    return schema
