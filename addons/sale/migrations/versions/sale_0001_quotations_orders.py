"""quotations and sales orders, with their lines

Revision ID: sale_0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "sale_0001"
down_revision = None
branch_labels = ("addon_sale",)
depends_on = ("addon_base",)


def _document(table: str, *own: sa.Column) -> None:
    """A document table: the document base's header columns (DocumentMixin + Owned) and ``own``."""
    op.create_table(
        table,
        *own,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("rate", sa.BigInteger(), nullable=False),
        sa.Column("prices_include_tax", sa.Boolean(), nullable=False),
        sa.Column("amount_untaxed", sa.BigInteger(), nullable=False),
        sa.Column("amount_tax", sa.BigInteger(), nullable=False),
        sa.Column("amount_total", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_reason", sa.String(500), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["department_id"], ["zg_department.id"],
                                name=op.f(f"fk_{table}_department_id_zg_department"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["owner_id"], ["zg_user.id"], name=op.f(f"fk_{table}_owner_id_zg_user"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["partner_id"], ["base_partner.id"],
                                name=op.f(f"fk_{table}_partner_id_base_partner")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("number", name=f"uq_{table}_number"),
    )
    op.create_index(f"ix_{table}_date", table, ["date"])
    op.create_index(f"ix_{table}_state", table, ["state"])
    for column in ("department_id", "owner_id", "partner_id"):
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def _lines(table: str, document: str) -> None:
    """A line table: the document base's line columns (DocumentLineMixin) and ``document_id``."""
    op.create_table(
        table,
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("discount", sa.BigInteger(), nullable=False),
        sa.Column("tax_rate", sa.BigInteger(), nullable=False),
        sa.Column("amount_untaxed", sa.BigInteger(), nullable=False),
        sa.Column("amount_tax", sa.BigInteger(), nullable=False),
        sa.Column("amount_total", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], [f"{document}.id"],
                                name=op.f(f"fk_{table}_document_id_{document}"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["base_product.id"],
                                name=op.f(f"fk_{table}_product_id_base_product")),
        sa.ForeignKeyConstraint(["unit_id"], ["base_unit.id"], name=op.f(f"fk_{table}_unit_id_base_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    op.create_index(op.f(f"ix_{table}_document_id"), table, ["document_id"])
    op.create_index(op.f(f"ix_{table}_product_id"), table, ["product_id"])


def upgrade() -> None:
    _document("sale_quotation", sa.Column("valid_until", sa.Date(), nullable=True),
              sa.Column("payment_terms", sa.String(200), nullable=False))
    _document("sale_order", sa.Column("delivery_date", sa.Date(), nullable=True),
              sa.Column("payment_terms", sa.String(200), nullable=False))
    _lines("sale_quotation_line", "sale_quotation")
    _lines("sale_order_line", "sale_order")


def downgrade() -> None:
    for table in ("sale_order_line", "sale_quotation_line", "sale_order", "sale_quotation"):
        op.drop_table(table)  # their indexes go with them
