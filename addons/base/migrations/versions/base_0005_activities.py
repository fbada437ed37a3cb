"""activities (联系记录) on any record and managers' comments on them

Revision ID: base_0005
Revises: base_0004
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "base_0005"
down_revision = "base_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "base_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("next_step", sa.String(500), nullable=False),
        sa.Column("next_due", sa.DateTime(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["base_partner.id"], ondelete="SET NULL",
                                name=op.f("fk_base_activity_partner_id_base_partner")),
        sa.ForeignKeyConstraint(["contact_id"], ["base_contact.id"], ondelete="SET NULL",
                                name=op.f("fk_base_activity_contact_id_base_contact")),
        sa.ForeignKeyConstraint(["owner_id"], ["zg_user.id"], ondelete="SET NULL",
                                name=op.f("fk_base_activity_owner_id_zg_user")),
        sa.ForeignKeyConstraint(["department_id"], ["zg_department.id"], ondelete="SET NULL",
                                name=op.f("fk_base_activity_department_id_zg_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_activity")),
    )
    op.create_index("ix_base_activity_record", "base_activity", ["model", "record_id"])
    op.create_index("ix_base_activity_due", "base_activity", ["done", "next_due"])
    op.create_index(op.f("ix_base_activity_at"), "base_activity", ["at"])
    op.create_index(op.f("ix_base_activity_partner_id"), "base_activity", ["partner_id"])
    op.create_index(op.f("ix_base_activity_contact_id"), "base_activity", ["contact_id"])
    op.create_index(op.f("ix_base_activity_owner_id"), "base_activity", ["owner_id"])
    op.create_index(op.f("ix_base_activity_department_id"), "base_activity", ["department_id"])
    op.create_table(
        "base_activity_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["base_activity.id"], ondelete="CASCADE",
                                name=op.f("fk_base_activity_comment_activity_id_base_activity")),
        sa.ForeignKeyConstraint(["author_id"], ["zg_user.id"], ondelete="SET NULL",
                                name=op.f("fk_base_activity_comment_author_id_zg_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_activity_comment")),
    )
    op.create_index(op.f("ix_base_activity_comment_activity_id"), "base_activity_comment", ["activity_id"])


def downgrade() -> None:
    op.drop_table("base_activity_comment")
    op.drop_table("base_activity")
