"""The per-database addon life cycle: install, dry run, uninstall, purge, upgrade, log, serial.

Every test runs on SQLite and, with ZHANGGUI_TEST_PG set, on PostgreSQL. Failures
injected into each step (and killed processes) are in test_lifecycle_failures.py.
"""
from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.addons import AddonError, Catalog, ResolutionError, load_addon
from core.db import Database
from core.lifecycle import Lifecycle, LifecycleError
from core.migrate import VERSION_TABLE
from core.models import AddonLog, Meta
from core.registry import SERIAL_KEY
from core.testing import schema_snapshot
from tests.conftest import fixture_catalog

# -- helpers shared by the life-cycle test modules ------------------------------------------


def serial(db: Database) -> int:
    """zg_meta.registry_serial, 0 before the kernel tables exist."""
    with db.engine.connect() as conn:
        if not sa.inspect(conn).has_table(Meta.__tablename__):
            return 0
        return conn.execute(sa.select(Meta.value).where(Meta.key == SERIAL_KEY)).scalar() or 0


def versions(db: Database) -> list[str]:
    """The rows of Alembic's version table (the heads this database is at)."""
    with db.engine.connect() as conn:
        if not sa.inspect(conn).has_table(VERSION_TABLE):
            return []
        return sorted(conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def log_rows(db: Database) -> list:
    with db.engine.connect() as conn:
        if not sa.inspect(conn).has_table(AddonLog.__tablename__):
            return []
        return conn.execute(sa.select(AddonLog).order_by(AddonLog.id)).all()


def names_in(db: Database, table: str) -> list[str]:
    with db.engine.connect() as conn:
        return sorted(conn.execute(sa.text(f"SELECT name FROM {table}")).scalars())


def tables(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def add_rows(db: Database) -> None:
    """User data in alpha and beta, to see it kept, restored or counted as lost."""
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO alpha_item (name) VALUES ('customer data')"))
        item = conn.execute(sa.text("SELECT id FROM alpha_item WHERE name = 'customer data'")).scalar()
        if sa.inspect(conn).has_table("beta_note"):
            conn.execute(sa.text("INSERT INTO beta_note (alpha_item_id, text) VALUES (:i, 'a note')"),
                         {"i": item})


def lifecycle(db: Database, *fixtures: str, actor: str = "test:lifecycle") -> Lifecycle:
    return Lifecycle(db, fixture_catalog(*fixtures), actor=actor)


ALL = ("alpha", "beta", "glue")


# -- install and dry run -----------------------------------------------------------------------


def test_install_puts_dependencies_first_and_glue_joins(database):
    plan = lifecycle(database, *ALL).install(["beta"])

    assert plan.addons == [("base", None, "1.0.0"), ("alpha", None, "1.2.0"),
                           ("beta", None, "1.0.0"), ("glue", None, "1.0.0")]
    # The kernel's own migrations first (however many there are), then the addons'.
    revisions = [m.split()[0] for m in plan.migrations]
    kernel = [r for r in revisions if r.startswith("core_")]
    base = [r for r in revisions if r.startswith("base_")]
    assert kernel and base and revisions == kernel + base + ["alpha_0001", "beta_0001"]
    assert lifecycle(database, *ALL).status() == {
        "base": ("1.0.0", "installed"), "alpha": ("1.2.0", "installed"),
        "beta": ("1.0.0", "installed"), "glue": ("1.0.0", "installed")}
    # Initial data (addon_data) of each addon is there, once.
    assert names_in(database, "alpha_item") == ["initial"]
    assert names_in(database, "base_company") == ["My Company"]
    assert {"alpha_item", "alpha_tick", "beta_note", "base_company"} <= tables(database)


def test_glue_uninstalled_on_purpose_stays_out_until_asked_for(database):
    """Glue removed alone stays out; glue removed with a dependency comes back with it
    (test_reinstall_brings_the_kept_rows_back)."""
    life = lifecycle(database, *ALL)
    life.install(["beta"])
    life.uninstall(["glue"])
    # Installing something else does not bring the glue back behind the user's back.
    plan = life.install(["alpha"])
    assert plan.addons == []
    assert life.status()["glue"] == ("1.0.0", "uninstalled")
    # Asking for it by name does.
    assert [a[0] for a in life.install(["glue"]).addons] == ["glue"]
    assert life.status()["glue"] == ("1.0.0", "installed")


def test_install_of_something_installed_is_a_no_op(database):
    life = lifecycle(database, *ALL)
    life.install(["alpha"])
    before = schema_snapshot(database.engine)

    plan = life.install(["alpha"])

    assert plan.addons == [] and plan.migrations == [] and not plan.changed
    assert plan.describe() == ["Installed: nothing"]
    assert schema_snapshot(database.engine) == before


@pytest.mark.parametrize("start", ["fresh", "with base"])
def test_dry_run_prints_the_plan_and_changes_nothing(database, start):
    life = lifecycle(database, *ALL)
    if start == "with base":
        life.install([])
    before, logged = schema_snapshot(database.engine), len(log_rows(database))

    plan = life.install(["beta"], dry_run=True)

    lines = plan.describe()
    base = "base 1.0.0, " if start == "fresh" else ""
    assert lines[0] == f"Would install: {base}alpha 1.2.0, beta 1.0.0, glue 1.0.0"
    assert "  migration alpha_0001 alpha tables" in lines
    assert "  migration beta_0001 beta tables" in lines
    assert ("  migration core_0001 kernel tables" in lines) == (start == "fresh")
    for table in ("alpha_item", "alpha_tick", "beta_note"):
        assert f"  create table {table}" in lines
    assert schema_snapshot(database.engine) == before
    assert len(log_rows(database)) == logged  # a dry run is not a change


@pytest.mark.parametrize("start", ["fresh", "with base"])
def test_resolution_is_checked_before_any_write(database, monkeypatch, start):
    catalog = fixture_catalog(*ALL, "needs_missing", "cyc_a", "cyc_b")
    life = Lifecycle(database, catalog, actor="test:lifecycle")
    if start == "with base":
        life.install([])
    before = schema_snapshot(database.engine)
    writes: list[str] = []
    real = Lifecycle._migrate_core
    monkeypatch.setattr(Lifecycle, "_migrate_core",
                        lambda self, conn: writes.append("core") or real(self, conn))

    with pytest.raises(ResolutionError, match="needs_missing -> nothere"):
        life.install(["alpha", "needs_missing"])
    with pytest.raises(ResolutionError, match="dependency cycle: cyc_a -> cyc_b -> cyc_a"):
        life.install(["cyc_a"])
    with pytest.raises(LifecycleError, match="unknown addon"):
        life.install(["nosuchaddon"])

    assert writes == []  # refused before the first migration
    assert schema_snapshot(database.engine) == before
    if start == "with base":  # refusals are logged too
        failed = [r for r in log_rows(database) if r.result == "failed"]
        assert [r.action for r in failed] == ["install", "install", "install"]
        assert "nothere" in failed[0].message and "cycle" in failed[1].message


def test_an_addon_whose_dependency_is_not_on_the_host_does_not_block_others(database):
    # beta's migration depends on alpha's branch; without alpha's code Alembic could
    # not even read the migrations, for any addon.
    life = lifecycle(database, "beta")

    assert life.install([]).names == ["base"]
    with pytest.raises(ResolutionError, match="beta -> alpha>=1.0: addon 'alpha' is not available"):
        life.install(["beta"])


def test_a_misspelt_hook_is_refused_before_any_write(database):
    life = lifecycle(database, *ALL, "bad_hook")
    life.install(["alpha"])
    before = schema_snapshot(database.engine)

    with pytest.raises(AddonError, match="menu_itemz"):
        life.install(["bad_hook"])

    assert schema_snapshot(database.engine) == before


# -- the log -------------------------------------------------------------------------------------


def test_each_success_is_logged_with_actor_action_addons_and_duration(database):
    life = lifecycle(database, *ALL, actor="test:alice")
    life.install(["beta"])
    life.uninstall(["beta"], with_dependents=True)

    rows = log_rows(database)
    assert [(r.actor, r.action, r.addons, r.result) for r in rows] == [
        ("test:alice", "install", "base alpha beta glue", "ok"),
        ("test:alice", "uninstall", "glue beta", "ok"),
    ]
    assert rows[0].message.startswith("Installed: base 1.0.0, alpha 1.2.0, beta 1.0.0, glue 1.0.0")
    assert "migration beta_0001 beta tables" in rows[0].message
    assert rows[1].message.startswith("Uninstalled: glue 1.0.0, beta 1.0.0")
    assert all(r.duration_ms >= 0 and r.at is not None for r in rows)


def test_a_failed_install_leaves_a_failed_log_row_with_the_error(database):
    life = lifecycle(database, *ALL, "bad_migration", actor="test:bob")
    life.install(["alpha"])

    with pytest.raises(RuntimeError):
        life.install(["bad_migration"])

    last = log_rows(database)[-1]
    assert (last.actor, last.action, last.addons, last.result) == (
        "test:bob", "install", "bad_migration", "failed")
    assert last.message == "RuntimeError: migration failed on purpose"


# -- uninstall and purge ----------------------------------------------------------------------


def test_uninstall_is_refused_while_installed_addons_depend_on_it(database):
    life = lifecycle(database, *ALL)
    life.install(["beta"])
    before = schema_snapshot(database.engine)

    with pytest.raises(LifecycleError) as err:
        life.uninstall(["alpha"])

    assert "installed addons depend on it: beta, glue" in str(err.value)
    assert "--with-dependents" in str(err.value)
    assert schema_snapshot(database.engine) == before


def test_base_cannot_be_uninstalled(database):
    life = lifecycle(database, *ALL)
    life.install(["alpha"])
    before = schema_snapshot(database.engine)

    for purge in (False, True):
        with pytest.raises(LifecycleError, match="'base' cannot be uninstalled"):
            life.uninstall(["base"], with_dependents=True, purge=purge)

    assert schema_snapshot(database.engine) == before


def test_uninstall_with_dependents_removes_them_first_and_keeps_the_data(database):
    life = lifecycle(database, *ALL)
    life.install(["beta"])
    add_rows(database)
    data = schema_snapshot(database.engine)

    plan = life.uninstall(["alpha"], with_dependents=True)

    assert plan.names == ["glue", "beta", "alpha"]  # dependents first
    assert plan.tables_dropped == [] and plan.rows_lost == {}
    assert {n: s for n, (_v, s) in life.status().items()} == {
        "base": "installed", "alpha": "uninstalled", "beta": "uninstalled", "glue": "uninstalled"}
    after = schema_snapshot(database.engine)
    for table in ("alpha_item", "alpha_tick", "beta_note", "base_company"):
        assert after[table] == data[table]  # tables and rows untouched


def test_reinstall_brings_the_kept_rows_back(database):
    life = lifecycle(database, *ALL)
    life.install(["beta"])
    add_rows(database)
    data = schema_snapshot(database.engine)
    life.uninstall(["alpha"], with_dependents=True)

    plan = life.install(["beta"])

    assert plan.names == ["alpha", "beta", "glue"]
    assert plan.addons[0] == ("alpha", "1.2.0", "1.2.0")
    assert plan.migrations == [] and plan.tables_created == []
    # The same rows, and no second copy of alpha's initial data.
    after = schema_snapshot(database.engine)
    for table in ("alpha_item", "beta_note", "base_company"):
        assert after[table] == data[table]
    assert names_in(database, "alpha_item") == ["customer data", "initial"]


def test_purge_counts_the_rows_lost_per_table_and_drops_the_tables(database):
    life = lifecycle(database, *ALL)
    life.install(["beta"])
    add_rows(database)

    preview = life.uninstall(["alpha"], with_dependents=True, purge=True, dry_run=True)
    plan = life.uninstall(["alpha"], with_dependents=True, purge=True)

    for p in (preview, plan):
        assert p.rows_lost == {"alpha_item": 2, "alpha_tick": 0, "beta_note": 1}
        assert p.tables_dropped == ["alpha_item", "alpha_tick", "beta_note"]
        assert p.names == ["glue", "beta", "alpha"]
    assert "  2 rows lost from alpha_item" in preview.describe()
    assert preview.describe()[0] == "Would purge: glue 1.0.0, beta 1.0.0, alpha 1.2.0"
    assert not {"alpha_item", "alpha_tick", "beta_note"} & tables(database)
    assert life.status() == {"base": ("1.0.0", "installed")}


@pytest.mark.parametrize("start", [(), ("alpha",)], ids=["base only", "base and alpha"])
def test_install_then_purge_leaves_the_schema_exactly_as_before(database, start):
    life = lifecycle(database, *ALL)
    life.install(list(start))
    before, heads = schema_snapshot(database.engine, with_rows=False), versions(database)

    life.install(["beta"])
    add_rows(database)
    assert schema_snapshot(database.engine, with_rows=False) != before
    life.uninstall(["beta"] if start else ["alpha"], with_dependents=True, purge=True)

    assert schema_snapshot(database.engine, with_rows=False) == before
    assert versions(database) == heads


def test_purge_of_an_addon_uninstalled_earlier_with_its_data_kept(database):
    life = lifecycle(database, *ALL)
    life.install([])
    before, heads = schema_snapshot(database.engine, with_rows=False), versions(database)
    life.install(["beta"])
    add_rows(database)
    life.uninstall(["alpha"], with_dependents=True)

    plan = life.uninstall(["alpha"], with_dependents=True, purge=True)

    assert plan.names == ["glue", "beta", "alpha"]
    assert plan.rows_lost == {"alpha_item": 2, "alpha_tick": 0, "beta_note": 1}
    assert schema_snapshot(database.engine, with_rows=False) == before
    assert versions(database) == heads
    assert life.status() == {"base": ("1.0.0", "installed")}


def test_purge_is_refused_while_kept_data_of_dependents_points_at_it(database):
    # beta's kept table has a foreign key to alpha_item: dropping alpha's tables
    # alone would break it (Alembic would even drop beta_note behind our back).
    life = lifecycle(database, *ALL)
    life.install(["beta"])
    add_rows(database)
    life.uninstall(["alpha"], with_dependents=True)
    before = schema_snapshot(database.engine)

    with pytest.raises(LifecycleError) as err:
        life.uninstall(["alpha"], purge=True)

    assert "beta (uninstalled, data kept)" in str(err.value)
    assert schema_snapshot(database.engine) == before


def test_changes_are_refused_while_migrations_of_missing_code_are_applied(database):
    # Alembic cannot move any branch while the database is at a revision it cannot
    # read: a clear refusal up front instead of a failure inside Alembic.
    lifecycle(database, *ALL).install(["alpha"])
    without = lifecycle(database, "beta")  # alpha's code left the host
    before = schema_snapshot(database.engine)

    for change in (lambda: without.install(["beta"]), lambda: without.upgrade(),
                   lambda: without.uninstall(["alpha"]),
                   lambda: without.uninstall(["alpha"], purge=True)):
        with pytest.raises(LifecycleError) as err:
            change()
        assert "migration(s) alpha_0001 of addon(s) whose code is not on this host (alpha)" in str(err.value)

    assert schema_snapshot(database.engine) == before


def test_an_addon_without_migrations_whose_code_left_can_be_uninstalled(database):
    lifecycle(database, *ALL).install(["beta"])
    without = lifecycle(database, "alpha", "beta")  # glue's code left the host

    without.uninstall(["glue"])
    assert without.status()["glue"] == ("1.0.0", "uninstalled")
    plan = without.uninstall(["glue"], purge=True)  # it owns no tables: nothing to drop

    assert plan.names == ["glue"] and plan.tables_dropped == []
    assert "glue" not in without.status()


def test_uninstall_of_an_addon_that_is_not_installed_is_refused(database):
    life = lifecycle(database, *ALL)
    life.install(["alpha"])
    with pytest.raises(LifecycleError, match="not installed: beta"):
        life.uninstall(["beta"])


# -- upgrade ------------------------------------------------------------------------------------


def test_upgrade_runs_only_the_new_migration_and_records_the_new_version(database):
    lifecycle(database, *ALL).install(["beta"])
    add_rows(database)
    serial_before = serial(database)
    newer = lifecycle(database, "alpha_next", "beta", "glue")

    preview = newer.upgrade(dry_run=True)
    plan = newer.upgrade()

    for p in (preview, plan):
        assert p.addons == [("alpha", "1.2.0", "1.3.0")]
        assert p.migrations == ["alpha_0002 alpha item codes and extras"]
        assert p.tables_created == ["alpha_extra"]
    assert preview.describe()[0] == "Would upgrade: alpha 1.2.0 -> 1.3.0"
    assert newer.status()["alpha"] == ("1.3.0", "installed")
    assert {"alpha_0002", "beta_0001"} <= set(versions(database))
    assert "alpha_0001" not in versions(database)
    assert serial(database) == serial_before + 1
    with database.engine.connect() as conn:
        codes = conn.execute(sa.text("SELECT name, code FROM alpha_item ORDER BY id")).all()
    assert [tuple(r) for r in codes] == [("initial", "A-1"), ("customer data", "A-2")]
    assert log_rows(database)[-1].message.startswith("Upgraded: alpha 1.2.0 -> 1.3.0")


def test_upgrade_with_nothing_to_do_is_a_no_op(database):
    lifecycle(database, *ALL).install(["beta"])
    newer = lifecycle(database, "alpha_next", "beta", "glue")
    newer.upgrade()
    before, serial_before = schema_snapshot(database.engine), serial(database)

    for life in (newer, lifecycle(database, "alpha_next", "beta", "glue")):
        plan = life.upgrade()
        assert plan.addons == [] and plan.migrations == [] and not plan.changed
        assert plan.describe() == ["Upgraded: nothing"]

    assert schema_snapshot(database.engine) == before
    assert serial(database) == serial_before


def test_upgrading_an_addon_upgrades_its_dependencies_first(database):
    lifecycle(database, *ALL).install(["beta"])

    plan = lifecycle(database, "alpha_next", "beta", "glue").upgrade(["beta"])

    assert plan.addons == [("alpha", "1.2.0", "1.3.0")]
    assert plan.migrations == ["alpha_0002 alpha item codes and extras"]


def test_installing_an_addon_upgrades_its_installed_dependency_first(database):
    lifecycle(database, "alpha").install(["alpha"])

    # The host now has alpha 1.3.0's code; installing beta (which needs alpha) brings
    # alpha's database up to its code before beta's migrations run.
    plan = lifecycle(database, "alpha_next", "beta", "glue").install(["beta"])

    assert plan.addons[0] == ("alpha", "1.2.0", "1.3.0")
    assert [m.split()[0] for m in plan.migrations] == ["alpha_0002", "beta_0001"]
    assert lifecycle(database, "alpha_next", "beta").status()["alpha"] == ("1.3.0", "installed")


def test_upgrade_of_an_addon_not_installed_is_refused(database):
    lifecycle(database, *ALL).install(["alpha"])
    with pytest.raises(LifecycleError, match="not installed: beta"):
        lifecycle(database, *ALL).upgrade(["beta"])


def test_purge_after_an_upgrade_undoes_both_migrations(database):
    life = lifecycle(database, *ALL)
    life.install([])
    before, heads = schema_snapshot(database.engine, with_rows=False), versions(database)
    life.install(["beta"])
    add_rows(database)
    newer = lifecycle(database, "alpha_next", "beta", "glue")
    newer.upgrade()

    plan = newer.uninstall(["alpha"], with_dependents=True, purge=True)

    assert plan.migrations == ["beta_0001 beta tables", "alpha_0002 alpha item codes and extras",
                               "alpha_0001 alpha tables"]
    assert plan.rows_lost["alpha_extra"] == 0
    assert schema_snapshot(database.engine, with_rows=False) == before
    assert versions(database) == heads


def _write_addon(root: Path, package: str, manifest: str, migration: str = "") -> None:
    folder = root / package
    (folder / "migrations" / "versions").mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "manifest.toml").write_text(textwrap.dedent(manifest))
    if migration:
        (folder / "migrations" / "versions" / "m_0001.py").write_text(textwrap.dedent(migration))


def test_upgrade_installs_a_dependency_the_new_version_added(database, tmp_path, monkeypatch):
    # alpha 2.0 now needs a new addon, gamma: the upgrade installs gamma first.
    package = f"zg_gamma_{uuid.uuid4().hex[:8]}"  # fresh modules for each engine's run
    root = tmp_path / package
    _write_addon(root, "gamma", """\
        name = "gamma"
        version = "1.0"
        depends = ["base"]
        """, """\
        import sqlalchemy as sa
        from alembic import op

        revision = "gamma_0001"
        down_revision = None
        branch_labels = ("addon_gamma",)
        depends_on = ("addon_base",)

        def upgrade():
            op.create_table("gamma_thing", sa.Column("id", sa.Integer, primary_key=True))

        def downgrade():
            op.drop_table("gamma_thing")
        """)
    _write_addon(root, "alpha2", """\
        name = "alpha"
        version = "2.0.0"
        depends = ["base", "gamma"]
        """)
    (root / "__init__.py").write_text("")
    alpha_dir = Path(__file__).parents[1] / "fixtures" / "addons" / "alpha" / "migrations" / "versions"
    (root / "alpha2" / "migrations" / "versions" / "alpha_0001.py").write_text(
        (alpha_dir / "alpha_0001.py").read_text())
    monkeypatch.syspath_prepend(str(tmp_path))
    lifecycle(database, "alpha").install(["alpha"])
    newer = Catalog([load_addon("addons.base"), load_addon(f"{package}.gamma"),
                     load_addon(f"{package}.alpha2")])

    plan = Lifecycle(database, newer, actor="test:lifecycle").upgrade()

    assert plan.addons == [("gamma", None, "1.0"), ("alpha", "1.2.0", "2.0.0")]
    assert plan.tables_created == ["gamma_thing"]
    assert Lifecycle(database, newer).status()["gamma"] == ("1.0", "installed")


# -- the registry serial ------------------------------------------------------------------------


def test_registry_serial_moves_on_every_change_and_only_then(database):
    life = lifecycle(database, *ALL, "bad_migration")
    seen = []

    def step(call):
        try:
            call()
        except Exception:
            pass
        seen.append(serial(database))

    step(lambda: life.install([]))                                    # change
    step(lambda: life.install(["beta"], dry_run=True))                # dry run
    step(lambda: life.install(["bad_migration"]))                     # failure
    step(lambda: life.install(["alpha"]))                             # change
    step(lambda: life.install(["alpha"]))                             # no-op
    step(lambda: life.install(["beta"]))                              # change
    step(lambda: life.uninstall(["alpha"]))                           # refused
    step(lambda: life.uninstall(["beta"], with_dependents=True))      # change
    step(lambda: life.uninstall(["beta"], purge=True, with_dependents=True, dry_run=True))
    step(lambda: life.uninstall(["beta"], purge=True, with_dependents=True))  # change
    step(lambda: life.upgrade())                                      # no-op

    assert seen == [1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
