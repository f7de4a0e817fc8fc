"""Rotas published after their period began: the flag and the reason, and the ledger's flag.

Revision ID: 9e2f3a4b5c6d
Revises: 8c1d2e3f4a5b
Create Date: 2026-12-07 13:05:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "9e2f3a4b5c6d"
down_revision: str | None = "8c1d2e3f4a5b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE: a batch copy of `rota` on SQLite would take its assignments with it.
    op.add_column(
        "rota",
        sa.Column("published_late", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("rota", sa.Column("late_reason", sa.Text(), nullable=True))
    op.add_column(
        "ledger_entry",
        sa.Column("published_late", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("ledger_entry", "published_late")
    op.drop_column("rota", "late_reason")
    op.drop_column("rota", "published_late")
