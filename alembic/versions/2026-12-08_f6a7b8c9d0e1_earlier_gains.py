"""A doctor's patients already gained under his earlier individual contract (PMT and file active),
taken off the target of the collective contract he joins; 0 for the doctors already there.

Revision ID: f6a7b8c9d0e1
Revises: e5f6a7b8c9d0
Create Date: 2026-12-08 19:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "f6a7b8c9d0e1"
down_revision: str | None = "e5f6a7b8c9d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHECKS = {
    "earlier_gain_pmt": "earlier_gain_pmt >= 0 AND earlier_gain_pmt <= 100000",
    "earlier_gain_fa": "earlier_gain_fa >= 0 AND earlier_gain_fa <= 100000",
}


def upgrade() -> None:
    # Plain ALTER TABLE (a batch copy of `doctor` on SQLite would take its children with it):
    # SQLite takes a CHECK with its column.
    for name, check in _CHECKS.items():
        op.add_column(
            "doctor",
            sa.Column(
                name,
                sa.Integer(),
                sa.CheckConstraint(check, name=op.f(f"ck_doctor_{name}")),
                nullable=False,
                server_default="0",
            ),
        )


def downgrade() -> None:
    for name in reversed(list(_CHECKS)):
        op.drop_column("doctor", name)
