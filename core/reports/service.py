"""Running a report: one grouped SELECT, scoped like every list, and the drill-down records.

:func:`run` works without a request (pages, the API, Excel, tests and jobs call it). The
record scope of the report's model is applied in SQL (:meth:`Access.filter`), so every
figure, total and drill-down counts only what the user may read. Money is summed as
the stored scaled integers (:class:`core.db.Scaled`), exact on SQLite too.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..db import Scaled
from ..i18n import _
from ..records import Forbidden, ValidationFailed
from ..security.access import Access
from .declarations import Dimension, Measure, Report, resolve

#: The value of a dimension that is not set (no source, no owner), as it travels in URLs.
NONE_KEY = "~"
MAX_DIMENSIONS = 2
DEFAULT_TZ = "Asia/Shanghai"
NOT_SET = _("(not set)")


@dataclasses.dataclass
class Row:
    keys: tuple  # one value per dimension (None: not set)
    labels: tuple  # display texts (str, or a TranslationString for "not set")
    values: dict[str, Any]  # measure name -> int / Decimal


@dataclasses.dataclass
class Result:
    report: Report
    dimensions: list[Dimension]
    measures: list[Measure]
    rows: list[Row]
    totals: dict[str, Any]
    filters: dict[str, Any]  # dimension name -> key (parsed)
    period: tuple[dt.date | None, dt.date | None]
    lines: bool  # a line dimension was used: a document may count in several rows


# ---- input ----------------------------------------------------------------------------

def parse_period(value) -> tuple[dt.date | None, dt.date | None]:
    """``"2026-01-01..2026-03-31"`` (either side may be empty) or a tuple of dates."""
    if value in (None, "", ".."):
        return None, None
    if isinstance(value, (tuple, list)):
        low, high = (list(value) + [None, None])[:2]
    else:
        low, sep, high = str(value).partition("..")
        if not sep:
            raise ValidationFailed({"period": _("Write the period as 2026-01-01..2026-03-31.")})
    try:
        low = dt.date.fromisoformat(low) if isinstance(low, str) and low else (low or None)
        high = dt.date.fromisoformat(high) if isinstance(high, str) and high else (high or None)
    except ValueError:
        raise ValidationFailed({"period": _("Write the period as 2026-01-01..2026-03-31.")}) from None
    if low and high and low > high:
        raise ValidationFailed({"period": _("The period ends before it starts.")})
    return low, high


def _names(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [v.strip() for v in value if v and v.strip()]


def choose(report: Report, dimensions=None, measures=None) -> tuple[list[Dimension], list[Measure]]:
    """The chosen dimensions and measures (defaults when none); ValidationFailed on unknown names."""
    errors = {}
    dims = []
    for name in _names(dimensions) or list(report.default_dimensions) or [report.dimensions[0].name]:
        dim = report.dimension(name)
        if dim is None:
            errors["dimensions"] = _("Unknown dimension: ${name}", mapping={"name": name[:40]})
        elif dim not in dims:
            dims.append(dim)
    if len(dims) > MAX_DIMENSIONS:
        errors["dimensions"] = _("Choose at most ${n} dimensions.", mapping={"n": MAX_DIMENSIONS})
    chosen = []
    for name in _names(measures) or list(report.default_measures) or [report.measures[0].name]:
        measure = report.measure(name)
        if measure is None:
            errors["measures"] = _("Unknown measure: ${name}", mapping={"name": name[:40]})
        elif measure not in chosen:
            chosen.append(measure)
    if errors:
        raise ValidationFailed(errors)
    return dims, chosen


def parse_key(dim: Dimension, expr, text) -> Any:
    """A dimension value from a URL or JSON (``~``: not set); ValueError when it cannot be one."""
    if text is None or text == NONE_KEY:
        return None
    if isinstance(text, (int, Decimal)) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        raise ValueError(text)
    if dim.key_type is not str:
        return dim.key_type(text)
    if isinstance(getattr(expr, "type", None), sa.Integer):
        value = int(text)
        if not -2 ** 63 <= value < 2 ** 63:
            raise ValueError(text)
        return value
    return text[:200]


def key_text(key) -> str:
    """A dimension value as it travels in URLs (the inverse of :func:`parse_key`)."""
    return NONE_KEY if key is None else str(key)


# ---- time zones and periods -----------------------------------------------------------

def zone(session: Session, tz: str | None = None) -> ZoneInfo:
    """The company time zone: ``tz``, the session's ``zg.timezone`` (requests set it), Shanghai."""
    name = tz or session.info.get("zg.timezone") or DEFAULT_TZ
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TZ)


def _offset(zone_: ZoneInfo, utc: dt.datetime) -> int:
    return int(utc.replace(tzinfo=dt.UTC).astimezone(zone_).utcoffset().total_seconds())


@functools.lru_cache(maxsize=64)
def _transitions(zone_: ZoneInfo, start: dt.date, end: dt.date) -> tuple[tuple[dt.datetime, int], ...]:
    """The UTC instants between ``start`` and ``end`` where the zone's offset changes, with the new offset."""
    found = []
    day = dt.datetime.combine(start, dt.time())
    stop = dt.datetime.combine(end, dt.time())
    current = _offset(zone_, day)
    while day < stop:
        nxt = day + dt.timedelta(days=1)
        offset = _offset(zone_, nxt)
        if offset != current:
            low, high = day, nxt  # the change is in (low, high]: bisect to the second
            while high - low > dt.timedelta(seconds=1):
                mid = low + (high - low) / 2
                if _offset(zone_, mid) == current:
                    low = mid
                else:
                    high = mid
            found.append((high.replace(microsecond=0), offset))
            current = offset
        day = nxt
    return tuple(found)


def local_expr(column, zone_: ZoneInfo, dialect: str, span: tuple[dt.datetime, dt.datetime]):
    """The naive-UTC datetime ``column`` as local time in ``zone_``, on both engines.

    The offset is a literal, or a CASE over the zone's offset changes within ``span``
    (daylight saving), so SQLite and PostgreSQL put a record in the same local day.
    """
    first = span[0] - dt.timedelta(days=1)
    changes = _transitions(zone_, first.date(), (span[1] + dt.timedelta(days=2)).date())
    start_offset = _offset(zone_, first)
    if not changes:
        offset = sa.literal(start_offset)
    else:
        whens = []
        previous = start_offset
        for instant, new in changes:
            whens.append((column < instant, previous))
            previous = new
        offset = sa.case(*whens, else_=previous)
    if dialect == "sqlite":
        return sa.func.datetime(column, sa.func.printf("%+d seconds", offset))
    return column + offset * sa.literal_column("interval '1 second'")


def bucket_expr(local, bucket: str, dialect: str, is_date: bool):
    """The period key of a local datetime / date expression: 2026-02-03, 2026-02-02 (the week's
    Monday), 2026-02, 2026-Q1, 2026."""
    if dialect == "sqlite":
        f = sa.func
        return {
            "day": lambda: f.date(local),
            "week": lambda: f.date(local, "weekday 0", "-6 days"),
            "month": lambda: f.strftime("%Y-%m", local),
            "quarter": lambda: f.strftime("%Y", local).concat("-Q").concat(
                sa.cast((sa.cast(f.strftime("%m", local), sa.Integer) + 2) // 3, sa.String)),
            "year": lambda: f.strftime("%Y", local),
        }[bucket]()
    if is_date:
        local = sa.cast(local, sa.DateTime)
    if bucket == "week":
        return sa.func.to_char(sa.func.date_trunc("week", local), "YYYY-MM-DD")
    pattern = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "quarter": 'YYYY-"Q"Q', "year": "YYYY"}[bucket]
    return sa.func.to_char(local, pattern)


def period_label(bucket: str, key: str) -> str:
    """A period key as people read it (a week as 2026-W06)."""
    if bucket == "week" and key:
        try:
            year, week, _day = dt.date.fromisoformat(key).isocalendar()
        except ValueError:
            return key
        return f"{year}-W{week:02d}"
    return key


# ---- the query ------------------------------------------------------------------------

class _Plan:
    """The SQL pieces of one run: the scoped FROM/WHERE, dimension keys, measure columns."""

    def __init__(self, session: Session, report: Report, access: Access, dims: Sequence[Dimension],
                 filters: Mapping[str, Any] | None, period, tz: str | None):
        descriptor = report.model
        if not access.allowed(descriptor.name, "read"):
            raise Forbidden(descriptor.permission("read"))
        self.session, self.report, self.access = session, report, access
        self._keys: dict[str, Any] = {}
        self.model = descriptor.model
        self.dialect = session.get_bind().dialect.name
        self.zone = zone(session, tz)
        self.period = parse_period(period)
        self.where = [access.filter(descriptor, "read")]
        if report.where is not None:
            self.where.append(resolve(report.where))
        self._period_where()
        filter_dims = []
        errors = {}
        self.filters: dict[str, Any] = {}
        for name, value in (filters or {}).items():
            dim = report.dimension(name)
            if dim is None:
                errors[f"filter.{name}"[:60]] = _("Unknown dimension.")
                continue
            if value in ("", None, []):
                continue
            filter_dims.append((dim, value))
        self.lines = any(d.lines for d in dims) or any(d.lines for d, _v in filter_dims)
        for dim, value in filter_dims:
            expr = self.key(dim)
            values = value if isinstance(value, (list, tuple)) else [value]
            try:
                keys = [parse_key(dim, expr, v) for v in values]
            except (ValueError, TypeError):
                errors[f"filter.{dim.name}"] = _("Invalid filter value.")
                continue
            self.filters[dim.name] = keys[0] if len(keys) == 1 else keys
            clauses = [expr.is_(None) if k is None else expr == k for k in keys]
            self.where.append(sa.or_(*clauses))
        if errors:
            raise ValidationFailed(errors)

    def _period_where(self) -> None:
        column = resolve(self.report.date)
        low, high = self.period
        if column is None or (low is None and high is None):
            return
        if self._is_date(column):
            if low:
                self.where.append(column >= low)
            if high:
                self.where.append(column <= high)
            return
        if low:
            self.where.append(column >= self._utc(low))
        if high:
            self.where.append(column < self._utc(high + dt.timedelta(days=1)))

    def _utc(self, day: dt.date) -> dt.datetime:
        """Local midnight of ``day`` as naive UTC."""
        local = dt.datetime.combine(day, dt.time(), tzinfo=self.zone)
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    @staticmethod
    def _is_date(column) -> bool:
        col_type = getattr(column, "type", None)
        return isinstance(col_type, sa.Date) and not isinstance(col_type, sa.DateTime)

    def select_from(self, *columns):
        query = sa.select(*columns).select_from(self.model)
        if self.lines:
            line_model, onclause = self.report.lines
            query = query.join(line_model, resolve(onclause))
        return query.where(*self.where)

    def _data_span(self, column) -> tuple[dt.datetime, dt.datetime]:
        low, high = self.period
        first, last = self.session.execute(self.select_from(sa.func.min(column), sa.func.max(column))).one()
        now = dt.datetime(2000, 1, 1)
        first = self._utc(low) if low else (first if isinstance(first, dt.datetime) else now)
        last = self._utc(high) if high else (last if isinstance(last, dt.datetime) else now)
        return first, max(first, last)

    def key(self, dim: Dimension):
        """The SQL expression of a dimension's value (the same object for the SELECT and GROUP BY)."""
        if dim.name not in self._keys:
            column = resolve(dim.expr)
            if dim.period is None:
                expr = column
            elif self._is_date(column):
                expr = bucket_expr(column, dim.period, self.dialect, True)
            else:
                span = self._period_span(column)
                expr = bucket_expr(local_expr(column, self.zone, self.dialect, span), dim.period, self.dialect,
                                   False)
            self._keys[dim.name] = expr
        return self._keys[dim.name]

    def _period_span(self, column) -> tuple[dt.datetime, dt.datetime]:
        low, high = self.period
        if low is not None and high is not None:
            return self._utc(low), self._utc(high + dt.timedelta(days=1))
        return self._data_span(column)

    def measure(self, measure: Measure) -> tuple[Any, int | None]:
        """The aggregate column of a measure and the scale of its result (None: as it comes)."""
        if measure.aggregate == "count":
            return (sa.func.count(sa.distinct(self.model.id)) if self.lines else sa.func.count(self.model.id)), None
        if self.lines:
            if measure.lines_expr is None:
                raise ValidationFailed({"measures": _("${measure} cannot be split by a line dimension.",
                                                      mapping={"measure": measure.title})})
            expr, scale = resolve(measure.lines_expr), measure.lines_scale
        else:
            expr, scale = resolve(measure.expr), measure.scale
        col_type = getattr(expr, "type", None)
        if scale is None and isinstance(col_type, Scaled):
            scale = col_type.scale
            expr = sa.type_coerce(expr, sa.BigInteger)  # the stored integers: exact on SQLite too
        if measure.aggregate == "sum":
            return sa.func.sum(expr), scale
        return sa.func.sum(expr), scale  # avg: sum here, divided by the count of values below

    def avg_count(self, measure: Measure):
        expr = resolve(measure.lines_expr if self.lines else measure.expr)
        return sa.func.count(expr)


def _value(raw, scale: int | None):
    if raw is None:
        return Decimal(0).scaleb(-scale) if scale is not None else 0
    if scale is not None:
        return Decimal(int(raw)).scaleb(-scale)
    return raw


def _avg(total, count: int, scale: int | None):
    if not count:
        return None
    if scale is None:
        return Decimal(str(total)) / count if not isinstance(total, Decimal) else total / count
    unit = Decimal(1).scaleb(-scale)
    return (Decimal(total) / count).quantize(unit, rounding=ROUND_HALF_UP)


def _columns(plan: _Plan, measures: Sequence[Measure]):
    """SELECT columns for the measures, and how to read each one back from a row."""
    columns, readers = [], []
    for measure in measures:
        column, scale = plan.measure(measure)
        position = len(columns)
        columns.append(column)
        if measure.aggregate == "avg":
            columns.append(plan.avg_count(measure))
            read = (lambda row, p=position, s=scale: _avg(_value(row[p], s), int(row[p + 1] or 0), s))
        else:
            read = (lambda row, p=position, s=scale: _value(row[p], s))
        if measure.decimals is not None:
            read = (lambda row, r=read, d=measure.decimals: _rounded(r(row), d))
        readers.append(read)
    return columns, readers


def _rounded(value, decimals: int):
    """A figure rounded half up to ``decimals`` (a measure's ``decimals``); None stays None."""
    if value is None:
        return None
    return Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def run(session: Session, report: Report, access: Access, dimensions=None, measures=None,
        filters: Mapping[str, Any] | None = None, period=None, tz: str | None = None) -> Result:
    """The figures of ``report`` by ``dimensions`` for the records ``access`` may read.

    ``dimensions`` / ``measures``: names (a list or "a,b"; defaults when empty);
    ``filters``: {dimension name: value or [values]} (``~`` / None: not set);
    ``period``: ``"2026-01-01..2026-03-31"`` or (date, date), local dates of the report's
    ``date`` column. Raises Forbidden without the model's read permission and
    ValidationFailed ({"dimensions" | "measures" | "period" | "filter.<name>": message}).
    """
    dims, chosen = choose(report, dimensions, measures)
    plan = _Plan(session, report, access, dims, filters, period, tz)
    keys = [plan.key(d).label(f"d{i}") for i, d in enumerate(dims)]
    columns, readers = _columns(plan, chosen)
    grouped = plan.select_from(*keys, *columns).group_by(*[plan.key(d) for d in dims])
    n = len(dims)
    raw_rows = session.execute(grouped).all()
    totals_row = session.execute(plan.select_from(*columns)).one()
    labels = []
    for i, dim in enumerate(dims):
        seen = {row[i] for row in raw_rows}
        if dim.period is not None:
            names = {k: period_label(dim.period, k) for k in seen if k is not None}
        elif dim.labels is not None:
            names = dim.labels(session, sorted((k for k in seen if k is not None), key=str))
        else:
            names = {k: str(k) for k in seen if k is not None}
        labels.append(names)
    rows = []
    for raw in raw_rows:
        keys_ = tuple(raw[:n])
        values = {m.name: read(raw[n:]) for m, read in zip(chosen, readers)}
        shown = tuple(NOT_SET if k is None else labels[i].get(k, str(k)) for i, k in enumerate(keys_))
        rows.append(Row(keys_, shown, values))
    rows = _sorted(rows, dims, chosen, [{k: i for i, k in enumerate(names)} for names in labels])
    totals = {m.name: read(totals_row) for m, read in zip(chosen, readers)}
    return Result(report, dims, chosen, rows, totals, plan.filters, plan.period, plan.lines)


def _sorted(rows: list[Row], dims: Sequence[Dimension], measures: Sequence[Measure],
            positions: Sequence[Mapping[Any, int]] = ()) -> list[Row]:
    def key_order(value):
        return (value is None, str(value) if not isinstance(value, int) else f"{value:020d}")

    first = measures[0].name

    def order(row: Row):
        parts = []
        for i, dim in enumerate(dims):
            if dim.order == "labels" and i < len(positions):  # the labeller's order (stages by sequence)
                parts.append((row.keys[i] is None, positions[i].get(row.keys[i], len(positions[i])),
                              key_order(row.keys[i])))
            elif dim.order == "key":
                parts.append(key_order(row.keys[i]))
            elif i == 0:
                value = row.values.get(first)
                parts.append((row.keys[0] is None, -(value or 0), str(row.labels[0])))
            else:
                parts.append((row.keys[i] is None, str(row.labels[i])))
        return parts

    return sorted(rows, key=order)


# ---- drill-down -----------------------------------------------------------------------

def drill_select(session: Session, report: Report, access: Access, filters: Mapping[str, Any] | None = None,
                 period=None, tz: str | None = None):
    """The SELECT of the records behind a figure: the report's scope, filters and period.

    A figure's drill-down passes the report's filters plus the row's keys as filters;
    the records counted there are exactly these (the same expressions, distinct records).
    """
    plan = _Plan(session, report, access, [], filters, period, tz)
    model = plan.model
    ids = plan.select_from(model.id)
    return sa.select(model).where(model.id.in_(ids)).order_by(model.id.desc())


def drill_count(session: Session, query) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
