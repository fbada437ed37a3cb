"""owner history: how the owner changed (a transfer, or an addon's kind such as a claim from a pool)

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0008"
down_revision = "core_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("zg_owner_change") as batch:
        batch.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="transfer"))


def downgrade() -> None:
    with op.batch_alter_table("zg_owner_change") as batch:
        batch.drop_column("kind")
