"""``zhanggui backup`` and ``zhanggui restore`` as an operator at a terminal sees them."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner, Result

from core import backup
from core.cli import Context, cli
from tests.core.backup_support import demo_site, files, table_rows, wipe


@pytest.fixture
def site(db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no development.ini; default folders under var/
    monkeypatch.delenv("ZHANGGUI_INI", raising=False)
    made = demo_site(db_url, tmp_path / "var" / "attachments")  # the default attachments folder
    monkeypatch.setattr(Context, "catalog", property(lambda self: made.catalog))
    return made


def run(url: str, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], input=input)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def refused(result: Result) -> str:
    assert result.exit_code == 1, result.output + repr(result.exception)
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    return result.output


def test_backup_then_restore_from_the_command_line(site, tmp_path):
    before, before_files = table_rows(site.url), files(site.root)

    out = ok(run(site.url, "backup"))

    written = backup.archives(tmp_path / "var" / "backups")
    assert len(written) == 1
    assert f"backup written: {written[0]}" in out
    assert "addons: base 1.0.0" in out and "3 attachment file(s)" in out
    assert "database" in out and "writing the archive" in out  # the progress stages

    wipe(site.url)
    shutil.rmtree(site.root)
    out = ok(run(site.url, "restore", str(written[0]), "--yes"))

    assert "restored:" in out and "checked against the manifest" in out
    after = table_rows(site.url)
    assert {t: r for t, r in after.items() if t != "zg_meta"} == {t: r for t, r in before.items() if t != "zg_meta"}
    assert files(site.root) == before_files


def test_backup_output_option_and_restore_asks_first(site, tmp_path):
    ok(run(site.url, "backup", "--output", str(tmp_path / "elsewhere" / "mine.tar.gz")))
    archive = tmp_path / "elsewhere" / "mine.tar.gz"
    assert archive.exists()
    wipe(site.url)

    out = refused(run(site.url, "restore", str(archive), input="n\n"))

    assert "Restore? [y/N]" in out and "Aborted" in out
    assert table_rows(site.url) == {}
    out = ok(run(site.url, "restore", str(archive), input="y\n"))
    assert "restored:" in out


def test_restore_refusals_are_one_clean_line(site, tmp_path):
    ok(run(site.url, "backup"))
    archive = backup.archives(tmp_path / "var" / "backups")[0]

    out = refused(run(site.url, "restore", str(archive), "--yes"))
    assert "Error: the database" in out and "is not empty: it has" in out

    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"junk")
    out = refused(run(site.url, "restore", str(junk), "--yes"))
    assert out.strip().startswith("Error:") and "cannot be read as a backup archive" in out
    assert out.strip().count("\n") == 0
