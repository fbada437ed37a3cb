"""Sending and reading notifications; callable without a request (views, jobs, addons, CLI).

Sending::

    from core.i18n import _
    from core.notifications.services import notify

    notify(session, [order.owner_id, manager.id],
           _("Order ${number} was approved", mapping={"number": order.number}),
           url=f"/sale/order/{order.id}", category="approval",
           source_model="sale.order", source_id=order.id)

Translation strings are stored untranslated (msgid + domain + default + mapping) and
translated when shown, in the language of whoever reads them (a user's language may
be "the browser's", unknown when a job sends). Plain strings are shown as they are.

Writes are bulk statements, not ORM objects: a notification is not a business change,
so it stays out of the audit trail (core/security/audit.py) even in a request's session.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from translationstring import TranslationString

from ..web.urls import is_site_path

from ..db import utcnow
from .models import Notification

TITLE_LENGTH = 300
URL_LENGTH = 500
CATEGORY_LENGTH = 40
#: Nested translation strings inside a mapping are stored as ``{TS_KEY: msgid, ...}``.
TS_KEY = "$ts"

Text = str | TranslationString
Translate = Callable[[Any], str]


# -- translation strings as JSON --------------------------------------------------------

def _encode_value(value: Any) -> Any:
    if isinstance(value, TranslationString):
        return {TS_KEY: str(value), **_encode_meta(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)  # Decimal, dates…: as their text


def _encode_meta(ts: TranslationString) -> dict[str, Any]:
    meta: dict[str, Any] = {"domain": ts.domain}
    if ts.default is not None and ts.default != str(ts):
        meta["default"] = str(ts.default)
    if ts.context:
        meta["context"] = ts.context
    if ts.mapping:
        meta["mapping"] = {str(k): _encode_value(v) for k, v in ts.mapping.items()}
    return meta


def _decode(msgid: str, meta: dict[str, Any], translate: Translate) -> str:
    mapping = {k: (_decode(v[TS_KEY], v, translate) if isinstance(v, dict) and TS_KEY in v else v)
               for k, v in (meta.get("mapping") or {}).items()}
    ts = TranslationString(msgid, domain=meta.get("domain"), default=meta.get("default"),
                           mapping=mapping or None, context=meta.get("context"))
    return translate(ts)


def _split(text: Text, limit: int | None = None) -> tuple[str, dict[str, Any] | None]:
    """(the column value, the i18n entry or None) for a title or body."""
    if isinstance(text, TranslationString):
        return str(text), _encode_meta(text)
    plain = str(text or "")
    if limit is not None and len(plain) > limit:
        plain = plain[:limit - 1] + "…"
    return plain, None


def render(notification: Notification, translate: Translate) -> tuple[str, str]:
    """(title, body) as the reader sees them; ``translate`` is e.g. ``request.translate``."""
    data = notification.i18n or {}
    out = []
    for field in ("title", "body"):
        text = getattr(notification, field) or ""
        meta = data.get(field)
        out.append(_decode(text, meta, translate) if meta is not None and text else text)
    return out[0], out[1]


# -- sending ----------------------------------------------------------------------------

def _user_id(user: int | Any) -> int:
    return int(getattr(user, "id", user))


def notify(session: Session, user_ids: Iterable[int | Any], title: Text, body: Text = "",
           url: str = "", category: str = "", *, source_model: str = "",
           source_id: int | None = None) -> list[int]:
    """Notify users; returns the new notifications' ids (one per distinct recipient).

    ``user_ids`` are ids or User objects. ``title`` / ``body`` are plain text or
    translation strings (``core.i18n._``: each reader sees them in their language).
    ``url`` is a path on this site (``request.route_path(...)``, or "/sale/order/7"
    from a job), opened when the user clicks the notification; a full URL or a
    path to another site is refused (ValueError). Runs in the caller's transaction.
    """
    recipients = list(dict.fromkeys(_user_id(u) for u in user_ids))
    title_text, title_i18n = _split(title, TITLE_LENGTH)
    if not title_text.strip():
        raise ValueError("a notification needs a title")
    body_text, body_i18n = _split(body)
    url = url or ""
    if url and not is_site_path(url):
        raise ValueError(f"notification url must be a path on this site, not {url!r}")
    if len(url) > URL_LENGTH:
        raise ValueError("notification url is too long")
    if not recipients:
        return []
    i18n = {k: v for k, v in (("title", title_i18n), ("body", body_i18n)) if v is not None}
    now = utcnow()
    rows = [dict(user_id=uid, created_at=now, title=title_text, body=body_text, url=url,
                 category=(category or "")[:CATEGORY_LENGTH], i18n=i18n,
                 source_model=source_model or "", source_id=source_id, read_at=None)
            for uid in recipients]
    stmt = sa.insert(Notification).returning(Notification.id, sort_by_parameter_order=True)
    return list(session.scalars(stmt, rows))


# -- reading ----------------------------------------------------------------------------

def unread_count_query(user_id: int) -> sa.Select:
    """The badge's query: one COUNT answered by ix_zg_notification_user_id_read_at."""
    return (sa.select(sa.func.count()).select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None)))


def unread_count(bind: Session | sa.Connection, user_id: int) -> int:
    """How many unread notifications ``user_id`` has (a session or a bare connection)."""
    return int(bind.scalar(unread_count_query(user_id)) or 0)


def get(session: Session, user_id: int, notification_id: int) -> Notification | None:
    """The notification if it belongs to ``user_id``; None otherwise (also for others')."""
    row = session.get(Notification, notification_id)
    return row if row is not None and row.user_id == user_id else None


def recent(session: Session, user_id: int, limit: int = 10, unread_only: bool = False) -> list[Notification]:
    """The user's newest notifications."""
    return page(session, user_id, 1, limit, unread_only).items


@dataclasses.dataclass
class Page:
    items: list[Notification]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def page(session: Session, user_id: int, number: int = 1, per_page: int = 20,
         unread_only: bool = False) -> Page:
    """One page of the user's notifications, newest first."""
    where = [Notification.user_id == user_id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    total = session.scalar(sa.select(sa.func.count()).select_from(Notification).where(*where)) or 0
    per_page = max(1, per_page)
    number = max(1, min(number, max(1, -(-total // per_page))))
    items = session.scalars(
        sa.select(Notification).where(*where)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page).offset((number - 1) * per_page)).all()
    return Page(list(items), int(total), number, per_page)


# -- marking ----------------------------------------------------------------------------

def mark_read(session: Session, user_id: int, notification_ids: Iterable[int]) -> int:
    """Mark some of the user's notifications read; others' ids are ignored. Returns how many."""
    ids = [int(i) for i in notification_ids]
    if not ids:
        return 0
    return _mark(session, user_id, Notification.id.in_(ids))


def mark_all_read(session: Session, user_id: int) -> int:
    """Mark every unread notification of the user read. Returns how many."""
    return _mark(session, user_id)


def _mark(session: Session, user_id: int, *where) -> int:
    stmt = (sa.update(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None), *where)
            .values(read_at=utcnow())
            .execution_options(synchronize_session="fetch"))
    return session.execute(stmt).rowcount or 0
