"""Browser scenario: the attachments list offers no "New" (attachments come from the upload on a
record's tab), while partners do; typing the new page's address anyway is refused.
Screenshot: model-flags-attachments.png."""
from __future__ import annotations

from playwright.sync_api import expect

from .support import shot, sign_in


def test_attachments_list_has_no_new_button_and_the_new_page_is_refused(server, page):
    sign_in(page, server)
    page.goto(f"{server}/m/base.partner")
    expect(page.locator(".zg-toolbar a.btn-primary", has_text="新建")).to_be_visible()

    page.goto(f"{server}/m/base.attachment")
    expect(page.locator("h1")).to_contain_text("附件")
    expect(page.locator(".zg-toolbar")).to_be_visible()
    expect(page.locator(".zg-toolbar a", has_text="新建")).to_have_count(0)
    assert page.locator('a[href$="/m/base.attachment/new"]').count() == 0
    shot(page, "model-flags-attachments")

    answer = page.goto(f"{server}/m/base.attachment/new")
    assert answer is not None and answer.status == 403
