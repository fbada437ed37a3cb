"""The customers part's demo data: settings per rep, best-time hints, planned contacts."""
from __future__ import annotations

import sqlalchemy as sa

from addons.crm.customers import contact_time, preferences
from addons.crm.customers.models import SalesPreference
from core.db import Database
from core.lifecycle import Lifecycle
from core.security import demo as people

from ..conftest import crm_catalog


def test_demo_reps_have_settings_and_customers_a_best_time(db_url):
    db = Database(db_url)
    try:
        life = Lifecycle(db, crm_catalog())
        life.install(["crm"])
        lines = life.load_demo()
        assert any(line.startswith("crm customers: 5 reps' personal settings") for line in lines), lines
        with db.session() as session:
            lina = people.user(session, "lina")
            assert preferences.sender(session, lina.id).from_address == "lina@zhanggui-demo.cn"
            assert len(preferences.usual_industries(session, lina.id)) == 2
            assert session.scalar(sa.select(sa.func.count()).select_from(SalesPreference)) == 5
            from addons.base.partners.models import Partner

            first = session.scalars(sa.select(Partner).where(Partner.owner_id == lina.id,
                                                             Partner.is_customer.is_(True)).order_by(Partner.id)).first()
            hint = contact_time.best_time(session, first.id, "Asia/Shanghai")
            assert hint.hours == (10, 11) and set(hint.days) <= {1, 2, 3} and hint.basis == "customer"
    finally:
        db.dispose()
