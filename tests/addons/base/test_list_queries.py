"""A list page reads the related records it shows (owner, industry…) for the whole page at once."""
from __future__ import annotations

import sqlalchemy as sa

from core import records
from core.addons import Catalog
from core.db import Database
from core.security.access import Access
from core.security.models import User
from core.testing import install_cached
from core.web import make_config


def _queries_for_a_page(db: Database, descriptor, size: int) -> tuple[int, int]:
    executed = []
    listener = lambda *args: executed.append(1)  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with db.session() as session:
            user = session.scalar(sa.select(User).where(User.login == "admin"))
            access = Access(session, user)
            executed.clear()
            page = records.page(session, descriptor, access, size=size)
            for record in page.items:
                for column in descriptor.columns:
                    records.field_value(record, column.name)
            return len(page.items), len(executed)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


def test_the_partner_list_costs_the_same_queries_for_5_or_20_rows(db_url):
    catalog = Catalog.from_modules({"base": "addons.base"})
    install_cached(db_url, catalog, ["base"], demo=True)
    config = make_config({"zhanggui.db_url": db_url, "zhanggui.session_secret": "x"}, catalog=catalog)
    config.commit()
    descriptor = config.registry.zg_models["base.partner"]
    db = Database(db_url)
    try:
        few = _queries_for_a_page(db, descriptor, 5)
        many = _queries_for_a_page(db, descriptor, 20)
    finally:
        db.dispose()
    assert few[0] == 5 and many[0] == 20
    assert many[1] == few[1], f"{few[1]} queries for 5 rows, {many[1]} for 20"
