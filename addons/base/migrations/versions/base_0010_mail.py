"""email templates, blasts, received mail

Revision ID: base_0010
Revises: base_0009
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "base_0010"
down_revision = "base_0009"
branch_labels = None
depends_on = None


def _owned(table: str) -> list:
    return [
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["zg_user.id"], ondelete="SET NULL",
                                name=op.f(f"fk_{table}_owner_id_zg_user")),
        sa.ForeignKeyConstraint(["department_id"], ["zg_department.id"], ondelete="SET NULL",
                                name=op.f(f"fk_{table}_department_id_zg_department")),
    ]


def _owned_indexes(table: str) -> None:
    op.create_index(op.f(f"ix_{table}_owner_id"), table, ["owner_id"])
    op.create_index(op.f(f"ix_{table}_department_id"), table, ["department_id"])


def upgrade() -> None:
    op.create_table(
        "base_email_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_email_template")),
    )
    op.create_table(
        "base_segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("q", sa.String(200), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_owned("base_segment"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_segment")),
    )
    _owned_indexes("base_segment")
    op.create_table(
        "base_blast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=True),
        sa.Column("schedule", sa.String(10), nullable=False),
        sa.Column("send_at", sa.DateTime(), nullable=True),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("monthday", sa.Integer(), nullable=True),
        sa.Column("time_of_day", sa.String(5), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("next_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        *_owned("base_blast"),
        sa.ForeignKeyConstraint(["template_id"], ["base_email_template.id"], ondelete="RESTRICT",
                                name=op.f("fk_base_blast_template_id_base_email_template")),
        sa.ForeignKeyConstraint(["segment_id"], ["base_segment.id"], ondelete="RESTRICT",
                                name=op.f("fk_base_blast_segment_id_base_segment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_blast")),
    )
    _owned_indexes("base_blast")
    op.create_index(op.f("ix_base_blast_template_id"), "base_blast", ["template_id"])
    op.create_index(op.f("ix_base_blast_segment_id"), "base_blast", ["segment_id"])
    op.create_index("ix_base_blast_due", "base_blast", ["state", "next_run_at"])
    op.create_table(
        "base_blast_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("blast_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("opted_out", sa.Integer(), nullable=False),
        sa.Column("no_address", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["blast_id"], ["base_blast.id"], ondelete="CASCADE",
                                name=op.f("fk_base_blast_run_blast_id_base_blast")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_blast_run")),
        sa.UniqueConstraint("blast_id", "period", name=op.f("uq_base_blast_run_blast_id_period")),
    )
    op.create_index(op.f("ix_base_blast_run_blast_id"), "base_blast_run", ["blast_id"])
    op.create_table(
        "base_blast_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("blast_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["base_blast_run.id"], ondelete="CASCADE",
                                name=op.f("fk_base_blast_recipient_run_id_base_blast_run")),
        sa.ForeignKeyConstraint(["blast_id"], ["base_blast.id"], ondelete="CASCADE",
                                name=op.f("fk_base_blast_recipient_blast_id_base_blast")),
        sa.ForeignKeyConstraint(["partner_id"], ["base_partner.id"], ondelete="SET NULL",
                                name=op.f("fk_base_blast_recipient_partner_id_base_partner")),
        sa.ForeignKeyConstraint(["contact_id"], ["base_contact.id"], ondelete="SET NULL",
                                name=op.f("fk_base_blast_recipient_contact_id_base_contact")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_blast_recipient")),
    )
    op.create_index(op.f("ix_base_blast_recipient_run_id"), "base_blast_recipient", ["run_id"])
    op.create_index(op.f("ix_base_blast_recipient_blast_id"), "base_blast_recipient", ["blast_id"])
    op.create_index(op.f("ix_base_blast_recipient_message_id"), "base_blast_recipient", ["message_id"])
    op.create_table(
        "base_mail_folder_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("folder", sa.String(200), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_mail_folder_state")),
        sa.UniqueConstraint("mailbox_id", "folder", name=op.f("uq_base_mail_folder_state_mailbox_id_folder")),
    )
    op.create_table(
        "base_received_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.String(300), nullable=False),
        sa.Column("from_address", sa.String(200), nullable=False),
        sa.Column("from_name", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["base_partner.id"], ondelete="SET NULL",
                                name=op.f("fk_base_received_mail_partner_id_base_partner")),
        sa.ForeignKeyConstraint(["contact_id"], ["base_contact.id"], ondelete="SET NULL",
                                name=op.f("fk_base_received_mail_contact_id_base_contact")),
        sa.ForeignKeyConstraint(["activity_id"], ["base_activity.id"], ondelete="SET NULL",
                                name=op.f("fk_base_received_mail_activity_id_base_activity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_received_mail")),
    )
    op.create_index(op.f("ix_base_received_mail_from_address"), "base_received_mail", ["from_address"])
    op.create_index(op.f("ix_base_received_mail_partner_id"), "base_received_mail", ["partner_id"])
    op.create_index("ix_base_received_mail_state", "base_received_mail", ["state", "received_at"])


def downgrade() -> None:
    for table in ("base_received_mail", "base_mail_folder_state", "base_blast_recipient", "base_blast_run",
                  "base_blast", "base_segment", "base_email_template"):
        op.drop_table(table)
