"""Sales targets without a request: periods, saving targets, actuals, attainment, team comparisons.

**Actual** (实际完成) is asked of the installed addons through base's hook
``base_sales_actuals`` (the sale addon answers with its approved orders); when no
installed addon answers, it is the amount of the opportunities won in the period
(closed date) by their owner. A department's actual is the sum over the users of its
subtree, the company's over every user.

**Target of a longer period.** A quarter's (a year's) target is the one set for it, else
the sum of its months' (quarters', else months') targets when any is set.

**Attainment** = actual / target × 100, rounded half-up to one decimal; none without a
target (or a zero one).

Callers pass ``hook``: ``request.hook`` in a view, ``ctx.registry.hook`` in a job, None
(no addon asked: the won opportunities) in plain scripts.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import utcnow
from core.i18n import _
from core.records import ValidationFailed
from core.security.models import Department, DepartmentManager, User

from ..models import Opportunity
from .models import SCOPES, Target

ZERO = Decimal("0.00")
_PERIOD = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])))?$")


# ---- periods -------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Period:
    """A month (``2026-11``), a quarter (``2026-Q4``) or a year (``2026``): ``[start, end)``."""

    key: str
    kind: str
    start: dt.date
    end: dt.date

    def months(self) -> list[Period]:
        out, day = [], self.start
        while day < self.end:
            out.append(parse_period(f"{day.year}-{day.month:02d}"))
            day = _add_months(day, 1)
        return out

    def quarters(self) -> list[Period]:
        if self.kind != "year":
            return []
        return [parse_period(f"{self.start.year}-Q{q}") for q in range(1, 5)]


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_period(text: str) -> Period:
    """``2026-11`` / ``2026-Q4`` / ``2026`` → a :class:`Period`; ValueError otherwise."""
    found = _PERIOD.match(str(text or "").strip().upper())
    if not found or not 1900 < int(found.group(1)) < 3000:
        raise ValueError(text)
    year = int(found.group(1))
    if found.group(2):
        start = dt.date(year, int(found.group(2)), 1)
        return Period(f"{year}-{found.group(2)}", "month", start, _add_months(start, 1))
    if found.group(3):
        quarter = int(found.group(3))
        start = dt.date(year, 3 * quarter - 2, 1)
        return Period(f"{year}-Q{quarter}", "quarter", start, _add_months(start, 3))
    return Period(str(year), "year", dt.date(year, 1, 1), dt.date(year + 1, 1, 1))


def period_of(day: dt.date, kind: str = "month") -> Period:
    if kind == "year":
        return parse_period(str(day.year))
    if kind == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    return parse_period(f"{day.year}-{day.month:02d}")


def year_periods(year: int) -> list[Period]:
    """The 12 months, the 4 quarters and the year of ``year``."""
    whole = parse_period(str(year))
    return [*whole.months(), *whole.quarters(), whole]


# ---- scopes and saving ---------------------------------------------------------------------

def scope_key(scope: str, user_id: int | None = None, department_id: int | None = None) -> str:
    if scope == "rep":
        return f"rep:{user_id}"
    if scope == "department":
        return f"department:{department_id}"
    return "company"


def _check(session: Session, values: dict) -> tuple[str, int | None, int | None, Period]:
    errors: dict = {}
    scope = values.get("scope") or "rep"
    user_id = values.get("user_id") or None
    department_id = values.get("department_id") or None
    if scope not in SCOPES:
        errors["scope"] = _("Choose a scope.")
    elif scope == "rep":
        department_id = None
        if user_id is None or session.get(User, user_id) is None:
            errors["user_id"] = _("Choose the sales rep.")
    elif scope == "department":
        user_id = None
        if department_id is None or session.get(Department, department_id) is None:
            errors["department_id"] = _("Choose the department.")
    else:
        user_id = department_id = None
    try:
        period = parse_period(values.get("period", ""))
    except ValueError:
        errors["period"] = _("A month (2026-11), a quarter (2026-Q4) or a year (2026).")
        period = None
    amount = values.get("amount")
    if amount is None or Decimal(amount) < 0:
        errors["amount"] = _("Enter an amount of 0 or more.")
    if errors:
        raise ValidationFailed(errors)
    return scope, user_id, department_id, period


def _apply(session: Session, target: Target, values: dict) -> Target:
    scope, user_id, department_id, period = _check(session, values)
    key = scope_key(scope, user_id, department_id)
    clash = session.scalar(sa.select(Target.id).where(Target.scope_key == key, Target.period == period.key,
                                                      Target.id != (target.id or 0)))
    if clash is not None:
        raise ValidationFailed({"period": _("There is already a target for this period.")})
    target.scope, target.user_id, target.department_id, target.scope_key = scope, user_id, department_id, key
    target.period, target.period_kind, target.start_date = period.key, period.kind, period.start
    target.amount = Decimal(values["amount"])
    target.note = values.get("note", target.note or "") or ""
    session.add(target)
    session.flush()
    return target


def create_target(session: Session, appstruct: dict, user=None) -> Target:
    target = Target(actual=ZERO, note="")
    with session.no_autoflush:
        return _apply(session, target, appstruct)


def update_target(session: Session, target: Target, appstruct: dict, user=None) -> Target:
    with session.no_autoflush:
        return _apply(session, target, {"note": target.note, **appstruct})


def set_target(session: Session, scope: str, period: str, amount: Decimal | None, user_id: int | None = None,
               department_id: int | None = None) -> Target | None:
    """Create, change or (amount None) remove the target of a scope and period (the grid's save)."""
    key = scope_key(scope, user_id, department_id)
    found = session.scalar(sa.select(Target).where(Target.scope_key == key,
                                                   Target.period == parse_period(period).key))
    if amount is None:
        if found is not None:
            session.delete(found)
            session.flush()
        return None
    values = {"scope": scope, "user_id": user_id, "department_id": department_id, "period": period,
              "amount": amount}
    if found is None:
        return create_target(session, values)
    return update_target(session, found, values)


def targets_of(session: Session, key: str, periods: Iterable[Period]) -> dict[str, Decimal]:
    """``{period key: amount}`` as set for scope ``key`` (finer periods summed up, see the module)."""
    periods = list(periods)
    wanted = {p.key for p in periods} | {m.key for p in periods for m in [*p.months(), *p.quarters()]}
    rows = dict(session.execute(sa.select(Target.period, Target.amount).where(
        Target.scope_key == key, Target.period.in_(wanted))).all())
    out = {}
    for period in periods:
        if period.key in rows:
            out[period.key] = rows[period.key]
            continue
        for finer in (period.quarters(), period.months()):
            found = [rows[p.key] for p in finer if p.key in rows]
            if found:
                out[period.key] = sum(found, ZERO)
                break
    return out


# ---- actuals -------------------------------------------------------------------------------

def _merge(results) -> dict[int, Decimal] | None:
    answered, out = False, {}
    for result in results or ():
        if result is None:
            continue
        answered = True
        for key, amount in result.items():
            out[key] = out.get(key, ZERO) + Decimal(amount)
    return out if answered else None


def _won(session: Session, column, start, end, ids) -> dict[int, Decimal]:
    query = (sa.select(column, sa.func.sum(sa.type_coerce(Opportunity.expected_amount, sa.BigInteger)))
             .where(Opportunity.state == "won", Opportunity.closed_date < end, column.is_not(None))
             .group_by(column))
    if start is not None:
        query = query.where(Opportunity.closed_date >= start)
    if ids is not None:
        query = query.where(column.in_(list(ids)))
    return {key: Decimal(int(fen)).scaleb(-2) for key, fen in session.execute(query) if fen}


def sales_by_user(session: Session, hook, start: dt.date, end: dt.date,
                  user_ids: Sequence[int] | None) -> dict[int, Decimal]:
    """``{user_id: actual}`` in ``[start, end)``: the installed addons' sales, else won opportunities."""
    if hook is not None:
        found = _merge(hook.base_sales_actuals(session=session, start=start, end=end,
                                               user_ids=list(user_ids) if user_ids is not None else None))
        if found is not None:
            return found
    return _won(session, Opportunity.owner_id, start, end, user_ids)


def sales_by_customer(session: Session, hook, start: dt.date | None, end: dt.date,
                      partner_ids: Sequence[int] | None) -> dict[int, Decimal]:
    """``{partner_id: amount bought}`` in ``[start, end)``: the installed addons' sales, else won deals."""
    if hook is not None:
        found = _merge(hook.base_sales_by_customer(
            session=session, start=start, end=end, partner_ids=list(partner_ids) if partner_ids is not None else None))
        if found is not None:
            return found
    return _won(session, Opportunity.partner_id, start, end, partner_ids)


def department_users(session: Session, department: Department) -> list[User]:
    """The users of a department and of every department below it, by name."""
    below = sa.select(Department.id).where(Department.path.startswith(department.path, autoescape=True))
    return list(session.scalars(sa.select(User).where(User.department_id.in_(below)).order_by(User.name)))


def attainment(target: Decimal | None, actual: Decimal) -> Decimal | None:
    """actual / target in percent, one decimal, half-up (None without a positive target)."""
    if not target or target <= 0:
        return None
    return (Decimal(actual) * 100 / Decimal(target)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclasses.dataclass
class Line:
    """One figure of a page: a period or a person, its target, actual and attainment."""

    key: str
    label: str
    target: Decimal | None
    actual: Decimal
    period: Period | None = None
    user_id: int | None = None

    @property
    def attainment(self) -> Decimal | None:
        return attainment(self.target, self.actual)

    @property
    def bar(self) -> int:
        """The bar's width in percent (0–100) of the page's attainment bars."""
        value = self.attainment
        return 0 if value is None else max(0, min(100, int(value)))

    def as_json(self) -> dict:
        value = self.attainment
        return {"key": self.key, "label": self.label, "user_id": self.user_id,
                "target": None if self.target is None else str(self.target), "actual": str(self.actual),
                "attainment": None if value is None else str(value)}


def _actuals_for(session: Session, hook, period: Period, user_ids) -> dict[int, Decimal]:
    return sales_by_user(session, hook, period.start, period.end, user_ids)


def _scope_actual(session: Session, hook, scope: str, period: Period, user_id=None, department=None) -> Decimal:
    if scope == "rep":
        ids = [user_id]
    elif scope == "department":
        ids = [u.id for u in department_users(session, department)]
        if not ids:
            return ZERO
    else:
        ids = None
    return sum(_actuals_for(session, hook, period, ids).values(), ZERO)


def year_overview(session: Session, hook, year: int, scope: str = "rep", user_id: int | None = None,
                  department: Department | None = None) -> list[Line]:
    """Target vs actual of one scope for the 12 months, 4 quarters and the year (My targets)."""
    periods = year_periods(year)
    key = scope_key(scope, user_id, department.id if department is not None else None)
    targets = targets_of(session, key, periods)
    months = [p for p in periods if p.kind == "month"]
    actual = {p.key: _scope_actual(session, hook, scope, p, user_id, department) for p in months}
    for period in periods:
        if period.kind != "month":
            actual[period.key] = sum((actual[m.key] for m in period.months()), ZERO)
    return [Line(p.key, p.key, targets.get(p.key), actual[p.key], period=p) for p in periods]


def team_comparison(session: Session, hook, department: Department, period: Period) -> list[Line]:
    """Each user of a department subtree for one period, then the department's own line (last)."""
    users = department_users(session, department)
    ids = [u.id for u in users]
    actuals = _actuals_for(session, hook, period, ids) if ids else {}
    managers = set(session.scalars(sa.select(DepartmentManager.user_id).where(DepartmentManager.user_id.in_(ids))))
    lines = []
    for user in users:
        target = targets_of(session, scope_key("rep", user.id), [period]).get(period.key)
        actual = actuals.get(user.id, ZERO)
        if target is None and not actual and (not user.active or user.id in managers):
            continue  # a former employee, or a manager who does not sell, with nothing in this period
        lines.append(Line(f"rep:{user.id}", user.name, target, actual, period=period, user_id=user.id))
    own = targets_of(session, scope_key("department", department_id=department.id), [period]).get(period.key)
    if own is None:  # the department's target not set: its reps' targets add up
        set_ = [line.target for line in lines if line.target is not None]
        own = sum(set_, ZERO) if set_ else None
    lines.append(Line(f"department:{department.id}", department.name, own,
                      sum((line.actual for line in lines), ZERO), period=period))
    return lines


# ---- who manages whom -----------------------------------------------------------------------

def managed_departments(session: Session, access) -> list[Department]:
    """The departments whose targets and comparison the user may see: every one for those with
    the ``all`` scope on crm.target (administrators), else those they manage and the ones below."""
    query = sa.select(Department).where(Department.active.is_(True)).order_by(Department.path)
    if access.scope("crm.target") == "all":
        return list(session.scalars(query))
    if access.user is None:
        return []
    paths = list(session.scalars(sa.select(Department.path).join(
        DepartmentManager, DepartmentManager.department_id == Department.id)
        .where(DepartmentManager.user_id == access.user.id)))
    if not paths:
        return []
    return list(session.scalars(query.where(sa.or_(*[Department.path.startswith(p, autoescape=True)
                                                     for p in paths]))))


# ---- the report's snapshot ----------------------------------------------------------------

def refresh_actuals(session: Session, hook, today: dt.date | None = None, years: int = 2) -> int:
    """Store actual and attainment on the targets of this year and the ``years - 1`` before
    (the attainment report reads them). Returns how many targets were refreshed."""
    today = today or dt.date.today()
    first = dt.date(today.year - years + 1, 1, 1)
    now = utcnow()
    count = 0
    departments: dict[int, Department] = {}
    for target in session.scalars(sa.select(Target).where(Target.start_date >= first)):
        period = parse_period(target.period)
        if target.scope == "department":
            department = departments.get(target.department_id) or session.get(Department, target.department_id)
            departments[target.department_id] = department
            actual = _scope_actual(session, hook, "department", period, department=department)
        else:
            actual = _scope_actual(session, hook, target.scope, period, user_id=target.user_id)
        target.actual, target.attainment, target.actual_at = actual, attainment(target.amount, actual), now
        count += 1
    session.flush()
    return count


PERIOD_KIND_TITLES = {"month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}
SCOPE_TITLES = {"rep": _("Sales rep"), "department": _("Department"), "company": _("Company")}
