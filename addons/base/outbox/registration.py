"""``base.outbox_message`` and ``base.mailbox`` for the generic pages and the JSON API.

``base.outbox_message``: read-only (made by :func:`.services.queue` only, never edited);
actions retry (failed), cancel (queued), mark sent / send again (in doubt).
``base.mailbox``: the SMTP / IMAP settings; the passwords are write-only fields
(``new_smtp_password`` / ``new_imap_password``: empty keeps the stored one; never
returned); the action ``send_test`` queues a test email.
"""
from __future__ import annotations

import colander
import deform

from core import records
from core.descriptors import Action, Column, Filter, ModelDescriptor
from core.i18n import _

from . import services
from .models import SECURITY, STATES, Mailbox, OutboxMessage

STATE_TITLES = (("queued", _("Queued")), ("sending", _("Sending")), ("sent", _("Sent")),
                ("failed", _("Failed")), ("bounced", _("Bounced")), ("in_doubt", _("In doubt")),
                ("cancelled", _("Cancelled")), ("skipped", _("Skipped (opted out)")))
assert [s for s, _t in STATE_TITLES] == list(STATES)
SECURITY_TITLES = (("none", _("None (plain)")), ("starttls", _("STARTTLS")), ("ssl", _("SSL/TLS")))
assert [s for s, _t in SECURITY_TITLES] == list(SECURITY)


def _yes(value) -> str:
    return "✓" if value else ""


def _run(service, done):
    """An action calling ``service(session, records, user)``; a refusal is a 400 with its reason."""
    def run(request, session, items, user):
        try:
            count = service(session, items, user)
        except services.OutboxError as exc:
            raise records.ValidationFailed({"": exc.message}) from None
        return done(count)
    return run


class OutboxMessageSchema(colander.MappingSchema):
    to_address = colander.SchemaNode(colander.String(), title=_("Recipient"))
    to_name = colander.SchemaNode(colander.String(), title=_("Recipient name"), missing="")
    subject = colander.SchemaNode(colander.String(), title=_("Subject"), missing="")
    state = colander.SchemaNode(colander.String(), title=_("State"), missing="queued",
                                widget=deform.widget.SelectWidget(values=STATE_TITLES))
    channel = colander.SchemaNode(colander.String(), title=_("Channel"), missing="email")
    error = colander.SchemaNode(colander.String(), title=_("Reason"), missing="")
    attempts = colander.SchemaNode(colander.Integer(), title=_("Attempts"), missing=0)
    message_id = colander.SchemaNode(colander.String(), title=_("Message-ID"), missing="")
    marketing = colander.SchemaNode(colander.Boolean(), title=_("Marketing"), missing=False)
    body_text = colander.SchemaNode(colander.String(), title=_("Text"), missing="",
                                    widget=deform.widget.TextAreaWidget(rows=8))


def _detail(request, message) -> list[tuple[object, str]]:
    fmt = request.fmt if hasattr(request, "fmt") else None

    def when(value):
        if value is None:
            return ""
        return fmt.datetime(value) if fmt is not None and hasattr(fmt, "datetime") else str(value)
    out = [(_("Queued at"), when(message.created_at)), (_("Next attempt"), when(message.next_attempt_at)
                                                        if message.state == "queued" else ""),
           (_("Sent at"), when(message.sent_at)), (_("Dispatcher"), message.claimed_by or "")]
    if message.res_model:
        out.append((_("About"), f"{message.res_model} #{message.res_id}"))
    if message.blast_id:
        out.append((_("Blast"), str(message.blast_id)))
    return out


OUTBOX_MESSAGE = ModelDescriptor(
    name="base.outbox_message", model=OutboxMessage, title=_("Outgoing message"),
    title_plural=_("Outbox"),
    schema=lambda request: OutboxMessageSchema(),
    columns=[Column("created_at", _("Queued at")), Column("channel", _("Channel"), visible=False),
             Column("to_address", _("Recipient")), Column("subject", _("Subject")),
             Column("state", _("State")), Column("attempts", _("Attempts")),
             Column("sent_at", _("Sent at")), Column("error", _("Reason"), sortable=False),
             Column("marketing", _("Marketing"), format=_yes, visible=False),
             Column("blast_id", _("Blast"), visible=False)],
    filters=[Filter("state", _("State"), choices=lambda request: STATE_TITLES),
             Filter("channel", _("Channel"), choices=lambda request: [("email", _("Email")), ("sms", _("SMS"))]),
             Filter("marketing", _("Marketing"), kind="bool"),
             Filter("created_at", _("Queued at"), kind="date_range")],
    search_fields=["to_address", "subject"],
    searchable=False,
    actions=[
        Action("retry", _("Retry"), _run(services.retry, lambda n: _("${count} messages queued again.", mapping={"count": n})),
               permission="edit", available=lambda m: m.state in ("failed", "bounced")),
        Action("cancel", _("Cancel"), _run(services.cancel, lambda n: _("${count} messages cancelled.", mapping={"count": n})),
               permission="edit", available=lambda m: m.state == "queued",
               confirm=_("Never send these messages?")),
        Action("mark_sent", _("Mark sent"), _run(services.mark_sent, lambda n: _("${count} messages marked sent.", mapping={"count": n})),
               permission="edit", available=lambda m: m.state == "in_doubt"),
        Action("send_again", _("Send again"), _run(services.send_again, lambda n: _("${count} messages queued again.", mapping={"count": n})),
               permission="edit", available=lambda m: m.state == "in_doubt",
               confirm=_("The recipient may get these messages twice. Send them again?")),
    ],
    order_by="-id",
    label=str,
    read_only=("mailbox_id", "body_html", "headers", "blast_id", "res_model", "res_id",
               "next_attempt_at", "claimed_by", "claimed_at", "sent_at", "created_by", "created_at"),
    detail_fields=_detail,
    creatable=False, editable=lambda message: False,
)


# ---- mailboxes -------------------------------------------------------------------------

def _port(node, value):
    if not 1 <= value <= 65535:
        raise colander.Invalid(node, _("A port is between 1 and 65535."))


class MailboxSchema(colander.MappingSchema):
    name = colander.SchemaNode(colander.String(), title=_("Name"), validator=colander.Length(1, 100))
    company = colander.SchemaNode(colander.Boolean(), title=_("Company mailbox"), missing=False,
                                  description=_("Used by everyone; only administrators can set it. "
                                                "Otherwise the mailbox is yours."))
    from_address = colander.SchemaNode(colander.String(), title=_("From address"),
                                       validator=colander.All(colander.Email(), colander.Length(max=254)))
    from_name = colander.SchemaNode(colander.String(), title=_("From name"), missing="",
                                    validator=colander.Length(max=100))
    smtp_host = colander.SchemaNode(colander.String(), title=_("SMTP server"), validator=colander.Length(1, 200))
    smtp_port = colander.SchemaNode(colander.Integer(), title=_("SMTP port"), missing=587, default=587,
                                    validator=_port)
    smtp_security = colander.SchemaNode(colander.String(), title=_("SMTP security"), missing="starttls",
                                        default="starttls", widget=deform.widget.SelectWidget(values=SECURITY_TITLES),
                                        validator=colander.OneOf(list(SECURITY)))
    smtp_username = colander.SchemaNode(colander.String(), title=_("SMTP user name"), missing="",
                                        validator=colander.Length(max=200))
    new_smtp_password = colander.SchemaNode(colander.String(), title=_("SMTP password"), missing="",
                                            widget=deform.widget.PasswordWidget(),
                                            validator=colander.Length(max=500),
                                            description=_("Leave empty to keep the current password."))
    imap_host = colander.SchemaNode(colander.String(), title=_("IMAP server"), missing="",
                                    validator=colander.Length(max=200))
    imap_port = colander.SchemaNode(colander.Integer(), title=_("IMAP port"), missing=993, default=993,
                                    validator=_port)
    imap_ssl = colander.SchemaNode(colander.Boolean(), title=_("IMAP over SSL/TLS"), missing=True, default=True)
    imap_username = colander.SchemaNode(colander.String(), title=_("IMAP user name"), missing="",
                                        validator=colander.Length(max=200))
    new_imap_password = colander.SchemaNode(colander.String(), title=_("IMAP password"), missing="",
                                            widget=deform.widget.PasswordWidget(),
                                            validator=colander.Length(max=500),
                                            description=_("Leave empty to keep the current password."))
    imap_folder = colander.SchemaNode(colander.String(), title=_("IMAP folder"), missing="INBOX", default="INBOX",
                                      validator=colander.Length(1, 200))
    active = colander.SchemaNode(colander.Boolean(), title=_("Active"), missing=True, default=True)
    rate_per_minute = colander.SchemaNode(colander.Integer(), title=_("Messages per minute at most"), missing=60,
                                          default=60, validator=colander.Range(0, 100000),
                                          description=_("Across all dispatchers; 0 means no limit."))


def _mailbox_schema(request):
    schema = MailboxSchema()
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and not user.is_admin:
        del schema["company"]  # only administrators set up company mailboxes
    return schema


def _send_test(request, session, items, user, to=""):
    if not isinstance(to, str):
        raise records.ValidationFailed({"to": _("Expected text.")})
    for mailbox in items:
        message = services.send_test(session, mailbox, user, to.strip() or None)
    return _("A test email to ${to} was queued; the outbox shows when it is sent.",
             mapping={"to": message.to_address})


MAILBOX = ModelDescriptor(
    name="base.mailbox", model=Mailbox, title=_("Mailbox"), title_plural=_("Mailboxes"),
    schema=_mailbox_schema,
    columns=[Column("name", _("Name")), Column("from_address", _("From address")),
             Column("smtp_host", _("SMTP server")), Column("company", _("Company mailbox"), format=_yes,
                                                           sortable=False),
             Column("active", _("Active"), format=_yes), Column("rate_per_minute", _("Messages per minute at most"))],
    filters=[Filter("active", _("Active"), kind="bool")],
    search_fields=["name", "from_address", "smtp_host"],
    searchable=False,
    actions=[Action("send_test", _("Send test email"), _send_test, permission="edit")],
    order_by="name",
    create=services.create_mailbox, update=services.update_mailbox,
)
