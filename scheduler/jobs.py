"""The jobs process: APScheduler 3.x `BlockingScheduler` with its job store in the database.

Jobs (kebab-case ids, registered with `replace_existing=True` at every start):

- `plan-upcoming-week`: for each groupement, queue a plan run (a draft) for the week about to
  enter the notice window; `execute-plan-runs` solves it.
- `publish-reviewed-week` (paused unless `auto_publish`): after the review deadline, publish the
  latest valid draft of that week where nothing is published yet.
- `execute-plan-runs`: every few seconds, requeue runs whose process died, then claim and execute
  queued runs (those requested through the API too).
- `remind-patientele`: record an audit reminder for the coordinators of each contract without a
  patientèle snapshot in the last `patientele_reminder_days`.
- `snapshot-monthly-reports`: write last month's report of each contract under
  `output_dir/reports`.
- `refresh-feeds`: re-render every groupement's feeds so past cancelled events drop out.
- `render-reports`: every `report_render_interval_s` (and at start), render ahead the PDF of each
  contract's current periods whose content digest has no stored PDF yet (`scheduler.report_cache`),
  so that a request after a publication or a ledger change finds its PDF ready. Idempotent by
  construction (content-addressed): no `JobRun` row, only the job's lock; one commit per contract.

Idempotency: a periodic job runs once per period key (ISO week, month or day) — one `JobRun` row
per (job id, period key); a key already `succeeded` is a no-op, a `failed` one is retried by the
next trigger (the cron triggers fire every hour of the chosen day, so a failure at 06:00 is
retried at 07:00, and the later triggers of a successful day do nothing). Concurrency: a job runs
under its lock (`scheduler.locks`), so two scheduler processes never run it at once. Atomicity:
each item (groupement, contract) is done in a SAVEPOINT and committed with the `JobRun` outcome;
an item that fails is rolled back alone and makes the run `failed`, so the retry redoes only it
(done items are recognised by their own state: a queued run, a published rota, a written file).
"""

from __future__ import annotations

import logging
import signal
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from scheduler import access, models, uow
from scheduler.audit import record_audit
from scheduler.auth import FAILURE_WINDOW, failure_moments
from scheduler.config import Settings
from scheduler.db import make_engine, make_session_factory
from scheduler.errors import PartagendaError, PlanRunConflict
from scheduler.feeds import refresh_feeds
from scheduler.locks import job_lock
from scheduler.observability import JOB_RUNS, PLAN_RUNS, SOLVE_SECONDS, configure_logging
from scheduler.report_cache import inputs_stamp, is_current, prerender_contract
from scheduler.reports import write_report
from scheduler.runs import claim_next_run, execute_plan_run, recover_stale_runs, request_plan_run
from solver import model as sm

log = logging.getLogger(__name__)
T = TypeVar("T")

JOB_TABLE = models.APSCHEDULER_JOB_TABLE
PLAN_UPCOMING_WEEK = "plan-upcoming-week"
PUBLISH_REVIEWED_WEEK = "publish-reviewed-week"
EXECUTE_PLAN_RUNS = "execute-plan-runs"
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
            return _counted(job_id, JobOutcome("locked", period_key))
        run_id = _claim_job_run(ctx.factory, job_id, period_key)
        if run_id is None:
            log.info("job %s already done for %s", job_id, period_key)
            return _counted(job_id, JobOutcome("done", period_key))
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
            return _counted(job_id, JobOutcome("failed", period_key, [str(error)]))
        if errors:
            log.error("job %s failed for %s: %s", job_id, period_key, "; ".join(errors))
            return _counted(job_id, JobOutcome("failed", period_key, errors))
        log.info("job %s succeeded for %s", job_id, period_key)
        return _counted(job_id, JobOutcome("succeeded", period_key))


def _counted(job_id: str, outcome: JobOutcome) -> JobOutcome:
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
            run = models.JobRun(job_id=job_id, period_key=period_key, attempts=1)
            session.add(run)
        else:
            # Failed, or left `running` by a killed process (we hold the lock: nobody runs it).
            run.attempts += 1
            run.started_at = datetime.now(UTC)
            run.finished_at = None
            run.error = None
        run.state = models.RunState.RUNNING
        try:
            uow.commit(session)
        except IntegrityError:
            uow.rollback(session)
            return None
        return run.id


def _mark_failed(factory: sessionmaker[Session], run_id: int, error: str) -> None:
    with uow.unit_of_work(factory) as session:
        run = session.get(models.JobRun, run_id)
        if run is not None:
            run.state = models.RunState.FAILED
            run.error = error[:4000]
            run.finished_at = datetime.now(UTC)


def _each(
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


def _slug(groupement: models.Groupement) -> str:
    return f"groupement {groupement.slug}"


def _code(contract: models.PooledContract) -> str:
    return f"contract {contract.code}"


def _groupements(session: Session) -> list[models.Groupement]:
    return list(session.scalars(select(models.Groupement).order_by(models.Groupement.id)))


# --- Periods ---------------------------------------------------------------------------------------


def _local_now(ctx: JobContext, now: datetime | None) -> datetime:
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


# --- Jobs ------------------------------------------------------------------------------------------


def plan_upcoming_week(ctx: JobContext, *, now: datetime | None = None) -> JobOutcome:
    """Queue a plan run for each groupement's week about to enter the notice window."""
    monday = upcoming_week(_local_now(ctx, now))
    key = week_key(monday)

    def body(session: Session, errors: list[str]) -> None:
        _each(session, errors, _groupements(session), _slug, lambda g: plan(session, g))

    def plan(session: Session, groupement: models.Groupement) -> None:
        planned = session.scalar(
            select(func.count(models.Rota.id)).where(
                models.Rota.groupement_id == groupement.id,
                models.Rota.period_start == monday,
            )
        )
        if planned:
            log.info("week %s of %s is already planned", key, groupement.slug)
            return
        try:
            run = request_plan_run(
                session,
                groupement.id,
                monday,
                7,
                actor=None,
                idempotency_key=f"{PLAN_UPCOMING_WEEK}:{groupement.id}:{key}",
                time_limit_s=ctx.settings.solver_time_limit_s,
            )
        except PlanRunConflict as conflict:
            log.info(
                "week %s of %s is already being planned (run %s)",
                key,
                groupement.slug,
                conflict.run_id,
            )
            return
        log.info("plan run %s queued for %s, week %s", run.id, groupement.slug, key)

    return run_job(ctx, PLAN_UPCOMING_WEEK, key, body)


def publish_reviewed_week(ctx: JobContext, *, now: datetime | None = None) -> JobOutcome:
    """After the review deadline, publish each groupement's latest valid draft of the week."""
    from scheduler.planning import publish_rota

    local = _local_now(ctx, now)
    monday = upcoming_week(local)
    key = week_key(monday)

    def body(session: Session, errors: list[str]) -> None:
        _each(session, errors, _groupements(session), _slug, lambda g: publish(session, g))

    def publish(session: Session, groupement: models.Groupement) -> None:
        rotas = list(
            session.scalars(
                select(models.Rota)
                .where(
                    models.Rota.groupement_id == groupement.id,
                    models.Rota.period_start == monday,
                )
                .order_by(models.Rota.revision.desc())
            )
        )
        if any(r.status == models.RotaStatus.PUBLISHED for r in rotas):
            return  # a coordinator published it: never override a human decision
        for draft in (r for r in rotas if r.status == models.RotaStatus.DRAFT):
            try:
                with uow.savepoint(session):
                    publish_rota(session, draft.id, actor=None, now=local.astimezone(UTC))
            except PartagendaError as error:
                log.info("draft %s of %s not publishable: %s", draft.id, key, error)
                continue
            log.info("published draft %s of %s for %s", draft.id, key, groupement.slug)
            break
        else:
            log.warning("no valid draft of %s to publish for %s", key, groupement.slug)

    return run_job(ctx, PUBLISH_REVIEWED_WEEK, key, body)


def execute_plan_runs(ctx: JobContext, *, limit: int | None = None) -> list[int]:
    """Requeue dead runs, then claim and execute queued runs until none waits (or `limit`)."""
    recover_stale_runs(
        ctx.factory, stale_after=timedelta(seconds=ctx.settings.plan_run_stale_after_s)
    )
    done: list[int] = []
    while limit is None or len(done) < limit:
        run_id = claim_next_run(ctx.factory)
        if run_id is None:
            break
        started = clock.monotonic()
        state = execute_plan_run(
            ctx.factory,
            run_id,
            deterministic=ctx.settings.solver_deterministic,
            heartbeat_s=ctx.settings.plan_run_heartbeat_s,
        )
        PLAN_RUNS.labels(state=state.value).inc()
        SOLVE_SECONDS.observe(clock.monotonic() - started)
        log.info("plan run %s ended %s", run_id, state.value)
        done.append(run_id)
    return done


def remind_patientele(ctx: JobContext, *, now: datetime | None = None) -> JobOutcome:
    """Record a reminder for the coordinators of each contract without a recent snapshot."""
    local = _local_now(ctx, now)
    key = week_key(local.date() - timedelta(days=local.weekday()))
    cutoff = local.date() - timedelta(days=ctx.settings.patientele_reminder_days)

    def body(session: Session, errors: list[str]) -> None:
        contracts = list(
            session.scalars(select(models.PooledContract).order_by(models.PooledContract.id))
        )
        _each(session, errors, contracts, _code, lambda c: remind(session, c))

    def remind(session: Session, contract: models.PooledContract) -> None:
        latest = _latest_snapshot(session, contract)
        if latest is not None and latest >= cutoff:
            return
        coordinators = sorted(
            session.scalars(
                select(models.User.email).where(
                    models.User.groupement_id == contract.groupement_id,
                    access.answers_for_groupement(),
                    models.User.is_active.is_(True),
                )
            )
        )
        record_audit(
            session,
            actor=None,
            groupement_id=contract.groupement_id,
            action="remind-patientele",
            entity="pooled_contract",
            entity_id=contract.id,
            after={
                "contract": contract.code,
                "last_snapshot": latest.isoformat() if latest else None,
                "coordinators": coordinators,
            },
        )
        log.warning(
            "contract %s has no patientele snapshot since %s: reminder for %d coordinator(s)",
            contract.code,
            latest,
            len(coordinators),
        )

    return run_job(ctx, REMIND_PATIENTELE, key, body)


def _latest_snapshot(session: Session, contract: models.PooledContract) -> date | None:
    """The date of the newest snapshot of a doctor of the contract's cabinets."""
    cabinets = (
        select(models.Share.cabinet_id)
        .join(models.SharePlan, models.Share.plan_id == models.SharePlan.id)
        .where(models.SharePlan.contract_id == contract.id)
    )
    return session.scalar(
        select(func.max(models.PatienteleSnapshot.snapshot_date))
        .join(models.Doctor, models.PatienteleSnapshot.doctor_id == models.Doctor.id)
        .where(models.Doctor.cabinet_id.in_(cabinets))
    )


def snapshot_monthly_reports(ctx: JobContext, *, now: datetime | None = None) -> JobOutcome:
    """Write last month's report of every contract, in each configured format."""
    local = _local_now(ctx, now)
    period = previous_month(local.date())
    directory = ctx.settings.output_dir / "reports" / period

    def body(session: Session, errors: list[str]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        contracts = list(
            session.scalars(select(models.PooledContract).order_by(models.PooledContract.code))
        )
        _each(session, errors, contracts, _code, lambda c: write(session, c))

    def write(session: Session, contract: models.PooledContract) -> None:
        for fmt in ctx.settings.report_formats:
            path = directory / f"{contract.code}-{period}.{fmt}"
            if path.exists():
                continue  # written by an earlier, partly failed attempt
            body_bytes: bytes = write_report(session, contract.code, period, fmt)
            _write_atomically(path, body_bytes)

    return run_job(ctx, SNAPSHOT_MONTHLY_REPORTS, period, body)


def _write_atomically(path: Path, data: bytes) -> None:
    # A killed process leaves a .part file, never a truncated report under the final name.
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)


def refresh_all_feeds(ctx: JobContext, *, now: datetime | None = None) -> JobOutcome:
    """Re-render each groupement's feeds, so that past cancelled events drop out."""
    local = _local_now(ctx, now)
    moment = local.astimezone(UTC)

    def body(session: Session, errors: list[str]) -> None:
        _each(session, errors, _groupements(session), _slug, lambda g: refresh(session, g))

    def refresh(session: Session, groupement: models.Groupement) -> None:
        changed = refresh_feeds(session, groupement.id, now=moment)
        log.info("%d feed(s) of %s re-rendered", len(changed), groupement.slug)

    return run_job(ctx, REFRESH_FEEDS, local.date().isoformat(), body)


def purge_expired_records(ctx: JobContext, *, now: datetime | None = None) -> JobOutcome:
    """Delete the records kept for a time only: the stored answers of Idempotency-Keys older than
    `idempotency_retention_hours` (they hold personal data, and a retry comes within minutes),
    and the sign-in throttle rows with no failure left in the window and no lock in force for
    `THROTTLE_MEMORY`."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)

    def body(session: Session, _errors: list[str]) -> None:
        kept_from = moment - timedelta(hours=ctx.settings.idempotency_retention_hours)
        answers = session.execute(
            delete(models.IdempotencyRecord).where(models.IdempotencyRecord.created_at < kept_from)
        )
        throttle = models.SignInThrottle
        forgotten = [
            row.account_key
            for row in session.scalars(
                select(throttle).where(
                    or_(
                        throttle.locked_until.is_(None),
                        throttle.locked_until < moment - THROTTLE_MEMORY,
                    )
                )
            )
            if all(
                failed <= moment - FAILURE_WINDOW for failed in failure_moments(row.recent_failures)
            )
        ]
        if forgotten:
            session.execute(delete(throttle).where(throttle.account_key.in_(forgotten)))
        log.info(
            "purged %d stored answer(s) and %d sign-in throttle row(s)",
            getattr(answers, "rowcount", 0),
            len(forgotten),
        )

    return run_job(ctx, PURGE_EXPIRED_RECORDS, moment.date().isoformat(), body)


_rendered_stamps: dict[str, tuple[object, ...]] = {}
"""Per database, the day and inputs stamp of the last `render-reports` run that went through."""


def render_reports(ctx: JobContext, *, now: datetime | None = None) -> list[str]:
    """Render ahead the missing PDFs of the current periods of every contract in its years, and
    drop those of past periods; return what was rendered (`<contract code> <period>`). A run on
    the same day with the same inputs stamp as the last one does nothing. A contract that fails
    is logged and skipped."""
    local = _local_now(ctx, now)
    rendered: list[str] = []
    key = ctx.engine.url.render_as_string(hide_password=True)
    with job_lock(ctx.engine, f"job-{RENDER_REPORTS}") as acquired:
        if not acquired:
            log.info("job %s skipped: another process runs it", RENDER_REPORTS)
            _counted(RENDER_REPORTS, JobOutcome("locked", ""))
            return rendered
        with ctx.factory() as session:
            stamp = (local.date(), *inputs_stamp(session))
            if _rendered_stamps.get(key) == stamp:
                _counted(RENDER_REPORTS, JobOutcome("skipped", ""))
                return rendered
            contracts = session.scalars(
                select(models.PooledContract).order_by(models.PooledContract.id)
            ).all()
            ids = [c.id for c in contracts if is_current(c, local.date())]
        failed = False
        for contract_id in ids:
            try:
                with uow.unit_of_work(ctx.factory) as session:
                    contract = session.get(models.PooledContract, contract_id)
                    if contract is None:
                        continue  # deleted meanwhile
                    code = contract.code
                    labels = prerender_contract(
                        session, contract, today=local.date(), release_reads=True
                    )
                    rendered.extend(f"{code} {label}" for label in labels)
            except Exception:
                failed = True
                log.exception("report PDFs of contract %s failed", contract_id)
        if not failed:
            _rendered_stamps[key] = stamp
    if rendered:
        log.info("%d report PDF(s) rendered ahead: %s", len(rendered), ", ".join(rendered))
    _counted(RENDER_REPORTS, JobOutcome("failed" if failed else "succeeded", ""))
    return rendered


# --- The process -----------------------------------------------------------------------------------

_context: JobContext | None = None


def _ctx() -> JobContext:
    if _context is None:
        raise RuntimeError("the jobs process is not started (scheduler.jobs.run_scheduler)")
    return _context


# Thin entry points: the job store keeps a reference to these module-level functions and no
# arguments, so no setting (nor the database password) is ever pickled into the database.


def plan_upcoming_week_job() -> None:
    """Scheduled `plan-upcoming-week`."""
    plan_upcoming_week(_ctx())


def publish_reviewed_week_job() -> None:
    """Scheduled `publish-reviewed-week`."""
    publish_reviewed_week(_ctx())


def execute_plan_runs_job() -> None:
    """Scheduled `execute-plan-runs`."""
    execute_plan_runs(_ctx())


def remind_patientele_job() -> None:
    """Scheduled `remind-patientele`."""
    remind_patientele(_ctx())


def snapshot_monthly_reports_job() -> None:
    """Scheduled `snapshot-monthly-reports`."""
    snapshot_monthly_reports(_ctx())


def refresh_feeds_job() -> None:
    """Scheduled `refresh-feeds`."""
    refresh_all_feeds(_ctx())


def render_reports_job() -> None:
    """Scheduled `render-reports`."""
    render_reports(_ctx())


def purge_expired_records_job() -> None:
    """Scheduled `purge-expired-records`."""
    purge_expired_records(_ctx())


def build_scheduler(ctx: JobContext, *, blocking: bool = True) -> Any:
    """A scheduler with every job registered (not started); the job store is the database."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    settings = ctx.settings
    kind = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = kind(
        jobstores={"default": SQLAlchemyJobStore(engine=ctx.engine, tablename=JOB_TABLE)},
        executors={"default": {"type": "threadpool", "max_workers": 4}},
        job_defaults={
            # A trigger missed while the process was down runs once when it is back (coalesce),
            # if not too late; two overlapping executions of one job never happen in-process.
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": settings.job_misfire_grace_s,
        },
        timezone=ctx.zone,
    )
    every_hour_from = "{}-23"
    scheduler.add_job(
        plan_upcoming_week_job,
        "cron",
        id=PLAN_UPCOMING_WEEK,
        day_of_week=settings.plan_day,
        hour=every_hour_from.format(settings.plan_hour),
        minute=0,
        replace_existing=True,
    )
    scheduler.add_job(
        publish_reviewed_week_job,
        "cron",
        id=PUBLISH_REVIEWED_WEEK,
        day_of_week=settings.review_day,
        hour=every_hour_from.format(settings.review_hour),
        minute=5,
        replace_existing=True,
        # Off by default: kept in the store but paused, so turning it off really stops it.
        **({} if settings.auto_publish else {"next_run_time": None}),
    )
    scheduler.add_job(
        execute_plan_runs_job,
        "interval",
        id=EXECUTE_PLAN_RUNS,
        seconds=settings.worker_poll_s,
        next_run_time=datetime.now(ctx.zone),
        misfire_grace_time=None,
        replace_existing=True,
    )
    scheduler.add_job(
        remind_patientele_job,
        "cron",
        id=REMIND_PATIENTELE,
        day_of_week="mon",
        hour="7-23",
        minute=15,
        replace_existing=True,
    )
    scheduler.add_job(
        snapshot_monthly_reports_job,
        "cron",
        id=SNAPSHOT_MONTHLY_REPORTS,
        day=1,
        hour="3-23",
        minute=30,
        replace_existing=True,
    )
    scheduler.add_job(
        refresh_feeds_job,
        "cron",
        id=REFRESH_FEEDS,
        hour="*",
        minute=45,
        replace_existing=True,
    )
    scheduler.add_job(
        render_reports_job,
        "interval",
        id=RENDER_REPORTS,
        seconds=settings.report_render_interval_s,
        next_run_time=datetime.now(ctx.zone),
        replace_existing=True,
    )
    scheduler.add_job(
        purge_expired_records_job,
        "cron",
        id=PURGE_EXPIRED_RECORDS,
        hour="4-23",
        minute=50,
        replace_existing=True,
    )
    if settings.plan_on_start:
        scheduler.add_job(
            plan_upcoming_week_job,
            "date",
            id=f"{PLAN_UPCOMING_WEEK}-on-start",
            run_date=datetime.now(ctx.zone),
            misfire_grace_time=None,
            replace_existing=True,
        )
    return scheduler


def run_scheduler(settings: Settings) -> None:
    """Run the jobs process until SIGTERM or SIGINT (the `partagenda scheduler` command)."""
    global _context
    configure_logging(json_lines=settings.log_json)
    # APScheduler logs every execution at INFO (every few seconds for `execute-plan-runs`).
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    _context = JobContext.from_settings(settings)
    scheduler = build_scheduler(_context)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping the jobs process", signum)
        # Do not wait for a solve in progress: its run is recovered by the next process.
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("jobs process started: %s", ", ".join(job.id for job in scheduler.get_jobs()))
    try:
        scheduler.start()
    finally:
        _context.engine.dispose()
