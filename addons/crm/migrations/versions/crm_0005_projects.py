"""crm: customer projects, their members, and the project links of sale quotations and orders

Revision ID: crm_0005
Revises: crm_0004
Create Date: 2026-11-26
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "crm_0005"
down_revision = "crm_0004"
branch_labels = None
depends_on = None


def _link(table: str) -> None:
    """A document's project (the document's id is the key; no foreign key: sale may be absent)."""
    name = f'crm_project_{table}'
    op.create_table(name,
    sa.Column('document_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['crm_project.id'], name=op.f(f'fk_{name}_project_id_crm_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', name=op.f(f'pk_{name}'))
    )
    op.create_index(op.f(f'ix_{name}_project_id'), name, ['project_id'], unique=False)


#: The document tables whose records can be made for a project (projects/models.py DOCUMENT_TARGETS).
LINKED_TABLES = ('sale_quotation', 'sale_order')


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('crm_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('quotation_amount', sa.BigInteger(), nullable=False),
    sa.Column('budget', sa.BigInteger(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['base_partner.id'], name=op.f('fk_crm_project_partner_id_base_partner')),
    sa.ForeignKeyConstraint(['opportunity_id'], ['crm_opportunity.id'], name=op.f('fk_crm_project_opportunity_id_crm_opportunity'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['zg_user.id'], name=op.f('fk_crm_project_owner_id_zg_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['zg_department.id'], name=op.f('fk_crm_project_department_id_zg_department'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_project')),
    sa.UniqueConstraint('number', name=op.f('uq_crm_project_number'))
    )
    for column in ('partner_id', 'status', 'start_date', 'opportunity_id', 'owner_id', 'department_id'):
        op.create_index(op.f(f'ix_crm_project_{column}'), 'crm_project', [column], unique=False)
    op.create_table('crm_project_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['crm_project.id'], name=op.f('fk_crm_project_member_project_id_crm_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['zg_user.id'], name=op.f('fk_crm_project_member_user_id_zg_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_project_member'))
    )
    op.create_index(op.f('ix_crm_project_member_project_id'), 'crm_project_member', ['project_id'], unique=False)
    op.create_index(op.f('ix_crm_project_member_user_id'), 'crm_project_member', ['user_id'], unique=False)
    for table in LINKED_TABLES:
        _link(table)


def downgrade() -> None:
    """Downgrade schema."""
    for table in LINKED_TABLES:
        op.drop_table(f'crm_project_{table}')
    op.drop_table('crm_project_member')
    op.drop_table('crm_project')
