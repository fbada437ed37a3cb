"""Email templates: the variables, rendering in the sandbox, preview, test send; signed links.

Callable without a request. Messages are queued through the outbox
(``addons.base.outbox.services.queue``) in the caller's transaction and sent by its
dispatcher after the commit.
"""
from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from bs4 import BeautifulSoup
from jinja2 import TemplateError
from sqlalchemy.orm import Session

from core import sandbox
from core.i18n import _, normalize_locale
from core.security.models import User

from .models import EmailTemplate

#: The line added to marketing mail whose template has no unsubscribe link, and the test mail's prefix:
#: in the recipient's language when known, else the company's (:func:`mail_locale`).
UNSUBSCRIBE_LINE = _("Unsubscribe from these emails:")
TEST_PREFIX = _("[Test]")


def mail_locale(settings: Mapping[str, Any] | None, recipient: str | None = None) -> str:
    """The language of a message: the recipient's (a user's saved language) when known, else the
    company's, ``zhanggui.default_locale`` (Chinese when unset). A job has no request language,
    and neither has a message: it is read by its recipient, not by whoever sent it."""
    from core.web.i18n import default_locale

    return normalize_locale(recipient) or default_locale(settings or {})


@functools.lru_cache(maxsize=8)
def _localizer(locale: str):
    from pyramid.i18n import make_localizer
    from pyramid.path import AssetResolver

    resolver = AssetResolver()
    return make_localizer(locale, [resolver.resolve(d).abspath() for d in ("core:locale", "addons.base:locale")])


def translate(message, locale: str) -> str:
    """``message`` (a translation string) in ``locale``, without a request (jobs, services)."""
    return _localizer(locale).translate(message)


#: The variables a template may use, shown next to the editor.
VARIABLES = (
    ("partner.name", _("Customer (partner) name")),
    ("partner.code", _("Partner code")),
    ("contact.name", _("Contact name")),
    ("contact.title", _("Contact's job title")),
    ("contact.birthday", _("Contact's birthday")),
    ("contact.email", _("Contact's email")),
    ("company.name", _("Your company's name")),
    ("user.name", _("The sender (user) name")),
    ("unsubscribe_url", _("The unsubscribe link (added at the end when the template has none)")),
)

#: Where links in messages point when ``zhanggui.public_url`` is not set.
DEFAULT_PUBLIC_URL = "http://localhost:6543"


def public_url(settings: Mapping[str, Any] | None) -> str:
    """``zhanggui.public_url``: the address recipients reach the site at (links in mails)."""
    return str((settings or {}).get("zhanggui.public_url") or DEFAULT_PUBLIC_URL).rstrip("/")


def _mac(settings: Mapping[str, Any] | None, purpose: str, number: int) -> str:
    secret = str((settings or {}).get("zhanggui.session_secret") or "zhanggui").encode()
    digest = hmac.new(secret, f"zhanggui.mail.{purpose}:{number}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode("ascii").rstrip("=")


def sign(settings: Mapping[str, Any] | None, purpose: str, number: int) -> str:
    """A short URL-safe token for the blast recipient ``number``, signed with the site's secret.

    Short on purpose: it goes into the ``List-Unsubscribe`` header, which mail software
    wants on one line; the address itself stays in the database, not in the link.
    """
    return f"{int(number)}.{_mac(settings, purpose, int(number))}"


def unsign(settings: Mapping[str, Any] | None, purpose: str, token: str) -> int | None:
    """The recipient number of a token made by :func:`sign`, None when forged or damaged."""
    number, _sep, mac = (token or "").partition(".")
    if not number.isdigit() or len(number) > 12 or not mac:
        return None
    return int(number) if hmac.compare_digest(mac, _mac(settings, purpose, int(number))) else None


def unsubscribe_url(settings, recipient_id: int) -> str:
    return f"{public_url(settings)}/mail/unsubscribe/{sign(settings, 'unsubscribe', recipient_id)}"


def open_url(settings, recipient_id: int) -> str:
    return f"{public_url(settings)}/mail/open/{sign(settings, 'open', recipient_id)}.gif"


# ---- context and rendering -----------------------------------------------------------

def _date(value) -> str:
    return value.isoformat() if value is not None else ""


def context_for(session: Session, *, partner=None, contact=None, user: User | None = None,
                unsubscribe: str = "", company=None) -> dict[str, Any]:
    """The template's variables as plain data (never ORM objects: see core/sandbox.py)."""
    from ..services import get_company

    if partner is None and contact is not None:
        partner = contact.partner
    company = company if company is not None else get_company(session)
    return {
        "partner": {"name": partner.name, "code": partner.code, "short_name": partner.short_name,
                    "email": partner.email, "phone": partner.phone} if partner is not None else
        {"name": "", "code": "", "short_name": "", "email": "", "phone": ""},
        "contact": {"name": contact.name, "title": contact.title, "email": contact.email,
                    "mobile": contact.mobile, "department": contact.department,
                    "birthday": _date(contact.birthday)} if contact is not None else
        {"name": partner.name if partner is not None else "", "title": "", "email": "", "mobile": "",
         "department": "", "birthday": ""},
        "company": {"name": company.name if company is not None else "",
                    "phone": company.phone if company is not None else "",
                    "website": company.website if company is not None else ""},
        "user": {"name": user.name if user is not None else "", "email": user.email if user is not None else ""},
        "unsubscribe_url": unsubscribe,
    }


def check_template(subject: str, body_html: str) -> dict[str, str]:
    """Per-field problems of a template (``{"body_html": "unexpected '}' (line 3)"}``), empty if fine."""
    problems = {}
    for name, source in (("subject", subject), ("body_html", body_html)):
        try:
            sandbox.check(source or "")
            sandbox.render(source or "", SAMPLE, html=name == "body_html")
        except sandbox.TemplateProblem as exc:
            problems[name] = str(exc)
    return problems


#: What the check renders a template with (every variable present).
SAMPLE = {"partner": {"name": "杭州恒达机电设备有限公司", "code": "BP000001", "short_name": "恒达", "email": "",
                      "phone": ""},
          "contact": {"name": "王芳", "title": "采购经理", "email": "wangfang@example.com", "mobile": "",
                      "department": "", "birthday": "1985-06-01"},
          "company": {"name": "掌柜", "phone": "", "website": ""}, "user": {"name": "张伟", "email": ""},
          "unsubscribe_url": "https://example.com/mail/unsubscribe/x"}


def html_to_text(html: str) -> str:
    """The plain-text part of a message: the HTML's text, paragraphs kept, links written out."""
    soup = BeautifulSoup(html or "", "html.parser")
    for tag in soup(["style", "script", "head", "title"]):
        tag.decompose()
    for img in soup.find_all("img"):
        img.decompose()
    for link in soup.find_all("a"):
        href = link.get("href") or ""
        text = link.get_text()
        if href and not href.startswith("#") and href != text:
            link.replace_with(f"{text} <{href}>" if text.strip() else href)
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table", "ul", "ol"]):
        block.insert_after("\n\n" if block.name in ("p", "h1", "h2", "h3", "h4", "table", "ul", "ol") else "\n")
    text = soup.get_text()
    text = "\n".join(line.strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@dataclasses.dataclass
class Rendered:
    subject: str
    html: str
    text: str


class Compiled:
    """A template compiled once (subject, body and the unsubscribe line) for many recipients.

    A blast renders the same template for every address: compiling it once per run
    instead of once per message makes the run several times faster.
    """

    FOOTER = ('<p style="font-size:12px;color:#888">{{ text }} '
              '<a href="{{ url }}">{{ url }}</a></p>')

    def __init__(self, template: EmailTemplate):
        self.source = template.body_html or ""
        try:
            self.subject = sandbox.environment(html=False).from_string(template.subject or "")
            html = sandbox.environment(html=True)
            self.body = html.from_string(self.source)
            self.footer = html.from_string(self.FOOTER)
        except TemplateError as exc:
            raise sandbox.TemplateProblem(_problem(exc)) from None

    def render(self, context: Mapping[str, Any], *, marketing: bool = False, tracking_url: str = "",
               locale: str = "zh_Hans") -> Rendered:
        """See :func:`render`."""
        try:
            subject = self.subject.render(**context)
            html = self.body.render(**context)
            if marketing and "unsubscribe_url" not in self.source and context.get("unsubscribe_url"):
                html += "\n" + self.footer.render(text=translate(UNSUBSCRIBE_LINE, locale),
                                                  url=context["unsubscribe_url"])
        except TemplateError as exc:
            raise sandbox.TemplateProblem(_problem(exc)) from None
        text = html_to_text(html)
        if tracking_url:
            html += f'\n<img src="{tracking_url}" width="1" height="1" alt="" style="display:none">'
        return Rendered(subject=subject.replace("\r", " ").replace("\n", " ").strip(), html=html, text=text)


def _problem(exc: TemplateError) -> str:
    line = getattr(exc, "lineno", None)
    return f"{exc.message or type(exc).__name__}" + (f" (line {line})" if line else "")


def render(template: EmailTemplate, context: Mapping[str, Any], *, marketing: bool = False,
           tracking_url: str = "", locale: str = "zh_Hans") -> Rendered:
    """The template with ``context``: subject (plain), HTML (escaped values) and text.

    ``marketing``: a template without ``{{ unsubscribe_url }}`` gets an unsubscribe line
    at the end (in ``locale``, see :func:`mail_locale`), so no marketing message goes out
    without one. ``tracking_url``: a 1×1 image that records the opening (only where the
    recipient's client loads images).
    """
    return Compiled(template).render(context, marketing=marketing, tracking_url=tracking_url, locale=locale)


def preview(session: Session, template: EmailTemplate, *, contact=None, partner=None,
            user: User | None = None, settings=None, locale: str | None = None) -> Rendered:
    """The template as one recipient would get it (the unsubscribe link points nowhere real).

    ``locale``: the recipient's language when known (a test to a user), else the company's.
    """
    context = context_for(session, partner=partner, contact=contact, user=user,
                          unsubscribe=f"{public_url(settings)}/mail/unsubscribe/preview")
    return render(template, context, marketing=True, locale=mail_locale(settings, locale))


class MailError(ValueError):
    """Something the user must fix (no address, no mailbox…); ``message`` is for them."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def send_test(session: Session, template: EmailTemplate, user: User, *, contact=None, settings=None):
    """Queue the template (rendered for ``contact``, or sample data) to ``user``'s own address."""
    if not (user.email or "").strip():
        raise MailError(_("Your user has no email address: add one in your profile first."))
    locale = mail_locale(settings, user.locale)  # the test goes to the user: their language
    if contact is not None:
        rendered = preview(session, template, contact=contact, user=user, settings=settings, locale=locale)
    else:
        context = dict(SAMPLE, user={"name": user.name, "email": user.email},
                       unsubscribe_url=f"{public_url(settings)}/mail/unsubscribe/preview")
        rendered = render(template, context, marketing=True, locale=locale)
    subject = f"{translate(TEST_PREFIX, locale)} {rendered.subject}"
    return outbox().queue(session, to=user.email.strip(), to_name=user.name, subject=subject,
                          text=rendered.text, html=rendered.html, user=user)


def outbox():
    """The outbox's services (queue, opt-outs), imported late: another part of base."""
    from ..outbox import services as outbox_services

    return outbox_services


def templates(session: Session, active_only: bool = True) -> list[EmailTemplate]:
    query = sa.select(EmailTemplate).order_by(EmailTemplate.name)
    if active_only:
        query = query.where(EmailTemplate.active.is_(True))
    return list(session.scalars(query))
