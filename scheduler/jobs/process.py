"""The jobs process: the APScheduler scheduler with its job store in the database, the jobs
registered at every start, and the process that runs it until a signal stops it.

APScheduler keeps the calendar. At each trigger, on PostgreSQL, a job enqueues its work as a
`periodic-job` task of the task engine (`scheduler.engine`), which a worker process runs; at most
one task per job waits at a time (its queueing lock), so a trigger that finds the last one still
waiting adds nothing. On SQLite the jobs process does the work itself, and also executes the
queued plan runs (`execute-plan-runs`, registered there only), after queueing again at its start
those it was running when it stopped.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from datetime import datetime
from types import FrameType
from typing import Any

from scheduler import engine as task_engine
from scheduler import uow
from scheduler.config import Settings
from scheduler.evaluation_cache import RENDER_NATIONAL_EVALUATION, render_ahead
from scheduler.jobs.frame import (
    EXECUTE_PLAN_RUNS,
    JOB_TABLE,
    PLAN_UPCOMING_WEEK,
    PUBLISH_REVIEWED_WEEK,
    PURGE_EXPIRED_RECORDS,
    REFRESH_FEEDS,
    REMIND_PATIENTELE,
    RENDER_REPORTS,
    SNAPSHOT_MONTHLY_REPORTS,
    JobContext,
)
from scheduler.jobs.tasks import (
    execute_plan_runs,
    plan_upcoming_week,
    publish_reviewed_week,
    purge_expired_records,
    refresh_all_feeds,
    remind_patientele,
    render_reports,
    send_invitations,
    send_notice_emails,
    snapshot_monthly_reports,
)
from scheduler.notices import SEND_INVITATIONS, SEND_NOTICE_EMAILS
from scheduler.observability import configure_logging
from scheduler.runs import requeue_interrupted

log = logging.getLogger(__name__)

# --- The process -----------------------------------------------------------------------------------

_context: JobContext | None = None


def _ctx() -> JobContext:
    if _context is None:
        raise RuntimeError("the jobs process is not started (scheduler.jobs.run_scheduler)")
    return _context


JOB_WORK: dict[str, Callable[[JobContext], object]] = {
    PLAN_UPCOMING_WEEK: plan_upcoming_week,
    PUBLISH_REVIEWED_WEEK: publish_reviewed_week,
    REMIND_PATIENTELE: remind_patientele,
    SNAPSHOT_MONTHLY_REPORTS: snapshot_monthly_reports,
    REFRESH_FEEDS: refresh_all_feeds,
    RENDER_REPORTS: render_reports,
    RENDER_NATIONAL_EVALUATION: lambda ctx: render_ahead(
        ctx.engine, ctx.factory, today=datetime.now(ctx.zone).date()
    ),
    PURGE_EXPIRED_RECORDS: purge_expired_records,
    SEND_NOTICE_EMAILS: send_notice_emails,
    SEND_INVITATIONS: send_invitations,
}
"""The work of each periodic job, by job id: what a `periodic-job` task runs."""


def dispatch(ctx: JobContext, job_id: str) -> int | None:
    """Have the work of `job_id` done: enqueued as a task on PostgreSQL (the id of its job, None
    when one already waits), done here on SQLite (None)."""
    if not task_engine.has_workers(ctx.engine):
        JOB_WORK[job_id](ctx)
        return None
    with uow.unit_of_work(ctx.factory) as session:
        queued = uow.insert_or_none(
            session,
            lambda: task_engine.defer(
                session,
                task_engine.JOB_TASK,
                {"job_id": job_id},
                queue=task_engine.JOBS_QUEUE,
                queueing_lock=f"job-{job_id}",
            ),
        )
    if queued is None:
        log.info("job %s: its last task still waits", job_id)
    return queued


# Thin entry points: the job store keeps a reference to these module-level functions and no
# arguments, so no setting (nor the database password) is ever pickled into the database.


def plan_upcoming_week_job() -> None:
    """Scheduled `plan-upcoming-week`."""
    dispatch(_ctx(), PLAN_UPCOMING_WEEK)


def publish_reviewed_week_job() -> None:
    """Scheduled `publish-reviewed-week`."""
    dispatch(_ctx(), PUBLISH_REVIEWED_WEEK)


def execute_plan_runs_job() -> None:
    """Scheduled `execute-plan-runs` (SQLite)."""
    execute_plan_runs(_ctx())


def remind_patientele_job() -> None:
    """Scheduled `remind-patientele`."""
    dispatch(_ctx(), REMIND_PATIENTELE)


def snapshot_monthly_reports_job() -> None:
    """Scheduled `snapshot-monthly-reports`."""
    dispatch(_ctx(), SNAPSHOT_MONTHLY_REPORTS)


def refresh_feeds_job() -> None:
    """Scheduled `refresh-feeds`."""
    dispatch(_ctx(), REFRESH_FEEDS)


def render_reports_job() -> None:
    """Scheduled `render-reports`."""
    dispatch(_ctx(), RENDER_REPORTS)


def render_national_evaluation_job() -> None:
    """Scheduled `render-national-evaluation` (`scheduler.evaluation_cache.render_ahead`): some
    20 s of CPU at 3,000 contracts, a worker's task on PostgreSQL."""
    dispatch(_ctx(), RENDER_NATIONAL_EVALUATION)


def purge_expired_records_job() -> None:
    """Scheduled `purge-expired-records`."""
    dispatch(_ctx(), PURGE_EXPIRED_RECORDS)


def send_notice_emails_job() -> None:
    """Scheduled `send-notice-emails`."""
    dispatch(_ctx(), SEND_NOTICE_EMAILS)


def send_invitations_job() -> None:
    """Scheduled `send-invitations`."""
    dispatch(_ctx(), SEND_INVITATIONS)


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
    if not task_engine.has_workers(ctx.engine):
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
        render_national_evaluation_job,
        "interval",
        id=RENDER_NATIONAL_EVALUATION,
        seconds=settings.evaluation_render_interval_s,
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
    for job, name in (
        (send_notice_emails_job, SEND_NOTICE_EMAILS),
        (send_invitations_job, SEND_INVITATIONS),
    ):
        scheduler.add_job(
            job,
            "interval",
            id=name,
            seconds=settings.mail_poll_s,
            next_run_time=datetime.now(ctx.zone),
            misfire_grace_time=None,
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
    if not task_engine.has_workers(_context.engine):
        # The only executor of plan runs on SQLite: what it was running when it stopped is queued
        # again (on PostgreSQL the workers take up each other's tasks).
        requeue_interrupted(_context.factory)
    scheduler = build_scheduler(_context)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping the jobs process", signum)
        # Do not wait for a solve in progress: its run is queued again by the next start.
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("jobs process started: %s", ", ".join(job.id for job in scheduler.get_jobs()))
    try:
        scheduler.start()
    finally:
        _context.engine.dispose()
