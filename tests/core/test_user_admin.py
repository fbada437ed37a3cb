"""Administrators manage users through the generic model service, with guard rails."""
from __future__ import annotations

import pytest

from core import records
from core.db import Database
from core.lifecycle import Lifecycle
from core.security.access import Access
from core.security.models import User
from core.security.registration import USER
from core.security.services import SecurityError, create_user
from tests.conftest import fixture_catalog


@pytest.fixture
def admin_session(db_url):
    db = Database(db_url)
    Lifecycle(db, fixture_catalog()).install([])
    with db.session() as session:
        admin, _pw = create_user(session, "boss", "老板", password="boss-password", is_admin=True)
        session.commit()
        yield session, admin
    db.dispose()


def fields(user: User, **changes) -> dict:
    data = {"login": user.login, "name": user.name, "email": "", "phone": "", "department_id": None,
            "other_department_ids": [], "role_ids": [], "locale": "", "active": True, "is_admin": user.is_admin}
    return {**data, **changes}


@pytest.mark.parametrize("change, field", [({"is_admin": False}, "is_admin"), ({"active": False}, "active")])
def test_an_administrator_cannot_lock_themselves_out(admin_session, change, field):
    session, admin = admin_session
    access = Access(session, admin)
    with pytest.raises(SecurityError) as refused:
        records.update(session, USER, access, admin.id, fields(admin, **change))
    assert refused.value.field == field
    session.rollback()
    again = session.get(User, admin.id)
    assert again.is_admin and again.active


def test_an_administrator_can_deactivate_someone_else(admin_session):
    session, admin = admin_session
    clerk, _pw = create_user(session, "clerk", "店员", password="clerk-password")
    session.flush()
    records.update(session, USER, Access(session, admin), clerk.id, fields(clerk, active=False))
    assert session.get(User, clerk.id).active is False
