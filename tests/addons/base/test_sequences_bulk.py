"""Numbering a batch of new records (imports): take_many, assign_numbers, check_numbers (SQLite and PostgreSQL).

A batch must get exactly the numbers the same records would get one by one: consecutive,
typed numbers stepped over, periods restarted, given back on rollback, never shared
with a concurrent transaction.
"""
from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from addons.base import sequences
from addons.base.sequences import (
    NumberingError,
    assign_numbers,
    check_numbers,
    take_many,
)
from core.lifecycle import Lifecycle
from tests.addons.base.test_sequences import (
    MAY_3,
    Doc,
    DocBase,
    counter_rows,
    make,
    take_committed,
)
from tests.conftest import fixture_catalog

JUNE_1 = dt.date(2024, 6, 1)


@pytest.fixture
def db(database):
    Lifecycle(database, fixture_catalog()).install([])
    DocBase.metadata.create_all(database.engine)
    return database


def test_take_many_gives_consecutive_numbers_in_one_go_like_repeated_takes(db):
    make(db, code="sale.order", prefix="SO{yyyy}{mm}-", padding=4)
    make(db, code="twin", prefix="SO{yyyy}{mm}-", padding=4)
    with db.session() as session:
        many = take_many(session, "sale.order", 3, MAY_3)
        one_by_one = [sequences.take(session, "twin", MAY_3) for _ in range(3)]
        assert take_many(session, "sale.order", 0, MAY_3) == []
        session.commit()
    assert [t.number for t in many] == ["SO202405-0001", "SO202405-0002", "SO202405-0003"]
    assert [(t.counter, t.period) for t in many] == [(t.counter, t.period) for t in one_by_one]
    assert take_committed(db, when=MAY_3) == "SO202405-0004"  # the next single number follows the batch


def test_a_batch_starts_a_new_period_and_keeps_the_old_one(db):
    make(db, code="sale.order", prefix="SO{yyyy}{mm}-", padding=3, reset="monthly")
    with db.session() as session:
        may = take_many(session, "sale.order", 2, MAY_3)
        june = take_many(session, "sale.order", 2, JUNE_1)
        session.commit()
    assert [t.number for t in may] == ["SO202405-001", "SO202405-002"]
    assert [t.number for t in june] == ["SO202406-001", "SO202406-002"]
    assert counter_rows(db, "sale.order") == {"2024-05": 2, "2024-06": 2}


def test_a_rolled_back_batch_gives_all_its_numbers_back(db):
    make(db, code="sale.order", prefix="S-")
    with db.session() as session:
        assert len(take_many(session, "sale.order", 50, MAY_3)) == 50
        session.rollback()
    with db.session() as session:
        assert [t.number for t in take_many(session, "sale.order", 2, MAY_3)] == ["S-0001", "S-0002"]


def test_assign_numbers_steps_over_typed_numbers_like_assign_number(db):
    make(db, code="sale.order", prefix="S-", user_editable=True)
    make(db, code="twin", prefix="S-", user_editable=True)
    with db.session() as session:
        session.add_all([Doc(number="S-0002"), Doc(number="S-0003"), Doc(number="S-0006")])
        session.flush()
        batch = assign_numbers(session, "sale.order", Doc.number, 5, MAY_3, typed=["S-0007"])
        # The same five records one by one (the one typing S-0007 saved first).
        session.add(Doc(number="S-0007"))
        session.flush()
        single = [sequences.assign_number(session, "twin", Doc.number, when=MAY_3) for _ in range(5)]
        assert assign_numbers(session, "sale.order", Doc.number, 0, MAY_3) == []
    assert batch == ["S-0001", "S-0004", "S-0005", "S-0008", "S-0009"]
    assert batch == single


def test_assign_numbers_gives_up_after_too_many_typed_numbers_in_a_row(db, monkeypatch):
    make(db, code="sale.order", prefix="S-", user_editable=True)
    monkeypatch.setattr(sequences, "MAX_SKIPS", 3)
    with db.session() as session:
        session.add_all([Doc(number=f"S-000{i}") for i in (2, 3, 4)])
        session.flush()
        with pytest.raises(NumberingError) as error:
            assign_numbers(session, "sale.order", Doc.number, 2, MAY_3, field="code")
    assert "No free number" in error.value.message.interpolate() and error.value.field == "code"


def test_check_numbers_checks_a_batch_of_typed_numbers_in_one_query(db):
    make(db, code="sale.order", prefix="S-", user_editable=True)
    make(db, code="sale.quote", prefix="Q-")
    with db.session() as session:
        session.add(Doc(number="MINE-1"))
        session.flush()
        statements = []
        sa.event.listen(session.get_bind(), "before_cursor_execute",
                        lambda *args: statements.append(args[2]))
        results = check_numbers(session, "sale.order", [" MINE-2 ", "MINE-1", "MINE-2", "", "x" * 21, "A\tB"],
                                Doc.number, field="ref")
        assert sum("test_seq_doc" in s for s in statements) == 1
        refused = check_numbers(session, "sale.quote", ["Q-9"], Doc.number)
    assert results[0] == "MINE-2"
    words = [None, "already used", "already used", "Required", "Longer", "cannot be stored"]
    for result, expected in zip(results[1:], words[1:]):
        assert isinstance(result, NumberingError) and result.field == "ref"
        assert expected in result.message.interpolate()
    assert "automatically" in refused[0].message.interpolate()


@pytest.mark.postgresql_only
def test_a_concurrent_batch_waits_for_the_first_and_takes_the_numbers_after_it(db):
    make(db, code="sale.order", prefix="S-")
    got: dict[str, list[str]] = {}
    first = db.session()
    got["first"] = [t.number for t in take_many(first, "sale.order", 5, MAY_3)]  # the counter is locked now

    def second():
        with db.session() as session:
            got["second"] = [t.number for t in take_many(session, "sale.order", 3, MAY_3)]
            session.commit()

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=1.0)
    assert thread.is_alive()  # queued behind the first batch's row lock
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert got["first"] == ["S-0001", "S-0002", "S-0003", "S-0004", "S-0005"]
    assert got["second"] == ["S-0006", "S-0007", "S-0008"]
    assert counter_rows(db, "sale.order") == {"": 8}
