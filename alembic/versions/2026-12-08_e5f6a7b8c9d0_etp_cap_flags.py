"""The collective contract's ETP cap: a member doctor who is a PAMSU hosting a docteur junior, and a
contract whose signatory structure is an approved training site (each allows 0.5 ETP more per
member doctor from November 2026). Both false for the rows already there.

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2026-12-08 18:45:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "e5f6a7b8c9d0"
down_revision: str | None = "d4e5f6a7b8c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE: a batch copy on SQLite would take the tables' children with it.
    op.add_column(
        "doctor",
        sa.Column("pamsu_junior", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "pooled_contract",
        sa.Column("training_site", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("pooled_contract", "training_site")
    op.drop_column("doctor", "pamsu_junior")
