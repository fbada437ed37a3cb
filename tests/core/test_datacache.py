"""Kept choice lists follow every committed change, and only committed ones."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from addons.base.partners.models import Industry, Partner
from core import choices, datacache
from core.db import Database
from core.lifecycle import Lifecycle
from core.security import services
from core.security.models import User
from core.testing import install_cached
from tests.conftest import fixture_catalog


@pytest.fixture
def db(db_url):
    install_cached(db_url, fixture_catalog("notes"), [])
    database = Database(db_url)
    with database.session() as session:
        session.add_all([Industry(name="机械制造", sequence=20), Industry(name="电子元器件", sequence=10)])
        session.commit()
    yield database
    database.dispose()


def industries(db) -> list[str]:
    with db.session() as session:
        return [name for _id, name in choices.rows(session, Industry)]


def data_serial(db) -> int:
    with db.engine.connect() as conn:
        return conn.scalar(sa.text("SELECT value FROM zg_meta WHERE key = 'data_serial'"))


def test_a_committed_change_shows_at_the_next_read_and_a_rolled_back_one_never(db):
    assert industries(db) == ["电子元器件", "机械制造"]  # by the company's order, then name
    with db.session() as session:  # read from what is kept: no query
        statements = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        choices.rows(session, Industry)
        assert not [s for s in statements if "base_industry" in s]

    with db.session() as session:
        session.add(Industry(name="纺织", sequence=5))
        session.flush()
        # This transaction sees its own change, and keeps nothing of it.
        assert [n for _i, n in choices.rows(session, Industry)] == ["纺织", "电子元器件", "机械制造"]
        session.rollback()
    assert industries(db) == ["电子元器件", "机械制造"]

    with db.session() as session:
        session.scalars(sa.select(Industry).where(Industry.name == "机械制造")).one().name = "机械"
        session.commit()
    assert industries(db) == ["电子元器件", "机械"]

    with db.session() as session:  # an ORM statement, not a flush
        session.execute(sa.update(Industry).where(Industry.name == "机械").values(active=False, sequence=1))
        session.commit()
    assert industries(db) == ["机械", "电子元器件"]
    assert [n for _i, n in choices.rows(db.session(), Industry, active_only=True)] == ["电子元器件"]


def test_only_the_flagged_attributes_of_users_count(db):
    with db.session() as session:
        user, _pw = services.create_user(session, "li", "李雷", password="li-password-1")
        session.commit()
        user_id = user.id
    with db.session() as session:
        assert (user_id, "李雷") in choices.active_users(session)
    before = data_serial(db)
    with db.session() as session:  # a sign-in writes the user's row: the lists stay
        session.get(User, user_id).failed_logins = 2
        session.commit()
    assert data_serial(db) == before
    with db.session() as session:
        session.get(User, user_id).name = "李磊"
        session.commit()
    assert data_serial(db) != before
    with db.session() as session:
        assert (user_id, "李磊") in choices.active_users(session)
        session.get(User, user_id).active = False
        session.commit()
    with db.session() as session:
        assert user_id not in dict(choices.active_users(session))


def test_changes_outside_the_flagged_models_do_not_clear_the_lists(db):
    industries(db)
    before = data_serial(db)
    with db.session() as session:
        session.add(Partner(code="P1", name="杭州西湖电器"))
        session.commit()
    assert data_serial(db) == before


def test_installing_an_addon_clears_the_lists(db):
    """Migrations write rows without a session: the addon change itself counts."""
    before = data_serial(db)
    Lifecycle(db, fixture_catalog("notes")).install(["notes"])
    assert data_serial(db) != before


def test_two_databases_keep_their_own_lists(db, tmp_path):
    other_url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    install_cached(other_url, fixture_catalog("notes"), [])
    other = Database(other_url)
    try:
        with other.session() as session:
            session.add(Industry(name="食品"))
            session.commit()
        assert industries(other) == ["食品"]
        assert industries(db) == ["电子元器件", "机械制造"]
    finally:
        other.dispose()


def test_a_model_that_is_not_flagged_is_refused_at_once():
    with pytest.raises(TypeError, match="Partner is not flagged __zg_cached__"):
        choices.named(Partner)
    assert datacache.flag(Industry) is True


def test_a_session_bound_to_a_connection_reads_the_same_lists(db):
    from sqlalchemy.orm import Session

    expected = industries(db)
    with db.engine.connect() as conn, Session(bind=conn) as session:
        assert [name for _id, name in choices.rows(session, Industry)] == expected
