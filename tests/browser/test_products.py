"""Master data in a real browser: a product entered with a mistake and corrected, found again by its
initials, and a day's exchange rate entered (demo data of a 杭州 trading company, Chinese UI)."""
from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from decimal import Decimal

import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base import sequences
from addons.base.products import currencies
from addons.base.products.models import Product

from .support import column_texts, db_session, shot, sign_in


def picture_png(width: int = 240, height: int = 160) -> bytes:
    """A small PNG (a grey motor on a blue ground), written with the standard library."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            inside = 40 <= x < 200 and 40 <= y < 120
            row += bytes((150, 150, 160) if inside else (40, 90, 170))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))


def choose(page, field: str, typed: str, label: str) -> None:
    """Pick a record in a reference field: type into its search box, then choose the match."""
    select = page.locator(f"select[name={field}]")
    search = page.locator(f"#item-{select.get_attribute('id')} .zg-ref-search")
    search.fill(typed)
    expect(select.locator("option", has_text=label)).to_have_count(1)
    select.select_option(label=select.locator("option", has_text=label).inner_text())


def test_a_product_corrected_found_by_initials_and_a_rate_entered(server, db_url, page):
    sign_in(page, server)
    page.click(f"#zg-nav a[href='{server}/m/base.product']")
    expect(page.locator(".zg-count")).to_contain_text("100")  # the demo catalogue
    shot(page, "products-01-list")

    page.click(f"a[href='{server}/m/base.product/new']")
    page.fill("input[name=name]", "电动葫芦")
    page.fill("input[name=specification]", "CD1 2t-9m")
    choose(page, "unit_id", "台", "台")
    choose(page, "category_id", "dianji", "电气设备 / 电机")  # categories are found by pinyin too
    page.fill("input[name=barcode]", "6901234567893")  # last digit mistyped
    page.fill("input[name=sale_price]", "3680")
    page.click("#zg-record-form button[name=save]")
    expect(page.locator("#zg-record-form .alert-danger")).to_be_visible()
    expect(page.locator("#zg-record-form .invalid-feedback")).to_have_count(1)
    expect(page.locator("#zg-record-form .invalid-feedback")).to_contain_text("2")  # the right check digit
    expect(page.locator("input[name=name]")).to_have_value("电动葫芦")  # what was typed is kept
    shot(page, "products-02-barcode-error")

    page.fill("input[name=barcode]", "6901234567892")
    page.click("#zg-record-form button[name=save]")
    expect(page.locator(".zg-detail h1")).to_contain_text("电动葫芦 CD1 2t-9m")
    expect(page.locator(".zg-fields")).to_contain_text("3,680.00")
    shot(page, "products-03-created")

    # Its picture is an attachment: uploaded on the Attachments tab, shown on the Picture tab.
    page.click("a[href='#tab-attachments']")
    page.set_input_files(".zg-upload-form input[type=file]", files=[
        {"name": "电动葫芦.png", "mimeType": "image/png", "buffer": picture_png()}])
    page.click(".zg-upload-form button[type=submit]")
    page.click("a[href='#tab-product-image']")
    picture = page.locator(".zg-product-image img")
    expect(picture).to_be_visible()
    assert page.evaluate("document.querySelector('.zg-product-image img').naturalWidth") == 240
    shot(page, "products-03-picture")
    with db_session(db_url) as session:
        made = session.scalars(sa.select(Product).where(Product.name == "电动葫芦")).one()
        assert (made.barcode, made.sale_price, made.unit.name, made.category.full_name, made.active) == (
            "6901234567892", Decimal("3680.00"), "台", "电气设备 / 电机", True)
        assert re.fullmatch(r"P\d{5}", made.code)  # numbered: the code was left empty

    page.goto(f"{server}/m/base.product")
    page.fill(".zg-filters input[name=q]", "ddhl")
    page.press(".zg-filters input[name=q]", "Enter")
    expect(page.locator(".zg-table tbody tr")).to_have_count(1)
    assert column_texts(page, "name") == ["电动葫芦"]
    shot(page, "products-04-found-by-initials")

    tomorrow = sequences.today() + dt.timedelta(days=1)  # the company's day: the demo has rates to today
    page.click(f"#zg-nav a[href='{server}/m/base.currency_rate']")
    page.click(f"a[href='{server}/m/base.currency_rate/new']")
    choose(page, "currency_id", "USD", "USD")
    page.fill("input[name=date]", tomorrow.isoformat())
    page.fill("input[name=rate]", "7.0866")
    page.click("#zg-record-form button[name=save]")
    expect(page.locator(".zg-detail h1")).to_contain_text("USD")
    page.click(f"#zg-nav a[href='{server}/m/base.currency']")
    usd = page.locator(".zg-table tbody tr", has_text="USD")
    expect(usd).to_contain_text("美元")
    expect(usd).to_contain_text("7.0866")
    shot(page, "products-05-currencies")
    with db_session(db_url) as session:
        assert currencies.rate_on(session, "USD", tomorrow) == Decimal("7.0866")
        assert currencies.to_base(session, 100, "USD", tomorrow) == Decimal("708.66")
