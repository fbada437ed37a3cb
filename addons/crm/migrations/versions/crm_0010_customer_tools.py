"""crm: the customer tools (common words for duplicate checks, personal settings)

Revision ID: crm_0010
Revises: crm_0009
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "crm_0010"
down_revision = "crm_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Upgrade schema."""
    words = op.create_table('crm_common_word',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_common_word')),
    sa.UniqueConstraint('name', name=op.f('uq_crm_common_word_name'))
    )
    op.create_table('crm_user_pref',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('industry_ids', sa.JSON(), nullable=False),
    sa.Column('provinces', sa.JSON(), nullable=False),
    sa.Column('mailbox_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['zg_user.id'], name=op.f('fk_crm_user_pref_user_id_zg_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mailbox_id'], ['base_mailbox.id'], name=op.f('fk_crm_user_pref_mailbox_id_base_mailbox'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_crm_user_pref'))
    )
    # The words a new crm ignores in customer names; the company edits the list.
    from addons.crm.customers.duplicates import default_words

    op.bulk_insert(words, [{"name": w, "sequence": i * 10, "active": True}
                           for i, w in enumerate(default_words(), start=1)])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('crm_user_pref')
    op.drop_table('crm_common_word')
