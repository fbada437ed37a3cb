"""notifications

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-26 10:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'core_0003'
down_revision: Union[str, Sequence[str], None] = 'core_0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """In-app notifications; the (user_id, read_at) index answers the unread badge."""
    op.create_table('zg_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('i18n', sa.JSON(), nullable=False),
    sa.Column('source_model', sa.String(length=100), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['zg_user.id'], name=op.f('fk_zg_notification_user_id_zg_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zg_notification'))
    )
    with op.batch_alter_table('zg_notification', schema=None) as batch_op:
        batch_op.create_index('ix_zg_notification_user_id_read_at', ['user_id', 'read_at'], unique=False)


def downgrade() -> None:
    """Drop the notifications."""
    with op.batch_alter_table('zg_notification', schema=None) as batch_op:
        batch_op.drop_index('ix_zg_notification_user_id_read_at')

    op.drop_table('zg_notification')
