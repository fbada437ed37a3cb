"""document links (the document types themselves live in their addons)

Revision ID: base_0007
Revises: base_0006
Create Date: 2026-11-25
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "base_0007"
down_revision = "base_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "base_document_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(64), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_type", sa.String(64), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_document_link")),
    )
    op.create_index("ix_base_document_link_source", "base_document_link", ["source_type", "source_id"])
    op.create_index("ix_base_document_link_target", "base_document_link", ["target_type", "target_id"])


def downgrade() -> None:
    op.drop_index("ix_base_document_link_target", "base_document_link")
    op.drop_index("ix_base_document_link_source", "base_document_link")
    op.drop_table("base_document_link")
