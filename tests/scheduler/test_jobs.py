"""Rules under test: each scheduled job has its effect once per period key (a second run for the
same key does nothing); a failed job leaves nothing half-done, is marked failed and retried by the
next trigger; a job never runs twice at once (its lock); at a trigger, a job enqueues its work as
a task on PostgreSQL (at most one waiting) and does it itself on SQLite, where the jobs process
also executes the queued plan runs (`execute-plan-runs`); a run queued with nothing alive to
execute it is told apart."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from scheduler import jobs, models, runs
from scheduler.config import Settings
from scheduler.demo import load_demo
from scheduler.engine import has_workers
from scheduler.errors import RotaNotPublishable
from scheduler.jobs import tasks as jobs_tasks
from scheduler.jobs.process import dispatch
from scheduler.migrations import upgrade_to_head
from scheduler.uow import unit_of_work
from tests.conftest import DATABASES, fresh_database_url

# A Thursday: the notice window (15 days) ends on a Friday, the week planned starts 18 days later.
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
WEEK = date(2026, 12, 14)


@pytest.fixture(params=DATABASES)
def ctx(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[jobs.JobContext]:
    """A jobs context on a fresh, migrated database holding the demo groupement."""
    kind: str = request.param
    url = fresh_database_url(kind, "jobs", tmp_path)
    upgrade_to_head(url)
    settings = Settings(
        database_url=url,
        solver_time_limit_s=0.5,
        output_dir=tmp_path / "out",
        report_formats=["json"],
        plan_run_heartbeat_s=0.2,
        plan_run_stale_after_s=1.0,
    )
    context = jobs.JobContext.from_settings(settings)
    with unit_of_work(context.factory) as session:
        load_demo(session)
    yield context
    context.engine.dispose()


def _count(session: Session, entity: Any, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(entity).where(*where)) or 0)


def _job_run(session: Session, job_id: str) -> models.JobRun:
    return session.scalars(select(models.JobRun).where(models.JobRun.job_id == job_id)).one()


def test_upcoming_week_is_the_first_monday_beyond_the_notice_window() -> None:
    assert jobs.upcoming_week(NOW) == WEEK
    assert jobs.upcoming_week(datetime(2026, 11, 23, 6, tzinfo=UTC)) == date(2026, 12, 14)
    assert jobs.week_key(WEEK) == "2026-W51"
    assert jobs.previous_month(date(2026, 1, 1)) == "2025-12"


def test_plan_upcoming_week_queues_one_run_per_groupement_once(ctx: jobs.JobContext) -> None:
    first = jobs.plan_upcoming_week(ctx, now=NOW)
    second = jobs.plan_upcoming_week(ctx, now=NOW)
    assert (first.outcome, second.outcome, first.period_key) == ("succeeded", "done", "2026-W51")
    with ctx.factory() as session:
        runs = session.scalars(select(models.PlanRun)).all()
        assert [(r.period_start, r.period_days, r.state) for r in runs] == [
            (WEEK, 7, models.RunState.QUEUED)
        ]
        job_run = _job_run(session, jobs.PLAN_UPCOMING_WEEK)
        assert (job_run.state, job_run.attempts) == (models.RunState.SUCCEEDED, 1)


def test_execute_plan_runs_turns_a_queued_run_into_a_draft(ctx: jobs.JobContext) -> None:
    jobs.plan_upcoming_week(ctx, now=NOW)
    done = jobs.execute_plan_runs(ctx)
    assert len(done) == 1
    assert jobs.execute_plan_runs(ctx) == []  # nothing left to claim
    with ctx.factory() as session:
        run = session.get(models.PlanRun, done[0])
        assert run is not None
        assert (run.state, run.attempts) == (models.RunState.SUCCEEDED, 1)
        rota = session.get(models.Rota, run.rota_id)
        assert rota is not None
        assert (rota.status, rota.period_start) == (models.RotaStatus.DRAFT, WEEK)
    # The week is planned now: the next week's trigger does not queue it again.
    assert jobs.plan_upcoming_week(ctx, now=NOW + timedelta(hours=1)).outcome == "done"


def test_a_failed_job_stages_nothing_and_the_next_trigger_retries_it(
    ctx: jobs.JobContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scheduler.runs import request_plan_run as real

    def broken(session: Session, *args: Any, **kwargs: Any) -> models.PlanRun:
        real(session, *args, **kwargs)  # stages a run, then fails: it must be rolled back
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(jobs_tasks, "request_plan_run", broken)
    failed = jobs.plan_upcoming_week(ctx, now=NOW)
    assert failed.outcome == "failed"
    assert "database hiccup" in failed.errors[0]
    with ctx.factory() as session:
        assert _count(session, models.PlanRun) == 0
        job_run = _job_run(session, jobs.PLAN_UPCOMING_WEEK)
        assert job_run.state == models.RunState.FAILED
        assert job_run.error is not None and "database hiccup" in job_run.error

    monkeypatch.setattr(jobs_tasks, "request_plan_run", real)
    assert jobs.plan_upcoming_week(ctx, now=NOW + timedelta(hours=1)).outcome == "succeeded"
    with ctx.factory() as session:
        assert _count(session, models.PlanRun) == 1
        job_run = _job_run(session, jobs.PLAN_UPCOMING_WEEK)
        assert (job_run.state, job_run.attempts, job_run.error) == (
            models.RunState.SUCCEEDED,
            2,
            None,
        )


def test_a_job_never_runs_twice_at_once(ctx: jobs.JobContext) -> None:
    inside, release = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def slow_body(session: Session, errors: list[str]) -> None:
        inside.set()
        assert release.wait(20)

    def first() -> None:
        outcomes.append(jobs.run_job(ctx, "test-job", "k", slow_body).outcome)

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(20)
    try:
        second = jobs.run_job(ctx, "test-job", "k", _nothing)
    finally:
        release.set()
        thread.join(20)
    assert (outcomes, second.outcome) == (["succeeded"], "locked")
    assert jobs.run_job(ctx, "test-job", "k", _nothing).outcome == "done"


def _nothing(session: Session, errors: list[str]) -> None:
    """A job body with nothing to do."""


def _draft(session: Session, groupement_id: int, revision: int) -> models.Rota:
    rota = models.Rota(
        groupement_id=groupement_id,
        period_start=WEEK,
        period_days=7,
        revision=revision,
        status=models.RotaStatus.DRAFT,
        solver_status="unknown",
    )
    session.add(rota)
    session.flush()
    return rota


def test_publish_reviewed_week_publishes_the_latest_valid_draft_once(
    ctx: jobs.JobContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(ctx.factory) as session:
        groupement_id = session.scalars(select(models.Groupement.id)).one()
        older, newer = _draft(session, groupement_id, 1).id, _draft(session, groupement_id, 2).id
    tried: list[int] = []

    def publish(session: Session, rota_id: int, **kwargs: Any) -> models.Rota:
        tried.append(rota_id)
        rota = session.get(models.Rota, rota_id)
        assert rota is not None
        if rota.revision == 2:
            raise RotaNotPublishable(rota_id, ["breaks a rule"])
        rota.status = models.RotaStatus.PUBLISHED
        return rota

    monkeypatch.setattr("scheduler.planning.publish_rota", publish)
    assert jobs.publish_reviewed_week(ctx, now=NOW).outcome == "succeeded"
    assert jobs.publish_reviewed_week(ctx, now=NOW).outcome == "done"
    assert tried == [newer, older]
    with ctx.factory() as session:
        statuses = {
            row.id: row.status
            for row in session.execute(select(models.Rota.id, models.Rota.status))
        }
    assert statuses == {older: models.RotaStatus.PUBLISHED, newer: models.RotaStatus.DRAFT}


def test_publish_reviewed_week_leaves_unpublishable_drafts_alone(ctx: jobs.JobContext) -> None:
    with unit_of_work(ctx.factory) as session:
        groupement_id = session.scalars(select(models.Groupement.id)).one()
        _draft(session, groupement_id, 1)
    assert jobs.publish_reviewed_week(ctx, now=NOW).outcome == "succeeded"
    with ctx.factory() as session:
        assert _count(session, models.Rota, models.Rota.status == models.RotaStatus.DRAFT) == 1


def test_remind_patientele_records_one_reminder_per_stale_contract_per_week(
    ctx: jobs.JobContext,
) -> None:
    later = datetime(2030, 1, 7, 7, tzinfo=UTC)
    assert jobs.remind_patientele(ctx, now=NOW).outcome == "succeeded"
    with ctx.factory() as session:
        fresh = _count(session, models.AuditLog, models.AuditLog.action == "remind-patientele")
        contracts = _count(session, models.PooledContract)
    assert fresh == 0  # the demo's snapshots are recent
    assert jobs.remind_patientele(ctx, now=later).outcome == "succeeded"
    assert jobs.remind_patientele(ctx, now=later + timedelta(hours=2)).outcome == "done"
    with ctx.factory() as session:
        reminders = session.scalars(
            select(models.AuditLog).where(models.AuditLog.action == "remind-patientele")
        ).all()
    assert len(reminders) == contracts
    assert all(r.after and r.after["coordinators"] for r in reminders)


def test_snapshot_monthly_reports_writes_each_contract_once(ctx: jobs.JobContext) -> None:
    first = jobs.snapshot_monthly_reports(ctx, now=NOW)
    assert (first.outcome, first.period_key) == ("succeeded", "2026-10")
    written = sorted(p.name for p in (ctx.settings.output_dir / "reports" / "2026-10").iterdir())
    with ctx.factory() as session:
        codes = sorted(session.scalars(select(models.PooledContract.code)))
    assert written == [f"{code}-2026-10.json" for code in codes]
    assert jobs.snapshot_monthly_reports(ctx, now=NOW).outcome == "done"


def test_refresh_feeds_renders_each_groupement_once_a_day(ctx: jobs.JobContext) -> None:
    assert jobs.refresh_all_feeds(ctx, now=NOW).outcome == "succeeded"
    with ctx.factory() as session:
        feeds = _count(session, models.RenderedFeed)
        session.execute(update(models.RenderedFeed).values(etag="stale"))
        session.commit()
    assert feeds > 0
    assert jobs.refresh_all_feeds(ctx, now=NOW + timedelta(hours=1)).outcome == "done"
    assert jobs.refresh_all_feeds(ctx, now=NOW + timedelta(days=1)).outcome == "succeeded"


def _engine_jobs(ctx: jobs.JobContext) -> list[tuple[str, str, object]]:
    with ctx.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT task_name, status, args FROM procrastinate_jobs ORDER BY id")
        ).all()
    return [(row.task_name, row.status, row.args) for row in rows]


def test_a_recurring_job_enqueues_its_work_on_postgresql_and_does_it_on_sqlite(
    ctx: jobs.JobContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At its trigger, `plan-upcoming-week` on PostgreSQL only enqueues a task (a second trigger
    while it waits adds none), which a worker runs and which enqueues the plan run's own task; on
    SQLite the jobs process plans the week itself, then executes the run it queued."""
    first = dispatch(ctx, jobs.PLAN_UPCOMING_WEEK)
    again = dispatch(ctx, jobs.PLAN_UPCOMING_WEEK)
    if has_workers(ctx.engine):
        assert first is not None and again is None
        assert _engine_jobs(ctx) == [("periodic-job", "todo", {"job_id": "plan-upcoming-week"})]
        with ctx.factory() as session:
            assert _count(session, models.PlanRun) == 0  # nothing done by the jobs process
        from scheduler.engine import worker

        monkeypatch.setattr(worker, "_context", ctx)  # the worker process's own context
        worker.periodic_job_task("plan-upcoming-week")  # what a worker runs
        with ctx.factory() as session:
            run_id = session.scalars(select(models.PlanRun.id)).one()
        assert _engine_jobs(ctx)[1:] == [("plan-run", "todo", {"run_id": run_id})]
    else:
        assert (first, again) == (None, None)
        assert jobs.execute_plan_runs(ctx) != []
        with ctx.factory() as session:
            run = session.scalars(select(models.PlanRun)).one()
            assert (run.state, run.attempts) == (models.RunState.SUCCEEDED, 1)
            assert _count(session, models.Rota) == 1


def test_the_scheduler_registers_every_job_with_publication_paused(
    ctx: jobs.JobContext,
) -> None:
    scheduler = jobs.build_scheduler(ctx, blocking=False)
    scheduler.start(paused=True)
    try:
        found = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    # Plan runs are the workers' tasks on PostgreSQL, the jobs process's own on SQLite.
    executor = set() if has_workers(ctx.engine) else {"execute-plan-runs"}
    assert set(found) == executor | {
        "plan-upcoming-week",
        "publish-reviewed-week",
        "remind-patientele",
        "snapshot-monthly-reports",
        "refresh-feeds",
        "render-reports",
        "render-national-evaluation",
        "purge-expired-records",
        "send-notice-emails",
        "send-invitations",
    }
    assert found["publish-reviewed-week"].next_run_time is None
    for mail in ("send-notice-emails", "send-invitations"):
        assert found[mail].trigger.interval.total_seconds() == ctx.settings.mail_poll_s
    assert found["plan-upcoming-week"].next_run_time is not None
    evaluation = found["render-national-evaluation"].trigger.interval.total_seconds()
    assert evaluation == ctx.settings.evaluation_render_interval_s
    with ctx.engine.connect() as connection:
        stored = connection.exec_driver_sql(f"SELECT id FROM {jobs.JOB_TABLE}").scalars().all()
    assert set(stored) == set(found)


def test_render_reports_renders_each_contract_current_periods_once(ctx: jobs.JobContext) -> None:
    first = jobs.render_reports(ctx, now=NOW)
    with ctx.factory() as session:
        codes = sorted(session.scalars(select(models.PooledContract.code)))
        assert _count(session, models.RenderedReport) == 2 * len(codes)
    # The demo's contracts all start in 2026: on 26 November they are in their first year.
    assert sorted(first) == sorted(
        f"{code} {label}" for code in codes for label in ("Y1", "2026-Q4")
    )
    assert jobs.render_reports(ctx, now=NOW) == []  # nothing changed: nothing rendered again


def test_purge_expired_records_keeps_what_may_still_serve(ctx: jobs.JobContext) -> None:
    """Stored answers older than the retention (24 h) go, younger ones stay; a throttle row goes
    once no failure is left in the 15-minute window and no lock was in force for 7 days."""
    now = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
    with ctx.factory() as session:
        user = session.scalars(select(models.User)).first()
        assert user is not None
        for key, age in (("old", timedelta(hours=24, seconds=1)), ("young", timedelta(hours=23))):
            session.add(
                models.IdempotencyRecord(
                    key=key,
                    user_id=user.id,
                    request_fingerprint="0" * 64,
                    status_code=201,
                    response_body={},
                    created_at=now - age,
                )
            )
        rows = {
            "a" * 64: ([], None),  # nothing left: goes
            "b" * 64: ([(now - timedelta(minutes=14)).isoformat()], None),  # in the window
            "c" * 64: ([], now - timedelta(days=6)),  # a lock 6 days ago: its doubling stays
            "d" * 64: ([], now - timedelta(days=7, seconds=1)),  # forgotten
            "e" * 64: ([], now + timedelta(minutes=5)),  # locked now
        }
        for key, (failures, locked_until) in rows.items():
            session.add(
                models.SignInThrottle(
                    account_key=key,
                    recent_failures=failures,
                    locked_until=locked_until,
                    lock_count=1,
                )
            )
        session.commit()
    assert jobs.purge_expired_records(ctx, now=now).outcome == "succeeded"
    with ctx.factory() as session:
        assert set(session.scalars(select(models.IdempotencyRecord.key))) == {"young"}
        kept = set(session.scalars(select(models.SignInThrottle.account_key)))
        assert kept == {"b" * 64, "c" * 64, "e" * 64}


def test_a_queued_run_is_unattended_only_without_a_jobs_process(ctx: jobs.JobContext) -> None:
    """A run queued for 10 s is said to wait in vain only when nothing runs to execute it: on
    SQLite, no jobs process (none ever started, no job store; or the last one stopped more than
    10 s ago, its `execute-plan-runs` left behind in the store); on PostgreSQL, no worker whose
    heartbeat is at most 10 s old."""
    now = datetime.now(UTC)
    with unit_of_work(ctx.factory) as session:
        groupement = session.scalars(select(models.Groupement)).one()
        run = runs.request_plan_run(session, groupement.id, WEEK, 7, actor=None)
        run.requested_at = now - timedelta(seconds=10)
    with ctx.factory() as session:
        run = runs.get_plan_run(session, run.id)
        assert not runs.executor_alive(session, now=now)
        assert runs.unattended(session, run, now=now)
        assert not runs.unattended(session, run, now=now - timedelta(seconds=1))  # 9 s queued
    if has_workers(ctx.engine):
        with unit_of_work(ctx.factory) as session:
            beat = session.execute(
                text("INSERT INTO procrastinate_workers DEFAULT VALUES RETURNING last_heartbeat")
            ).scalar_one()
        with ctx.factory() as session:
            run = runs.get_plan_run(session, run.id)
            assert runs.executor_alive(session, now=beat + timedelta(seconds=10))
            assert not runs.unattended(session, run, now=beat + timedelta(seconds=10))
            late = beat + timedelta(seconds=10, milliseconds=1)
            assert not runs.executor_alive(session, now=late)
            assert runs.unattended(session, run, now=late)
        return
    scheduler = jobs.build_scheduler(ctx, blocking=False)
    scheduler.start(paused=True)  # its jobs stored, none executed: the run stays queued
    try:
        with ctx.factory() as session:
            stored = session.execute(
                text(f"SELECT next_run_time FROM {jobs.JOB_TABLE} WHERE id = 'execute-plan-runs'")
            ).scalar_one()
            next_time = datetime.fromtimestamp(float(stored), UTC)
            run = runs.get_plan_run(session, run.id)
            assert run.state is models.RunState.QUEUED
            assert runs.executor_alive(session, now=next_time + timedelta(seconds=10))
            assert not runs.unattended(session, run, now=next_time + timedelta(seconds=10))
            late = next_time + timedelta(seconds=10, milliseconds=1)
            assert not runs.executor_alive(session, now=late)
            assert runs.unattended(session, run, now=late)
    finally:
        scheduler.shutdown(wait=False)


def test_the_national_evaluation_is_a_workers_task_on_postgresql_and_done_here_on_sqlite(
    ctx: jobs.JobContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some 20 s of CPU at 3,000 contracts: the jobs process only enqueues it where workers run."""
    from scheduler.evaluation_cache import RENDER_NATIONAL_EVALUATION

    queued = dispatch(ctx, RENDER_NATIONAL_EVALUATION)
    with ctx.factory() as session:
        stored = _count(session, models.RenderedNationalEvaluation)
    if has_workers(ctx.engine):
        assert queued is not None and stored == 0
        assert _engine_jobs(ctx) == [
            ("periodic-job", "todo", {"job_id": RENDER_NATIONAL_EVALUATION})
        ]
        from scheduler.engine import worker

        monkeypatch.setattr(worker, "_context", ctx)
        worker.periodic_job_task(RENDER_NATIONAL_EVALUATION)
        with ctx.factory() as session:
            assert _count(session, models.RenderedNationalEvaluation) == 1
    else:
        assert queued is None and stored == 1
