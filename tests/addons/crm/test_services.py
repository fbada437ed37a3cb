"""The pipeline's services without a request: moving, won / lost, the evaluation, totals under scopes."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from addons.crm import services
from addons.crm.models import Opportunity, Stage, StageChange, StageCheckItem
from addons.crm.registration import OPPORTUNITY
from core.records import ValidationFailed
from core.security.access import Access
from core.security.models import User


def _new(session, site, owner: str = "rep", amount="100000", partner=None, **kw) -> Opportunity:
    user = session.get(User, getattr(site.ids, owner))
    return services.create_opportunity(session, {"title": "试点项目", "partner_id": partner or site.ids.customer,
                                                 "expected_amount": Decimal(amount), **kw}, user)


def test_a_new_opportunity_is_numbered_in_the_first_stage_with_its_probability(site):
    with site.db.session() as session:
        first = _new(session, site)
        second = _new(session, site)
        assert first.number.startswith("OP") and first.number.endswith("-0001")
        assert second.number.endswith("-0002")
        assert first.stage.name == "初步接洽" and first.probability == 10 and first.state == "open"
        assert first.owner_id == site.ids.rep
        history = session.scalars(sa.select(StageChange).where(StageChange.opportunity_id == first.id)).all()
        assert [(h.from_stage_id, h.to_stage.name) for h in history] == [(None, "初步接洽")]


def test_moving_records_the_history_and_takes_the_stage_probability(site):
    with site.db.session() as session:
        rep = session.get(User, site.ids.rep)
        opp = _new(session, site, probability=25)
        assert opp.probability == 25  # typed: it overrides the stage's
        services.move(session, opp, site.stages["商务谈判"], rep)
        assert opp.stage.name == "商务谈判" and opp.probability == 80
        services.move(session, opp, site.stages["需求确认"], rep)
        changes = [(c.from_stage.name if c.from_stage else None, c.to_stage.name, c.user_id)
                   for c in services.stage_history(session, opp)]
        assert changes == [("商务谈判", "需求确认", rep.id), ("初步接洽", "商务谈判", rep.id),
                           (None, "初步接洽", rep.id)]


def test_won_and_lost(site):
    with site.db.session() as session:
        rep = session.get(User, site.ids.rep)
        won = _new(session, site)
        services.mark_won(session, won, rep, "合同已签")
        assert (won.state, won.stage.name, won.probability, won.close_note) == ("won", "赢单", 100, "合同已签")
        assert won.closed_date == services.today(session)
        with pytest.raises(ValidationFailed) as again:
            services.mark_won(session, won, rep)
        assert "already won" in str(again.value.errors["_"])

        lost = _new(session, site)
        with pytest.raises(ValidationFailed) as no_reason:
            services.mark_lost(session, lost, rep)
        assert set(no_reason.value.errors) == {"lost_reason_id"}
        assert lost.state == "open"
        services.mark_lost(session, lost, rep, site.reasons["价格太高"])
        assert (lost.state, lost.stage.name, lost.probability, lost.lost_reason.name) == ("lost", "输单", 0, "价格太高")

        # A lost stage is reached with a reason only; an open stage reopens the deal.
        other = _new(session, site)
        with pytest.raises(ValidationFailed) as refused:
            services.move(session, other, site.stages["输单"], rep)
        assert set(refused.value.errors) == {"stage_id"} and other.stage.name == "初步接洽"
        services.move(session, lost, site.stages["方案报价"], rep)
        assert (lost.state, lost.lost_reason_id, lost.closed_date, lost.probability) == ("open", None, None, 50)
        # Dragging onto the won stage wins the deal.
        services.move(session, other, site.stages["赢单"], rep)
        assert other.state == "won" and other.probability == 100


def test_the_evaluation_scores_the_ticked_weight_of_the_current_stage(site):
    with site.db.session() as session:
        rep = session.get(User, site.ids.rep)
        stage = session.get(Stage, site.stages["初步接洽"])
        stage.checklist = [StageCheckItem(question="找到关键联系人", weight=30),
                           StageCheckItem(question="有明确采购意向", weight=50),
                           StageCheckItem(question="了解现有供应商", weight=20)]
        session.flush()
        a, b, c = (i.id for i in stage.checklist)
        opp = _new(session, site)
        assert opp.score == 0
        assert services.evaluate(session, opp, [a, b], rep) == 80
        assert services.evaluate(session, opp, [a, c], rep) == 50
        # A stage without a checklist has no score; moving back shows the earlier answers again.
        services.move(session, opp, site.stages["需求确认"], rep)
        assert opp.score is None
        services.move(session, opp, site.stages["初步接洽"], rep)
        assert opp.score == 50
        with pytest.raises(ValidationFailed):
            services.evaluate(session, opp, [a, 999999], rep)


def test_pipeline_totals_are_exact_and_follow_the_scope(site):
    with site.db.session() as session:
        rep = session.get(User, site.ids.rep)
        for _i in range(10):
            _new(session, site, amount="0.10")  # probability 10: weighted 0.01 each
            _new(session, site, amount="0.20")
        big = _new(session, site, owner="rep2", amount="33333.33", partner=site.ids.customer2)
        services.move(session, big, site.stages["方案报价"], None)
        _new(session, site, owner="loner", amount="5000", partner=site.ids.customer3)
        session.flush()

        def board(login, view="all"):
            access = Access(session, session.get(User, getattr(site.ids, login)))
            return {c.stage.name: (c.count, c.amount, c.weighted, len(c.cards))
                    for c in services.pipeline(session, access, OPPORTUNITY, view)}

        mine = board("rep")
        assert mine["初步接洽"] == (20, Decimal("3.00"), Decimal("0.30"), 20)
        assert mine["方案报价"][0] == 0  # rep2's deal: not in an "own" scope
        manager = board("mgr")
        assert manager["初步接洽"][0] == 20
        assert manager["方案报价"] == (1, Decimal("33333.33"), Decimal("16666.67"), 1)  # half-up to the fen
        assert board("mgr", "mine")["初步接洽"][0] == 0
        assert board("mgr", "team")["方案报价"][0] == 1
        assert board("admin")["初步接洽"] == (21, Decimal("5003.00"), Decimal("500.30"), 21)
        access = Access(session, rep)
        assert services.views_allowed(access, OPPORTUNITY) == ["mine"]
        assert services.views_allowed(Access(session, session.get(User, site.ids.mgr)), OPPORTUNITY) == \
            ["mine", "team", "all"]
        assert rep.id  # keep the session's user loaded
