"""operator: tenants, their domains, the serial and the operator's audit log

Revision ID: op_0001
Revises:
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "op_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "op_tenant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("uid", sa.String(32), nullable=False),
        sa.Column("db_url", sa.String(1000), nullable=False),
        sa.Column("files_dir", sa.String(1000), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("plan", sa.String(40), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_op_tenant")),
        sa.UniqueConstraint("name", name=op.f("uq_op_tenant_name")),
        sa.UniqueConstraint("uid", name=op.f("uq_op_tenant_uid")),
    )
    op.create_table(
        "op_domain",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["op_tenant.id"], name=op.f("fk_op_domain_tenant_id_op_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_op_domain")),
    )
    op.create_index(op.f("ix_op_domain_tenant_id"), "op_domain", ["tenant_id"])
    op.create_table(
        "op_meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_op_meta")),
    )
    op.create_table(
        "op_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("result", sa.String(10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_op_log")),
    )
    op.create_index(op.f("ix_op_log_at"), "op_log", ["at"])
    op.create_index(op.f("ix_op_log_tenant"), "op_log", ["tenant"])


def downgrade() -> None:
    op.drop_index(op.f("ix_op_log_tenant"), table_name="op_log")
    op.drop_index(op.f("ix_op_log_at"), table_name="op_log")
    op.drop_table("op_log")
    op.drop_table("op_meta")
    op.drop_index(op.f("ix_op_domain_tenant_id"), table_name="op_domain")
    op.drop_table("op_domain")
    op.drop_table("op_tenant")
