"""Users invited by e-mail: the outbox of invitations and their one-time links, and the moment
before which a user's tokens are refused.

Revision ID: c4d5e6f7a8b9
Revises: b7e4c2d9a1f3
Create Date: 2026-12-07 16:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "c4d5e6f7a8b9"
down_revision: str | None = "b7e4c2d9a1f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "app_user", sa.Column("sessions_valid_after", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "user_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_user_invitation_attempts")),
        sa.CheckConstraint(
            "state <> 'sent' OR (sent_at IS NOT NULL AND token_hash IS NOT NULL"
            " AND expires_at IS NOT NULL)",
            name=op.f("ck_user_invitation_sent"),
        ),
        sa.CheckConstraint(
            "state <> 'failed' OR last_error IS NOT NULL",
            name=op.f("ck_user_invitation_failed_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_user_invitation_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_user_invitation_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_invitation_token_hash")),
    )
    op.create_index("ix_user_invitation_due", "user_invitation", ["state", "next_attempt_at"])
    for column in ("groupement_id", "user_id"):
        op.create_index(op.f(f"ix_user_invitation_{column}"), "user_invitation", [column])


def downgrade() -> None:
    for column in ("user_id", "groupement_id"):
        op.drop_index(op.f(f"ix_user_invitation_{column}"), table_name="user_invitation")
    op.drop_index("ix_user_invitation_due", table_name="user_invitation")
    op.drop_table("user_invitation")
    op.drop_column("app_user", "sessions_valid_after")
