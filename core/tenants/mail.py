"""The first administrator's password by email, through the operator's own SMTP server.

A new company has no mailbox of its own yet, so the host's one is used:

    zhanggui.operator_smtp = smtps://ops%%40example.com:secret@smtp.example.com:465
    zhanggui.operator_mail_from = 掌柜 <ops@example.com>

``smtp://`` talks plain SMTP (a local relay), ``smtp+starttls://`` upgrades with
STARTTLS, ``smtps://`` is TLS from the start. The message is in Chinese and English
(the company's language is not known yet). Sending is not retried: when it fails the
caller shows the password instead, so it is never lost.
"""
from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from pyramid.i18n import make_localizer

from ..i18n import _

TIMEOUT = 30
SUBJECT = _("Your Zhanggui administrator account for ${tenant}")
BODY = _("An account was created for your company. Sign in at ${url} with the login ${login} "
         "and the password ${password}, then change the password under My account.")


class MailError(Exception):
    """The message could not be sent; the message says why (no password in it)."""


def configured(settings: Mapping[str, str]) -> bool:
    return bool((settings.get("zhanggui.operator_smtp") or "").strip())


def _localizers() -> list:
    from pathlib import Path

    import core

    locale_dir = str(Path(core.__file__).parent / "locale")
    return [make_localizer(name, [locale_dir]) for name in ("zh_Hans", "en")]


def admin_message(settings: Mapping[str, str], to: str, tenant: str, domains: Sequence[str], login: str,
                  password: str) -> EmailMessage:
    """The bilingual message (Chinese first, English below)."""
    url = f"https://{domains[0]}/" if domains else ""
    mapping = {"tenant": tenant, "url": url, "login": login, "password": password}
    subject, bodies = "", []
    for localizer in _localizers():
        subject = subject or localizer.translate(_(SUBJECT, mapping=mapping))
        bodies.append(localizer.translate(_(BODY, mapping=mapping)))
    message = EmailMessage()
    sender = (settings.get("zhanggui.operator_mail_from") or "").strip()
    if not sender:
        raise MailError("zhanggui.operator_mail_from is not set (the sender of the operator's mail)")
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
    message.set_content("\n\n".join(dict.fromkeys(bodies)) + "\n")
    return message


def send(settings: Mapping[str, str], message: EmailMessage) -> None:
    """Deliver ``message`` through ``zhanggui.operator_smtp``; :class:`MailError` when refused."""
    raw = (settings.get("zhanggui.operator_smtp") or "").strip()
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps", "smtp+starttls") or not parts.hostname:
        raise MailError("zhanggui.operator_smtp must look like smtp://host:25, smtp+starttls://user:pw@host:587 "
                        "or smtps://user:pw@host:465")
    port = parts.port or (465 if scheme == "smtps" else 587 if scheme == "smtp+starttls" else 25)
    try:
        if scheme == "smtps":
            server: smtplib.SMTP = smtplib.SMTP_SSL(parts.hostname, port, timeout=TIMEOUT,
                                                    context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(parts.hostname, port, timeout=TIMEOUT)
        try:
            if scheme == "smtp+starttls":
                server.starttls(context=ssl.create_default_context())
            if parts.username:
                server.login(unquote(parts.username), unquote(parts.password or ""))
            server.send_message(message)
        finally:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                pass
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        raise MailError(f"{parts.hostname}:{port}: {type(exc).__name__}: {exc}") from None


def send_admin_password(settings: Mapping[str, str], to: str, tenant: str, domains: Sequence[str],
                        login: str, password: str) -> None:
    send(settings, admin_message(settings, to, tenant, domains, login, password))


def deliver_password(operator, created, to: str) -> str | None:
    """Send a new tenant's first password to ``to``; None when sent, else why not (logged either way).

    ``created`` is :class:`core.tenants.services.Created`. Without the operator's SMTP
    setting nothing is sent and the reason says so: the caller shows the password.
    """
    if not to or created.admin_password is None:
        return "no password to send"
    if not configured(operator.settings):
        return "zhanggui.operator_smtp is not set"
    try:
        send_admin_password(operator.settings, to, created.name, created.domains, created.admin_login,
                            created.admin_password)
    except MailError as exc:
        operator.log("mail", created.name, "failed", f"administrator's password to {to}: {exc}")
        return str(exc)
    operator.log("mail", created.name, "ok", f"administrator's password sent to {to}")
    return None
