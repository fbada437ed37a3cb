"""``core.backup``: back up, lose everything, restore, and find every row and every file again.

Each test runs on SQLite and, with ZHANGGUI_TEST_PG, on PostgreSQL (pg_dump / pg_restore).
"""
from __future__ import annotations

import io
import json
import shutil
import tarfile
import uuid

import pytest
import sqlalchemy as sa

from core import backup
from core.backup import BackupError
from core.db import Database
from core.testing import WebClient, fresh_database_url, pg_admin_url
from core.web import make_app
from tests.core.backup_support import PNG, demo_site, files, sha256, table_rows, wipe


@pytest.fixture
def site(db_url, tmp_path):
    return demo_site(db_url, tmp_path / "attachments")


def restored_serial(rows) -> int:
    return dict((k, v) for k, v in rows["zg_meta"])["registry_serial"]


def test_backup_wipe_restore_gives_back_every_row_and_every_file(site, tmp_path):
    before, before_files = table_rows(site.url), files(site.root)
    assert len(before_files) == 3  # four attachments, three contents (stored once each)
    assert len(before["base_partner"]) > 10 and len(before["base_attachment"]) == 4
    progress = []

    archive = backup.backup(site.url, site.root, tmp_path / "backups",
                            progress=lambda *step: progress.append(step))

    assert archive.parent == tmp_path / "backups" and archive.name.endswith(".tar.gz")
    assert {s for s, _d, _t in progress} == {"database", "attachments", "archive"}
    manifest = backup.read_manifest(archive)
    assert manifest["format_version"] == 1 and manifest["addons"] == {"base": "1.0.0"}
    assert manifest["engine"] == sa.make_url(site.url).get_backend_name()
    assert manifest["tables"] == {t: len(r) for t, r in before.items()}
    assert sorted(manifest["attachments"].values()) == sorted(sha256(b) for b in before_files.values())

    wipe(site.url)
    shutil.rmtree(site.root)
    assert table_rows(site.url) == {}

    backup.restore(archive, site.url, site.root, progress=lambda *step: progress.append(step))

    after = table_rows(site.url)
    # The registry serial moved on (running processes rebuild); every other row is the same.
    assert restored_serial(after) == restored_serial(before) + 1
    assert {t: r for t, r in after.items() if t != "zg_meta"} == {t: r for t, r in before.items() if t != "zg_meta"}
    assert files(site.root) == before_files
    assert {"read", "database", "verify"} <= {s for s, _d, _t in progress}


def test_the_restored_site_works_sign_in_and_new_records_continue_the_ids(site, tmp_path):
    from addons.base.partners.models import Partner

    archive = backup.backup(site.url, site.root, tmp_path / "backups")
    last_id = max(r[0] for r in table_rows(site.url)["base_partner"])
    wipe(site.url)
    shutil.rmtree(site.root)
    backup.restore(archive, site.url, site.root)

    db = Database(site.url)
    try:
        with db.session() as session:
            partner = Partner(code="BP-RESTORED", name="恢复后新客户", is_customer=True)
            session.add(partner)
            session.commit()
            assert partner.id == last_id + 1
    finally:
        db.dispose()
    # The demo administrator signs in, and an attachment restored from the archive downloads.
    app = make_app({"zhanggui.db_url": site.url, "zhanggui.session_secret": "t", **site.settings},
                   catalog=site.catalog)
    client = WebClient(app).sign_in("admin", "admin123")
    listed = client.get("/base/attachments", {"model": "base.partner", "record_id": table_rows(site.url)[
        "base_attachment"][0][2]}, headers={"Accept": "application/json"}).json
    png = next(a for a in listed["items"] if a["filename"] == "logo.png")
    assert client.get(png["url"]).body == PNG


def test_restore_into_a_database_that_is_not_empty_is_refused_and_names_what_is_there(site, tmp_path):
    archive = backup.backup(site.url, site.root, tmp_path / "backups")
    before = table_rows(site.url)

    with pytest.raises(BackupError, match=r"is not empty: it has \d+ table\(s\) \(base_"):
        backup.restore(archive, site.url, tmp_path / "elsewhere")

    assert table_rows(site.url) == before
    assert not (tmp_path / "elsewhere").exists()


def _rewrite(archive, target, change):
    """A copy of ``archive`` with ``change(name, data) -> (name, data) | None`` applied to each member."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            changed = change(member.name, data)
            if changed is None:
                continue
            name, data = changed
            info = tarfile.TarInfo(name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return target


def _fresh_target(engine_name, tmp_path):
    """A URL for the restore: a SQLite file that does not exist, or a new empty PostgreSQL database."""
    return fresh_database_url(engine_name, tmp_path)


@pytest.mark.parametrize("damage", ["attachment", "database", "truncated"])
def test_a_damaged_archive_is_refused_with_nothing_written(site, tmp_path, engine_name, damage):
    archive = backup.backup(site.url, site.root, tmp_path / "backups")
    if damage == "truncated":
        bad = tmp_path / "bad.tar.gz"
        bad.write_bytes(archive.read_bytes()[: archive.stat().st_size * 2 // 3])
    else:
        def flip(name, data):
            hit = name.startswith("attachments/") if damage == "attachment" else name.startswith("database.")
            return (name, data[:-1] + bytes([data[-1] ^ 1])) if hit else (name, data)
        bad = _rewrite(archive, tmp_path / "bad.tar.gz", flip)
    root = tmp_path / "restored-files"

    with _fresh_target(engine_name, tmp_path) as target:
        with pytest.raises(BackupError, match="damaged.*nothing restored"):
            backup.restore(bad, target, root)
        assert table_rows(target) == {}
    assert not root.exists() or files(root) == {}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".zhanggui-restore-")]


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil.txt", "attachments/../../evil.txt"])
def test_an_archive_with_paths_outside_the_folder_is_refused(site, tmp_path, engine_name, name):
    archive = backup.backup(site.url, site.root, tmp_path / "backups")
    with tarfile.open(archive, "r:gz") as src, tarfile.open(tmp_path / "evil.tar.gz", "w:gz") as dst:
        for member in src.getmembers():
            dst.addfile(member, src.extractfile(member))
        info = tarfile.TarInfo(name)
        info.size = 4
        dst.addfile(info, io.BytesIO(b"evil"))

    with _fresh_target(engine_name, tmp_path) as target:
        with pytest.raises(BackupError, match="unsafe member|unexpected member"):
            backup.restore(tmp_path / "evil.tar.gz", target, tmp_path / "files")
        assert table_rows(target) == {}
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path.parent / "evil.txt").exists()


def test_a_manifest_of_another_format_version_is_refused(site, tmp_path):
    archive = backup.backup(site.url, site.root, tmp_path / "backups")

    def bump(name, data):
        if name != "manifest.json":
            return name, data
        manifest = json.loads(data)
        manifest["format_version"] = 2
        return name, json.dumps(manifest).encode()

    bad = _rewrite(archive, tmp_path / "v2.tar.gz", bump)
    with pytest.raises(BackupError, match="format version 2; this Zhanggui reads version 1"):
        backup.restore(bad, f"sqlite:///{tmp_path / 'new.sqlite'}", tmp_path / "files")
    assert not (tmp_path / "new.sqlite").exists()


def test_an_archive_of_the_other_engine_is_refused(tmp_path):
    manifest = {"format_version": 1, "engine": "postgresql", "tables": {}, "attachments": {},
                "database": {"sha256": "0" * 64}}
    archive = tmp_path / "pg.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        body = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))

    with pytest.raises(BackupError, match="this archive is from PostgreSQL: restore it into a PostgreSQL database"):
        backup.restore(archive, f"sqlite:///{tmp_path / 'new.sqlite'}", tmp_path / "files")
    assert not (tmp_path / "new.sqlite").exists()


def test_not_an_archive_at_all(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"this is not gzip")
    with pytest.raises(BackupError, match="cannot be read as a backup archive"):
        backup.restore(junk, f"sqlite:///{tmp_path / 'new.sqlite'}", tmp_path / "files")


def test_an_attachments_folder_with_other_bytes_under_the_same_name_is_refused(site, tmp_path, engine_name):
    archive = backup.backup(site.url, site.root, tmp_path / "backups")
    name = next(iter(backup.read_manifest(archive)["attachments"]))
    other = tmp_path / "other"
    (other / name).parent.mkdir(parents=True)
    (other / name).write_bytes(b"not the same")

    with _fresh_target(engine_name, tmp_path) as target:
        with pytest.raises(BackupError, match="exists with other content"):
            backup.restore(archive, target, other)
        assert table_rows(target) == {}
    assert files(other) == {name: b"not the same"}


def test_retention_keeps_the_newest_archives_of_the_database_only(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    names = [f"shop-2026110{d}-020000.tar.gz" for d in range(1, 6)] + ["shop-20261105-020000-2.tar.gz"]
    others = ["other-20261101-020000.tar.gz", "shop-before-drop.tar.gz", "notes.txt"]
    for name in names + others:
        (folder / name).write_bytes(b"x")

    removed = backup.prune(folder, 3, "shop")

    assert sorted(p.name for p in removed) == names[:3]
    assert sorted(p.name for p in folder.iterdir()) == sorted(names[3:] + others)
    assert [p.name for p in backup.archives(folder, "shop")] == [
        "shop-20261105-020000-2.tar.gz", "shop-20261105-020000.tar.gz", "shop-20261104-020000.tar.gz"]
    with pytest.raises(BackupError):
        backup.prune(folder, 0)


def test_two_backups_in_the_same_second_get_two_names_and_a_file_target_is_never_overwritten(site, tmp_path):
    first = backup.backup(site.url, site.root, tmp_path / "b")
    second = backup.backup(site.url, site.root, tmp_path / "b")
    assert first != second and first.exists() and second.exists()
    named = backup.backup(site.url, site.root, tmp_path / "named.tar.gz")
    assert named == tmp_path / "named.tar.gz"
    with pytest.raises(BackupError, match="exists already"):
        backup.backup(site.url, site.root, tmp_path / "named.tar.gz")
    assert not [p for p in (tmp_path / "b").iterdir() if p.name.startswith(".")]


# -- PostgreSQL only ------------------------------------------------------------------------

@pytest.mark.postgresql_only
def test_postgresql_restore_creates_a_missing_database(site, tmp_path, engine_name):
    archive = backup.backup(site.url, site.root, tmp_path / "backups")
    name = f"zg_test_{uuid.uuid4().hex[:12]}"
    target = sa.make_url(site.url).set(database=name).render_as_string(hide_password=False)
    try:
        backup.restore(archive, target, tmp_path / "files")
        assert {t: r for t, r in table_rows(target).items() if t != "zg_meta"} == \
               {t: r for t, r in table_rows(site.url).items() if t != "zg_meta"}
    finally:
        admin = sa.create_engine(sa.make_url(pg_admin_url()).set(drivername="postgresql+psycopg"),
                                 isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.mark.postgresql_only
def test_pg_dump_missing_or_older_than_the_server_is_a_clear_error(site, tmp_path, monkeypatch, engine_name):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    with pytest.raises(BackupError, match="pg_dump not found on PATH: install the PostgreSQL client"):
        backup.backup(site.url, site.root, tmp_path / "backups")
    monkeypatch.undo()
    monkeypatch.setattr(backup, "_tool_major", lambda path: 9)
    with pytest.raises(BackupError, match=r"pg_dump 9 is older than the PostgreSQL \d+ server"):
        backup.backup(site.url, site.root, tmp_path / "backups")
    assert not [p for p in (tmp_path / "backups").iterdir() if p.suffix == ".gz"]


def test_a_running_process_sees_the_restored_database_and_rebuilds_its_registry(site, tmp_path):
    from core.registry import Registries

    archive = backup.backup(site.url, site.root, tmp_path / "backups")
    wipe(site.url)
    shutil.rmtree(site.root)
    # A process already serving the (now empty) database: its registry says "not set up".
    running = Database(site.url)
    try:
        registries = Registries(site.catalog)
        assert registries.get(running).serial == -1

        backup.restore(archive, site.url, site.root)

        registry = registries.get(running)
        assert registry.is_installed("base") and registry.serial > 0
        with running.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM zg_user").scalar_one() > 1
    finally:
        running.dispose()
