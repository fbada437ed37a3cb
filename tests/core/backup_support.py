"""A demo site to back up (base + demo data + attachments), and what "identical" means after a restore."""
from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa

from core.db import Database
from core.testing import install_cached
from tests.conftest import fixture_catalog

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND"
       b"\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CSV = "客户,电话\n杭州示范,0571-8888 6666\n".encode()


def demo_site(db_url: str, root: Path) -> SimpleNamespace:
    """base installed with its demo data, and four attachments (three contents) on demo partners."""
    from addons.base.attachments import services
    from addons.base.partners.models import Partner

    catalog = fixture_catalog()
    db = Database(db_url)
    try:
        install_cached(db_url, catalog, [], demo=True)
        settings = {"zhanggui.attachments_dir": str(root)}
        with db.session() as session:
            partners = list(session.scalars(sa.select(Partner.id).order_by(Partner.id).limit(2)))
            for partner, (name, data) in zip(partners * 2, [("logo.png", PNG), ("报价单.pdf", PDF),
                                                             ("客户.csv", CSV), ("copy.png", PNG)]):
                services.store(session, "base.partner", partner, name, data, None, settings)
            session.commit()
    finally:
        db.dispose()
    return SimpleNamespace(url=db_url, root=root, catalog=catalog, settings=settings)


def _order(inspector, table: str) -> str:
    pk = inspector.get_pk_constraint(table).get("constrained_columns") or []
    columns = pk or [c["name"] for c in inspector.get_columns(table)]
    return ", ".join(f'"{c}"' for c in columns)


def table_rows(db_url: str) -> dict[str, list[tuple]]:
    """Every table's rows, ``SELECT * ORDER BY`` its primary key (or all columns)."""
    engine = sa.create_engine(sa.make_url(db_url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {t: [tuple(r) for r in conn.exec_driver_sql(f'SELECT * FROM "{t}" ORDER BY {_order(inspector, t)}')]
                    for t in sorted(inspector.get_table_names())}
    finally:
        engine.dispose()


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by its path there, with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def wipe(db_url: str) -> None:
    """Lose the database: delete the SQLite file, or drop every table of the PostgreSQL one."""
    from core.db import _databases

    for url, db in list(_databases.items()):
        if url == db_url:
            db.dispose()
            _databases.pop(url, None)
    url = sa.make_url(db_url)
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()
