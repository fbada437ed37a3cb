"""attachments on any record (files on disk by content hash)

Revision ID: base_0006
Revises: base_0005
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "base_0006"
down_revision = "base_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "base_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["zg_user.id"], ondelete="SET NULL",
                                name=op.f("fk_base_attachment_owner_id_zg_user")),
        sa.ForeignKeyConstraint(["department_id"], ["zg_department.id"], ondelete="SET NULL",
                                name=op.f("fk_base_attachment_department_id_zg_department")),
        sa.ForeignKeyConstraint(["uploaded_by"], ["zg_user.id"], ondelete="SET NULL",
                                name=op.f("fk_base_attachment_uploaded_by_zg_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_attachment")),
    )
    op.create_index("ix_base_attachment_record", "base_attachment", ["model", "record_id"])
    op.create_index(op.f("ix_base_attachment_sha256"), "base_attachment", ["sha256"])
    op.create_index(op.f("ix_base_attachment_owner_id"), "base_attachment", ["owner_id"])
    op.create_index(op.f("ix_base_attachment_department_id"), "base_attachment", ["department_id"])


def downgrade() -> None:
    op.drop_table("base_attachment")
