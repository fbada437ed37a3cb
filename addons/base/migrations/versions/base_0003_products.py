"""products: units and conversions, product categories, products and their units, currencies and rates

Revision ID: base_0003
Revises: base_0002
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "base_0003"
down_revision = "base_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "base_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("symbol", sa.String(10), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_unit")),
        sa.UniqueConstraint("name", name=op.f("uq_base_unit_name")),
    )
    op.create_table(
        "base_unit_conversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_unit_id", sa.Integer(), nullable=False),
        sa.Column("to_unit_id", sa.Integer(), nullable=False),
        sa.Column("factor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["from_unit_id"], ["base_unit.id"],
                                name=op.f("fk_base_unit_conversion_from_unit_id_base_unit")),
        sa.ForeignKeyConstraint(["to_unit_id"], ["base_unit.id"],
                                name=op.f("fk_base_unit_conversion_to_unit_id_base_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_unit_conversion")),
        sa.UniqueConstraint("from_unit_id", "to_unit_id",
                            name=op.f("uq_base_unit_conversion_from_unit_id_to_unit_id")),
    )
    op.create_table(
        "base_product_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("full_name", sa.String(1000), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["base_product_category.id"],
                                name=op.f("fk_base_product_category_parent_id_base_product_category")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_product_category")),
    )
    op.create_index(op.f("ix_base_product_category_parent_id"), "base_product_category", ["parent_id"])
    op.create_index(op.f("ix_base_product_category_path"), "base_product_category", ["path"])
    op.create_table(
        "base_product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("specification", sa.String(200), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("barcode", sa.String(32), nullable=False),
        sa.Column("purchase_price", sa.BigInteger(), nullable=True),
        sa.Column("sale_price", sa.BigInteger(), nullable=True),
        sa.Column("cost", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(2000), nullable=False),
        sa.Column("dedupe_key", sa.String(410), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["base_unit.id"], name=op.f("fk_base_product_unit_id_base_unit")),
        sa.ForeignKeyConstraint(["category_id"], ["base_product_category.id"],
                                name=op.f("fk_base_product_category_id_base_product_category")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_product")),
        sa.UniqueConstraint("code", name=op.f("uq_base_product_code")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_base_product_dedupe_key")),
    )
    op.create_index(op.f("ix_base_product_category_id"), "base_product", ["category_id"])
    op.create_index(op.f("ix_base_product_barcode"), "base_product", ["barcode"])
    op.create_table(
        "base_product_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("factor", sa.BigInteger(), nullable=False),
        sa.Column("barcode", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["base_product.id"], ondelete="CASCADE",
                                name=op.f("fk_base_product_unit_product_id_base_product")),
        sa.ForeignKeyConstraint(["unit_id"], ["base_unit.id"], name=op.f("fk_base_product_unit_unit_id_base_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_product_unit")),
        sa.UniqueConstraint("product_id", "unit_id", name=op.f("uq_base_product_unit_product_id_unit_id")),
    )
    op.create_index(op.f("ix_base_product_unit_product_id"), "base_product_unit", ["product_id"])
    op.create_table(
        "base_currency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(3), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_currency")),
        sa.UniqueConstraint("code", name=op.f("uq_base_currency_code")),
    )
    op.create_table(
        "base_currency_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("rate", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["currency_id"], ["base_currency.id"],
                                name=op.f("fk_base_currency_rate_currency_id_base_currency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_currency_rate")),
        sa.UniqueConstraint("currency_id", "date", name=op.f("uq_base_currency_rate_currency_id_date")),
    )


def downgrade() -> None:
    op.drop_table("base_currency_rate")
    op.drop_table("base_currency")
    op.drop_index(op.f("ix_base_product_unit_product_id"), table_name="base_product_unit")
    op.drop_table("base_product_unit")
    op.drop_index(op.f("ix_base_product_barcode"), table_name="base_product")
    op.drop_index(op.f("ix_base_product_category_id"), table_name="base_product")
    op.drop_table("base_product")
    op.drop_index(op.f("ix_base_product_category_path"), table_name="base_product_category")
    op.drop_index(op.f("ix_base_product_category_parent_id"), table_name="base_product_category")
    op.drop_table("base_product_category")
    op.drop_table("base_unit_conversion")
    op.drop_table("base_unit")
