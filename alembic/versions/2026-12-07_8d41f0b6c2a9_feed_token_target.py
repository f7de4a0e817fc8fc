"""A feed token names its feed by kind and target id, whatever the kind.

`feed_token` had one foreign-key column per kind of target (`cabinet_id`, `assistant_id`; the
groupement's feed used `groupement_id`) and CHECK constraints listing the kinds, so a new kind of
feed needed a column and a migration. It now has `target_id`, and `kind` is a plain name checked
by the registry of feed kinds (`scheduler.feeds.kinds`), which also keeps what the foreign keys
kept (a deleted cabinet or assistant takes its tokens along).

PostgreSQL changes the table in place. SQLite cannot drop a column under a foreign key or a CHECK
constraint, so the table is rebuilt under its own name (no table refers to `feed_token`, so
dropping the old one deletes nothing else). Downgrading drops the tokens the old table cannot
hold: those of a kind it does not know, and those whose cabinet or assistant is gone.

Revision ID: 8d41f0b6c2a9
Revises: 5a8e2c7d1f40
Create Date: 2026-12-07 12:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.sql.schema import SchemaItem

from alembic import op

revision: str = "8d41f0b6c2a9"
down_revision: str | None = "5a8e2c7d1f40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TARGET = (
    "CASE kind WHEN 'cabinet' THEN cabinet_id WHEN 'assistant' THEN assistant_id"
    " ELSE groupement_id END"
)
_OLD_CHECK = (
    "(kind = 'cabinet' AND cabinet_id IS NOT NULL AND assistant_id IS NULL)"
    " OR (kind = 'assistant' AND assistant_id IS NOT NULL AND cabinet_id IS NULL)"
    " OR (kind = 'groupement' AND cabinet_id IS NULL AND assistant_id IS NULL)"
)
# (index, target column, kind)
_OLD_LIVE_INDEXES = [
    ("uq_feed_token_live_cabinet", "cabinet_id", "cabinet"),
    ("uq_feed_token_live_assistant", "assistant_id", "assistant"),
    ("uq_feed_token_live_groupement", "groupement_id", "groupement"),
]
_LIVE = sa.text("revoked_at IS NULL")
_SHARED = ("id", "groupement_id", "kind", "subscriber", "token_hash", "created_at", "revoked_at")


def _common_columns(kind_length: int) -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=kind_length), nullable=False),
    ]


def _tail_columns_and_constraints() -> list[SchemaItem]:
    return [
        sa.Column("subscriber", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("length(token_hash) = 64", name=op.f("ck_feed_token_sha256_hex")),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_feed_token_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feed_token_token_hash")),
    ]


def _rebuild_on_sqlite(items: list[SchemaItem], columns: Sequence[str], values: str) -> None:
    """Replace `feed_token` by a table of `items`, filled from the old one (`values` are the SQL
    expressions of `columns` over the old table)."""
    op.create_table("feed_token_next", *items)
    op.execute(
        f"INSERT INTO feed_token_next ({', '.join(columns)}) SELECT {values} FROM feed_token"
    )
    op.drop_table("feed_token")  # its indexes go with it
    op.rename_table("feed_token_next", "feed_token")
    op.create_index("ix_feed_token_groupement_id", "feed_token", ["groupement_id"])


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_on_sqlite(
            [
                *_common_columns(32),
                sa.Column("target_id", sa.Integer(), nullable=False),
                *_tail_columns_and_constraints(),
            ],
            (*_SHARED, "target_id"),
            f"{', '.join(_SHARED)}, {_TARGET}",
        )
    else:
        for name, _column, _kind in _OLD_LIVE_INDEXES:
            op.drop_index(name, table_name="feed_token")
        op.add_column("feed_token", sa.Column("target_id", sa.Integer(), nullable=True))
        op.execute(f"UPDATE feed_token SET target_id = {_TARGET}")
        op.alter_column("feed_token", "target_id", existing_type=sa.Integer(), nullable=False)
        op.drop_constraint(op.f("ck_feed_token_target"), "feed_token", type_="check")
        op.drop_constraint(op.f("ck_feed_token_feed_kind"), "feed_token", type_="check")
        op.drop_column("feed_token", "cabinet_id")  # with its foreign key
        op.drop_column("feed_token", "assistant_id")
        op.alter_column(
            "feed_token",
            "kind",
            existing_type=sa.String(length=16),
            type_=sa.String(length=32),
            existing_nullable=False,
        )
    op.create_index(
        "uq_feed_token_live",
        "feed_token",
        ["kind", "target_id", "subscriber"],
        unique=True,
        sqlite_where=_LIVE,
        postgresql_where=_LIVE,
    )
    op.create_index("ix_feed_token_target", "feed_token", ["kind", "target_id"])


def downgrade() -> None:
    # The tokens the old table cannot hold: an unknown kind, or a target gone (a foreign key
    # would refuse them).
    op.execute(
        "DELETE FROM feed_token WHERE kind NOT IN ('cabinet', 'assistant', 'groupement')"
        " OR (kind = 'cabinet' AND NOT EXISTS"
        " (SELECT 1 FROM cabinet WHERE cabinet.id = feed_token.target_id))"
        " OR (kind = 'assistant' AND NOT EXISTS"
        " (SELECT 1 FROM assistant WHERE assistant.id = feed_token.target_id))"
    )
    op.drop_index("ix_feed_token_target", table_name="feed_token")
    op.drop_index("uq_feed_token_live", table_name="feed_token")
    cabinet = "CASE WHEN kind = 'cabinet' THEN target_id END"
    assistant = "CASE WHEN kind = 'assistant' THEN target_id END"
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_on_sqlite(
            [
                *_common_columns(16),
                sa.Column("cabinet_id", sa.Integer(), nullable=True),
                sa.Column("assistant_id", sa.Integer(), nullable=True),
                *_tail_columns_and_constraints(),
                sa.CheckConstraint(_OLD_CHECK, name=op.f("ck_feed_token_target")),
                sa.CheckConstraint(
                    "kind IN ('cabinet', 'assistant', 'groupement')",
                    name=op.f("ck_feed_token_feed_kind"),
                ),
                sa.ForeignKeyConstraint(
                    ["assistant_id"],
                    ["assistant.id"],
                    name=op.f("fk_feed_token_assistant_id_assistant"),
                    ondelete="CASCADE",
                ),
                sa.ForeignKeyConstraint(
                    ["cabinet_id"],
                    ["cabinet.id"],
                    name=op.f("fk_feed_token_cabinet_id_cabinet"),
                    ondelete="CASCADE",
                ),
            ],
            (*_SHARED, "cabinet_id", "assistant_id"),
            f"{', '.join(_SHARED)}, {cabinet}, {assistant}",
        )
    else:
        op.alter_column(
            "feed_token",
            "kind",
            existing_type=sa.String(length=32),
            type_=sa.String(length=16),
            existing_nullable=False,
        )
        op.add_column("feed_token", sa.Column("cabinet_id", sa.Integer(), nullable=True))
        op.add_column("feed_token", sa.Column("assistant_id", sa.Integer(), nullable=True))
        op.execute(f"UPDATE feed_token SET cabinet_id = {cabinet}, assistant_id = {assistant}")
        op.drop_column("feed_token", "target_id")
        op.create_foreign_key(
            op.f("fk_feed_token_cabinet_id_cabinet"),
            "feed_token",
            "cabinet",
            ["cabinet_id"],
            ["id"],
            ondelete="CASCADE",
        )
        op.create_foreign_key(
            op.f("fk_feed_token_assistant_id_assistant"),
            "feed_token",
            "assistant",
            ["assistant_id"],
            ["id"],
            ondelete="CASCADE",
        )
        op.create_check_constraint(op.f("ck_feed_token_target"), "feed_token", _OLD_CHECK)
        op.create_check_constraint(
            op.f("ck_feed_token_feed_kind"),
            "feed_token",
            "kind IN ('cabinet', 'assistant', 'groupement')",
        )
    for name, column, kind in _OLD_LIVE_INDEXES:
        where = sa.text(f"revoked_at IS NULL AND kind = '{kind}'")
        op.create_index(
            name,
            "feed_token",
            [column, "subscriber"],
            unique=True,
            sqlite_where=where,
            postgresql_where=where,
        )
