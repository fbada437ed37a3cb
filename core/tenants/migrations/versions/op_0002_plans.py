"""operator: plans (which addons a tenant may enable) and the console's sign-in failures

Revision ID: op_0002
Revises: op_0001
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "op_0002"
down_revision = "op_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "op_plan",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("addons", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_op_plan")),
    )
    op.create_table(
        "op_signin",
        sa.Column("login", sa.String(80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_op_signin")),
    )
    # Tenants name their plan; a plan in use cannot disappear under them.
    with op.batch_alter_table("op_tenant") as batch:
        batch.create_foreign_key(op.f("fk_op_tenant_plan_op_plan"), "op_plan", ["plan"], ["name"],
                                 onupdate="CASCADE")


def downgrade() -> None:
    with op.batch_alter_table("op_tenant") as batch:
        batch.drop_constraint(op.f("fk_op_tenant_plan_op_plan"), type_="foreignkey")
    op.drop_table("op_signin")
    op.drop_table("op_plan")
