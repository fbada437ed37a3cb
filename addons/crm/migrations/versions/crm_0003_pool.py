"""crm: the pool part (the public pool's settings; the pool itself is crm_customer.in_pool)

Revision ID: crm_0003
Revises: crm_0002
Create Date: 2026-11-26
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "crm_0003"
down_revision = "crm_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('crm_pool_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('daily_claim_limit', sa.Integer(), nullable=False),
    sa.Column('max_customers', sa.Integer(), nullable=False),
    sa.Column('reclaim_days', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_pool_settings'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('crm_pool_settings')
