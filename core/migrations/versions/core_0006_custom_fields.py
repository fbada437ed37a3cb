"""custom fields, their values and renamed labels

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zg_custom_field",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title_zh", sa.String(100), nullable=False),
        sa.Column("title_en", sa.String(100), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("show", sa.JSON(), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("filterable", sa.Boolean(), nullable=False),
        sa.Column("searchable", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zg_custom_field")),
        sa.UniqueConstraint("model", "code", name=op.f("uq_zg_custom_field_model_code")),
    )
    op.create_index(op.f("ix_zg_custom_field_model"), "zg_custom_field", ["model"])
    op.create_table(
        "zg_custom_value",
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("model", "record_id", name=op.f("pk_zg_custom_value")),
    )
    op.create_table(
        "zg_field_label",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("title_zh", sa.String(100), nullable=False),
        sa.Column("title_en", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zg_field_label")),
        sa.UniqueConstraint("model", "field", name=op.f("uq_zg_field_label_model_field")),
    )
    op.create_index(op.f("ix_zg_field_label_model"), "zg_field_label", ["model"])


def downgrade() -> None:
    # The expression indexes of filterable fields (PostgreSQL) go with their table.
    op.drop_index(op.f("ix_zg_field_label_model"), table_name="zg_field_label")
    op.drop_table("zg_field_label")
    op.drop_table("zg_custom_value")
    op.drop_index(op.f("ix_zg_custom_field_model"), table_name="zg_custom_field")
    op.drop_table("zg_custom_field")
