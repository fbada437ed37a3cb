"""The demo shows every screen of the targets part: targets with actuals, rules, a points history."""
from __future__ import annotations

import re

import sqlalchemy as sa

from addons.crm.customers.models import CustomerProfile
from addons.crm.targets import points
from addons.crm.targets.models import PointsEntry, PointsRule, Target
from core.db import Database
from core.lifecycle import Lifecycle

from ..conftest import crm_catalog


def test_demo_targets_and_points(db_url):
    db = Database(db_url)
    try:
        life = Lifecycle(db, crm_catalog())
        life.install(["crm"])
        lines = life.load_demo()
        assert any(re.match(r"crm targets: \d+ targets, \d+ points entries", line) for line in lines), lines
        with db.session() as session:
            targets = session.scalars(sa.select(Target)).all()
            assert {t.scope for t in targets} == {"rep", "department", "company"}
            assert any(t.actual > 0 and t.attainment is not None for t in targets)
            assert {r.kind for r in session.scalars(sa.select(PointsRule))} == {"purchase", "referral", "manual"}
            kinds = {e.kind for e in session.scalars(sa.select(PointsEntry))}
            assert kinds == {"purchase", "referral", "manual"}
            for row in session.scalars(sa.select(CustomerProfile).where(CustomerProfile.points != 0)):
                assert row.points == points.balance(session, row.partner_id)
            assert len(points.ranking(session)) >= 5
    finally:
        db.dispose()
