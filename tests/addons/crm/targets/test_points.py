"""Points without sale: won opportunities as purchases, referrals once, adjustments, the ranking."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from addons.base.partners.models import Industry, Partner
from addons.crm.customers.models import CustomerProfile
from addons.crm.targets import points
from addons.crm.targets.models import PointsRule
from core.records import ValidationFailed
from core.security.access import Access
from core.security.models import User

from .conftest import hook_of, won


def rules(session):
    purchase = PointsRule(name="消费积分", kind="purchase", points=2, start_date=dt.date(2026, 1, 1), active=True,
                          note="")
    referral = PointsRule(name="推荐新客户", kind="referral", points=500, active=True, note="")
    manual = PointsRule(name="手工调整", kind="manual", points=0, active=True, note="")
    session.add_all([purchase, referral, manual])
    session.flush()
    return purchase, referral, manual


def test_purchase_points_from_won_opportunities_without_sale(site):
    ids = site.ids
    with site.db.session() as session:
        rules(session)
        won(session, ids.rep, ids.customer, "1000.50", dt.date(2026, 3, 1))
        won(session, ids.rep, ids.customer, "9999", dt.date(2025, 12, 31))  # before the rule's start
        assert points.award_purchases(session, hook_of(site), today=dt.date(2026, 11, 26)) == 1
        assert points.award_purchases(session, None, today=dt.date(2026, 11, 26)) == 0
        assert session.get(CustomerProfile, ids.customer).points == 20
        session.rollback()


def test_referral_once_per_referred_customer_and_manual_adjustments(site):
    ids = site.ids
    with site.db.session() as session:
        _purchase, referral, manual = rules(session)
        admin = session.get(User, ids.admin)
        entry = points.award_referral(session, ids.customer, ids.customer2, referral.id, by=admin)
        assert entry.points == 500 and entry.referred_partner_id == ids.customer2 and entry.by_id == ids.admin
        with pytest.raises(ValidationFailed) as exc:
            points.award_referral(session, ids.customer3, ids.customer2, referral.id, by=admin)
        assert "referred_partner_id" in exc.value.errors
        with pytest.raises(ValidationFailed) as exc:
            points.award_referral(session, ids.customer, ids.customer, referral.id, by=admin)
        assert "referred_partner_id" in exc.value.errors
        with pytest.raises(ValidationFailed) as exc:
            points.award_referral(session, ids.customer, ids.customer3, manual.id, by=admin)
        assert "rule_id" in exc.value.errors
        with pytest.raises(ValidationFailed) as exc:
            points.adjust(session, ids.customer, 0, "  ", by=admin)
        assert set(exc.value.errors) == {"points", "reason"}
        points.adjust(session, ids.customer, -120, "兑换礼品：保温杯", by=admin, rule_id=manual.id)
        assert session.get(CustomerProfile, ids.customer).points == 380 == points.balance(session, ids.customer)
        assert [e.points for e in points.history(session, ids.customer)] == [-120, 500]
        session.rollback()


def test_ranking_by_balance_or_period_with_filters_and_scope(site):
    ids = site.ids
    with site.db.session() as session:
        rules(session)
        admin = session.get(User, ids.admin)
        machinery = Industry(name="机械制造")
        session.add(machinery)
        session.flush()
        session.get(Partner, ids.customer2).industry_id = machinery.id
        session.get(Partner, ids.customer2).province = "330000"
        points.adjust(session, ids.customer, 100, "老客户回馈", by=admin, at=dt.datetime(2026, 1, 5, 2))
        points.adjust(session, ids.customer2, 300, "年度大客户", by=admin, at=dt.datetime(2026, 10, 5, 2))
        points.adjust(session, ids.customer3, 50, "参加展会", by=admin, at=dt.datetime(2026, 10, 6, 2))
        points.adjust(session, ids.customer, 10, "问卷", by=admin, at=dt.datetime(2026, 10, 7, 2))
        everyone = sa.true()
        ranks = points.ranking(session, everyone)
        assert [(r.rank, r.partner.id, r.points) for r in ranks] == [
            (1, ids.customer2, 300), (2, ids.customer, 110), (3, ids.customer3, 50)]
        october = points.ranking(session, everyone, (dt.date(2026, 10, 1), dt.date(2026, 10, 31)))
        assert [(r.partner.id, r.points) for r in october] == [(ids.customer2, 300), (ids.customer3, 50),
                                                               (ids.customer, 10)]
        assert [r.partner.id for r in points.ranking(session, everyone, industry_id=machinery.id)] == [ids.customer2]
        assert [r.partner.id for r in points.ranking(session, everyone, province="330000")] == [ids.customer2]
        # A rep with the "own" scope on partners ranks only their customers.
        partners = site.app.registry.zg_models["base.partner"]
        rep = Access(session, session.get(User, ids.rep))
        assert [r.partner.id for r in points.ranking(session, rep.filter(partners, "read"))] == [ids.customer]
        session.rollback()
