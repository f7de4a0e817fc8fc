"""Change notices by e-mail: the cabinets' contact address, the outbox, the assistant's note.

Revision ID: b7e4c2d9a1f3
Revises: b2c3d4e5f6a7
Create Date: 2026-12-07 13:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "b7e4c2d9a1f3"
down_revision: str | None = "b2c3d4e5f6a7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (nullable columns, no constraint): no batch copy of
    # tables that others hang from on SQLite.
    op.add_column("cabinet", sa.Column("contact_email", sa.String(length=254), nullable=True))
    op.add_column(
        "change_notice", sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("change_notice", sa.Column("acknowledged_by_id", sa.Integer(), nullable=True))
    op.create_table(
        "notice_email",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column("rota_id", sa.Integer(), nullable=False),
        sa.Column(
            "audience",
            sa.Enum(
                "cabinet",
                "assistant",
                name="email_audience",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("cabinet_id", sa.Integer(), nullable=True),
        sa.Column("assistant_id", sa.Integer(), nullable=True),
        sa.Column("notice_ids", sa.JSON(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                name="email_state",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_notice_email_attempts")),
        sa.CheckConstraint(
            "(audience = 'cabinet' AND cabinet_id IS NOT NULL AND assistant_id IS NULL)"
            " OR (audience = 'assistant' AND assistant_id IS NOT NULL AND cabinet_id IS NULL)",
            name=op.f("ck_notice_email_one_recipient"),
        ),
        sa.CheckConstraint(
            "state <> 'sent' OR (recipient IS NOT NULL AND sent_at IS NOT NULL)",
            name=op.f("ck_notice_email_sent"),
        ),
        sa.CheckConstraint(
            "state <> 'failed' OR last_error IS NOT NULL",
            name=op.f("ck_notice_email_failed_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistant.id"],
            name=op.f("fk_notice_email_assistant_id_assistant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cabinet_id"],
            ["cabinet.id"],
            name=op.f("fk_notice_email_cabinet_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_notice_email_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rota_id"],
            ["rota.id"],
            name=op.f("fk_notice_email_rota_id_rota"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_email")),
    )
    op.create_index("ix_notice_email_due", "notice_email", ["state", "next_attempt_at"])
    for column in ("groupement_id", "rota_id", "cabinet_id", "assistant_id"):
        op.create_index(op.f(f"ix_notice_email_{column}"), "notice_email", [column])


def downgrade() -> None:
    for column in ("assistant_id", "cabinet_id", "rota_id", "groupement_id"):
        op.drop_index(op.f(f"ix_notice_email_{column}"), table_name="notice_email")
    op.drop_index("ix_notice_email_due", table_name="notice_email")
    op.drop_table("notice_email")
    op.drop_column("change_notice", "acknowledged_by_id")
    op.drop_column("change_notice", "acknowledged_at")
    op.drop_column("cabinet", "contact_email")
