"""The task engine: plan runs, e-mail notices, report renders and the other periodic jobs' work
as tasks, spread over any number of worker processes on any number of machines.

On PostgreSQL the engine is procrastinate: a task is a row of `procrastinate_jobs` (its schema is
applied by a migration), fetched by one worker at a time (`SELECT ... FOR UPDATE SKIP LOCKED`),
retried with back-off when its database went away, and taken up again by another worker when the
worker running it stops sending its heartbeat (killed, or its machine lost): `scheduler.engine.
recovery`. Workers are `partagenda worker` processes (`scheduler.engine.worker`); APScheduler, in
the jobs process, keeps the calendar and only enqueues.

A task is deferred through the caller's own session (`defer`), in the transaction that records
what it is about: a plan run and its task commit together or not at all, so no run waits for a
task that was never enqueued, and no task names a run that was rolled back.

On the embedded SQLite default there is no worker: the single jobs process runs the same work
itself (`scheduler.jobs`), the queued plan runs straight from their table; one it was running when
it stopped is run again by its next start (`scheduler.runs.requeue_interrupted`). The guarantees
across processes and machines are PostgreSQL's.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

PLAN_RUN_TASK = "plan-run"
"""A plan run: `run_id`."""
JOB_TASK = "periodic-job"
"""The work of one of the jobs process's periodic jobs: `job_id` (its APScheduler id)."""
EMPTY_TASK = "empty"
"""A task that does nothing: the engine's own cost per task, measured by the benchmark."""
PLANNING_QUEUE = "planning"
JOBS_QUEUE = "jobs"

_DEFER = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, NULL,"
    " :queueing_lock, CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1]))"
)


def has_workers(engine: Engine) -> bool:
    """Whether tasks on this database go to worker processes (PostgreSQL), rather than being run
    by the jobs process itself (SQLite)."""
    return engine.dialect.name == "postgresql"


def defer(
    session: Session,
    task: str,
    args: dict[str, object],
    *,
    queue: str,
    queueing_lock: str | None = None,
    priority: int = 0,
) -> int:
    """Enqueue `task(**args)` in the session's transaction; the id of its job.

    A `queueing_lock` keeps at most one job under that name waiting: a second one is refused by
    the database (an IntegrityError the caller turns into "already queued" through
    `scheduler.uow.insert_or_none`)."""
    return int(
        session.execute(
            _DEFER,
            {
                "queue": queue,
                "task": task,
                "priority": priority,
                "queueing_lock": queueing_lock,
                "args": json.dumps(args),
            },
        ).scalar_one()
    )
