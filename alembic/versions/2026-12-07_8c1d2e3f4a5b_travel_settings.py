"""How a groupement pays travel between cabinets, and the ledger's part of travel.

Revision ID: 8c1d2e3f4a5b
Revises: 8d41f0b6c2a9
Create Date: 2026-12-07 12:45:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "8c1d2e3f4a5b"
down_revision: str | None = "8d41f0b6c2a9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: a batch copy of `groupement` on SQLite would drop and
    # recreate the table every row of the service hangs from.
    op.add_column(
        "groupement",
        sa.Column("travel_in_contract", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "groupement",
        sa.Column("complementary_accord", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "ledger_entry",
        sa.Column("travel_minutes", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("ledger_entry", "travel_minutes")
    op.drop_column("groupement", "complementary_accord")
    op.drop_column("groupement", "travel_in_contract")
