"""Lost database connections. The real app served by uvicorn on PostgreSQL while an admin
connection keeps terminating its backends: every answer must be a whole response (2xx, 4xx or a
503 problem with Retry-After), never a 500 nor a cut connection, and every write retried with its
Idempotency-Key after a 503 or a cut must land exactly once. And a write whose connection dies
right after COMMIT: 503, then its retry replays the committed result without writing again."""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, func, make_url, select
from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
)
from sqlalchemy.orm import Session

from api.errors import install_error_handlers
from api.main import create_app
from scheduler import models
from scheduler.db import make_engine, make_session_factory
from scheduler.migrations import upgrade_to_head
from tests.api.conftest import bearer
from tests.api.factories import World, api_settings, make_world
from tests.conftest import DATABASES, fresh_database_url

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

logger = logging.getLogger(__name__)

API = "/api/v1"
REPLAYED_HEADER = "Idempotent-Replayed"
CLIENTS = 4
LOAD_SECONDS = 2.0
KILL_EVERY_S = 0.1
MAX_ATTEMPTS = 30
POSTGRESQL = [param for param in DATABASES if param.id == "postgresql"]


@dataclass
class Committed:
    """A fresh migrated database holding a committed world."""

    url: str
    world: World


@pytest.fixture(scope="module")
def committed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Committed:
    """A fresh database of the requested kind with a committed world, shared by the module."""
    kind: str = request.param
    url = fresh_database_url(kind, "lost_connections", tmp_path_factory.mktemp(kind))
    upgrade_to_head(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        world = make_world(session, "alpha")
        session.commit()
    engine.dispose()
    return Committed(url, world)


@dataclass
class Served:
    """The app served over HTTP on a committed database."""

    base_url: str
    database_url: str
    world: World


@pytest.fixture
def served(committed: Committed) -> Iterator[Served]:
    """uvicorn on 127.0.0.1 (a free port) serving the app over the committed database."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(api_settings(committed.url)), log_config=None, access_log=False, ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    base_url = f"http://127.0.0.1:{port}"
    world = committed.world
    # The first request compiles the routes: out of the measured window.
    warm = httpx.get(f"{base_url}{API}/cabinets", headers=bearer(world.users["coordinator"]))
    assert warm.status_code == 200, warm.text
    try:
        yield Served(base_url, committed.url, world)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@dataclass
class Tally:
    """What the clients saw, shared between their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[int] = field(default_factory=Counter)
    cut: int = 0
    malformed: list[str] = field(default_factory=list)
    writes: list[tuple[str, str, int]] = field(default_factory=list)  # kind, marker, final status

    def saw(self, response: httpx.Response) -> None:
        """Count one answer and check that a 503 is a problem with Retry-After."""
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code == 503:
                kind = response.headers.get("content-type", "")
                if kind != "application/problem+json" or "retry-after" not in response.headers:
                    self.malformed.append(f"503 {kind} {response.text[:200]}")
                elif response.json().get("status") != 503:
                    self.malformed.append(f"503 body {response.text[:200]}")


def _terminator(admin_url: str, until: float, killed: list[int]) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        while time.monotonic() < until:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
            killed.append(sum(1 for (done,) in rows if done))
            time.sleep(KILL_EVERY_S)


def _client(served: Served, tally: Tally, index: int, until: float) -> None:
    world = served.world
    headers = bearer(world.users["coordinator"])
    assistant_id = world.assistants[0].id
    contract_id = world.contracts[0].id
    reads = ["/assistants", "/cabinets", f"/contracts/{contract_id}", "/absences", "/doctors"]

    def absence(marker: str) -> dict[str, Any]:
        return {
            "assistant_id": assistant_id,
            "kind": "leave",
            "start_at": "2026-04-06T07:00:00Z",
            "end_at": "2026-04-06T18:00:00Z",
            "reason": marker,
        }

    def assistant(marker: str) -> dict[str, Any]:
        return {
            "code": marker,
            "first_name": "Lise",
            "last_name": "Marchal",
            "availability": [{"weekday": 0, "start_minute": 480, "end_minute": 1080}],
        }

    writes: list[tuple[str, str, Callable[[str], dict[str, Any]]]] = [
        ("absence", "/absences", absence),
        ("assistant", "/assistants", assistant),
    ]
    with httpx.Client(base_url=served.base_url + API, headers=headers, timeout=20) as client:
        step = 0
        while time.monotonic() < until:
            step += 1
            if step % 3:
                try:
                    tally.saw(client.get(reads[(index + step) % len(reads)]))
                except (httpx.RemoteProtocolError, httpx.ReadError):
                    with tally.lock:
                        tally.cut += 1
                continue
            kind, path, body = writes[(index + step) % len(writes)]
            marker = f"w{index}-{step}-{uuid.uuid4().hex[:8]}"
            key = {"Idempotency-Key": uuid.uuid4().hex}
            final = 0
            for _ in range(MAX_ATTEMPTS):
                try:
                    response = client.post(path, json=body(marker), headers=key)
                except (httpx.RemoteProtocolError, httpx.ReadError):
                    with tally.lock:
                        tally.cut += 1
                    continue
                tally.saw(response)
                final = response.status_code
                if final != 503:
                    break
                time.sleep(0.01)
            with tally.lock:
                tally.writes.append((kind, marker, final))


def _rows(database_url: str, writes: list[tuple[str, str, int]]) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            absences = Counter(
                dict(
                    connection.execute(
                        select(models.Absence.reason, func.count()).group_by(models.Absence.reason)
                    ).all()
                )
            )
            assistants = Counter(
                dict(
                    connection.execute(
                        select(models.Assistant.code, func.count()).group_by(models.Assistant.code)
                    ).all()
                )
            )
    finally:
        engine.dispose()
    return {
        marker: (absences if kind == "absence" else assistants)[marker]
        for kind, marker, _ in writes
    }


@pytest.mark.slow
@pytest.mark.parametrize("committed", POSTGRESQL, indirect=True)
def test_terminated_backends_give_whole_answers_and_single_writes(served: Served) -> None:
    admin_url = make_url(served.database_url).set(drivername="postgresql")
    tally = Tally()
    killed: list[int] = []
    until = time.monotonic() + LOAD_SECONDS
    terminator = threading.Thread(
        target=_terminator,
        args=(admin_url.render_as_string(hide_password=False), until, killed),
        daemon=True,
    )
    terminator.start()
    clients = [
        threading.Thread(target=_client, args=(served, tally, i, until)) for i in range(CLIENTS)
    ]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(60)
    terminator.join(10)

    rows = _rows(served.database_url, tally.writes)
    duplicates = sum(1 for count in rows.values() if count > 1)
    sent = sum(tally.statuses.values()) + tally.cut
    logger.info(
        "requests %d, statuses %s, cut %d, writes %d, duplicates %d, backends terminated %d",
        sent,
        dict(sorted(tally.statuses.items())),
        tally.cut,
        len(tally.writes),
        duplicates,
        sum(killed),
    )
    assert sum(killed) > 0, "no backend was terminated: the test proves nothing"
    assert tally.statuses[500] == 0, tally.statuses
    assert tally.cut == 0
    assert not tally.malformed, tally.malformed[:3]
    assert set(tally.statuses) <= {200, 201, 503}, tally.statuses
    assert all(status == 201 for _, _, status in tally.writes), tally.writes
    assert duplicates == 0
    assert all(count == 1 for count in rows.values()), rows


# --- The connection dies right after COMMIT -----------------------------------------------------


@pytest.fixture
def committed_app(
    committed: Committed, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[FastAPI, Engine, World, list[bool]]]:
    """The app on the committed database; once armed, its next COMMIT lands and then fails as a
    lost connection would (the server cannot tell whether it landed)."""
    url, world = committed.url, committed.world
    engine = make_engine(url)
    factory = make_session_factory(engine)
    armed: list[bool] = []
    do_commit = engine.dialect.do_commit

    def commit_then_lose_the_connection(dbapi_connection: Any) -> None:
        do_commit(dbapi_connection)
        if armed:
            armed.clear()
            raise engine.dialect.loaded_dbapi.OperationalError(
                "server closed the connection unexpectedly"
            )

    monkeypatch.setattr(engine.dialect, "do_commit", commit_then_lose_the_connection)
    app = create_app(api_settings(url))
    app.state.session_factory = factory
    app.state.session_factory_url = url
    yield app, engine, world, armed
    engine.dispose()


@pytest.mark.parametrize("committed", DATABASES, indirect=True)
def test_a_write_whose_commit_answer_is_lost_replays_the_committed_result(
    committed_app: tuple[FastAPI, Engine, World, list[bool]],
) -> None:
    app, engine, world, armed = committed_app
    headers = {**bearer(world.users["coordinator"]), "Idempotency-Key": "lost-commit"}
    body = {
        "assistant_id": world.assistants[0].id,
        "kind": "training",
        "start_at": "2026-05-04T07:00:00Z",
        "end_at": "2026-05-04T18:00:00Z",
        "reason": "formation perdue",
    }

    def rows() -> int:
        with Session(engine) as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(models.Absence)
                    .where(models.Absence.reason == "formation perdue")
                )
                or 0
            )

    with TestClient(app) as client:
        armed.append(True)
        lost = client.post(f"{API}/absences", json=body, headers=headers)
        assert lost.status_code == 503, lost.text
        assert lost.headers["content-type"] == "application/problem+json"
        assert lost.headers["Retry-After"]
        assert not armed and rows() == 1  # the COMMIT landed: the outcome was only unknown

        retried = client.post(f"{API}/absences", json=body, headers=headers)
        assert retried.status_code == 201, retried.text
        assert retried.headers[REPLAYED_HEADER] == "true"
        created = retried.json()
        assert created["reason"] == "formation perdue"
        assert retried.headers["Location"] == f"/api/v1/absences/{created['id']}"
        assert rows() == 1
        read = client.get(retried.headers["Location"], headers=headers)
        assert read.status_code == 200 and read.json() == created


# --- One mapping of a lost connection -----------------------------------------------------------

_LOST = Exception("server closed the connection unexpectedly")


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (OperationalError("SELECT 1", {}, _LOST), 503),
        (InterfaceError("SELECT 1", {}, Exception("the connection is closed")), 503),
        (DBAPIError("SELECT 1", {}, _LOST, connection_invalidated=True), 503),
        (PendingRollbackError("Can't reconnect until invalid transaction is rolled back."), 503),
        (DBAPIError("SELECT 1", {}, Exception("a bug")), 500),
        (PendingRollbackError("This Session's transaction has been rolled back"), 500),
    ],
    ids=["operational", "interface", "invalidated", "pending-invalid", "dbapi", "pending-other"],
)
def test_a_lost_connection_is_a_503_problem_and_nothing_else_is(
    error: Exception, status: int
) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise error

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status
    assert ("retry-after" in response.headers) == (status == 503)
