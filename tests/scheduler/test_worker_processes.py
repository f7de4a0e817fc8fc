"""Rules under test, with real processes: on PostgreSQL a plan run requested here is planned by a
worker process (`partagenda worker`); a worker killed (SIGKILL) in the middle of a solve has its
run taken up by another worker, which finishes it exactly once, with one complete draft that
breaks no hard rule and nothing half-written before; a worker whose database connections are cut
reconnects and goes on. On SQLite the jobs process (`partagenda scheduler`) enqueues the week's
run at its start and runs it itself, and a jobs process killed in the middle of a solve has the
run planned again, once, by its next start. Every process started is killed at the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import IO, TypeVar

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from scheduler import models
from scheduler.db import make_engine, make_session_factory
from scheduler.demo import load_demo
from scheduler.migrations import upgrade_to_head
from scheduler.planning import check_stored_rota
from scheduler.runs import request_plan_run
from scheduler.uow import unit_of_work
from tests.conftest import POSTGRES_URL, fresh_database_url

pytestmark = [pytest.mark.slow]

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
MONDAY = date(2026, 12, 14)


def _wait_for(what: str, probe: Callable[[], T | None], timeout_s: float) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class World:
    """A migrated database holding the demo, its URL and sessions."""

    def __init__(self, url: str) -> None:
        self.url = url
        upgrade_to_head(url)
        self.engine: Engine = make_engine(url)
        self.factory: sessionmaker[Session] = make_session_factory(self.engine)
        with unit_of_work(self.factory) as session:
            self.groupement_id = load_demo(session).id

    def request(self, time_limit_s: float) -> int:
        with unit_of_work(self.factory) as session:
            run = request_plan_run(
                session, self.groupement_id, MONDAY, 7, actor=None, time_limit_s=time_limit_s
            )
            return run.id

    def run(self, run_id: int | None = None) -> models.PlanRun | None:
        with self.factory() as session:
            query = select(models.PlanRun).order_by(models.PlanRun.id)
            if run_id is not None:
                query = query.where(models.PlanRun.id == run_id)
            return session.scalars(query).first()

    def running_with_figures(self) -> models.PlanRun | None:
        run = self.run()
        written = (
            run is not None
            and run.state is models.RunState.RUNNING
            and run.heartbeat_at is not None
            and run.started_at is not None
            and run.heartbeat_at > run.started_at
        )
        return run if written else None

    def finished(self) -> models.PlanRun | None:
        run = self.run()
        done = run is not None and run.state not in (
            models.RunState.QUEUED,
            models.RunState.RUNNING,
        )
        return run if done else None

    def assert_one_checked_draft(self, run_id: int, attempts: int) -> None:
        with self.factory() as session:
            runs = session.scalars(select(models.PlanRun)).all()
            rotas = session.scalars(select(models.Rota)).all()
            assert [(r.id, r.state, r.attempts) for r in runs] == [
                (run_id, models.RunState.SUCCEEDED, attempts)
            ], [r.error for r in runs]
            assert len(rotas) == 1
            rota = rotas[0]
            assert (rota.id, rota.status, rota.period_start) == (
                runs[0].rota_id,
                models.RotaStatus.DRAFT,
                runs[0].period_start,
            )
            assert rota.solver_status in ("optimal", "feasible")
            assert rota.assignments
            assert check_stored_rota(session, rota.id) == []


@pytest.fixture
def start(
    tmp_path: Path,
) -> Iterator[Callable[[str, World, dict[str, str]], subprocess.Popen[bytes]]]:
    """Start `partagenda <command>` on a world's database; every process is killed at the end."""
    started: list[subprocess.Popen[bytes]] = []
    logs: list[IO[bytes]] = []

    def launch(command: str, world: World, extra: dict[str, str]) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "PARTAGENDA_DATABASE_URL": world.url,
            "PARTAGENDA_SOLVER_DETERMINISTIC": "true",
            "PARTAGENDA_PLAN_RUN_HEARTBEAT_S": "0.5",
            "PARTAGENDA_PLAN_RUN_STALE_AFTER_S": "2",
            "PARTAGENDA_WORKER_POLL_S": "0.5",
            "PARTAGENDA_OUTPUT_DIR": str(tmp_path / "out"),
            **extra,
        }
        log = (tmp_path / f"{command}-{len(started)}.log").open("wb")
        logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-c", "from scheduler.cli import app; app()", command],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    try:
        yield launch
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
            process.wait(10)
        for log in logs:
            log.close()


@pytest.fixture
def pg_world(tmp_path: Path) -> Iterator[World]:
    world = World(fresh_database_url("postgresql", "worker_processes", tmp_path))
    yield world
    world.engine.dispose()


@pytest.mark.postgresql
@pytest.mark.skipif(POSTGRES_URL is None, reason="TEST_DATABASE_URL is not set")
def test_a_run_requested_here_is_planned_by_a_worker_process(
    pg_world: World, start: Callable[[str, World, dict[str, str]], subprocess.Popen[bytes]]
) -> None:
    run_id = pg_world.request(time_limit_s=2)
    worker = start("worker", pg_world, {})
    _wait_for("the worker to plan the run", pg_world.finished, 180)
    pg_world.assert_one_checked_draft(run_id, attempts=1)
    with pg_world.engine.connect() as connection:
        job = connection.execute(
            text("SELECT status, worker_id IS NOT NULL FROM procrastinate_jobs")
        ).one()
    assert tuple(job) == ("succeeded", True)
    assert worker.pid != os.getpid()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0


@pytest.mark.postgresql
@pytest.mark.skipif(POSTGRES_URL is None, reason="TEST_DATABASE_URL is not set")
def test_a_worker_killed_mid_solve_has_its_run_finished_once_by_another(
    pg_world: World, start: Callable[[str, World, dict[str, str]], subprocess.Popen[bytes]]
) -> None:
    run_id = pg_world.request(time_limit_s=8)
    first = start("worker", pg_world, {})
    running = _wait_for("the run's figures", pg_world.running_with_figures, 60)
    assert running.best_objective is not None or running.elapsed_seconds > 0
    assert first.poll() is None
    first.kill()  # SIGKILL in the middle of the solve
    first.wait(10)
    killed = pg_world.run(run_id)
    assert killed is not None and killed.state is models.RunState.RUNNING
    with pg_world.factory() as session:
        assert session.scalars(select(models.Rota)).all() == []  # nothing half-written

    start("worker", pg_world, {})
    _wait_for("another worker to finish the run", pg_world.finished, 120)
    pg_world.assert_one_checked_draft(run_id, attempts=2)
    with pg_world.engine.connect() as connection:
        job = connection.execute(text("SELECT status, attempts FROM procrastinate_jobs")).one()
    assert tuple(job) == ("succeeded", 2)  # retried once, then done


@pytest.mark.postgresql
@pytest.mark.skipif(POSTGRES_URL is None, reason="TEST_DATABASE_URL is not set")
def test_a_worker_that_loses_the_database_reconnects(
    pg_world: World, start: Callable[[str, World, dict[str, str]], subprocess.Popen[bytes]]
) -> None:
    worker = start("worker", pg_world, {})

    def registered() -> bool | None:
        with pg_world.engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM procrastinate_workers"))
            return True if count.scalar_one() else None

    _wait_for("the worker to register", registered, 30)
    database = pg_world.engine.url.database
    with pg_world.engine.connect() as connection:
        cut = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = :database AND pid <> pg_backend_pid()"
            ),
            {"database": database},
        ).scalar_one()
    assert cut >= 1
    pg_world.engine.dispose()  # this pool's own connections were cut too
    run_id = pg_world.request(time_limit_s=2)
    _wait_for("the reconnected worker to plan the run", pg_world.finished, 180)
    assert worker.poll() is None
    pg_world.assert_one_checked_draft(run_id, attempts=1)


def test_the_sqlite_jobs_process_plans_its_week_and_plans_it_again_after_a_kill(
    tmp_path: Path, start: Callable[[str, World, dict[str, str]], subprocess.Popen[bytes]]
) -> None:
    """The jobs process queues the week at its start (`plan-upcoming-week`) and runs that run
    itself; killed in the middle of the solve, its next start plans the run again, once."""
    world = World(fresh_database_url("sqlite", "jobs_process", tmp_path))
    settings = {"PARTAGENDA_PLAN_ON_START": "true", "PARTAGENDA_SOLVER_TIME_LIMIT_S": "8"}
    try:
        first = start("scheduler", world, settings)
        running = _wait_for("the run's figures", world.running_with_figures, 60)
        first.kill()
        first.wait(10)
        with world.factory() as session:
            assert session.scalars(select(models.Rota)).all() == []
        start("scheduler", world, settings)
        done = _wait_for("the run planned again", world.finished, 120)
        assert done.id == running.id
        world.assert_one_checked_draft(running.id, attempts=2)
    finally:
        world.engine.dispose()
