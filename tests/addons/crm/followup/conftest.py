"""The crm site (tests/addons/crm/conftest.py) plus follow-up rights: reps own tasks and visits, the manager
sees the team's (subtree) and may comment on activities."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.security.models import Role, RoleGrant, User

from ..conftest import site  # noqa: F401  (the shared fixture)

REP = {"crm.task": ("read,create,edit", "shared"), "crm.visit": ("read,create,edit", "own"),
       "base.activity": ("read,create,edit", "own")}
MANAGER = {"crm.task": ("read,create,edit,delete", "subtree"), "crm.visit": ("read,create,edit", "subtree"),
           "base.activity": ("read,create,edit,approve", "subtree")}


@pytest.fixture
def fsite(site):  # noqa: F811
    """The site with the follow-up grants."""
    with site.db.session() as session:
        for login in ("rep", "rep2", "loner", "mgr"):
            user = session.scalar(sa.select(User).where(User.login == login))
            role = Role(name=f"{login}-followup")
            for model, (actions, scope) in (MANAGER if login == "mgr" else REP).items():
                role.grants.append(RoleGrant(model=model, actions=actions, scope=scope))
            session.add(role)
            session.flush()
            user.roles.append(role)
        session.commit()
    return site
