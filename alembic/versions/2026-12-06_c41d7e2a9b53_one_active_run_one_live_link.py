"""One queued-or-running plan run per groupement and period, one live feed link per subscriber.

On PostgreSQL an exclusion constraint refuses a second active run (queued or running) of a
groupement whose period overlaps an active one's; on SQLite two triggers do the same. Partial
unique indexes keep one live (unrevoked) feed token per feed and subscriber label. Rows that
already break these rules are settled first: the later overlapping active runs are cancelled
(a running one is kept before a queued one), the older duplicate live tokens are revoked.

Revision ID: c41d7e2a9b53
Revises: 3c9e4a1f2b7d
Create Date: 2026-12-06 21:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "c41d7e2a9b53"
down_revision: str | None = "3c9e4a1f2b7d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE = "('queued', 'running')"

# The period of a run is [period_start, period_start + period_days): its end, per dialect.
_END = {
    "postgresql": "({t}.period_start + {t}.period_days)",
    "sqlite": "date({t}.period_start, '+' || {t}.period_days || ' days')",
}

_SQLITE_OVERLAP = """EXISTS (
            SELECT 1 FROM plan_run AS other
            WHERE other.groupement_id = NEW.groupement_id
              AND other.state IN ('queued', 'running'){not_self}
              AND other.period_start < date(NEW.period_start, '+' || NEW.period_days || ' days')
              AND NEW.period_start < date(other.period_start, '+' || other.period_days || ' days'))"""

_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER plan_run_one_active_insert BEFORE INSERT ON plan_run
        WHEN NEW.state IN {_ACTIVE} AND {_SQLITE_OVERLAP.format(not_self="")} BEGIN
        SELECT RAISE(ABORT, 'ex_plan_run_one_active: an active run overlaps this period'); END""",
    f"""CREATE TRIGGER plan_run_one_active_update
        BEFORE UPDATE OF state, groupement_id, period_start, period_days ON plan_run
        WHEN NEW.state IN {_ACTIVE}
          AND {_SQLITE_OVERLAP.format(not_self=" AND other.id <> NEW.id")} BEGIN
        SELECT RAISE(ABORT, 'ex_plan_run_one_active: an active run overlaps this period'); END""",
]
_SQLITE_TRIGGER_NAMES = ["plan_run_one_active_insert", "plan_run_one_active_update"]

_POSTGRESQL_CONSTRAINT = (
    "ALTER TABLE plan_run ADD CONSTRAINT ex_plan_run_one_active EXCLUDE USING gist ("
    " groupement_id WITH =,"
    " daterange(period_start, period_start + period_days, '[)') WITH &&"
    f") WHERE (state IN {_ACTIVE})"
)

# (index, target column, kind)
_LIVE_TOKEN_INDEXES = [
    ("uq_feed_token_live_cabinet", "cabinet_id", "cabinet"),
    ("uq_feed_token_live_assistant", "assistant_id", "assistant"),
    ("uq_feed_token_live_groupement", "groupement_id", "groupement"),
]


def _settle_overlapping_runs(dialect: str) -> None:
    end = _END[dialect]
    # Keep a running run before a queued one, then the oldest: cancel every active run that an
    # active run ranked before it overlaps.
    op.execute(
        f"""UPDATE plan_run SET state = 'cancelled', finished_at = CURRENT_TIMESTAMP,
            error = 'annulé : un autre calcul de la même période était déjà en attente ou en cours'
        WHERE state IN {_ACTIVE} AND EXISTS (
            SELECT 1 FROM plan_run AS other
            WHERE other.groupement_id = plan_run.groupement_id
              AND other.id <> plan_run.id
              AND other.state IN {_ACTIVE}
              AND (
                (other.state = 'running' AND plan_run.state = 'queued')
                OR (other.state = plan_run.state AND other.id < plan_run.id)
              )
              AND other.period_start < {end.format(t="plan_run")}
              AND plan_run.period_start < {end.format(t="other")})"""
    )


def _settle_duplicate_tokens() -> None:
    # The newest live token of a feed and label stays; the older ones are revoked.
    op.execute(
        """UPDATE feed_token SET revoked_at = CURRENT_TIMESTAMP
        WHERE revoked_at IS NULL AND EXISTS (
            SELECT 1 FROM feed_token AS newer
            WHERE newer.revoked_at IS NULL
              AND newer.kind = feed_token.kind
              AND newer.groupement_id = feed_token.groupement_id
              AND COALESCE(newer.cabinet_id, 0) = COALESCE(feed_token.cabinet_id, 0)
              AND COALESCE(newer.assistant_id, 0) = COALESCE(feed_token.assistant_id, 0)
              AND newer.subscriber = feed_token.subscriber
              AND newer.id > feed_token.id)"""
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _settle_overlapping_runs(dialect)
    _settle_duplicate_tokens()
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(_POSTGRESQL_CONSTRAINT)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
    with op.batch_alter_table("feed_token", schema=None) as batch_op:
        for name, column, kind in _LIVE_TOKEN_INDEXES:
            where = sa.text(f"revoked_at IS NULL AND kind = '{kind}'")
            batch_op.create_index(
                name,
                [column, "subscriber"],
                unique=True,
                sqlite_where=where,
                postgresql_where=where,
            )


def downgrade() -> None:
    with op.batch_alter_table("feed_token", schema=None) as batch_op:
        for name, _column, _kind in reversed(_LIVE_TOKEN_INDEXES):
            batch_op.drop_index(name)
    if op.get_bind().dialect.name == "postgresql":
        # btree_gist stays: other objects of the database may use it.
        op.execute("ALTER TABLE plan_run DROP CONSTRAINT IF EXISTS ex_plan_run_one_active")
    else:
        for name in _SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
