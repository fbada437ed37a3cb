"""The README's two commands, scripts/run and scripts/test, and CI's .ci/run.

The fresh-clone test is what a new user's first command gets: a copy of the work
tree with no virtualenv and no database, a real venv installed from the package
index, a real demo database. It is slow (about a minute) and needs the package
index, like the user does.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ["scripts/run", "scripts/test", "scripts/_common.sh", ".ci/run"]


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: no venv, no pytest state, no overrides."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "ZHANGGUI_")) and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    if os.environ.get("ZHANGGUI_PYTHON"):
        env["ZHANGGUI_PYTHON"] = os.environ["ZHANGGUI_PYTHON"]
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env.update(extra)
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _copy_work_tree(dest: Path) -> None:
    """Tracked and untracked-but-not-ignored files, as a fresh clone of this tree would have."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # deleted but still tracked files are skipped
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_is_valid_bash(script):
    result = subprocess.run(["bash", "-n", str(ROOT / script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("script", ["scripts/run", "scripts/test", ".ci/run"])
def test_script_is_executable(script):
    # The README says `scripts/run`, not `bash scripts/run`.
    assert os.access(ROOT / script, os.X_OK), f"chmod +x {script}"


def _fake_bin(tmp_path: Path, programs: dict[str, str]) -> Path:
    """A bin folder with bash, dirname and the given fake programs (shell bodies)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "cat", "sed", "tr"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    for name, body in programs.items():
        path = bin_dir / name
        path.write_text(f"#!{shutil.which('bash')}\n{body}\n")
        path.chmod(0o755)
    return bin_dir


def test_run_without_python_311_says_what_to_install(tmp_path):
    bin_dir = _fake_bin(tmp_path, {"python3": "echo 3.10"})
    result = _run([str(bin_dir / "bash"), str(ROOT / "scripts/run")], tmp_path, {"PATH": str(bin_dir)})
    assert result.returncode != 0
    assert "no Python >= 3.11 found" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_run_rejects_an_old_zhanggui_python(tmp_path):
    bin_dir = _fake_bin(tmp_path, {"python2": "echo 3.10"})
    result = _run([str(bin_dir / "bash"), str(ROOT / "scripts/run")], tmp_path,
                  {"PATH": str(bin_dir), "ZHANGGUI_PYTHON": "python2"})
    assert result.returncode != 0
    assert "ZHANGGUI_PYTHON=python2 is Python 3.10" in result.stderr


def test_ensure_apt_packages_installs_only_what_is_missing(tmp_path):
    calls = tmp_path / "calls"
    bin_dir = _fake_bin(tmp_path, {
        # dpkg knows 'present' only; apt-get and sudo record what they were asked.
        "dpkg": '[[ "$2" == present ]]',
        "apt-get": f'echo "apt-get $*" >> {calls}',
        "sudo": f'[[ "$1" == -n ]] && exit 0; echo "sudo" >> {calls}; "$@"',
        "env": 'while [[ "$1" == *=* ]]; do shift; done; "$@"',
    })
    listing = tmp_path / "apt-packages.txt"
    listing.write_text("# browsers\nchromium  # for the UI tests\n\npresent\nfonts-noto-cjk\n")
    script = (f"source {ROOT / 'scripts/_common.sh'}\n"
              f"mapfile -t pkgs < <(read_package_list {listing})\n"
              'echo "list: ${pkgs[*]}"\n'
              'ensure_apt_packages "${pkgs[@]}"\n'
              "ensure_apt_packages present chromium\n")
    result = _run([str(bin_dir / "bash"), "-c", script], tmp_path, {"PATH": str(bin_dir)})
    assert result.returncode == 0, result.stderr
    assert "list: chromium present fonts-noto-cjk" in result.stdout
    apt_calls = [line for line in calls.read_text().splitlines() if line.startswith("apt-get")]
    assert apt_calls == [
        "apt-get update -qq",
        "apt-get install -y -qq chromium fonts-noto-cjk",
        "apt-get install -y -qq chromium",  # dpkg still says missing: asked again, no second update
    ]


def test_ensure_apt_packages_does_nothing_when_all_are_installed(tmp_path):
    calls = tmp_path / "calls"
    bin_dir = _fake_bin(tmp_path, {"dpkg": "exit 0", "apt-get": f'echo "$*" >> {calls}'})
    script = f"source {ROOT / 'scripts/_common.sh'}\nensure_apt_packages chromium fonts-noto-cjk\n"
    result = _run([str(bin_dir / "bash"), "-c", script], tmp_path, {"PATH": str(bin_dir)})
    assert result.returncode == 0, result.stderr
    assert not calls.exists()
    assert result.stdout == ""


def test_the_repo_apt_package_list_is_readable(tmp_path):
    script = f"source {ROOT / 'scripts/_common.sh'}\nread_package_list {ROOT / 'scripts/apt-packages.txt'}\n"
    result = _run(["bash", "-c", script], tmp_path, _clean_env())
    assert result.returncode == 0, result.stderr
    for name in result.stdout.split():
        assert name.replace("-", "").replace(".", "").replace("+", "").isalnum(), name


def test_fresh_clone_first_run_then_test_script(tmp_path):
    clone = tmp_path / "zhanggui"
    _copy_work_tree(clone)
    assert not (clone / ".venv").exists() and not (clone / "var").exists()
    env = _clean_env(ZHANGGUI_NO_SERVE="1")

    # First run, from another folder: venv, install, database with demo data.
    first = _run([str(clone / "scripts/run")], tmp_path, env, timeout=900)
    assert first.returncode == 0, first.stdout + first.stderr
    assert (clone / "var/zhanggui.sqlite").is_file()
    assert "http://127.0.0.1:6543" in first.stdout
    demo_lines = (clone / "var/demo-login.txt").read_text().splitlines()
    assert demo_lines and all(line.startswith("demo") for line in demo_lines)
    assert all(line in first.stdout.splitlines() for line in demo_lines)

    listing = _run([str(clone / ".venv/bin/zhanggui"), "addons", "list"], clone, _clean_env())
    assert listing.returncode == 0, listing.stderr
    base = [line for line in listing.stdout.splitlines() if line.split()[1:2] == ["base"]]
    assert base and "installed" in base[0].split(), listing.stdout

    # Second run: nothing to install, database kept, the same login shown.
    second = _run([str(clone / "scripts/run")], clone, env, timeout=120)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "dependencies up to date" in second.stdout
    assert "creating var/zhanggui.sqlite" not in second.stdout
    assert all(line in second.stdout.splitlines() for line in demo_lines)

    # scripts/test: no test collected is a failure, an unreachable PostgreSQL is named.
    empty = clone / "no_tests_here"
    empty.mkdir()
    nothing = _run([str(clone / "scripts/test"), str(empty), "-q"], clone, _clean_env(), timeout=900)
    assert nothing.returncode != 0
    assert "collected no tests" in nothing.stderr
    bad_url = "postgresql://postgres@127.0.0.1:1/postgres"
    no_pg = _run([str(clone / "scripts/test"), "--pg", str(empty)], clone,
                 _clean_env(ZHANGGUI_TEST_PG=bad_url), timeout=120)
    assert no_pg.returncode != 0
    assert f"PostgreSQL does not answer at ZHANGGUI_TEST_PG={bad_url}" in no_pg.stderr
