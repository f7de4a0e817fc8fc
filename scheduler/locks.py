"""Cross-process locks for the jobs process: one holder at a time, released when the holder dies.

On PostgreSQL a lock is a session-level advisory lock (`pg_try_advisory_lock`) taken on a
dedicated connection and held while the work runs; if the process is killed, the server ends the
connection and the lock with it. On SQLite it is an `fcntl.flock` on a file next to the database
file; the kernel drops it when the process dies. Both are non-blocking: a second holder is told
"not acquired" at once and skips its turn instead of queueing behind the first.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from scheduler import uow

log = logging.getLogger(__name__)


def advisory_key(name: str) -> int:
    """The signed 64-bit advisory-lock key of a lock name (stable across processes)."""
    digest = hashlib.sha256(f"partagenda:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_path(engine: Engine, name: str) -> Path:
    """The lock file of `name` for a SQLite database: next to the database file."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    database = engine.url.database
    if not database or database == ":memory:":
        return Path(tempfile.gettempdir()) / f"partagenda-{os.getpid()}.{safe}.lock"
    return Path(f"{database}.{safe}.lock")


@contextmanager
def job_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Try to take the lock `name`; yield whether it was taken, release it on exit."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name) as acquired:
            yield acquired
    else:
        with _file_lock(lock_path(engine, name)) as acquired:
            yield acquired


def lock_is_free(engine: Engine, name: str) -> bool:
    """Whether nobody holds `name` right now (it is taken and released at once to find out)."""
    with job_lock(engine, name) as acquired:
        return acquired


@contextmanager
def _advisory_lock(engine: Engine, name: str) -> Iterator[bool]:
    key = advisory_key(name)
    connection = engine.connect()
    try:
        acquired = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        )
        # The lock belongs to the session, not the transaction: end the transaction (through the
        # unit of work, like any) so the connection does not sit "idle in transaction" while the
        # job runs.
        uow.commit(connection)
        try:
            yield acquired
        finally:
            if acquired:
                _advisory_unlock(connection, key, name)
    finally:
        connection.close()


def _advisory_unlock(connection: Connection, key: int, name: str) -> None:
    try:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        uow.commit(connection)
    except Exception:
        # A broken connection has lost the lock already; never hand it back to the pool.
        log.warning("could not release lock %s; discarding its connection", name, exc_info=True)
        connection.invalidate()


@contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            # flock locks belong to the open file description: two opens in one process (two
            # threads) exclude each other, as two processes do.
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
