"""Where sale is installed, the supervision sheet counts each rep's quotations and orders of the day."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal


from addons.base.partners.models import Partner
from addons.crm.followup import supervision
from core.addons import Catalog, load_addon
from core.db import Database
from core.lifecycle import Lifecycle
from core.security import services as security


def test_quotes_and_orders_where_sale_is_installed(db_url):
    from addons.sale.models import Order, Quotation

    db = Database(db_url)
    try:
        Lifecycle(db, Catalog([load_addon("addons.base"), load_addon("addons.crm"),
                               load_addon("addons.sale")])).install(["crm", "sale"])
        day = dt.date(2026, 11, 25)
        with db.session() as session:
            rep, _pw = security.create_user(session, "rep", "Rep", password="rep-password")
            partner = Partner(code="C1", name="杭州西湖电器有限公司", is_customer=True, owner_id=rep.id)
            session.add(partner)
            session.flush()
            for model, number, amount, date, state in (
                    (Quotation, "Q1", "1000.10", day, "draft"), (Quotation, "Q2", "2000.20", day, "submitted"),
                    (Quotation, "Q3", "99.00", day, "cancelled"), (Order, "S1", "5000.05", day, "approved"),
                    (Order, "S2", "10.00", day - dt.timedelta(days=1), "approved")):
                session.add(model(number=number, date=date, state=state, partner_id=partner.id, owner_id=rep.id,
                                  amount_total=Decimal(amount)))
            session.flush()
            sheet = supervision.sheets(session, [rep], day, with_sale=True)[0]
            assert sheet.quotes == (2, Decimal("3000.30")) and sheet.orders == (1, Decimal("5000.05"))
            assert sheet.as_json()["orders"] == {"count": 1, "amount": "5000.05"}
    finally:
        db.dispose()
