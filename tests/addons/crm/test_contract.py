"""crm meets the addon contract, and its demo data reaches every stage and state through the services."""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from addons.base.partners.models import Partner
from addons.crm.models import Campaign, Competitor, Opportunity, StageChange
from core.db import Database
from core.lifecycle import Lifecycle
from core.testing import check_addon

from .conftest import crm_catalog


def test_crm_meets_the_addon_contract(db_url):
    catalog = crm_catalog()
    check_addon(catalog["crm"], catalog, db_url)


def test_demo_opportunities_in_every_stage_and_state(db_url):
    db = Database(db_url)
    try:
        life = Lifecycle(db, crm_catalog())
        life.install(["crm"])
        lines = life.load_demo()
        assert any(line.startswith("crm: 36 opportunities, 4 competitors, 2 campaigns") for line in lines), lines
        with db.session() as session:
            opportunities = session.scalars(sa.select(Opportunity)).all()
            assert Counter(o.state for o in opportunities) == {"open": 24, "won": 6, "lost": 6}
            assert {o.stage.name for o in opportunities} == {"初步接洽", "需求确认", "方案报价", "商务谈判", "赢单",
                                                             "输单"}
            assert all(o.lost_reason is not None for o in opportunities if o.state == "lost")
            assert all(o.number.startswith("OP") for o in opportunities)
            # Each rep's deals are on customers the rep owns: the rep can open them.
            owners = {p.id: p.owner_id for p in session.scalars(sa.select(Partner))}
            assert all(owners[o.partner_id] == o.owner_id for o in opportunities)
            assert session.scalar(sa.select(sa.func.count()).select_from(StageChange)) > len(opportunities)
            assert any(o.score is not None and o.score > 0 for o in opportunities)
            assert session.scalar(sa.select(sa.func.count()).select_from(Competitor)) == 4
            assert all(c.participants and c.customers for c in session.scalars(sa.select(Campaign)))
    finally:
        db.dispose()
