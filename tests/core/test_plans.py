"""Plans (套餐): which addons the companies on each may enable, by the services and ``zhanggui tenants plan``.

Two tenants made once per engine: ``acme`` on the plan ``small`` (alpha only) with alpha,
``bolt`` without a plan, with beta (which brings alpha, and the glue addon joins).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import core.cli.tenants_cmd  # noqa: F401  (registers the commands)
from core.cli import Context, cli
from core.db import Database
from core.security.passwords import verify_password
from core.tenants import plans
from core.tenants.services import Operator, TenantError
from core.testing import engines
from tests.conftest import fixture_catalog
from tests.core.tenants_support import hosting


def catalog():
    return fixture_catalog("alpha", "beta", "glue")


@pytest.fixture(scope="module", params=engines())
def world(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plans")
    with hosting(request.param, tmp) as settings:
        operator = Operator(settings, catalog(), actor="test")
        plans.set_plan(operator, "small", "alpha", "Alpha only")
        operator.create("acme", ["acme.example"], ["alpha"], plan="small")
        operator.create("bolt", ["bolt.example"], ["beta"])
        ini = tmp / "hosting.ini"
        ini.write_text("\n".join(["[app:main]", "use = egg:zhanggui"]
                                 + [f"{k} = {v}" for k, v in settings.items()]) + "\n")
        yield settings, operator, ini
        for tenant in operator.tenants():
            operator.drop(tenant.name, keep_backup=False)
        operator.close()
        plans.forget_cache()


def database_of(operator, name: str) -> Database:
    """A Database keyed as the web process keys a tenant's (``tenant:<name>:<uid>``)."""
    row = operator.get(name)
    return Database(row.db_url, key=f"tenant:{name}:{row.uid}")


def allowed(settings, operator, name):
    database = database_of(operator, name)
    try:
        return plans.allowed_addons(settings, database, catalog())
    finally:
        database.dispose()


def test_a_plan_allows_its_addons_base_their_dependencies_and_the_glue_they_complete(world):
    settings, operator, _ini = world
    assert allowed(settings, operator, "acme") == {"base", "alpha"}
    assert allowed(settings, operator, "bolt") is None  # no plan: any addon of the host
    assert plans.closure(["beta"], catalog()) == {"base", "alpha", "beta", "glue"}
    # Not a tenant (the default database, a host of zhanggui.hosts): never restricted.
    assert plans.allowed_addons(settings, Database("sqlite://", key="default"), catalog()) is None
    assert plans.allowed_addons({}, database_of(operator, "acme"), catalog()) is None
    assert operator.get("acme").plan == "small"


def test_a_tenant_cannot_be_created_with_addons_its_plan_does_not_allow(world):
    settings, operator, _ini = world
    with pytest.raises(TenantError, match="plan small does not allow: beta"):
        operator.create("nope", ["nope.example"], ["beta"], plan="small")
    with pytest.raises(TenantError, match="no plan named 'gold'"):
        operator.create("nope", ["nope.example"], ["alpha"], plan="gold")
    assert "nope" not in [t.name for t in operator.tenants()]
    assert not (Path(settings["zhanggui.tenants_dir"]) / "nope").exists()
    assert [(r.action, r.result) for r in operator.history("nope")][:2] == [("create", "failed")] * 2


def test_a_plan_change_that_would_strand_installed_addons_is_refused(world):
    settings, operator, _ini = world
    with pytest.raises(TenantError, match=r"acme \(alpha\)"):
        plans.set_plan(operator, "small", "")
    assert plans.get_plan(operator, "small").addon_names == ["alpha"]
    with pytest.raises(TenantError, match=r"bolt has addons plan small does not allow: beta"):
        plans.assign(operator, "bolt", "small")
    assert operator.get("bolt").plan is None
    # Widening is fine, and the company's module page sees it at once (the serial moved).
    plans.set_plan(operator, "small", "alpha beta")
    try:
        assert allowed(settings, operator, "acme") == {"base", "alpha", "beta", "glue"}
    finally:
        plans.set_plan(operator, "small", "alpha")
    assert allowed(settings, operator, "acme") == {"base", "alpha"}


def test_plans_are_assigned_unassigned_and_deleted_only_when_unused(world):
    settings, operator, _ini = world
    plans.set_plan(operator, "full", "alpha, beta", "Everything")
    plans.assign(operator, "bolt", "full")
    assert allowed(settings, operator, "bolt") == {"base", "alpha", "beta", "glue"}
    with pytest.raises(TenantError, match="plan full is used by: bolt"):
        plans.delete_plan(operator, "full")
    plans.assign(operator, "bolt", None)
    assert allowed(settings, operator, "bolt") is None
    plans.delete_plan(operator, "full")
    assert [p.name for p in plans.list_plans(operator)] == ["small"]
    with pytest.raises(TenantError, match="unknown addon"):
        plans.set_plan(operator, "odd", "alpha nosuch")
    with pytest.raises(TenantError, match="not a valid plan name"):
        plans.set_plan(operator, "Bad Name", "alpha")
    log = [(r.actor, r.action, r.tenant, r.result, r.message) for r in operator.history(limit=20)]
    assert ("test", "plan", "", "ok", "deleted full") in log
    assert ("test", "plan", "bolt", "ok", "full -> -") in log
    assert ("test", "plan", "bolt", "ok", "- -> full") in log
    assert any(r[1:4] == ("plan", "", "failed") and "nosuch" in r[4] for r in log)


def cli_run(ini, monkeypatch, *args, input=None):
    monkeypatch.delenv("ZHANGGUI_INI", raising=False)
    monkeypatch.setattr(Context, "catalog", property(lambda self: catalog()))
    return CliRunner().invoke(cli, ["-c", str(ini), "tenants", *args], input=input)


def test_the_plan_commands(world, monkeypatch):
    _settings, operator, ini = world

    def run(*args, ok=True, input=None):
        result = cli_run(ini, monkeypatch, *args, input=input)
        assert (result.exit_code == 0) == ok, result.output
        assert "Traceback" not in result.output
        return result.output

    assert "plan mid: alpha, beta" in run("plan", "set", "mid", "--addons", "alpha,beta", "--title", "Mid")
    listing = run("plan", "list")
    assert "mid" in listing and "Mid" in listing and "small" in listing and "tenants: acme" in listing
    assert "acme is on plan small" in run("plan", "assign", "acme", "small")  # it has alpha only: fine
    assert "bolt has addons plan small does not allow: beta" in run("plan", "assign", "bolt", "small", ok=False)
    assert "bolt is on plan mid" in run("plan", "assign", "bolt", "mid")
    assert "plan mid is used by: bolt" in run("plan", "delete", "mid", ok=False)
    assert "bolt has no plan" in run("plan", "unassign", "bolt")
    assert "plan mid deleted" in run("plan", "delete", "mid")
    assert "plan small does not allow: beta" in run("create", "cee", "--domain", "cee.example", "--addons", "beta",
                                                    "--plan", "small", ok=False)
    assert "plan small: alpha" in run("list")
    assert operator.get("acme").plan == "small"


def test_operator_password_prints_the_line_for_the_ini_file(world, monkeypatch):
    _settings, _operator, ini = world
    result = cli_run(ini, monkeypatch, "operator-password", "alice", input="correct horse 1\ncorrect horse 1\n")
    assert result.exit_code == 0, result.output
    line = [x for x in result.output.splitlines() if x.startswith("alice:$argon2")][0]
    assert verify_password(line.split(":", 1)[1], "correct horse 1")
    short = cli_run(ini, monkeypatch, "operator-password", "alice", input="short\nshort\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output


def test_the_operator_migrations_make_exactly_the_models_tables(engine_name, tmp_path):
    """op_0002 (plans, sign-in failures) agrees with the models, on either engine."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.db import create_engine
    from core.tenants import schema
    from core.tenants.models import OperatorBase
    from core.testing import fresh_database_url

    with fresh_database_url(engine_name, tmp_path) as url:
        engine = create_engine(url)
        try:
            schema.upgrade(engine)
            with engine.connect() as conn:
                diffs = compare_metadata(MigrationContext.configure(conn, opts={"version_table": schema.VERSION_TABLE}),
                                         OperatorBase.metadata)
            assert diffs == []
            assert schema.downgrade(engine) == ["op_0002", "op_0001"]
        finally:
            engine.dispose()


def test_allowed_addons_reads_only_the_serial_until_something_changes(world):
    settings, operator, _ini = world
    import sqlalchemy as sa

    plans.forget_cache()
    allowed(settings, operator, "acme")  # opens the engine, reads serial and plans
    engine = plans._engines[settings["zhanggui.operator_db"]]
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert allowed(settings, operator, "acme") == {"base", "alpha"}
        assert len(statements) == 1 and "op_meta" in statements[0]
        plans.set_plan(operator, "small", "alpha", "Alpha only (renamed)")  # the serial moves
        statements.clear()
        assert allowed(settings, operator, "acme") == {"base", "alpha"}
        assert len(statements) == 2 and "op_plan" in statements[1]
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
