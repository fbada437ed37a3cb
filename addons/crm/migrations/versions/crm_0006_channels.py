"""crm: channel types and levels, and the channel profile of partners

Revision ID: crm_0006
Revises: crm_0005
Create Date: 2026-11-26
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "crm_0006"
down_revision = "crm_0005"
branch_labels = None
depends_on = None


def _choice_list(name: str) -> None:
    op.create_table(name,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
    sa.UniqueConstraint('name', name=op.f(f'uq_{name}_name'))
    )


def upgrade() -> None:
    """Upgrade schema."""
    _choice_list('crm_channel_type')
    _choice_list('crm_channel_level')
    op.create_table('crm_channel',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('channel_type_id', sa.Integer(), nullable=True),
    sa.Column('channel_level_id', sa.Integer(), nullable=True),
    sa.Column('channel_region', sa.String(length=200), nullable=False),
    sa.Column('contract_start', sa.Date(), nullable=True),
    sa.Column('contract_end', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['base_partner.id'], name=op.f('fk_crm_channel_partner_id_base_partner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['channel_type_id'], ['crm_channel_type.id'], name=op.f('fk_crm_channel_channel_type_id_crm_channel_type')),
    sa.ForeignKeyConstraint(['channel_level_id'], ['crm_channel_level.id'], name=op.f('fk_crm_channel_channel_level_id_crm_channel_level')),
    sa.PrimaryKeyConstraint('partner_id', name=op.f('pk_crm_channel'))
    )
    for column in ('channel_type_id', 'channel_level_id', 'contract_end'):
        op.create_index(op.f(f'ix_crm_channel_{column}'), 'crm_channel', [column], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('crm_channel')
    op.drop_table('crm_channel_level')
    op.drop_table('crm_channel_type')
