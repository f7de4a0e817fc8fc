"""Rule under test: a plan run interrupted by SIGKILL in the middle of its solve is picked up by
the next jobs process (its heartbeat stops, its lock dies with the process), re-run, and finishes
exactly once — one succeeded run, two attempts, one complete draft that breaks no hard rule."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TypeVar

import pytest
from sqlalchemy import select

from scheduler import models
from scheduler.db import make_engine, make_session_factory
from scheduler.demo import load_demo
from scheduler.migrations import upgrade_to_head
from scheduler.planning import check_stored_rota
from scheduler.uow import unit_of_work
from tests.conftest import POSTGRES_URL, fresh_database_url

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.slow,
    pytest.mark.skipif(POSTGRES_URL is None, reason="TEST_DATABASE_URL is not set"),
]

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]


def _wait_for(what: str, probe: Callable[[], T | None], timeout_s: float) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = fresh_database_url("postgresql", "scheduler_restart", tmp_path)
    upgrade_to_head(url)
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        load_demo(session)
    engine.dispose()
    return url


@pytest.fixture
def start_scheduler(
    database_url: str, tmp_path: Path
) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    env = {
        **os.environ,
        "PARTAGENDA_DATABASE_URL": database_url,
        "PARTAGENDA_PLAN_ON_START": "true",
        "PARTAGENDA_SOLVER_TIME_LIMIT_S": "5",
        "PARTAGENDA_SOLVER_DETERMINISTIC": "true",
        "PARTAGENDA_PLAN_RUN_HEARTBEAT_S": "0.5",
        "PARTAGENDA_PLAN_RUN_STALE_AFTER_S": "2",
        "PARTAGENDA_WORKER_POLL_S": "0.5",
        "PARTAGENDA_OUTPUT_DIR": str(tmp_path / "out"),
    }
    command = [sys.executable, "-c", "from scheduler.cli import app; app()", "scheduler"]
    started: list[subprocess.Popen[bytes]] = []
    logs: list[IO[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        log = (tmp_path / f"scheduler-{len(started)}.log").open("wb")
        logs.append(log)
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
            process.wait(10)
        for log in logs:
            log.close()


def test_a_killed_plan_run_is_resumed_and_finishes_once(
    database_url: str, start_scheduler: Callable[[], subprocess.Popen[bytes]]
) -> None:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)

    def running_with_heartbeat() -> models.PlanRun | None:
        with factory() as session:
            run = session.scalars(
                select(models.PlanRun).where(models.PlanRun.state == models.RunState.RUNNING)
            ).first()
            beating = (
                run is not None
                and run.heartbeat_at is not None
                and run.started_at is not None
                and run.heartbeat_at > run.started_at
            )
            return run if beating else None

    def finished() -> models.PlanRun | None:
        with factory() as session:
            run = session.scalars(select(models.PlanRun)).one_or_none()
            done = run is not None and run.state not in (
                models.RunState.QUEUED,
                models.RunState.RUNNING,
            )
            return run if done else None

    try:
        first = start_scheduler()
        run = _wait_for("the plan run's heartbeat", running_with_heartbeat, 30)
        assert first.poll() is None
        first.kill()  # SIGKILL in the middle of the solve
        first.wait(10)
        with factory() as session:
            killed = session.get(models.PlanRun, run.id)
            assert killed is not None and killed.state == models.RunState.RUNNING
            assert session.scalars(select(models.Rota)).all() == []  # nothing half-written

        start_scheduler()
        done = _wait_for("the resumed run to finish", finished, 90)
        with factory() as session:
            runs = session.scalars(select(models.PlanRun)).all()
            rotas = session.scalars(select(models.Rota)).all()
            assert [(r.id, r.state, r.attempts) for r in runs] == [
                (run.id, models.RunState.SUCCEEDED, 2)
            ], done.error
            assert len(rotas) == 1
            rota = rotas[0]
            assert (rota.id, rota.status, rota.period_start) == (
                done.rota_id,
                models.RotaStatus.DRAFT,
                run.period_start,
            )
            assert rota.solver_status in ("optimal", "feasible")
            assert rota.assignments
            assert check_stored_rota(session, rota.id) == []
            job_runs = session.scalars(
                select(models.JobRun).where(models.JobRun.job_id == "plan-upcoming-week")
            ).all()
            assert [(j.state, j.attempts) for j in job_runs] == [(models.RunState.SUCCEEDED, 1)]
    finally:
        engine.dispose()
