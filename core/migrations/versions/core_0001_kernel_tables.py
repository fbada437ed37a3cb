"""kernel tables

Revision ID: core_0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0001"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zg_meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_zg_meta")),
    )
    op.create_table(
        "zg_addon",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_zg_addon")),
    )
    op.create_table(
        "zg_addon_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("addons", sa.String(1000), nullable=False),
        sa.Column("result", sa.String(10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zg_addon_log")),
    )
    op.create_index(op.f("ix_zg_addon_log_at"), "zg_addon_log", ["at"])
    op.create_table(
        "zg_job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(200), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("runner", sa.String(200), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zg_job_run")),
        sa.UniqueConstraint("job", "scheduled_at", name=op.f("uq_zg_job_run_job_scheduled_at")),
    )
    op.create_table(
        "zg_scheduler_lease",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_zg_scheduler_lease")),
    )


def downgrade() -> None:
    op.drop_table("zg_scheduler_lease")
    op.drop_table("zg_job_run")
    op.drop_index(op.f("ix_zg_addon_log_at"), table_name="zg_addon_log")
    op.drop_table("zg_addon_log")
    op.drop_table("zg_addon")
    op.drop_table("zg_meta")
