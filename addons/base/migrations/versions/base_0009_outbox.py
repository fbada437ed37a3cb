"""the message outbox: mailboxes, messages per recipient, opt-outs

Revision ID: base_0009
Revises: base_0008
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "base_0009"
down_revision = "base_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "base_mailbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("from_address", sa.String(254), nullable=False),
        sa.Column("from_name", sa.String(100), nullable=False),
        sa.Column("smtp_host", sa.String(200), nullable=False),
        sa.Column("smtp_port", sa.Integer(), nullable=False),
        sa.Column("smtp_security", sa.String(10), nullable=False),
        sa.Column("smtp_username", sa.String(200), nullable=False),
        sa.Column("smtp_password", sa.String(500), nullable=False),
        sa.Column("imap_host", sa.String(200), nullable=False),
        sa.Column("imap_port", sa.Integer(), nullable=False),
        sa.Column("imap_ssl", sa.Boolean(), nullable=False),
        sa.Column("imap_username", sa.String(200), nullable=False),
        sa.Column("imap_password", sa.String(500), nullable=False),
        sa.Column("imap_folder", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["zg_user.id"], ondelete="CASCADE",
                                name=op.f("fk_base_mailbox_user_id_zg_user")),
        sa.ForeignKeyConstraint(["owner_id"], ["zg_user.id"], ondelete="SET NULL",
                                name=op.f("fk_base_mailbox_owner_id_zg_user")),
        sa.ForeignKeyConstraint(["department_id"], ["zg_department.id"], ondelete="SET NULL",
                                name=op.f("fk_base_mailbox_department_id_zg_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_mailbox")),
    )
    op.create_index(op.f("ix_base_mailbox_user_id"), "base_mailbox", ["user_id"])
    op.create_index(op.f("ix_base_mailbox_owner_id"), "base_mailbox", ["owner_id"])
    op.create_index(op.f("ix_base_mailbox_department_id"), "base_mailbox", ["department_id"])
    op.create_table(
        "base_outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("to_name", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("message_id", sa.String(250), nullable=False),
        sa.Column("marketing", sa.Boolean(), nullable=False),
        sa.Column("blast_id", sa.Integer(), nullable=True),
        sa.Column("res_model", sa.String(100), nullable=False),
        sa.Column("res_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(100), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mailbox_id"], ["base_mailbox.id"], ondelete="SET NULL",
                                name=op.f("fk_base_outbox_message_mailbox_id_base_mailbox")),
        sa.ForeignKeyConstraint(["created_by"], ["zg_user.id"], ondelete="SET NULL",
                                name=op.f("fk_base_outbox_message_created_by_zg_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_outbox_message")),
        sa.UniqueConstraint("message_id", name=op.f("uq_base_outbox_message_message_id")),
    )
    op.create_index(op.f("ix_base_outbox_message_mailbox_id"), "base_outbox_message", ["mailbox_id"])
    op.create_index(op.f("ix_base_outbox_message_blast_id"), "base_outbox_message", ["blast_id"])
    op.create_index("ix_base_outbox_message_due", "base_outbox_message", ["state", "next_attempt_at"])
    op.create_index("ix_base_outbox_message_record", "base_outbox_message", ["res_model", "res_id"])
    op.create_index("ix_base_outbox_message_claims", "base_outbox_message", ["mailbox_id", "claimed_at"])
    op.create_table(
        "base_opt_out",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_opt_out")),
        sa.UniqueConstraint("channel", "address", name=op.f("uq_base_opt_out_channel_address")),
    )


def downgrade() -> None:
    op.drop_table("base_opt_out")
    op.drop_table("base_outbox_message")
    op.drop_table("base_mailbox")
