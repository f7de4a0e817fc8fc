"""Engine and session handling for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

OUTER_TRANSACTION = "outer_transaction"
"""`Session.info` key of the connection-level transaction a session's commits are SAVEPOINTs in."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, a busy timeout and working SAVEPOINTs.

    Statement parameters are names, e-mail addresses and dates: they are kept out of error
    messages (`hide_parameters`), and so out of the logs.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
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
        connection.exec_driver_sql("BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits at the end of the block, or rolls back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def take_write_lock(connection: Connection) -> None:
    """On SQLite, take the write lock before reading anything (see `begin_write`); elsewhere no-op."""
    if connection.dialect.name == "sqlite":
        connection.execute(text("UPDATE groupement SET id = id WHERE 1 = 0"))


def close_quietly(session: Session) -> None:
    """Close `session` (and the outer transaction it was joined to): roll back what is left,
    give the connection back. A connection that died meanwhile is dropped and logged, never
    raised: the caller's answer is already decided."""
    outer = session.info.pop(OUTER_TRANSACTION, None)
    try:
        session.close()
    except Exception as error:
        logger.warning("closing a database session failed, its connection is dropped: %s", error)
        try:
            session.invalidate()
        except Exception:
            logger.debug("invalidating the session failed too", exc_info=True)
    if outer is None:
        return
    connection = outer.connection
    try:
        connection.close()  # rolls back the outer transaction unless it was committed
    except Exception as error:
        logger.warning("closing a database connection failed, it is dropped: %s", error)
        try:
            connection.invalidate()
        except Exception:
            logger.debug("invalidating the connection failed too", exc_info=True)
