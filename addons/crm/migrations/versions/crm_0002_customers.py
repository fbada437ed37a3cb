"""crm: the customer profile on partners (types, levels, credit, status, pool state, points)

Revision ID: crm_0002
Revises: crm_0001
Create Date: 2026-11-26
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "crm_0002"
down_revision = "crm_0001"
branch_labels = None
depends_on = None


def _choice_list(name: str, *extra) -> None:
    op.create_table(name,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    *extra,
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
    sa.UniqueConstraint('name', name=op.f(f'uq_{name}_name'))
    )


def upgrade() -> None:
    """Upgrade schema."""
    _choice_list('crm_customer_type', sa.Column('pool_days', sa.Integer(), nullable=False),
                 sa.Column('warn_days', sa.Integer(), nullable=False))
    _choice_list('crm_customer_level')
    op.create_table('crm_customer',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('customer_type_id', sa.Integer(), nullable=True),
    sa.Column('customer_level_id', sa.Integer(), nullable=True),
    sa.Column('credit_rating', sa.String(length=4), nullable=False),
    sa.Column('customer_status', sa.String(length=12), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('last_contact_at', sa.DateTime(), nullable=True),
    sa.Column('in_pool', sa.Boolean(), nullable=False),
    sa.Column('pooled_at', sa.DateTime(), nullable=True),
    sa.Column('pool_warned_at', sa.DateTime(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['base_partner.id'], name=op.f('fk_crm_customer_partner_id_base_partner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_type_id'], ['crm_customer_type.id'], name=op.f('fk_crm_customer_customer_type_id_crm_customer_type')),
    sa.ForeignKeyConstraint(['customer_level_id'], ['crm_customer_level.id'], name=op.f('fk_crm_customer_customer_level_id_crm_customer_level')),
    sa.ForeignKeyConstraint(['campaign_id'], ['crm_campaign.id'], name=op.f('fk_crm_customer_campaign_id_crm_campaign'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['channel_id'], ['base_partner.id'], name=op.f('fk_crm_customer_channel_id_base_partner'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('partner_id', name=op.f('pk_crm_customer'))
    )
    for column in ('customer_type_id', 'customer_level_id', 'customer_status', 'campaign_id', 'channel_id',
                   'last_contact_at', 'in_pool', 'points'):
        op.create_index(op.f(f'ix_crm_customer_{column}'), 'crm_customer', [column], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('crm_customer')
    op.drop_table('crm_customer_level')
    op.drop_table('crm_customer_type')
