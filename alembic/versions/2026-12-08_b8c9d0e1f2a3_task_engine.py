"""The task engine's tables on PostgreSQL: procrastinate's schema (its jobs, workers, events and
their functions), applied here rather than by `procrastinate schema --apply`.

Why a migration: `partagenda migrate` (the compose `migrate` service) is the only step that
changes the schema, before any API worker defers a task or any worker fetches one, so the engine
is ready wherever the rest of the schema is, and a downgrade takes it away again. Plan runs are
deferred in the request's own transaction (`scheduler.engine.defer`), which needs these functions
in the same database. The schema is the one of the pinned procrastinate release, kept beside the
migrations (`alembic/procrastinate/schema-3.10.0.sql`) so that a fresh database gets the same
schema as an upgraded one; a later procrastinate release comes with a migration that applies its
own migration scripts. SQLite has no task engine (its single jobs process runs the tasks itself):
nothing changes there.

Revision ID: b8c9d0e1f2a3
Revises: a7b8c9d0e1f2
Create Date: 2026-12-08 21:20:00.000000+00:00
"""

from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "b8c9d0e1f2a3"
down_revision: str | None = "a7b8c9d0e1f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = Path(__file__).resolve().parent.parent / "procrastinate" / "schema-3.10.0.sql"

DROP = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
    procrastinate_workers CASCADE;
DO $$
DECLARE
    routine record;
BEGIN
    FOR routine IN
        SELECT p.oid::regprocedure AS signature FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE 'DROP FUNCTION ' || routine.signature || ' CASCADE';
    END LOOP;
END;
$$;
DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
    procrastinate_job_status CASCADE;
"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(SCHEMA.read_text(encoding="utf-8").replace("%", "%%"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(DROP.replace("%", "%%"))
