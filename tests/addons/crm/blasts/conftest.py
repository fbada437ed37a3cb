"""The crm site (tests/addons/crm/conftest.py) plus a test-only SMS channel and segment helpers."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from addons.base.mail.models import EmailTemplate, Segment
from addons.base.outbox.channels import Channel
from addons.base.partners.models import Contact, Partner
from addons.crm.customers.models import CustomerLevel, CustomerProfile, CustomerType
from core.hookspecs import hookimpl


class SMSGateway:
    """What an SMS gateway addon gives the outbox: an ``sms`` channel (here it records what it sends)."""

    def __init__(self):
        self.sent = []

    @hookimpl
    def base_outbox_channels(self):
        return [Channel(name="sms", title="SMS", send=lambda message, mailbox: self.sent.append(
            (message.to_address, message.body_text)))]


def app_registry(site):
    """The registry the site's web app uses for its database (the one requests' hooks come from)."""
    return site.app.registry.zg_registries.get(site.db)


@pytest.fixture
def gateway(site):
    """Install the test SMS channel in the app's registry (as if an SMS gateway addon were installed)."""
    registry = app_registry(site)
    plugin = SMSGateway()
    registry.pm.register(plugin)
    yield plugin
    registry.pm.unregister(plugin)


def _named(session, model, name):
    """The company's choice of that name (crm's defaults may have it), made if missing."""
    found = session.scalar(sa.select(model).where(model.name == name))
    if found is None:
        found = model(name=name)
        session.add(found)
        session.flush()
    return found


@pytest.fixture
def crm_customers(site):
    """Four more customers of the rep with crm levels and types, mobiles and emails; one contact each."""
    with site.db.session() as session:
        key = _named(session, CustomerLevel, "重点客户")
        normal = _named(session, CustomerLevel, "普通客户")
        formal = _named(session, CustomerType, "正式客户")
        made = {}
        for code, name, mobile, email, level in (
                ("K001", "杭州华信电子有限公司", "13800000001", "hx@hx.test", key),
                ("K002", "宁波恒达机械有限公司", "13800000002", "hd@hd.test", key),
                ("K003", "温州鑫源贸易商行", "", "xy@xy.test", key),
                ("K004", "绍兴盛隆纺织有限公司", "13800000004", "sl@sl.test", normal)):
            partner = Partner(code=code, name=name, is_customer=True, mobile=mobile, email=email,
                              owner_id=site.ids.rep, department_id=site.ids.sales1)
            session.add(partner)
            session.flush()
            session.add(CustomerProfile(partner_id=partner.id, customer_level_id=level.id,
                                        customer_type_id=formal.id, credit_rating="A",
                                        customer_status="following", in_pool=False, points=0))
            made[code] = partner.id
        # K003 has no mobile of its own: its contact's is used.
        session.add(Contact(partner_id=made["K003"], name="周经理", mobile="13900000003",
                            owner_id=site.ids.rep))
        session.commit()
        return {"key": key.id, "normal": normal.id, "formal": formal.id, **made}


def add_segment(site, name: str, filters: dict, owner: str = "mgr", model: str = "base.partner") -> int:
    with site.db.session() as session:
        owner_id = getattr(site.ids, owner)
        segment = Segment(name=name, model=model, q="", filters=filters, note="", owner_id=owner_id)
        session.add(segment)
        session.commit()
        return segment.id


def add_template(site) -> int:
    with site.db.session() as session:
        template = EmailTemplate(name="新品推介", subject="{{ partner.name }}：新品推介",
                                 body_html="<p>尊敬的 {{ partner.name }}，您好！</p>", active=True)
        session.add(template)
        session.commit()
        return template.id


def count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
