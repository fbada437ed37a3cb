"""Hook implementations of base's backups part (collected by addons/base/hooks.py)."""
from __future__ import annotations

from core.hookspecs import hookimpl
from core.i18n import _


@hookimpl(specname="menu_items")
def backup_menu_items(request):
    return [{"id": "admin.backups", "parent": "admin", "title": _("Backups"), "order": 80,
             "route": "base.backup.list", "permission": "admin"}]
