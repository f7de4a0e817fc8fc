"""Sign-in throttling at the edge: a locked account and a client address over 20 attempts a
minute get 429 problem+json with `Retry-After` and a French detail (a French message on the
sign-in page); a coordinator unlocks a user of the groupement, audited."""

from __future__ import annotations

import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import limits.storage.memory
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import api.throttle
from api.pages.web import CSRF_COOKIE, SESSION_COOKIE
from api.throttle import get_clock
from scheduler import auth, models
from tests.api.conftest import bearer
from tests.api.factories import PASSWORD, World

API = "/api/v1"
WRONG = "not-the-password"


class FakeClock:
    """The time of the sign-in lock and of the address limit's window, moved by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def time(self) -> float:
        """`time.time()` for the `limits` memory storage and `api.throttle`."""
        return self.now.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, shared_app: FastAPI) -> FakeClock:
    """One fake clock for both limits, and password checks without Argon2's cost."""
    fake = FakeClock()
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    monkeypatch.setattr(api.throttle, "time", fake)
    monkeypatch.setattr(auth, "verify_password", lambda password, _hash: password == PASSWORD)
    monkeypatch.setitem(shared_app.dependency_overrides, get_clock, lambda: fake)
    return fake


def _token(client: TestClient, email: str, password: str) -> Any:
    return client.post(f"{API}/auth/token", data={"username": email, "password": password})


def _is_throttled(response: Any, slug: str) -> dict[str, Any]:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == 429 and body["type"].endswith(slug)
    assert body["title"] == "Trop de tentatives de connexion"
    assert int(response.headers["Retry-After"]) > 0
    return body


def test_sixty_wrong_passwords_in_a_row(client: TestClient, world: World, clock: FakeClock) -> None:
    email = world.users["coordinator"].email
    statuses: list[int] = []
    for _ in range(60):
        statuses.append(_token(client, email, WRONG).status_code)
        clock.advance(0.25)  # 60 attempts in 15 s
    assert Counter(statuses) == Counter({401: 4, 429: 56})
    assert statuses[:5] == [401, 401, 401, 401, 429]  # the 5th failure locks the account
    locked = _token(client, email, PASSWORD)  # the right password, still within the minute
    body = _is_throttled(locked, "too-many-sign-in-attempts")
    assert "depuis cette adresse" in body["detail"]
    clock.advance(60)
    locked = _token(client, email, PASSWORD)
    body = _is_throttled(locked, "account-locked")
    assert body["detail"].startswith("trop d'échecs de connexion, ce compte est verrouillé")
    assert body["detail"].endswith("réessayez dans 14 minutes")
    assert locked.headers["Retry-After"] == str(15 * 60 + 1 - 75)  # locked at 1 s, now 75 s
    clock.advance(15 * 60)
    assert _token(client, email, PASSWORD).status_code == 200


@pytest.mark.parametrize(("attempts", "last"), [(19, 401), (20, 401), (21, 429)])
def test_per_address_limit_is_20_a_minute(
    client: TestClient, world: World, clock: FakeClock, attempts: int, last: int
) -> None:
    # Each attempt names another (unknown) e-mail: only the address limit can refuse it.
    statuses = [_token(client, f"nobody{i}@nowhere.fr", WRONG).status_code for i in range(attempts)]
    assert statuses == [401] * (attempts - 1) + [last]


def test_per_address_limit_is_a_moving_minute(
    client: TestClient, world: World, clock: FakeClock, app: FastAPI
) -> None:
    for i in range(20):
        assert _token(client, f"early{i}@nowhere.fr", WRONG).status_code == 401
        clock.advance(1)  # the 20 attempts at 0 .. 19 s
    clock.advance(30)  # 50 s
    refused = _token(client, "late@nowhere.fr", WRONG)
    assert _is_throttled(refused, "too-many-sign-in-attempts")["detail"].endswith(
        "réessayez dans 1 minute"
    )
    assert refused.headers["Retry-After"] == "11"  # the first attempt leaves the window after 60 s
    clock.advance(9.5)
    assert _token(client, "late@nowhere.fr", WRONG).status_code == 429
    clock.advance(1.5)
    assert _token(client, "late@nowhere.fr", WRONG).status_code == 401
    # Another address has its own count.
    with TestClient(app, client=("192.0.2.7", 50000)) as elsewhere:
        assert _token(elsewhere, "other@nowhere.fr", WRONG).status_code == 401


def test_sign_in_page_says_how_long_to_wait(
    web: TestClient,
    world: World,
    clock: FakeClock,
    pages_app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(pages_app.dependency_overrides, get_clock, lambda: clock)
    email = world.users["coordinator"].email
    token = web.get("/connexion").cookies[CSRF_COOKIE]
    form = {"email": email, "password": WRONG, "csrf_token": token}
    assert [web.post("/connexion", data=form).status_code for _ in range(4)] == [401] * 4
    answer = web.post("/connexion", data=form)
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == str(15 * 60)
    assert "Trop de tentatives de connexion. Réessayez dans 15 minutes." in answer.text
    clock.advance(5 * 60 + 30)
    answer = web.post("/connexion", data={**form, "password": PASSWORD})
    assert answer.status_code == 429 and "Réessayez dans 10 minutes." in answer.text
    assert SESSION_COOKIE not in answer.cookies


def test_coordinator_unlocks_a_user_of_the_groupement(
    client: TestClient, world: World, other_world: World, clock: FakeClock, session: Session
) -> None:
    locked = world.users["cabinet"]
    for _ in range(5):
        _token(client, locked.email, WRONG)
    assert _token(client, locked.email, PASSWORD).status_code == 429
    coordinator = bearer(world.users["coordinator"])
    url = f"{API}/users/{locked.id}/unlock"
    assert client.post(url, headers=bearer(world.users["cabinet"])).status_code == 403
    foreign = client.post(
        f"{API}/users/{other_world.users['cabinet'].id}/unlock", headers=coordinator
    )
    assert foreign.status_code == 404
    assert client.post(url, headers=coordinator).status_code == 204
    assert _token(client, locked.email, PASSWORD).status_code == 200
    audit = session.scalars(select(models.AuditLog).where(models.AuditLog.action == "unlock")).all()
    assert [(a.entity, a.entity_id, a.actor) for a in audit] == [
        ("user", str(locked.id), world.users["coordinator"].email)
    ]


def test_an_access_token_is_not_stored_by_caches(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    # RFC 6749 §5.1: the answer that carries a token is never cached.
    response = _token(client, world.users["coordinator"].email, PASSWORD)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
