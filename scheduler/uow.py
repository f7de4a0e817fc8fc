"""The unit of work: the one place where work on the database commits or rolls back, and where
the database's refusals become the service's own errors.

Use cases stage their work in a session and end it here (the database's refusals they expect
become their own errors; `translate` names what the others stand for): `commit` (`commit_version` when a
concurrent change must answer 412, `committing` for the reference data, whose duplicates and
references in use have their own errors), `rollback`, `savepoint` for a part that may fail alone,
`insert_or_none` for an insert that a concurrent writer may win (a uniqueness race), `refusal` for
work that may do without the database's answer. No other module catches SQLAlchemy's errors.
Units of work are opened here too:

- `unit_of_work(factory)`: a session that commits at the end of its block, or rolls back (the
  CLI, the jobs process, the plan runs, the tests);
- `request_session(factory, ...)`: the API's session for one request (`api.deps.get_session`);
  a keyed write's session only releases SAVEPOINTs of one outer transaction, which
  `commit_request` commits with the stored answer (`api.idempotency`);
- `connection_unit(engine)`: one connection's transaction (the migrations).

Bookkeeping that must outlive the caller's transaction (a plan run's claim, heartbeat and outcome,
a job's outcome, an advisory lock, a counted sign-in failure) is a unit of work of its own on its
own session or connection, opened and committed here all the same: `unit_of_work(factory)`, or
`commit(connection)` for a lock held by a connection.

Rules (`tests/test_architecture_uow.py` enforces them, with no exception but this module): no other
module of `scheduler/` or `api/` calls `.commit()` or `.rollback()`, opens a transaction that ends
by itself (`.begin()`, whose block commits, or `.begin_nested()`, whose SAVEPOINT's release is a
commit of its part), asks for `AUTOCOMMIT` (a connection that commits every statement), or catches
an error of SQLAlchemy's (`sqlalchemy.exc`, `StaleDataError`) in an `except` clause.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from scheduler.db import take_write_lock
from scheduler.errors import (
    ChangedMeanwhile,
    DatabaseRefusal,
    DatabaseUnavailable,
    DataConflict,
    DataOutOfRange,
    DuplicateResource,
    PartagendaError,
    PreconditionFailed,
    ResourceInUse,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

OUTER_TRANSACTION = "outer_transaction"
"""`Session.info` key of the connection-level transaction a session's commits are SAVEPOINTs in."""

Work = Session | Connection
"""What a unit of work commits: a session, or a connection held for a lock."""


# --- Ending the work -----------------------------------------------------------------------------


def commit(work: Work) -> None:
    """Commit the work staged in `work` (a session: flushed first)."""
    work.commit()


def rollback(work: Work) -> None:
    """Roll back what `work` staged; a session's objects are expired, to be read again."""
    work.rollback()


def commit_version(
    session: Session,
    entity: str,
    key: object,
    *,
    on_conflict: Callable[[], PartagendaError] | None = None,
) -> None:
    """Flush and commit; a versioned row that someone else changed meanwhile is
    `PreconditionFailed` (412). With `on_conflict`, a constraint the commit breaks is that error
    (a concurrent request recorded first), after a rollback."""
    try:
        session.flush()
        session.commit()
    except StaleDataError as error:
        session.rollback()
        raise PreconditionFailed(entity, key) from error
    except IntegrityError as error:
        if on_conflict is None:
            raise
        session.rollback()
        raise on_conflict() from error


@contextmanager
def committing(session: Session, entity: str, key: object) -> Iterator[None]:
    """Commit at the end of the block, or roll back; the database's refusals become domain
    errors: a stale version `PreconditionFailed`, a duplicate natural key `DuplicateResource`, a
    row still referred to `ResourceInUse`."""
    try:
        yield
        session.flush()
        session.commit()
    except StaleDataError as error:
        session.rollback()
        raise PreconditionFailed(entity, key) from error
    except IntegrityError as error:
        session.rollback()
        message = str(error.orig).lower()
        if "unique" in message or "duplicate" in message:
            raise DuplicateResource(entity, "même code ou identifiant") from error
        if "foreign key" in message or "restrict" in message:
            raise ResourceInUse(entity, key) from error
        raise
    except BaseException:
        session.rollback()
        raise


def flush(session: Session, *, on_conflict: Callable[[], PartagendaError]) -> None:
    """Flush; a constraint the flush breaks is `on_conflict()` (the transaction rolled back)."""
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise on_conflict() from error


def insert_or_none(
    session: Session,
    insert: Callable[[], T],
    *,
    on_race: Callable[[], PartagendaError] | None = None,
) -> T | None:
    """Run `insert` (which adds and flushes rows) in a SAVEPOINT and return what it returns.

    When the database refuses the insert for a constraint, because a concurrent writer recorded
    the same row first (the database waits for that writer's commit, then refuses), the SAVEPOINT
    alone is rolled back and the session's transaction stays open: the answer is None, or, with
    `on_race`, that error. The caller reads the winner's row, retries on fresh data, or refuses.
    """
    for attempt in range(_DEADLOCK_RETRIES + 1):
        try:
            with session.begin_nested():
                return insert()
        except IntegrityError as error:
            if on_race is None:
                return None
            raise on_race() from error
        except OperationalError as error:
            # Concurrent inserts checked against one exclusion constraint may wait on each other;
            # PostgreSQL then aborts one of them (SQLSTATE 40P01). Its SAVEPOINT alone is rolled
            # back: trying again waits for the other writer and meets its row.
            if getattr(error.orig, "sqlstate", None) != "40P01" or attempt == _DEADLOCK_RETRIES:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


_DEADLOCK_RETRIES = 3
"""How many times `insert_or_none` tries again an insert PostgreSQL chose as a deadlock's victim."""


def refusal(step: Callable[[], object]) -> DBAPIError | None:
    """Run `step`; a refusal of the database (a lost connection, a lock not granted, a broken
    constraint) is returned rather than raised, for work that may do without it (a cache's
    store): the caller logs it and rolls back or goes on. Any other error is raised."""
    try:
        step()
    except DBAPIError as error:
        return error
    return None


def engine_for(url: str, make: Callable[[str], Engine]) -> Engine:
    """`make(url)`, an unreadable URL being `ValueError` (SQLAlchemy's `ArgumentError`)."""
    try:
        return make(url)
    except ArgumentError as error:
        raise ValueError(str(error)) from error


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """The block's work in a SAVEPOINT: released at the end, rolled back (alone) when the block
    raises, the exception going on; the session's transaction stays open."""
    with session.begin_nested():
        yield


def begin_write(session: Session) -> None:
    """Start the write transaction; on SQLite take the write lock before reading anything.

    For the API's DEFERRED sessions: SQLite in WAL mode refuses (without waiting) to turn a read
    transaction into a write one when another connection committed in between; taking the lock
    first makes concurrent writers queue instead (and the version checks then answer 412 to the
    late ones). The transaction in progress, if any, is committed first.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        session.commit()
    take_write_lock(session.connection())


def translate(exc: BaseException) -> DatabaseRefusal | None:
    """The domain error a refusal of the database that no use case translated stands for, None
    when `exc` is no such refusal (a bug: it stays what it is).

    A stale version is `ChangedMeanwhile`, a broken constraint `DataConflict`, a value out of the
    column's range `DataOutOfRange`, and a database that could not serve (`database_unavailable`)
    `DatabaseUnavailable`. The use cases translate the refusals they expect themselves, here too
    (`committing`, `commit_version`, `flush`); the HTTP edge renders what is left through this.
    """
    if isinstance(exc, StaleDataError):
        return ChangedMeanwhile()
    if isinstance(exc, IntegrityError):
        return DataConflict()
    if isinstance(exc, DataError):
        return DataOutOfRange()
    if database_unavailable(exc):
        return DatabaseUnavailable()
    return None


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database could not serve the request (a lost or refused connection,
    a lock it gave up waiting for), so that the same request may succeed when retried."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    # The next statement after a connection died in a transaction (SQLAlchemy's own wording).
    return isinstance(exc, PendingRollbackError) and "invalid transaction" in str(exc)


# --- Opening units of work -----------------------------------------------------------------------


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


@contextmanager
def connection_unit(engine: Engine) -> Iterator[Connection]:
    """One connection whose transaction commits at the end of the block, or rolls back."""
    with engine.begin() as connection:
        yield connection


def request_session(factory: sessionmaker[Session], *, single_commit: bool) -> Iterator[Session]:
    """A session for one API request, closed (what is left rolled back) at the end.

    With `single_commit` (a write made with an Idempotency-Key), the session's commits only
    release SAVEPOINTs of one outer transaction, which holds the write lock and commits once, with
    the stored answer (`commit_request`).
    """
    if single_commit:
        engine = factory.kw["bind"]
        connection = engine.connect()
        try:
            outer = connection.begin()
            take_write_lock(connection)
        except BaseException:
            connection.close()
            raise
        session = factory(bind=connection, join_transaction_mode="create_savepoint")
        session.info[OUTER_TRANSACTION] = outer
    else:
        session = factory()
    try:
        yield session
    finally:
        close_quietly(session)


def commit_request(session: Session) -> None:
    """Commit the request's session, then its outer transaction if it has one."""
    session.commit()
    outer = session.info.get(OUTER_TRANSACTION)
    if outer is not None:
        outer.commit()


def rollback_request(session: Session) -> bool:
    """Roll back the request's session and its outer transaction; False when it had none (a
    session joined to a caller's transaction, whose own SAVEPOINT alone was rolled back)."""
    session.rollback()
    outer = session.info.get(OUTER_TRANSACTION)
    if outer is None:
        return False
    outer.rollback()
    return True


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


def autocommit_reads(engine: Engine) -> Engine:
    """`engine` for read-only statements that need no transaction (no BEGIN, no ROLLBACK round
    trip): never for a write, which would commit statement by statement."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")
