"""Chinese and English: complete catalogs, intact placeholders, pages in the negotiated
language (the user's, else the browser's, else Chinese), dates and money per locale."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from webob import Request

from core import i18n_tools
from core.db import get_database
from core.i18n import DOMAIN, LOCALES
from core.lifecycle import Lifecycle
from core.security.models import User
from core.testing import WebClient, create_admin
from core.web import make_app
from core.web.i18n import Formatter, browser_locale, default_locale
from tests.conftest import fixture_catalog

TARGETS = i18n_tools.targets()
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


# ---- the catalogs ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(TARGETS))
def test_catalogs_are_complete_and_compiled(name):
    """Every extracted message has a Chinese translation (not fuzzy) and the .mo files are current."""
    locale_dir, sources = TARGETS[name]
    template = i18n_tools.extract(sources)
    assert len([m for m in template if m.id]) > 5  # extraction found the messages
    assert i18n_tools.problems(locale_dir, template) == []


def test_translations_keep_the_placeholders():
    """Every translation has exactly the ``${…}`` names of its msgid (the mapping fills them)."""
    checked = 0
    for locale_dir, _sources in TARGETS.values():
        for locale in LOCALES:
            with i18n_tools.po_path(locale_dir, locale).open("rb") as fh:
                catalog = read_po(fh, locale=locale, domain=DOMAIN)
            wrong = {m.id: m.string for m in catalog
                     if m.id and i18n_tools.placeholders(m.string) != i18n_tools.placeholders(m.id)}
            assert wrong == {}, f"{locale_dir} {locale}"
            checked += sum(1 for m in catalog if m.id and i18n_tools.placeholders(m.id))
    assert checked > 20  # the check has something to check


def test_catalogs_agree_on_shared_messages():
    """One domain, merged by Pyramid: a msgid has one translation across the kernel and the addons."""
    assert i18n_tools.conflicts({name: target[0] for name, target in TARGETS.items()}) == []


def _write(locale_dir: Path, locale: str, entries: dict[str, str], fuzzy: tuple[str, ...] = ()) -> None:
    catalog = Catalog(locale=locale, domain=DOMAIN)
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr, flags=("fuzzy",) if msgid in fuzzy else ())
    path = i18n_tools.po_path(locale_dir, locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog)


def test_problems_finds_what_is_missing_wrong_or_stale(tmp_path):
    template = Catalog(domain=DOMAIN)
    for msgid in ("Save", "Missing", "Empty", "Fuzzy", "Hello ${name}"):
        template.add(msgid)
    _write(tmp_path, "en", {m.id: m.id for m in template if m.id})
    _write(tmp_path, "zh_Hans", {"Save": "保存", "Empty": "", "Fuzzy": "模糊", "Hello ${name}": "你好 ${who}"},
           fuzzy=("Fuzzy",))
    found = "\n".join(i18n_tools.problems(tmp_path, template))
    assert "no entry for 'Missing'" in found
    assert "no translation for 'Empty'" in found
    assert "fuzzy translation for 'Fuzzy'" in found
    assert "the translation of 'Hello ${name}' has the placeholders ['who'], not ['name']" in found
    assert "not compiled" in found

    _write(tmp_path, "zh_Hans", {"Save": "保存", "Missing": "缺", "Empty": "空", "Fuzzy": "模糊",
                                 "Hello ${name}": "你好 ${name}"})
    i18n_tools.compile_catalogs(tmp_path)
    assert i18n_tools.problems(tmp_path, template) == []
    _write(tmp_path, "zh_Hans", {"Save": "存盘", "Missing": "缺", "Empty": "空", "Fuzzy": "模糊",
                                 "Hello ${name}": "你好 ${name}"})
    assert i18n_tools.problems(tmp_path, template) == [
        f"{i18n_tools.po_path(tmp_path, 'zh_Hans').with_suffix('.mo')}: out of date for 'Save' "
        "(run 'zhanggui i18n compile')"]


def test_conflicts_between_catalogs(tmp_path):
    for name, word in (("core", "保存"), ("shop", "存盘")):
        _write(tmp_path / name, "zh_Hans", {"Save": word, "Cancel": "取消"})
    assert i18n_tools.conflicts({"core": tmp_path / "core", "shop": tmp_path / "shop"}) == [
        "zh_Hans: 'Save' is '保存' in core but '存盘' in shop"]


def test_update_adds_new_messages_fills_english_and_keeps_translations(tmp_path):
    template = Catalog(domain=DOMAIN)
    template.add("Save")
    i18n_tools.update(tmp_path, template)
    _write(tmp_path, "zh_Hans", {"Save": "保存"})
    template.add("Cancel")
    i18n_tools.update(tmp_path, template)
    for locale in LOCALES:
        with i18n_tools.po_path(tmp_path, locale).open("rb") as fh:
            catalog = read_po(fh, locale=locale, domain=DOMAIN)
        strings = {m.id: m.string for m in catalog if m.id}
        assert not catalog.fuzzy
        if locale == "en":
            assert strings == {"Save": "Save", "Cancel": "Cancel"}
        else:
            assert strings == {"Save": "保存", "Cancel": ""}
    assert "no translation for 'Cancel'" in "\n".join(i18n_tools.problems(tmp_path, template))


def test_cli_keeps_the_catalogs_of_an_addon_kept_elsewhere(tmp_path):
    import shutil

    from click.testing import CliRunner

    from core.cli import cli

    addon = tmp_path / "notes"
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "addons" / "notes", addon)
    run = CliRunner().invoke
    result = run(cli, ["i18n", "update", "--addon-dir", str(addon)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("notes: ")
    zh = i18n_tools.po_path(addon / "locale", "zh_Hans")
    with zh.open("rb") as fh:
        ids = {m.id for m in read_po(fh) if m.id}
    assert {"Title", "Archive", "Owner", "Notes"} <= ids
    result = run(cli, ["i18n", "check", "--addon-dir", str(addon)])
    assert result.exit_code == 1 and f"{zh}: no translation for 'Title'" in result.output

    # Translated, but "Owner" differently from the kernel: the merged domain would show one of them.
    with zh.open("rb") as fh:
        catalog = read_po(fh, locale="zh_Hans", domain=DOMAIN)
    for message in catalog:
        if message.id:
            message.string = "所有者" if message.id == "Owner" else f"中文{message.id}"
    with zh.open("wb") as fh:
        write_po(fh, catalog)
    assert run(cli, ["i18n", "compile", "--addon-dir", str(addon)]).exit_code == 0
    result = run(cli, ["i18n", "check", "--addon-dir", str(addon)])
    assert result.exit_code == 1
    assert "zh_Hans: 'Owner' is '负责人' in core but '所有者' in notes" in result.output.splitlines()
    result = run(cli, ["i18n", "check", "--addon-dir", str(tmp_path)])
    assert result.exit_code == 1 and "not an addon's package folder" in result.output


# ---- choosing the language -------------------------------------------------------------------

@pytest.mark.parametrize(("header", "expected"), [
    ("en-US", "en"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"), ("fr-FR,fr;q=0.9,en;q=0.5", "en"),
    ("en;q=0.3,zh-TW;q=0.8", "zh_Hans"), ("zh-Hans-CN", "zh_Hans"), ("fr", None), ("en;q=0", None),
    ("", None), ("!!", None),
])
def test_browser_language(header, expected):
    request = Request.blank("/", headers={"Accept-Language": header} if header else {})
    assert browser_locale(request) == expected


def test_default_language_is_chinese_unless_configured():
    assert default_locale({}) == "zh_Hans"
    assert default_locale({"pyramid.default_locale_name": "en"}) == "zh_Hans"  # Pyramid's implicit default
    assert default_locale({"zhanggui.default_locale": "en"}) == "en"
    assert default_locale({"zhanggui.default_locale": "fr"}) == "zh_Hans"


# ---- pages -----------------------------------------------------------------------------------

@pytest.fixture
def site(db_url):
    catalog = fixture_catalog("notes")
    Lifecycle(get_database(db_url), catalog).install(["notes"])
    create_admin(db_url)
    app = make_app({"zhanggui.db_url": db_url, "zhanggui.session_secret": "test"}, catalog=catalog)
    return SimpleNamespace(url=db_url, app=app)


def _signed_in(site) -> WebClient:
    return WebClient(site.app).sign_in("admin", "admin-password")


def _set_locale(site, locale: str) -> None:
    with get_database(site.url).session() as session:
        session.query(User).filter_by(login="admin").one().locale = locale
        session.commit()


def _text(page, selector: str) -> str:
    return page.html.select_one(selector).get_text(" ", strip=True)


def test_sign_in_page_in_the_browsers_language(site):
    client = WebClient(site.app)
    chinese = client.get("/login", headers=ZH)
    assert chinese.html.html["lang"] == "zh-CN"
    assert _text(chinese, "h1") == "登录"
    assert "账号" in _text(chinese, "form") and "密码" in _text(chinese, "form")
    english = client.get("/login", headers=EN)
    assert english.html.html["lang"] == "en"
    assert _text(english, "h1") == "Sign in"
    assert "Login" in _text(english, "form") and "Password" in _text(english, "form")
    # No Accept-Language (or none we ship): Chinese, the company's language.
    assert _text(client.get("/login"), "h1") == "登录"
    assert _text(client.get("/login", headers={"Accept-Language": "fr"}), "h1") == "登录"


def test_dashboard_and_users_list_in_chinese_and_english(site):
    client = _signed_in(site)
    dashboard = client.get("/", headers=ZH)
    nav = _text(dashboard, "#zg-nav")
    for word in ("工作台", "系统管理", "用户", "部门", "角色与权限", "审计日志", "公司设置"):
        assert word in nav
    assert _text(dashboard, "#widget-company h2") == "公司"
    assert "退出" in _text(dashboard, ".zg-user-menu")

    users = client.get("/m/core.user", headers=ZH)
    assert _text(users, "h1") == "用户 共 1 条"
    headers = [th.get_text(strip=True) for th in users.html.select("table.zg-table thead th")][1:]
    assert headers[:3] == ["账号", "姓名", "主部门"]
    toolbar = _text(users, ".zg-toolbar")
    for word in ("新建", "导出 Excel", "打印预览", "显示列"):
        assert word in toolbar

    english = client.get("/", headers=EN)
    nav = _text(english, "#zg-nav")
    for word in ("Dashboard", "Administration", "Users", "Roles and permissions", "Audit log"):
        assert word in nav
    users = client.get("/m/core.user", headers=EN)
    assert _text(users, "h1") == "Users 1 records"
    headers = [th.get_text(strip=True) for th in users.html.select("table.zg-table thead th")][1:]
    assert headers[:3] == ["Login", "Full name", "Main department"]
    assert "Export to Excel" in _text(users, ".zg-toolbar")


def test_the_users_language_wins_over_the_browsers(site):
    client = _signed_in(site)
    _set_locale(site, "en")
    assert "Dashboard" in _text(client.get("/", headers=ZH), "#zg-nav")
    _set_locale(site, "zh_Hans")
    assert "工作台" in _text(client.get("/", headers=EN), "#zg-nav")
    _set_locale(site, "")  # "the browser's language"
    assert "Dashboard" in _text(client.get("/", headers=EN), "#zg-nav")
    assert "工作台" in _text(client.get("/", headers=ZH), "#zg-nav")


def test_locale_parameter_switches_the_page(site):
    client = _signed_in(site)
    _set_locale(site, "zh_Hans")
    page = client.get("/m/core.user", {"_LOCALE_": "en"}, headers=ZH)
    assert page.html.html["lang"] == "en"
    assert _text(page, "h1") == "Users 1 records"
    assert _text(client.get("/m/core.user", {"_LOCALE_": "zh_Hans"}, headers=EN), "h1") == "用户 共 1 条"


def test_messages_flashes_and_colanders_own_messages_are_translated(site):
    client = _signed_in(site)
    # colander ships zh_Hans: its "Required" comes from its own catalog.
    chinese = client.post("/m/core.role/new", {"name": "", "save": "save"}, headers=ZH)
    assert "必需" in _text(chinese, "#zg-record-form")
    english = client.post("/m/core.role/new", {"name": "", "save": "save"}, headers=EN)
    assert "Required" in _text(english, "#zg-record-form")
    # Ours, with the model's title put into the sentence, translated too.
    created = client.post("/m/core.role/new", {"name": "销售", "save": "save"}, headers=ZH).follow(headers=ZH)
    assert _text(created, ".zg-flash") == "角色已创建。"
    assert _text(client.get("/m/nothing", headers=ZH, status=404), "h1") == "未找到"


def test_dates_and_money_in_pages_follow_the_locale(site):
    from tests.fixtures.addons.notes.models import Note

    with get_database(site.url).session() as session:
        admin = session.query(User).filter_by(login="admin").one()
        session.add(Note(title="合同", owner_id=admin.id, due=dt.date(2025, 3, 10), amount=Decimal("1234.5")))
        session.commit()
    client = _signed_in(site)
    row = client.get("/m/notes.note", headers=ZH).html.select_one("table.zg-table tbody tr")
    assert row.select_one("td.zg-col-due").get_text(strip=True) == "2025年3月10日"
    assert row.select_one("td.zg-col-amount").get_text(strip=True) == "1,234.50"
    row = client.get("/m/notes.note", headers=EN).html.select_one("table.zg-table tbody tr")
    assert row.select_one("td.zg-col-due").get_text(strip=True) == "Mar 10, 2025"


# ---- request.fmt -----------------------------------------------------------------------------

def _fmt(locale: str, **settings) -> Formatter:
    return Formatter(SimpleNamespace(locale_name=locale, registry=SimpleNamespace(settings=settings)))


def test_formatter_dates_numbers_and_money_per_locale():
    zh, en = _fmt("zh_Hans"), _fmt("en")
    day = dt.date(2025, 3, 10)
    assert (zh.date(day), en.date(day)) == ("2025年3月10日", "Mar 10, 2025")
    assert (zh.money(Decimal("1234.5")), en.money(Decimal("1234.5"))) == ("¥1,234.50", "CN¥1,234.50")
    assert (zh.money(Decimal("-8"), "USD"), en.money(Decimal("-8"), "USD")) == ("-US$8.00", "-$8.00")
    assert zh.number(Decimal("1234567.891"), 2) == en.number(Decimal("1234567.891"), 2) == "1,234,567.89"
    assert zh.number(Decimal("3"), 0) == "3"
    assert (zh.date(None), zh.money(None), zh.number(None)) == ("", "", "")


def test_formatter_shows_stored_utc_times_in_the_company_time_zone():
    stored = dt.datetime(2025, 3, 10, 16, 30)  # naive UTC, as the database keeps it
    assert _fmt("zh_Hans").datetime(stored) == "2025年3月11日 00:30:00"  # Asia/Shanghai by default
    assert _fmt("en").datetime(stored).replace("\u202f", " ") == "Mar 11, 2025, 12:30:00 AM"
    assert _fmt("en", **{"zhanggui.timezone": "Europe/Berlin"}).datetime(stored).replace(
        "\u202f", " ") == "Mar 10, 2025, 5:30:00 PM"
