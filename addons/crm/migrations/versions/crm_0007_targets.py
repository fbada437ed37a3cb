"""crm: the targets part — sales targets, points rules and the points history

Revision ID: crm_0007
Revises: crm_0006
Create Date: 2026-11-26
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "crm_0007"
down_revision = "crm_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('crm_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('scope_key', sa.String(length=40), nullable=False),
    sa.Column('period_kind', sa.String(length=8), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('actual', sa.BigInteger(), nullable=False),
    sa.Column('attainment', sa.BigInteger(), nullable=True),
    sa.Column('actual_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['zg_user.id'], name=op.f('fk_crm_target_user_id_zg_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['zg_department.id'], name=op.f('fk_crm_target_department_id_zg_department'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_target')),
    sa.UniqueConstraint('scope_key', 'period', name='uq_crm_target_scope_period')
    )
    for column in ('user_id', 'department_id', 'period', 'start_date'):
        op.create_index(op.f(f'ix_crm_target_{column}'), 'crm_target', [column], unique=False)
    op.create_table('crm_points_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_points_rule'))
    )
    op.create_table('crm_points_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('referred_partner_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['base_partner.id'], name=op.f('fk_crm_points_entry_partner_id_base_partner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['crm_points_rule.id'], name=op.f('fk_crm_points_entry_rule_id_crm_points_rule'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['referred_partner_id'], ['base_partner.id'], name=op.f('fk_crm_points_entry_referred_partner_id_base_partner'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['by_id'], ['zg_user.id'], name=op.f('fk_crm_points_entry_by_id_zg_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_points_entry'))
    )
    for column in ('partner_id', 'rule_id', 'referred_partner_id', 'at'):
        op.create_index(op.f(f'ix_crm_points_entry_{column}'), 'crm_points_entry', [column], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('crm_points_entry')
    op.drop_table('crm_points_rule')
    op.drop_table('crm_target')
