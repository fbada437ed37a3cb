"""The public pool (公海) without a request: the daily warn-and-release, claim, assign, release.

A customer whose type has ``pool_days`` > 0 goes back to the pool when nobody has been in
contact with it for that many days: counted from its last contact (an activity that
happened, ``CustomerProfile.last_contact_at``), else from its creation, and never from
before it last got its present owner (a claim, an assignment, a transfer), so that a
customer just claimed has the whole period again. ``warn_days`` before, the owner is
notified once (``pool_warned_at``; a new contact starts a new countdown).

Every move is a row of the customer's owner history
(:func:`addons.crm.customers.services.change_owner`). Who may call what is the caller's
business (the views and the API check the ``crm.pool`` permissions); the rules of the pool
itself (limits, the customer being in the pool) are checked here.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.partners.models import Partner
from addons.base.sequences import DEFAULT_TIMEZONE
from core.db import utcnow
from core.i18n import _
from core.notifications.services import notify
from core.records import ValidationFailed
from core.security.models import OwnerChange, User

from ..customers import services as customers
from ..customers.models import CustomerProfile, CustomerType
from .models import PoolSettings

#: Owner changes that give a customer a new owner (the countdown starts again from them).
NEW_OWNER = ("create", "assign", "claim", "transfer")
NOTIFY_CATEGORY = "crm.pool"


# -- settings -------------------------------------------------------------------------------------

def settings(session: Session) -> PoolSettings:
    """The company's pool settings (the row is made with the defaults when missing)."""
    found = session.get(PoolSettings, 1)
    if found is None:
        found = PoolSettings(id=1, daily_claim_limit=5, max_customers=0, reclaim_days=0)
        session.add(found)
        session.flush()
    return found


def update_settings(session: Session, values: dict) -> PoolSettings:
    """Change the limits (whole numbers from 0 to 10,000; 0: no limit)."""
    row = settings(session)
    errors = {}
    for name in ("daily_claim_limit", "max_customers", "reclaim_days"):
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10000:
            errors[name] = _("A whole number from 0 to 10,000.")
            continue
        setattr(row, name, value)
    if errors:
        raise ValidationFailed(errors)
    return row


# -- time -----------------------------------------------------------------------------------------

def day_start(session: Session, now: dt.datetime) -> dt.datetime:
    """The start of ``now``'s day in the company's time zone, as naive UTC (claims per day)."""
    zone = ZoneInfo(session.info.get("zg.timezone") or DEFAULT_TIMEZONE)
    local = now.replace(tzinfo=dt.timezone.utc).astimezone(zone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _pool_types(session: Session) -> list[CustomerType]:
    return list(session.scalars(sa.select(CustomerType).where(CustomerType.pool_days > 0)
                                .order_by(CustomerType.id)))


def _untouched_since(cutoff: dt.datetime):
    """Customers nobody contacted since ``cutoff`` and whose owner did not change since (SQL)."""
    since = sa.func.coalesce(CustomerProfile.last_contact_at, Partner.created_at)
    # A new owner starts a new countdown: crm's (claimed, assigned) and the kernel's list "Transfer" alike.
    changed = (sa.select(OwnerChange.id).where(_of_partner(Partner.id), OwnerChange.kind.in_(NEW_OWNER),
                                               OwnerChange.at > cutoff).exists())
    return sa.and_(since <= cutoff, ~changed)


def _of_partner(partner_id):
    """The kernel's owner history rows (zg_owner_change) of a partner."""
    return sa.and_(OwnerChange.model == "base.partner", OwnerChange.record_id == partner_id)


def _candidates(type_: CustomerType):
    return (sa.select(Partner, CustomerProfile)
            .join(CustomerProfile, CustomerProfile.partner_id == Partner.id)
            .where(CustomerProfile.customer_type_id == type_.id, CustomerProfile.in_pool.is_(False),
                   Partner.is_customer.is_(True), Partner.active.is_(True))
            .order_by(Partner.id))


def due_for_pool(session: Session, now: dt.datetime) -> list[tuple[Partner, CustomerProfile]]:
    """The customers that go back to the pool at ``now``: not in it, of a type with ``pool_days``,
    nobody in contact with them for that many days."""
    found = []
    for type_ in _pool_types(session):
        cutoff = now - dt.timedelta(days=type_.pool_days)
        found.extend(tuple(row) for row in session.execute(_candidates(type_).where(_untouched_since(cutoff))))
    return found


def countdown_start(session: Session, partner: Partner, side: CustomerProfile | None) -> dt.datetime | None:
    """Where the customer's countdown to the pool starts: its last contact, creation or new owner."""
    moments = [m for m in (side.last_contact_at if side is not None else None, partner.created_at) if m]
    changed = session.scalar(sa.select(sa.func.max(OwnerChange.at)).where(
        _of_partner(partner.id), OwnerChange.kind.in_(NEW_OWNER)))
    if changed is not None:
        moments.append(changed)
    return max(moments) if moments else None


def pool_date(session: Session, partner: Partner, side: CustomerProfile | None = None) -> dt.datetime | None:
    """When the customer goes back to the pool if nobody contacts it (None: never / in the pool)."""
    side = side if side is not None else customers.profile(session, partner.id)
    if side is None or side.in_pool or side.customer_type is None or side.customer_type.pool_days <= 0:
        return None
    start = countdown_start(session, partner, side)
    return start + dt.timedelta(days=side.customer_type.pool_days) if start is not None else None


def _customer_path(partner_id: int) -> str:
    return f"/m/base.partner/{partner_id}"


def warn(session: Session, now: dt.datetime) -> list[Partner]:
    """Notify the owners of customers that go back to the pool within their type's ``warn_days``;
    once per countdown (``pool_warned_at``)."""
    warned = []
    for type_ in _pool_types(session):
        if type_.warn_days <= 0:
            continue
        due = now - dt.timedelta(days=type_.pool_days)
        soon = now - dt.timedelta(days=max(type_.pool_days - type_.warn_days, 0))
        query = (_candidates(type_).where(_untouched_since(soon), ~_untouched_since(due),
                                          CustomerProfile.pool_warned_at.is_(None),
                                          Partner.owner_id.is_not(None)))
        for partner, side in session.execute(query):
            when = pool_date(session, partner, side) or now
            days = max((when - now).days + (1 if (when - now).seconds else 0), 1)
            notify(session, [partner.owner_id],
                   _("${customer} goes back to the public pool in ${days} days",
                     mapping={"customer": partner.name, "days": days}),
                   _("Nobody has been in contact with this customer for a while: log an activity "
                     "to keep it."),
                   url=_customer_path(partner.id), category=NOTIFY_CATEGORY,
                   source_model="base.partner", source_id=partner.id)
            side.pool_warned_at = now
            warned.append(partner)
    session.flush()
    return warned


def _to_pool(session: Session, partner: Partner, side: CustomerProfile, now: dt.datetime, reason: str,
             by: User | None, note: str = "") -> OwnerChange:
    side.in_pool = True
    side.pooled_at = now
    side.pool_warned_at = None
    return customers.change_owner(session, partner, None, reason, by, note, at=now)


def release_due(session: Session, now: dt.datetime) -> list[Partner]:
    """Put the customers due at ``now`` back in the pool (owner: nobody), telling their owners."""
    released = []
    for partner, side in due_for_pool(session, now):
        owner_id = partner.owner_id
        _to_pool(session, partner, side, now, "pool", None)
        if owner_id is not None:
            notify(session, [owner_id],
                   _("${customer} went back to the public pool", mapping={"customer": partner.name}),
                   _("No contact for ${days} days.", mapping={"days": side.customer_type.pool_days}),
                   url=f"/crm/pool?q={partner.code}", category=NOTIFY_CATEGORY,
                   source_model="base.partner", source_id=partner.id)
        released.append(partner)
    return released


def run_daily(session: Session, now: dt.datetime) -> tuple[list[Partner], list[Partner]]:
    """The daily job's work: warn first, then release (both idempotent)."""
    return warn(session, now), release_due(session, now)


# -- claim, assign, release -----------------------------------------------------------------------

def _locked_profile(session: Session, partner: Partner) -> CustomerProfile | None:
    """The partner's profile, locked for this transaction (two reps claiming at once: one wins)."""
    side = session.scalars(sa.select(CustomerProfile).where(CustomerProfile.partner_id == partner.id)
                           .with_for_update().execution_options(populate_existing=True)).first()
    session.refresh(partner)
    return side


def claims_today(session: Session, user: User, now: dt.datetime | None = None) -> int:
    now = now or utcnow()
    return session.scalar(sa.select(sa.func.count(OwnerChange.id)).where(
        OwnerChange.model == "base.partner", OwnerChange.kind == "claim", OwnerChange.to_user_id == user.id,
        OwnerChange.at >= day_start(session, now))) or 0


def customers_owned(session: Session, user: User) -> int:
    return session.scalar(sa.select(sa.func.count(Partner.id)).where(
        Partner.owner_id == user.id, Partner.is_customer.is_(True), Partner.active.is_(True))) or 0


@dataclasses.dataclass(frozen=True)
class Quota:
    """What a rep may still claim: today and in all (None: no limit)."""

    claimed_today: int
    daily_limit: int
    owned: int
    max_customers: int

    @property
    def left_today(self) -> int | None:
        return max(self.daily_limit - self.claimed_today, 0) if self.daily_limit else None

    @property
    def left_to_own(self) -> int | None:
        return max(self.max_customers - self.owned, 0) if self.max_customers else None


def quota(session: Session, user: User, now: dt.datetime | None = None) -> Quota:
    row = settings(session)
    return Quota(claims_today(session, user, now), row.daily_claim_limit, customers_owned(session, user),
                 row.max_customers)


def claim(session: Session, partner: Partner, user: User, now: dt.datetime | None = None) -> OwnerChange:
    """A rep takes a customer from the pool, within the company's limits (ValidationFailed otherwise)."""
    now = now or utcnow()
    side = _locked_profile(session, partner)
    if side is None or not side.in_pool:
        raise ValidationFailed({"in_pool": _("This customer is not in the public pool (any more).")})
    row = settings(session)
    left = quota(session, user, now)
    if row.daily_claim_limit and left.claimed_today >= row.daily_claim_limit:
        raise ValidationFailed({"daily_claim_limit": _(
            "You have claimed ${count} customers today, the most allowed per day: claim again tomorrow.",
            mapping={"count": left.claimed_today})})
    if row.max_customers and left.owned >= row.max_customers:
        raise ValidationFailed({"max_customers": _(
            "You already have ${count} customers, the most a rep may have: release some first.",
            mapping={"count": left.owned})})
    if row.reclaim_days:
        since = now - dt.timedelta(days=row.reclaim_days)
        recent = session.scalar(sa.select(sa.func.count(OwnerChange.id)).where(
            _of_partner(partner.id), OwnerChange.from_user_id == user.id,
            OwnerChange.kind.in_(("release", "pool")), OwnerChange.at > since))
        if recent:
            raise ValidationFailed({"reclaim_days": _(
                "This customer left you less than ${days} days ago: another rep may claim it first.",
                mapping={"days": row.reclaim_days})})
    side.in_pool = False
    side.pooled_at = None
    side.pool_warned_at = None
    return customers.change_owner(session, partner, user, "claim", user, at=now)


def assign(session: Session, partner: Partner, to_user: User | None, by: User | None,
           note: str = "") -> OwnerChange:
    """A manager gives a customer to a rep: from the pool (``assign``), else a transfer. No limits."""
    if to_user is None or not to_user.active:
        raise ValidationFailed({"user_id": _("Choose an active user.")})
    side = _locked_profile(session, partner)
    if side is not None and side.in_pool:
        side.in_pool = False
        side.pooled_at = None
        reason = "assign"
    else:
        if partner.owner_id == to_user.id:
            raise ValidationFailed({"user_id": _("This customer is already theirs.")})
        reason = "transfer"
    if side is not None:
        side.pool_warned_at = None
    change = customers.change_owner(session, partner, to_user, reason, by, note)
    if by is None or by.id != to_user.id:
        notify(session, [to_user.id], _("You have a new customer: ${customer}", mapping={"customer": partner.name}),
               note or "", url=_customer_path(partner.id), category=NOTIFY_CATEGORY,
               source_model="base.partner", source_id=partner.id)
    return change


def release(session: Session, partner: Partner, user: User, note: str, now: dt.datetime | None = None,
            manager: bool = False) -> OwnerChange:
    """Give a customer back to the pool, saying why: its owner (or, with ``manager``, a manager)."""
    now = now or utcnow()
    note = (note or "").strip()
    if not note:
        raise ValidationFailed({"note": _("Say why the customer goes back to the pool.")})
    if len(note) > 500:
        raise ValidationFailed({"note": _("At most 500 characters.")})
    side = _locked_profile(session, partner)
    if side is not None and side.in_pool:
        raise ValidationFailed({"in_pool": _("This customer is already in the public pool.")})
    if not partner.is_customer:
        raise ValidationFailed({"in_pool": _("Only customers go to the public pool.")})
    if partner.owner_id != user.id and not manager:
        raise ValidationFailed({"in_pool": _("Only the customer's owner may give it back to the pool.")})
    side = side if side is not None else customers.profile(session, partner.id, create=True)
    return _to_pool(session, partner, side, now, "release", user, note)


# -- the pool report ------------------------------------------------------------------------------

@dataclasses.dataclass
class ReportRow:
    name: str
    in_pool: int = 0
    pooled: int = 0
    released: int = 0
    claimed: int = 0
    assigned: int = 0


def report(session: Session, since: dt.datetime) -> tuple[list[ReportRow], list[tuple[str, int, int, int]]]:
    """The pool by customer type (in the pool now; moves since ``since``) and by rep (claimed, assigned
    to them, released by them or lost to the pool since ``since``)."""
    types = {t.id: ReportRow(t.name) for t in session.scalars(sa.select(CustomerType)
                                                               .order_by(CustomerType.sequence, CustomerType.name))}
    none = ReportRow("—")
    counts = session.execute(sa.select(CustomerProfile.customer_type_id, sa.func.count())
                             .join(Partner, Partner.id == CustomerProfile.partner_id)
                             .where(CustomerProfile.in_pool.is_(True), Partner.active.is_(True))
                             .group_by(CustomerProfile.customer_type_id)).all()
    for type_id, count in counts:
        types.get(type_id, none).in_pool = count
    moves = session.execute(sa.select(CustomerProfile.customer_type_id, OwnerChange.kind, sa.func.count())
                            .select_from(OwnerChange)
                            .outerjoin(CustomerProfile, CustomerProfile.partner_id == OwnerChange.record_id)
                            .where(OwnerChange.model == "base.partner", OwnerChange.at >= since,
                                   OwnerChange.kind.in_(("pool", "release", "claim", "assign")))
                            .group_by(CustomerProfile.customer_type_id, OwnerChange.kind)).all()
    fields = {"pool": "pooled", "release": "released", "claim": "claimed", "assign": "assigned"}
    for type_id, reason, count in moves:
        row = types.get(type_id, none)
        setattr(row, fields[reason], getattr(row, fields[reason]) + count)
    rows = [r for r in types.values()] + ([none] if any(vars(none)[k] for k in fields.values()) or none.in_pool
                                          else [])
    gained = sa.case((OwnerChange.kind.in_(("claim", "assign")), OwnerChange.to_user_id),
                     else_=OwnerChange.from_user_id)
    per_user = session.execute(sa.select(User.name, OwnerChange.kind, sa.func.count())
                               .select_from(OwnerChange).join(User, User.id == gained)
                               .where(OwnerChange.model == "base.partner", OwnerChange.at >= since,
                                      OwnerChange.kind.in_(("claim", "assign", "release", "pool")))
                               .group_by(User.name, OwnerChange.kind).order_by(User.name)).all()
    reps: dict[str, list[int]] = {}
    for name, reason, count in per_user:
        slot = {"claim": 0, "assign": 1}.get(reason, 2)
        reps.setdefault(name, [0, 0, 0])[slot] += count
    return rows, [(name, *values) for name, values in reps.items()]
