"""The follow-up demo data reaches every type, state and screen through the services."""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from addons.base.activities.models import Activity
from addons.crm.followup.models import ActivityDetail, SupervisionComment, Task, Visit
from core.db import Database
from core.lifecycle import Lifecycle

from ..conftest import crm_catalog


def test_demo_tasks_visits_details_and_comments(db_url):
    db = Database(db_url)
    try:
        life = Lifecycle(db, crm_catalog())
        life.install(["crm"])
        lines = life.load_demo()
        assert any(line.startswith("crm follow-up: ") for line in lines), lines
        with db.session() as session:
            tasks = session.scalars(sa.select(Task)).all()
            assert {(t.kind, t.state) for t in tasks} >= {("followup", "done"), ("service", "done"),
                                                          ("revisit", "done"), ("followup", "cancelled"),
                                                          ("followup", "open"), ("service", "open"),
                                                          ("revisit", "open")}
            assert all(t.activity_id is not None for t in tasks if t.state == "done")
            visits = Counter(v.state for v in session.scalars(sa.select(Visit)))
            assert visits["done"] and visits["planned"] and visits["checked_in"]
            kinds = set(session.scalars(sa.select(Activity.kind).where(
                Activity.id.in_(sa.select(Visit.activity_id)))))
            assert kinds == {"visit"}
            progress = set(session.scalars(sa.select(ActivityDetail.progress)))
            assert {"needs", "proposal", "negotiation"} <= progress
            assert session.scalar(sa.select(sa.func.count()).select_from(SupervisionComment)) >= 4
    finally:
        db.dispose()
