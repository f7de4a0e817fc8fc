"""A doctor joins and leaves a collective contract on one of its anniversaries, as its member
cabinets do. The memberships already there are kept as they are, and those of a collective
contract that begin or end on another day are flagged (`off_anniversary`).

Revision ID: c9d0e1f2a3b4
Revises: d0e1f2a3b4c5
Create Date: 2026-12-08 21:20:00.000000+00:00
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from alembic import op

revision: str = "c9d0e1f2a3b4"
down_revision: str | None = "d0e1f2a3b4c5"
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
    # Plain ALTER TABLE, as for the share plans' flag.
    op.add_column(
        "contract_member_doctor",
        sa.Column("off_anniversary", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT m.id, m.valid_from, m.valid_to, c.start_date FROM contract_member_doctor m "
            "JOIN pooled_contract c ON c.id = m.contract_id WHERE c.kind = 'collective'"
        )
    ).all()
    flagged = [
        row_id
        for row_id, valid_from, valid_to, start in rows
        if not _is_anniversary(_as_date(start), _as_date(valid_from))
        or (valid_to is not None and not _is_anniversary(_as_date(start), _as_date(valid_to)))
    ]
    for row_id in flagged:
        connection.execute(
            sa.text("UPDATE contract_member_doctor SET off_anniversary = :yes WHERE id = :id"),
            {"yes": True, "id": row_id},
        )


def downgrade() -> None:
    op.drop_column("contract_member_doctor", "off_anniversary")
