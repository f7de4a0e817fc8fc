"""Engines and session factories for SQLite and PostgreSQL; transactions begin and end in
`scheduler.uow`."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_S = 30
"""How long a SQLite transaction waits for the writer's slot before "database is locked"."""

SqliteBegin = Literal["IMMEDIATE", "DEFERRED"]


def make_engine(url: str, *, sqlite_begin: SqliteBegin = "IMMEDIATE", **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL, a busy timeout, working SAVEPOINTs
    and transactions that begin `sqlite_begin` (see `_configure_sqlite`).

    Statement parameters are names, e-mail addresses and dates: they are kept out of error
    messages (`hide_parameters`), and so out of the logs.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **kwargs)
        _configure_sqlite(engine, sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine, begin: SqliteBegin) -> None:
    """Writers side by side on one SQLite file: the API, the jobs process, the CLI.

    SQLite has one writer at a time. A transaction opened with a plain (deferred) BEGIN asks for
    the writer's slot at its first write; in WAL mode, when another connection has committed
    since the transaction's first read, that fails at once with "database is locked"
    (SQLITE_BUSY_SNAPSHOT): the busy timeout does not apply, as waiting could not make its
    snapshot current. So transactions begin IMMEDIATE by default: each waits (up to the busy
    timeout) for the slot when it begins, then reads and writes the latest data. They must stay
    short, as everybody else waits meanwhile, readers of this engine included: nothing slow runs
    inside one (a solve releases its reads first, `plan_period(release_reads=True)`).

    The API's engine begins DEFERRED instead. A request's transaction passes from thread to
    thread of a bounded pool (its dependencies, its route); holding the slot, it could wait for a
    thread while every thread waits for the slot, until the busy timeout fails them all. Its
    reads never wait (WAL), and its writes take the slot before they read (`scheduler.uow.begin_write`).
    """

    # pysqlite's own transaction handling breaks SAVEPOINTs before Python 3.12: turn it off and
    # emit BEGIN ourselves (SQLAlchemy's documented recipe).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(f"BEGIN {begin}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def take_write_lock(connection: Connection) -> None:
    """On SQLite, take the write lock before reading anything (see `scheduler.uow.begin_write`);
    elsewhere no-op."""
    if connection.dialect.name == "sqlite":
        connection.execute(text("UPDATE groupement SET id = id WHERE 1 = 0"))
