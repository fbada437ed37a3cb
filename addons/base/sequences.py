"""Numbering: document numbers per sequence, without gaps or duplicates (see docs/numbering.md).

A number is the sequence's prefix (with its date parts filled in) followed by the
zero-padded counter of the period: ``SO{yyyy}{mm}-`` + 4 digits → ``SO202405-0001``.

:func:`next_number` increments the period's counter row in the caller's transaction
with one ``UPDATE … SET value = value + 1 … RETURNING value``: the row stays locked
until the transaction ends (PostgreSQL row lock; on SQLite the statement takes the
database's write lock), so concurrent documents queue for the counter and never get
the same number, and a document whose transaction is rolled back gives its number
back, so no gap appears either. The UPDATE is the transaction's first write to the
counter and reads the sequence in subqueries, so on SQLite it waits for the write
lock (``busy_timeout``) instead of failing on a stale read snapshot.

:func:`take_many` / :func:`assign_numbers` do the same for a batch of new records
(an import): one ``UPDATE … SET value = value + N`` reserves N consecutive counters,
and one query per batch finds those a user already typed on another record.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Collection, Iterable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.i18n import _
from core.records import ValidationFailed

from .models import RESETS, Sequence, SequenceCounter

#: The date parts a prefix may contain, and what they become.
DATE_PARTS = {"{yyyy}": "%Y", "{yy}": "%y", "{mm}": "%m", "{dd}": "%d"}
#: Which date parts a reset policy needs in the prefix, or the same number would come back.
RESET_NEEDS = {"never": (), "yearly": ("year",), "monthly": ("year", "month"),
               "daily": ("year", "month", "day")}
_PART_KIND = {"{yyyy}": "year", "{yy}": "year", "{mm}": "month", "{dd}": "day"}
#: Prefix characters besides letters (Chinese too) and digits.
PREFIX_PUNCTUATION = "-_/.#:"
MAX_PADDING = 12
#: The business day is the company's local day (``zhanggui.timezone``); a session may carry
#: another zone in ``session.info["zg.timezone"]``.
DEFAULT_TIMEZONE = "Asia/Shanghai"
#: Numbers already typed by users that assign_number steps over before giving up.
MAX_SKIPS = 1000


class NumberingError(ValidationFailed):
    """A number cannot be given or accepted; ``field`` names the form field (``""``: the form)."""

    def __init__(self, message, field: str = ""):
        super().__init__({field: message})
        self.message = message
        self.field = field


@dataclasses.dataclass(frozen=True)
class Taken:
    """A number just taken: the text, the counter and the period it belongs to."""

    number: str
    counter: int
    period: str


def today(session: Session | None = None) -> dt.date:
    """Today in the company's time zone (China: a number taken at 07:00 is today's, not UTC's)."""
    zone = (session.info.get("zg.timezone") if session is not None else None) or DEFAULT_TIMEZONE
    return dt.datetime.now(ZoneInfo(zone)).date()


def period_key(reset: str, when: dt.date) -> str:
    """The counter row of ``when`` under ``reset``: ``""``, ``2024``, ``2024-05`` or ``2024-05-31``."""
    if reset == "yearly":
        return f"{when.year:04d}"
    if reset == "monthly":
        return f"{when.year:04d}-{when.month:02d}"
    if reset == "daily":
        return f"{when.year:04d}-{when.month:02d}-{when.day:02d}"  # a datetime's date too
    return ""


def next_period_start(reset: str, when: dt.date) -> dt.date | None:
    """The first day of the period after the one of ``when`` (None when the counter never restarts)."""
    if reset == "yearly":
        return dt.date(when.year + 1, 1, 1)
    if reset == "monthly":
        return dt.date(when.year + when.month // 12, when.month % 12 + 1, 1)
    if reset == "daily":
        return when + dt.timedelta(days=1)
    return None


def render_prefix(prefix: str, when: dt.date) -> str:
    for part, code in DATE_PARTS.items():
        prefix = prefix.replace(part, when.strftime(code))
    return prefix


def format_number(sequence: Sequence, counter: int, when: dt.date) -> str:
    """The number of ``counter`` in ``sequence`` on ``when`` (longer than the padding if it must be)."""
    return _format(sequence.prefix, sequence.padding, counter, when)


def _format(prefix: str | None, padding: int, counter: int, when: dt.date) -> str:
    return f"{render_prefix(prefix or '', when)}{counter:0{padding}d}"


def prefix_problem(prefix: str):
    """A message if ``prefix`` has characters a number should not contain, else None."""
    rest = prefix
    for part in DATE_PARTS:
        rest = rest.replace(part, "")
    if "{" in rest or "}" in rest:
        return _("Unknown date part: use {yyyy}, {yy}, {mm} or {dd}.")
    if any(not (c.isalnum() or c in PREFIX_PUNCTUATION) for c in rest):
        return _("Use letters, digits and - _ / . # : only (no spaces).")
    return None


def reset_problem(prefix: str, reset: str):
    """A message if the prefix lacks a date part the reset needs (numbers would repeat), else None."""
    kinds = {kind for part, kind in _PART_KIND.items() if part in prefix}
    if not set(RESET_NEEDS.get(reset, ())) <= kinds:
        return {
            "yearly": _("A yearly reset needs the year in the prefix ({yyyy} or {yy}), or numbers repeat."),
            "monthly": _("A monthly reset needs the year and month in the prefix ({yyyy}{mm}), "
                         "or numbers repeat."),
            "daily": _("A daily reset needs the year, month and day in the prefix ({yyyy}{mm}{dd}), "
                       "or numbers repeat."),
        }[reset]
    return None


def get_sequence(session: Session, code: str) -> Sequence | None:
    return session.scalar(sa.select(Sequence).where(Sequence.code == code))


def _sequence(session: Session, code: str) -> Sequence:
    sequence = get_sequence(session, code)
    if sequence is None:
        raise NumberingError(_("There is no numbering sequence ${code}: an administrator sets it up "
                               "under Administration → Numbering.", mapping={"code": code}))
    return sequence


def ensure_sequence(session: Session, code: str, name: str, prefix: str = "", padding: int = 4,
                    reset: str = "never", user_editable: bool = False) -> Sequence:
    """The sequence ``code``, created with these settings if it does not exist yet.

    For an addon's ``addon_data`` hook (install time). An existing sequence is returned
    as it is: what an administrator changed stays. Bad settings raise ValueError.
    """
    existing = get_sequence(session, code)
    if existing is not None:
        return existing
    problem = prefix_problem(prefix) or reset_problem(prefix, reset)
    if reset not in RESETS or not 1 <= padding <= MAX_PADDING or problem is not None:
        raise ValueError(f"bad sequence {code}: prefix={prefix!r} padding={padding} reset={reset!r}"
                         f" ({problem or 'reset/padding out of range'})")
    sequence = Sequence(code=code, name=name, prefix=prefix, padding=padding, reset=reset,
                        user_editable=user_editable, active=True)
    session.add(sequence)
    session.flush()
    return sequence


def _increment(session: Session, code: str, when: dt.date, by: int = 1):
    """UPDATE the period's counter (+``by``) in one statement that also reads the sequence.

    Returns (sequence_id, period, value, prefix, padding), or None if there is no such
    active sequence or no counter row for the period yet.
    """
    keys = {reset: period_key(reset, when) for reset in RESETS}
    sequence_id = sa.select(Sequence.id).where(Sequence.code == code, Sequence.active.is_(True)) \
        .scalar_subquery()
    period = sa.select(sa.case(*((Sequence.reset == r, keys[r]) for r in RESETS if r != "never"),
                               else_="")).where(Sequence.code == code).scalar_subquery()

    def of_sequence(column):
        return sa.select(column).where(Sequence.id == SequenceCounter.sequence_id) \
            .correlate(SequenceCounter).scalar_subquery()

    statement = (sa.update(SequenceCounter)
                 .where(SequenceCounter.sequence_id == sequence_id, SequenceCounter.period == period)
                 .values(value=SequenceCounter.value + by)
                 .returning(SequenceCounter.sequence_id, SequenceCounter.period, SequenceCounter.value,
                            of_sequence(Sequence.prefix).label("prefix"),
                            of_sequence(Sequence.padding).label("padding"))
                 .execution_options(synchronize_session=False))
    return session.execute(statement).one_or_none()


def _insert_counter(session: Session, sequence_id: int, period: str) -> None:
    """Create the period's counter row at 0 unless it exists (race-free on both engines)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(SequenceCounter).values(sequence_id=sequence_id, period=period, value=0)
                    .on_conflict_do_nothing(index_elements=["sequence_id", "period"]))


def take(session: Session, code: str, when: dt.date | None = None) -> Taken:
    """Take the next number of ``code`` for the date ``when`` (default: today); see next_number."""
    return take_many(session, code, 1, when)[0]


def take_many(session: Session, code: str, count: int, when: dt.date | None = None) -> list[Taken]:
    """Take the next ``count`` numbers of ``code`` for the date ``when``, consecutive, in one statement.

    Like ``count`` calls of :func:`take` in the same transaction (same numbers, same
    lock, given back on rollback), for batches of new records such as an import.
    """
    if count < 1:
        return []
    when = when or today(session)
    row = _increment(session, code, when, count)
    if row is None:
        sequence = _sequence(session, code)
        if not sequence.active:
            raise NumberingError(_("The numbering sequence ${name} is inactive.",
                                   mapping={"name": sequence.name}))
        # A new period (or a new sequence): create its row, then take the lock as usual.
        _insert_counter(session, sequence.id, period_key(sequence.reset, when))
        row = _increment(session, code, when, count)
        if row is None:  # the reset policy changed in between: the caller may simply retry
            raise NumberingError(_("The numbering sequence ${name} was changed; please try again.",
                                   mapping={"name": sequence.name}))
    prefix = render_prefix(row.prefix or "", when)
    return [Taken(f"{prefix}{counter:0{row.padding}d}", counter, row.period)
            for counter in range(row.value - count + 1, row.value + 1)]


def next_number(session: Session, code: str, when: dt.date | None = None) -> str:
    """The next number of sequence ``code``, taken in the caller's transaction.

    Call it in the transaction that creates the document and as late as possible
    (the counter stays locked until that transaction ends). If the transaction is
    rolled back, the number is given back: the next document gets it. ``when`` is the
    document's date (its year/month/day fill the prefix and choose the period).
    Raises NumberingError if the sequence does not exist or is inactive.
    """
    return take(session, code, when).number


def current_counter(session: Session, sequence: Sequence, when: dt.date | None = None) -> int:
    """The last counter given in the period of ``when`` (0 if none yet); nothing is locked."""
    key = period_key(sequence.reset, when or today(session))
    value = session.scalar(sa.select(SequenceCounter.value).where(
        SequenceCounter.sequence_id == sequence.id, SequenceCounter.period == key))
    return value or 0


def preview(session: Session, code: str, when: dt.date | None = None) -> str:
    """The number the next document of ``code`` would get on ``when``, without taking it."""
    when = when or today(session)
    sequence = _sequence(session, code)
    return format_number(sequence, current_counter(session, sequence, when) + 1, when)


def counters(session: Session, sequence: Sequence, limit: int = 12) -> list[SequenceCounter]:
    """The sequence's periods, latest first."""
    return list(session.scalars(sa.select(SequenceCounter).where(SequenceCounter.sequence_id == sequence.id)
                                .order_by(SequenceCounter.period.desc()).limit(limit)))


def _raise_to(session: Session, sequence_id: int, period: str, value: int) -> int | None:
    """Set the counter to ``value`` if it is lower; its value after, or None if it was higher."""
    _insert_counter(session, sequence_id, period)
    statement = (sa.update(SequenceCounter)
                 .where(SequenceCounter.sequence_id == sequence_id, SequenceCounter.period == period,
                        SequenceCounter.value <= value)
                 .values(value=value).returning(SequenceCounter.value)
                 .execution_options(synchronize_session=False))
    return session.execute(statement).scalar_one_or_none()


def set_next_counter(session: Session, sequence: Sequence, next_counter: int, when: dt.date | None = None,
                     strict: bool = True) -> int:
    """Make ``next_counter`` the next counter of the current period (e.g. to continue an old system).

    Only forward: going back would give numbers that were given already. A lower
    value raises NumberingError, or with ``strict=False`` is ignored (a form saved
    after other users took numbers). Returns the next counter now in force.
    """
    key = period_key(sequence.reset, when or today(session))
    if _raise_to(session, sequence.id, key, next_counter - 1) is None:
        used = current_counter(session, sequence, when)
        if strict:
            raise NumberingError(_("Numbers up to ${used} were given already: the next counter cannot be "
                                   "lower than ${next}.", mapping={"used": used, "next": used + 1}),
                                 field="next_counter")
        return used + 1
    return next_counter


def carry_over(session: Session, sequence: Sequence, old_reset: str, when: dt.date | None = None) -> None:
    """After the reset policy changed: the new period continues where the old one stands today.

    So a number given under the old policy in the current period is not given again.
    """
    when = when or today(session)
    old = session.scalar(sa.select(SequenceCounter.value).where(
        SequenceCounter.sequence_id == sequence.id, SequenceCounter.period == period_key(old_reset, when)))
    if old:
        _raise_to(session, sequence.id, period_key(sequence.reset, when), old)


def is_user_editable(session: Session, code: str) -> bool:
    sequence = get_sequence(session, code)
    return bool(sequence is not None and sequence.user_editable)


def _used(session: Session, column: InstrumentedAttribute, number: str, record_id=None, where=None) -> bool:
    model = column.class_
    key = sa.inspect(model).primary_key[0]
    query = sa.select(key).where(column == number)
    if record_id is not None:
        query = query.where(key != record_id)
    if where is not None:
        query = query.where(where)
    return session.scalar(query.limit(1)) is not None


def check_number(session: Session, code: str, number: str, column: InstrumentedAttribute, record_id=None,
                 where=None, field: str = "number") -> str:
    """Check a number a user typed for a document of ``code``; the number (stripped) or NumberingError.

    ``column`` is the document's number column (``Order.number``), ``record_id`` the
    document being edited (its own number is not a duplicate), ``where`` an extra
    clause when one table holds several document types. The table's unique
    constraint stays the real guard against two users saving the same number at once.
    """
    sequence = _sequence(session, code)
    if not sequence.user_editable:
        raise NumberingError(_("Numbers of ${name} are given automatically; they cannot be typed.",
                               mapping={"name": sequence.name}), field)
    number = (number or "").strip()
    length = getattr(column.property.columns[0].type, "length", None)
    if not number:
        raise NumberingError(_("Required"), field)
    if length and len(number) > length:
        raise NumberingError(_("Longer than ${max} characters.", mapping={"max": length}), field)
    if re.search(r"[\x00-\x1f\x7f]", number):
        raise NumberingError(_("Contains characters that cannot be stored."), field)
    if _used(session, column, number, record_id, where):
        raise NumberingError(_("The number ${number} is already used.", mapping={"number": number}), field)
    return number


def assign_number(session: Session, code: str, column: InstrumentedAttribute, typed: str | None = None,
                  when: dt.date | None = None, record_id=None, where=None, field: str = "number") -> str:
    """The number for a new document: the one the user typed (checked), or the next one.

    A taken number that a user already typed on another document is stepped over (its
    counter is used by that document), so automatic numbers never collide with typed ones.
    """
    if typed and typed.strip():
        return check_number(session, code, typed, column, record_id, where, field)
    for _attempt in range(MAX_SKIPS):
        number = next_number(session, code, when)
        if not _used(session, column, number, record_id, where):
            return number
    raise NumberingError(_("No free number found in the sequence ${code}.", mapping={"code": code}), field)


# -- batches of new records (imports) -------------------------------------------------------------

#: Numbers looked up per query (well under every engine's limit of bound parameters).
LOOKUP_CHUNK = 500


def used_numbers(session: Session, column: InstrumentedAttribute, numbers: Iterable[str], where=None) -> set[str]:
    """Which of ``numbers`` a record already carries in ``column``: one query per 500 numbers."""
    wanted = list(dict.fromkeys(n for n in numbers if n))
    found: set[str] = set()
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        query = sa.select(column).where(column.in_(wanted[start:start + LOOKUP_CHUNK]))
        if where is not None:
            query = query.where(where)
        found.update(session.scalars(query))
    return found


def check_numbers(session: Session, code: str, numbers: list[str], column: InstrumentedAttribute, where=None,
                  field: str = "number") -> list[str | NumberingError]:
    """:func:`check_number` for the typed numbers of a batch of new records, in one query.

    One result per number, in order: the number (stripped) or its NumberingError (a
    missing sequence raises it, about the whole batch). A number typed twice in the
    batch is refused the second time, as if the first record had been saved already.
    """
    if not numbers:
        return []
    sequence = _sequence(session, code)  # none at all: the whole batch is refused, as check_number does
    refused = None
    if not sequence.user_editable:
        refused = _("Numbers of ${name} are given automatically; they cannot be typed.",
                    mapping={"name": sequence.name})
    length = getattr(column.property.columns[0].type, "length", None)
    results: list[str | NumberingError] = []
    for number in numbers:
        number = (number or "").strip()
        if refused is not None:
            results.append(NumberingError(refused, field))
        elif not number:
            results.append(NumberingError(_("Required"), field))
        elif length and len(number) > length:
            results.append(NumberingError(_("Longer than ${max} characters.", mapping={"max": length}), field))
        elif re.search(r"[\x00-\x1f\x7f]", number):
            results.append(NumberingError(_("Contains characters that cannot be stored."), field))
        else:
            results.append(number)
    used = used_numbers(session, column, [r for r in results if isinstance(r, str)], where)
    for i, number in enumerate(results):
        if isinstance(number, str):
            if number in used:
                results[i] = NumberingError(_("The number ${number} is already used.",
                                              mapping={"number": number}), field)
            used.add(number)  # a later record of the batch typing it again
    return results


def assign_numbers(session: Session, code: str, column: InstrumentedAttribute, count: int,
                   when: dt.date | None = None, where=None, field: str = "number",
                   typed: Collection[str] = ()) -> list[str]:
    """The numbers of ``count`` new records, in order: :func:`assign_number` for a batch.

    Reserves the counters with :func:`take_many` and steps over numbers that records
    already carry (one query per batch) or that ``typed`` holds (numbers typed on
    records of the same batch, not written yet), taking more counters for those, so
    the numbers are the ones ``count`` calls of assign_number would give.
    """
    typed = set(typed)
    numbers: list[str] = []
    skipped = 0  # consecutive numbers stepped over, as assign_number counts them
    while len(numbers) < count:
        taken = [t.number for t in take_many(session, code, count - len(numbers), when)]
        used = used_numbers(session, column, taken, where) | (typed & set(taken))
        for number in taken:
            if number in used:
                skipped += 1
                if skipped >= MAX_SKIPS:
                    raise NumberingError(_("No free number found in the sequence ${code}.",
                                           mapping={"code": code}), field)
            else:
                skipped = 0
                numbers.append(number)
    return numbers
