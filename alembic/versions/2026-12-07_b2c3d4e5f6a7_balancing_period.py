"""A contract's balancing period: quarter (as before), half-year or contract year.

Revision ID: b2c3d4e5f6a7
Revises: a1b2c3d4e5f6
Create Date: 2026-12-07 13:25:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "b2c3d4e5f6a7"
down_revision: str | None = "a1b2c3d4e5f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE: a batch copy of `pooled_contract` on SQLite would cascade to its rows'
    # children. Every existing contract keeps the civil quarter it was balanced over.
    op.add_column(
        "pooled_contract",
        sa.Column(
            "balancing_period", sa.String(length=16), nullable=False, server_default="quarter"
        ),
    )


def downgrade() -> None:
    op.drop_column("pooled_contract", "balancing_period")
