"""Rule under test: a job lock has one holder at a time — across threads and processes, on SQLite
(flock next to the database file) and PostgreSQL (advisory lock on a dedicated connection) — and
is released when its holder ends, even when the holder's connection dies."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from scheduler.db import make_engine
from scheduler.locks import advisory_key, job_lock, lock_is_free, lock_path
from tests.conftest import DATABASES, POSTGRES_URL, fresh_database_url


@pytest.fixture(params=DATABASES)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    kind: str = request.param
    return fresh_database_url(kind, "locks", tmp_path)


def test_advisory_key_is_stable_and_signed_64_bit() -> None:
    assert advisory_key("job-a") == advisory_key("job-a")
    assert advisory_key("job-a") != advisory_key("job-b")
    assert -(2**63) <= advisory_key("job-a") < 2**63


def test_lock_path_sits_next_to_the_sqlite_file(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert lock_path(engine, "job-plan upcoming") == tmp_path / "x.db.job-plan_upcoming.lock"
    engine.dispose()


def test_job_lock_excludes_a_second_holder_until_released(url: str) -> None:
    engine = make_engine(url)
    try:
        with job_lock(engine, "job-x") as first:
            assert first
            with job_lock(engine, "job-x") as second:
                assert not second
            with job_lock(engine, "job-y") as other:
                assert other  # locks are per name
        assert lock_is_free(engine, "job-x")
    finally:
        engine.dispose()


def test_job_lock_excludes_another_thread(url: str) -> None:
    engine = make_engine(url)
    results: list[bool] = []
    try:
        with job_lock(engine, "job-x") as held:
            assert held

            def contender() -> None:
                with job_lock(engine, "job-x") as acquired:
                    results.append(acquired)

            thread = threading.Thread(target=contender)
            thread.start()
            thread.join(10)
        assert results == [False]
    finally:
        engine.dispose()


def test_job_lock_excludes_another_process(url: str) -> None:
    engine = make_engine(url)
    script = (
        "import sys\n"
        "from scheduler.db import make_engine\n"
        "from scheduler.locks import job_lock\n"
        "engine = make_engine(sys.argv[1])\n"
        "with job_lock(engine, 'job-x') as acquired:\n"
        "    print(acquired)\n"
    )
    try:
        with job_lock(engine, "job-x") as held:
            assert held
            busy = subprocess.run(
                [sys.executable, "-c", script, url], capture_output=True, text=True, timeout=60
            )
        free = subprocess.run(
            [sys.executable, "-c", script, url], capture_output=True, text=True, timeout=60
        )
        assert (busy.stdout.strip(), free.stdout.strip()) == ("False", "True")
    finally:
        engine.dispose()


@pytest.mark.postgresql
@pytest.mark.skipif(POSTGRES_URL is None, reason="TEST_DATABASE_URL is not set")
def test_advisory_lock_dies_with_its_connection(tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url("postgresql", "locks_dead", tmp_path))
    try:
        with job_lock(engine, "job-x") as held:
            assert held
            with engine.connect() as admin:
                admin.execute(
                    text(
                        "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks"
                        " WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
                        " AND database = (SELECT oid FROM pg_database"
                        " WHERE datname = current_database())"
                    )
                )
                admin.commit()
            assert lock_is_free(engine, "job-x")
        # Releasing on a dead connection is logged, not raised, and the lock stays free.
        assert lock_is_free(engine, "job-x")
    finally:
        engine.dispose()
