"""partners: partners, their contacts and bank accounts, categories, industries, sources and tags

Revision ID: base_0004
Revises: base_0003
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "base_0004"
down_revision = "base_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "base_industry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_industry")),
        sa.UniqueConstraint("name", name=op.f("uq_base_industry_name")),
    )
    op.create_table(
        "base_partner_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_partner_category")),
        sa.UniqueConstraint("role", "name", name=op.f("uq_base_partner_category_role_name")),
    )
    op.create_index(op.f("ix_base_partner_category_role"), "base_partner_category", ["role"], unique=False)
    op.create_table(
        "base_partner_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_partner_source")),
        sa.UniqueConstraint("name", name=op.f("uq_base_partner_source_name")),
    )
    op.create_table(
        "base_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("color", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_tag")),
        sa.UniqueConstraint("name", name=op.f("uq_base_tag_name")),
    )
    op.create_table(
        "base_partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("short_name", sa.String(60), nullable=False),
        sa.Column("is_customer", sa.Boolean(), nullable=False),
        sa.Column("is_supplier", sa.Boolean(), nullable=False),
        sa.Column("is_channel", sa.Boolean(), nullable=False),
        sa.Column("customer_category_id", sa.Integer(), nullable=True),
        sa.Column("supplier_category_id", sa.Integer(), nullable=True),
        sa.Column("channel_category_id", sa.Integer(), nullable=True),
        sa.Column("industry_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("mobile", sa.String(40), nullable=False),
        sa.Column("fax", sa.String(40), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("website", sa.String(200), nullable=False),
        sa.Column("tax_number", sa.String(40), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("province", sa.String(6), nullable=False),
        sa.Column("city", sa.String(6), nullable=False),
        sa.Column("district", sa.String(6), nullable=False),
        sa.Column("street", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["channel_category_id"], ["base_partner_category.id"],
                                name=op.f("fk_base_partner_channel_category_id_base_partner_category")),
        sa.ForeignKeyConstraint(["customer_category_id"], ["base_partner_category.id"],
                                name=op.f("fk_base_partner_customer_category_id_base_partner_category")),
        sa.ForeignKeyConstraint(["department_id"], ["zg_department.id"],
                                name=op.f("fk_base_partner_department_id_zg_department"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["industry_id"], ["base_industry.id"],
                                name=op.f("fk_base_partner_industry_id_base_industry")),
        sa.ForeignKeyConstraint(["owner_id"], ["zg_user.id"],
                                name=op.f("fk_base_partner_owner_id_zg_user"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["source_id"], ["base_partner_source.id"],
                                name=op.f("fk_base_partner_source_id_base_partner_source")),
        sa.ForeignKeyConstraint(["supplier_category_id"], ["base_partner_category.id"],
                                name=op.f("fk_base_partner_supplier_category_id_base_partner_category")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_partner")),
        sa.UniqueConstraint("code", name=op.f("uq_base_partner_code")),
    )
    op.create_index(op.f("ix_base_partner_active"), "base_partner", ["active"], unique=False)
    op.create_index(op.f("ix_base_partner_channel_category_id"),
                   "base_partner", ["channel_category_id"], unique=False)
    op.create_index(op.f("ix_base_partner_customer_category_id"),
                   "base_partner", ["customer_category_id"], unique=False)
    op.create_index(op.f("ix_base_partner_department_id"), "base_partner", ["department_id"], unique=False)
    op.create_index(op.f("ix_base_partner_industry_id"), "base_partner", ["industry_id"], unique=False)
    op.create_index(op.f("ix_base_partner_is_channel"), "base_partner", ["is_channel"], unique=False)
    op.create_index(op.f("ix_base_partner_is_customer"), "base_partner", ["is_customer"], unique=False)
    op.create_index(op.f("ix_base_partner_is_supplier"), "base_partner", ["is_supplier"], unique=False)
    op.create_index(op.f("ix_base_partner_owner_id"), "base_partner", ["owner_id"], unique=False)
    op.create_index(op.f("ix_base_partner_province"), "base_partner", ["province"], unique=False)
    op.create_index(op.f("ix_base_partner_source_id"), "base_partner", ["source_id"], unique=False)
    op.create_index(op.f("ix_base_partner_supplier_category_id"),
                   "base_partner", ["supplier_category_id"], unique=False)
    op.create_table(
        "base_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("mobile", sa.String(40), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("wechat", sa.String(60), nullable=False),
        sa.Column("qq", sa.String(20), nullable=False),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("province", sa.String(6), nullable=False),
        sa.Column("city", sa.String(6), nullable=False),
        sa.Column("district", sa.String(6), nullable=False),
        sa.Column("street", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["department_id"], ["zg_department.id"],
                                name=op.f("fk_base_contact_department_id_zg_department"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["owner_id"], ["zg_user.id"],
                                name=op.f("fk_base_contact_owner_id_zg_user"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["parent_id"], ["base_contact.id"],
                                name=op.f("fk_base_contact_parent_id_base_contact"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["partner_id"], ["base_partner.id"],
                                name=op.f("fk_base_contact_partner_id_base_partner"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_contact")),
    )
    op.create_index(op.f("ix_base_contact_active"), "base_contact", ["active"], unique=False)
    op.create_index(op.f("ix_base_contact_department_id"), "base_contact", ["department_id"], unique=False)
    op.create_index(op.f("ix_base_contact_owner_id"), "base_contact", ["owner_id"], unique=False)
    op.create_index(op.f("ix_base_contact_parent_id"), "base_contact", ["parent_id"], unique=False)
    op.create_index(op.f("ix_base_contact_partner_id"), "base_contact", ["partner_id"], unique=False)
    op.create_table(
        "base_partner_bank",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(200), nullable=False),
        sa.Column("account_name", sa.String(200), nullable=False),
        sa.Column("account_number", sa.String(60), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["department_id"], ["zg_department.id"],
                                name=op.f("fk_base_partner_bank_department_id_zg_department"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["owner_id"], ["zg_user.id"],
                                name=op.f("fk_base_partner_bank_owner_id_zg_user"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["partner_id"], ["base_partner.id"],
                                name=op.f("fk_base_partner_bank_partner_id_base_partner"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_partner_bank")),
    )
    op.create_index(op.f("ix_base_partner_bank_department_id"),
                   "base_partner_bank", ["department_id"], unique=False)
    op.create_index(op.f("ix_base_partner_bank_owner_id"), "base_partner_bank", ["owner_id"], unique=False)
    op.create_index(op.f("ix_base_partner_bank_partner_id"), "base_partner_bank", ["partner_id"], unique=False)
    op.create_table(
        "base_partner_tag",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["base_partner.id"],
                                name=op.f("fk_base_partner_tag_partner_id_base_partner"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["base_tag.id"],
                                name=op.f("fk_base_partner_tag_tag_id_base_tag"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("partner_id", "tag_id", name=op.f("pk_base_partner_tag")),
    )
    op.create_index(op.f("ix_base_partner_tag_tag_id"), "base_partner_tag", ["tag_id"], unique=False)


def downgrade() -> None:
    op.drop_table("base_partner_tag")
    op.drop_table("base_partner_bank")
    op.drop_table("base_contact")
    op.drop_table("base_partner")
    op.drop_table("base_tag")
    op.drop_table("base_partner_source")
    op.drop_table("base_partner_category")
    op.drop_table("base_industry")
