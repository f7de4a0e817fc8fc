"""Idempotency-Key on every write: a retry gets the first answer back and writes nothing, another
request with the key is refused, a request whose first is still running answers 409. (A write whose
connection dies right after COMMIT: tests/api/test_lost_connections.py.)"""

from __future__ import annotations

import hashlib
import json
import warnings
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.locks import advisory_key
from tests.api.conftest import bearer
from tests.api.factories import World, make_world

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

API = "/api/v1"
REPLAYED_HEADER = "Idempotent-Replayed"


def _cabinet(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"Cabinet {code}",
        "address": "2 place d'Armes",
        "postcode": "57000",
        "city": "Metz",
        "department": "57",
        "latitude": "49.12",
        "longitude": "6.17",
        "opening": [{"weekday": 0, "start_minute": 480, "end_minute": 1140}],
    }


def _cabinets(session: Session, code: str) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(models.Cabinet).where(models.Cabinet.code == code)
        )
        or 0
    )


def test_a_retried_create_replays_the_first_answer_without_writing(
    client: TestClient, world: World, coordinator: dict[str, str], session: Session
) -> None:
    headers = {**coordinator, "Idempotency-Key": "create-cabinet-1"}
    first = client.post(f"{API}/cabinets", json=_cabinet("centre"), headers=headers)
    assert first.status_code == 201, first.text
    again = client.post(f"{API}/cabinets", json=_cabinet("centre"), headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers[REPLAYED_HEADER] == "true" and REPLAYED_HEADER not in first.headers
    for name in ("ETag", "Location", "Content-Type"):
        assert again.headers[name] == first.headers[name]
    assert _cabinets(session, "centre") == 1
    # Without the key, the same body is a new request: the duplicate code is refused.
    assert (
        client.post(f"{API}/cabinets", json=_cabinet("centre"), headers=coordinator).status_code
        == 409
    )


def test_a_retried_update_and_delete_replay_even_when_the_etag_moved_on(
    client: TestClient, world: World, coordinator: dict[str, str], session: Session
) -> None:
    doctor = world.doctors[0]
    path = f"{API}/doctors/{doctor.id}"
    etag = client.get(path, headers=coordinator).headers["ETag"]
    headers = {**coordinator, "If-Match": etag, "Idempotency-Key": "rename-1"}
    first = client.patch(path, json={"last_name": "Weber"}, headers=headers)
    assert first.status_code == 200, first.text
    again = client.patch(path, json={"last_name": "Weber"}, headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["ETag"] == first.headers["ETag"] != etag
    assert session.get(models.Doctor, doctor.id).version == first.json()["version"]  # type: ignore[union-attr]

    gone = {**coordinator, "If-Match": first.headers["ETag"], "Idempotency-Key": "remove-1"}
    assert client.delete(path, headers=gone).status_code == 204
    replayed = client.delete(path, headers=gone)
    assert replayed.status_code == 204 and replayed.content == b""
    assert replayed.headers[REPLAYED_HEADER] == "true"


def test_a_key_reused_for_another_request_is_refused_and_keys_are_per_user(
    client: TestClient, world: World, coordinator: dict[str, str], session: Session
) -> None:
    headers = {**coordinator, "Idempotency-Key": "k-1"}
    assert client.post(f"{API}/cabinets", json=_cabinet("nord"), headers=headers).status_code == 201
    for method, path, body in (
        ("POST", f"{API}/cabinets", _cabinet("sud")),  # another body
        ("POST", f"{API}/assistants", {"code": "nord", "first_name": "A", "last_name": "B"}),
    ):
        refused = client.request(method, path, json=body, headers=headers)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert _cabinets(session, "sud") == 0
    # The key belongs to its user: another coordinator's request with it runs.
    other = make_world(session, "gamma").users["coordinator"]
    theirs = {**bearer(other), "Idempotency-Key": "k-1"}
    answer = client.post(f"{API}/cabinets", json=_cabinet("nord"), headers=theirs)
    assert answer.status_code == 201 and REPLAYED_HEADER not in answer.headers


def test_a_refused_write_stores_nothing_and_its_retry_runs_again(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    doctor = world.doctors[1]
    path = f"{API}/doctors/{doctor.id}"
    headers = {**coordinator, "Idempotency-Key": "stale-first", "If-Match": f'"{doctor.id}-99"'}
    assert client.patch(path, json={"first_name": "Anne"}, headers=headers).status_code == 412
    headers["If-Match"] = client.get(path, headers=coordinator).headers["ETag"]
    landed = client.patch(path, json={"first_name": "Anne"}, headers=headers)
    assert landed.status_code == 200 and REPLAYED_HEADER not in landed.headers
    assert landed.json()["first_name"] == "Anne"


def test_a_key_still_in_flight_answers_409(
    client: TestClient, world: World, coordinator: dict[str, str], session: Session, engine: Engine
) -> None:
    user_id = world.users["coordinator"].id
    body = json.dumps(_cabinet("est")).encode()
    fingerprint = hashlib.sha256(f"POST {API}/cabinets\n".encode())
    fingerprint.update(hashlib.sha256(body).digest())
    headers = {**coordinator, "Idempotency-Key": "busy", "Content-Type": "application/json"}
    # The same request recorded without its answer yet: the first one has not finished.
    session.add(
        models.IdempotencyRecord(
            key="busy",
            user_id=user_id,
            request_fingerprint=fingerprint.hexdigest(),
            status_code=0,
            response_body={},
        )
    )
    session.flush()
    response = client.post(f"{API}/cabinets", content=body, headers=headers)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert _cabinets(session, "est") == 0
    if engine.dialect.name != "postgresql":
        return
    # PostgreSQL: the first request, still running, holds the key's lock; the second never waits.
    lock_id = advisory_key(f"idempotency\x00{user_id}\x00also-busy")
    with engine.connect() as other:
        other.execute(text("SELECT pg_advisory_lock(:id)"), {"id": lock_id})
        headers["Idempotency-Key"] = "also-busy"
        response = client.post(f"{API}/cabinets", json=_cabinet("est"), headers=headers)
        other.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
    assert response.status_code == 409, response.text
    assert _cabinets(session, "est") == 0


def test_a_feed_link_is_never_stored_and_a_retry_issues_a_new_one(
    client: TestClient, world: World, coordinator: dict[str, str], session: Session
) -> None:
    headers = {**coordinator, "Idempotency-Key": "link-1"}
    body = {"kind": "cabinet", "target_id": world.cabinets[0].id, "subscriber": "Accueil"}
    first = client.post(f"{API}/subscriptions", json=body, headers=headers)
    again = client.post(f"{API}/subscriptions", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert REPLAYED_HEADER not in again.headers
    assert first.json()["links"] != again.json()["links"]
    stored = select(models.IdempotencyRecord).where(models.IdempotencyRecord.key == "link-1")
    assert session.scalars(stored).all() == []
    live = client.get(f"{API}/subscriptions", headers=coordinator).json()
    assert [row["id"] for row in live if row["subscriber"] == "Accueil"] == [again.json()["id"]]
