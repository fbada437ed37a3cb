"""Per-database registries: only installed addons' hooks, refreshed across processes."""
from __future__ import annotations

from core import plugins as kernel_plugins

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from core.addons import AddonError, Catalog
from core.db import Database
from core.lifecycle import Lifecycle
from core.models import AddonLog, InstalledAddon
from core.registry import AddonRegistry, Registries, plugin_manager, read_serial
from core.testing import fresh_database_url, schema_snapshot
from tests.conftest import fixture_catalog


KERNEL_MENU = {item["id"] for item in kernel_plugins.menu_items(request=None)}


def menu_ids(registry: AddonRegistry) -> set[str]:
    # The kernel's own entries (its admin menu) are in every database.
    return {item["id"] for items in registry.hook.menu_items(request=None) for item in items or []} - KERNEL_MENU


def fixture_entries(registry) -> set[str]:
    """The menu entries of the fixture addons (base has many of its own)."""
    return menu_ids(registry) & {"alpha", "beta", "glue"}


def serial_of(database: Database) -> int:
    with database.engine.connect() as conn:
        return read_serial(conn)


@pytest.fixture
def second_database(engine_name, tmp_path) -> Iterator[Database]:
    with fresh_database_url(engine_name, tmp_path) as url:
        db = Database(url)
        yield db
        db.dispose()


def elsewhere(url: str) -> Database:
    """What another process would have: its own engine on the same database."""
    return Database(url)


@pytest.fixture
def two_databases(database, second_database, catalog) -> tuple[Database, Database]:
    """DB1 with alpha, beta (and glue, which joins by itself); DB2 with alpha only."""
    Lifecycle(database, catalog).install(["alpha", "beta"])
    Lifecycle(second_database, catalog).install(["alpha"])
    return database, second_database


def test_each_database_gets_the_hooks_of_its_own_addons(two_databases, catalog):
    db1, db2 = two_databases
    registries = Registries(catalog)
    reg1, reg2 = registries.get(db1), registries.get(db2)

    assert reg1.names == {"base", "alpha", "beta", "glue"}
    assert reg2.names == {"base", "alpha"}
    assert fixture_entries(reg1) == {"alpha", "beta"} and "admin.numbering" in menu_ids(reg1)
    assert fixture_entries(reg2) == {"alpha"} and "admin.numbering" in menu_ids(reg2)
    # beta offers beta_noted, glue implements it: callable only where both are installed.
    assert reg1.hook.beta_noted(text="order 7") == ["glue saw order 7"]
    assert not hasattr(reg2.hook, "beta_noted")


def test_registry_lists_addons_in_dependency_order(two_databases, catalog):
    db1, _db2 = two_databases
    order = [a.name for a in Registries(catalog).get(db1).addons]
    assert order.index("base") < order.index("alpha") < order.index("beta") < order.index("glue")


def test_call_for_asks_one_addon_only(two_databases, catalog):
    db1, db2 = two_databases
    reg1 = Registries(catalog).get(db1)

    assert reg1.call_for("beta", "menu_items", request=None) == [
        [{"id": "beta", "title": "Beta", "route": "beta.hello"}]]
    assert reg1.call_for("glue", "menu_items", request=None) == []  # glue has no menu
    assert reg1.call_for("glue", "beta_noted", text="x") == ["glue saw x"]
    reg2 = Registries(catalog).get(db2)
    assert reg2.call_for("beta", "menu_items", request=None) == []  # not installed there


def test_uninstalled_addon_leaves_the_registry_but_keeps_its_data(database, catalog):
    life = Lifecycle(database, catalog)
    life.install(["alpha", "beta"])
    registries = Registries(catalog)
    assert "beta" in registries.get(database).names

    life.uninstall(["beta"], with_dependents=True)

    registry = registries.get(database)
    assert registry.names == {"base", "alpha"}
    assert fixture_entries(registry) == {"alpha"}
    assert not hasattr(registry.hook, "beta_noted")
    with database.engine.connect() as conn:
        assert sa.inspect(conn).has_table("beta_note")  # data kept, only disabled


def test_uninstalled_glue_addon_is_not_called(database, catalog):
    """resolve() would bring an auto_install glue addon back; the registry must not."""
    life = Lifecycle(database, catalog)
    life.install(["alpha", "beta"])
    life.uninstall(["glue"])

    registry = Registries(catalog).get(database)
    assert registry.names == {"base", "alpha", "beta"}
    assert registry.hook.beta_noted(text="x") == []


def test_addon_whose_code_left_the_host_is_skipped_with_its_dependents(database, catalog):
    Lifecycle(database, catalog).install(["alpha", "beta"])

    without_beta = Registries(fixture_catalog("alpha")).get(database)
    assert without_beta.names == {"base", "alpha"}
    # beta's code is here but alpha's is not: beta cannot run without it.
    without_alpha = Registries(fixture_catalog("beta", "glue")).get(database)
    assert without_alpha.names == {"base"}


def test_misspelt_hook_implementation_fails_loudly():
    catalog = fixture_catalog("bad_hook")
    with pytest.raises(AddonError, match=r"addon bad_hook: .*menu_itemz.* no hookspec"):
        plugin_manager([catalog["base"], catalog["bad_hook"]])


def test_hook_implementation_with_wrong_arguments_fails_loudly(tmp_path, monkeypatch):
    package = tmp_path / "wrong_args"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "manifest.toml").write_text('name = "wrong_args"\nversion = "1.0"\ndepends = ["base"]\n')
    (package / "hooks.py").write_text(
        "from core.hookspecs import hookimpl\n\n\n"
        "@hookimpl\ndef menu_items(request, user):\n    return []\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    catalog = Catalog.from_modules(["addons.base", "wrong_args"])
    with pytest.raises(AddonError, match=r"(?s)addon wrong_args: invalid hook .*menu_items.*'user'"):
        plugin_manager([catalog["base"], catalog["wrong_args"]])


def test_installing_addon_with_misspelt_hook_is_refused_and_rolled_back(database):
    catalog = fixture_catalog("alpha", "bad_hook")
    life = Lifecycle(database, catalog)
    life.install(["alpha"])
    before = schema_snapshot(database.engine)
    serial = serial_of(database)

    with pytest.raises(AddonError, match="menu_itemz"):
        life.install(["bad_hook"])

    assert schema_snapshot(database.engine) == before
    assert serial_of(database) == serial  # no other process is told to rebuild
    assert "bad_hook" not in life.status()
    with database.engine.connect() as conn:
        last = conn.execute(sa.select(AddonLog).order_by(AddonLog.id.desc()).limit(1)).one()
    assert (last.action, last.result) == ("install", "failed")
    assert "menu_itemz" in last.message


def test_registry_of_database_recording_a_bad_addon_fails_loudly(database):
    """Code updated on the host after install: the registry refuses to build."""
    catalog = fixture_catalog("bad_hook")
    Lifecycle(database, catalog).install([])
    with database.engine.begin() as conn:
        conn.execute(sa.insert(InstalledAddon).values(name="bad_hook", version="1.0",
                                                      state=InstalledAddon.INSTALLED))
    with pytest.raises(AddonError, match="menu_itemz"):
        Registries(catalog).get(database)


def test_get_rebuilds_only_when_another_process_changed_the_database(database, catalog):
    registries = Registries(catalog)
    Lifecycle(database, catalog).install(["alpha"])
    first = registries.get(database)
    assert registries.get(database) is first
    assert registries.builds == 1

    # Another process: its own Database (engine) and Registries on the same URL.
    other = elsewhere(database.url)
    try:
        Lifecycle(other, catalog).install(["beta"], dry_run=True)
        assert registries.get(database) is first  # a dry run changes nothing
        assert registries.builds == 1

        Lifecycle(other, catalog).install(["beta"])
        refreshed = registries.get(database)
        assert refreshed.names == {"base", "alpha", "beta", "glue"}
        assert refreshed.serial > first.serial
        assert registries.builds == 2
        assert registries.get(database) is refreshed
        assert registries.builds == 2

        Lifecycle(other, catalog).uninstall(["beta"], with_dependents=True)
        assert registries.get(database).names == {"base", "alpha"}
        assert registries.builds == 3
    finally:
        other.dispose()


def test_lifecycle_refreshes_the_registries_it_was_given(database, catalog):
    registries = Registries(catalog)
    life = Lifecycle(database, catalog, registries=registries)
    life.install(["alpha"])
    assert registries.get(database).names == {"base", "alpha"}
    life.install(["beta"])
    assert "beta" in registries.get(database).names


def test_registry_of_a_database_before_init_is_empty_then_refreshes(database, catalog):
    registries = Registries(catalog)
    empty = registries.get(database)
    assert empty.names == frozenset()
    assert registries.get(database) is empty

    other = elsewhere(database.url)
    Lifecycle(other, catalog).install(["alpha"])
    other.dispose()
    assert registries.get(database).names == {"base", "alpha"}


def test_registries_keep_databases_apart(two_databases, catalog: Catalog):
    db1, db2 = two_databases
    registries = Registries(catalog)
    registries.get(db1), registries.get(db2)
    other = elsewhere(db2.url)
    Lifecycle(other, catalog).install(["beta"])
    other.dispose()

    assert registries.get(db1).names == {"base", "alpha", "beta", "glue"}
    assert registries.builds == 2  # db1 untouched: not rebuilt
    assert registries.get(db2).names == {"base", "alpha", "beta", "glue"}
    assert registries.builds == 3
