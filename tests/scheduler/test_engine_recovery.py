"""The tasks of a dead worker (PostgreSQL, `scheduler.engine.recovery`): a task held by a worker
whose heartbeat is recent is left alone; one held by a worker silent for longer than the limit
is retried, its plan run put back to `queued`; at its third attempt it fails instead, its run
with it, and a periodic job's task is retried the same way. The daily purge deletes the tasks
that ended over a week ago."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from scheduler import models
from scheduler.db import make_engine, make_session_factory
from scheduler.demo import load_demo
from scheduler.engine import JOB_TASK, JOBS_QUEUE, defer
from scheduler.engine.recovery import recover_stalled_tasks
from scheduler.migrations import upgrade_to_head
from scheduler.runs import get_plan_run, request_plan_run
from scheduler.uow import unit_of_work
from tests.conftest import POSTGRES_URL, fresh_database_url

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(POSTGRES_URL is None, reason="TEST_DATABASE_URL is not set"),
]
MONDAY = date(2026, 12, 14)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Engine, sessionmaker[Session]]]:
    url = fresh_database_url("postgresql", "engine_recovery", tmp_path)
    upgrade_to_head(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        load_demo(session)
    yield engine, factory
    engine.dispose()


def _held(
    factory: sessionmaker[Session], job_attempts: int, seconds_silent: int
) -> tuple[int, int]:
    """A plan run `running` at its (job_attempts + 1)-th attempt, its task held by a worker
    silent for `seconds_silent`; the run's id and the task's."""
    with unit_of_work(factory) as session:
        groupement = session.scalars(select(models.Groupement)).one()
        run = request_plan_run(session, groupement.id, MONDAY, 7, actor=None)
        run.state = models.RunState.RUNNING
        run.attempts = job_attempts + 1
        run.best_objective = 900
        worker = session.execute(
            text(
                "INSERT INTO procrastinate_workers (last_heartbeat)"
                " VALUES (now() - make_interval(secs => :s)) RETURNING id"
            ),
            {"s": seconds_silent},
        ).scalar_one()
        job = session.execute(
            text(
                "UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w, attempts = :a"
                " WHERE (args->>'run_id')::int = :r RETURNING id"
            ),
            {"w": worker, "a": job_attempts, "r": run.id},
        ).scalar_one()
        return run.id, job


def _job(engine: Engine, job_id: int) -> tuple[str, int]:
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT status, attempts FROM procrastinate_jobs WHERE id = :id"), {"id": job_id}
        ).one()
    return row.status, row.attempts


def test_a_live_workers_task_is_left_alone(world: tuple[Engine, sessionmaker[Session]]) -> None:
    engine, factory = world
    run_id, job_id = _held(factory, 0, seconds_silent=1)
    assert recover_stalled_tasks(engine, factory, stalled_after_s=5) == {}
    assert _job(engine, job_id) == ("doing", 0)
    with factory() as session:
        assert get_plan_run(session, run_id).state is models.RunState.RUNNING


@pytest.mark.parametrize(
    ("job_attempts", "job_after", "run_after"),
    [(0, ("todo", 1), "queued"), (1, ("todo", 2), "queued"), (2, ("failed", 3), "failed")],
)
def test_a_dead_workers_task_is_retried_until_its_third_attempt(
    world: tuple[Engine, sessionmaker[Session]],
    job_attempts: int,
    job_after: tuple[str, int],
    run_after: str,
) -> None:
    engine, factory = world
    run_id, job_id = _held(factory, job_attempts, seconds_silent=60)
    outcome = recover_stalled_tasks(engine, factory, stalled_after_s=5)
    assert outcome == {job_id: "retried" if run_after == "queued" else "failed"}
    assert _job(engine, job_id) == job_after
    with factory() as session:
        run = get_plan_run(session, run_id)
        assert (run.state.value, run.best_objective) == (run_after, None)
    # Its worker's row is gone: a second pass finds nothing more to do.
    assert recover_stalled_tasks(engine, factory, stalled_after_s=5) == {}


def test_a_periodic_jobs_task_is_retried_too(world: tuple[Engine, sessionmaker[Session]]) -> None:
    engine, factory = world
    with unit_of_work(factory) as session:
        job_id = defer(session, JOB_TASK, {"job_id": "refresh-feeds"}, queue=JOBS_QUEUE)
        session.execute(
            text("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = :id"), {"id": job_id}
        )
    assert recover_stalled_tasks(engine, factory, stalled_after_s=5) == {job_id: "retried"}
    assert _job(engine, job_id) == ("todo", 1)


def test_the_purge_deletes_tasks_ended_over_a_week_ago(
    world: tuple[Engine, sessionmaker[Session]],
) -> None:
    from datetime import UTC, datetime

    from scheduler import jobs
    from scheduler.config import Settings

    engine, factory = world
    ids: dict[str, int] = {}
    with unit_of_work(factory) as session:
        for name, status, age in (
            ("old", "succeeded", "7 days 1 minute"),
            ("recent", "succeeded", "6 days 23 hours"),
            ("waiting", "todo", "30 days"),
        ):
            ids[name] = defer(session, JOB_TASK, {"job_id": name}, queue=JOBS_QUEUE)
            session.execute(
                text("UPDATE procrastinate_jobs SET status = :s WHERE id = :id"),
                {"s": status, "id": ids[name]},
            )
            session.execute(
                text(
                    "UPDATE procrastinate_events SET at = now() - CAST(:age AS interval)"
                    " WHERE job_id = :id"
                ),
                {"age": age, "id": ids[name]},
            )
    ctx = jobs.JobContext(
        Settings(database_url=str(engine.url.render_as_string(hide_password=False))),
        engine,
        factory,
    )
    assert jobs.purge_expired_records(ctx, now=datetime.now(UTC)).outcome == "succeeded"
    with engine.connect() as connection:
        left = set(connection.execute(text("SELECT id FROM procrastinate_jobs")).scalars())
    assert left == {ids["recent"], ids["waiting"]}
