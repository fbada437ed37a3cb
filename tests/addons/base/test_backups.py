"""Administration → Backups: the daily job and its retention, the page, download, the JSON API."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import webtest

from core import backup
from core.db import Database
from core.jobs.runner import manual_slot, run_slot
from core.models import JobRun
from core.security import services as security
from core.security.models import User
from core.testing import WebClient
from core.web import make_app, make_config
from tests.core.backup_support import demo_site


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One demo site for the whole module on SQLite (the job and pages do not change its rows)."""
    folder = tmp_path_factory.mktemp("backups-site")
    return demo_site(f"sqlite:///{folder / 'shop.sqlite'}", folder / "attachments")


@pytest.fixture
def site(shared, tmp_path):
    settings = {"zhanggui.db_url": shared.url, "zhanggui.session_secret": "test",
                "zhanggui.attachments_dir": str(shared.root), "zhanggui.backup_dir": str(tmp_path / "backups"),
                "zhanggui.backup_keep": "2", "zhanggui.backup_hour": "3"}
    db = Database(shared.url)
    with db.session() as session:
        clerk = session.scalar(sa.select(User).where(User.login == "clerk-backups"))
        if clerk is None:
            clerk, _password = security.create_user(session, "clerk-backups", "Clerk", password="clerk-password")
        admin = session.scalar(sa.select(User).where(User.login == "admin"))
        _row, admin_token = security.create_token(session, admin, f"backups {tmp_path.name}")
        _row, clerk_token = security.create_token(session, clerk, f"backups {tmp_path.name}")
        session.commit()
    db.dispose()
    app = make_app(settings, catalog=shared.catalog)
    return SimpleNamespace(url=shared.url, settings=settings, catalog=shared.catalog, app=app,
                           folder=tmp_path / "backups", admin_token=admin_token, clerk_token=clerk_token)


def browser(site, login="admin", password="admin123") -> WebClient:
    client = WebClient(site.app)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.sign_in(login, password)


def api(site) -> webtest.TestApp:
    return webtest.TestApp(site.app, extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})


def test_the_daily_job_backs_up_and_keeps_the_newest_archives(site):
    config = make_config(site.settings, site.catalog)
    config.commit()
    spec = config.registry.zg_jobs["base.backup_database"]
    # Daily at zhanggui.backup_hour in the company's time zone.
    fire = spec.next_fire_time(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)).astimezone(ZoneInfo("Asia/Shanghai"))
    assert (fire.hour, fire.minute) == (3, 0)
    db = Database(site.url)
    try:
        for _ in range(3):
            assert run_slot(db, config.registry.zg_registries, spec, site.settings,
                            manual_slot(spec, dt.datetime.now(dt.UTC)), kind="manual") == "ok"
        with db.session() as session:
            runs = session.scalars(sa.select(JobRun.status).where(JobRun.job == "base.backup_database")).all()
    finally:
        db.dispose()
    assert runs.count("ok") >= 3
    kept = backup.archives(site.folder)
    assert len(kept) == 2  # zhanggui.backup_keep
    manifest = backup.read_manifest(kept[0])
    assert manifest["addons"] == {"base": "1.0.0"} and len(manifest["attachments"]) == 3


def test_the_page_backs_up_now_lists_the_archive_and_downloads_it(site):
    client = browser(site)
    page = client.get("/admin/backups")
    assert page.html.select_one("h1").get_text(strip=True) == "Backups"
    assert "No backup yet." in page.text
    assert "An archive holds everything" in page.text
    command = page.html.select_one(".zg-restore-command").get_text()
    assert command.startswith("zhanggui --config production.ini restore ")
    assert any(a.get_text(strip=True) == "Backups" for a in page.html.select("nav a"))

    done = page.forms[next(k for k, f in page.forms.items() if f.action.endswith("/admin/backups/new"))].submit()

    assert done.status_int == 303
    page = done.follow()
    archive = backup.archives(site.folder)[0]
    assert f"Backup written: {archive.name}" in page.text
    row = page.html.select_one(f'tr[data-archive="{archive.name}"]')
    assert "3 attachment files" in row.get_text() and "base 1.0.0" in row.get_text()
    assert page.html.select_one(".zg-restore-command").get_text() == \
        f"zhanggui --config production.ini restore {archive}"
    download = client.get(row.select_one("a.zg-download")["href"])
    assert download.body == archive.read_bytes()
    assert download.headers["Content-Disposition"] == f"attachment; filename*=UTF-8''{archive.name}"
    assert download.content_type == "application/gzip"


def test_only_this_databases_archives_are_served(site):
    site.folder.mkdir(parents=True)
    (site.folder / "other-20261101-020000.tar.gz").write_bytes(b"someone else's")
    (site.folder / "shop-before-drop.tar.gz").write_bytes(b"kept by hand")
    client = browser(site)
    page = client.get("/admin/backups")
    assert "other-20261101" not in page.text and "No backup yet." in page.text
    for name in ("other-20261101-020000.tar.gz", "shop-before-drop.tar.gz", "shop-20261101-020000.tar.gz"):
        client.get(f"/admin/backups/{name}", status=404)
    client.get("/admin/backups/..%2Fshop.sqlite", status=404)


def test_the_page_and_downloads_are_for_administrators_only(site):
    services_archive = backup.backup(site.url, site.settings["zhanggui.attachments_dir"], site.folder)
    clerk = browser(site, "clerk-backups", "clerk-password")
    clerk.get("/admin/backups", status=403)
    clerk.get(f"/admin/backups/{services_archive.name}", status=403)
    clerk.post("/admin/backups/new", status=403)
    assert not any(a.get_text(strip=True) == "Backups" for a in clerk.get("/").html.select("nav a"))
    anonymous = webtest.TestApp(site.app)
    assert anonymous.get(f"/admin/backups/{services_archive.name}", status=302).location.startswith(
        "http://localhost/login")
    assert len(backup.archives(site.folder)) == 1


def test_the_json_api_lists_and_makes_backups_for_administrators(site):
    client = api(site)
    headers = {"Authorization": f"Bearer {site.admin_token}"}
    assert client.get("/api/v1/backups", headers=headers).json == {"items": []}

    made = client.post_json("/api/v1/backups", {}, headers=headers, status=201).json

    archive = backup.archives(site.folder)[0]
    assert made["name"] == archive.name and made["size"] == archive.stat().st_size
    assert made["addons"] == {"base": "1.0.0"} and made["attachments"] == 3 and made["tables"] > 50
    assert made["url"] == f"http://localhost/admin/backups/{archive.name}"
    listed = client.get("/api/v1/backups", headers=headers).json["items"]
    assert [i["name"] for i in listed] == [archive.name]
    assert client.get(made["url"], headers=headers).body == archive.read_bytes()

    clerk = {"Authorization": f"Bearer {site.clerk_token}"}
    assert client.get("/api/v1/backups", headers=clerk, status=403).json == {"error": "You are not allowed to do this."}
    client.post_json("/api/v1/backups", {}, headers=clerk, status=403)
    assert client.get("/api/v1/backups", status=401).json == {"error": "Sign in or send an API token."}
    # A signed-in page calling the API must send the CSRF token.
    cookie = browser(site)
    cookie.app.post_json("/api/v1/backups", {}, status=403)
    assert len(backup.archives(site.folder)) == 1
    cookie.app.post_json("/api/v1/backups", {}, headers={"X-CSRF-Token": cookie.csrf()}, status=201)
    assert len(backup.archives(site.folder)) == 2


def test_a_failed_backup_is_reported_on_the_page(site, monkeypatch):
    from addons.base.backups import services

    def broken(*args, **kwargs):
        raise backup.BackupError("pg_dump not found on PATH")

    monkeypatch.setattr(services.archive, "backup", broken)
    page = browser(site).post("/admin/backups/new").follow()
    assert "The backup failed: pg_dump not found on PATH" in page.html.select_one(".zg-flash-error").get_text()
    assert api(site).post_json("/api/v1/backups", {}, headers={"Authorization": f"Bearer {site.admin_token}"},
                               status=500).json == {"error": "The backup failed: pg_dump not found on PATH"}


def test_the_job_on_each_engine_captures_the_committed_data(db_url, tmp_path):
    """The copy is read from another connection; the run's claim was committed before it (commit_claim)."""
    made = demo_site(db_url, tmp_path / "attachments")
    settings = {"zhanggui.db_url": db_url, "zhanggui.attachments_dir": str(made.root),
                "zhanggui.backup_dir": str(tmp_path / "backups")}
    config = make_config(settings, made.catalog)
    config.commit()
    spec = config.registry.zg_jobs["base.backup_database"]
    db = Database(db_url)
    try:
        assert run_slot(db, config.registry.zg_registries, spec, settings,
                        manual_slot(spec, dt.datetime.now(dt.UTC)), kind="manual") == "ok"
        with db.engine.connect() as conn:
            runs = conn.execute(sa.select(sa.func.count()).select_from(JobRun)).scalar_one()
    finally:
        db.dispose()
    [archive] = backup.archives(tmp_path / "backups")
    manifest = backup.read_manifest(archive)
    # Its own run row was committed (as "running") before the copy began: the claim holds no lock.
    assert manifest["tables"]["zg_job_run"] == runs
    assert len(manifest["attachments"]) == 3
