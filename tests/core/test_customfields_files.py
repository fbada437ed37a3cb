"""File and image custom fields (registered by base's attachments): the value is an attachment of the record."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import webtest

from core.customfields import services
from core.customfields.models import CustomField
from core.db import Database
from core.lifecycle import Lifecycle
from core.security import services as security
from core.testing import WebClient, create_admin
from core.web import make_app
from tests.conftest import fixture_catalog
from tests.fixtures.addons.notes.models import Note

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND"
       b"\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def site(db_url, tmp_path):
    db = Database(db_url)
    Lifecycle(db, fixture_catalog("notes")).install(["notes"])
    create_admin(db_url, "boss", "boss-password")
    settings = {"zhanggui.db_url": db_url, "zhanggui.session_secret": "test",
                "zhanggui.attachments_dir": str(tmp_path / "files")}
    app = make_app(settings, catalog=fixture_catalog("notes"))  # registers the file and image kinds
    with db.session() as session:
        boss = session.scalar(sa.select(security.User).where(security.User.login == "boss"))
        notes = [Note(title=t, body="", kind="memo", owner_id=boss.id) for t in ("mine", "other")]
        session.add_all(notes)
        for code, kind in (("contract", "file"), ("photo", "image")):
            services.save_field(session, CustomField(model="notes.note", code=code, kind=kind,
                                                     title_zh=code, title_en=code.title()))
        _row, token = security.create_token(session, boss, "tests")
        session.commit()
        ids = [n.id for n in notes]
    yield SimpleNamespace(db=db, app=app, ids=ids, token=token)
    db.dispose()


def test_file_and_image_fields_take_attachments_of_the_record(site):
    api = webtest.TestApp(site.app, extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
    h = {"Authorization": f"Bearer {site.token}"}
    mine, other = site.ids

    def upload(record_id, name, data):
        return api.post("/base/attachments/upload", {"model": "notes.note", "record_id": record_id, "format": "json"},
                        upload_files=[("file", name, data)], headers=h, status=201).json["items"][0]["id"]

    pdf, png, elsewhere = upload(mine, "合同.pdf", PDF), upload(mine, "照片.png", PNG), upload(other, "x.pdf", PDF)
    url = f"/api/v1/notes.note/{mine}"
    errors = api.patch_json(url, {"x_contract": elsewhere, "x_photo": pdf}, headers=h, status=400).json["errors"]
    assert set(errors) == {"x_contract", "x_photo"}  # another record's file; not an image
    note = api.patch_json(url, {"x_contract": pdf, "x_photo": png}, headers=h).json
    assert note["x_contract"] == pdf and note["x_photo"] == png
    # a new record has no attachment yet: no file field on the new form
    client = WebClient(site.app)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.sign_in("boss", "boss-password")
    new = client.get("/m/notes.note/new")
    assert "x_contract" not in new.forms["zg-record-form"].fields
    edit = client.get(f"/m/notes.note/{mine}/edit")
    options = [text for _v, _s, text in edit.forms["zg-record-form"]["x_photo"].options]
    assert "照片.png" in options and "合同.pdf" not in options  # images only
    detail = client.get(f"/m/notes.note/{mine}")
    link = detail.html.find("a", string="合同.pdf")
    assert link is not None and link["href"].endswith(f"/base/attachments/{pdf}?download=1")
    img = detail.html.find("img", alt="照片.png")
    assert img is not None and img["src"].endswith(f"/base/attachments/{png}")
