"""Materialised-path trees (core/tree.py), through departments: moves rewrite the paths below, cycles refused."""
from __future__ import annotations

import pytest

from core.lifecycle import Lifecycle
from core.security.models import Department
from core.security.services import SecurityError, department_path
from tests.conftest import fixture_catalog


def _dept(session, name, parent=None) -> Department:
    dept = Department(name=name, parent=parent)
    session.add(dept)
    department_path(session, dept)
    return dept


def test_moving_a_department_moves_everything_below_and_a_cycle_is_refused(database):
    Lifecycle(database, fixture_catalog()).install([])
    with database.session() as session:
        sales = _dept(session, "销售部")
        east = _dept(session, "华东区", sales)
        hangzhou = _dept(session, "杭州组", east)
        other = _dept(session, "市场部")
        assert hangzhou.path == f"/{sales.id}/{east.id}/{hangzhou.id}/"

        east.parent = other  # 华东区 moves to 市场部, 杭州组 with it
        department_path(session, east)
        session.flush()
        assert (east.path, hangzhou.path) == (f"/{other.id}/{east.id}/", f"/{other.id}/{east.id}/{hangzhou.id}/")

        other.parent = hangzhou  # under its own grandchild
        with pytest.raises(SecurityError):
            department_path(session, other)
        session.rollback()
