"""A third-party addon is found by ``pip install`` alone, exactly like a built-in one.

The distribution under tests/fixtures/dists/zhanggui_hello is built into a real wheel
and pip-installed into a fresh virtual environment; nothing else is configured. The
fresh environment sees the kernel and its dependencies through a ``.pth`` file that
adds this test run's site-packages as a site directory (so the editable install's
finder and the ``zhanggui`` entry points there work too) without any network.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

DIST_SOURCE = Path(__file__).parents[1] / "fixtures" / "dists" / "zhanggui_hello"
HELLO_SUMMARY = "Says hello from a pip-installed distribution"


@dataclass
class Host:
    """A virtual environment standing for a customer's server."""

    python: Path
    workdir: Path
    listed_before_pip_install: list[str]

    def run(self, *args: str) -> str:
        # cwd is outside the repository, so ``core`` can only come from the installed project.
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ZHANGGUI_INI")}
        done = subprocess.run([str(self.python), *args], cwd=self.workdir, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def zhanggui(self, db_url: str, *args: str) -> str:
        return self.run("-m", "core.cli", "--db", db_url, *args)

    def listed(self, db_url: str) -> dict[str, dict]:
        return {row["name"]: row for row in json.loads(self.zhanggui(db_url, "addons", "list", "--json"))}


def _build_wheel(root: Path) -> Path:
    source = root / "src"
    shutil.copytree(DIST_SOURCE, source)  # the build writes build/ and *.egg-info next to it
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                    "--outdir", str(root / "dist"), str(source)],
                   check=True, capture_output=True, timeout=120)
    (wheel,) = (root / "dist").glob("zhanggui_hello-*.whl")
    return wheel


@pytest.fixture(scope="module")
def host(tmp_path_factory) -> Host:
    """A fresh venv seeing this project, before and after ``pip install`` of the hello wheel."""
    root = tmp_path_factory.mktemp("discovery")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    site_packages = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    # addsitedir (not a bare path line) so the .pth files of this run's site-packages are
    # processed as well: the editable install of zhanggui is exposed by one of them.
    (site_packages / "zhanggui_host.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_path('purelib')!r})\n")
    workdir = root / "work"
    workdir.mkdir()
    python = venv / "bin" / "python"
    host = Host(python=python, workdir=workdir, listed_before_pip_install=[])
    host.listed_before_pip_install = sorted(host.listed(f"sqlite:///{root / 'before.sqlite'}"))

    wheel = _build_wheel(root)
    host.run("-m", "pip", "install", "--no-deps", "--no-index", str(wheel))
    return host


def test_not_listed_before_pip_install(host):
    assert "base" in host.listed_before_pip_install  # the kernel's own addons are seen
    assert "hello" not in host.listed_before_pip_install


def test_listed_after_pip_install_with_its_manifest(host, tmp_path):
    url = f"sqlite:///{tmp_path / 'list.sqlite'}"
    listed = host.listed(url)
    assert listed["hello"]["version"] == "0.3.1"
    assert listed["hello"]["summary"] == HELLO_SUMMARY
    assert listed["hello"]["category"] == "Examples"
    assert listed["hello"]["depends"] == ["base"]
    assert listed["hello"]["distribution"] == "zhanggui-hello"
    assert listed["hello"]["state"] == "available"
    assert listed["base"]["distribution"] == "zhanggui"
    lines = host.zhanggui(url, "addons", "list").splitlines()
    (hello_line,) = [line for line in lines if line.split()[:1] == ["hello"]]
    assert hello_line.split()[1:3] == ["0.3.1", "available"]
    assert hello_line.endswith(HELLO_SUMMARY)


def test_install_and_serve_the_pip_installed_addon(host, db_url, tmp_path):
    out = host.zhanggui(db_url, "addons", "install", "hello")
    assert out.splitlines()[0] == "Installed: base 1.0.0, hello 0.3.1"
    listed = host.listed(db_url)
    assert (listed["hello"]["state"], listed["hello"]["installed_version"]) == ("installed", "0.3.1")
    assert listed["base"]["state"] == "installed"
    (hello_line,) = [line for line in host.zhanggui(db_url, "addons", "list").splitlines()
                     if line.split()[1:2] == ["hello"]]
    assert hello_line.startswith("* hello")

    # Its includeme ran: the route answers where it is installed, 404 where it is not.
    other = f"sqlite:///{tmp_path / 'without_hello.sqlite'}"
    host.zhanggui(other, "init")
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import sys\n"
        "from webtest import TestApp\n"
        "from core.web import make_app\n"
        "for url in sys.argv[1:]:\n"
        "    res = TestApp(make_app({'zhanggui.db_url': url})).get('/hello', expect_errors=True)\n"
        "    print(res.status_int, res.text if res.status_int == 200 else '-')\n")
    assert host.run(str(probe), db_url, other).splitlines() == [
        "200 hello from zhanggui_hello", "404 -"]
