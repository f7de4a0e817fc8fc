"""Taking up the tasks of a dead worker (PostgreSQL).

procrastinate keeps each worker's heartbeat (`procrastinate_workers.last_heartbeat`) and knows
which worker holds which task, but leaves it to the application to retry the tasks of a worker
that stopped beating (its documented "stalled jobs" recipe). Every worker runs this pass every
few seconds (`scheduler.engine.worker`); an advisory lock lets one pass run at a time, so a task
is never retried twice for one death, and a task retried, fetched again by a live worker, is no
longer stalled (its worker beats).

A stalled task is retried at once (another worker fetches it), unless it has had its
`MAX_ATTEMPTS`: it then fails. A plan run's task also puts its run back to `queued` with the
dead attempt's figures wiped (`scheduler.runs.requeue`), or fails the run, in the same
transaction as the task's retry: what the page shows and what the engine will do never part.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, select, text
from sqlalchemy.orm import Session, sessionmaker

from scheduler import models, uow
from scheduler.engine import PLAN_RUN_TASK
from scheduler.locks import job_lock
from scheduler.runs import MAX_ATTEMPTS, requeue

log = logging.getLogger(__name__)

RECOVERY_LOCK = "task-engine-recovery"

_STALLED = text(
    "SELECT job.id, job.task_name, job.args, job.attempts FROM procrastinate_jobs job"
    " LEFT JOIN procrastinate_workers worker ON worker.id = job.worker_id"
    " WHERE job.status = 'doing' AND (worker.id IS NULL"
    " OR worker.last_heartbeat < now() - make_interval(secs => :stalled_after_s))"
    " ORDER BY job.id FOR UPDATE OF job SKIP LOCKED"
)
_PRUNE = text("SELECT count(*) FROM procrastinate_prune_stalled_workers_v1(:stalled_after_s)")
_RETRY = text("SELECT procrastinate_retry_job_v2(:job_id, now(), NULL, NULL, NULL)")
_FAIL = text("SELECT procrastinate_finish_job_v1(:job_id, 'failed', false)")


def recover_stalled_tasks(
    engine: Engine, factory: sessionmaker[Session], *, stalled_after_s: float
) -> dict[int, str]:
    """Retry (or fail, at `MAX_ATTEMPTS`) the tasks held by workers silent for
    `stalled_after_s`; what became of each, by job id (`retried` or `failed`)."""
    with job_lock(engine, RECOVERY_LOCK) as acquired:
        if not acquired:
            return {}
        with uow.unit_of_work(factory) as session:
            stalled = session.execute(_STALLED, {"stalled_after_s": stalled_after_s}).all()
            outcome = {row.id: _recover(session, row) for row in stalled}
            session.execute(_PRUNE, {"stalled_after_s": stalled_after_s})
    for job_id, what in outcome.items():
        log.warning("task %s of a dead worker: %s", job_id, what)
    return outcome


def _recover(session: Session, row: Row[Any]) -> str:
    give_up = row.attempts + 1 >= MAX_ATTEMPTS
    if row.task_name == PLAN_RUN_TASK:
        now = datetime.now(UTC)
        run = session.scalar(
            select(models.PlanRun)
            .where(models.PlanRun.id == int(row.args["run_id"]))
            .with_for_update()
        )
        if run is not None and run.state is models.RunState.RUNNING:
            if give_up:
                run.attempts = max(run.attempts, MAX_ATTEMPTS)
            give_up = requeue(run, now=now) is models.RunState.FAILED
    if give_up:
        session.execute(_FAIL, {"job_id": row.id})
        return "failed"
    session.execute(_RETRY, {"job_id": row.id})
    return "retried"
