"""Attachments demo setup (zhanggui init --demo): the roles' rights.

No demo files: the demo runs without the ini's settings, so it cannot know where
``zhanggui.attachments_dir`` is; people attach their own files when trying it out.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from core.security import demo

#: (role, actions, scope of the Attachments list: a record's tab follows the record instead)
GRANTS = [("销售代表", "read,create,delete", "own"), ("销售经理", "read,create,delete", "subtree"),
          ("总经理", "read", "all"), ("采购员", "read,create,delete", "own"), ("仓库管理员", "read,create", "own"),
          ("会计", "read,create", "own")]


def create(session: Session) -> list[str]:
    """Give the demo roles their attachment rights; return lines to print."""
    for role, actions, scope in GRANTS:
        demo.grant(session, role, "base.attachment", actions, scope=scope)
    return []
