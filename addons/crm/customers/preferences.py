"""A rep's personal crm settings: usual industries and provinces, the default sender mailbox.

The "New customer" page (views.py) offers the usual industries and provinces first; other
crm parts that send a rep's email (blasts, quick email) ask :func:`sender` for the mailbox.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.outbox.models import Mailbox
from addons.base.partners import divisions
from addons.base.partners.models import Industry
from core.i18n import _
from core.records import ValidationFailed
from core.security.models import User

from .models import SalesPreference

#: At most this many usual industries and provinces.
MAX_USUAL = 10


def get(session: Session, user_id: int) -> SalesPreference:
    """The user's settings (an unsaved default row when they have none)."""
    found = session.get(SalesPreference, user_id)
    return found if found is not None else SalesPreference(user_id=user_id, industry_ids=[], provinces=[],
                                                           mailbox_id=None)


def mailboxes(session: Session, user: User) -> list[Mailbox]:
    """The mailboxes a user may send from: their own and the company's, active ones."""
    return list(session.scalars(sa.select(Mailbox).where(
        Mailbox.active.is_(True), sa.or_(Mailbox.user_id == user.id, Mailbox.user_id.is_(None)))
        .order_by(Mailbox.user_id.is_(None), Mailbox.name)))


def _ints(values: Iterable) -> list[int]:
    out = []
    for v in values or ():
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            raise ValueError(v) from None
    return list(dict.fromkeys(out))


def save(session: Session, user: User, industry_ids: Iterable = (), provinces: Iterable[str] = (),
         mailbox_id=None) -> SalesPreference:
    """Store the user's settings; ValidationFailed (per field) for an unknown industry, province or mailbox."""
    errors = {}
    try:
        industries = _ints(industry_ids)
    except ValueError:
        industries = []
        errors["industry_ids"] = _("No such record.")
    if len(industries) > MAX_USUAL:
        errors["industry_ids"] = _("At most ${n}.", mapping={"n": MAX_USUAL})
    elif industries:
        known = set(session.scalars(sa.select(Industry.id).where(Industry.id.in_(industries))))
        if set(industries) - known:
            errors["industry_ids"] = _("No such record.")
    codes = list(dict.fromkeys(str(p) for p in provinces or () if str(p)))
    valid = {d.code for d in divisions.provinces()}
    if len(codes) > MAX_USUAL:
        errors["provinces"] = _("At most ${n}.", mapping={"n": MAX_USUAL})
    elif set(codes) - valid:
        errors["provinces"] = _("Not a province.")
    mailbox = None
    if mailbox_id not in (None, "", 0, "0"):
        try:
            mailbox = int(mailbox_id)
        except (TypeError, ValueError):
            mailbox = -1
        if mailbox not in {m.id for m in mailboxes(session, user)}:
            errors["mailbox_id"] = _("Not one of your mailboxes.")
    if errors:
        raise ValidationFailed(errors)
    row = session.get(SalesPreference, user.id)
    if row is None:
        row = SalesPreference(user_id=user.id)
        session.add(row)
    row.industry_ids, row.provinces, row.mailbox_id = industries, codes, mailbox
    session.flush()
    return row


def sender(session: Session, user_id: int) -> Mailbox | None:
    """The mailbox the user's email goes out from: their chosen one while it is active, else None."""
    pref = session.get(SalesPreference, user_id)
    if pref is None or pref.mailbox_id is None:
        return None
    mailbox = session.get(Mailbox, pref.mailbox_id)
    return mailbox if mailbox is not None and mailbox.active else None


def usual_industries(session: Session, user_id: int) -> list[tuple[int, str]]:
    """``(id, name)`` of the user's usual industries, in their order (inactive ones left out)."""
    ids = get(session, user_id).industry_ids or []
    found = {i.id: i.name for i in session.scalars(sa.select(Industry).where(Industry.id.in_(ids),
                                                                            Industry.active.is_(True)))}
    return [(i, found[i]) for i in ids if i in found]


def ordered_provinces(session: Session, user_id: int) -> list[tuple[str, str]]:
    """Every province as ``(code, name)``, the user's usual ones first."""
    usual = [c for c in get(session, user_id).provinces or []]
    everything = [(d.code, d.name) for d in divisions.provinces()]
    rank = {c: i for i, c in enumerate(usual)}
    return sorted(everything, key=lambda p: (rank.get(p[0], len(rank)), everything.index(p)))
