"""Administration → Backups in a real browser: the administrator backs up now, sees the
archive listed with what is in it, and downloads it. Screenshots: test-artifacts/screenshots/backups-*.png.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from addons.base.attachments import storage
from core import backup, tenants

from .support import shot, sign_in


def test_back_up_now_then_download(server, open_page, tmp_path, monkeypatch):
    # The server runs in this process: its folders are this test's.
    monkeypatch.setitem(tenants.FOLDERS, "attachments", ("zhanggui.attachments_dir", str(tmp_path / "attachments")))
    monkeypatch.setitem(tenants.FOLDERS, "backups", ("zhanggui.backup_dir", str(tmp_path / "backups")))
    storage.write(tmp_path / "attachments", "a" * 64, b"an attached file")

    page = open_page()
    sign_in(page, server)
    page.click(".zg-nav a[href$='/admin/backups'], nav a[href$='/admin/backups']")
    expect(page).to_have_url(re.compile(r"/admin/backups$"))
    expect(page.locator(".zg-backup-table .zg-empty")).to_be_visible()
    expect(page.locator(".zg-backup-warning")).to_be_visible()
    expect(page.locator(".zg-restore-command")).to_contain_text("zhanggui --config production.ini restore ")
    shot(page, "backups-1-empty")

    page.click(".zg-backup-now button[type=submit]")

    expect(page).to_have_url(re.compile(r"/admin/backups$"))
    archives = backup.archives(tmp_path / "backups")
    assert len(archives) == 1
    archive = archives[0]
    row = page.locator(f"tr[data-archive='{archive.name}']")
    expect(row).to_be_visible()
    expect(row).to_contain_text("base 1.0.0")
    expect(row).to_contain_text("notes 1.0.0")
    expect(page.locator(".zg-flash").first).to_contain_text(archive.name)
    expect(page.locator(".zg-restore-command")).to_have_text(f"zhanggui --config production.ini restore {archive}")
    shot(page, "backups-2-listed")

    with page.expect_download() as info:
        row.locator("a.zg-download").click()
    download = info.value
    assert download.suggested_filename == archive.name
    assert open(download.path(), "rb").read() == archive.read_bytes()
    assert backup.read_manifest(download.path())["attachments"] == {
        f"aa/aa/{'a' * 64}": backup._sha256_file(tmp_path / "attachments" / "aa" / "aa" / ("a" * 64))}
