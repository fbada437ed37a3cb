"""Attachments on any record: upload, limits, one file per content, download, the rule."""
from __future__ import annotations

import datetime as dt
import io
import os
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import sqlalchemy as sa
import webtest

from addons.base.attachments import services, storage
from addons.base.attachments.models import Attachment
from core.db import Database
from core.lifecycle import Lifecycle
from core.security import demo, services as security
from core.security.models import User
from core.testing import WebClient, create_admin
from core.jobs.runner import manual_slot, run_slot
from core.web import make_app, make_config
from tests.conftest import fixture_catalog
from tests.fixtures.addons.notes.models import Note

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND"
       b"\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture
def site(db_url, tmp_path):
    """boss (admin); clerk (own notes, attachments read/create/delete); reader (reads all notes, attachments read)."""
    db = Database(db_url)
    Lifecycle(db, fixture_catalog("notes")).install(["notes"])
    create_admin(db_url, "boss", "boss-password")
    with db.session() as session:
        users = {login: security.create_user(session, login, login.title(), password=f"{login}-password")[0]
                 for login in ("clerk", "reader")}
        demo.grant(session, "Clerk", "notes.note", "read,create,edit", scope="own")
        demo.grant(session, "Clerk", "base.attachment", "read,create,delete")
        demo.grant(session, "Reader", "notes.note", "read", scope="all")
        demo.grant(session, "Reader", "base.attachment", "read,create,delete")
        users["clerk"].roles.append(demo.role(session, "Clerk"))
        users["reader"].roles.append(demo.role(session, "Reader"))
        boss = session.scalar(sa.select(User).where(User.login == "boss"))
        notes = {"boss": Note(title="Boss's", body="", kind="memo", owner_id=boss.id),
                 "clerk": Note(title="Clerk's", body="", kind="memo", owner_id=users["clerk"].id)}
        session.add_all(notes.values())
        session.flush()
        _row, clerk_token = security.create_token(session, users["clerk"], "tests")
        ids = SimpleNamespace(boss=boss.id, **{k: u.id for k, u in users.items()})
        note_ids = SimpleNamespace(**{k: n.id for k, n in notes.items()})
        session.commit()
    root = tmp_path / "files"
    settings = {"zhanggui.db_url": db_url, "zhanggui.session_secret": "test",
                "zhanggui.attachments_dir": str(root), "zhanggui.attachment_max_bytes": "4096"}
    app = make_app(settings, catalog=fixture_catalog("notes"))
    yield SimpleNamespace(db=db, app=app, ids=ids, notes=note_ids, root=root, settings=settings,
                          clerk_token=clerk_token)
    db.dispose()


def browser(site, login: str) -> WebClient:
    client = WebClient(site.app)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.sign_in(login, f"{login}-password")


def api(site) -> webtest.TestApp:
    return webtest.TestApp(site.app, extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})


def files_on_disk(site) -> list[str]:
    return sorted(p.name for p in site.root.rglob("*") if p.is_file())


def rows(site) -> list[Attachment]:
    with site.db.session() as session:
        return list(session.scalars(sa.select(Attachment).order_by(Attachment.id)))


def upload_form(page):
    return next(f for f in page.forms.values() if f.action.endswith("/base/attachments/upload"))


def test_upload_on_a_record_shows_it_on_the_tab_and_stores_each_content_once(site):
    client = browser(site, "clerk")
    url = f"/m/notes.note/{site.notes.clerk}"
    page = client.get(url)
    assert page.html.select_one('a[href="#tab-attachments"] .zg-badge').get_text() == "0"
    form = upload_form(page)
    form["file"] = [("报价单 2026.pdf", PDF, "application/x-evil")]
    done = form.submit()
    assert done.status_int == 303 and done.location.endswith(url + "#tab-attachments")
    # The same bytes under another name, and a picture, in one post.
    page = client.post("/base/attachments/upload", {"model": "notes.note", "record_id": site.notes.clerk},
                       upload_files=[("file", "copy.pdf", PDF), ("file", "样品.png", PNG)]).follow()
    tab = page.html.select_one("#tab-attachments")
    assert page.html.select_one('a[href="#tab-attachments"] .zg-badge').get_text() == "3"
    assert "报价单 2026.pdf" in tab.get_text() and tab.select_one("img[alt='样品.png']")  # a thumbnail
    saved = rows(site)
    assert [(a.filename, a.content_type, a.size) for a in saved] == [
        ("报价单 2026.pdf", "application/pdf", len(PDF)), ("copy.pdf", "application/pdf", len(PDF)),
        ("样品.png", "image/png", len(PNG))]
    assert saved[0].sha256 == saved[1].sha256 and saved[0].uploaded_by == site.ids.clerk
    assert files_on_disk(site) == sorted({saved[0].sha256, saved[2].sha256})  # one file per content
    stored = storage.path_of(site.root, saved[0].sha256)
    assert stored.read_bytes() == PDF and stored.parent.name == saved[0].sha256[2:4]


def test_too_big_or_a_type_not_allowed_is_refused_and_writes_nothing(site):
    client = browser(site, "clerk")
    url = f"/m/notes.note/{site.notes.clerk}"
    form = upload_form(client.get(url))
    form["file"] = [("big.txt", b"x" * 5000)]
    page = form.submit().follow()
    assert "The file is larger than 4 KB." in page.text
    form = upload_form(client.get(url))
    form["file"] = [("photo.png", EXE, "image/png")]  # the browser's claim is not trusted
    page = form.submit().follow()
    assert "Files of this type (application/x-msdownload) cannot be attached." in page.text
    assert rows(site) == [] and files_on_disk(site) == []
    # The API: 400 with the message on the field, nothing written either.
    headers = {"Authorization": f"Bearer {site.clerk_token}"}
    app = api(site)
    for name, data, message in (("a.exe", EXE, "Files of this type"), ("big.txt", b"y" * 5000, "larger than"),
                                ("empty.txt", b"", "empty")):
        response = app.post("/base/attachments/upload", {"model": "notes.note", "record_id": site.notes.clerk},
                            upload_files=[("file", name, data)], headers=headers, status=400)
        assert message in response.json["errors"]["file"]
    # Two files where the second is refused: neither is kept (the first's file waits for the purge).
    response = app.post("/base/attachments/upload", {"model": "notes.note", "record_id": site.notes.clerk},
                        upload_files=[("file", "ok.pdf", PDF), ("file", "bad.exe", EXE)], headers=headers,
                        status=400)
    assert rows(site) == []
    ok = app.post("/base/attachments/upload", {"model": "notes.note", "record_id": site.notes.clerk},
                  upload_files=[("file", "notes.txt", "纯文本，GB18030 也行".encode("gb18030"))],
                  headers=headers, status=201)
    assert ok.json["items"][0]["content_type"] == "text/plain"


def test_download_headers_and_a_chinese_file_name(site):
    with site.db.session() as session:
        pdf = services.store(session, "notes.note", site.notes.clerk, "报价单.pdf", PDF, site.ids.clerk, site.settings)
        text = services.store(session, "notes.note", site.notes.clerk, "清单.csv", "品名,数量\n茶叶,3\n".encode(),
                              site.ids.clerk, site.settings)
        session.commit()
        pdf_id, text_id = pdf.id, text.id
    client = browser(site, "clerk")
    response = client.get(f"/base/attachments/{pdf_id}")
    assert response.body == PDF and response.content_type == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == \
        f"inline; filename=\"___.pdf\"; filename*=UTF-8''{quote('报价单.pdf')}"
    assert "attachment;" in client.get(f"/base/attachments/{pdf_id}?download=1").headers["Content-Disposition"]
    response = client.get(f"/base/attachments/{text_id}")
    assert response.content_type == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; ")
    assert "%E6%B8%85%E5%8D%95.csv" in response.headers["Content-Disposition"]


def test_the_rule_a_record_you_cannot_read_has_no_attachments_for_you(site):
    with site.db.session() as session:
        secret = services.store(session, "notes.note", site.notes.boss, "合同.pdf", PDF, site.ids.boss, site.settings)
        own = services.store(session, "notes.note", site.notes.clerk, "own.png", PNG, site.ids.clerk, site.settings)
        by_reader = services.store(session, "notes.note", site.notes.clerk, "reader.pdf", PDF, site.ids.reader,
                                   site.settings)
        session.commit()
        secret_id, own_id, by_reader_id = secret.id, own.id, by_reader.id
    clerk = browser(site, "clerk")
    # The boss's note is outside the clerk's scope: its file, its list and uploading to it are 404.
    clerk.get(f"/base/attachments/{secret_id}", status=404)
    clerk.get("/base/attachments", {"model": "notes.note", "record_id": site.notes.boss}, status=404)
    clerk.post("/base/attachments/upload", {"model": "notes.note", "record_id": site.notes.boss},
               upload_files=[("file", "x.pdf", PDF)], status=404)
    clerk.get(f"/base/attachments/{secret_id + 1000}", status=404)
    # The Attachments list of the API follows base.attachment's scope: "own" (the uploader's) here.
    listed = api(site).get("/api/v1/base.attachment", headers={"Authorization": f"Bearer {site.clerk_token}"}).json
    assert [i["filename"] for i in listed["items"]] == ["own.png"]
    assert [i["filename"] for i in clerk.get("/base/attachments", {"model": "notes.note",
                                                                    "record_id": site.notes.clerk}).json["items"]] \
        == ["reader.pdf", "own.png"]
    # Deleting: the reader reads the clerk's note but may not edit it: only their own upload.
    reader = browser(site, "reader")
    reader.get(f"/base/attachments/{own_id}")  # may see it
    reader.post(f"/base/attachments/{own_id}/delete", status=403)
    reader.post(f"/base/attachments/{by_reader_id}/delete").follow()
    # The clerk edits the note: may delete any of its attachments, not the boss's.
    clerk.post(f"/base/attachments/{own_id}/delete", status=303)
    clerk.post(f"/base/attachments/{secret_id}/delete", status=404)
    assert [a.filename for a in rows(site)] == ["合同.pdf"]


def test_purging_removes_only_files_no_row_references(site):
    with site.db.session() as session:
        kept = services.store(session, "notes.note", site.notes.clerk, "a.pdf", PDF, site.ids.clerk, site.settings)
        gone = services.store(session, "notes.note", site.notes.clerk, "b.png", PNG, site.ids.clerk, site.settings)
        session.rollback()  # an upload whose transaction rolled back leaves its files behind
        kept = services.store(session, "notes.note", site.notes.clerk, "a.pdf", PDF, site.ids.clerk, site.settings)
        session.commit()
        assert len(files_on_disk(site)) == 2
        assert services.purge_orphans(session, site.settings) == 0  # too fresh: may be an upload in flight
        old = time.time() - 7200
        for path in site.root.rglob("*"):
            if path.is_file():
                os.utime(path, (old, old))
        del gone
    # The daily job does it, in its own transaction (also: zhanggui jobs run base.purge_orphan_attachments).
    config = make_config(site.settings, catalog=fixture_catalog("notes"))
    config.commit()
    spec = config.registry.zg_jobs["base.purge_orphan_attachments"]
    assert run_slot(site.db, config.registry.zg_registries, spec, site.settings,
                    manual_slot(spec, dt.datetime.now(dt.UTC)), kind="manual") == "ok"
    assert files_on_disk(site) == [kept.sha256]


def test_file_type_detection_and_names():
    assert services.detect_type(PNG) == "image/png"
    assert services.detect_type(PDF) == "application/pdf"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hi")
    assert services.detect_type(buffer.getvalue(), "a.docx") == "application/zip"
    assert services.detect_type("a,b\n1,2\n".encode(), "x.csv") == "text/csv"
    assert services.detect_type(b"\x00\x01\x02binary", "x.txt") == "application/octet-stream"
    assert services.clean_filename("C:\\fakepath\\报价单.pdf") == "报价单.pdf"
    assert services.clean_filename("../../etc/passwd") == "passwd"
    assert services.clean_filename("a\x00b\n.txt") == "ab.txt"
    assert len(services.clean_filename("长" * 300 + ".xlsx")) == 255
    assert services.type_allowed("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                 services.DEFAULT_TYPES)
    assert not services.type_allowed("text/html", services.DEFAULT_TYPES)
    assert services.allowed_types({"zhanggui.attachment_types": "image/*, application/pdf"}) == \
        ("image/*", "application/pdf")
    assert Path(storage.root_of({})).parts[-2:] == ("var", "attachments")
    assert (services.human_size(20 * 1024 * 1024), services.human_size(4096), services.human_size(12)) == \
        ("20 MB", "4 KB", "12 B")


def _table_of(diff) -> str:
    """The table an Alembic autogenerate difference is about (not a table that merely points to it)."""
    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        return diff[1].name
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        return getattr(getattr(diff[1], "table", None), "name", "") or ""
    return str(diff[2]) if len(diff) > 2 else ""  # add_column / remove_column / modify_*: (kind, schema, table…)


def test_the_migrations_match_the_models(site):
    """Alembic finds no difference between base_0005/base_0006 and the activity and attachment models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.db import Base

    with site.db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    ours = [d for d in flat if _table_of(d).startswith(("base_activity", "base_attachment"))]
    assert ours == []


def test_the_attachments_list_is_read_only_through_the_api(site):
    with site.db.session() as session:
        services.store(session, "notes.note", site.notes.clerk, "a.pdf", PDF, site.ids.clerk, site.settings)
        session.commit()
    app = api(site)
    headers = {"Authorization": f"Bearer {site.clerk_token}"}
    # Not creatable: no POST here (the upload route makes attachments), whoever asks.
    refused = app.post_json("/api/v1/base.attachment", {"filename": "x.pdf"}, headers=headers, status=405)
    assert refused.headers["Allow"] == "GET, HEAD"
    admin = browser(site, "boss")
    listing = admin.get("/m/base.attachment")
    assert "a.pdf" in listing.text
    detail = admin.get(f"/m/base.attachment/{rows(site)[0].id}")
    assert detail.html.select_one("#tab-file a[href*='download=1']")
