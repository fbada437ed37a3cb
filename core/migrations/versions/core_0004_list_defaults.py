"""list defaults: the administrator's default list columns per model

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0004"
# Chained after core_0003 (notifications) now that both exist.
down_revision = "core_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zg_list_default",
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("model", name=op.f("pk_zg_list_default")),
    )


def downgrade() -> None:
    op.drop_table("zg_list_default")
