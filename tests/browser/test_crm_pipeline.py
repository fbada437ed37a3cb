"""The sales pipeline in a real browser: a rep creates an opportunity, drags it across the board
to 商务谈判, marks it won; a manager reads the lost-reason report.

The server (conftest's ``crm_server``) has the ``crm`` addon and its demo data on top of base's.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.partners.models import Partner
from addons.crm.models import Opportunity, Stage
from core.security import demo

from .support import db_session, shot, sign_in


def _choose(page, field: str, search: str, value: int) -> None:
    """Pick a record in a reference select: type in its search box, then choose the match."""
    select = page.locator(f"select[name={field}]")
    box = page.locator(f"xpath=.//select[@name='{field}']/preceding-sibling::input[1]")
    box.fill(search)
    expect(select.locator(f"option[value='{value}']")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    select.select_option(str(value))


def _column(page, stage_id: int):
    return page.locator(f".zg-crm-column[data-stage-id='{stage_id}']")


@pytest.mark.parametrize("locale,lang", [("en-US", "en"), ("zh-CN", "zh")])
def test_rep_moves_an_opportunity_across_the_board_and_wins_it(crm_server, open_page, db_url, locale, lang):
    page = open_page(locale=locale)
    with db_session(db_url) as session:
        lina = demo.user(session, "lina")
        customer = session.scalars(sa.select(Partner).where(Partner.owner_id == lina.id,
                                                            Partner.is_customer.is_(True))
                                   .order_by(Partner.id)).first()
        customer_id, customer_name = customer.id, customer.name
        stages = {s.name: s.id for s in session.scalars(sa.select(Stage))}
    sign_in(page, crm_server, "lina", "demo1234")

    page.goto(f"{crm_server}/m/crm.opportunity/new")
    page.fill("input[name=title]", "浙江新工厂电机采购")
    _choose(page, "partner_id", customer_name[:4], customer_id)
    page.fill("input[name=expected_amount]", "250000")
    shot(page, f"crm-pipeline-01-new-opportunity-{lang}")
    page.click("#zg-record-form button[name=save]")
    expect(page.locator(".zg-detail h1")).to_contain_text(re.compile(r"OP\d{6}-\d{4}"))
    number = re.search(r"OP\d{6}-\d{4}", page.locator(".zg-detail h1").inner_text()).group(0)

    page.goto(f"{crm_server}/crm/pipeline")
    first, talks = _column(page, stages["初步接洽"]), _column(page, stages["商务谈判"])
    card = page.locator(".zg-crm-card", has_text="浙江新工厂电机采购")
    expect(first.locator(".zg-crm-card", has_text="浙江新工厂电机采购")).to_have_count(1)
    talks_before = int(talks.locator(".zg-crm-count").inner_text())
    shot(page, f"crm-pipeline-02-board-before-{lang}")

    card.drag_to(talks.locator(".zg-crm-cards"))
    # The page reloads with the server's totals: the card and its weighted amount (80 %) are in 商务谈判.
    expect(talks.locator(".zg-crm-card", has_text="浙江新工厂电机采购")).to_have_count(1)
    expect(talks.locator(".zg-crm-count")).to_have_text(str(talks_before + 1))
    expect(first.locator(".zg-crm-card", has_text="浙江新工厂电机采购")).to_have_count(0)
    shot(page, f"crm-pipeline-03-board-after-drag-{lang}")
    with db_session(db_url) as session:
        moved = session.scalars(sa.select(Opportunity).where(Opportunity.number == number)).one()
        assert (moved.stage_id, moved.probability) == (stages["商务谈判"], 80)

    talks.locator(".zg-crm-card a", has_text="浙江新工厂电机采购").click()
    page.locator("a[href$='/act/won']").first.click()
    page.fill("textarea[name=note]", "合同已签订，首付款 30%")
    shot(page, f"crm-pipeline-04-mark-won-{lang}")
    page.click("#zg-action-form button[name=run]")
    expect(page.locator(".zg-detail h1")).to_contain_text(number)
    page.locator("nav.zg-tabs a[href='#tab-crm-history']").click()
    expect(page.locator("#tab-crm-history tbody tr")).to_have_count(3)  # created, dragged, won
    shot(page, f"crm-pipeline-05-won-history-{lang}")
    with db_session(db_url) as session:
        won = session.scalars(sa.select(Opportunity).where(Opportunity.number == number)).one()
        assert (won.state, won.probability, won.stage_id) == ("won", 100, stages["赢单"])


def test_a_drop_on_the_lost_column_asks_for_the_reason_and_the_manager_reads_the_report(crm_server, open_page, db_url):
    # Wide enough for every column: a drag to a column scrolled into view would move the board under the mouse.
    page = open_page(locale="en-US", viewport={"width": 1920, "height": 1000})
    with db_session(db_url) as session:
        lina = demo.user(session, "lina")
        opportunity = session.scalars(sa.select(Opportunity).where(Opportunity.owner_id == lina.id,
                                                                   Opportunity.state == "open")
                                      .order_by(Opportunity.id)).first()
        opportunity_id = opportunity.id
        lost_id = session.scalars(sa.select(Stage.id).where(Stage.is_lost.is_(True))).one()
    sign_in(page, crm_server, "lina", "demo1234")
    page.goto(f"{crm_server}/crm/pipeline")
    page.locator(f".zg-crm-card[data-id='{opportunity_id}']").drag_to(_column(page, lost_id).locator(".zg-crm-cards"))
    expect(page).to_have_url(re.compile(rf"/m/crm.opportunity/{opportunity_id}/act/lost"))
    expect(page.locator("select[name=lost_reason_id]")).to_be_visible()
    page.click("#zg-action-form button[name=run]")  # no reason: the browser holds the form back (required)
    assert page.locator("select[name=lost_reason_id]").evaluate("el => el.validity.valueMissing")
    expect(page).to_have_url(re.compile(rf"/m/crm.opportunity/{opportunity_id}/act/lost"))
    page.select_option("select[name=lost_reason_id]", label="价格太高")
    page.click("#zg-action-form button[name=run]")
    expect(page).to_have_url(re.compile(r"/crm/pipeline$"))  # back to the board it came from
    expect(_column(page, lost_id).locator(f".zg-crm-card[data-id='{opportunity_id}']")).to_have_count(1)

    manager = open_page(locale="en-US")
    sign_in(manager, crm_server, "liuyang", "demo1234")
    manager.goto(f"{crm_server}/reports/crm.won_lost?dimensions=lost_reason")
    table = manager.locator("table").first
    expect(table).to_contain_text("价格太高")
    expect(manager.locator("svg").first).to_be_visible()
    shot(manager, "crm-pipeline-06-lost-reason-report-en")
    manager.goto(f"{crm_server}/reports/crm.funnel")
    shot(manager, "crm-pipeline-07-funnel-report-en")
