"""crm: the blasts part

Revision ID: crm_0009
Revises: crm_0008
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "crm_0009"
down_revision = "crm_0008"
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
    """Upgrade schema."""
    op.create_table(
        "crm_sms_blast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("schedule", sa.String(10), nullable=False),
        sa.Column("send_at", sa.DateTime(), nullable=True),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("monthday", sa.Integer(), nullable=True),
        sa.Column("time_of_day", sa.String(5), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("next_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        *_owned("crm_sms_blast"),
        sa.ForeignKeyConstraint(["segment_id"], ["base_segment.id"], ondelete="RESTRICT",
                                name=op.f("fk_crm_sms_blast_segment_id_base_segment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_sms_blast")),
    )
    _owned_indexes("crm_sms_blast")
    op.create_index(op.f("ix_crm_sms_blast_segment_id"), "crm_sms_blast", ["segment_id"])
    op.create_index("ix_crm_sms_blast_due", "crm_sms_blast", ["state", "next_run_at"])
    op.create_table(
        "crm_greeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("holiday", sa.String(20), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("time_of_day", sa.String(5), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_sent_on", sa.Date(), nullable=True),
        *_owned("crm_greeting"),
        sa.ForeignKeyConstraint(["segment_id"], ["base_segment.id"], ondelete="RESTRICT",
                                name=op.f("fk_crm_greeting_segment_id_base_segment")),
        sa.ForeignKeyConstraint(["template_id"], ["base_email_template.id"], ondelete="RESTRICT",
                                name=op.f("fk_crm_greeting_template_id_base_email_template")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_greeting")),
    )
    _owned_indexes("crm_greeting")
    op.create_index(op.f("ix_crm_greeting_segment_id"), "crm_greeting", ["segment_id"])
    op.create_index(op.f("ix_crm_greeting_template_id"), "crm_greeting", ["template_id"])
    op.create_table(
        "crm_message_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sms_blast_id", sa.Integer(), nullable=True),
        sa.Column("greeting_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("email_blast_id", sa.Integer(), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("opted_out", sa.Integer(), nullable=False),
        sa.Column("no_address", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["sms_blast_id"], ["crm_sms_blast.id"], ondelete="CASCADE",
                                name=op.f("fk_crm_message_run_sms_blast_id_crm_sms_blast")),
        sa.ForeignKeyConstraint(["greeting_id"], ["crm_greeting.id"], ondelete="CASCADE",
                                name=op.f("fk_crm_message_run_greeting_id_crm_greeting")),
        sa.ForeignKeyConstraint(["email_blast_id"], ["base_blast.id"], ondelete="SET NULL",
                                name=op.f("fk_crm_message_run_email_blast_id_base_blast")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_message_run")),
        sa.UniqueConstraint("sms_blast_id", "period", name=op.f("uq_crm_message_run_sms_blast_id_period")),
        sa.UniqueConstraint("greeting_id", "period", name=op.f("uq_crm_message_run_greeting_id_period")),
    )
    op.create_index(op.f("ix_crm_message_run_sms_blast_id"), "crm_message_run", ["sms_blast_id"])
    op.create_index(op.f("ix_crm_message_run_greeting_id"), "crm_message_run", ["greeting_id"])
    op.create_table(
        "crm_sms_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("mobile", sa.String(40), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["crm_message_run.id"], ondelete="CASCADE",
                                name=op.f("fk_crm_sms_recipient_run_id_crm_message_run")),
        sa.ForeignKeyConstraint(["partner_id"], ["base_partner.id"], ondelete="SET NULL",
                                name=op.f("fk_crm_sms_recipient_partner_id_base_partner")),
        sa.ForeignKeyConstraint(["contact_id"], ["base_contact.id"], ondelete="SET NULL",
                                name=op.f("fk_crm_sms_recipient_contact_id_base_contact")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_sms_recipient")),
    )
    op.create_index(op.f("ix_crm_sms_recipient_run_id"), "crm_sms_recipient", ["run_id"])
    op.create_index(op.f("ix_crm_sms_recipient_message_id"), "crm_sms_recipient", ["message_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("crm_sms_recipient")
    op.drop_table("crm_message_run")
    op.drop_table("crm_greeting")
    op.drop_table("crm_sms_blast")
