"""approval flows, their boxes and arrows, approval requests and tasks

Revision ID: base_0008
Revises: base_0007
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "base_0008"
down_revision = "base_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "base_approval_flow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_approval_flow")),
    )
    op.create_index(op.f("ix_base_approval_flow_doc_type"), "base_approval_flow", ["doc_type"])
    op.create_table(
        "base_approval_node",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("approver_kind", sa.String(10), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=True),
        sa.Column("user_ids", sa.JSON(), nullable=False),
        sa.Column("mode", sa.String(5), nullable=False),
        sa.Column("remind_hours", sa.Integer(), nullable=False),
        sa.Column("x", sa.Integer(), nullable=False),
        sa.Column("y", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["flow_id"], ["base_approval_flow.id"], ondelete="CASCADE",
                                name=op.f("fk_base_approval_node_flow_id_base_approval_flow")),
        sa.ForeignKeyConstraint(["role_id"], ["zg_role.id"], ondelete="SET NULL",
                                name=op.f("fk_base_approval_node_role_id_zg_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_approval_node")),
        sa.UniqueConstraint("flow_id", "key", name=op.f("uq_base_approval_node_flow_id_key")),
    )
    op.create_index(op.f("ix_base_approval_node_flow_id"), "base_approval_node", ["flow_id"])
    op.create_table(
        "base_approval_edge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("target", sa.String(40), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["flow_id"], ["base_approval_flow.id"], ondelete="CASCADE",
                                name=op.f("fk_base_approval_edge_flow_id_base_approval_flow")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_approval_edge")),
    )
    op.create_index(op.f("ix_base_approval_edge_flow_id"), "base_approval_edge", ["flow_id"])
    op.create_table(
        "base_approval_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(64), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=True),
        sa.Column("flow_name", sa.String(100), nullable=False),
        sa.Column("graph", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("current_step", sa.String(40), nullable=False),
        sa.Column("submitter_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["flow_id"], ["base_approval_flow.id"], ondelete="SET NULL",
                                name=op.f("fk_base_approval_request_flow_id_base_approval_flow")),
        sa.ForeignKeyConstraint(["submitter_id"], ["zg_user.id"], ondelete="SET NULL",
                                name=op.f("fk_base_approval_request_submitter_id_zg_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_approval_request")),
    )
    op.create_index("ix_base_approval_request_document", "base_approval_request", ["doc_type", "document_id"])
    op.create_index(op.f("ix_base_approval_request_state"), "base_approval_request", ["state"])
    op.create_table(
        "base_approval_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("step_name", sa.String(100), nullable=False),
        sa.Column("mode", sa.String(5), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("remind_hours", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["base_approval_request.id"], ondelete="CASCADE",
                                name=op.f("fk_base_approval_task_request_id_base_approval_request")),
        sa.ForeignKeyConstraint(["owner_id"], ["zg_user.id"], ondelete="SET NULL",
                                name=op.f("fk_base_approval_task_owner_id_zg_user")),
        sa.ForeignKeyConstraint(["department_id"], ["zg_department.id"], ondelete="SET NULL",
                                name=op.f("fk_base_approval_task_department_id_zg_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_approval_task")),
    )
    op.create_index(op.f("ix_base_approval_task_request_id"), "base_approval_task", ["request_id"])
    op.create_index(op.f("ix_base_approval_task_state"), "base_approval_task", ["state"])
    op.create_index(op.f("ix_base_approval_task_owner_id"), "base_approval_task", ["owner_id"])
    op.create_index(op.f("ix_base_approval_task_department_id"), "base_approval_task", ["department_id"])


def downgrade() -> None:
    op.drop_table("base_approval_task")
    op.drop_table("base_approval_request")
    op.drop_table("base_approval_edge")
    op.drop_table("base_approval_node")
    op.drop_table("base_approval_flow")
