"""Sign-in throttle: failed sign-ins and locks per account, shared by every API process.

Revision ID: e69f938a8792
Revises: 7f7b99d0fcd4
Create Date: 2026-12-06 21:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "e69f938a8792"
down_revision: str | None = "7f7b99d0fcd4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("recent_failures", sa.JSON(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lock_count", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(account_key) = 64", name=op.f("ck_sign_in_throttle_sha256_hex")),
        sa.CheckConstraint("lock_count >= 0", name=op.f("ck_sign_in_throttle_counts")),
        sa.PrimaryKeyConstraint("account_key", name=op.f("pk_sign_in_throttle")),
    )


def downgrade() -> None:
    op.drop_table("sign_in_throttle")
