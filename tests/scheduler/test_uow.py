"""The unit of work turns the database's refusals into the service's own errors, in one place."""

from __future__ import annotations

from typing import Any, cast

import pytest
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from scheduler import uow
from scheduler.errors import (
    ChangedMeanwhile,
    DatabaseUnavailable,
    DataConflict,
    DataOutOfRange,
    DuplicateResource,
    IdempotencyInFlight,
    PreconditionFailed,
    ResourceInUse,
)


class _Refusing:
    """A session whose flush fails with `error` (None: succeeds); it notes what it was asked."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error
        self.calls: list[str] = []

    def flush(self) -> None:
        self.calls.append("flush")
        if self.error is not None:
            raise self.error

    def commit(self) -> None:
        self.calls.append("commit")

    def rollback(self) -> None:
        self.calls.append("rollback")


def _session(error: BaseException | None = None) -> tuple[Session, _Refusing]:
    fake = _Refusing(error)
    return cast(Session, fake), fake


def _integrity(message: str) -> IntegrityError:
    return IntegrityError("INSERT INTO x", {}, Exception(message))


@pytest.mark.parametrize(
    ("error", "kind", "status"),
    [
        (StaleDataError("stale"), ChangedMeanwhile, 412),
        (_integrity("UNIQUE constraint failed: x.code"), DataConflict, 409),
        (DataError("INSERT INTO x", {}, Exception("out of range")), DataOutOfRange, 422),
        (OperationalError("SELECT 1", {}, Exception("server closed")), DatabaseUnavailable, 503),
        (
            OperationalError("UPDATE x", {}, Exception("database is locked")),
            DatabaseUnavailable,
            503,
        ),
    ],
)
def test_a_refusal_nobody_expected_becomes_a_domain_error(
    error: BaseException, kind: type[Any], status: int
) -> None:
    translated = uow.translate(error)
    assert isinstance(translated, kind) and translated.status == status


def test_a_busy_database_asks_to_retry_after_a_second() -> None:
    busy = uow.translate(OperationalError("SELECT 1", {}, Exception("lock timeout")))
    assert isinstance(busy, DatabaseUnavailable) and busy.retry_after_s == 1


@pytest.mark.parametrize(
    "error",
    [ProgrammingError("SELEC 1", {}, Exception("syntax error")), ValueError("a bug")],
)
def test_what_is_no_refusal_of_the_database_stays_what_it_is(error: BaseException) -> None:
    assert uow.translate(error) is None


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("UNIQUE constraint failed: cabinet.code", DuplicateResource),
        ('duplicate key value violates unique constraint "uq_cabinet_code"', DuplicateResource),
        ("FOREIGN KEY constraint failed", ResourceInUse),
        ('update or delete on table "cabinet" violates foreign key constraint', ResourceInUse),
    ],
)
def test_committing_names_duplicates_and_rows_in_use(message: str, kind: type[Any]) -> None:
    session, fake = _session(_integrity(message))
    with pytest.raises(kind), uow.committing(session, "cabinet", 7):
        pass
    assert fake.calls == ["flush", "rollback"]


def test_committing_rolls_back_and_keeps_another_broken_constraint() -> None:
    session, fake = _session(_integrity("CHECK constraint failed: positive_hours"))
    with pytest.raises(IntegrityError), uow.committing(session, "cabinet", 7):
        pass
    assert fake.calls == ["flush", "rollback"]


def test_committing_commits_once_or_rolls_back_the_blocks_error() -> None:
    session, fake = _session()
    with uow.committing(session, "cabinet", 7):
        pass
    assert fake.calls == ["flush", "commit"]
    session, fake = _session()
    with pytest.raises(KeyError), uow.committing(session, "cabinet", 7):
        raise KeyError("refused by the use case")
    assert fake.calls == ["rollback"]


def test_a_stale_version_at_commit_is_a_precondition_failure() -> None:
    session, fake = _session(StaleDataError("0 rows matched"))
    with pytest.raises(PreconditionFailed):
        uow.commit_version(session, "planning", 3)
    assert fake.calls == ["flush", "rollback"]


def test_a_commit_that_races_a_concurrent_request_names_it() -> None:
    session, fake = _session(_integrity("UNIQUE constraint failed: plan_run.idempotency_key"))
    with pytest.raises(IdempotencyInFlight):
        uow.commit_version(session, "calcul", 1, on_conflict=lambda: IdempotencyInFlight("k"))
    assert fake.calls == ["flush", "rollback"]
    session, fake = _session(_integrity("UNIQUE constraint failed: plan_run.idempotency_key"))
    with pytest.raises(IntegrityError):
        uow.commit_version(session, "calcul", 1)


def test_a_flush_that_breaks_a_constraint_is_the_callers_error() -> None:
    session, fake = _session(_integrity("UNIQUE constraint failed: idempotency_record.key"))
    with pytest.raises(IdempotencyInFlight):
        uow.flush(session, on_conflict=lambda: IdempotencyInFlight("k"))
    assert fake.calls == ["flush", "rollback"]


class _Deadlock(Exception):
    """A driver's error with PostgreSQL's SQLSTATE, as psycopg raises it."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__("deadlock detected")
        self.sqlstate = sqlstate


class _Nested:
    """A session whose savepoints succeed; `begin_nested` counts them."""

    def __init__(self) -> None:
        self.savepoints = 0

    def begin_nested(self) -> _Nested:
        self.savepoints += 1
        return self

    def __enter__(self) -> _Nested:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.parametrize("victims", [1, 3])
def test_an_insert_chosen_as_a_deadlocks_victim_is_tried_again(victims: int) -> None:
    fake = _Nested()
    tries: list[int] = []

    def insert() -> str:
        tries.append(1)
        if len(tries) <= victims:
            raise OperationalError("INSERT INTO plan_run", {}, _Deadlock("40P01"))
        return "inserted"

    assert uow.insert_or_none(cast(Session, fake), insert) == "inserted"
    assert len(tries) == victims + 1 and fake.savepoints == victims + 1


def test_an_insert_deadlocked_more_than_three_times_or_refused_otherwise_is_raised() -> None:
    def always(state: str) -> Any:
        def insert() -> str:
            raise OperationalError("INSERT INTO plan_run", {}, _Deadlock(state))

        return insert

    with pytest.raises(OperationalError):
        uow.insert_or_none(cast(Session, _Nested()), always("40P01"))
    other = _Nested()
    with pytest.raises(OperationalError):
        uow.insert_or_none(cast(Session, other), always("57P01"))  # admin shutdown: not retried
    assert other.savepoints == 1
