"""Channels: how a message leaves the outbox. Base's ``email`` over SMTP; others from hooks.

A channel's ``send(message, mailbox)`` delivers one :class:`~.models.OutboxMessage`
and returns normally when the other side accepted it. It raises
:class:`TemporaryFailure` for what may work later (a 4xx reply, a refused or lost
connection: the dispatcher retries with back-off) and :class:`PermanentFailure` for
what never will (a 5xx reply: the message fails with the server's reason). Any other
exception counts as temporary. ``send`` runs outside any database transaction: it
must not touch the session.
"""
from __future__ import annotations

import dataclasses
import email.utils
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from core.i18n import _


class TemporaryFailure(Exception):
    """The message may go through later (4xx, connection trouble): retried with back-off."""


class PermanentFailure(Exception):
    """The message will never go through as it is (5xx): failed with this reason."""


@dataclasses.dataclass(frozen=True)
class Channel:
    """One way out of the outbox: ``email``, ``sms``…

    ``send(message, mailbox)`` as described in the module docstring; ``mailbox`` is the
    message's :class:`~.models.Mailbox` (None for channels that do not use one).
    ``needs_mailbox``: the dispatcher holds back messages without an active mailbox.
    """

    name: str
    title: Any
    send: Callable[[Any, Any], None]
    needs_mailbox: bool = False


#: How long one SMTP conversation may stall before it counts as a temporary failure.
SMTP_TIMEOUT = 30


def build_email(message, mailbox) -> EmailMessage:
    """The MIME message of an outbox message: From the mailbox, its stable Message-ID, headers."""
    mail = EmailMessage()
    mail["From"] = email.utils.formataddr((mailbox.from_name or "", mailbox.from_address))
    mail["To"] = email.utils.formataddr((message.to_name or "", message.to_address))
    mail["Subject"] = message.subject or ""
    mail["Message-ID"] = message.message_id
    mail["Date"] = email.utils.formatdate(localtime=False)
    for name, value in (message.headers or {}).items():
        if name.lower() in ("from", "to", "subject", "message-id", "date"):
            continue
        mail[name] = value
    mail.set_content(message.body_text or "")
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    return mail


def _connect(mailbox) -> smtplib.SMTP:
    host, port = mailbox.smtp_host, int(mailbox.smtp_port)
    if mailbox.smtp_security == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT,
                                                context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        if mailbox.smtp_security == "starttls":
            server.starttls(context=ssl.create_default_context())
    if mailbox.smtp_username:
        server.login(mailbox.smtp_username, mailbox.smtp_password or "")
    return server


def send_email(message, mailbox) -> None:
    """Send one message over the mailbox's SMTP server (one connection per message).

    A 5xx reply for the recipient or the data is permanent; 4xx replies, refused
    connections, time-outs and TLS trouble are temporary. A 5xx on login is a
    mailbox configuration error: temporary, so the messages wait for the fix.
    """
    mail = build_email(message, mailbox)
    try:
        server = _connect(mailbox)
    except smtplib.SMTPAuthenticationError as exc:
        raise TemporaryFailure(f"login refused: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        raise TemporaryFailure(f"cannot connect to {mailbox.smtp_host}:{mailbox.smtp_port}: {exc}") from exc
    try:
        refused = server.send_message(mail, from_addr=mailbox.from_address, to_addrs=[message.to_address])
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        raise _failure(code, reply) from exc
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        raise _failure(exc.smtp_code, exc.smtp_error) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TemporaryFailure(str(exc) or type(exc).__name__) from exc
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    if refused:  # only one recipient, so this is not reached; kept for safety
        code, reply = next(iter(refused.values()))
        raise _failure(code, reply)


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _failure(code: int, reply) -> Exception:
    reason = f"{code} {_text(reply)}".strip()
    return PermanentFailure(reason) if 500 <= int(code) < 600 else TemporaryFailure(reason)


EMAIL = Channel(name="email", title=_("Email"), send=send_email, needs_mailbox=True)


def channels(hook=None) -> dict[str, Channel]:
    """Every channel: base's email and those the installed addons return from
    ``base_outbox_channels`` (``hook`` is the database's registry hook relay)."""
    found = {EMAIL.name: EMAIL}
    if hook is not None:
        for result in hook.base_outbox_channels():
            for channel in result or ():
                found.setdefault(channel.name, channel)
    return found

