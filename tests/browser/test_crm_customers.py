"""Duplicate warnings in a real browser: a rep types a new customer whose name is like an existing
one and whose mobile is a colleague's contact's, sees both warnings before saving, and saves anyway.

The server (conftest's ``crm_server``) has the ``crm`` addon and its demo data on top of base's.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.partners.models import Contact, Partner
from addons.crm.customers.duplicates import common_words, core_name
from core.security import demo

from .support import db_session, shot, sign_in


@pytest.mark.parametrize("locale,lang", [("en-US", "en"), ("zh-CN", "zh")])
def test_rep_sees_similar_name_and_same_mobile_before_saving(crm_server, open_page, db_url, locale, lang):
    page = open_page(locale=locale)
    with db_session(db_url) as session:
        lina = demo.user(session, "lina")
        mine = session.scalars(sa.select(Partner).where(Partner.owner_id == lina.id, Partner.is_customer.is_(True))
                               .order_by(Partner.id)).first()
        core = core_name(mine.name, common_words(session))
        # A colleague's customer's contact with a mobile: lina cannot open that customer.
        contact = session.scalars(sa.select(Contact).join(Partner, Contact.partner_id == Partner.id)
                                  .where(Partner.owner_id != lina.id, Partner.owner_id.is_not(None),
                                         Contact.mobile != "").order_by(Contact.id)).first()
        theirs, contact_name, mobile = contact.partner.name, contact.name, contact.mobile
        owner = contact.partner.owner.name
        mine_name = mine.name
    sign_in(page, crm_server, "lina", "demo1234")

    page.goto(f"{crm_server}/crm/customers/new")
    warnings = page.locator("#zg-crm-dup-warnings")
    expect(warnings).to_be_hidden()
    name = f"浙江{core}股份有限公司"
    page.fill("#zg-record-form input[name=name]", name)
    page.locator("#zg-record-form input[name=name]").blur()
    similar = warnings.locator(".zg-crm-dup-similar")
    expect(similar).to_contain_text(mine_name)
    # Lina's own customer is linked; the colleague's is named with its owner, without a link.
    expect(similar.locator("a", has_text=mine_name)).to_have_count(1)
    page.fill("#zg-record-form input[name=mobile]", mobile)
    page.locator("#zg-record-form input[name=mobile]").blur()
    same = warnings.locator(".zg-crm-dup-duplicate")
    expect(same).to_contain_text(contact_name)
    expect(same).to_contain_text(theirs)
    expect(same).to_contain_text(owner)
    expect(same.locator("a")).to_have_count(0)
    if lang == "en":
        expect(similar).to_contain_text("Similar customers:")
        expect(same).to_contain_text(f"Same mobile as {contact_name} of {theirs} (owned by {owner})")
    shot(page, f"crm-customers-01-duplicate-warnings-{lang}")

    # A warning, not a refusal: the customer is saved.
    # The first detail page compiles every tab's template: on a busy machine that takes seconds.
    page.click("#zg-record-form button[name=save]", no_wait_after=True)
    expect(page.locator(".zg-detail h1")).to_contain_text(name, timeout=60_000)
    with db_session(db_url) as session:
        made = session.scalars(sa.select(Partner).where(Partner.name == name)).one()
        assert made.owner_id == demo.user(session, "lina").id and made.is_customer and made.mobile == mobile
    # Its page has the best-time tab (no contacts yet), and an existing customer's gives the hint.
    page.goto(f"{crm_server}/m/base.partner/{mine.id}")
    page.locator("a[href='#tab-crm-best-time'], [data-bs-target='#tab-crm-best-time'], "
                 "button:has-text('Best time to contact')").first.click()
    expect(page.locator("#zg-crm-best-time")).to_be_visible()
    shot(page, f"crm-customers-02-best-time-{lang}")

    # Lina's own settings: her usual industries are already chosen by the demo.
    page.goto(f"{crm_server}/crm/preferences")
    expect(page.locator("#industry_ids option:checked")).to_have_count(2)
    page.click("#zg-crm-preferences-save")
    expect(page.locator("#industry_ids option:checked")).to_have_count(2)
    shot(page, f"crm-customers-03-preferences-{lang}")
