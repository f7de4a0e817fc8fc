"""The reference group of the contracts' evaluation: non-member doctors' quarterly statements and
published reference series, per département, imported by the CPAM.

Revision ID: c3d9e1f4a6b2
Revises: c4d5e6f7a8b9
Create Date: 2026-12-08 09:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "c3d9e1f4a6b2"
down_revision: str | None = "c4d5e6f7a8b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _quarter_checks(table: str) -> list[sa.CheckConstraint]:
    return [
        sa.CheckConstraint("year >= 2000 AND year <= 2099", name=op.f(f"ck_{table}_year")),
        sa.CheckConstraint("quarter >= 1 AND quarter <= 4", name=op.f(f"ck_{table}_quarter")),
        sa.CheckConstraint("pmt >= 0 AND pmt <= 100000", name=op.f(f"ck_{table}_pmt")),
        sa.CheckConstraint(
            "file_active >= 0 AND file_active <= 100000", name=op.f(f"ck_{table}_file_active")
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "reference_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=3), nullable=False),
        sa.Column("rpps", sa.String(length=11), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("pmt", sa.Integer(), nullable=False),
        sa.Column("file_active", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(rpps) = 11", name=op.f("ck_reference_statement_rpps_length")),
        *_quarter_checks("reference_statement"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_statement")),
        sa.UniqueConstraint(
            "rpps", "year", "quarter", name=op.f("uq_reference_statement_rpps_year_quarter")
        ),
    )
    op.create_index(
        op.f("ix_reference_statement_department"), "reference_statement", ["department"]
    )
    op.create_table(
        "reference_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=3), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("pmt", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("file_active", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("doctors", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        *_quarter_checks("reference_series"),
        sa.CheckConstraint(
            "doctors >= 1 AND doctors <= 1000000", name=op.f("ck_reference_series_doctors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_series")),
        sa.UniqueConstraint(
            "department",
            "year",
            "quarter",
            name=op.f("uq_reference_series_department_year_quarter"),
        ),
    )


def downgrade() -> None:
    op.drop_table("reference_series")
    op.drop_index(op.f("ix_reference_statement_department"), table_name="reference_statement")
    op.drop_table("reference_statement")
