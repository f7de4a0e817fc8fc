"""SQLite transactions beside other writers: a transaction that reads then writes waits for the
writer's slot instead of failing with "database is locked", and the API's engine reads without
waiting while another connection holds the slot. SQLite only: these are the SQLite engine's
settings (PostgreSQL locks rows, not the database)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from scheduler.db import make_engine

WAIT_S = 0.5


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    """A SQLite file with one table of one row."""
    url = f"sqlite:///{tmp_path / 'writers.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (1, 0)"))
    engine.dispose()
    yield url


def _add_one(engine: Engine, errors: list[BaseException]) -> None:
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE counter SET value = value + 1"))
    except BaseException as error:  # reported by the test
        errors.append(error)


def test_a_transaction_that_reads_then_writes_waits_for_the_other_writer(url: str) -> None:
    engine = make_engine(url)
    errors: list[BaseException] = []
    try:
        with engine.connect() as connection:
            connection.begin()
            before = connection.scalar(text("SELECT value FROM counter"))
            other = threading.Thread(target=_add_one, args=(engine, errors))
            other.start()
            other.join(WAIT_S)  # it waits for this transaction's slot, and commits nothing yet
            assert other.is_alive()
            connection.execute(text("UPDATE counter SET value = :v"), {"v": before + 10})
            connection.commit()
        other.join(10)
        assert errors == []
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT value FROM counter")) == 11  # nothing lost
    finally:
        engine.dispose()


def test_the_api_engine_reads_while_another_connection_holds_the_slot(url: str) -> None:
    writer, reader = make_engine(url), make_engine(url, sqlite_begin="DEFERRED")
    try:
        with writer.connect() as holding:
            holding.begin()
            holding.execute(text("UPDATE counter SET value = 5"))
            with reader.connect() as connection:
                connection.begin()
                assert connection.scalar(text("SELECT value FROM counter")) == 0  # at once
                connection.rollback()
            holding.commit()
    finally:
        writer.dispose()
        reader.dispose()
