"""SMS blasts and holiday greetings for the generic pages and the API (``/api/v1/crm.sms_blast``…)."""
from __future__ import annotations

from addons.base.mail import schemas as base_schemas
from addons.base.mail.services import MailError
from core import records
from core.db import utcnow
from core.descriptors import Action, Column, Filter, ModelDescriptor
from core.i18n import _

from . import greetings, schemas, services
from .models import Greeting, SmsBlast


def _settings(request) -> dict:
    return dict(request.registry.settings) if request is not None else {}


def _hook(request):
    return getattr(request, "hook", None) if request is not None else None


def _choice(titles):
    def fmt(value):
        return dict(titles).get(value, value or "")
    return fmt


def _when(request, value) -> str:
    if value is None:
        return ""
    fmt = getattr(request, "fmt", None)
    return fmt.datetime(value) if fmt is not None and hasattr(fmt, "datetime") else str(value)


#: The report's lines: (count key, title), in the order a manager reads them.
REPORT_LINES = (("records", _("Records in the segment")), ("queued", _("Queued")), ("sent", _("Sent")),
                ("failed", _("Failed")), ("waiting", _("Waiting to be sent")), ("opted_out", _("Opted out")),
                ("no_address", _("No address")), ("duplicates", _("Repeated addresses")))


def report_fields(counts: dict) -> list[tuple]:
    return [(title, str(counts.get(key, 0))) for key, title in REPORT_LINES]


# ---- SMS blasts ---------------------------------------------------------------------------

def _blast_action(func, done):
    def run(request, session, items, user, **params):
        try:
            for blast in items:
                func(session, blast, _hook(request), _settings(request))
        except MailError as exc:
            raise records.ValidationFailed({"": exc.message}) from None
        return done
    return run


def _sendable(states):
    """``available(blast, request)``: in one of ``states``, and an SMS gateway to send with.

    Without a request (the API) only the state counts: the service refuses with NO_SMS.
    """
    def available(blast, request) -> bool:
        return blast.state in states and (request is None or services.sms_available(_hook(request)))
    return available


def _sms_blast_fields(request, blast):
    state = request.translate(dict(base_schemas.STATE_TITLES).get(blast.state, blast.state))
    fields = [(_("State"), state), (_("Next run"), _when(request, blast.next_run_at)),
              (_("Last run"), _when(request, blast.last_run_at))]
    if not services.sms_available(_hook(request)):
        fields.append((_("SMS"), request.translate(schemas.NO_SMS)))
    return fields + report_fields(services.report(request.dbsession, list(blast.runs)))


SMS_BLAST = ModelDescriptor(
    name="crm.sms_blast", model=SmsBlast, title=_("SMS blast"), title_plural=_("SMS blasts"),
    schema=schemas.sms_blast_schema,
    columns=[Column("name", _("Name")), Column("segment", _("Segment"), sortable=False),
             Column("schedule", _("When to send"), format=_choice(base_schemas.SCHEDULE_TITLES)),
             Column("state", _("State"), format=_choice(base_schemas.STATE_TITLES)),
             Column("next_run_at", _("Next run")), Column("last_run_at", _("Last run")),
             Column("owner", _("Owner"), sortable=False)],
    filters=[Filter("state", _("State"), choices=lambda request: base_schemas.STATE_TITLES),
             Filter("schedule", _("When to send"), choices=lambda request: base_schemas.SCHEDULE_TITLES)],
    search_fields=["name", "text"], searchable=False,
    actions=[
        Action("send_now", _("Send now"),
               _blast_action(lambda s, b, h, st: services.send_now(s, b, h, settings=st), _("The SMS blast was queued.")),
               permission="edit", available=_sendable(services.SCHEDULABLE),
               confirm=_("Send this SMS to every number of its segment now?")),
        Action("schedule", _("Schedule"),
               _blast_action(lambda s, b, h, st: services.schedule(s, b, h, settings=st),
                             _("The SMS blast is scheduled.")),
               permission="edit", available=_sendable(("draft",))),
        Action("cancel", _("Cancel"),
               _blast_action(lambda s, b, h, st: services.cancel(s, b), _("The SMS blast is cancelled.")),
               permission="edit", available=lambda b: b.state in services.SCHEDULABLE,
               confirm=_("Stop this blast? Messages already queued may still go out.")),
    ],
    order_by="-id", label=lambda b: b.name,
    editable=lambda b: b.state in ("draft", "scheduled"),
    read_only=("state", "next_run_at", "last_run_at"), detail_fields=_sms_blast_fields,
)


# ---- holiday greetings --------------------------------------------------------------------

def _send_today(request, session, items, user, **params):
    now = utcnow()
    day = greetings.local_now(now, _settings(request)).date()
    try:
        for greeting in items:
            greetings.send(session, greeting, day, _hook(request), now=now, settings=_settings(request))
    except MailError as exc:
        raise records.ValidationFailed({"": exc.message}) from None
    return _("The greeting was sent.")


def _greeting_fields(request, greeting):
    today = greetings.local_now(utcnow(), _settings(request)).date()
    fields = []
    if greeting.holiday in greetings.HOLIDAYS:
        upcoming = greetings.next_date(greeting.holiday, today)
        fields.append((_("Next date"), request.fmt.date(upcoming) if hasattr(request, "fmt") else str(upcoming)))
    fields.append((_("Last sent"), str(greeting.last_sent_on or "")))
    return fields + report_fields(greetings.report(request.dbsession, greeting))


def _active(greeting) -> bool:
    return greeting.active


GREETING = ModelDescriptor(
    name="crm.greeting", model=Greeting, title=_("Holiday greeting"), title_plural=_("Holiday greetings"),
    schema=schemas.greeting_schema,
    columns=[Column("name", _("Name")), Column("holiday", _("Holiday"), format=_choice(greetings.holiday_titles())),
             Column("segment", _("Segment"), sortable=False),
             Column("channel", _("Send by"), format=_choice(schemas.CHANNEL_TITLES)),
             Column("active", _("Active"), format=lambda v: "✓" if v else ""),
             Column("last_sent_on", _("Last sent")), Column("owner", _("Owner"), sortable=False)],
    filters=[Filter("holiday", _("Holiday"), choices=greetings.holiday_titles),
             Filter("channel", _("Send by"), choices=lambda request: schemas.CHANNEL_TITLES),
             Filter("active", _("Active"), kind="bool")],
    search_fields=["name", "text"], searchable=False,
    actions=[Action("send_today", _("Send today"), _send_today, permission="edit", available=_active,
                    confirm=_("Send this greeting to its segment now, as today's?"))],
    order_by="name", label=lambda g: g.name, detail_fields=_greeting_fields,
)

DESCRIPTORS = (SMS_BLAST, GREETING)
