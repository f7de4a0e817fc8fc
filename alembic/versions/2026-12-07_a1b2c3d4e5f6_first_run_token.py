"""The one-time token of the first run, that creates the first groupement and coordinator.

Revision ID: a1b2c3d4e5f6
Revises: 9e2f3a4b5c6d
Create Date: 2026-12-07 13:20:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "a1b2c3d4e5f6"
down_revision: str | None = "9e2f3a4b5c6d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "first_run_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_first_run_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_first_run_token_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("first_run_token")
