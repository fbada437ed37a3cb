"""``zhanggui addons …`` and ``zhanggui init``, as a user at a terminal sees them.

The commands run through click's CliRunner on ``core.cli.cli`` (not ``main()``), so
clean error messages must come from the commands themselves.
"""
from __future__ import annotations

import getpass
import json

import pytest
from click.testing import CliRunner, Result

import core.cli.addons_cmd  # noqa: F401  (registers the commands)
import core.cli.init_cmd  # noqa: F401
from core.cli import Context, cli
from core.testing import schema_snapshot
from tests.conftest import fixture_catalog
from tests.core.test_lifecycle import add_rows, log_rows, names_in, tables


@pytest.fixture
def run(db_url, monkeypatch, tmp_path):
    """``run(*args, fixtures=..., input=...)``: the CLI on this test's database."""
    monkeypatch.chdir(tmp_path)  # no development.ini from the working tree
    monkeypatch.delenv("ZHANGGUI_INI", raising=False)

    def run(*args: str, fixtures: tuple[str, ...] = ("alpha", "beta", "glue"),
            input: str | None = None) -> Result:
        catalog = fixture_catalog(*fixtures)
        monkeypatch.setattr(Context, "catalog", property(lambda self: catalog))
        return CliRunner().invoke(cli, ["--db", db_url, *args], input=input)

    return run


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def refused(result: Result) -> str:
    """A clean refusal: non-zero exit, an 'Error: …' line, no traceback."""
    assert result.exit_code in (1, 2), result.output + repr(result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert "Error: " in result.output
    return result.output


def state(run) -> dict[str, str]:
    return {r["name"]: r["state"] for r in json.loads(ok(run("addons", "list", "--json")))}


def test_list_shows_every_available_addon_and_its_state(run):
    rows = json.loads(ok(run("addons", "list", "--json")))
    assert {r["name"]: (r["version"], r["state"]) for r in rows} == {
        "alpha": ("1.2.0", "available"), "base": ("1.0.0", "available"),
        "beta": ("1.0.0", "available"), "glue": ("1.0.0", "available")}

    ok(run("addons", "install", "alpha"))
    rows = {r["name"]: r for r in json.loads(ok(run("addons", "list", "--json")))}
    assert rows["alpha"]["state"] == "installed" and rows["alpha"]["installed_version"] == "1.2.0"
    assert rows["beta"]["depends"] == ["base", "alpha>=1.0"]

    lines = ok(run("addons", "list")).splitlines()
    assert any(line.startswith("* alpha") and "1.2.0" in line and "installed" in line for line in lines)
    assert any(line.startswith("  beta") and "available" in line for line in lines)


def test_install_dry_run_prints_the_plan_and_changes_nothing(run, database):
    ok(run("addons", "install", "alpha"))
    before = schema_snapshot(database.engine)

    out = ok(run("addons", "install", "beta", "--dry-run"))

    assert out.splitlines()[0] == "Would install: beta 1.0.0, glue 1.0.0"
    assert "  migration beta_0001 beta tables" in out
    assert "  create table beta_note" in out
    assert schema_snapshot(database.engine) == before


def test_install_installs_with_dependencies(run, database):
    out = ok(run("addons", "install", "beta"))

    assert out.splitlines()[0] == "Installed: base 1.0.0, alpha 1.2.0, beta 1.0.0, glue 1.0.0"
    assert state(run) == {"base": "installed", "alpha": "installed", "beta": "installed",
                          "glue": "installed"}
    assert names_in(database, "alpha_item") == ["initial"]


def test_install_errors_are_one_clean_line(run, database):
    ok(run("addons", "install", "alpha"))
    before = schema_snapshot(database.engine)

    out = refused(run("addons", "install", "nosuch"))
    assert "Error: unknown addon(s): nosuch" in out
    out = refused(run("addons", "install", "needs_missing", fixtures=("alpha", "needs_missing")))
    assert "Error: needs_missing -> nothere" in out
    out = refused(run("addons", "install", "bad_migration", fixtures=("alpha", "bad_migration")))
    assert "Error: install failed and was rolled back, the database is unchanged: " \
           "RuntimeError: migration failed on purpose" in out

    assert schema_snapshot(database.engine) == before


def test_upgrade_runs_new_migrations_then_has_nothing_to_do(run, database):
    ok(run("addons", "install", "beta"))

    out = ok(run("addons", "upgrade", fixtures=("alpha_next", "beta", "glue")))
    assert out.splitlines() == ["Upgraded: alpha 1.2.0 -> 1.3.0",
                                "  migration alpha_0002 alpha item codes and extras",
                                "  create table alpha_extra"]
    assert ok(run("addons", "upgrade", fixtures=("alpha_next", "beta", "glue"))) == "Upgraded: nothing\n"
    assert state(run)["alpha"] == "installed"


def test_a_failed_upgrade_is_one_clean_line_and_changes_nothing(run, database):
    ok(run("addons", "install", "beta"))
    before = schema_snapshot(database.engine)

    out = refused(run("addons", "upgrade", "alpha", fixtures=("alpha_broken_next", "beta", "glue")))

    assert "Error: upgrade failed and was rolled back, the database is unchanged: " \
           "RuntimeError: upgrade migration failed on purpose" in out
    assert schema_snapshot(database.engine) == before
    out = refused(run("addons", "upgrade", "nosuch"))
    assert "Error: not installed: nosuch" in out


def test_uninstall_is_refused_with_the_dependents_listed(run, database):
    ok(run("addons", "install", "beta"))
    before = schema_snapshot(database.engine)

    out = refused(run("addons", "uninstall", "alpha"))

    assert "Error: cannot uninstall alpha: installed addons depend on it: beta, glue" in out
    assert "--with-dependents" in out
    assert schema_snapshot(database.engine) == before
    out = refused(run("addons", "uninstall", "base"))
    assert "'base' cannot be uninstalled" in out


def test_uninstall_with_dependents_keeps_the_data(run, database):
    ok(run("addons", "install", "beta"))
    add_rows(database)

    out = ok(run("addons", "uninstall", "alpha", "--with-dependents", "--yes"))

    assert out.splitlines() == ["Uninstalled: glue 1.0.0, beta 1.0.0, alpha 1.2.0"]
    assert state(run) == {"base": "installed", "alpha": "uninstalled", "beta": "uninstalled",
                          "glue": "uninstalled"}
    assert names_in(database, "alpha_item") == ["customer data", "initial"]


def test_with_dependents_asks_first_without_yes(run, database):
    ok(run("addons", "install", "beta"))

    out = ok(run("addons", "uninstall", "alpha", "--with-dependents", input="y\n"))

    assert "Would uninstall: glue 1.0.0, beta 1.0.0, alpha 1.2.0" in out
    assert "Uninstall glue, beta, alpha? [y/N]: y" in out
    assert "Uninstalled: glue 1.0.0, beta 1.0.0, alpha 1.2.0" in out


def test_purge_asks_with_row_counts_and_no_changes_nothing(run, database):
    ok(run("addons", "install", "beta"))
    add_rows(database)
    before = schema_snapshot(database.engine)

    result = run("addons", "uninstall", "alpha", "--with-dependents", "--purge", input="n\n")

    out = refused(result)
    assert "Would purge: glue 1.0.0, beta 1.0.0, alpha 1.2.0" in out
    assert "  2 rows lost from alpha_item" in out and "  1 rows lost from beta_note" in out
    assert "Drop 3 table(s) and 3 row(s)? [y/N]: n" in out
    assert "cancelled, nothing changed" in out
    assert schema_snapshot(database.engine) == before


def test_purge_with_yes_drops_the_tables(run, database):
    ok(run("addons", "install", "beta"))
    add_rows(database)

    out = ok(run("addons", "uninstall", "alpha", "--with-dependents", "--purge", "--yes"))

    assert out.splitlines()[0] == "Purged: glue 1.0.0, beta 1.0.0, alpha 1.2.0"
    assert "  2 rows lost from alpha_item" in out
    assert not {"alpha_item", "alpha_tick", "beta_note"} & tables(database)
    assert state(run) == {"base": "installed", "alpha": "available", "beta": "available",
                          "glue": "available"}


def test_log_shows_who_did_what_and_the_failures(run, database):
    ok(run("addons", "install", "alpha"))
    refused(run("addons", "uninstall", "base"))
    refused(run("addons", "install", "bad_migration", fixtures=("alpha", "bad_migration")))

    lines = ok(run("addons", "log")).splitlines()

    actor = f"cli:{getpass.getuser()}"
    assert f" {actor} install base alpha ok " in lines[0]
    assert f" {actor} uninstall base failed " in lines[1]
    assert "'base' cannot be uninstalled" in lines[2]
    assert f" {actor} install bad_migration failed " in lines[3]
    assert lines[4].strip() == "RuntimeError: migration failed on purpose"
    assert len(lines) == 5
    assert [r.result for r in log_rows(database)] == ["ok", "failed", "failed"]
    assert ok(run("addons", "log", "-n", "1")).splitlines()[0].endswith("ms")


def test_init_with_demo_loads_the_demo_once(run, database):
    out = ok(run("init", "--addons", "alpha", "--demo"))

    assert out.splitlines()[0] == "Installed: base 1.0.0, alpha 1.2.0"
    assert "demo company: 杭州掌柜示范贸易有限公司" in out
    assert "alpha demo loaded" in out

    again = ok(run("init", "--addons", "alpha", "--demo"))

    assert again.splitlines() == ["Installed: nothing", "demo data is already loaded"]
    assert names_in(database, "alpha_item") == ["demo", "initial"]
    assert names_in(database, "base_company") == ["杭州掌柜示范贸易有限公司"]


def test_a_new_sqlite_database_gets_its_folder_created(tmp_path):
    from click.testing import CliRunner

    from core.cli import cli

    target = tmp_path / "not" / "yet" / "there.sqlite"
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{target}", "init"])
    assert result.exit_code == 0, result.output
    assert "Installed: base" in result.output
    assert target.exists()
