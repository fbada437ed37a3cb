"""crm's reports: the funnel by stage (count, amount, weighted), won / lost by reason, by rep; Excel."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from addons.crm import services
from addons.crm.models import Stage
from addons.crm.statistics import BY_REP, FUNNEL, WON_LOST
from core.reports import run
from core.security.access import Access
from core.security.models import User

from .conftest import browser


def _deals(session, site):
    rep, rep2 = session.get(User, site.ids.rep), session.get(User, site.ids.rep2)
    made = []
    for owner, partner, amount in ((rep, site.ids.customer, "100000"), (rep, site.ids.customer, "50000.50"),
                                   (rep2, site.ids.customer2, "80000"), (rep2, site.ids.customer2, "20000")):
        made.append(services.create_opportunity(session, {"title": "项目", "partner_id": partner,
                                                          "expected_amount": Decimal(amount)}, owner))
    services.move(session, made[1], site.stages["商务谈判"], rep)
    services.mark_lost(session, made[2], rep2, site.reasons["价格太高"])
    services.mark_lost(session, made[3], rep2, site.reasons["选择了竞争对手"])
    session.flush()
    return made


def test_funnel_by_stage_with_weighted_amounts(site):
    with site.db.session() as session:
        _deals(session, site)
        admin = Access(session, session.get(User, site.ids.admin))
        result = run(session, FUNNEL, admin, ["stage"], ["count", "amount", "weighted"])
        rows = {r.labels[0]: r.values for r in result.rows}
        assert rows == {"初步接洽": {"count": 1, "amount": Decimal("100000.00"), "weighted": Decimal("10000.00")},
                        "商务谈判": {"count": 1, "amount": Decimal("50000.50"),
                                         "weighted": Decimal("40000.40")}}
        # Fen × percent has four decimals: the measure rounds to the amount's two (as shown and exported).
        assert str(rows["商务谈判"]["weighted"]) == "40000.40"
        # Stages come in the company's order (their sequence), not by amount or id.
        assert [r.labels[0] for r in result.rows] == ["初步接洽", "商务谈判"]
        session.scalar(sa.select(Stage).where(Stage.name == "商务谈判")).sequence = 1
        session.flush()
        reordered = run(session, FUNNEL, admin, ["stage"], ["count"])
        assert [r.labels[0] for r in reordered.rows] == ["商务谈判", "初步接洽"]
        # The rep's own scope: the same report counts only their deals.
        rep2 = Access(session, session.get(User, site.ids.rep2))
        assert run(session, FUNNEL, rep2, ["stage"], ["count"]).rows == []


def test_won_and_lost_by_reason_and_by_rep(site):
    with site.db.session() as session:
        _deals(session, site)
        admin = Access(session, session.get(User, site.ids.admin))
        result = run(session, WON_LOST, admin, ["lost_reason"], ["count", "amount"])
        assert {r.labels[0]: (r.values["count"], r.values["amount"]) for r in result.rows} == {
            "价格太高": (1, Decimal("80000.00")), "选择了竞争对手": (1, Decimal("20000.00"))}
        by_rep = run(session, BY_REP, admin, ["owner"], ["count"])
        assert {r.labels[0]: r.values["count"] for r in by_rep.rows} == {"Rep": 2, "Rep2": 2}


def test_the_lost_reason_report_page_and_its_excel_export(site):
    with site.db.session() as session:
        _deals(session, site)
        session.commit()
    client = browser(site)
    page = client.get("/reports/crm.won_lost?dimensions=lost_reason")
    assert "价格太高" in page.text and "选择了竞争对手" in page.text and "<svg" in page.text
    export = client.get("/reports/crm.won_lost/export.xlsx?dimensions=lost_reason")
    assert export.content_type.endswith("spreadsheetml.sheet") and export.body[:2] == b"PK"
