"""Members of a collective contract join and leave on the contract's anniversaries: a new share
plan of a collective contract must start on one. The plans already there are kept as they are,
and those of a collective contract that start on another day are flagged (`off_anniversary`).

Revision ID: a7b8c9d0e1f2
Revises: f6a7b8c9d0e1
Create Date: 2026-12-08 19:15:00.000000+00:00
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from alembic import op

revision: str = "a7b8c9d0e1f2"
down_revision: str | None = "f6a7b8c9d0e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _is_anniversary(start: date, day: date) -> bool:
    years = day.year - start.year
    if years < 0:
        return False
    try:
        return start.replace(year=start.year + years) == day
    except ValueError:  # 29 February: its anniversaries fall on 28 February
        return start.replace(year=start.year + years, day=28) == day


def upgrade() -> None:
    # Plain ALTER TABLE: a batch copy of `share_plan` on SQLite would take its shares with it.
    op.add_column(
        "share_plan",
        sa.Column("off_anniversary", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT p.id, p.valid_from, c.start_date FROM share_plan p "
            "JOIN pooled_contract c ON c.id = p.contract_id WHERE c.kind = 'collective'"
        )
    ).all()
    flagged = [
        plan_id
        for plan_id, valid_from, start in rows
        if not _is_anniversary(_as_date(start), _as_date(valid_from))
    ]
    for plan_id in flagged:
        connection.execute(
            sa.text("UPDATE share_plan SET off_anniversary = :yes WHERE id = :id"),
            {"yes": True, "id": plan_id},
        )


def downgrade() -> None:
    op.drop_column("share_plan", "off_anniversary")
