"""print templates

Revision ID: base_0011
Revises: base_0010
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "base_0011"
down_revision = "base_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "base_print_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("css", sa.Text(), nullable=False),
        sa.Column("paper", sa.String(10), nullable=False),
        sa.Column("orientation", sa.String(10), nullable=False),
        sa.Column("margin_top", sa.Integer(), nullable=False),
        sa.Column("margin_right", sa.Integer(), nullable=False),
        sa.Column("margin_bottom", sa.Integer(), nullable=False),
        sa.Column("margin_left", sa.Integer(), nullable=False),
        sa.Column("label_rows", sa.Integer(), nullable=False),
        sa.Column("label_columns", sa.Integer(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_print_template")),
    )
    op.create_index(op.f("ix_base_print_template_model"), "base_print_template", ["model"])


def downgrade() -> None:
    op.drop_index(op.f("ix_base_print_template_model"), table_name="base_print_template")
    op.drop_table("base_print_template")
