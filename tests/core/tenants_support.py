"""Hosting settings for tests: an operator database, a tenants folder, tenants on either engine.

On PostgreSQL the tenants are real databases on the test server, named
``zgt<random>_<tenant>`` so that parallel runs never meet; :func:`hosting` drops
whatever is left of them at the end.
"""
from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from core.testing import _pg_admin_engine, pg_admin_url


@contextlib.contextmanager
def hosting(engine_name: str, tmp_path: Path, **extra: str) -> Iterator[dict]:
    """Settings of a hosting install whose tenants live on ``engine_name``."""
    settings = {
        "zhanggui.session_secret": "test",
        "zhanggui.operator_db": f"sqlite:///{tmp_path / 'operator.sqlite'}",
        "zhanggui.tenants_dir": str(tmp_path / "tenants"),
        "zhanggui.backup_dir": str(tmp_path / "backups"),
        "zhanggui.attachments_dir": str(tmp_path / "default-attachments"),
        **extra,
    }
    prefix = None
    if engine_name == "postgresql":
        prefix = f"zgt{uuid.uuid4().hex[:10]}_"
        url = sa.make_url(pg_admin_url()).set(drivername="postgresql+psycopg", database=prefix + "TENANT")
        settings["zhanggui.tenants_db"] = url.render_as_string(hide_password=False).replace("TENANT", "{name}")
    try:
        yield settings
    finally:
        from core.db import _databases

        for url, db in list(_databases.items()):
            if str(tmp_path) in url or (prefix and prefix in url):
                db.dispose()
                _databases.pop(url, None)
        if prefix:
            admin = _pg_admin_engine()
            with admin.connect() as conn:
                names = conn.execute(sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                     {"p": prefix + "%"}).scalars().all()
                for name in names:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


def tenant_url(operator, name: str) -> str:
    return operator.get(name).db_url
