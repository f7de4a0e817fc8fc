"""The periodic jobs themselves: plan and publish the coming week, execute plan runs, remind
missing patientèle statements, snapshot monthly reports, refresh feeds, purge expired records,
render report PDFs ahead and send the change notices by e-mail.
"""

from __future__ import annotations

import logging
import time as clock
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

from scheduler import access, models, uow
from scheduler.audit import record_audit
from scheduler.auth import FAILURE_WINDOW, failure_moments
from scheduler.engine import has_workers
from scheduler.errors import PartagendaError, PlanRunConflict
from scheduler.feeds import refresh_feeds
from scheduler.jobs.frame import (
    PLAN_UPCOMING_WEEK,
    PUBLISH_REVIEWED_WEEK,
    PURGE_EXPIRED_RECORDS,
    REFRESH_FEEDS,
    REMIND_PATIENTELE,
    RENDER_REPORTS,
    SNAPSHOT_MONTHLY_REPORTS,
    THROTTLE_MEMORY,
    JobContext,
    JobOutcome,
    all_groupements,
    contract_label,
    counted,
    each_in_savepoint,
    groupement_label,
    local_now,
    previous_month,
    run_job,
    upcoming_week,
    week_key,
)
from scheduler.locks import job_lock
from scheduler.notices import (
    SEND_INVITATIONS,
    SEND_NOTICE_EMAILS,
    Delivery,
    send_due_invitations,
    send_due_notices,
)
from scheduler.observability import PLAN_RUNS, SOLVE_SECONDS
from scheduler.report_cache import inputs_stamp, is_current, prerender_contract
from scheduler.reports import FORMATS, write_report
from scheduler.runs import execute_plan_run, queued_run_ids, request_plan_run
from scheduler.services import import_previews

log = logging.getLogger(__name__)

ENDED_TASKS_KEPT = timedelta(days=7)
"""How long the task engine keeps a task that ended (for an operator to see what ran and failed)."""

# --- Jobs ------------------------------------------------------------------------------------------


def plan_upcoming_week(ctx: JobContext, *, now: datetime | None = None) -> JobOutcome:
    """Queue a plan run for each groupement's week about to enter the notice window."""
    monday = upcoming_week(local_now(ctx, now))
    key = week_key(monday)

    def body(session: Session, errors: list[str]) -> None:
        each_in_savepoint(
            session, errors, all_groupements(session), groupement_label, lambda g: plan(session, g)
        )

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

    local = local_now(ctx, now)
    monday = upcoming_week(local)
    key = week_key(monday)

    def body(session: Session, errors: list[str]) -> None:
        each_in_savepoint(
            session,
            errors,
            all_groupements(session),
            groupement_label,
            lambda g: publish(session, g),
        )

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
    """Execute the queued runs until none waits (or `limit`): the SQLite jobs process's own
    runner, which is the only one on that database. On PostgreSQL the workers run them, each as
    its task, and nothing calls this but the tests."""
    done: list[int] = []
    seen: set[int] = set()
    while limit is None or len(done) < limit:
        waiting = [run_id for run_id in queued_run_ids(ctx.factory) if run_id not in seen]
        if not waiting:
            break
        run_id = waiting[0]
        seen.add(run_id)
        started = clock.monotonic()
        state = execute_plan_run(
            ctx.factory,
            run_id,
            deterministic=ctx.settings.solver_deterministic,
            progress_s=ctx.settings.plan_run_heartbeat_s,
            solver_workers=ctx.settings.solver_workers,
        )
        if state is None:
            continue  # cancelled or taken meanwhile
        done.append(run_id)
        PLAN_RUNS.labels(state=state.value).inc()
        SOLVE_SECONDS.observe(clock.monotonic() - started)
        log.info("plan run %s ended %s", run_id, state.value)
    return done


def remind_patientele(ctx: JobContext, *, now: datetime | None = None) -> JobOutcome:
    """Record a reminder for the coordinators of each contract without a recent snapshot."""
    local = local_now(ctx, now)
    key = week_key(local.date() - timedelta(days=local.weekday()))
    cutoff = local.date() - timedelta(days=ctx.settings.patientele_reminder_days)

    def body(session: Session, errors: list[str]) -> None:
        contracts = list(
            session.scalars(select(models.PooledContract).order_by(models.PooledContract.id))
        )
        each_in_savepoint(session, errors, contracts, contract_label, lambda c: remind(session, c))

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
    local = local_now(ctx, now)
    period = previous_month(local.date())
    directory = ctx.settings.output_dir / "reports" / period

    def body(session: Session, errors: list[str]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        contracts = list(
            session.scalars(select(models.PooledContract).order_by(models.PooledContract.code))
        )
        each_in_savepoint(session, errors, contracts, contract_label, lambda c: write(session, c))

    def write(session: Session, contract: models.PooledContract) -> None:
        for fmt in ctx.settings.report_formats:
            path = directory / f"{contract.code}-{period}.{FORMATS[fmt].extension}"
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
    local = local_now(ctx, now)
    moment = local.astimezone(UTC)

    def body(session: Session, errors: list[str]) -> None:
        each_in_savepoint(
            session,
            errors,
            all_groupements(session),
            groupement_label,
            lambda g: refresh(session, g),
        )

    def refresh(session: Session, groupement: models.Groupement) -> None:
        changed = refresh_feeds(session, groupement.id, now=moment)
        log.info("%d feed(s) of %s re-rendered", len(changed), groupement.slug)

    return run_job(ctx, REFRESH_FEEDS, local.date().isoformat(), body)


def purge_expired_records(ctx: JobContext, *, now: datetime | None = None) -> JobOutcome:
    """Delete the records kept for a time only: the stored answers of Idempotency-Keys older than
    `idempotency_retention_hours` (they hold personal data, and a retry comes within minutes),
    and the sign-in throttle rows with no failure left in the window and no lock in force for
    `THROTTLE_MEMORY`, and the expired previews of CSV imports (they hold the file's rows), and
    on PostgreSQL the task engine's ended tasks older than `ENDED_TASKS_KEPT` (a run keeps its
    own record)."""
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
        previews = import_previews.purge_expired(session, now=moment)
        if has_workers(ctx.engine):
            session.execute(
                text(
                    "DELETE FROM procrastinate_jobs WHERE status IN ('succeeded', 'failed',"
                    " 'cancelled', 'aborted') AND NOT EXISTS (SELECT 1 FROM procrastinate_events e"
                    " WHERE e.job_id = procrastinate_jobs.id AND e.at >= :kept_from)"
                ),
                {"kept_from": moment - ENDED_TASKS_KEPT},
            )
        log.info(
            "purged %d stored answer(s), %d sign-in throttle row(s) and %d import preview(s)",
            getattr(answers, "rowcount", 0),
            len(forgotten),
            previews,
        )

    return run_job(ctx, PURGE_EXPIRED_RECORDS, moment.date().isoformat(), body)


_rendered_stamps: dict[str, tuple[object, ...]] = {}
"""Per database, the day and inputs stamp of the last `render-reports` run that went through."""


def render_reports(ctx: JobContext, *, now: datetime | None = None) -> list[str]:
    """Render ahead the missing PDFs of the current periods of every contract in its years, and
    drop those of past periods; return what was rendered (`<contract code> <period>`). A run on
    the same day with the same inputs stamp as the last one does nothing. A contract that fails
    is logged and skipped."""
    local = local_now(ctx, now)
    rendered: list[str] = []
    key = ctx.engine.url.render_as_string(hide_password=True)
    with job_lock(ctx.engine, f"job-{RENDER_REPORTS}") as acquired:
        if not acquired:
            log.info("job %s skipped: another process runs it", RENDER_REPORTS)
            counted(RENDER_REPORTS, JobOutcome("locked", ""))
            return rendered
        with ctx.factory() as session:
            stamp = (local.date(), *inputs_stamp(session))
            if _rendered_stamps.get(key) == stamp:
                counted(RENDER_REPORTS, JobOutcome("skipped", ""))
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
    counted(RENDER_REPORTS, JobOutcome("failed" if failed else "succeeded", ""))
    return rendered


def send_notice_emails(ctx: JobContext, *, now: datetime | None = None) -> Delivery:
    """Send the outbox's change notices that are due (`scheduler.notices.delivery`): each row's
    outcome commits on its own, a failure is retried later with a growing wait, then marked
    failed. No `JobRun` row: the outbox rows keep their own state; only the job's lock."""
    done = send_due_notices(ctx.engine, ctx.factory, ctx.settings, now=now)
    outcome = "failed" if done.failed or done.retried else "succeeded"
    counted(SEND_NOTICE_EMAILS, JobOutcome(done.skipped or outcome, ""))
    return done


def send_invitations(ctx: JobContext, *, now: datetime | None = None) -> Delivery:
    """Send the invitations of new users that are due, each with its new one-time link
    (`scheduler.notices.delivery`), retried and given up as the change notices are."""
    done = send_due_invitations(ctx.engine, ctx.factory, ctx.settings, now=now)
    outcome = "failed" if done.failed or done.retried else "succeeded"
    counted(SEND_INVITATIONS, JobOutcome(done.skipped or outcome, ""))
    return done
