"""The marketplace end to end: a real package index, a host, companies, a running web server.

A local pypiserver is the trusted index. A small addon, ``zhanggui-todo``, is built in
the test as real wheels (1.0.0; 1.1.0 with a second migration; 1.2.0 that needs an
older SQLAlchemy; 2.0.0 for kernel 2) and published by copying them into the index's
folder. The host is a throw-away virtual environment that sees this project's packages
(a ``.pth`` file, as in test_discovery.py): pip installs into it, never into the
project's own environment. The ``zhanggui`` commands run in it, and so does a gunicorn
master with a pidfile serving the companies, which the marketplace reloads gracefully.

Companies: ``acme`` (SQLite) and ``bolt`` (PostgreSQL when configured, else SQLite)
enable the addon; ``cora`` does not.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.testing import pg_admin_url
from tests.core.tenants_support import hosting

pytestmark = pytest.mark.slow

DIST = "zhanggui-todo"
BIN = Path(sys.executable).parent

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "zhanggui-todo"
version = "{version}"
description = "To-do lists (the marketplace test addon)"
requires-python = ">=3.11"
dependencies = {dependencies}

[project.entry-points."zhanggui.addons"]
todo = "zhanggui_todo"

[tool.setuptools]
packages = ["zhanggui_todo"]

[tool.setuptools.package-data]
zhanggui_todo = ["manifest.toml", "migrations/versions/*.py"]
"""

MANIFEST = """\
name = "todo"
version = "{version}"
summary = "To-do lists for the whole company"
category = "Office"
depends = ["base"]
kernel = "{kernel}"
"""

INIT = """\
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED


def page(request):
    return Response("todo {version}")


def includeme(config):
    config.add_route("todo.page", "/todo")
    config.add_view(page, route_name="todo.page", permission=NO_PERMISSION_REQUIRED)
"""

MIGRATION_1 = """\
import sqlalchemy as sa
from alembic import op

revision = "todo_0001"
down_revision = None
branch_labels = ("addon_todo",)
depends_on = ("addon_base",)


def upgrade():
    op.create_table("todo_item", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("title", sa.String(200), nullable=False))


def downgrade():
    op.drop_table("todo_item")
"""

MIGRATION_2 = """\
import sqlalchemy as sa
from alembic import op

revision = "todo_0002"
down_revision = "todo_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("todo_tag", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("name", sa.String(50), nullable=False))


def downgrade():
    op.drop_table("todo_tag")
"""


def build_wheel(root: Path, version: str, kernel: str = ">=1.0,<2", migrations: int = 1,
                dependencies: tuple[str, ...] = ()) -> Path:
    """A real wheel of zhanggui-todo ``version``, built with setuptools as an author would."""
    src = root / f"src-{version}"
    package = src / "zhanggui_todo"
    (package / "migrations" / "versions").mkdir(parents=True)
    (src / "pyproject.toml").write_text(PYPROJECT.format(version=version,
                                                         dependencies=json.dumps(list(dependencies))))
    (package / "manifest.toml").write_text(MANIFEST.format(version=version, kernel=kernel))
    (package / "__init__.py").write_text(INIT.format(version=version))
    for number, text in list(enumerate((MIGRATION_1, MIGRATION_2), 1))[:migrations]:
        (package / "migrations" / "versions" / f"todo_000{number}.py").write_text(text)
    out = root / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=300)
    return out / f"zhanggui_todo-{version}-py3-none-any.whl"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, what: str, tries: int = 300) -> None:
    """Poll ``check`` (10 ms apart, bounded): processes take their time to start."""
    for _ in range(tries):
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def get(port: int, host: str, path: str) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


@dataclass
class World:
    root: Path
    python: Path
    packages: Path
    wheels: dict[str, Path]
    ini: Path
    ini_pg: Path
    web_port: int
    pidfile: Path
    index_url: str
    settings: dict
    first_master: int = 0
    tenant_urls: dict[str, str] = field(default_factory=dict)

    def zg(self, *args: str, ini: Path | None = None, ok: bool = True) -> subprocess.CompletedProcess:
        """``zhanggui …`` in the host's interpreter, as the operator types it."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ZHANGGUI_INI")}
        done = subprocess.run([str(self.python), "-m", "core.cli", "-c", str(ini or self.ini), *args],
                              cwd=self.root, env=env, capture_output=True, text=True, timeout=600)
        if ok:
            assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
        else:
            assert done.returncode != 0, f"{args} should have been refused:\n{done.stdout}"
            assert "Traceback" not in done.stderr, done.stderr
        return done

    def addons(self, tenant: str) -> dict[str, dict]:
        out = self.zg("--db", self.tenant_urls[tenant], "addons", "list", "--json").stdout
        return {row["name"]: row for row in json.loads(out)}

    def publish(self, version: str) -> None:
        shutil.copy(self.wheels[version], self.packages)

    def master_pid(self) -> int:
        return int(self.pidfile.read_text().strip())

    def page(self, tenant: str) -> tuple[int, str]:
        return get(self.web_port, f"{tenant}.test", "/todo")

    def wait_page(self, tenant: str, expected: tuple[int, str]) -> None:
        wait_for(lambda: self.page(tenant) == expected, f"{tenant}.test/todo to answer {expected}")

    def tables(self, tenant: str) -> set[str]:
        engine = sa.create_engine(self.tenant_urls[tenant], poolclass=sa.pool.NullPool)
        try:
            return set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("market")
    build = root / "build"
    wheels = {"1.0.0": build_wheel(build, "1.0.0"),
              "1.1.0": build_wheel(build, "1.1.0", migrations=2),
              "1.2.0": build_wheel(build, "1.2.0", migrations=2, dependencies=("SQLAlchemy<2",)),
              "2.0.0": build_wheel(build, "2.0.0", kernel=">=2.0,<3", migrations=2)}
    packages = root / "packages"
    packages.mkdir()
    index_port = free_port()
    index = subprocess.Popen(
        [str(BIN / "pypi-server"), "run", "-p", str(index_port), "-i", "127.0.0.1", "-a", ".", "-P", ".",
         "--disable-fallback", "--backend", "simple-dir", "--log-stream", "none", str(packages)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    index_url = f"http://127.0.0.1:{index_port}/simple/"
    gunicorn = None
    with contextlib.ExitStack() as stack:
        stack.callback(index.wait, 30)
        stack.callback(index.terminate)
        # The host: a venv of its own (pip installs there) that sees this project's packages.
        venv = root / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
        site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
        (site / "zhanggui_host.pth").write_text(
            f"import site; site.addsitedir({sysconfig.get_path('purelib')!r})\n")
        python = venv / "bin" / "python"

        settings = stack.enter_context(hosting("sqlite", root))
        pidfile = root / "gunicorn.pid"
        settings.update({
            "zhanggui.market_indexes": index_url,
            "zhanggui.market_python": str(python),
            "zhanggui.market_cache": str(root / "market-cache"),
            "zhanggui.reload_pidfile": str(pidfile),
        })
        pg_settings = dict(settings)
        if pg_admin_url():  # bolt lives on PostgreSQL: one host, companies on both engines
            pg = stack.enter_context(hosting("postgresql", root / "pg"))
            pg_settings["zhanggui.tenants_db"] = pg["zhanggui.tenants_db"]

        def write_ini(path: Path, values: dict) -> Path:
            path.write_text("[app:main]\nuse = egg:zhanggui\n" + "".join(f"{k} = {v}\n" for k, v in values.items()))
            return path

        web_port = free_port()
        world = World(root=root, python=python, packages=packages, wheels=wheels,
                      ini=write_ini(root / "host.ini", settings), ini_pg=write_ini(root / "host-pg.ini", pg_settings),
                      web_port=web_port, pidfile=pidfile, index_url=index_url, settings=settings)
        wait_for(lambda: urllib.request.urlopen(index_url, timeout=5).status == 200, "the package index")
        for name in ("acme", "bolt", "cora"):
            world.zg("tenants", "create", name, "--domain", f"{name}.test",
                     ini=world.ini_pg if name == "bolt" else world.ini)
        from core.tenants.services import Operator

        operator = Operator(settings)
        world.tenant_urls = {t.name: t.db_url for t in operator.tenants()}
        operator.close()

        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ZHANGGUI_INI")}
        gunicorn = subprocess.Popen(
            [str(python), "-m", "gunicorn", "--paste", str(world.ini), "--bind", f"127.0.0.1:{web_port}",
             "--pid", str(pidfile), "--workers", "1", "--graceful-timeout", "10",
             "--no-control-socket"],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=open(root / "gunicorn.log", "w"))
        stack.callback(lambda: gunicorn.wait(30))
        stack.callback(lambda: gunicorn.poll() is None and gunicorn.send_signal(signal.SIGTERM))
        wait_for(lambda: pidfile.exists() and get(web_port, "acme.test", "/todo")[0] == 404, "gunicorn")
        world.first_master = world.master_pid()
        yield world


def test_the_index_offers_the_published_versions(world):
    world.publish("1.0.0")
    world.publish("1.1.0")
    assert world.zg("market", "indexes").stdout.split() == [world.index_url]
    (todo,) = json.loads(world.zg("market", "list", "--json").stdout)
    assert (todo["distribution"], todo["name"], todo["versions"], todo["latest"]) == (
        DIST, "todo", ["1.1.0", "1.0.0"], "1.1.0")
    assert (todo["kernel"], todo["compatible"], todo["installed_version"]) == ("<2,>=1.0", True, None)
    assert todo["summary"] == "To-do lists for the whole company"
    listed = world.zg("market", "list").stdout
    assert "todo" in listed and "not installed" in listed and "versions: 1.1.0, 1.0.0" in listed
    # Listing read the wheel's metadata only: nothing is on the host.
    assert "todo" not in world.addons("acme")


def test_install_puts_the_code_on_the_host_and_no_company_changes(world):
    out = world.zg("market", "install", DIST, "--version", "1.0.0").stdout
    assert "will install zhanggui-todo 1.0.0" in out
    assert "SIGHUP sent to gunicorn" in out
    assert "todo 1.0.0 is on this host" in out
    for tenant in ("acme", "bolt", "cora"):
        todo = world.addons(tenant)["todo"]
        assert (todo["state"], todo["version"]) == ("available", "1.0.0")
    # The web server was reloaded, but no company has the addon yet.
    assert world.master_pid() == world.first_master
    assert world.page("acme")[0] == 404
    (todo,) = json.loads(world.zg("market", "list", "--json").stdout)
    assert todo["installed_version"] == "1.0.0"
    again = world.zg("market", "install", DIST, ok=False)
    assert "already on this host" in again.stderr


def test_a_company_enables_it_and_the_reloaded_workers_serve_it(world):
    for tenant in ("acme", "bolt"):
        out = world.zg("--db", world.tenant_urls[tenant], "addons", "install", "todo").stdout
        assert out.splitlines()[0] == "Installed: todo 1.0.0"
    world.wait_page("acme", (200, "todo 1.0.0"))
    world.wait_page("bolt", (200, "todo 1.0.0"))
    assert world.page("cora")[0] == 404
    assert world.master_pid() == world.first_master  # no restart: the same gunicorn master
    installed = world.zg("market", "installed").stdout
    (line,) = [ln for ln in installed.splitlines() if ln.startswith("todo")]
    assert "acme, bolt" in line and "not removable" in line


def test_upgrade_runs_the_migration_in_every_company_that_has_it(world):
    assert "todo_tag" not in world.tables("acme")
    out = world.zg("market", "upgrade", DIST).stdout
    assert "acme: ok: Upgraded: todo 1.0.0 -> 1.1.0" in out
    assert "bolt: ok: Upgraded: todo 1.0.0 -> 1.1.0" in out
    assert "cora" not in out
    assert "migration todo_0002" in out
    assert {"todo_item", "todo_tag"} <= world.tables("acme")
    assert {"todo_item", "todo_tag"} <= world.tables("bolt")
    assert not {t for t in world.tables("cora") if t.startswith("todo_")}
    assert world.addons("acme")["todo"]["installed_version"] == "1.1.0"
    world.wait_page("acme", (200, "todo 1.1.0"))
    assert world.master_pid() == world.first_master


def test_a_version_for_another_kernel_is_refused_before_pip_runs(world):
    world.publish("2.0.0")
    (todo,) = json.loads(world.zg("market", "list", "--json").stdout)
    assert (todo["latest"], todo["compatible"]) == ("2.0.0", False)
    assert todo["reason"] == "todo 2.0.0 supports kernel <3,>=2.0, this kernel is 1.0"
    refused = world.zg("market", "upgrade", DIST, ok=False)
    assert "zhanggui-todo 2.0.0 cannot be installed on this host: todo 2.0.0 supports kernel" in refused.stderr
    assert "pip" not in refused.stdout  # refused from the metadata: pip never ran
    assert world.addons("acme")["todo"]["version"] == "1.1.0"


def test_a_dependency_conflicting_with_the_host_is_refused_with_pips_reason(world):
    world.publish("1.2.0")
    refused = world.zg("market", "upgrade", DIST, "--version", "1.2.0", ok=False)
    assert "its dependencies conflict with what is installed" in refused.stderr
    assert "zhanggui-todo 1.2.0 depends on sqlalchemy<2" in refused.stderr.lower(), refused.stderr
    assert world.addons("acme")["todo"]["version"] == "1.1.0"


def test_removal_is_refused_while_companies_have_it(world):
    refused = world.zg("market", "remove", DIST, ok=False)
    assert "todo is installed in these tenants: acme, bolt" in refused.stderr
    own = world.zg("market", "remove", "zhanggui", ok=False)
    assert "ships with Zhanggui itself" in own.stderr
    for tenant in ("acme", "bolt"):
        world.zg("--db", world.tenant_urls[tenant], "addons", "uninstall", "todo")
    kept = world.zg("market", "remove", DIST, ok=False)
    assert "keep its data: acme, bolt" in kept.stderr


def test_removed_once_no_company_uses_it(world):
    for tenant in ("acme", "bolt"):
        world.zg("--db", world.tenant_urls[tenant], "addons", "uninstall", "todo", "--purge", "--yes")
    out = world.zg("market", "remove", DIST).stdout
    assert "zhanggui-todo removed from this host" in out
    assert "todo" not in world.addons("acme")
    assert "todo" not in world.zg("market", "installed").stdout
    world.wait_page("acme", (404, ""))
    assert world.master_pid() == world.first_master


def test_every_change_is_in_the_operators_audit_log(world):
    from core.tenants.services import Operator

    operator = Operator(world.settings)
    log = operator.history(limit=200)
    operator.close()
    actions = {(row.action, row.result) for row in log}
    assert ("market-remove", "ok") in actions
    assert ("market-install", "ok") in actions
    assert ("market-upgrade", "ok") in actions
    assert ("market-upgrade", "failed") in actions   # the refused 2.0.0 and 1.2.0
    assert ("market-remove", "failed") in actions
    assert {row.tenant for row in log if row.action == "market-migrate"} == {"acme", "bolt"}
    (removed,) = [row for row in log if row.action == "market-remove" and row.result == "ok"]
    assert removed.actor.startswith("cli:") and removed.message.startswith("zhanggui-todo")
