"""The apps service (core/apps/services.py): listing, plans, the plan restriction, refusals, audit."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.apps import services
from core.apps.services import Apps, AppsError
from core.db import Database
from core.lifecycle import Lifecycle
from core.security.models import AuditEntry
from tests.conftest import fixture_catalog

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def catalog():
    # base (real), alpha (a table, a route, a menu entry), beta (needs alpha), glue (auto between
    # them), future_kernel (needs a kernel this host does not have).
    return fixture_catalog("alpha", "beta", "glue", "future_kernel")


@pytest.fixture
def apps(database, catalog) -> Apps:
    Lifecycle(database, catalog).install([])  # base only: a new company
    return Apps(database, catalog, {}, user_id=7, login="boss", address="10.0.0.1")


def _installed(database) -> set[str]:
    with database.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT name FROM zg_addon WHERE state = 'installed'")).scalars()
        return set(rows)


def _audit(database) -> list[AuditEntry]:
    with Session(database.engine) as session:
        return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("app_%"))
                                    .order_by(AuditEntry.id)))


def test_the_list_shows_every_addon_with_its_state_needs_and_menu(apps):
    by_name = {a.name: a for a in apps.list()}
    assert set(by_name) == {"base", "alpha", "beta", "glue", "future_kernel"}
    assert by_name["base"].state == services.INSTALLED and not by_name["base"].removable
    assert by_name["base"].category == "Technical"
    alpha = by_name["alpha"]
    assert alpha.state == services.AVAILABLE and alpha.installable
    assert alpha.version == "1.2.0" and alpha.installed_version is None
    assert alpha.depends == ["base<2,>=1.0"] and alpha.pulls_in == []
    assert [(e.parent, e.title) for e in alpha.menu] == [(None, "Alpha")]
    # beta brings alpha, and the glue between them joins by itself.
    assert sorted(by_name["beta"].pulls_in) == ["alpha", "glue"]
    assert by_name["future_kernel"].state == services.INCOMPATIBLE
    assert "kernel" in by_name["future_kernel"].reason


def test_install_plan_is_a_dry_run_with_dependencies_and_new_tables(apps, database):
    plan = apps.plan("beta", "install")
    assert plan.plan.dry_run and plan.installs == ["alpha", "beta", "glue"]
    assert "alpha_item" in plan.plan.tables_created
    assert _installed(database) == {"base"}  # nothing was written
    assert _audit(database) == []


def test_install_then_remove_with_dependents_and_purge(apps, database):
    done = apps.install("beta")
    assert not done.plan.dry_run
    assert _installed(database) == {"base", "alpha", "beta", "glue"}
    app = apps.get("alpha")
    assert app.state == services.INSTALLED and app.dependents == ["beta", "glue"]
    with database.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO alpha_item (name) VALUES ('one'), ('two')"))
        rows = conn.execute(sa.text("SELECT count(*) FROM alpha_item")).scalar()
    # Removing alpha removes what needs it; the purge plan says which rows would go.
    plan = apps.plan("alpha", "remove", purge=True)
    assert set(plan.removes) == {"alpha", "beta", "glue"}
    assert rows >= 2 and plan.plan.rows_lost.get("alpha_item") == rows and plan.rows_lost >= rows
    assert _installed(database) == {"base", "alpha", "beta", "glue"}
    apps.remove("alpha", purge=True)
    assert _installed(database) == {"base"}
    with database.engine.connect() as conn:
        assert not sa.inspect(conn).has_table("alpha_item")
    entries = _audit(database)
    assert [e.action for e in entries] == ["app_install", "app_purge"]
    assert entries[0].login == "boss" and entries[0].user_id == 7 and entries[0].address == "10.0.0.1"
    assert "alpha" in entries[0].changes["addons"] and entries[1].changes["rows_lost"] >= 2


def test_remove_keeps_the_data_and_install_brings_it_back(apps, database):
    apps.install("alpha")
    with database.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO alpha_item (name) VALUES ('kept')"))
    apps.remove("alpha")
    app = apps.get("alpha")
    assert app.state == services.AVAILABLE and app.data_kept
    apps.install("alpha")
    with database.engine.connect() as conn:
        assert "kept" in conn.execute(sa.text("SELECT name FROM alpha_item")).scalars().all()


def test_refusals_say_why_and_change_nothing(apps, database):
    with pytest.raises(AppsError) as exc:
        apps.remove("base")
    assert "base" in str(exc.value)
    with pytest.raises(AppsError) as exc:
        apps.remove("alpha")
    assert "not installed" in str(exc.value)
    with pytest.raises(AppsError) as exc:
        apps.install("future_kernel")
    assert "kernel" in str(exc.value)
    with pytest.raises(AppsError) as exc:
        apps.plan("nothere", "install")
    assert exc.value.status == 404
    with pytest.raises(AppsError):
        apps.plan("alpha", "upgrade")
    apps.install("alpha")
    with pytest.raises(AppsError) as exc:
        apps.install("alpha")
    assert "already installed" in str(exc.value)
    assert _installed(database) == {"base", "alpha"}


def test_a_plan_limits_what_may_be_installed(apps, database, monkeypatch):
    monkeypatch.setattr(services.plans, "allowed_addons", lambda settings, db: frozenset({"alpha"}))
    by_name = {a.name: a for a in apps.list()}
    assert by_name["alpha"].state == services.AVAILABLE
    assert by_name["beta"].state == services.NOT_ALLOWED
    with pytest.raises(AppsError) as exc:
        apps.install("beta")
    assert exc.value.status == 403
    assert _installed(database) == {"base"}
    apps.install("alpha")
    assert _installed(database) == {"base", "alpha"}


def test_an_allowed_addons_dependencies_are_allowed(apps, monkeypatch):
    monkeypatch.setattr(services.plans, "allowed_addons", lambda settings, db: frozenset({"beta"}))
    allowed = apps.allowed()
    assert {"base", "alpha", "beta", "glue"} <= allowed
    apps.install("beta")
    # Removing is always possible, even what a smaller plan no longer covers.
    monkeypatch.setattr(services.plans, "allowed_addons", lambda settings, db: frozenset())
    apps.remove("alpha")


def test_a_tenants_changes_go_to_the_operators_log(database, catalog, tmp_path):
    from core.tenants.models import OperatorLog
    from core.tenants.services import Operator

    Lifecycle(database, catalog).install([])
    tenant_db = Database(database.url, key="tenant:acme:abc123")
    settings = {"zhanggui.operator_db": f"sqlite:///{tmp_path / 'operator.sqlite'}"}
    try:
        apps = Apps(tenant_db, catalog, settings, login="boss")
        assert services.tenant_name(tenant_db) == "acme" and services.tenant_name(database) is None
        apps.install("alpha")
        with pytest.raises(AppsError):
            apps.remove("base")
        operator = Operator(settings)
        try:
            with operator.session() as session:
                rows = list(session.scalars(sa.select(OperatorLog).order_by(OperatorLog.id)))
        finally:
            operator.close()
        assert [(r.action, r.tenant, r.result, r.actor) for r in rows] == [
            ("app_install", "acme", "ok", "acme:boss"), ("app_uninstall", "acme", "failed", "acme:boss")]
        assert "alpha" in rows[0].message
    finally:
        tenant_db.dispose()


def test_the_menu_entries_come_from_the_addons_own_hook_and_its_reports():
    import types

    from core.addons import load_addon

    sale = load_addon("addons.sale")
    entries = services.menu_entries(sale)
    # The "Sales" group header is the parent of the two entries, not an entry of its own.
    assert [(e.parent, e.title) for e in entries] == [("Sales", "Quotations"), ("Sales", "Sales orders")]
    reports = {"sale.orders": types.SimpleNamespace(addon="sale", title="Orders by month"),
               "other.thing": types.SimpleNamespace(addon="other", title="Other")}
    entries = services.menu_entries(sale, reports)
    assert [(e.parent, e.title) for e in entries][-1] == ("Statistics", "Orders by month")
    assert len(entries) == 3


def test_a_request_lets_go_of_its_locks_before_the_life_cycle_runs(apps, database):
    """What a request did before the change (read the addon's table: a lock DROP TABLE waits
    for on PostgreSQL; wrote: SQLite's write lock) must not make the change wait for it."""
    import types

    import transaction
    import zope.sqlalchemy

    from core.apps.views import release_transaction

    apps.install("alpha")
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    session = database.session()
    zope.sqlalchemy.register(session, transaction_manager=tm)
    try:
        session.execute(sa.text("SELECT count(*) FROM alpha_item")).scalar()
        session.execute(sa.text("INSERT INTO alpha_item (name) VALUES ('by the request')"))
        zope.sqlalchemy.mark_changed(session)
        release_transaction(types.SimpleNamespace(tm=tm, dbsession=session, user=None))
        plan = apps.remove("alpha", purge=True)
        assert plan.plan.rows_lost["alpha_item"] >= 1  # the request's row was committed, then purged
        assert _installed(database) == {"base"}
    finally:
        tm.abort()
        session.close()
