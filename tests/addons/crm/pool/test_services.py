"""The pool's rules without a request: the daily job, claim limits, assign, release, the history."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from addons.base.partners.models import Partner
from addons.crm.customers import services as customers
from addons.crm.customers.models import CustomerProfile
from addons.crm.pool import services
from core.db import utcnow
from core.notifications.models import Notification
from core.records import ValidationFailed
from core.security.models import OwnerChange, User

from .conftest import customer


def _users(session) -> dict[str, User]:
    return {u.login: u for u in session.scalars(sa.select(User))}


def _notes(session, user: User) -> list[str]:
    return list(session.scalars(sa.select(Notification.title).where(Notification.user_id == user.id)
                                .order_by(Notification.id)))


def _history(session, partner: Partner) -> list[tuple]:
    return [(c.kind, c.from_user_id, c.to_user_id, c.by_user_id) for c in
            reversed(customers.owner_history(session, partner.id))]


def test_job_warns_then_releases_at_the_types_days_never_twice(pool_site):
    t0 = utcnow() - dt.timedelta(days=100)
    with pool_site.db.session() as session:
        rep = _users(session)["rep"]
        first = customer(session, "台州黄岩模具厂", "初次客户", rep, t0)  # 15 days, warned 3 before
        keen = customer(session, "金华义乌小商品贸易行", "意向客户", rep, t0)  # 30 days, warned 5 before
        formal = customer(session, "湖州南浔木业集团", "正式客户", rep, t0)  # never
        untyped = customer(session, "丽水青田石雕坊", None, rep, t0)
        customer(session, "衢州江山蜂业", "初次客户", rep, t0, last_contact=t0 + dt.timedelta(days=10))

        def run(days: float):
            warned, released = services.run_daily(session, t0 + dt.timedelta(days=days))
            return {p.name for p in warned}, {p.name for p in released}

        assert run(11) == (set(), set())
        assert run(12) == ({"台州黄岩模具厂"}, set())
        assert _notes(session, rep) == ["${customer} goes back to the public pool in ${days} days"]
        assert run(13) == (set(), set())  # warned once
        assert run(15) == (set(), {"台州黄岩模具厂"})
        side = customers.profile(session, first.id)
        assert side.in_pool and first.owner_id is None and side.pooled_at == t0 + dt.timedelta(days=15)
        assert _history(session, first) == [("pool", rep.id, None, None)]
        assert run(16) == (set(), set())  # pooled once
        assert run(22) == ({"衢州江山蜂业"}, set())  # its countdown started at the contact (day 10)
        assert run(25) == ({"金华义乌小商品贸易行"}, {"衢州江山蜂业"})
        assert run(30) == (set(), {"金华义乌小商品贸易行"})
        assert run(400) == (set(), set())  # the formal and the untyped customers never go
        assert formal.owner_id == rep.id and untyped.owner_id == rep.id and keen.owner_id is None
        assert len(session.scalars(sa.select(OwnerChange).where(OwnerChange.kind == "pool")).all()) == 3
        titles = _notes(session, rep)
        assert titles.count("${customer} went back to the public pool") == 3
        assert titles.count("${customer} goes back to the public pool in ${days} days") == 3


def test_a_contact_starts_a_new_countdown_and_a_new_warning(pool_site):
    t0 = utcnow() - dt.timedelta(days=100)
    with pool_site.db.session() as session:
        rep = _users(session)["rep"]
        partner = customer(session, "台州黄岩模具厂", "初次客户", rep, t0)
        warned, _released = services.run_daily(session, t0 + dt.timedelta(days=13))
        assert [p.id for p in warned] == [partner.id]
        side = customers.profile(session, partner.id)
        customers.note_contacts(session, [type("A", (), {"partner_id": partner.id,
                                                          "at": t0 + dt.timedelta(days=13)})()])
        assert side.pool_warned_at is None
        assert services.run_daily(session, t0 + dt.timedelta(days=15)) == ([], [])
        warned, _released = services.run_daily(session, t0 + dt.timedelta(days=25))
        assert [p.id for p in warned] == [partner.id]


def test_a_claimed_customer_gets_the_whole_period_again(pool_site):
    with pool_site.db.session() as session:
        rep = _users(session)["rep"]
        partner = session.get(Partner, pool_site.ids.pooled[0])  # 意向客户, created 90 days ago
        services.claim(session, partner, rep)
        assert services.run_daily(session, utcnow()) == ([], [])
        when = services.pool_date(session, partner)
        assert dt.timedelta(days=29) < when - utcnow() <= dt.timedelta(days=30)


def test_claim_takes_the_customer_and_writes_the_history(pool_site):
    with pool_site.db.session() as session:
        rep = _users(session)["rep"]
        partner = session.get(Partner, pool_site.ids.pooled[0])
        change = services.claim(session, partner, rep)
        side = customers.profile(session, partner.id)
        assert (change.kind, change.to_user_id, change.by_user_id) == ("claim", rep.id, rep.id)
        assert partner.owner_id == rep.id and partner.department_id == rep.department_id
        assert not side.in_pool and side.pooled_at is None
        with pytest.raises(ValidationFailed) as refused:
            services.claim(session, partner, _users(session)["rep2"])
        assert refused.value.errors == {"in_pool": "This customer is not in the public pool (any more)."}


def test_claim_limits_per_day_and_per_rep(pool_site):
    with pool_site.db.session() as session:
        people = _users(session)
        rep, rep2 = people["rep"], people["rep2"]
        services.update_settings(session, {"daily_claim_limit": 1, "max_customers": 0})
        one, two, three = (session.get(Partner, i) for i in pool_site.ids.pooled)
        services.claim(session, one, rep)
        with pytest.raises(ValidationFailed) as refused:
            services.claim(session, two, rep)
        message = refused.value.errors["daily_claim_limit"]
        assert message.interpolate() == ("You have claimed 1 customers today, the most allowed per day: "
                                         "claim again tomorrow.")
        assert customers.profile(session, two.id).in_pool
        # rep owns C001 and now 温州瓯江: with at most 2 customers a rep, rep2 (1 customer) may claim one.
        services.update_settings(session, {"daily_claim_limit": 0, "max_customers": 2})
        with pytest.raises(ValidationFailed) as refused:
            services.claim(session, two, rep)
        assert set(refused.value.errors) == {"max_customers"}
        assert refused.value.errors["max_customers"].interpolate() == (
            "You already have 2 customers, the most a rep may have: release some first.")
        services.claim(session, two, rep2)
        services.update_settings(session, {"max_customers": 0, "reclaim_days": 7})
        services.release(session, one, rep, "客户暂无需求")
        with pytest.raises(ValidationFailed) as refused:
            services.claim(session, one, rep)
        assert set(refused.value.errors) == {"reclaim_days"}
        services.claim(session, three, rep)  # other customers are fine
        services.claim(session, one, rep2)


def test_settings_refuse_bad_numbers(pool_site):
    with pool_site.db.session() as session:
        with pytest.raises(ValidationFailed) as refused:
            services.update_settings(session, {"daily_claim_limit": -1, "max_customers": "x"})
        assert set(refused.value.errors) == {"daily_claim_limit", "max_customers"}


def test_manager_assigns_from_the_pool_and_transfers_others(pool_site):
    with pool_site.db.session() as session:
        people = _users(session)
        mgr, rep, rep2 = people["mgr"], people["rep"], people["rep2"]
        services.update_settings(session, {"daily_claim_limit": 1, "max_customers": 1})
        pooled = session.get(Partner, pool_site.ids.pooled[0])
        services.assign(session, pooled, rep, mgr, "重点跟进")  # no limits for a manager
        assert _history(session, pooled) == [("assign", None, rep.id, mgr.id)]
        assert not customers.profile(session, pooled.id).in_pool
        owned = session.get(Partner, pool_site.ids.customer)  # rep's, no profile yet
        services.assign(session, owned, rep2, mgr)
        assert _history(session, owned) == [("transfer", rep.id, rep2.id, mgr.id)]
        assert owned.owner_id == rep2.id
        with pytest.raises(ValidationFailed) as refused:
            services.assign(session, owned, rep2, mgr)
        assert set(refused.value.errors) == {"user_id"}
        assert _notes(session, rep) == ["You have a new customer: ${customer}"]


def test_release_needs_a_reason_and_the_owner(pool_site):
    with pool_site.db.session() as session:
        people = _users(session)
        rep, rep2 = people["rep"], people["rep2"]
        partner = session.get(Partner, pool_site.ids.customer)
        with pytest.raises(ValidationFailed) as refused:
            services.release(session, partner, rep, "  ")
        assert set(refused.value.errors) == {"note"}
        with pytest.raises(ValidationFailed) as refused:
            services.release(session, partner, rep2, "不是我的")
        assert set(refused.value.errors) == {"in_pool"}
        services.release(session, partner, rep, "客户已转行")
        side = customers.profile(session, partner.id)
        assert side.in_pool and partner.owner_id is None
        assert [(c.kind, c.reason) for c in customers.owner_history(session, partner.id)] == [
            ("release", "客户已转行")]
        with pytest.raises(ValidationFailed):
            services.release(session, partner, rep, "again")
        assert session.scalar(sa.select(sa.func.count()).select_from(CustomerProfile)
                              .where(CustomerProfile.in_pool.is_(True))) == 4


def test_report_counts_by_type_and_rep(pool_site):
    with pool_site.db.session() as session:
        people = _users(session)
        services.claim(session, session.get(Partner, pool_site.ids.pooled[0]), people["rep"])
        services.assign(session, session.get(Partner, pool_site.ids.pooled[1]), people["rep2"], people["mgr"])
        rows, by_rep = services.report(session, utcnow() - dt.timedelta(days=30))
        keen = next(r for r in rows if r.name == "意向客户")
        assert (keen.in_pool, keen.claimed, keen.assigned) == (1, 1, 1)
        assert sorted(by_rep) == [("Rep", 1, 0, 0), ("Rep2", 0, 1, 0)]


def test_the_daily_job_is_declared_and_runs_in_its_own_transaction(pool_site):
    from core.jobs.runner import manual_slot, run_slot

    with pool_site.db.session() as session:
        rep = _users(session)["rep"]
        partner = customer(session, "台州黄岩模具厂", "初次客户", rep, utcnow() - dt.timedelta(days=16))
        partner_id = partner.id
        session.commit()
    config_registry = pool_site.app.registry
    spec = config_registry.zg_jobs["crm.return_customers_to_pool"]
    now = dt.datetime.now(dt.UTC)
    assert run_slot(pool_site.db, config_registry.zg_registries, spec, config_registry.settings,
                    manual_slot(spec, now), kind="manual") == "ok"
    with pool_site.db.session() as session:
        assert customers.profile(session, partner_id).in_pool
        assert session.get(Partner, partner_id).owner_id is None


def test_a_transfer_through_the_kernels_list_action_starts_a_new_countdown(pool_site):
    """The list's batch "Transfer" keeps the kernel's owner history, not crm's: the pool counts it too."""
    from core.security.services import transfer

    t0 = utcnow() - dt.timedelta(days=100)
    with pool_site.db.session() as session:
        users = _users(session)
        partner = customer(session, "台州黄岩模具厂", "初次客户", users["rep"], t0)  # 15 days
        transfer(session, users["boss"], "base.partner", [partner], users["rep2"], "接手")
        session.flush()
        now = utcnow()
        assert services.run_daily(session, now) == ([], [])  # transferred just now: not due
        assert services.pool_date(session, partner) > now + dt.timedelta(days=14)
        warned, released = services.run_daily(session, now + dt.timedelta(days=16))
        assert [p.id for p in released] == [partner.id]
