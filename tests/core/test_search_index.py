"""Search by characters, pinyin, initials and phone fragments through zg_search (docs/search.md).

Every test runs on SQLite and PostgreSQL: the same queries, the engine's own index.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.orm import Session

from core import migrate, records
from core.cli import cli
from core.db import Database
from core.lifecycle import Lifecycle
from core.search.models import SearchEntry
from core.search.sync import entries
from core.search.text import owner_key
from core.security.access import Access
from core.security.models import Role, RoleGrant, User
from core.security.registration import USER
from core.security.services import create_token
from core.testing import WebClient, create_admin
from core.web import make_app
from tests.conftest import fixture_catalog
from tests.fixtures.addons.notes import NOTE
from tests.fixtures.addons.notes.models import Note

ZSF_FINDS = ("张", "张三", "三丰", "丰", "zhang", "zhangsan", "sanfeng", "zsf", "ZSF", "zs", "zhang san",
             "1380013", "8000", "138-0013", "wudang", "sanfeng@")


def installed(url: str) -> Database:
    db = Database(url)
    Lifecycle(db, fixture_catalog("notes")).install(["notes"])
    return db


def names(session: Session, access: Access, q: str, descriptor=USER) -> set[str]:
    label = (lambda r: r.name) if descriptor is USER else (lambda r: r.title)
    return {label(r) for r in records.page(session, descriptor, access, q=q, size=100).items}


def people(session: Session) -> dict[str, User]:
    users = {u.login: u for u in [
        User(login="admin", name="Admin", is_admin=True),
        User(login="zhang3", name="张三丰", phone="138-0013-8000", email="sanfeng@wudang.cn"),
        User(login="lisi", name="李四", phone="13912345678"),
        User(login="shan", name="单雄信"),
    ]}
    session.add_all(users.values())
    session.commit()
    return users


def test_users_are_found_by_characters_pinyin_initials_and_phone_fragments(db_url):
    db = installed(db_url)
    with db.session() as session:
        users = people(session)
        access = Access(session, users["admin"])
        for q in ZSF_FINDS:
            assert names(session, access, q) == {"张三丰"}, q
        for q in ("zhangsanfengx", "zsx", "三张", "an", "13800x", "138001380001"):
            assert names(session, access, q) == set(), q
        assert names(session, access, "s") == {"张三丰", "李四", "单雄信"}  # initials / syllable starts
        assert names(session, access, "shanxiongxin") == names(session, access, "dxx") == {"单雄信"}
        assert names(session, access, "%") == set()  # punctuation only: no term, nothing found
    db.dispose()


def test_changes_and_deletes_keep_the_index_right(db_url):
    db = installed(db_url)
    with db.session() as session:
        users = people(session)
        access = Access(session, users["admin"])
        users["zhang3"].name = "李小龙"
        session.commit()
        assert names(session, access, "zsf") == set()
        assert names(session, access, "zhangsanfeng") == set()
        assert names(session, access, "lxl") == names(session, access, "李小") == {"李小龙"}
        assert names(session, access, "1380013") == {"李小龙"}

        users["zhang3"].name = "王五"
        session.flush()
        session.rollback()  # a rolled-back change leaves the index as it was
        assert names(session, access, "lxl") == {"李小龙"}

        users["zhang3"].failed_logins = 3  # no indexed field changed: the row is left alone
        session.commit()
        session.delete(users["zhang3"])
        session.commit()
        assert names(session, access, "lxl") == set()
        left = session.scalars(sa.select(SearchEntry.record_id).where(SearchEntry.table_name == "zg_user"))
        assert sorted(left) == sorted(u.id for k, u in users.items() if k != "zhang3")
    db.dispose()


def test_the_scope_still_applies(db_url):
    db = installed(db_url)
    with db.session() as session:
        role = Role(name="Clerks", grants=[RoleGrant(model="notes.note", actions="read", scope="own")])
        mine, theirs = User(login="me", name="Me", roles=[role]), User(login="you", name="You", roles=[role])
        session.add_all([mine, theirs])
        session.flush()
        session.add_all([Note(title="张三丰的订单", owner_id=mine.id), Note(title="张三丰 visit", owner_id=theirs.id),
                         Note(title="other", body="call zhang back", owner_id=mine.id)])
        session.commit()
        me = Access(session, mine)
        assert names(session, me, "zsf", NOTE) == names(session, me, "订单", NOTE) == {"张三丰的订单"}
        assert names(session, me, "zhang", NOTE) == {"张三丰的订单", "other"}  # bodies are found as typed
        assert names(session, Access(session, theirs), "zsf", NOTE) == {"张三丰 visit"}
    db.dispose()


def test_a_search_in_scope_own_follows_the_records_owner(db_url):
    """Someone who sees only their own records searches their own index entries (the owner's key):
    a record handed over is found by its new owner at once, and no longer by the old one."""
    db = installed(db_url)
    with db.session() as session:
        role = Role(name="Clerks", grants=[RoleGrant(model="notes.note", actions="read", scope="own")])
        mine, theirs = User(login="me", name="Me", roles=[role]), User(login="you", name="You", roles=[role])
        boss = User(login="boss", name="Boss", is_admin=True)
        session.add_all([mine, theirs, boss])
        session.flush()
        note = Note(title="张三丰的订单", owner_id=mine.id)
        session.add_all([note, Note(title="张三丰 visit", owner_id=theirs.id)])
        session.commit()
        me, you = Access(session, mine), Access(session, theirs)
        assert records.owner_hint(NOTE, me) == mine.id and records.owner_hint(NOTE, Access(session, boss)) is None
        assert names(session, me, "zsf", NOTE) == {"张三丰的订单"}
        note.owner_id = theirs.id  # handed over (the kernel's transfer does the same)
        session.commit()
        assert names(session, me, "zsf", NOTE) == set()
        assert names(session, you, "zsf", NOTE) == {"张三丰的订单", "张三丰 visit"}
        assert names(session, Access(session, boss), "zsf", NOTE) == {"张三丰的订单", "张三丰 visit"}
        # A text that looks like someone's key finds nothing outside the scope.
        assert names(session, me, owner_key(theirs.id), NOTE) == set()
    db.dispose()


@pytest.mark.parametrize("filler", [0, 20_001], ids=["row by row", "index rebuilt"])
def test_the_migration_gives_existing_records_their_owner_key(db_url, filler):
    db = installed(db_url)
    if filler:  # past REBUILD_FROM entries the migration drops the trigram index and builds it again
        with db.engine.begin() as conn:
            conn.execute(sa.insert(SearchEntry), [{"table_name": "elsewhere", "record_id": i, "text": f" w{i} "}
                                                  for i in range(filler)])
    with db.session() as session:
        role = Role(name="Clerks", grants=[RoleGrant(model="notes.note", actions="read", scope="own")])
        mine = User(login="me", name="Me", roles=[role])
        session.add(mine)
        session.flush()
        session.add(Note(title="张三丰的订单", owner_id=mine.id))
        session.commit()
        mine_id = mine.id
    catalog = fixture_catalog("notes")
    with db.engine.begin() as conn:  # as written before core_0009: no key
        migrate._run(conn, catalog, "core_0008", upgrade=False)
    with db.session() as session:
        text = session.scalar(sa.select(SearchEntry.text).where(SearchEntry.table_name == "notes_note"))
        assert owner_key(mine_id) not in text
        assert names(session, Access(session, session.get(User, mine_id)), "zsf", NOTE) == set()
    with db.engine.begin() as conn:
        migrate.upgrade(conn, catalog, migrate.CORE_BRANCH)
    with db.session() as session:
        assert names(session, Access(session, session.get(User, mine_id)), "zsf", NOTE) == {"张三丰的订单"}
        session.add(Note(title="李小龙的订单", owner_id=mine_id))  # the index is kept up to date afterwards
        session.commit()
        assert names(session, Access(session, session.get(User, mine_id)), "lxl", NOTE) == {"李小龙的订单"}
    with db.engine.connect() as conn:  # and is there, whichever way it was updated
        inspector = sa.inspect(conn)
        if db.dialect == "sqlite":
            assert inspector.has_table("zg_search_fts")
        else:
            assert "ix_zg_search_text_trgm" in {i["name"] for i in inspector.get_indexes("zg_search")}
    db.dispose()


def _plan(session: Session, query) -> str:
    dialect = session.get_bind().dialect
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.name == "sqlite":
        return "\n".join(str(row[-1]) for row in session.execute(sa.text("EXPLAIN QUERY PLAN " + sql)))
    session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    return "\n".join(row[0] for row in session.execute(sa.text("EXPLAIN " + sql.replace("%%", "%"))))


def test_searches_use_the_trigram_index(db_url):
    db = installed(db_url)
    with db.engine.begin() as conn:  # enough users for the planner to prefer an index
        rows = [{"id": 10_000 + i, "login": f"filler{i}", "name": f"Filler {i}", "email": "", "phone": "",
                 "password_hash": "", "locale": ""} for i in range(5000)]
        conn.execute(sa.insert(User), rows)
        conn.execute(sa.insert(SearchEntry), entries("zg_user", User.__search__, [User(**r) for r in rows]))
        conn.exec_driver_sql("ANALYZE")
    with db.session() as session:
        access = Access(session, people(session)["admin"])
        expected = "zg_search_fts VIRTUAL TABLE" if db.dialect == "sqlite" else "ix_zg_search_text_trgm"
        for q in ("zhangsan", "zs", "张", "1380013 zs"):
            plan = _plan(session, records.select(USER, access, q=q))
            assert expected in plan, f"{q}:\n{plan}"
        session.rollback()
    db.dispose()


def test_list_page_api_and_global_search_find_users_by_initials(db_url):
    installed(db_url).dispose()
    login, password = create_admin(db_url)
    db = Database(db_url)
    with db.session() as session:
        session.add_all([User(login="zhang3", name="张三丰", phone="13800138000"), User(login="lisi", name="李四")])
        admin = session.scalars(sa.select(User).where(User.login == login)).one()
        _row, token = create_token(session, admin, "tests")
        session.commit()
    db.dispose()
    app = make_app({"zhanggui.db_url": db_url, "zhanggui.session_secret": "test"},
                   catalog=fixture_catalog("notes"))
    browser = WebClient(app).sign_in(login, password)
    listed = browser.get("/m/core.user", {"q": "zsf"})
    assert "张三丰" in listed.text and "李四" not in listed.text
    found = browser.get("/search", {"q": "zsf"})
    assert "张三丰" in found.text and "李四" not in found.text

    api = WebClient(app).app
    items = api.get("/api/v1/core.user", {"q": "zsf"}, headers={"Authorization": f"Bearer {token}"}).json
    assert [u["login"] for u in items["items"]] == ["zhang3"] and items["total"] == 1


def test_reindex_rebuilds_what_bypassed_the_orm(db_url):
    db = installed(db_url)
    with db.session() as session:
        people(session)
    with db.engine.begin() as conn:
        conn.execute(sa.delete(SearchEntry))
        conn.execute(sa.update(User.__table__).where(User.login == "lisi").values(name="王小明"))
    with db.session() as session:
        admin = session.scalars(sa.select(User).where(User.login == "admin")).one()
        assert names(session, Access(session, admin), "wxm") == set()

    result = CliRunner().invoke(cli, ["--db", db_url, "search", "reindex", "core.user"])
    assert result.exit_code == 0, result.output
    assert "core.user: 4 record(s) indexed" in result.output
    with db.session() as session:
        access = Access(session, session.scalars(sa.select(User).where(User.login == "admin")).one())
        assert names(session, access, "wxm") == {"王小明"}
        assert names(session, access, "zsf") == {"张三丰"}

    result = CliRunner().invoke(cli, ["--db", db_url, "search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "core.user: 4 record(s) indexed" in result.output and "notes.note: 0 record(s)" in result.output
    result = CliRunner().invoke(cli, ["--db", db_url, "search", "reindex", "core.role"])
    assert result.exit_code != 0 and "not an indexed model" in result.output
    db.dispose()


def test_the_migration_indexes_existing_users(db_url):
    db = Database(db_url)
    catalog = fixture_catalog()
    with db.engine.begin() as conn:
        migrate._run(conn, catalog, "core_0004", upgrade=True)
        conn.execute(sa.text("INSERT INTO zg_user (login, name, email, phone, password_hash, active, is_admin,"
                             " locale, failed_logins, auth_epoch, created_at) VALUES ('zsf', '张三丰', '',"
                             " '13800138000', '', :t, :f, '', 0, 0, CURRENT_TIMESTAMP)"), {"t": True, "f": False})
    with db.engine.begin() as conn:
        migrate.upgrade(conn, catalog, migrate.CORE_BRANCH)
    with db.session() as session:
        zsf = session.scalars(sa.select(User)).one()
        zsf.is_admin = True
        assert names(session, Access(session, zsf), "zsf") == {"张三丰"}
        session.rollback()
    with db.engine.begin() as conn:  # and the downgrade removes the table and its index
        migrate._run(conn, catalog, "core_0004", upgrade=False)
        assert not sa.inspect(conn).has_table("zg_search")
        assert not [t for t in sa.inspect(conn).get_table_names() if t.startswith("zg_search")]
    db.dispose()


def test_purging_an_addon_removes_its_search_entries(database):
    from core.lifecycle import Lifecycle
    from core.search.models import SearchEntry
    from tests.fixtures.addons.notes.models import Note

    life = Lifecycle(database, fixture_catalog("notes"))
    life.install(["notes"])
    with database.session() as session:
        session.add(Note(title="张三丰的笔记", body=""))
        session.commit()
        assert session.scalar(sa.select(sa.func.count()).select_from(SearchEntry)
                              .where(SearchEntry.table_name == "notes_note")) == 1
    life.uninstall(["notes"], purge=True)
    with database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(SearchEntry)
                              .where(SearchEntry.table_name == "notes_note")) == 0
