"""What an addon declares: a :class:`Report` made of :class:`Measure` and :class:`Dimension`.

A report counts and sums the records of one registered model (its descriptor's record
scopes apply to every figure). A dimension is one SQL expression over the model (a
column, a related record's attribute as a scalar subquery, a period bucket of a date
column, a level of a code tree); its values become the table's rows, the chart's
labels and the drill-down's filter. See docs/reports.md.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

#: Period buckets, shortest first.
PERIODS = ("day", "week", "month", "quarter", "year")
AGGREGATES = ("count", "sum", "avg")

#: keys -> {key: label}; the session is the report's session.
Labeller = Callable[[Any, Sequence[Any]], dict[Any, str]]


@dataclasses.dataclass(frozen=True)
class Measure:
    """A figure: ``count`` of records, or ``sum`` / ``avg`` of a column or SQL expression.

    A :class:`core.db.Scaled` column (money, quantities) is summed as its stored integers,
    exact on SQLite too, and read back as a Decimal; an expression of scaled integers says
    its ``scale``. ``lines_expr`` is the same figure on the report's lines (the line's
    amount instead of the document's), used when a line dimension (product) is chosen.
    """

    name: str
    title: Any
    aggregate: str = "count"
    expr: Any = None  # a column / SQL expression, or a callable() -> one (for late imports)
    scale: int | None = None  # the expression is an integer of 10**-scale units
    lines_expr: Any = None
    lines_scale: int | None = None
    #: Round the figures to this many decimals (half up), e.g. 2 for an amount weighted by a
    #: percentage (fen × percent has 4); None: as exact as the expression gives them.
    decimals: int | None = None

    def __post_init__(self):
        if self.aggregate not in AGGREGATES:
            raise ValueError(f"measure {self.name!r}: aggregate must be one of {AGGREGATES}")
        if self.aggregate != "count" and self.expr is None:
            raise ValueError(f"measure {self.name!r}: {self.aggregate} needs an expression")


@dataclasses.dataclass(frozen=True)
class Dimension:
    """A way to split the figures: each distinct value of ``expr`` is one row.

    ``expr``: a SQL expression over the report's model (or its lines when ``lines``), or a
    callable() returning one. ``labels(session, keys) -> {key: text}`` names the values
    (ids become names); without it the value is its own label. ``period``: the expression
    is a date or naive-UTC datetime column, bucketed by ``period`` in the company time
    zone (see :func:`period`). ``order``: ``key`` (periods, codes), ``value`` (largest
    first, the default for names) or ``labels`` (the order of the labeller's answer, e.g.
    ``names(Stage, order_by="sequence")``).
    """

    name: str
    title: Any
    expr: Any = None
    labels: Labeller | None = None
    period: str | None = None
    lines: bool = False
    order: str = "value"
    #: Values as they travel in URLs are converted with this (int for ids).
    key_type: Callable[[str], Any] = str

    def __post_init__(self):
        if self.period is not None and self.period not in PERIODS:
            raise ValueError(f"dimension {self.name!r}: period must be one of {PERIODS}")


@dataclasses.dataclass
class Report:
    """A report on the records of a registered model (``model`` is its descriptor).

    ``where``: the records it is about (customers only), a clause or a callable() -> one.
    ``date``: the date / datetime column the period filter applies to. ``lines``:
    ``(LineModel, onclause)`` joined when a line dimension is chosen (an order's products).
    Users need the model's ``read`` permission to see it, ``export`` for Excel.
    """

    name: str  # "base.new_customers"
    title: Any
    #: The registered model's descriptor (``PARTNER``): its scopes and permissions apply.
    model: Any
    measures: Sequence[Measure]
    dimensions: Sequence[Dimension]
    default_dimensions: Sequence[str] = ()
    default_measures: Sequence[str] = ()
    date: Any = None
    where: Any = None
    lines: tuple[Any, Any] | None = None
    description: Any = None
    order: int = 100
    addon: str = ""  # set by config.add_report

    def __post_init__(self):
        names = [m.name for m in self.measures]
        if len(set(names)) != len(names) or not names:
            raise ValueError(f"report {self.name!r}: measure names must be unique and not empty")
        names = [d.name for d in self.dimensions]
        if len(set(names)) != len(names) or not names:
            raise ValueError(f"report {self.name!r}: dimension names must be unique and not empty")
        if any(d.lines for d in self.dimensions) and self.lines is None:
            raise ValueError(f"report {self.name!r}: a line dimension needs Report.lines")

    def measure(self, name: str) -> Measure | None:
        return next((m for m in self.measures if m.name == name), None)

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.name == name), None)

    @property
    def model_name(self) -> str:
        return self.model.name

    def permission(self, action: str = "read") -> str:
        """The permission a user needs: the model's ``read`` (``export`` for Excel)."""
        return self.model.permission(action)


def resolve(value):
    """A declared expression: the value itself, or what a callable returns."""
    if callable(value) and not isinstance(value, (sa.sql.ClauseElement, sa.orm.attributes.QueryableAttribute)):
        return value()
    return value


# ---- helpers to declare dimensions ---------------------------------------------------

def names(model, attr: str = "name", order_by: str | None = None) -> Labeller:
    """Labels from a related table: ``{id: model.<attr>}`` for the ids shown.

    ``order_by``: a column of ``model`` (e.g. ``"sequence"``) giving the labels' order, which a
    dimension with ``order="labels"`` follows (pipeline stages in the company's order).
    """

    def labels(session, keys):
        ids = [k for k in keys if k is not None]
        if not ids:
            return {}
        column = getattr(model, attr)
        query = sa.select(model.id, column).where(model.id.in_(ids))
        if order_by is not None:
            query = query.order_by(getattr(model, order_by), model.id)
        return dict(session.execute(query).all())

    return labels


def period(name: str, title, column, bucket: str) -> Dimension:
    """The ``bucket`` (day, week, month, quarter, year) of ``column`` in the company's time zone."""
    return Dimension(name, title, expr=column, period=bucket, order="key")


def related(column, model, attr: str, key: str = "id"):
    """``model.<attr>`` of the record ``column`` points to, as a scalar subquery (no join:
    rows are never multiplied, and the drill-down filters on the same expression)."""

    def expr():
        target = resolve(column)
        return sa.select(getattr(model, attr)).where(getattr(model, key) == target).correlate_except(
            model).scalar_subquery()

    return expr


def periods(column, buckets: Sequence[str] = PERIODS) -> list[Dimension]:
    """One dimension per bucket of ``column``, named ``day``, ``week``… (titles 日, 周, 月…)."""
    from ..i18n import _

    titles = {"day": _("Day"), "week": _("Week"), "month": _("Month"), "quarter": _("Quarter"),
              "year": _("Year")}
    return [period(b, titles[b], column, b) for b in buckets]
