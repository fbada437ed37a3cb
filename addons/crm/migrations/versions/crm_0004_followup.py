"""crm: the followup part

Tasks (sales follow-up, service, revisit), field visits, crm's details of base activities
(materials, progress: a model extension of base.activity) and managers' daily comments (批示).

Revision ID: crm_0004
Revises: crm_0003
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "crm_0004"
down_revision = "crm_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('crm_supervision_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['zg_user.id'], name=op.f('fk_crm_supervision_comment_author_id_zg_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rep_id'], ['zg_user.id'], name=op.f('fk_crm_supervision_comment_rep_id_zg_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_supervision_comment'))
    )
    with op.batch_alter_table('crm_supervision_comment', schema=None) as batch_op:
        batch_op.create_index('ix_crm_supervision_comment_rep_day', ['rep_id', 'day'], unique=False)

    op.create_table('crm_activity_detail',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('materials', sa.Text(), nullable=False),
    sa.Column('progress', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['base_activity.id'], name=op.f('fk_crm_activity_detail_activity_id_base_activity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('activity_id', name=op.f('pk_crm_activity_detail'))
    )
    with op.batch_alter_table('crm_activity_detail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_activity_detail_progress'), ['progress'], unique=False)

    op.create_table('crm_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('opportunity_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['base_activity.id'], name=op.f('fk_crm_task_activity_id_base_activity'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['base_contact.id'], name=op.f('fk_crm_task_contact_id_base_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['zg_user.id'], name=op.f('fk_crm_task_created_by_id_zg_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['zg_department.id'], name=op.f('fk_crm_task_department_id_zg_department'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['crm_opportunity.id'], name=op.f('fk_crm_task_opportunity_id_crm_opportunity'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['zg_user.id'], name=op.f('fk_crm_task_owner_id_zg_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['base_partner.id'], name=op.f('fk_crm_task_partner_id_base_partner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_task'))
    )
    with op.batch_alter_table('crm_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_task_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_task_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_task_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_task_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_crm_task_owner_state_due', ['owner_id', 'state', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_task_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_task_state'), ['state'], unique=False)

    op.create_table('crm_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('planned_date', sa.Date(), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('checkin_at', sa.DateTime(), nullable=True),
    sa.Column('checkin_place', sa.String(length=300), nullable=False),
    sa.Column('checkin_lat', sa.BigInteger(), nullable=True),
    sa.Column('checkin_lng', sa.BigInteger(), nullable=True),
    sa.Column('checkout_at', sa.DateTime(), nullable=True),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['base_activity.id'], name=op.f('fk_crm_visit_activity_id_base_activity'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['base_contact.id'], name=op.f('fk_crm_visit_contact_id_base_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['zg_department.id'], name=op.f('fk_crm_visit_department_id_zg_department'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['zg_user.id'], name=op.f('fk_crm_visit_owner_id_zg_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['base_partner.id'], name=op.f('fk_crm_visit_partner_id_base_partner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_visit'))
    )
    with op.batch_alter_table('crm_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_visit_department_id'), ['department_id'], unique=False)
        batch_op.create_index('ix_crm_visit_owner_date', ['owner_id', 'planned_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_visit_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_visit_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_visit_planned_date'), ['planned_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_visit_state'), ['state'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('crm_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_visit_state'))
        batch_op.drop_index(batch_op.f('ix_crm_visit_planned_date'))
        batch_op.drop_index(batch_op.f('ix_crm_visit_partner_id'))
        batch_op.drop_index(batch_op.f('ix_crm_visit_owner_id'))
        batch_op.drop_index('ix_crm_visit_owner_date')
        batch_op.drop_index(batch_op.f('ix_crm_visit_department_id'))

    op.drop_table('crm_visit')
    with op.batch_alter_table('crm_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_task_state'))
        batch_op.drop_index(batch_op.f('ix_crm_task_partner_id'))
        batch_op.drop_index('ix_crm_task_owner_state_due')
        batch_op.drop_index(batch_op.f('ix_crm_task_owner_id'))
        batch_op.drop_index(batch_op.f('ix_crm_task_opportunity_id'))
        batch_op.drop_index(batch_op.f('ix_crm_task_due_date'))
        batch_op.drop_index(batch_op.f('ix_crm_task_department_id'))

    op.drop_table('crm_task')
    with op.batch_alter_table('crm_activity_detail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_activity_detail_progress'))

    op.drop_table('crm_activity_detail')
    with op.batch_alter_table('crm_supervision_comment', schema=None) as batch_op:
        batch_op.drop_index('ix_crm_supervision_comment_rep_day')

    op.drop_table('crm_supervision_comment')
