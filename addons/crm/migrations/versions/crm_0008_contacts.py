"""crm: the contacts part

Revision ID: crm_0008
Revises: crm_0007
Create Date: 2026-11-26
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "crm_0008"
down_revision = "crm_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('crm_contact_relation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['base_contact.id'], name=op.f('fk_crm_contact_relation_contact_id_base_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_id'], ['base_contact.id'], name=op.f('fk_crm_contact_relation_other_id_base_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['zg_user.id'], name=op.f('fk_crm_contact_relation_created_by_id_zg_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_contact_relation')),
    sa.UniqueConstraint('contact_id', 'other_id', 'kind', name=op.f('uq_crm_contact_relation_contact_id_other_id_kind'))
    )
    op.create_index(op.f('ix_crm_contact_relation_contact_id'), 'crm_contact_relation', ['contact_id'], unique=False)
    op.create_index(op.f('ix_crm_contact_relation_other_id'), 'crm_contact_relation', ['other_id'], unique=False)
    op.create_table('crm_birthday_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('days_ahead', sa.Integer(), nullable=False),
    sa.Column('send_greetings', sa.Boolean(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('mailbox_id', sa.Integer(), nullable=True),
    sa.Column('sms_text', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['base_email_template.id'], name=op.f('fk_crm_birthday_settings_template_id_base_email_template'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mailbox_id'], ['base_mailbox.id'], name=op.f('fk_crm_birthday_settings_mailbox_id_base_mailbox'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_birthday_settings'))
    )
    op.create_table('crm_birthday_greeting',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('ahead_reminded_at', sa.DateTime(), nullable=True),
    sa.Column('day_reminded_at', sa.DateTime(), nullable=True),
    sa.Column('greeted_at', sa.DateTime(), nullable=True),
    sa.Column('email_message_id', sa.Integer(), nullable=True),
    sa.Column('sms_message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['base_contact.id'], name=op.f('fk_crm_birthday_greeting_contact_id_base_contact'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'year', name=op.f('pk_crm_birthday_greeting'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('crm_birthday_greeting')
    op.drop_table('crm_birthday_settings')
    op.drop_index(op.f('ix_crm_contact_relation_other_id'), table_name='crm_contact_relation')
    op.drop_index(op.f('ix_crm_contact_relation_contact_id'), table_name='crm_contact_relation')
    op.drop_table('crm_contact_relation')
