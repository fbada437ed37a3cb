"""Email templates, segments, blasts and received mail for the generic pages and the API."""
from __future__ import annotations

import colander

from core import records
from core.descriptors import Action, Column, Filter, ModelDescriptor
from core.fields import reference
from core.i18n import _
from core.security.access import Access

from . import blasts, receive, schemas, segments, services
from .models import Blast, EmailTemplate, ReceivedMail, Segment


def _settings(request) -> dict:
    return dict(request.registry.settings) if request is not None else {}


def _yes(value) -> str:
    return "✓" if value else ""


def _choice(titles):
    table = dict(titles)
    return lambda value: table.get(value, value or "")


# ---- email templates --------------------------------------------------------------------

def _send_test(request, session, items, user, contact_id: int | None = None):
    contact = None
    if contact_id:
        from ..partners.models import Contact
        from ..partners.registration import CONTACT

        try:
            contact = records.get(session, CONTACT, Access(session, user), contact_id)
        except (records.NotFound, records.Forbidden):
            raise records.ValidationFailed({"contact_id": _("No such record.")}) from None
        assert isinstance(contact, Contact)
    try:
        for template in items:
            message = services.send_test(session, template, user, contact=contact, settings=_settings(request))
    except services.MailError as exc:
        raise records.ValidationFailed({"": exc.message}) from None
    return _("A test email to ${to} was queued; the outbox shows when it is sent.",
             mapping={"to": message.to_address})


EMAIL_TEMPLATE = ModelDescriptor(
    name="base.email_template", model=EmailTemplate, title=_("Email template"), title_plural=_("Email templates"),
    schema=schemas.email_template_schema,
    columns=[Column("name", _("Name")), Column("subject", _("Subject")),
             Column("active", _("Active"), format=_yes)],
    filters=[Filter("active", _("Active"), kind="bool")],
    search_fields=["name", "subject"], searchable=False,
    actions=[Action("send_test", _("Send me a test"), _send_test, permission="read")],
    order_by="name", label=lambda t: t.name,
)


# ---- segments ---------------------------------------------------------------------------

def _create_segment(session, appstruct, user):
    segment = schemas.apply_segment(Segment(model="base.partner", q="", filters={}, note=""), appstruct)
    session.add(segment)
    return segment


def _update_segment(session, segment, appstruct, user):
    return schemas.apply_segment(segment, appstruct)


def _segment_fields(request, segment):
    access = request.access
    target = segments.TARGETS.get(segment.model)
    if target is None or not access.allowed(target.descriptor.name, "read"):
        return [(_("Records now"), "—")]
    return [(_("Records now"), str(segments.count(request.dbsession, segment, access)))]


SEGMENT = ModelDescriptor(
    name="base.segment", model=Segment, title=_("Segment"), title_plural=_("Segments"),
    schema=schemas.segment_schema,
    columns=[Column("name", _("Name")), Column("model", _("Lists")), Column("q", _("Search"), visible=False),
             Column("owner", _("Owner"), sortable=False)],
    filters=[Filter("model", _("Lists"), choices=segments.choices)],
    search_fields=["name", "note"], searchable=False,
    order_by="name", label=lambda s: s.name,
    create=_create_segment, update=_update_segment, detail_fields=_segment_fields,
)


# ---- blasts -----------------------------------------------------------------------------

def _blast_action(func, done):
    def run(request, session, items, user, **params):
        try:
            for blast in items:
                func(session, blast, settings=_settings(request))
        except services.MailError as exc:
            raise records.ValidationFailed({"": exc.message}) from None
        return done(items)
    return run


def _send_now(session, blast, settings):
    return blasts.send_now(session, blast, settings=settings)


def _schedule(session, blast, settings):
    return blasts.schedule(session, blast, settings=settings)


def _cancel(session, blast, settings):
    return blasts.cancel(session, blast)


def _blast_fields(request, blast):
    fmt = getattr(request, "fmt", None)

    def when(value):
        if value is None:
            return ""
        return fmt.datetime(value) if fmt is not None and hasattr(fmt, "datetime") else str(value)

    return [(_("State"), request.translate(dict(schemas.STATE_TITLES).get(blast.state, blast.state))),
            (_("Next run"), when(blast.next_run_at)), (_("Last run"), when(blast.last_run_at))]


BLAST = ModelDescriptor(
    name="base.blast", model=Blast, title=_("Email blast"), title_plural=_("Email blasts"),
    schema=schemas.blast_schema,
    columns=[Column("name", _("Name")), Column("template", _("Email template"), sortable=False),
             Column("segment", _("Segment"), sortable=False),
             Column("schedule", _("When to send"), format=_choice(schemas.SCHEDULE_TITLES)),
             Column("state", _("State"), format=_choice(schemas.STATE_TITLES)),
             Column("next_run_at", _("Next run")), Column("last_run_at", _("Last run")),
             Column("owner", _("Owner"), sortable=False)],
    filters=[Filter("state", _("State"), choices=lambda request: schemas.STATE_TITLES),
             Filter("schedule", _("When to send"), choices=lambda request: schemas.SCHEDULE_TITLES)],
    search_fields=["name"], searchable=False,
    actions=[
        Action("send_now", _("Send now"), _blast_action(_send_now, lambda items: _("The blast was queued.")),
               permission="edit", available=lambda b: b.state in blasts.SCHEDULABLE,
               confirm=_("Send this blast to every address of its segment now?")),
        Action("schedule", _("Schedule"), _blast_action(_schedule, lambda items: _("The blast is scheduled.")),
               permission="edit", available=lambda b: b.state == "draft"),
        Action("cancel", _("Cancel"), _blast_action(_cancel, lambda items: _("The blast is cancelled.")),
               permission="edit", available=lambda b: b.state in blasts.SCHEDULABLE,
               confirm=_("Stop this blast? Messages already queued may still go out.")),
    ],
    order_by="-id", label=lambda b: b.name,
    editable=lambda b: b.state in ("draft", "scheduled"),
    read_only=("state", "next_run_at", "last_run_at"), detail_fields=_blast_fields,
)


# ---- received mail ----------------------------------------------------------------------

def received_mail_schema(request) -> colander.SchemaNode:
    from ..partners.models import Partner

    schema = colander.SchemaNode(colander.Mapping())
    schema.add(colander.SchemaNode(colander.String(), name="from_address", title=_("Sender address")))
    schema.add(colander.SchemaNode(colander.String(), name="from_name", title=_("Sender name"), missing=""))
    schema.add(colander.SchemaNode(colander.String(), name="subject", title=_("Subject"), missing=""))
    schema.add(colander.SchemaNode(colander.DateTime(), name="received_at", title=_("Received at"),
                                   missing=None))
    schema.add(colander.SchemaNode(colander.String(), name="state", title=_("State"), missing="unmatched",
                                   widget=None))
    schema.add(colander.SchemaNode(colander.String(), name="text", title=_("Text"), missing=""))
    schema.add(reference(Partner, name="partner_id", title=_("Partner")))
    return schema


def _attach(request, session, items, user, partner_id: int | None = None):
    from ..partners.models import Partner
    from ..partners.registration import PARTNER

    if not partner_id:
        raise records.ValidationFailed({"partner_id": _("Choose a partner.")})
    try:
        partner = records.get(session, PARTNER, Access(session, user), partner_id)
    except (records.NotFound, records.Forbidden):
        raise records.ValidationFailed({"partner_id": _("No such record.")}) from None
    assert isinstance(partner, Partner)
    for received in items:
        if received.state != "unmatched":
            raise records.ValidationFailed({"": _("This message is already filed.")})
        receive.attach(session, received, partner, user=user, settings=_settings(request))
    return _("The message is filed on ${partner}.", mapping={"partner": partner.name})


RECEIVED_MAIL = ModelDescriptor(
    name="base.received_mail", model=ReceivedMail, title=_("Received mail"), title_plural=_("Received mail"),
    schema=received_mail_schema,
    columns=[Column("received_at", _("Received at")), Column("from_address", _("Sender address")),
             Column("from_name", _("Sender name"), visible=False), Column("subject", _("Subject")),
             Column("state", _("State"), format=_choice(schemas.RECEIVED_STATES)),
             Column("partner", _("Partner"), sortable=False)],
    filters=[Filter("state", _("State"), choices=lambda request: schemas.RECEIVED_STATES),
             Filter("received_at", _("Received at"), kind="date_range")],
    search_fields=["from_address", "from_name", "subject"], searchable=False,
    actions=[Action("attach", _("Attach to a partner"), _attach, permission="edit", batch=False,
                    available=lambda r: False)],
    order_by="-received_at", label=lambda r: r.subject or r.from_address,
    creatable=False, editable=lambda r: False,
)

DESCRIPTORS = (EMAIL_TEMPLATE, SEGMENT, BLAST, RECEIVED_MAIL)

