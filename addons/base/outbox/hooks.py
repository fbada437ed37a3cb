"""Hook implementations of base's outbox part (collected by addons/base/hooks.py)."""
from __future__ import annotations

from core.hookspecs import hookimpl
from core.i18n import _

from .registration import MAILBOX, OUTBOX_MESSAGE


@hookimpl(specname="menu_items")
def outbox_menu(request):
    """Administration → Outbox and Mailboxes (the menu follows each model's read right)."""
    return [{"id": "admin.outbox", "parent": "admin", "title": _("Outbox"), "order": 60,
             "route": "zg.model.list", "route_kw": {"model": OUTBOX_MESSAGE.name},
             "permission": OUTBOX_MESSAGE.permission("read")},
            {"id": "admin.mailboxes", "parent": "admin", "title": _("Mailboxes"), "order": 61,
             "route": "zg.model.list", "route_kw": {"model": MAILBOX.name},
             "permission": MAILBOX.permission("read")}]
