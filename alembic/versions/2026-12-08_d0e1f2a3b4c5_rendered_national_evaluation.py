"""The national evaluation computed ahead: one day's CSV and JSON exports, with the fingerprints
of the inputs they were computed from and of the code that computed them.

Revision ID: d0e1f2a3b4c5
Revises: b8c9d0e1f2a3
Create Date: 2026-12-08 21:05:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "d0e1f2a3b4c5"
down_revision: str | None = "b8c9d0e1f2a3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rendered_national_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("inputs_digest", sa.String(length=64), nullable=False),
        sa.Column("renderer", sa.String(length=64), nullable=False),
        sa.Column("csv_body", sa.LargeBinary(), nullable=False),
        sa.Column("json_body", sa.LargeBinary(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("compute_seconds", sa.Double(), nullable=False),
        sa.CheckConstraint(
            "length(inputs_digest) = 64",
            name=op.f("ck_rendered_national_evaluation_inputs_sha256_hex"),
        ),
        sa.CheckConstraint(
            "length(renderer) = 64",
            name=op.f("ck_rendered_national_evaluation_renderer_sha256_hex"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rendered_national_evaluation")),
        sa.UniqueConstraint("as_of", name=op.f("uq_rendered_national_evaluation_as_of")),
    )


def downgrade() -> None:
    op.drop_table("rendered_national_evaluation")
