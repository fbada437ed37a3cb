"""The demo data shows every screen of projects and channels (crm and sale installed)."""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from addons.crm.channels.models import ChannelProfile
from addons.crm.customers.models import CustomerProfile
from addons.crm.projects.models import LINKS, Project
from core.addons import Catalog, load_addon
from core.db import Database
from core.lifecycle import Lifecycle


def test_demo_projects_and_channels(db_url):
    db = Database(db_url)
    try:
        life = Lifecycle(db, Catalog([load_addon("addons.base"), load_addon("addons.sale"),
                                      load_addon("addons.crm")]))
        life.install(["crm", "sale"])
        lines = life.load_demo()
        assert any(line.startswith("crm: 8 projects") for line in lines), lines
        assert any(line.startswith("crm: 4 channel partners with type and level, 14 end customers")
                   for line in lines), lines
        with db.session() as session:
            projects = session.scalars(sa.select(Project)).all()
            assert set(Counter(p.status for p in projects)) == {"planning", "active", "on_hold", "done", "cancelled"}
            assert all(len(p.members) >= 2 and p.number.startswith("PJ") for p in projects)
            assert all(p.owner_id == p.partner.owner_id for p in projects)
            channels = session.scalars(sa.select(ChannelProfile)).all()
            assert len(channels) == 4 and all(c.channel_type and c.channel_level for c in channels)
            assert session.scalar(sa.select(sa.func.count()).select_from(CustomerProfile)
                                  .where(CustomerProfile.channel_id.is_not(None))) == 14
            linked = sum(session.scalar(sa.select(sa.func.count()).select_from(m)) for m in LINKS.values())
            assert linked == 6  # a quotation for each open project (sale installed)
    finally:
        db.dispose()
