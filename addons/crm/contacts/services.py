"""Contacts without a request: relationships, birthdays (reminders and greetings), quick actions.

Everything runs in the caller's transaction and never commits. Who may do something is
the caller's check (the views use the record service); these functions validate the
input and raise :class:`core.records.ValidationFailed` with per-field messages.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from addons.base.activities import services as activities
from addons.base.mail import services as mail
from addons.base.mail.models import EmailTemplate
from addons.base.outbox import services as outbox
from addons.base.outbox.channels import channels
from addons.base.outbox.models import Mailbox, OutboxMessage
from addons.base.partners.models import Contact, Partner
from addons.base.sequences import today as local_today
from core import sandbox
from core.db import utcnow
from core.i18n import _
from core.notifications.services import notify
from core.records import ValidationFailed
from core.security.models import User

from .models import RELATION_KINDS, BirthdayGreeting, BirthdaySettings, ContactRelation

#: The longest reminder horizon a company may set (days).
MAX_DAYS_AHEAD = 30
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


# ---- relationships between contacts ------------------------------------------------------

def add_relation(session: Session, contact: Contact, other: Contact | None, kind: str, note: str = "",
                 user: User | None = None) -> ContactRelation:
    """Note that ``contact`` and ``other`` are related (``kind``: one of ``RELATION_KINDS``)."""
    errors: dict[str, Any] = {}
    if other is None:
        errors["other_id"] = _("Choose the other contact.")
    elif other.id == contact.id:
        errors["other_id"] = _("A contact cannot be related to themselves.")
    if kind not in RELATION_KINDS:
        errors["kind"] = _("Choose a kind of relationship.")
    if len(note or "") > 200:
        errors["note"] = _("At most 200 characters.")
    if not errors:
        pair = {contact.id, other.id}
        exists = session.scalar(sa.select(sa.literal(True)).where(
            ContactRelation.kind == kind, ContactRelation.contact_id.in_(pair), ContactRelation.other_id.in_(pair)))
        if exists:
            errors["other_id"] = _("This relationship is already noted.")
    if errors:
        raise ValidationFailed(errors)
    relation = ContactRelation(contact_id=contact.id, other_id=other.id, kind=kind, note=(note or "").strip(),
                               created_by_id=user.id if user is not None else None, created_at=utcnow())
    session.add(relation)
    session.flush()
    return relation


def relations_of(session: Session, contact_ids: Iterable[int], limit: int = 200) -> list[ContactRelation]:
    """The relationships of these contacts, either way, with both contacts and their partners (one query)."""
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        return []
    return list(session.scalars(
        sa.select(ContactRelation)
        .where(sa.or_(ContactRelation.contact_id.in_(ids), ContactRelation.other_id.in_(ids)))
        .options(joinedload(ContactRelation.contact).joinedload(Contact.partner),
                 joinedload(ContactRelation.other).joinedload(Contact.partner))
        .order_by(ContactRelation.id).limit(limit)))


def remove_relation(session: Session, relation: ContactRelation) -> None:
    session.delete(relation)
    session.flush()


# ---- birthdays --------------------------------------------------------------------------------

def birthday_settings(session: Session, create: bool = True) -> BirthdaySettings:
    """The company's birthday settings (the one row, made with the defaults when missing)."""
    found = session.scalars(sa.select(BirthdaySettings).order_by(BirthdaySettings.id)).first()
    if found is None:
        found = BirthdaySettings(days_ahead=3, send_greetings=False, sms_text="")
        if create:
            session.add(found)
            session.flush()
    return found


def update_birthday_settings(session: Session, values: Mapping[str, Any]) -> BirthdaySettings:
    """Change the settings: ``days_ahead`` (0–30), ``send_greetings``, ``template_id``, ``mailbox_id``, ``sms_text``."""
    errors: dict[str, Any] = {}
    found = birthday_settings(session)
    try:
        days = int(values.get("days_ahead", found.days_ahead))
    except (TypeError, ValueError):
        days = -1
    if not 0 <= days <= MAX_DAYS_AHEAD:
        errors["days_ahead"] = _("A number of days from 0 to ${max}.", mapping={"max": MAX_DAYS_AHEAD})
    template_id = values.get("template_id") or None
    if template_id is not None and session.get(EmailTemplate, int(template_id)) is None:
        errors["template_id"] = _("No such template.")
    mailbox_id = values.get("mailbox_id") or None
    if mailbox_id is not None:
        mailbox = session.get(Mailbox, int(mailbox_id))
        if mailbox is None or not mailbox.active or mailbox.user_id is not None:
            errors["mailbox_id"] = _("Choose an active company mailbox.")
    sms_text = (values.get("sms_text") or "").strip()
    if len(sms_text) > 300:
        errors["sms_text"] = _("At most 300 characters.")
    elif sms_text:
        try:
            sandbox.check(sms_text)
        except sandbox.TemplateProblem as exc:
            errors["sms_text"] = str(exc)
    greetings = bool(values.get("send_greetings", found.send_greetings))
    if greetings and template_id is None and not sms_text:
        errors["template_id"] = _("Greetings need an email template (or an SMS text).")
    if errors:
        raise ValidationFailed(errors)
    found.days_ahead, found.send_greetings, found.sms_text = days, greetings, sms_text
    found.template_id = int(template_id) if template_id is not None else None
    found.mailbox_id = int(mailbox_id) if mailbox_id is not None else None
    session.flush()
    return found


def birthday_in(birthday: dt.date, year: int) -> dt.date:
    """The birthday in ``year`` (29 February is the 28th in other years)."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


def next_birthday(birthday: dt.date, today: dt.date) -> dt.date:
    """The next birthday on or after ``today``."""
    found = birthday_in(birthday, today.year)
    return found if found >= today else birthday_in(birthday, today.year + 1)


def _month_day_clause(days: Iterable[dt.date]):
    month, day = sa.extract("month", Contact.birthday), sa.extract("day", Contact.birthday)
    pairs = sorted({(d.month, d.day) for d in days})
    clauses = []
    for m, d in pairs:
        if (m, d) == (2, 28) and not _leap(days):
            clauses.append(sa.and_(month == 2, day.in_([28, 29])))  # 29 February counts on the 28th
        else:
            clauses.append(sa.and_(month == m, day == d))
    return sa.or_(*clauses)


def _leap(days: Iterable[dt.date]) -> bool:
    return any(d.month == 2 and d.day == 29 for d in days)


def upcoming_birthdays(session: Session, today: dt.date, days_ahead: int = 0, *, where=None,
                       limit: int | None = None) -> list[tuple[dt.date, Contact]]:
    """(this year's birthday, contact) of active contacts whose birthday falls in today … today + days_ahead.

    Sorted by day then name; ``where`` narrows (a record scope), ``limit`` caps.
    """
    days = [today + dt.timedelta(days=n) for n in range(max(0, days_ahead) + 1)]
    query = (sa.select(Contact).where(Contact.birthday.is_not(None), Contact.active.is_(True),
                                      _month_day_clause(days))
             .options(joinedload(Contact.partner)))
    if where is not None:
        query = query.where(where)
    found = []
    for contact in session.scalars(query):
        on = next_birthday(contact.birthday, today)
        if on <= days[-1]:
            found.append((on, contact))
    found.sort(key=lambda item: (item[0], item[1].name, item[1].id))
    return found[:limit] if limit is not None else found


@dataclasses.dataclass
class BirthdayRun:
    """What one run of the birthday job did."""

    reminded: int = 0
    emails: int = 0
    sms: int = 0
    skipped: int = 0  # greetings not sent: no address, opted out, no mailbox


def _greeting(session: Session, contact_id: int, year: int) -> BirthdayGreeting:
    found = session.get(BirthdayGreeting, (contact_id, year))
    if found is None:
        found = BirthdayGreeting(contact_id=contact_id, year=year)
        session.add(found)
    return found


def contact_path(contact_id: int) -> str:
    return f"/m/base.contact/{contact_id}"


def remind_birthdays(session: Session, today: dt.date | None = None, hook=None,
                     settings: Mapping[str, Any] | None = None) -> BirthdayRun:
    """The daily job's work: remind owners of birthdays today and ``days_ahead`` ahead; greet.

    Idempotent per contact per year (``crm_birthday_greeting``): a second run the same day
    notifies and queues nothing more. Greetings (when the setting is on) go out on the day:
    an email rendered from the template to contacts with an address (not opted out), and
    an SMS where an ``sms`` outbox channel is registered (``hook``: the registry's hook relay).
    """
    today = today or local_today(session)
    config = birthday_settings(session)
    run = BirthdayRun()
    now = utcnow()
    sms_on = bool(config.sms_text) and "sms" in channels(hook)
    template = session.get(EmailTemplate, config.template_id) if config.template_id else None
    for on, contact in upcoming_birthdays(session, today, config.days_ahead):
        greeting = _greeting(session, contact.id, on.year)
        partner = contact.partner
        if on == today:
            if greeting.day_reminded_at is None and contact.owner_id is not None:
                notify(session, [contact.owner_id],
                       _("Birthday today: ${name} (${partner})",
                         mapping={"name": contact.name, "partner": partner.name if partner else ""}),
                       url=contact_path(contact.id), category="crm.birthday",
                       source_model="base.contact", source_id=contact.id)
                run.reminded += 1
            greeting.day_reminded_at = greeting.day_reminded_at or now
            if config.send_greetings and greeting.greeted_at is None:
                _greet(session, config, template, contact, greeting, sms_on, run, settings)
                greeting.greeted_at = now
        elif greeting.ahead_reminded_at is None:
            if contact.owner_id is not None:
                notify(session, [contact.owner_id],
                       _("Birthday on ${date}: ${name} (${partner})",
                         mapping={"date": on.strftime("%m-%d"), "name": contact.name,
                                  "partner": partner.name if partner else ""}),
                       url=contact_path(contact.id), category="crm.birthday",
                       source_model="base.contact", source_id=contact.id)
                run.reminded += 1
            greeting.ahead_reminded_at = now
    session.flush()
    return run


def _greet(session: Session, config: BirthdaySettings, template: EmailTemplate | None, contact: Contact,
           greeting: BirthdayGreeting, sms_on: bool, run: BirthdayRun, settings) -> None:
    owner = session.get(User, contact.owner_id) if contact.owner_id else None
    context = mail.context_for(session, contact=contact, user=owner)
    address = (contact.email or "").strip()
    if template is not None and address and not outbox.is_opted_out(session, "email", address):
        mailbox = (session.get(Mailbox, config.mailbox_id) if config.mailbox_id else None) \
            or outbox.default_mailbox(session, owner)
        if mailbox is None:
            run.skipped += 1
        else:
            rendered = mail.render(template, context, locale=mail.mail_locale(settings))
            message = outbox.queue(session, to=address, to_name=contact.name, subject=rendered.subject,
                                   text=rendered.text, html=rendered.html, mailbox=mailbox, record=contact,
                                   user=owner)
            greeting.email_message_id = message.id
            run.emails += 1
    elif template is not None:
        run.skipped += 1
    mobile = (contact.mobile or "").strip()
    if sms_on and mobile and not outbox.is_opted_out(session, "sms", mobile):
        try:
            text = sandbox.render(config.sms_text, context, html=False)
        except sandbox.TemplateProblem:
            run.skipped += 1
            return
        message = outbox.queue(session, channel="sms", to=mobile, to_name=contact.name, text=text,
                               record=contact, user=owner)
        greeting.sms_message_id = message.id
        run.sms += 1


# ---- quick actions: email, SMS, call ------------------------------------------------------

def sms_available(hook) -> bool:
    """Whether an installed addon provides the outbox's ``sms`` channel."""
    return "sms" in channels(hook)


def email_addresses(partner: Partner, contacts: Iterable[Contact]) -> list[tuple[str, str, int | None]]:
    """(address, name, contact id) a quick email may go to: the contacts', then the partner's own."""
    found, seen = [], set()
    for contact in contacts:
        address = (contact.email or "").strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            found.append((address, contact.name, contact.id))
    if (partner.email or "").strip() and partner.email.strip().lower() not in seen:
        found.append((partner.email.strip(), partner.name, None))
    return found


def mobile_numbers(partner: Partner, contacts: Iterable[Contact]) -> list[tuple[str, str, int | None]]:
    """(number, name, contact id) a quick SMS may go to."""
    found, seen = [], set()
    for contact in contacts:
        number = (contact.mobile or "").strip()
        if number and outbox.normalise("sms", number) not in seen:
            seen.add(outbox.normalise("sms", number))
            found.append((number, contact.name, contact.id))
    if (partner.mobile or "").strip() and outbox.normalise("sms", partner.mobile) not in seen:
        found.append((partner.mobile.strip(), partner.name, None))
    return found


def _log(session: Session, user: User, partner: Partner, contact: Contact | None, kind: str, subject: str,
         content: str):
    model, record_id = ("base.contact", contact.id) if contact is not None else ("base.partner", partner.id)
    return activities.log_activity(session, model, record_id, user, subject[:200], kind=kind, content=content)


def send_email(session: Session, user: User, partner: Partner, contact: Contact | None, *, to: str,
               subject: str, body: str) -> tuple[OutboxMessage, Any]:
    """Queue an email from the rep's mailbox (their own, else the company's) and log an activity "email".

    Returns (the outbox message, the activity). Per-field errors: ``to``, ``subject``,
    ``body``, ``_`` (no mailbox to send from).
    """
    to, subject, body = (to or "").strip(), (subject or "").strip(), (body or "").strip()
    errors: dict[str, Any] = {}
    if not _EMAIL.match(to):
        errors["to"] = _("Enter a valid email address.")
    if not subject:
        errors["subject"] = _("Required")
    elif len(subject) > 300:
        errors["subject"] = _("At most 300 characters.")
    if not body:
        errors["body"] = _("Required")
    mailbox = outbox.default_mailbox(session, user)
    if mailbox is None:
        errors["_"] = _("No mailbox to send from: add your own mailbox (or ask for a company one) first.")
    if errors:
        raise ValidationFailed(errors)
    name = contact.name if contact is not None else partner.name
    message = outbox.queue(session, to=to, to_name=name, subject=subject, text=body, mailbox=mailbox,
                           record=contact if contact is not None else partner, user=user)
    activity = _log(session, user, partner, contact, "email", subject, f"{to}\n\n{body}")
    return message, activity


def send_sms(session: Session, user: User, partner: Partner, contact: Contact | None, *, to: str, text: str,
             hook=None) -> tuple[OutboxMessage, Any]:
    """Queue an SMS (channel ``sms``, only where an addon provides it) and log an activity "sms"."""
    to, text = (to or "").strip(), (text or "").strip()
    errors: dict[str, Any] = {}
    if not sms_available(hook):
        errors["_"] = _("No SMS channel is installed.")
    if len(outbox.normalise("sms", to)) < 5:
        errors["to"] = _("Enter a mobile number.")
    if not text:
        errors["text"] = _("Required")
    elif len(text) > 500:
        errors["text"] = _("At most 500 characters.")
    if errors:
        raise ValidationFailed(errors)
    name = contact.name if contact is not None else partner.name
    message = outbox.queue(session, channel="sms", to=to, to_name=name, text=text,
                           record=contact if contact is not None else partner, user=user)
    activity = _log(session, user, partner, contact, "sms", text[:60], f"{to}\n\n{text}")
    return message, activity


def tel_url(number: str) -> str:
    """A ``tel:`` link for a phone number as people write it (+86 138-0013-8000 → tel:+8613800138000)."""
    return "tel:" + outbox.normalise("sms", number or "")
