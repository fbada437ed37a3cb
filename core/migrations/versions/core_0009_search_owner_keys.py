"""search: the owner's key in the search text of records with an owner (searches in scope "own")

Revision ID: core_0009
Revises: core_0008
Create Date: 2026-11-26

Appends the owner's key (``core.search.text.owner_key``: ``qxbaa`` for user 1) to the ``zg_search``
text of every record whose table has an ``owner_id``, with one UPDATE per table and owner (no
pinyin is recomputed): a user whose record scope is "own" then searches through the index among
their own records only.
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0009"
down_revision = "core_0008"
branch_labels = None
depends_on = None

#: Past this many entries the trigram index is dropped and built again rather than kept up to date row
#: by row (a million partners: 15 minutes row by row on PostgreSQL, 4 with the rebuild).
REBUILD_FROM = 20_000


def _owned_tables(conn) -> list[str]:
    inspector = sa.inspect(conn)
    names = set(inspector.get_table_names())
    found = conn.execute(sa.text("SELECT DISTINCT table_name FROM zg_search")).scalars().all()
    return [t for t in found if t in names and "owner_id" in {c["name"] for c in inspector.get_columns(t)}]


def _each_owner(conn, change) -> None:
    """``change(table, quoted table, owner id, key)`` for every owner of every owned, indexed table."""
    from core.search.text import owner_key

    for table in _owned_tables(conn):
        quoted = conn.dialect.identifier_preparer.quote(table)
        owners = conn.execute(sa.text(f"SELECT DISTINCT owner_id FROM {quoted} WHERE owner_id IS NOT NULL"))
        for owner_id in owners.scalars().all():
            change(table, quoted, owner_id, owner_key(owner_id))


def _rebuilding(conn, work) -> None:
    from core.search import ddl

    rebuild = conn.execute(sa.text("SELECT count(*) FROM zg_search")).scalar() > REBUILD_FROM
    if rebuild:
        ddl.suspend(conn)
    work()
    if rebuild:
        ddl.resume(conn)


def upgrade() -> None:
    conn = op.get_bind()

    def append(table, quoted, owner_id, key):
        conn.execute(sa.text(
            f"UPDATE zg_search SET text = text || :key WHERE table_name = :table "
            f"AND record_id IN (SELECT id FROM {quoted} WHERE owner_id = :owner)"),
            {"key": f"{key} ", "table": table, "owner": owner_id})

    _rebuilding(conn, lambda: _each_owner(conn, append))


def downgrade() -> None:
    conn = op.get_bind()

    def remove(table, quoted, owner_id, key):
        conn.execute(sa.text(
            f"UPDATE zg_search SET text = REPLACE(text, :key, ' ') WHERE table_name = :table "
            f"AND record_id IN (SELECT id FROM {quoted} WHERE owner_id = :owner)"),
            {"key": f" {key} ", "table": table, "owner": owner_id})

    _rebuilding(conn, lambda: _each_owner(conn, remove))
