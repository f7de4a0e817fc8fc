"""Membership per doctor: a doctor is a member of a contract (his bulletin d'adhésion) over dates,
of at most one contract at a time; only member doctors count in the contract's figures.

The migrated state keeps what counted before: every doctor of a cabinet named by a contract's
share plans is a member from the day his cabinet joined (the contract's start, or the first plan
naming the cabinet). A doctor whose cabinet is in two contracts at once stays a member of the one
he joined first (ties: the contract's id) and of the other only once the first has ended.

Revision ID: d4e5f6a7b8c9
Revises: d7a3f5b1c8e2
Create Date: 2026-12-08 18:30:00.000000+00:00
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from alembic import op

revision: str = "d4e5f6a7b8c9"
down_revision: str | None = "d7a3f5b1c8e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def upgrade() -> None:
    op.create_table(
        "contract_member_doctor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("doctor_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to > valid_from",
            name=op.f("ck_contract_member_doctor_validity"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["pooled_contract.id"],
            name=op.f("fk_contract_member_doctor_contract_id_pooled_contract"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["doctor_id"],
            ["doctor.id"],
            name=op.f("fk_contract_member_doctor_doctor_id_doctor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_member_doctor")),
        sa.UniqueConstraint(
            "contract_id", "doctor_id", name=op.f("uq_contract_member_doctor_contract_id_doctor_id")
        ),
    )
    op.create_index(
        op.f("ix_contract_member_doctor_contract_id"), "contract_member_doctor", ["contract_id"]
    )
    op.create_index(
        op.f("ix_contract_member_doctor_doctor_id"), "contract_member_doctor", ["doctor_id"]
    )
    connection = op.get_bind()
    contracts = connection.execute(
        sa.text("SELECT id, start_date, duration_years FROM pooled_contract")
    ).all()
    joins: list[tuple[date, int, int, date]] = []  # (joined, contract, cabinet, contract end)
    for contract_id, start, years in contracts:
        start = _as_date(start)
        rows = connection.execute(
            sa.text(
                "SELECT s.cabinet_id, min(p.valid_from) FROM share_plan p "
                "JOIN share s ON s.plan_id = p.id WHERE p.contract_id = :c GROUP BY s.cabinet_id"
            ),
            {"c": contract_id},
        ).all()
        for cabinet_id, first in rows:
            joins.append(
                (max(start, _as_date(first)), contract_id, cabinet_id, _add_years(start, years))
            )
    held: dict[int, list[tuple[date, date]]] = {}  # doctor -> spells already given
    table = sa.table(
        "contract_member_doctor",
        sa.column("contract_id", sa.Integer()),
        sa.column("doctor_id", sa.Integer()),
        sa.column("valid_from", sa.Date()),
        sa.column("valid_to", sa.Date()),
    )
    for joined, contract_id, cabinet_id, end in sorted(joins):
        doctors = connection.execute(
            sa.text("SELECT id FROM doctor WHERE cabinet_id = :c ORDER BY id"), {"c": cabinet_id}
        ).scalars()
        for doctor_id in doctors:
            spells = held.setdefault(doctor_id, [])
            begin = max([joined, *(e for s, e in spells if s < end and e > joined)])
            if begin >= end:
                continue  # a member of another contract for the whole of this one
            spells.append((begin, end))
            connection.execute(
                table.insert().values(
                    contract_id=contract_id, doctor_id=doctor_id, valid_from=begin, valid_to=None
                )
            )


def downgrade() -> None:
    op.drop_index(op.f("ix_contract_member_doctor_doctor_id"), table_name="contract_member_doctor")
    op.drop_index(
        op.f("ix_contract_member_doctor_contract_id"), table_name="contract_member_doctor"
    )
    op.drop_table("contract_member_doctor")
