"""Rule under test: the embedded SQLite database takes concurrent writers. For half a minute the
jobs process claims and plans runs queued again and again, the API takes edits (absences created and
withdrawn with If-Match, plan runs requested), and the CLI plans and publishes a week over and
over, each a process of its own on one database file: no process ever reports "database is
locked", every CLI command ends with exit code 0 or a one-line domain error (2), the API answers
no 5xx.

SQLite only: PostgreSQL has row locks and no single writer's slot, and its concurrency is tested
elsewhere (`tests/api/test_concurrency.py`, `test_scheduler_restart.py`). The load lasts half a
minute (`LOAD_S`), long enough for every kind of writer to meet every other several times.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import IO

import httpx
import pytest
from sqlalchemy import select

from scheduler import models
from scheduler.db import make_engine, make_session_factory
from scheduler.demo import load_demo
from scheduler.migrations import upgrade_to_head
from scheduler.uow import unit_of_work
from tests.conftest import fresh_database_url
from tests.live import free_port

pytestmark = pytest.mark.slow
log = logging.getLogger(__name__)

LOAD_S = 30.0
# On the clock, as a coordinator plans: a rota in two seconds however loaded the machine (the
# first is built without search), so the CLI plans and publishes again and again under the load
# (a deterministic plan of the demo week is some fifteen seconds of CPU whatever its limit).
CLI_TIME_LIMIT = ["--time-limit", "2"]
RUN_TIME_LIMIT_S = 1.0
LOCKED = "database is locked"
CLI = [sys.executable, "-c", "from api.cli import main; main()"]
API = "/api/v1"


@dataclass
class Tally:
    """What each writer did and what went wrong, filled by the load threads."""

    cli: list[tuple[str, int, str]] = field(default_factory=list)
    edits: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _monday(weeks_ahead: int) -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)


def _iso_week(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@pytest.fixture
def database(tmp_path: Path) -> tuple[str, int]:
    """A migrated SQLite file holding the demo; its URL and an assistant's id."""
    url = fresh_database_url("sqlite", "writers", tmp_path)
    upgrade_to_head(url)
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        load_demo(session)
        first = session.scalars(select(models.Assistant.id).order_by(models.Assistant.id)).first()
    engine.dispose()
    assert first is not None
    return url, first


@pytest.fixture
def environment(database: tuple[str, int], tmp_path: Path) -> dict[str, str]:
    """The environment of every process: the database, short solves, a busy jobs poll."""
    return {
        **os.environ,
        "PARTAGENDA_DATABASE_URL": database[0],
        "PARTAGENDA_SECRET_KEY": "sqlite-writers-test-key-0123456789abcdef",
        "PARTAGENDA_SOLVER_TIME_LIMIT_S": str(RUN_TIME_LIMIT_S),
        "PARTAGENDA_WORKER_POLL_S": "0.2",
        "PARTAGENDA_OUTPUT_DIR": str(tmp_path / "out"),
        "PARTAGENDA_LOG_JSON": "true",
    }


@pytest.fixture
def servers(environment: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """The jobs process and the API (uvicorn) running; the API's base URL and both logs."""
    port = free_port()
    outputs: list[IO[bytes]] = []
    processes: list[subprocess.Popen[bytes]] = []
    paths = (tmp_path / "jobs.log", tmp_path / "api.log")
    commands = (
        [*CLI, "scheduler"],
        [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
    )
    try:
        for path, command in zip(paths, commands, strict=True):
            outputs.append(path.open("wb"))
            processes.append(
                subprocess.Popen(
                    command,
                    env=environment,
                    cwd=tmp_path,
                    stdout=outputs[-1],
                    stderr=subprocess.STDOUT,
                )
            )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/livez", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the API did not start"
            assert all(p.poll() is None for p in processes), "a server process ended"
            time.sleep(0.2)
        yield base, paths[0], paths[1]
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        for output in outputs:
            output.close()


def _cli_loop(
    environment: dict[str, str], cwd: Path, week: str, deadline: float, tally: Tally
) -> None:
    """Plan then publish `week` again and again until the deadline; a round once begun is
    finished, so that both commands run at least once however slow a loaded machine plans."""
    commands = {
        "plan": [*CLI, "plan", "--week", week, *CLI_TIME_LIMIT],
        "publish": [*CLI, "publish", "--week", week],
    }
    while tally.cli == [] or time.monotonic() < deadline:
        for name, command in commands.items():
            started = time.monotonic()
            done = subprocess.run(
                command, env=environment, cwd=cwd, capture_output=True, text=True, timeout=180
            )
            output = done.stdout + done.stderr
            tally.cli.append((name, done.returncode, output))
            (cwd / f"cli-{len(tally.cli):02d}-{name}.log").write_text(
                f"exit {done.returncode} after {time.monotonic() - started:.1f} s\n{output}"
            )


def _api_loop(base: str, assistant_id: int, runs_week: date, deadline: float, tally: Tally) -> None:
    """Record and withdraw absences (If-Match) and queue a plan run whenever none waits, until
    the deadline."""
    with httpx.Client(base_url=base, timeout=60) as client:
        signed_in = client.post(
            f"{API}/auth/token",
            data={
                "username": "coordination@val-de-moselle.example.fr",
                "password": "demo-coordination",
            },
        )
        assert signed_in.status_code == 200, signed_in.text
        client.headers["Authorization"] = f"Bearer {signed_in.json()['access_token']}"
        day = runs_week + timedelta(days=2)
        start = datetime.combine(day, clock_time(8), UTC)
        queued: int | None = None
        while time.monotonic() < deadline:
            created = client.post(
                f"{API}/absences",
                json={
                    "assistant_id": assistant_id,
                    "kind": "sickness",
                    "start_at": start.isoformat(),
                    "end_at": (start + timedelta(hours=4)).isoformat(),
                },
            )
            _count(tally, "create absence", created)
            if created.status_code == 201:
                withdrawn = client.delete(
                    created.headers["Location"],
                    headers={"If-Match": created.headers["ETag"]},
                )
                _count(tally, "delete absence", withdrawn)
            if queued is not None:
                read = client.get(f"{API}/plan-runs/{queued}")
                _count(tally, "read plan run", read)
                if read.status_code == 200 and read.json()["state"] == "queued":
                    continue  # one waiting run at a time: the jobs process keeps up
            requested = client.post(
                f"{API}/plan-runs",
                json={"period_start": runs_week.isoformat(), "time_limit_s": RUN_TIME_LIMIT_S},
            )
            _count(tally, "request plan run", requested)
            queued = requested.json()["id"] if requested.status_code == 202 else None


def _count(tally: Tally, what: str, response: httpx.Response) -> None:
    tally.edits[f"{what} {response.status_code}"] += 1
    if response.status_code >= 500:
        tally.failures.append(f"{what}: {response.status_code} {response.text[:300]}")


def _guarded(target: Callable[..., None], tally: Tally, *args: object) -> threading.Thread:
    def run() -> None:
        try:
            target(*args)
        except BaseException as error:  # reported by the test, never lost in a thread
            tally.failures.append(f"{type(error).__name__}: {error}")

    return threading.Thread(target=run, daemon=True)


def test_cli_jobs_and_api_write_side_by_side_without_database_is_locked(
    database: tuple[str, int],
    environment: dict[str, str],
    servers: tuple[str, Path, Path],
    tmp_path: Path,
) -> None:
    base, jobs_log, api_log = servers
    tally = Tally()
    cli_week, runs_week = _monday(5), _monday(6)
    deadline = time.monotonic() + LOAD_S
    threads = [
        _guarded(_cli_loop, tally, environment, tmp_path, _iso_week(cli_week), deadline, tally),
        _guarded(_api_loop, tally, base, database[1], runs_week, deadline, tally),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LOAD_S + 240)
        assert not thread.is_alive(), "a load thread never finished"

    jobs_text = jobs_log.read_text(errors="replace")
    api_text = api_log.read_text(errors="replace")
    claims = Counter(re.findall(r"plan run \d+ ended (\w+)", jobs_text))
    cli = Counter(f"{name} {code}" for name, code, _ in tally.cli)
    locked = sum(
        LOCKED in line
        for text in (jobs_text, api_text, *(output for _, _, output in tally.cli))
        for line in text.splitlines()
    )
    summary = (
        f"CLI runs: {dict(cli)}\nplan runs executed by the jobs process: {dict(claims)}\n"
        f"API requests: {dict(tally.edits)}\nlines with '{LOCKED}': {locked}\n"
    )
    (tmp_path / "summary.txt").write_text(summary)
    log.info("%s", summary)

    assert tally.failures == []
    assert locked == 0
    for name, code, output in tally.cli:
        assert code in (0, 2) and "Traceback" not in output, f"{name} exited {code}:\n{output}"
        if code == 2:  # a domain error: one readable line
            assert len(output.strip().splitlines()) == 1, output
    assert "Traceback" not in api_text
    # Every writer kept busy, so that they met (floors low enough for a loaded machine).
    assert cli["plan 0"] >= 1 and cli["publish 0"] + cli["publish 2"] >= 1, cli
    assert claims.total() >= 3, claims
    assert tally.edits["create absence 201"] >= 20, tally.edits
    # Publications never doubled: one published version of the week at most, none half-written.
    engine = make_engine(database[0])
    try:
        with make_session_factory(engine)() as session:
            published = session.scalars(
                select(models.Rota.revision).where(
                    models.Rota.period_start == cli_week,
                    models.Rota.status == models.RotaStatus.PUBLISHED,
                )
            ).all()
    finally:
        engine.dispose()
    assert len(published) == (1 if cli["publish 0"] else 0), published
