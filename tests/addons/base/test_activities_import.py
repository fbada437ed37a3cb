"""Importing activities: rows name their record as people do, the importer's scope applies (both engines).

A row names the partner (code or name), the contact (name or mobile; with the partner,
that partner's contact) or a record type + its number; the owner by login or name. A
record outside the importing user's scope is a row error naming the column, like a
record that does not exist. All or nothing; the rule "same partner, time and subject"
skips rows imported before.
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from addons.base.activities.models import Activity
from addons.base.activities.registration import ACTIVITY
from addons.base.partners import services as partners
from addons.base.partners.registration import CONTACT, PARTNER
from core.cli import cli
from core.imports import readers, services
from core.security.access import Access
from core.security.models import User
from tests.core.api_support import make_site

GRANTS = {"base.partner": ("read,create,edit", "own"), "base.contact": ("read,create,edit", "own"),
          "base.activity": ("read,create,edit,import", "own")}
HEADER = "客户,联系人,方式,时间,主题,内容,负责人,下一步\n"


@pytest.fixture
def world(db_url):
    """clerk owns 西湖贸易 (contacts 张三, 李四) and 浦东物流 (another 张三); boss owns 华联商厦."""
    site = make_site(db_url)
    boss_id, _token = site.user("boss", admin=True)
    clerk_id, _token = site.user("clerk", GRANTS)
    with site.db.session() as session:
        def partner(name, code, owner):
            record = partners.create_partner(session, {"name": name, "is_customer": True})
            record.owner_id, record.code = owner, code
            session.flush()
            return record

        def contact(of, name, mobile):
            record = partners.create_contact(session, {"partner_id": of.id, "name": name, "mobile": mobile})
            record.owner_id = clerk_id
            session.flush()
            return record

        xihu = partner("杭州西湖贸易有限公司", "C001", clerk_id)
        pudong = partner("上海浦东物流", "C002", clerk_id)
        hualian = partner("北京华联商厦", "C003", boss_id)
        zhang = contact(xihu, "张三", "138-0013-8000")
        contact(xihu, "李四", "13900139000")
        other_zhang = contact(pudong, "张三", "13700137000")
        session.commit()
        ids = SimpleNamespace(boss=boss_id, clerk=clerk_id, xihu=xihu.id, pudong=pudong.id, hualian=hualian.id,
                              zhang=zhang.id, other_zhang=other_zhang.id)
    yield SimpleNamespace(site=site, ids=ids, db_url=db_url)
    site.db.dispose()


MAPPING = {"客户": "partner_id", "联系人": "contact_id", "方式": "kind", "时间": "at", "主题": "subject",
           "内容": "content", "负责人": "owner_id", "下一步": "next_step"}


def run(world, tmp_path, text: str, login: str = "clerk", dry_run: bool = True, **kw):
    path = tmp_path / "activities.csv"
    path.write_text(HEADER + text, encoding="utf-8")
    models = {d.name: d for d in (ACTIVITY, PARTNER, CONTACT)}
    with world.site.db.session() as session:
        session.info["zg.timezone"] = "Asia/Shanghai"
        user = session.scalar(sa.select(User).where(User.login == login))
        report = services.run(session, ACTIVITY, Access(session, user), readers.open_table(path), MAPPING,
                              dry_run=dry_run, models=models, **kw)
        session.commit()
    return report


def activities(world) -> list[tuple]:
    with world.site.db.session() as session:
        return [(a.model, a.record_id, a.partner_id, a.contact_id, a.kind, a.at, a.subject, a.owner_id)
                for a in session.scalars(sa.select(Activity).order_by(Activity.id))]


#: Kinds by their English title or value here (the CLI test below reads the Chinese titles).
GOOD = ("C001,张三,Phone call,2026/3/5 14:30,报价跟进,客户要求九五折,clerk,发合同\n"
        "上海浦东物流,张三,Visit,2026年3月6日 9:00,上门拜访,,Clerk,\n"
        ",+86 137 0013 7000,meeting,2026-03-07,季度会议,,,\n"
        "杭州西湖贸易有限公司,,other,,年终回访,,,\n")
GOOD_ZH = GOOD.replace("Phone call", "电话").replace("Visit", "拜访").replace("meeting", "会议").replace("other", "其他")


def test_rows_name_their_record_as_people_do(world, tmp_path):
    ids = world.ids
    report = run(world, tmp_path, GOOD)
    assert (report.total, report.created, report.bad, report.committed) == (4, 4, 0, False), report.errors
    assert activities(world) == []  # a dry run writes nothing
    report = run(world, tmp_path, GOOD, dry_run=False)
    assert report.committed and report.created == 4
    rows = activities(world)
    # 张三 of 西湖贸易 (not the other 张三): the contact is the record, the partner found from it.
    assert rows[0][:5] == ("base.contact", ids.zhang, ids.xihu, ids.zhang, "call")
    assert rows[0][5:] == (dt.datetime(2026, 3, 5, 6, 30), "报价跟进", ids.clerk)  # 14:30 in Shanghai, kept in UTC
    assert rows[1][:5] == ("base.contact", ids.other_zhang, ids.pudong, ids.other_zhang, "visit")
    assert rows[1][5] == dt.datetime(2026, 3, 6, 1, 0)
    # The contact by mobile alone, written differently from how it is stored.
    assert rows[2][:5] == ("base.contact", ids.other_zhang, ids.pudong, ids.other_zhang, "meeting")
    # Only a partner: the activity is the partner's; no time: now.
    assert rows[3][:5] == ("base.partner", ids.xihu, ids.xihu, None, "other")
    assert all(r[7] == ids.clerk for r in rows)


def test_bad_rows_name_the_column_and_nothing_is_written(world, tmp_path):
    text = ("不存在的公司,,call,2026-03-05 10:00,问候,,,\n"          # row 2: unknown customer
            "北京华联商厦,,call,2026-03-05 10:00,越权,,,\n"          # row 3: the boss's customer
            "C001,王五,call,2026-03-05 10:00,没有此人,,,\n"          # row 4: no such contact at 西湖
            ",张三,call,2026-03-05 10:00,两个张三,,,\n"              # row 5: two 张三, no partner to choose
            "C001,,传真,2026-03-05 10:00,方式不对,,,\n"              # row 6: not a kind
            "C001,,call,昨天,时间不对,,,\n"                         # row 7: not a time
            "C001,,call,2026-03-05 10:00,别人的,,boss,\n"           # row 8: owner outside the clerk's scope
            ",,call,2026-03-05 10:00,没有对象,,,\n"                  # row 9: no record named
            "C001,,call,2026-03-05 10:00,好的一行,,,\n")
    report = run(world, tmp_path, text, dry_run=False)
    assert not report.committed and report.bad == 8
    problems = {(e["row"], e["column"]) for e in report.errors}
    assert problems == {(2, "客户"), (3, "客户"), (4, "联系人"), (5, "联系人"), (6, "方式"), (7, "时间"),
                        (8, "负责人"), (9, "Record type")}
    messages = {e["row"]: e["message"] for e in report.errors}
    # The boss's customer answers exactly like one that does not exist: its existence is not revealed.
    assert messages[2] == "No such record: 不存在的公司" and messages[3] == "No such record: 北京华联商厦"
    assert messages[4] == "No such contact: 王五"
    assert messages[5] == "Several contacts are named 张三: add the partner or use the mobile."
    assert messages[8] == "Outside your record scope: you may not write activities for Boss."
    assert activities(world) == []
    # The administrator sees the boss's customer and may name any owner.
    report = run(world, tmp_path, "北京华联商厦,,call,2026-03-05 10:00,拜访,,clerk,\n", login="boss",
                 dry_run=False)
    assert report.committed and activities(world)[0][1:3] == (world.ids.hualian, world.ids.hualian)
    assert activities(world)[0][7] == world.ids.clerk


def test_a_record_of_any_model_by_type_and_number(world, tmp_path):
    header = "记录类型,记录,主题\n"
    path = tmp_path / "on-records.csv"
    path.write_text(header + "base.partner,C002,按编号\nbase.partner,北京华联商厦,越权\nbase.nothing,1,无此类型\n",
                    encoding="utf-8")
    mapping = {"记录类型": "model", "记录": "record_id", "主题": "subject"}
    with world.site.db.session() as session:
        clerk = session.scalar(sa.select(User).where(User.login == "clerk"))
        report = services.run(session, ACTIVITY, Access(session, clerk), readers.open_table(path), mapping,
                              models={d.name: d for d in (ACTIVITY, PARTNER, CONTACT)})
    assert report.created == 1 and report.bad == 2
    assert [(e["row"], e["column"], e["message"]) for e in report.errors] == [
        (3, "记录", "No such record: 北京华联商厦"), (4, "记录类型", "Choose a kind of record.")]


def test_the_rule_skips_what_was_imported_before(world, tmp_path):
    first = "C001,张三,call,2026/3/5 14:30,报价跟进,,,\n"
    assert run(world, tmp_path, first, dry_run=False).created == 1
    # The same partner, time (typed another way) and subject: skipped; another subject is new.
    again = "杭州西湖贸易有限公司,张三,call,2026-03-05 14:30:00,报价跟进,,,\nC001,,call,2026/3/5 14:30,另一件事,,,\n"
    report = run(world, tmp_path, again, dry_run=False, rule="record", mode="skip")
    assert (report.created, report.skipped, report.bad) == (1, 1, 0), report.errors
    report = run(world, tmp_path, "C001,,visit,2026/3/5 14:30,报价跟进,改成拜访,,\n", dry_run=False,
                 rule="record", mode="update")
    assert (report.updated, report.bad) == (1, 0), report.errors
    kinds = [r[4] for r in activities(world)]
    assert kinds == ["visit", "call"]


def test_cli_imports_activities(world, tmp_path):
    path = tmp_path / "activities.csv"
    path.write_bytes((HEADER + GOOD_ZH).encode("gbk"))
    runner = CliRunner()
    # Chinese kinds (电话, 拜访…) are read with the Chinese titles (--lang zh_Hans).
    args = ["--db", world.db_url, "import", "base.activity", str(path), "--user", "clerk", "--lang", "zh_Hans"]
    for column, field in MAPPING.items():
        args += ["--map", f"{column}={field}"]
    result = runner.invoke(cli, [*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run: 4 row(s), 4 created, 0 updated, 0 skipped, 0 bad" in result.output
    assert activities(world) == []
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "北京华联商厦,,电话,2026-03-05 10:00,越权,,,\n", encoding="utf-8")
    result = runner.invoke(cli, ["--db", world.db_url, "import", "base.activity", str(bad), "--user", "clerk",
                                 "--lang", "en", "--map", "客户=partner_id", "--map", "主题=subject"])
    assert result.exit_code == 1
    assert "row 2: 客户: No such record: 北京华联商厦" in result.output
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert len(activities(world)) == 4


def test_the_cli_reads_times_in_the_company_time_zone(world, tmp_path):
    # zhanggui.timezone of the ini: 14:30 typed in London (UTC+0 in March) is 14:30 UTC, not 06:30
    ini = tmp_path / "site.ini"
    ini.write_text(f"[app:main]\nuse = egg:zhanggui\nzhanggui.db_url = {world.db_url}\n"
                   "zhanggui.timezone = Europe/London\n", encoding="utf-8")
    path = tmp_path / "activities.csv"
    path.write_text(HEADER + "C001,张三,电话,2026/3/5 14:30,报价跟进,,,\n", encoding="utf-8")
    args = ["-c", str(ini), "import", "base.activity", str(path), "--user", "clerk", "--lang", "zh_Hans"]
    for column, field in MAPPING.items():
        args += ["--map", f"{column}={field}"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert [a[5] for a in activities(world)] == [dt.datetime(2026, 3, 5, 14, 30)]
