"""numbering sequences and their per-period counters

Revision ID: base_0002
Revises: base_0001
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "base_0002"
down_revision = "base_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "base_sequence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(40), nullable=False),
        sa.Column("padding", sa.Integer(), nullable=False),
        sa.Column("reset", sa.String(10), nullable=False),
        sa.Column("user_editable", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_sequence")),
        sa.UniqueConstraint("code", name=op.f("uq_base_sequence_code")),
    )
    op.create_table(
        "base_sequence_counter",
        sa.Column("sequence_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["sequence_id"], ["base_sequence.id"],
                                name=op.f("fk_base_sequence_counter_sequence_id_base_sequence")),
        sa.PrimaryKeyConstraint("sequence_id", "period", name=op.f("pk_base_sequence_counter")),
    )


def downgrade() -> None:
    op.drop_table("base_sequence_counter")
    op.drop_table("base_sequence")
