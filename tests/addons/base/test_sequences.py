"""Numbering sequences: formats, resets, preview, gapless rollback, typed numbers (SQLite and PostgreSQL).

Concurrent numbering with parallel processes is in test_sequence_concurrency.py, the
administration pages and the API in test_sequence_pages.py.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import transaction
import zope.sqlalchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from addons.base import sequences
from addons.base.models import Sequence, SequenceCounter
from addons.base.sequences import NumberingError, ensure_sequence, next_number, preview
from core.lifecycle import Lifecycle
from tests.conftest import fixture_catalog

MAY_3 = dt.date(2024, 5, 3)


class DocBase(DeclarativeBase):
    """A document table for these tests only (not part of any addon's metadata)."""


class Doc(DocBase):
    __tablename__ = "test_seq_doc"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default="order")
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)


@pytest.fixture
def db(database):
    Lifecycle(database, fixture_catalog()).install([])
    DocBase.metadata.create_all(database.engine)
    return database


def counter_rows(db, code: str) -> dict[str, int]:
    with db.session() as session:
        rows = session.execute(sa.select(SequenceCounter.period, SequenceCounter.value)
                               .join(Sequence).where(Sequence.code == code)).all()
    return dict(rows)


def make(db, code="sale.order", prefix="SO", padding=4, reset="never", **kw) -> None:
    with db.session() as session:
        ensure_sequence(session, code, "Sales orders", prefix, padding, reset, **kw)
        session.commit()


def take_committed(db, code="sale.order", when=MAY_3) -> str:
    with db.session() as session:
        number = next_number(session, code, when)
        session.commit()
    return number


FORMATS = [  # prefix, padding, first number on 2024-05-03
    ("SO", 4, "SO0001"),
    ("SO{yyyy}{mm}{dd}-", 4, "SO20240503-0001"),
    ("PO-{yy}/{mm}#", 6, "PO-24/05#000001"),
    ("销售{yyyy}", 3, "销售2024001"),
    ("", 1, "1"),
    ("{dd}.{mm}.{yyyy}:", 12, "03.05.2024:000000000001"),
]


def test_numbers_have_the_prefix_with_date_parts_and_a_padded_counter(db):
    for i, (prefix, padding, _first) in enumerate(FORMATS):
        make(db, code=f"doc.f{i}", prefix=prefix, padding=padding)

    assert [take_committed(db, f"doc.f{i}") for i in range(len(FORMATS))] == [f[2] for f in FORMATS]
    assert [take_committed(db, f"doc.f{i}")[-1] for i in range(len(FORMATS))] == ["2"] * len(FORMATS)


def test_the_counter_grows_past_its_padding_instead_of_wrapping(db):
    make(db, prefix="X", padding=1)
    numbers = [take_committed(db) for _ in range(11)]
    assert numbers[8:] == ["X9", "X10", "X11"]
    assert len(set(numbers)) == 11


RESETS = [  # reset, prefix, dates, numbers, then a number dated as the first one
    ("never", "N{yyyy}-", [dt.date(2024, 12, 31), dt.date(2025, 1, 1)], ["N2024-0001", "N2025-0002"],
     "N2024-0003"),
    ("yearly", "Y{yyyy}-", [dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 6, 1)],
     ["Y2024-0001", "Y2025-0001", "Y2025-0002"], "Y2024-0002"),
    ("monthly", "M{yy}{mm}-", [dt.date(2024, 5, 31), dt.date(2024, 6, 1), dt.date(2024, 6, 30),
                               dt.date(2025, 5, 1)], ["M2405-0001", "M2406-0001", "M2406-0002", "M2505-0001"],
     "M2405-0002"),
    ("daily", "D{yyyy}{mm}{dd}-", [MAY_3, MAY_3, dt.date(2024, 5, 4)],
     ["D20240503-0001", "D20240503-0002", "D20240504-0001"], "D20240503-0003"),
]


def test_counters_restart_when_the_period_changes_and_keep_their_history(db):
    for reset, prefix, dates, expected, back in RESETS:
        code = f"doc.{reset}"
        make(db, code=code, prefix=prefix, reset=reset)

        assert [take_committed(db, code, when=d) for d in dates] == expected, reset
        # An earlier period continues where it stopped (a document dated back).
        assert take_committed(db, code, when=dates[0]) == back, reset
        assert sum(counter_rows(db, code).values()) == len(dates) + 1
        assert len(counter_rows(db, code)) == len(set(sequences.period_key(reset, d) for d in dates))


def test_preview_shows_the_next_number_without_taking_it(db):
    make(db, prefix="P{yyyy}-", reset="yearly")

    with db.session() as session:
        assert preview(session, "sale.order", MAY_3) == "P2024-0001"
        assert preview(session, "sale.order", MAY_3) == "P2024-0001"
    assert counter_rows(db, "sale.order") == {}  # no row either
    assert take_committed(db) == "P2024-0001"
    with db.session() as session:
        assert preview(session, "sale.order", MAY_3) == "P2024-0002"
        assert preview(session, "sale.order", dt.date(2025, 1, 1)) == "P2025-0001"
        sequence = sequences.get_sequence(session, "sale.order")
        assert sequence.next_counter == sequences.current_counter(session, sequence) + 1


def test_a_rolled_back_document_gives_its_number_back(db):
    make(db, prefix="R-")
    assert take_committed(db) == "R-0001"

    with db.session() as session:
        number = next_number(session, "sale.order", MAY_3)
        session.add(Doc(number=number))
        session.flush()
        assert number == "R-0002"
        session.rollback()  # e.g. the order failed validation after numbering

    assert take_committed(db) == "R-0002"  # no gap
    assert counter_rows(db, "sale.order") == {"": 2}


def test_numbers_taken_in_a_request_transaction_are_committed_by_the_transaction_manager(db):
    """pyramid_tm's zope.sqlalchemy integration sees the counter UPDATE as a change."""
    make(db, prefix="T-")
    tm = transaction.TransactionManager(explicit=True)
    session = db.session()
    zope.sqlalchemy.register(session, transaction_manager=tm)
    tm.begin()
    assert next_number(session, "sale.order", MAY_3) == "T-0001"
    tm.commit()
    session.close()

    assert counter_rows(db, "sale.order") == {"": 1}


def test_missing_and_inactive_sequences_are_clear_errors(db):
    make(db, prefix="I-")
    with db.session() as session:
        with pytest.raises(NumberingError) as missing:
            next_number(session, "no.such", MAY_3)
        assert "no.such" in missing.value.message.interpolate()
        session.execute(sa.update(Sequence).values(active=False))
        with pytest.raises(NumberingError) as inactive:
            next_number(session, "sale.order", MAY_3)
        assert "inactive" in inactive.value.message.interpolate()
        assert inactive.value.errors == {"": inactive.value.message}


def test_ensure_sequence_creates_once_and_keeps_what_an_administrator_changed(db):
    make(db, prefix="A-")
    with db.session() as session:
        session.execute(sa.update(Sequence).values(prefix="B-", padding=6))
        again = ensure_sequence(session, "sale.order", "Sales orders", "A-")
        assert (again.prefix, again.padding) == ("B-", 6)
        assert session.scalar(sa.select(sa.func.count()).select_from(Sequence)
                              .where(Sequence.code == "sale.order")) == 1
        for bad in [dict(prefix="A B"), dict(prefix="{yyyy"), dict(prefix="{hh}"), dict(padding=0),
                    dict(padding=13), dict(reset="weekly"), dict(prefix="X{yyyy}", reset="monthly")]:
            with pytest.raises(ValueError):
                ensure_sequence(session, "bad.one", "Bad", **{"prefix": "", **bad})


def test_the_prefix_must_carry_the_date_parts_its_reset_needs():
    assert sequences.reset_problem("SO", "never") is None
    assert sequences.reset_problem("SO{yy}", "yearly") is None
    assert sequences.reset_problem("SO{yyyy}", "monthly") is not None
    assert sequences.reset_problem("SO{mm}", "monthly") is not None  # the same month next year
    assert sequences.reset_problem("{yyyy}{mm}", "daily") is not None
    assert sequences.reset_problem("{dd}{mm}{yy}", "daily") is None


def test_the_next_counter_only_goes_forward(db):
    make(db, prefix="F{yyyy}-", reset="yearly")
    with db.session() as session:
        sequence = sequences.get_sequence(session, "sale.order")
        sequences.set_next_counter(session, sequence, 1001, when=MAY_3)
        assert next_number(session, "sale.order", MAY_3) == "F2024-1001"
        with pytest.raises(NumberingError) as lower:
            sequences.set_next_counter(session, sequence, 500, when=MAY_3)
        assert lower.value.field == "next_counter"
        assert sequences.set_next_counter(session, sequence, 500, when=MAY_3, strict=False) == 1002
        session.commit()
    assert take_committed(db) == "F2024-1002"


def test_changing_the_reset_policy_continues_the_current_period(db):
    make(db, prefix="C{yyyy}{mm}-", reset="never")
    for _ in range(3):
        take_committed(db)
    with db.session() as session:
        sequence = sequences.get_sequence(session, "sale.order")
        sequence.reset = "monthly"
        sequences.carry_over(session, sequence, "never", when=MAY_3)
        session.commit()

    assert take_committed(db) == "C202405-0004"  # not 0001 again
    assert take_committed(db, when=dt.date(2024, 6, 1)) == "C202406-0001"


def test_typed_numbers_are_checked_when_users_may_type_them(db):
    make(db, code="sale.order", prefix="S-", user_editable=True)
    make(db, code="sale.quote", prefix="Q-")
    with db.session() as session:
        session.add_all([Doc(number="S-0002"), Doc(number="MINE-1")])
        session.flush()
        mine = session.scalar(sa.select(Doc).where(Doc.number == "MINE-1"))

        assert sequences.check_number(session, "sale.order", "  MINE-2 ", Doc.number) == "MINE-2"
        assert sequences.check_number(session, "sale.order", "MINE-1", Doc.number, record_id=mine.id) == "MINE-1"
        assert sequences.check_number(session, "sale.order", "MINE-1", Doc.number,
                                      where=Doc.kind == "quote") == "MINE-1"
        for typed, words in [("MINE-1", "already used"), ("", "Required"), ("x" * 21, "Longer"),
                             ("A\tB", "cannot be stored")]:
            with pytest.raises(NumberingError) as error:
                sequences.check_number(session, "sale.order", typed, Doc.number, field="ref")
            assert words in error.value.message.interpolate() and error.value.field == "ref"
        with pytest.raises(NumberingError) as automatic:
            sequences.check_number(session, "sale.quote", "Q-9", Doc.number)
        assert "automatically" in automatic.value.message.interpolate()
        assert sequences.is_user_editable(session, "sale.order")
        assert not sequences.is_user_editable(session, "sale.quote")

        # Automatic numbers step over a number a user typed before.
        assert sequences.assign_number(session, "sale.order", Doc.number, when=MAY_3) == "S-0001"
        assert sequences.assign_number(session, "sale.order", Doc.number, when=MAY_3) == "S-0003"
        assert sequences.assign_number(session, "sale.order", Doc.number, typed="MINE-3") == "MINE-3"
