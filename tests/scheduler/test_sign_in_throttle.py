"""The per-account sign-in lock, kept in the database: 5 failures within 15 minutes lock the
account for 15 minutes, then 30, 60... until a successful sign-in; the right password is refused
while locked; an unknown e-mail is treated alike; concurrent failures are all counted."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from scheduler import auth, models
from scheduler.auth import account_key, authenticate, lock_duration, unlock_user
from scheduler.errors import AccountLocked, AuthenticationFailed, NotFound
from tests.api.factories import PASSWORD, World, make_world

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def fast_hash(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Password checks without Argon2's cost (what is tested is the counting); records them."""
    checks: list[str] = []

    def verify(password: str, password_hash: str) -> bool:
        checks.append(password_hash)
        return password == PASSWORD

    monkeypatch.setattr(auth, "verify_password", verify)
    return checks


@pytest.fixture
def world(session: Session) -> World:
    """A groupement with one user of each role."""
    return make_world(session, "alpha")


def _email(world: World) -> str:
    return world.users["coordinator"].email


def _outcome(session: Session, email: str, password: str, now: datetime) -> int:
    """The HTTP status the attempt would get: 200, 401 or 429."""
    try:
        authenticate(session, email, password, now=now)
    except AccountLocked:
        return 429
    except AuthenticationFailed:
        return 401
    return 200


def _fail(session: Session, email: str, times: int, now: datetime) -> list[int]:
    return [_outcome(session, email, WRONG, now + timedelta(seconds=i)) for i in range(times)]


@pytest.mark.parametrize(("failures", "then"), [(4, 200), (5, 429), (6, 429)])
def test_right_password_after_failures(
    session: Session, world: World, failures: int, then: int
) -> None:
    outcomes = _fail(session, _email(world), failures, T0)
    assert outcomes == ([401] * 4 + [429] * (failures - 4))[:failures]
    assert _outcome(session, _email(world), PASSWORD, T0 + timedelta(minutes=1)) == then


def test_the_lock_says_how_long_to_wait_in_french(session: Session, world: World) -> None:
    _fail(session, _email(world), 4, T0)
    with pytest.raises(AccountLocked) as locked:
        authenticate(session, _email(world), WRONG, now=T0)
    assert locked.value.retry_after_s == 15 * 60
    assert str(locked.value).endswith("réessayez dans 15 minutes")
    with pytest.raises(AccountLocked) as still:
        authenticate(session, _email(world), PASSWORD, now=T0 + timedelta(minutes=10, seconds=1))
    assert still.value.retry_after_s == 5 * 60 - 1
    assert "réessayez dans 5 minutes" in str(still.value)


def test_the_lock_ends_after_15_minutes(session: Session, world: World) -> None:
    _fail(session, _email(world), 5, T0)  # the 5th, at T0 + 4 s, locks until T0 + 15 min 4 s
    until = T0 + timedelta(minutes=15, seconds=4)
    assert _outcome(session, _email(world), PASSWORD, until - timedelta(seconds=1)) == 429
    assert _outcome(session, _email(world), PASSWORD, until) == 200


def test_failures_older_than_15_minutes_do_not_count(session: Session, world: World) -> None:
    _fail(session, _email(world), 4, T0)  # T0 .. T0 + 3 s
    later = T0 + timedelta(minutes=15)
    # At `later` + i s, the failure of T0 + i s is 15 minutes old: it no longer counts.
    assert _fail(session, _email(world), 4, later) == [401] * 4
    assert _outcome(session, _email(world), WRONG, later + timedelta(minutes=14)) == 429


def test_the_window_moves_with_each_failure(session: Session, world: World) -> None:
    # One failure at 09:00:00, three at 09:14:57-59, then more from 09:15:01: a window that
    # restarted at 09:15 would let 4 more through; a moving one locks at the 5th of any 15 minutes.
    email = _email(world)
    assert _outcome(session, email, WRONG, T0) == 401
    assert _fail(session, email, 3, T0 + timedelta(minutes=14, seconds=57)) == [401] * 3
    # 09:15:01: 09:00:00 has left the window, so this is the 4th within 15 minutes.
    assert _fail(session, email, 3, T0 + timedelta(minutes=15, seconds=1)) == [401, 429, 429]


@pytest.mark.parametrize(
    ("age", "then"),
    [(timedelta(minutes=15) - timedelta(microseconds=1), 429), (timedelta(minutes=15), 401)],
)
def test_a_failure_counts_for_exactly_15_minutes(
    session: Session, world: World, age: timedelta, then: int
) -> None:
    email = _email(world)
    assert _outcome(session, email, WRONG, T0) == 401
    assert _fail(session, email, 3, T0 + age - timedelta(seconds=10)) == [401] * 3
    assert _outcome(session, email, WRONG, T0 + age) == then


def test_each_new_lock_lasts_twice_the_previous(session: Session, world: World) -> None:
    now = T0
    for minutes in (15, 30, 60, 120):
        _fail(session, _email(world), 4, now)
        with pytest.raises(AccountLocked) as locked:
            authenticate(session, _email(world), WRONG, now=now + timedelta(seconds=10))
        assert locked.value.retry_after_s == minutes * 60
        now += timedelta(seconds=10, minutes=minutes)
    assert [lock_duration(n) for n in (0, 1, 2, 3, 7, 8, 60)] == [
        timedelta(minutes=m) for m in (15, 30, 60, 120, 1440, 1440, 1440)
    ]


def test_a_successful_sign_in_resets_the_doubling(session: Session, world: World) -> None:
    _fail(session, _email(world), 5, T0)
    after_lock = T0 + timedelta(minutes=16)
    assert _outcome(session, _email(world), PASSWORD, after_lock) == 200
    assert session.get(models.SignInThrottle, account_key(_email(world))) is None
    _fail(session, _email(world), 4, after_lock)
    with pytest.raises(AccountLocked) as locked:
        authenticate(session, _email(world), WRONG, now=after_lock + timedelta(seconds=10))
    assert locked.value.retry_after_s == 15 * 60


def test_an_unknown_email_is_locked_alike_and_checks_one_hash(
    session: Session, world: World, fast_hash: list[str]
) -> None:
    known = _fail(session, _email(world), 6, T0)
    known_checks = len(fast_hash)
    unknown = _fail(session, "nobody@nowhere.fr", 6, T0)
    assert unknown == known == [401, 401, 401, 401, 429, 429]
    # One password check per counted attempt in both cases, none while locked.
    assert known_checks == len(fast_hash) - known_checks == 5


def test_an_email_with_a_nul_character_is_an_unknown_one(
    session: Session, world: World, fast_hash: list[str]
) -> None:
    # PostgreSQL refuses NUL in text: the lookup must not reach it (a 422 that counts nothing).
    email = _email(world) + "\x00"
    assert _fail(session, email, 6, T0) == [401, 401, 401, 401, 429, 429]
    assert len(fast_hash) == 5


def test_unlock_lifts_the_lock_and_keeps_the_doubling(session: Session, world: World) -> None:
    user = world.users["cabinet"]
    _fail(session, user.email, 5, T0)
    unlock_user(session, user.id, actor=world.users["coordinator"])
    assert _outcome(session, user.email, WRONG, T0 + timedelta(minutes=1)) == 401
    _fail(session, user.email, 3, T0 + timedelta(minutes=2))  # the 2nd to 4th since the unlock
    with pytest.raises(AccountLocked) as locked:
        authenticate(session, user.email, WRONG, now=T0 + timedelta(minutes=3))
    assert locked.value.retry_after_s == 30 * 60  # the second lock since the last success
    audit = session.scalars(
        select(models.AuditLog).where(
            models.AuditLog.action == "unlock", models.AuditLog.entity_id == str(user.id)
        )
    ).one()
    assert audit.actor == world.users["coordinator"].email
    assert audit.before is not None and audit.before["lock_count"] == 1


def test_unlock_of_another_groupements_user_is_not_found(session: Session, world: World) -> None:
    other = make_world(session, "beta")
    with pytest.raises(NotFound):
        unlock_user(session, other.users["cabinet"].id, actor=world.users["coordinator"])


@pytest.fixture
def shared_key(engine: Engine) -> Iterator[str]:
    """An e-mail whose throttle row is committed for real (threads use their own sessions)."""
    email = f"hammered-{engine.dialect.name}@nowhere.fr"

    def clear() -> None:
        with Session(engine) as session, session.begin():
            session.execute(
                delete(models.SignInThrottle).where(
                    models.SignInThrottle.account_key == account_key(email)
                )
            )

    clear()
    yield email
    clear()


def _hammer(engine: Engine, email: str, threads: int, attempts: int) -> Counter[int]:
    """`threads` threads, each with its own session, each failing `attempts` times at once."""
    outcomes: Counter[int] = Counter()
    errors: list[BaseException] = []
    start = threading.Barrier(threads)
    lock = threading.Lock()

    def run() -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                start.wait()
                for _ in range(attempts):
                    status = _outcome(session, email, WRONG, T0)
                    with lock:
                        outcomes[status] += 1
        except BaseException as error:  # re-raised in the test's thread
            errors.append(error)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors
    return outcomes


def test_concurrent_failures_are_all_counted(engine: Engine, shared_key: str) -> None:
    # 2 x 10 failures at once: exactly 4 are answered 401, the 5th counted locks, whatever the
    # interleaving; a lost update would let more than 4 through.
    assert _hammer(engine, shared_key, threads=2, attempts=10) == Counter({401: 4, 429: 16})
    with Session(engine) as session:
        row = session.get(models.SignInThrottle, account_key(shared_key))
        assert row is not None and row.lock_count == 1 and row.recent_failures == []
        assert row.locked_until == T0 + timedelta(minutes=15)
