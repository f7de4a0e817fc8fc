"""Rendered report PDFs: each report's PDF stored under the SHA-256 of the report's content.

Revision ID: 7f7b99d0fcd4
Revises: e7d3a262d39e
Create Date: 2026-11-22 16:07:08.270137+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "7f7b99d0fcd4"
down_revision: str | None = "e7d3a262d39e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rendered_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("period_label", sa.String(length=16), nullable=False),
        sa.Column("cabinet_id", sa.Integer(), nullable=True),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.Column("renderer", sa.String(length=64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("rendered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(content_digest) = 64", name=op.f("ck_rendered_report_sha256_hex")
        ),
        sa.ForeignKeyConstraint(
            ["cabinet_id"],
            ["cabinet.id"],
            name=op.f("fk_rendered_report_cabinet_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["pooled_contract.id"],
            name=op.f("fk_rendered_report_contract_id_pooled_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rendered_report")),
        sa.UniqueConstraint(
            "content_digest",
            "renderer",
            name=op.f("uq_rendered_report_content_digest_renderer"),
        ),
    )
    with op.batch_alter_table("rendered_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rendered_report_contract_id"), ["contract_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rendered_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rendered_report_contract_id"))

    op.drop_table("rendered_report")
