"""Idempotency records keep the answer's headers (ETag, Location...) as well as its body.

Revision ID: 3c9e4a1f2b7d
Revises: e69f938a8792
Create Date: 2026-12-06 21:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "3c9e4a1f2b7d"
down_revision: str | None = "e69f938a8792"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response_headers", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_column("response_headers")
