"""partner creation time (for the "new customers" statistics)

Revision ID: base_0012
Revises: base_0011
Create Date: 2026-11-25
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "base_0012"
down_revision = "base_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("base_partner", sa.Column("created_at", sa.DateTime(), nullable=True))
    op.create_index(op.f("ix_base_partner_created_at"), "base_partner", ["created_at"], unique=False)
    # Existing partners: when the audit trail saw them created, else now (naive UTC).
    partner = sa.table("base_partner", sa.column("id", sa.Integer), sa.column("created_at", sa.DateTime))
    audit = sa.table("zg_audit", sa.column("at", sa.DateTime), sa.column("action", sa.String),
                     sa.column("model", sa.String), sa.column("record_id", sa.Integer))
    created = (sa.select(sa.func.min(audit.c.at))
               .where(audit.c.action == "create", audit.c.model == "base.partner",
                      audit.c.record_id == partner.c.id).scalar_subquery())
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    op.execute(partner.update().values(created_at=sa.func.coalesce(created, now)))


def downgrade() -> None:
    op.drop_index(op.f("ix_base_partner_created_at"), table_name="base_partner")
    op.drop_column("base_partner", "created_at")
