"""The kernel hooks behave as docs/hooks.md says: who is called, when, in which transaction.

One ``test_hook_<name>`` per hook in core.hookspecs (tests/core/test_docs.py checks
that it exists). The fixture addon ``hooky`` implements every kernel hook and
records each call in its own table, so the tests read what happened from the
database, as a user would.
"""
from __future__ import annotations

from core import plugins as kernel_plugins

import pytest
import sqlalchemy as sa
from pyramid.testing import DummyRequest

from core.db import Database
from core.lifecycle import Lifecycle
from core.models import AddonLog
from core.registry import Registries
from core.testing import fresh_database_url, schema_snapshot
from tests.conftest import fixture_catalog
from tests.fixtures.addons.alpha.models import AlphaItem
from tests.fixtures.addons.hooky import hooks as hooky_hooks
from tests.fixtures.addons.hooky.models import HookyCall

# hooky depends on base and alpha; beta depends on alpha and implements no kernel hook
# but menu_items, so installing it is "another addon arriving" for hooky.
ADDONS = ("alpha", "beta", "hooky")


@pytest.fixture
def lifecycle(database) -> Lifecycle:
    return Lifecycle(database, fixture_catalog(*ADDONS))


def calls(database: Database, hook: str) -> list[str]:
    """What hooky's ``hook`` was told, in call order."""
    with database.session() as session:
        query = sa.select(HookyCall.detail).where(HookyCall.hook == hook).order_by(HookyCall.id)
        return list(session.scalars(query))


def alpha_items(database: Database) -> list[str]:
    with database.session() as session:
        return list(session.scalars(sa.select(AlphaItem.name).order_by(AlphaItem.id)))


def company_count(database: Database) -> int:
    with database.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM base_company")).scalar_one()


KERNEL_MENU = {item["id"] for item in kernel_plugins.menu_items(request=None)}


def menu_ids(registries: Registries, database: Database) -> set[str]:
    results = registries.get(database).hook.menu_items(request=DummyRequest())
    # The kernel's own entries (its admin menu) are in every database.
    return {item["id"] for items in results for item in items or []} - KERNEL_MENU


# -- addon_data ---------------------------------------------------------------------------


def test_hook_addon_data(database, lifecycle):
    lifecycle.install(["alpha"])
    assert alpha_items(database) == ["initial"]

    lifecycle.install(["hooky"])

    # Called once, for hooky only, with hooky already in the registry it is given;
    # base's and alpha's initial data were not loaded a second time.
    assert calls(database, "addon_data") == ["registry=alpha,base,hooky alpha=initial"]
    assert alpha_items(database) == ["initial"]
    assert company_count(database) == 1

    # Installing another addon later does not call hooky's addon_data again.
    lifecycle.install(["beta"])
    assert calls(database, "addon_data") == ["registry=alpha,base,hooky alpha=initial"]


def test_hook_addon_data_that_raises_installs_nothing(database, lifecycle, monkeypatch):
    lifecycle.install(["alpha"])
    before = schema_snapshot(database.engine)
    monkeypatch.setattr(hooky_hooks, "FAIL_IN", {"addon_data"})

    with pytest.raises(RuntimeError, match="addon_data failed on purpose"):
        lifecycle.install(["hooky"])

    # Same transaction as the migrations: no hooky_call table, no zg_addon row.
    assert schema_snapshot(database.engine) == before
    assert "hooky" not in lifecycle.status()
    with database.session() as session:
        last = session.scalars(sa.select(AddonLog).order_by(AddonLog.id.desc())).first()
    assert (last.action, last.addons, last.result) == ("install", "hooky", "failed")
    assert "addon_data failed on purpose" in last.message


def test_hook_addon_data_not_called_again_on_reinstall(database, lifecycle):
    lifecycle.install(["hooky"])
    lifecycle.uninstall(["hooky"])  # data kept
    lifecycle.install(["hooky"])
    # The kept data is found again; loading it a second time would duplicate it.
    assert len(calls(database, "addon_data")) == 1

    lifecycle.uninstall(["hooky"], purge=True)
    lifecycle.install(["hooky"])
    # After a purge the addon starts from nothing: its initial data is loaded again.
    assert len(calls(database, "addon_data")) == 1
    assert lifecycle.status()["hooky"][1] == "installed"


# -- demo_data ----------------------------------------------------------------------------


def test_hook_demo_data(database, lifecycle, engine_name, tmp_path):
    lifecycle.install(["hooky", "beta"])

    lines = lifecycle.load_demo()

    # Dependency order (base, alpha, beta, hooky), not pluggy's last-registered-first:
    # hooky saw alpha's demo item, and alpha's line comes before hooky's.
    assert "alpha demo loaded" in lines
    assert "hooky demo: saw 1 alpha demo item(s)" in lines
    assert lines.index("alpha demo loaded") < lines.index("hooky demo: saw 1 alpha demo item(s)")
    assert alpha_items(database) == ["initial", "demo"]

    # Once per database: a second call loads nothing.
    assert lifecycle.load_demo() == ["demo data is already loaded"]
    assert alpha_items(database) == ["initial", "demo"]
    assert calls(database, "demo_data") == ["alpha demo items=1"]

    # ... but every database gets its own demo data once.
    with fresh_database_url(engine_name, tmp_path) as url:
        other = Database(url)
        try:
            other_lifecycle = Lifecycle(other, lifecycle.catalog)
            other_lifecycle.install(["hooky"])
            assert "hooky demo: saw 1 alpha demo item(s)" in other_lifecycle.load_demo()
        finally:
            other.dispose()


def test_hook_demo_data_that_raises_loads_nothing(database, lifecycle, monkeypatch):
    lifecycle.install(["hooky"])
    monkeypatch.setattr(hooky_hooks, "FAIL_IN", {"demo_data"})
    with pytest.raises(RuntimeError, match="demo_data failed on purpose"):
        lifecycle.load_demo()
    # alpha's demo rows, written before hooky's failed, were rolled back with it ...
    assert alpha_items(database) == ["initial"]
    # ... and the demo can be loaded once the problem is fixed.
    monkeypatch.setattr(hooky_hooks, "FAIL_IN", set())
    assert "hooky demo: saw 1 alpha demo item(s)" in lifecycle.load_demo()


# -- addon_installed ----------------------------------------------------------------------


def test_hook_addon_installed(database, lifecycle):
    # base, alpha and hooky in one install: base and alpha are installed before hooky
    # is, and hooky is never told about itself.
    lifecycle.install(["hooky"])
    assert calls(database, "addon_installed") == []

    lifecycle.install(["beta"])
    # Told the new addon's name, after its migrations ran (its table exists).
    assert calls(database, "addon_installed") == ["beta tables=beta_note"]

    # A reinstall (data kept) is announced again.
    lifecycle.uninstall(["beta"])
    lifecycle.install(["beta"])
    assert calls(database, "addon_installed") == ["beta tables=beta_note"] * 2


def test_hook_addon_installed_in_one_command(database, lifecycle):
    # base, alpha, hooky, then beta, in one install: hooky, installed earlier in the
    # same command, is told about beta, which comes after it.
    lifecycle.install(["hooky", "beta"])
    assert calls(database, "addon_installed") == ["beta tables=beta_note"]


def test_hook_addon_installed_that_raises_rolls_back_the_install(database, lifecycle, monkeypatch):
    lifecycle.install(["hooky"])
    before = schema_snapshot(database.engine)
    monkeypatch.setattr(hooky_hooks, "FAIL_IN", {"addon_installed"})

    with pytest.raises(RuntimeError, match="addon_installed failed on purpose"):
        lifecycle.install(["beta"])

    # The announcement is part of beta's install transaction: beta is not installed.
    assert schema_snapshot(database.engine) == before
    assert "beta" not in lifecycle.status()


# -- menu_items ---------------------------------------------------------------------------


def test_hook_menu_items(database, lifecycle, engine_name, tmp_path):
    registries = Registries(lifecycle.catalog)
    lifecycle.install([])  # base only
    base = menu_ids(registries, database)
    assert {"admin.company", "admin.numbering", "masterdata"} <= base
    assert not base & {"alpha", "hooky", "beta"}

    lifecycle.install(["hooky"])
    # beta is available on the host but not installed here: its entry is not offered.
    assert menu_ids(registries, database) == base | {"alpha", "hooky"}

    lifecycle.install(["beta"])
    assert menu_ids(registries, database) == base | {"alpha", "hooky", "beta"}

    lifecycle.uninstall(["beta"])  # data kept, hooks gone
    assert menu_ids(registries, database) == base | {"alpha", "hooky"}

    # One process, two databases: each registry offers its own addons' entries.
    with fresh_database_url(engine_name, tmp_path) as url:
        other = Database(url)
        try:
            Lifecycle(other, lifecycle.catalog).install(["beta"])
            assert menu_ids(registries, other) == base | {"alpha", "beta"}
            assert menu_ids(registries, database) == base | {"alpha", "hooky"}
        finally:
            other.dispose()
