"""CSV imports previewed on the pages: the checked rows kept on the server until their
uploader confirms them, for 30 minutes.

Revision ID: d7a3f5b1c8e2
Revises: c3d9e1f4a6b2
Create Date: 2026-12-08 12:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "d7a3f5b1c8e2"
down_revision: str | None = "c3d9e1f4a6b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_preview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "patientele",
                "ref_doctors",
                "ref_series",
                name="import_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("row_count >= 0", name=op.f("ck_import_preview_row_count")),
        sa.CheckConstraint(
            "expires_at > created_at", name=op.f("ck_import_preview_expires_after_creation")
        ),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_import_preview_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_import_preview_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_preview")),
        sa.UniqueConstraint("key", name=op.f("uq_import_preview_key")),
    )
    for column in ("groupement_id", "user_id", "expires_at"):
        op.create_index(op.f(f"ix_import_preview_{column}"), "import_preview", [column])


def downgrade() -> None:
    for column in ("expires_at", "user_id", "groupement_id"):
        op.drop_index(op.f(f"ix_import_preview_{column}"), table_name="import_preview")
    op.drop_table("import_preview")
