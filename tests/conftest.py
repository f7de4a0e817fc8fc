"""Database fixtures: every database test runs on SQLite and, when TEST_DATABASE_URL is set, on
PostgreSQL; the schema is built by the Alembic migrations; each test runs in a transaction that is
rolled back (code under test may commit: it commits a SAVEPOINT)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session

from scheduler.db import make_engine
from scheduler.migrations import upgrade_to_head
from solver import dump_instance, dump_rota
from solver.model import Instance, Rota

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgresql,
            pytest.mark.skipif(POSTGRES_URL is None, reason="TEST_DATABASE_URL is not set"),
        ],
    ),
]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules that hold a `slow` test first, each kept whole and otherwise in the order
    given (after pytest-randomly's shuffle): pytest-xdist's `loadfile` hands modules out in that
    order, and a long module handed out last keeps one worker busy alone at the end."""
    slow = {item.nodeid.split("::", 1)[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.nodeid.split("::", 1)[0] not in slow)


def missing_tool(reason: str) -> NoReturn:
    """Skip a test whose outside tool (a browser, a calendar client or parser) is missing here;
    fail it in CI (`CI` set), whose set-up installs every one: a skip there would hide the check."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must install it)")
    pytest.skip(reason)


def fresh_database_url(kind: str, name: str, tmp_dir: Path) -> str:
    """The URL of a new empty database of `kind` named after `name` (dropped first if it exists);
    on PostgreSQL, one per pytest-xdist worker."""
    if kind == "sqlite":
        path = tmp_dir / f"{name}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    assert POSTGRES_URL is not None
    server = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    admin = make_engine(server.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    # One database per xdist worker: two workers may run tests that name the same database.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    database = f"{server.database}_{name}{'_' + worker if worker else ''}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return server.set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database of each kind, shared by the session's tests."""
    kind: str = request.param
    url = fresh_database_url(kind, f"suite_{os.getpid()}", tmp_path_factory.mktemp(kind))
    upgrade_to_head(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The engine of the migrated test database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture(scope="session", autouse=True)
def _deterministic_plans_solved_once() -> Iterator[None]:
    """Each deterministic plan solved once per test process (PARTAGENDA_TEST_SOLVE_ONCE=0 to
    solve every time): a deterministic solve gives the same rota for the same instance and
    arguments, and the planning workflow's tests solve the same demo weeks on SQLite, then on
    PostgreSQL (the instance names cabinets and assistants by code, not by database id), at some
    ten seconds of CPU each. A solve with a progress callback, a stop poll or a time limit on the
    clock is not remembered; nor does the solver's own suite (tests/solver) go through here."""
    if os.environ.get("PARTAGENDA_TEST_SOLVE_ONCE", "1") == "0":
        yield
        return
    import solver

    real: Callable[..., Rota] = solver.solve
    solved: dict[str, Rota] = {}

    def solve_once(instance: Instance, **options: Any) -> Rota:
        plain = options.get("deterministic") and not any(
            options.get(name) is not None for name in ("progress", "should_stop")
        )
        if not plain:
            return real(instance, **options)
        hint = options.get("hint")
        key = json.dumps(
            [
                dump_instance(instance),
                None if hint is None else dump_rota(hint, instance),
                {k: v for k, v in options.items() if k != "hint"},
            ],
            sort_keys=True,
            default=str,
        )
        if key not in solved:
            solved[key] = real(instance, **options)
        return solved[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("scheduler.planning.plan.solve", solve_once)
        yield
