"""company and settings

Revision ID: base_0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "base_0001"
down_revision = None
branch_labels = ("addon_base",)
depends_on = ("core",)


def upgrade() -> None:
    op.create_table(
        "base_company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("short_name", sa.String(60), nullable=False),
        sa.Column("address", sa.String(500), nullable=False),
        sa.Column("phone", sa.String(60), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("website", sa.String(200), nullable=False),
        sa.Column("tax_number", sa.String(40), nullable=False),
        sa.Column("bank_name", sa.String(200), nullable=False),
        sa.Column("bank_account", sa.String(60), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(40), nullable=False),
        sa.Column("theme", sa.String(40), nullable=False, server_default="default"),
        sa.Column("idle_lock_minutes", sa.Integer(), nullable=False, server_default="30"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_company")),
    )
    op.create_table(
        "base_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quantity_decimals", sa.Integer(), nullable=False),
        sa.Column("price_decimals", sa.Integer(), nullable=False),
        sa.Column("amount_decimals", sa.Integer(), nullable=False),
        sa.Column("base_currency", sa.String(3), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_settings")),
    )


def downgrade() -> None:
    op.drop_table("base_settings")
    op.drop_table("base_company")
