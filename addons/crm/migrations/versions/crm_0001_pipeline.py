"""the pipeline, competitors and campaigns

Stages and their checklists, opportunities (influencers, team, answers, stage history),
lost reasons, competitors (products, contacts), campaigns (types, participants, customers).

Revision ID: crm_0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "crm_0001"
down_revision = None
branch_labels = ("addon_crm",)
depends_on = ("addon_base",)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('crm_campaign_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_campaign_type')),
    sa.UniqueConstraint('name', name=op.f('uq_crm_campaign_type_name'))
    )
    op.create_table('crm_competitor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('website', sa.String(length=200), nullable=False),
    sa.Column('strengths', sa.Text(), nullable=False),
    sa.Column('weaknesses', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_competitor')),
    sa.UniqueConstraint('name', name=op.f('uq_crm_competitor_name'))
    )
    op.create_table('crm_lost_reason',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_lost_reason')),
    sa.UniqueConstraint('name', name=op.f('uq_crm_lost_reason_name'))
    )
    op.create_table('crm_stage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('folded', sa.Boolean(), nullable=False),
    sa.Column('is_won', sa.Boolean(), nullable=False),
    sa.Column('is_lost', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_stage')),
    sa.UniqueConstraint('name', name=op.f('uq_crm_stage_name'))
    )
    op.create_table('crm_competitor_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competitor_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['competitor_id'], ['crm_competitor.id'], name=op.f('fk_crm_competitor_contact_competitor_id_crm_competitor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_competitor_contact'))
    )
    with op.batch_alter_table('crm_competitor_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_competitor_contact_competitor_id'), ['competitor_id'], unique=False)

    op.create_table('crm_competitor_product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competitor_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['competitor_id'], ['crm_competitor.id'], name=op.f('fk_crm_competitor_product_competitor_id_crm_competitor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_competitor_product'))
    )
    with op.batch_alter_table('crm_competitor_product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_competitor_product_competitor_id'), ['competitor_id'], unique=False)

    op.create_table('crm_stage_check_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=200), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['stage_id'], ['crm_stage.id'], name=op.f('fk_crm_stage_check_item_stage_id_crm_stage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_stage_check_item'))
    )
    with op.batch_alter_table('crm_stage_check_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_stage_check_item_stage_id'), ['stage_id'], unique=False)

    op.create_table('crm_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('budget', sa.BigInteger(), nullable=False),
    sa.Column('cost', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('results', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['zg_department.id'], name=op.f('fk_crm_campaign_department_id_zg_department'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['zg_user.id'], name=op.f('fk_crm_campaign_owner_id_zg_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['type_id'], ['crm_campaign_type.id'], name=op.f('fk_crm_campaign_type_id_crm_campaign_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_campaign'))
    )
    with op.batch_alter_table('crm_campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_campaign_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_campaign_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_campaign_type_id'), ['type_id'], unique=False)

    op.create_table('crm_campaign_customer',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['crm_campaign.id'], name=op.f('fk_crm_campaign_customer_campaign_id_crm_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['base_partner.id'], name=op.f('fk_crm_campaign_customer_partner_id_base_partner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'partner_id', name=op.f('pk_crm_campaign_customer'))
    )
    with op.batch_alter_table('crm_campaign_customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_campaign_customer_partner_id'), ['partner_id'], unique=False)

    op.create_table('crm_campaign_member',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['crm_campaign.id'], name=op.f('fk_crm_campaign_member_campaign_id_crm_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['zg_user.id'], name=op.f('fk_crm_campaign_member_user_id_zg_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'user_id', name=op.f('pk_crm_campaign_member'))
    )
    with op.batch_alter_table('crm_campaign_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_campaign_member_user_id'), ['user_id'], unique=False)

    op.create_table('crm_opportunity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('expected_amount', sa.BigInteger(), nullable=False),
    sa.Column('expected_date', sa.Date(), nullable=True),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('lost_reason_id', sa.Integer(), nullable=True),
    sa.Column('close_note', sa.String(length=500), nullable=False),
    sa.Column('closed_date', sa.Date(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['crm_campaign.id'], name=op.f('fk_crm_opportunity_campaign_id_crm_campaign'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['base_contact.id'], name=op.f('fk_crm_opportunity_contact_id_base_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['zg_department.id'], name=op.f('fk_crm_opportunity_department_id_zg_department'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lost_reason_id'], ['crm_lost_reason.id'], name=op.f('fk_crm_opportunity_lost_reason_id_crm_lost_reason')),
    sa.ForeignKeyConstraint(['owner_id'], ['zg_user.id'], name=op.f('fk_crm_opportunity_owner_id_zg_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['base_partner.id'], name=op.f('fk_crm_opportunity_partner_id_base_partner')),
    sa.ForeignKeyConstraint(['stage_id'], ['crm_stage.id'], name=op.f('fk_crm_opportunity_stage_id_crm_stage')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_opportunity')),
    sa.UniqueConstraint('number', name=op.f('uq_crm_opportunity_number'))
    )
    with op.batch_alter_table('crm_opportunity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_opportunity_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_opportunity_closed_date'), ['closed_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_opportunity_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_opportunity_expected_date'), ['expected_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_opportunity_lost_reason_id'), ['lost_reason_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_opportunity_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_opportunity_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_opportunity_stage_id'), ['stage_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_opportunity_state'), ['state'], unique=False)

    op.create_table('crm_opportunity_answer',
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['zg_user.id'], name=op.f('fk_crm_opportunity_answer_checked_by_id_zg_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['crm_stage_check_item.id'], name=op.f('fk_crm_opportunity_answer_item_id_crm_stage_check_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['crm_opportunity.id'], name=op.f('fk_crm_opportunity_answer_opportunity_id_crm_opportunity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('opportunity_id', 'item_id', name=op.f('pk_crm_opportunity_answer'))
    )
    with op.batch_alter_table('crm_opportunity_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_opportunity_answer_item_id'), ['item_id'], unique=False)

    op.create_table('crm_opportunity_competitor',
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('competitor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competitor_id'], ['crm_competitor.id'], name=op.f('fk_crm_opportunity_competitor_competitor_id_crm_competitor'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['crm_opportunity.id'], name=op.f('fk_crm_opportunity_competitor_opportunity_id_crm_opportunity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('opportunity_id', 'competitor_id', name=op.f('pk_crm_opportunity_competitor'))
    )
    with op.batch_alter_table('crm_opportunity_competitor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_opportunity_competitor_competitor_id'), ['competitor_id'], unique=False)

    op.create_table('crm_opportunity_influencer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('attitude', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['base_contact.id'], name=op.f('fk_crm_opportunity_influencer_contact_id_base_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['crm_opportunity.id'], name=op.f('fk_crm_opportunity_influencer_opportunity_id_crm_opportunity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_opportunity_influencer'))
    )
    with op.batch_alter_table('crm_opportunity_influencer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_opportunity_influencer_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_opportunity_influencer_opportunity_id'), ['opportunity_id'], unique=False)

    op.create_table('crm_opportunity_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['opportunity_id'], ['crm_opportunity.id'], name=op.f('fk_crm_opportunity_member_opportunity_id_crm_opportunity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['zg_user.id'], name=op.f('fk_crm_opportunity_member_user_id_zg_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_opportunity_member'))
    )
    with op.batch_alter_table('crm_opportunity_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_opportunity_member_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_opportunity_member_user_id'), ['user_id'], unique=False)

    op.create_table('crm_stage_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('from_stage_id', sa.Integer(), nullable=True),
    sa.Column('to_stage_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['from_stage_id'], ['crm_stage.id'], name=op.f('fk_crm_stage_change_from_stage_id_crm_stage'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['crm_opportunity.id'], name=op.f('fk_crm_stage_change_opportunity_id_crm_opportunity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_stage_id'], ['crm_stage.id'], name=op.f('fk_crm_stage_change_to_stage_id_crm_stage'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['zg_user.id'], name=op.f('fk_crm_stage_change_user_id_zg_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_stage_change'))
    )
    with op.batch_alter_table('crm_stage_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_stage_change_opportunity_id'), ['opportunity_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('crm_stage_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_stage_change_opportunity_id'))

    op.drop_table('crm_stage_change')
    with op.batch_alter_table('crm_opportunity_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_member_user_id'))
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_member_opportunity_id'))

    op.drop_table('crm_opportunity_member')
    with op.batch_alter_table('crm_opportunity_influencer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_influencer_opportunity_id'))
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_influencer_contact_id'))

    op.drop_table('crm_opportunity_influencer')
    with op.batch_alter_table('crm_opportunity_competitor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_competitor_competitor_id'))

    op.drop_table('crm_opportunity_competitor')
    with op.batch_alter_table('crm_opportunity_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_answer_item_id'))

    op.drop_table('crm_opportunity_answer')
    with op.batch_alter_table('crm_opportunity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_state'))
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_stage_id'))
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_partner_id'))
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_owner_id'))
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_lost_reason_id'))
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_expected_date'))
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_department_id'))
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_closed_date'))
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_campaign_id'))

    op.drop_table('crm_opportunity')
    with op.batch_alter_table('crm_campaign_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_campaign_member_user_id'))

    op.drop_table('crm_campaign_member')
    with op.batch_alter_table('crm_campaign_customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_campaign_customer_partner_id'))

    op.drop_table('crm_campaign_customer')
    with op.batch_alter_table('crm_campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_campaign_type_id'))
        batch_op.drop_index(batch_op.f('ix_crm_campaign_owner_id'))
        batch_op.drop_index(batch_op.f('ix_crm_campaign_department_id'))

    op.drop_table('crm_campaign')
    with op.batch_alter_table('crm_stage_check_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_stage_check_item_stage_id'))

    op.drop_table('crm_stage_check_item')
    with op.batch_alter_table('crm_competitor_product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_competitor_product_competitor_id'))

    op.drop_table('crm_competitor_product')
    with op.batch_alter_table('crm_competitor_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_competitor_contact_competitor_id'))

    op.drop_table('crm_competitor_contact')
    op.drop_table('crm_stage')
    op.drop_table('crm_lost_reason')
    op.drop_table('crm_competitor')
    op.drop_table('crm_campaign_type')
