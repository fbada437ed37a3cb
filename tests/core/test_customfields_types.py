"""Kinds of custom fields outside the web: the ``custom_field_types`` hook fills the registry
wherever an addon registry is built, and ``zhanggui import`` treats an image field as the pages do.
"""
from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from addons.base.attachments import services as attachments
from addons.base.partners import services as partners
from addons.base.partners.models import Partner
from core.cli import cli
from core.customfields import services, types
from core.customfields.models import CustomField
from core.db import Database
from core.lifecycle import Lifecycle
from core.registry import Registries
from core.testing import create_admin
from tests.conftest import fixture_catalog

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND"
       b"\xaeB`\x82")


def _forget_addon_kinds(monkeypatch) -> None:
    """A process that has built no configuration and no registry yet: only the kernel's kinds."""
    for name in [n for n, t in types.TYPES.items() if t.addon != "core"]:
        monkeypatch.delitem(types.TYPES, name)


def test_hook_custom_field_types(db_url, monkeypatch):
    db = Database(db_url)
    try:
        catalog = fixture_catalog("notes")
        Lifecycle(db, catalog).install(["base"])
        _forget_addon_kinds(monkeypatch)
        assert "image" not in types.TYPES
        Registries(catalog).build(db)  # what a job, a request or a command does first
        assert {types.TYPES["file"].addon, types.TYPES["image"].addon} == {"base"}
        assert types.TYPES["image"].needs_record
    finally:
        db.dispose()


def test_cli_import_fills_an_image_field_as_the_pages_do(db_url, tmp_path, monkeypatch):
    db = Database(db_url)
    try:
        Lifecycle(db, fixture_catalog("notes")).install(["base"])
        create_admin(db_url, "boss", "boss-password")
        settings = {"zhanggui.attachments_dir": str(tmp_path / "files")}
        with db.session() as session:
            services.save_field(session, CustomField(model="base.partner", code="photo", kind="image",
                                                     title_zh="门头照片", title_en="Shop photo"))
            ours = partners.create_partner(session, {"name": "杭州西湖贸易有限公司", "is_customer": True})
            other = partners.create_partner(session, {"name": "北京华联商厦", "is_customer": True})
            session.flush()
            photo = attachments.store(session, "base.partner", ours.id, "门头.png", PNG, None, settings).id
            elsewhere = attachments.store(session, "base.partner", other.id, "别家.png", PNG, None, settings).id
            session.commit()
        _forget_addon_kinds(monkeypatch)
        runner = CliRunner()
        args = ["--db", db_url, "import", "base.partner", "", "--lang", "en", "--rule", "name", "--mode", "update",
                "--map", "名称=name", "--map", "门头照片=x_photo"]
        bad = tmp_path / "bad.csv"
        bad.write_text(f"名称,门头照片\n杭州西湖贸易有限公司,{elsewhere}\n", encoding="utf-8")
        args[4] = str(bad)
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert "row 2: 门头照片: Not an image attached to this record." in result.output
        good = tmp_path / "good.csv"
        good.write_text("名称,门头照片\n杭州西湖贸易有限公司,门头.png\n", encoding="utf-8")  # its file name
        args[4] = str(good)
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "1 updated" in result.output
        with db.session() as session:
            partner = session.scalar(sa.select(Partner).where(Partner.name == "杭州西湖贸易有限公司"))
            assert services.value(session, "base.partner", partner, "x_photo") == photo
    finally:
        db.dispose()
