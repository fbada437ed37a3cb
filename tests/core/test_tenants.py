"""``zhanggui tenants …`` as an operator at a terminal sees it, and the services behind it.

Tenants are SQLite files under the test's folder, or real PostgreSQL databases on
the test server (dropped at the end), created with base and the fixture addons.
"""
from __future__ import annotations

import getpass
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

import core.cli.tenants_cmd  # noqa: F401  (registers the commands)
from core.cli import Context, cli
from core.db import Database, create_engine
from core.lifecycle import Lifecycle
from core.tenants import files_dir, schema
from core.tenants.services import Operator, TenantError
from tests.conftest import fixture_catalog
from tests.core.tenants_support import hosting


def catalog():
    return fixture_catalog("alpha", "beta", "glue")


def _ini(path: Path, settings: dict) -> Path:
    lines = ["[app:main]", "use = egg:zhanggui"] + [f"{k} = {v}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def settings(engine_name, tmp_path):
    with hosting(engine_name, tmp_path) as settings:
        yield settings


@pytest.fixture
def run(settings, tmp_path, monkeypatch):
    """``run(*args, input=...)``: the CLI with an ini file of hosting settings (no zhanggui.db_url)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZHANGGUI_INI", raising=False)
    ini = _ini(tmp_path / "hosting.ini", settings)
    monkeypatch.setattr(Context, "catalog", property(lambda self: catalog()))

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["-c", str(ini), "tenants", *args], input=input)

    return run


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def refused(result: Result) -> str:
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    return result.output


def exists(url: str) -> bool:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database).exists()
    from core.testing import _pg_admin_engine

    admin = _pg_admin_engine()
    with admin.connect() as conn:
        found = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                             {"n": parsed.database}).scalar()
    admin.dispose()
    return bool(found)


def test_an_operator_creates_lists_suspends_resumes_backs_up_and_drops_a_company(run, settings, tmp_path):
    out = ok(run("create", "acme", "--domain", "ACME.example.com", "--domain", "www.acme.example.com",
                 "--addons", "alpha"))
    assert "tenant acme created: acme.example.com, www.acme.example.com" in out
    password = next(line.split(" / ")[1] for line in out.splitlines() if line.startswith("administrator: admin / "))
    assert "shown only this once" in out

    operator = Operator(settings)
    tenant = operator.get("acme")
    assert tenant.state == "active" and exists(tenant.db_url)
    # The company's database has base and alpha, and its administrator signs in with that password.
    database = Database(tenant.db_url)
    assert set(Lifecycle(database, catalog()).status()) == {"base", "alpha"}
    from core.security.services import authenticate

    with database.session() as session:
        assert authenticate(session, "admin", password, address="", sleep=lambda s: None).is_admin
    database.dispose()

    listing = ok(run("list"))
    assert "acme" in listing and "active" in listing
    assert "acme.example.com www.acme.example.com" in listing
    assert "alpha, base" in listing
    row = next(line for line in listing.splitlines() if line.startswith("acme "))
    assert row.split()[4] == "1"  # one user: the administrator

    # A second company cannot take the first one's name or domains.
    assert "exists already" in refused(run("create", "acme", "--domain", "other.example.com"))
    assert "acme.example.com (acme)" in refused(run("create", "other", "--domain", "acme.example.com"))

    ok(run("suspend", "acme", "--message", "Unpaid invoice"))
    assert "suspended" in ok(run("list"))
    ok(run("resume", "acme"))
    assert operator.get("acme").state == "active"

    archive = Path(ok(run("backup", "acme")).strip().splitlines()[-1])
    assert archive.exists() and archive.parent == tmp_path / "backups" / "tenants" / "acme"
    with tarfile.open(archive) as tar:
        assert "manifest.json" in tar.getnames()

    # drop asks first: "n" keeps everything.
    assert "Aborted" in refused(run("drop", "acme", input="n\n"))
    assert exists(tenant.db_url)
    out = ok(run("drop", "acme", input="y\n"))
    assert "acme dropped; backup kept at" in out
    assert not exists(tenant.db_url)
    assert not Path(tenant.files_dir).exists()
    assert len(list((tmp_path / "backups" / "tenants" / "acme").glob("*.tar.gz"))) == 2
    assert "no tenants yet" in ok(run("list"))

    # Every step is in the operator's audit log, with the OS user.
    log = ok(run("log", "acme"))
    for action in ("create", "suspend", "resume", "backup", "drop"):
        assert f" {action} " in log
    assert f"cli:{getpass.getuser()}" in log
    operator.close()


def test_drop_without_backup_and_with_yes(run, settings, tmp_path):
    ok(run("create", "tiny", "--domain", "tiny.example.com"))
    url = Operator(settings).get("tiny").db_url
    out = ok(run("drop", "tiny", "--yes", "--no-backup"))
    assert "no backup kept" in out
    assert not exists(url)
    assert not (tmp_path / "backups" / "tenants" / "tiny").exists()
    assert "no tenants yet" in ok(run("list"))


def test_requests_that_cannot_work_are_refused_before_anything_is_made(run, settings, tmp_path):
    assert "not a valid tenant name" in refused(run("create", "Bad Name", "--domain", "x.example.com"))
    assert "not a host name" in refused(run("create", "good", "--domain", "bad host!"))
    assert "unknown addon(s): crm" in refused(run("create", "good", "--domain", "x.example.com",
                                                  "--addons", "crm"))
    assert "no tenant named 'nobody'" in refused(run("suspend", "nobody"))
    assert "no tenant named 'nobody'" in refused(run("drop", "nobody", "--yes"))
    assert "no tenants yet" in ok(run("list"))
    assert not (tmp_path / "tenants" / "good").exists()


def test_a_failed_install_leaves_no_database_no_files_and_no_tenant(run, settings, monkeypatch):
    def broken(self, names, dry_run=False):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Lifecycle, "install", broken)
    out = refused(run("create", "doomed", "--domain", "doomed.example.com"))
    assert "creating doomed failed, nothing kept: disk full" in out
    operator = Operator(settings)
    assert operator.tenants() == []
    url = operator.db_url_for("doomed")
    assert not exists(url)
    assert not (Path(settings["zhanggui.tenants_dir"]) / "doomed").exists()
    assert [(r.action, r.result) for r in operator.history("doomed")] == [("create", "failed")]
    operator.close()


def test_without_an_operator_database_the_commands_say_what_to_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ini = _ini(tmp_path / "plain.ini", {"zhanggui.db_url": f"sqlite:///{tmp_path / 'one.sqlite'}"})
    result = CliRunner().invoke(cli, ["-c", str(ini), "tenants", "list"])
    assert result.exit_code != 0
    assert "set zhanggui.operator_db" in result.output


def test_domains_are_added_and_removed_and_one_always_stays(run, settings):
    ok(run("create", "dom", "--domain", "dom.example.com"))
    assert "dom: dom.example.com shop.example.com" in ok(run("domains", "dom", "--add", "Shop.example.com"))
    assert "dom: shop.example.com" in ok(run("domains", "dom", "--remove", "dom.example.com"))
    assert "no domain left" in refused(run("domains", "dom", "--remove", "shop.example.com"))
    ok(run("drop", "dom", "--yes", "--no-backup"))


def test_the_operator_schema_is_made_by_its_own_migrations(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'op.sqlite'}")
    assert schema.upgrade(engine) == ["op_0001", "op_0002"]
    assert schema.upgrade(engine) == []
    assert {"op_tenant", "op_domain", "op_meta", "op_log", "op_plan"} <= set(sa.inspect(engine).get_table_names())
    assert schema.downgrade(engine) == ["op_0002", "op_0001"]
    assert set(sa.inspect(engine).get_table_names()) == {"op_alembic_version"}
    engine.dispose()


def test_files_dir_is_the_ini_folder_for_the_default_database_and_the_tenant_folder_otherwise(tmp_path):
    settings = {"zhanggui.attachments_dir": str(tmp_path / "att")}
    default = Database("sqlite://")
    tenant = Database("sqlite://", key="tenant:acme:x", files_root=tmp_path / "tenants" / "acme")
    assert files_dir(default, "attachments", settings) == tmp_path / "att"
    with default.session() as session:
        assert files_dir(session, "attachments", settings) == tmp_path / "att"
    with tenant.session() as session:
        assert files_dir(session, "attachments", settings) == tmp_path / "tenants" / "acme" / "attachments"
    assert files_dir(None, "backups", {}) == Path("var/backups").resolve()
    with pytest.raises(TenantError):
        Operator({})
