"""search: zg_search (text per record) with a trigram index; users indexed

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0005"
down_revision = "core_0004"
branch_labels = None
depends_on = None

# The users' index as of this revision (core.security.models.User.__search__ may grow later).
USER_INDEX = dict(names=["name"], texts=["login", "email"], phones=["phone"])


def upgrade() -> None:
    from core.search import SearchIndex, ddl
    from core.search.sync import rebuild

    op.create_table(
        "zg_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(100), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zg_search")),
        sa.UniqueConstraint("table_name", "record_id", name=op.f("uq_zg_search_table_name_record_id")),
    )
    conn = op.get_bind()
    ddl.create(conn)
    rebuild(conn, "zg_user", SearchIndex(**USER_INDEX))


def downgrade() -> None:
    from core.search import ddl

    ddl.drop(op.get_bind())
    op.drop_table("zg_search")
