"""The marketplace's checks that need no index: settings, reading a wheel, refusals, the reload.

The end-to-end run against a real index is tests/core/test_market.py (slow).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from core.market import index, pip, reload
from core.market.services import Market, MarketError
from tests.core.tenants_support import hosting

MANIFEST = 'name = "todo"\nversion = "{version}"\nsummary = "To-do lists"\ndepends = [{depends}]\nkernel = "{kernel}"\n'


def wheel(tmp_path: Path, version: str = "1.0.0", kernel: str = ">=1.0,<2", depends: str = '"base"',
          entry_points: str | None = "[zhanggui.addons]\ntodo = zhanggui_todo\n",
          manifest_version: str | None = None, with_manifest: bool = True) -> Path:
    """A wheel file as the build backend lays it out (only the parts the marketplace reads)."""
    path = tmp_path / f"zhanggui_todo-{version}-py3-none-any.whl"
    info = f"zhanggui_todo-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("zhanggui_todo/__init__.py", "")
        if with_manifest:
            zf.writestr("zhanggui_todo/manifest.toml", MANIFEST.format(
                version=manifest_version or version, kernel=kernel, depends=depends))
        zf.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: zhanggui-todo\nVersion: {version}\n"
                                        "Summary: To-do lists (package)\nRequires-Python: >=3.11\n"
                                        "Requires-Dist: openpyxl>=3\n")
        if entry_points is not None:
            zf.writestr(f"{info}/entry_points.txt", entry_points)
    return path


HOST = {"kernel": "1.0", "python": "3.11.7", "errors": [], "distributions": {},
        "addons": [{"name": "base", "module": "addons.base", "distribution": "zhanggui", "dist_version": "0.1.0",
                    "version": "1.0.0", "summary": "", "kernel": "", "depends": []}]}


def test_the_marketplace_needs_hosting():
    with pytest.raises(MarketError, match="needs hosting: set zhanggui.operator_db"):
        Market({"zhanggui.db_url": "sqlite://"})


def test_trusted_indexes_come_from_the_ini(tmp_path):
    with hosting("sqlite", tmp_path) as settings:
        settings["zhanggui.market_indexes"] = ("\nhttps://pypi.example.com/simple\n# not this one\n"
                                               "  https://pypi.org/simple/  \n")
        assert Market(settings).indexes() == ["https://pypi.example.com/simple/", "https://pypi.org/simple/"]
        settings["zhanggui.market_indexes"] = ""
        market = Market(settings)
        assert market.offered() == []
        assert market.errors == ["no trusted index: set zhanggui.market_indexes in the ini file (one URL a line)"]
        with pytest.raises(MarketError, match="no trusted index: set zhanggui.market_indexes"):
            Market(settings).install("zhanggui-todo")


def test_a_wheel_is_read_without_installing_it(tmp_path):
    info = index.read_wheel(wheel(tmp_path))
    assert (info.distribution, info.version, info.problem) == ("zhanggui-todo", "1.0.0", "")
    assert info.entry_points == {"todo": "zhanggui_todo"}
    assert (info.manifest.name, str(info.manifest.kernel), info.manifest.summary) == ("todo", "<2,>=1.0", "To-do lists")
    assert info.requires_dist == ["openpyxl>=3"] and info.requires_python == ">=3.11"
    assert "zhanggui_todo" not in sys.modules


@pytest.mark.parametrize(("kwargs", "problem"), [
    ({"entry_points": None}, "not a Zhanggui addon: no 'zhanggui.addons' entry point"),
    ({"entry_points": "[console_scripts]\ntodo = zhanggui_todo:main\n"}, "not a Zhanggui addon"),
    ({"with_manifest": False}, "zhanggui_todo/manifest.toml is missing from the wheel"),
    ({"entry_points": "[zhanggui.addons]\ntasks = zhanggui_todo\n"},
     "entry point 'tasks' points to 'zhanggui_todo' whose manifest is named 'todo'"),
])
def test_a_wheel_that_is_no_usable_addon_says_why(tmp_path, kwargs, problem):
    assert problem in index.read_wheel(wheel(tmp_path, **kwargs)).problem


@pytest.mark.parametrize(("kwargs", "reason"), [
    ({}, ""),
    ({"version": "2.0.0", "kernel": ">=2.0,<3"}, "todo 2.0.0 supports kernel <3,>=2.0, this kernel is 1.0"),
    ({"manifest_version": "1.0.1"}, "the package version 1.0.0 differs from the manifest's version 1.0.1: they must be the same"),
    ({"depends": '"base", "crm >=1"'}, "it depends on the addon crm>=1, which is not on this host: install it first"),
    ({"depends": '"base >=2"'}, "it depends on the addon base>=2, this host has base 1.0.0"),
])
def test_refusals_from_the_metadata_alone(tmp_path, kwargs, reason):
    info = index.read_wheel(wheel(tmp_path, **kwargs))
    assert Market._refusal(info, HOST) == reason


def test_an_addon_name_taken_by_another_distribution_is_refused(tmp_path):
    host = dict(HOST, addons=HOST["addons"] + [dict(HOST["addons"][0], name="todo", distribution="acme-todo")])
    info = index.read_wheel(wheel(tmp_path))
    assert Market._refusal(info, host) == "an addon named 'todo' is already on this host, from acme-todo"


def test_pips_reason_is_kept_without_its_noise():
    output = ("Looking in indexes: http://127.0.0.1/simple/\nCollecting zhanggui-todo==1.2.0\n"
              "ERROR: Cannot install zhanggui-todo==1.2.0 because these package versions have conflicting "
              "dependencies.\n\nThe conflict is caused by:\n    zhanggui-todo 1.2.0 depends on SQLAlchemy<2\n"
              "    The user requested (constraint) sqlalchemy==2.0.44\n\nTo fix this you could try to:\n"
              "1. loosen the range of package versions you've specified\n"
              "2. remove package versions to allow pip to attempt to solve the dependency conflict\n\n"
              "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/\n")
    assert pip._reason(output).splitlines() == [
        "ERROR: Cannot install zhanggui-todo==1.2.0 because these package versions have conflicting dependencies.",
        "The conflict is caused by:", "    zhanggui-todo 1.2.0 depends on SQLAlchemy<2",
        "    The user requested (constraint) sqlalchemy==2.0.44",
        "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/"]


def test_graceful_reload_signals_the_gunicorn_master_of_the_pidfile(tmp_path):
    got = tmp_path / "got-hup"
    child = subprocess.Popen([sys.executable, "-c", (
        "import signal, sys, time, pathlib\n"
        f"signal.signal(signal.SIGHUP, lambda *a: (pathlib.Path({str(got)!r}).write_text('hup'), sys.exit(0)))\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        pidfile = tmp_path / "gunicorn.pid"
        pidfile.write_text(f"{child.pid}\n")
        message = reload.graceful_reload({"zhanggui.reload_pidfile": str(pidfile)})
        assert message == f"graceful reload requested: SIGHUP sent to gunicorn (pid {child.pid})"
        assert child.wait(timeout=30) == 0
        assert got.read_text() == "hup"
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()


def test_graceful_reload_reports_what_it_could_not_do(tmp_path):
    missing = tmp_path / "none.pid"
    assert "does not exist (is gunicorn running?)" in reload.graceful_reload({"zhanggui.reload_pidfile": str(missing)})
    ini = tmp_path / "development.ini"
    ini.write_text("[app:main]\n")
    os.utime(ini, (1, 1))
    assert reload.graceful_reload({"zhanggui.reload_touch": str(ini)}) == f"graceful reload requested: touched {ini}"
    assert ini.stat().st_mtime > 1
    assert reload.graceful_reload({}).startswith("restart or reload the web server")


def test_the_code_serial_moves_in_the_operator_database(tmp_path):
    from core.tenants.services import Operator

    with hosting("sqlite", tmp_path) as settings:
        operator = Operator(settings)
        with operator.session() as session:
            assert reload.read_serial(session) == 0
            assert reload.bump_serial(session) == 1
            assert reload.bump_serial(session) == 2
            session.commit()
        with operator.engine.connect() as conn:
            assert reload.read_serial(conn) == 2
        operator.close()


def test_the_command_line_says_what_is_missing(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from core.cli import cli

    monkeypatch.delenv("ZHANGGUI_INI", raising=False)
    ini = tmp_path / "single.ini"
    ini.write_text(f"[app:main]\nuse = egg:zhanggui\nzhanggui.db_url = sqlite:///{tmp_path / 'one.sqlite'}\n")
    result = CliRunner().invoke(cli, ["-c", str(ini), "market", "list"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "the marketplace needs hosting: set zhanggui.operator_db in the ini file" in result.output
    with hosting("sqlite", tmp_path) as settings:
        ini.write_text("[app:main]\nuse = egg:zhanggui\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
        result = CliRunner().invoke(cli, ["-c", str(ini), "market", "indexes"])
        assert result.exit_code == 0
        assert result.output.strip() == "no trusted index: set zhanggui.market_indexes in the ini file (one URL a line)"


def test_reload_pending_names_the_code_the_web_process_does_not_serve_yet(tmp_path, monkeypatch):
    from core.addons import Catalog

    serving = Catalog.from_entry_points()
    assert {"base", "sale"} <= set(serving)
    todo = dict(HOST["addons"][0], name="todo", distribution="zhanggui-todo", version="1.1.0")
    host = dict(HOST, addons=[dict(HOST["addons"][0], version=str(serving["base"].version)), todo])
    with hosting("sqlite", tmp_path) as settings:
        market = Market(settings)
        monkeypatch.setattr(market, "_host", lambda: host)
        pending = market.reload_pending(serving)
    assert "todo 1.1.0 (serving nothing)" in pending
    assert "sale removed (still served)" in pending
    assert not [line for line in pending if line.startswith("base")]


def test_a_running_process_sees_an_addon_installed_after_its_start(tmp_path, monkeypatch):
    from core.addons import Catalog

    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    assert "todo" not in Catalog.refreshed()
    # What pip leaves in site-packages: the package with its manifest, and the dist-info.
    (site / "zhanggui_todo").mkdir()
    (site / "zhanggui_todo" / "__init__.py").write_text("")
    (site / "zhanggui_todo" / "manifest.toml").write_text(MANIFEST.format(version="1.0.0", kernel=">=1.0,<2",
                                                                           depends='"base"'))
    info = site / "zhanggui_todo-1.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: zhanggui-todo\nVersion: 1.0.0\n")
    (info / "entry_points.txt").write_text("[zhanggui.addons]\ntodo = zhanggui_todo\n")
    catalog = Catalog.refreshed()
    assert (str(catalog["todo"].version), catalog["todo"].distribution) == ("1.0.0", "zhanggui-todo")
