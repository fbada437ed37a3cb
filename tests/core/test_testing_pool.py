"""The PostgreSQL databases of the tests are emptied and reused: a reused one is exactly like a new one."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core import testing


def _state(url: str) -> dict:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return {
                "schemas": conn.execute(sa.text(
                    "SELECT nspname FROM pg_namespace WHERE left(nspname, 3) <> 'pg_' "
                    "AND nspname <> 'information_schema' ORDER BY 1")).scalars().all(),
                "relations": conn.execute(sa.text(
                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')")).scalar(),
                "extensions": conn.execute(sa.text("SELECT extname FROM pg_extension ORDER BY 1")).scalars().all(),
                "settings": conn.execute(sa.text(
                    "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase "
                    "WHERE d.datname = current_database()")).scalar(),
                "public_owner": conn.execute(sa.text(
                    "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'")).scalar(),
            }
    finally:
        engine.dispose()


@pytest.mark.postgresql_only
def test_a_database_given_back_is_emptied_like_a_new_one(engine_name):
    pool = testing._PostgresPool()
    try:
        name = pool.take()
        url = testing._url_of(name)
        new = _state(url)
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE public.t (x serial PRIMARY KEY)")
            conn.exec_driver_sql("CREATE SCHEMA other")
            conn.exec_driver_sql("CREATE TYPE other.mood AS ENUM ('ok')")
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET work_mem = \'8MB\'')
        engine.dispose()
        assert _state(url) != new

        pool.give_back(name)
        assert pool.take() == name  # reused, not created again
        assert _state(url) == new
    finally:
        pool.close()
    admin = testing._pg_admin_engine()
    with admin.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}).scalar() == 0
    admin.dispose()


@pytest.mark.postgresql_only
def test_a_database_the_test_dropped_is_forgotten(engine_name):
    pool = testing._PostgresPool()
    try:
        name = pool.take()
        testing._drop_databases([name])
        pool.give_back(name)
        assert pool.take() != name
    finally:
        pool.close()
