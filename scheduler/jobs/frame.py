"""The frame of every periodic job: its context and outcome, the idempotent run under its lock
(one `JobRun` per job and period key, each item in a savepoint), the job ids, and the periods
(the week about to enter the notice window, week and month keys).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from scheduler import models, uow
from scheduler.config import Settings
from scheduler.db import make_engine, make_session_factory
from scheduler.locks import job_lock
from scheduler.observability import JOB_RUNS
from scheduler.runs import EXECUTOR_JOB
from solver import model as sm

log = logging.getLogger(__name__)
T = TypeVar("T")


JOB_TABLE = models.APSCHEDULER_JOB_TABLE
PLAN_UPCOMING_WEEK = "plan-upcoming-week"
PUBLISH_REVIEWED_WEEK = "publish-reviewed-week"
EXECUTE_PLAN_RUNS = EXECUTOR_JOB
REMIND_PATIENTELE = "remind-patientele"
SNAPSHOT_MONTHLY_REPORTS = "snapshot-monthly-reports"
REFRESH_FEEDS = "refresh-feeds"
RENDER_REPORTS = "render-reports"
PURGE_EXPIRED_RECORDS = "purge-expired-records"
THROTTLE_MEMORY = timedelta(days=7)
"""How long a sign-in throttle row outlives its last lock: the doubling of locks starts again for
an account left alone that long."""


@dataclass
class JobContext:
    """What every job needs: the settings, the engine and a session factory."""

    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    zone: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.settings.timezone)

    @classmethod
    def from_settings(cls, settings: Settings) -> JobContext:
        """A context with its own engine on the settings' database."""
        engine = make_engine(settings.database_url)
        return cls(settings, engine, make_session_factory(engine))


@dataclass
class JobOutcome:
    """The result of one job execution: `succeeded`, `failed`, `done` (already) or `locked`."""

    outcome: str
    period_key: str
    errors: list[str] = field(default_factory=list)


# --- The idempotent, locked frame of every periodic job ------------------------------------------


def run_job(
    ctx: JobContext,
    job_id: str,
    period_key: str,
    body: Callable[[Session, list[str]], None],
) -> JobOutcome:
    """Run `body` once for (job_id, period_key), under the job's lock, all or nothing per item.

    `body` stages its work in the session (one SAVEPOINT per item) and appends a message to the
    error list for each item that failed; the work and the `JobRun` outcome commit together, in one
    unit of work (`scheduler.uow`); the claim and a failure are units of work of their own.
    """
    with job_lock(ctx.engine, f"job-{job_id}") as acquired:
        if not acquired:
            log.info("job %s skipped: another process runs it", job_id)
            return counted(job_id, JobOutcome("locked", period_key))
        run_id = _claim_job_run(ctx.factory, job_id, period_key)
        if run_id is None:
            log.info("job %s already done for %s", job_id, period_key)
            return counted(job_id, JobOutcome("done", period_key))
        errors: list[str] = []
        try:
            with uow.unit_of_work(ctx.factory) as session:
                body(session, errors)
                run = session.get(models.JobRun, run_id)
                assert run is not None
                run.state = models.RunState.FAILED if errors else models.RunState.SUCCEEDED
                run.error = "\n".join(errors) or None
                run.finished_at = datetime.now(UTC)
        except Exception as error:
            log.exception("job %s failed for %s; the next trigger retries it", job_id, period_key)
            _mark_failed(ctx.factory, run_id, f"{type(error).__name__}: {error}")
            return counted(job_id, JobOutcome("failed", period_key, [str(error)]))
        if errors:
            log.error("job %s failed for %s: %s", job_id, period_key, "; ".join(errors))
            return counted(job_id, JobOutcome("failed", period_key, errors))
        log.info("job %s succeeded for %s", job_id, period_key)
        return counted(job_id, JobOutcome("succeeded", period_key))


def counted(job_id: str, outcome: JobOutcome) -> JobOutcome:
    JOB_RUNS.labels(job=job_id, outcome=outcome.outcome).inc()
    return outcome


def _claim_job_run(factory: sessionmaker[Session], job_id: str, period_key: str) -> int | None:
    """The id of the JobRun to execute now, or None when the period is already done."""
    with uow.unit_of_work(factory) as session:
        run = session.scalar(
            select(models.JobRun).where(
                models.JobRun.job_id == job_id, models.JobRun.period_key == period_key
            )
        )
        if run is not None and run.state == models.RunState.SUCCEEDED:
            return None
        if run is None:
            claim = models.JobRun(
                job_id=job_id, period_key=period_key, attempts=1, state=models.RunState.RUNNING
            )

            def insert() -> int:
                session.add(claim)
                session.flush()
                return claim.id

            # Another process that claimed the period first (its row is the one kept) runs it.
            return uow.insert_or_none(session, insert)
        # Failed, or left `running` by a killed process (we hold the lock: nobody runs it).
        run.attempts += 1
        run.started_at = datetime.now(UTC)
        run.finished_at = None
        run.error = None
        run.state = models.RunState.RUNNING
        return run.id


def _mark_failed(factory: sessionmaker[Session], run_id: int, error: str) -> None:
    with uow.unit_of_work(factory) as session:
        run = session.get(models.JobRun, run_id)
        if run is not None:
            run.state = models.RunState.FAILED
            run.error = error[:4000]
            run.finished_at = datetime.now(UTC)


def each_in_savepoint(
    session: Session,
    errors: list[str],
    items: Sequence[T],
    label: Callable[[T], str],
    action: Callable[[T], None],
) -> None:
    """Do `action` on each item inside its own SAVEPOINT; one that raises is rolled back, noted."""
    for item in items:
        try:
            with uow.savepoint(session):
                action(item)
        except Exception as error:
            log.exception("%s failed", label(item))
            errors.append(f"{label(item)}: {error}")


def groupement_label(groupement: models.Groupement) -> str:
    return f"groupement {groupement.slug}"


def contract_label(contract: models.PooledContract) -> str:
    return f"contract {contract.code}"


def all_groupements(session: Session) -> list[models.Groupement]:
    return list(session.scalars(select(models.Groupement).order_by(models.Groupement.id)))


# --- Periods ---------------------------------------------------------------------------------------


def local_now(ctx: JobContext, now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(ctx.zone)


def upcoming_week(now: datetime, *, notice_days: int | None = None) -> date:
    """The Monday of the week about to enter the notice window: the first Monday after
    `now + notice_days` (local date), which the next weekly trigger would already find inside."""
    notice = sm.Rules().notice_days if notice_days is None else notice_days
    edge = now.date() + timedelta(days=notice)
    return edge + timedelta(days=7 - edge.weekday())


def week_key(monday: date) -> str:
    """The ISO week label of a Monday, e.g. 2026-W49."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def previous_month(today: date) -> str:
    """The `YYYY-MM` label of the month before `today`'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"
