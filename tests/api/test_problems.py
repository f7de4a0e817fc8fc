"""Every error is an RFC 9457 problem (`application/problem+json` with type, title, status,
detail, instance; validation problems add `errors`, one entry per field with its path), malformed
requests never answer 500, and a resource's 405 names exactly the methods it documents."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scheduler.auth import create_access_token
from tests.api.conftest import SETTINGS
from tests.api.factories import PASSWORD, World

API = "/api/v1"


def _is_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["status"] == status
    return body


def test_validation_problem_names_each_field(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    response = client.post(
        f"{API}/cabinets",
        json={"code": "", "name": "x", "postcode": "ABCDE", "latitude": 99},
        headers=coordinator,
    )
    body = _is_problem(response, 422)
    locs = {tuple(item["loc"]) for item in body["errors"]}
    assert (
        ("body", "postcode") in locs
        and ("body", "latitude") in locs
        and ("body", "address") in locs
    )
    assert all(item["msg"] for item in body["errors"])


def test_malformed_json_is_a_problem(client: TestClient, coordinator: dict[str, str]) -> None:
    response = client.post(
        f"{API}/cabinets",
        content=b"{not json",
        headers={**coordinator, "Content-Type": "application/json"},
    )
    _is_problem(response, 422)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/assistants/abc"),
        ("get", "/assistants/99999999999999999999"),
        ("get", "/assistants?limit=0"),
        ("get", "/absences?since=yesterday"),
        ("patch", "/assistants/1"),
        ("post", "/rotas/1/edits"),
    ],
)
def test_malformed_requests_never_500(
    method: str, path: str, client: TestClient, coordinator: dict[str, str], world: World
) -> None:
    response = client.request(
        method.upper(), f"{API}{path}", headers=coordinator, json={"op": "fly"}
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    _is_problem(client.get(f"{API}/nowhere"), 404)


def test_if_match_missing_428_and_stale_412(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    path = f"{API}/assistants/{world.assistants[0].id}"
    _is_problem(client.patch(path, json={"first_name": "A"}, headers=coordinator), 428)
    stale = {**coordinator, "If-Match": f'"{world.assistants[0].id}-999"'}
    _is_problem(client.patch(path, json={"first_name": "A"}, headers=stale), 412)
    other = {**coordinator, "If-Match": '"somethingelse"'}
    _is_problem(client.delete(path, headers=other), 412)


def test_expired_token_is_401(client: TestClient, world: World) -> None:
    from datetime import UTC, datetime, timedelta

    token = create_access_token(
        world.users["coordinator"], SETTINGS, now=datetime.now(UTC) - timedelta(days=2)
    )
    response = client.get(f"{API}/assistants", headers={"Authorization": f"Bearer {token}"})
    body = _is_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert body["detail"]


def test_password_flow_issues_a_working_token(client: TestClient, world: World) -> None:
    email = world.users["cabinet"].email
    wrong = client.post(f"{API}/auth/token", data={"username": email, "password": "nope-nope"})
    _is_problem(wrong, 401)
    response = client.post(f"{API}/auth/token", data={"username": email, "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "cabinet" and me.json()["cabinet_id"] == world.cabinets[0].id


def test_coordinator_creates_a_cabinet_user(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    body = {
        "email": "secretariat@alpha.fr",
        "full_name": "Secrétariat",
        "password": "long enough secret",
        "role": "cabinet",
        "cabinet_id": world.cabinets[1].id,
    }
    created = client.post(f"{API}/users", json=body, headers=coordinator)
    assert created.status_code == 201, created.text
    assert "password" not in created.text and "hash" not in created.text
    _is_problem(client.post(f"{API}/users", json=body, headers=coordinator), 409)
    missing = client.post(
        f"{API}/users",
        json={**body, "email": "x@alpha.fr", "cabinet_id": None},
        headers=coordinator,
    )
    assert _is_problem(missing, 422)["errors"][0]["loc"] == ["body", "cabinet_id"]


def test_405_lists_exactly_the_documented_methods(app: FastAPI, client: TestClient) -> None:
    paths = app.openapi()["paths"]
    for template, item in paths.items():
        if not template.startswith(API):
            continue
        concrete = template.replace("{", "").replace("}", "")
        concrete = "/".join("1" if part.endswith("_id") else part for part in concrete.split("/"))
        response = client.request("OPTIONS", concrete)
        body = _is_problem(response, 405)
        assert body["title"] == "Method Not Allowed"
        assert set(response.headers["Allow"].split(", ")) == {m.upper() for m in item}, template


def test_openapi_documents_problem_responses(app: FastAPI) -> None:
    schema = app.openapi()
    assert "HTTPValidationError" not in str(schema)
    for template, item in schema["paths"].items():
        if not template.startswith(API):
            continue
        for method, operation in item.items():
            responses = operation["responses"]
            assert "422" in responses, (method, template)
            assert "application/problem+json" in responses["422"]["content"]
            if method in ("patch", "delete"):
                assert {"412", "428"} <= responses.keys(), (method, template)


def test_null_for_a_required_field_is_422(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    path = f"{API}/assistants/{world.assistants[0].id}"
    etag = client.get(path, headers=coordinator).headers["ETag"]
    response = client.patch(
        path, json={"first_name": None}, headers={**coordinator, "If-Match": etag}
    )
    assert _is_problem(response, 422)["errors"][0]["loc"] == ["body", "first_name"]


def test_a_run_over_an_active_runs_period_is_refused_with_its_id(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    first = client.post(
        f"{API}/plan-runs", json={"period_start": "2026-12-07"}, headers=coordinator
    )
    assert first.status_code == 202, first.text
    again = client.post(
        f"{API}/plan-runs", json={"period_start": "2026-11-30", "days": 14}, headers=coordinator
    )
    body = _is_problem(again, 409)
    assert body["run_id"] == first.json()["id"]
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [
        (["body", "period_start"], "one_active_run")
    ]
    assert f"calcul {body['run_id']}" in body["detail"]
    later = client.post(
        f"{API}/plan-runs", json={"period_start": "2026-12-14"}, headers=coordinator
    )
    assert later.status_code == 202, later.text
