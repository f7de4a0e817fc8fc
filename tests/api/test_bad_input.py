"""Bad input gets a problem naming the field and the rule, with the right status, and stores
nothing: unknown fields, dates the application cannot compute with, report periods out of range,
bodies in another media type, a reused Idempotency-Key, CSV cells the csv module or the database
would refuse; an unexpected failure is a problem too."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.main import create_app
from scheduler import models
from tests.api.conftest import SETTINGS
from tests.api.factories import World

API = "/api/v1"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    return body


def _count(session: Session, model: type[models.Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_patch_with_an_unknown_field_is_422_and_changes_nothing(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    path = f"{API}/assistants/{world.assistants[0].id}"
    etag = client.get(path, headers=coordinator).headers["ETag"]
    response = client.patch(
        path, json={"first_nam": "Typo"}, headers={**coordinator, "If-Match": etag}
    )
    body = _problem(response, 422)
    assert body["errors"] == [
        {
            "loc": ["body", "first_nam"],
            "msg": "Extra inputs are not permitted",
            "type": "extra_forbidden",
        }
    ]
    assert client.get(path, headers=coordinator).headers["ETag"] == etag


def test_absence_in_year_9999_is_422_and_not_stored(
    client: TestClient, world: World, coordinator: dict[str, str], session: Session
) -> None:
    before = _count(session, models.Absence)
    response = client.post(
        f"{API}/absences",
        json={
            "assistant_id": world.assistants[0].id,
            "kind": "leave",
            "start_at": "9999-12-31T00:00:00Z",
            "end_at": "9999-12-31T23:00:00Z",
        },
        headers=coordinator,
    )
    errors = _problem(response, 422)["errors"]
    assert errors[0]["loc"] == ["body", "start_at"] and "2099-12-31" in errors[0]["msg"]
    assert _count(session, models.Absence) == before


def test_contract_starting_in_year_1_is_422(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    body = {
        "code": "ancient",
        "name": "Ancien",
        "start_date": "0001-01-01",
        "funded_etp": "0.5",
        "assistants": [{"assistant_id": world.assistants[0].id, "weekly_minutes": 600}],
        "shares": [{"cabinet_id": world.cabinets[0].id, "share_bp": 10000}],
    }
    errors = _problem(client.post(f"{API}/contracts", json=body, headers=coordinator), 422)
    assert errors["errors"][0]["loc"] == ["body", "start_date"]
    assert "2000-01-01" in errors["errors"][0]["msg"]


def test_report_period_out_of_range_or_unreadable_names_query_period(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    path = f"{API}/contracts/{world.contracts[0].id}/report"
    for period, rule in (
        ("9999-12", "period_range"),
        ("0000-Q1", "period_range"),
        ("2026-Q5", "period_format"),
    ):
        response = client.get(path, params={"period": period}, headers=coordinator)
        errors = _problem(response, 422)["errors"]
        assert errors[0]["loc"] == ["query", "period"] and errors[0]["type"] == rule, period
        assert errors[0]["msg"]


def test_json_route_refuses_another_media_type_with_415(
    client: TestClient, world: World, coordinator: dict[str, str], session: Session
) -> None:
    before = _count(session, models.TravelTime)
    response = client.post(
        f"{API}/travel-times",
        content=b"origin_id=1&destination_id=2&minutes=10",
        headers={**coordinator, "Content-Type": "application/x-www-form-urlencoded"},
    )
    body = _problem(response, 415)
    assert "application/json" in body["detail"] and "x-www-form-urlencoded" in body["detail"]
    assert _count(session, models.TravelTime) == before


def test_reused_idempotency_key_names_the_header(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    headers = {**coordinator, "Idempotency-Key": "same-key"}
    first = client.post(f"{API}/plan-runs", json={"period_start": "2026-12-07"}, headers=headers)
    assert first.status_code == 202, first.text
    again = client.post(f"{API}/plan-runs", json={"period_start": "2026-12-14"}, headers=headers)
    errors = _problem(again, 422)["errors"]
    assert errors[0]["loc"] == ["header", "Idempotency-Key"]


def test_stale_if_match_names_the_resource_in_french(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    contract = world.contracts[0]
    response = client.patch(
        f"{API}/contracts/{contract.id}",
        json={"name": "Nouveau nom"},
        headers={**coordinator, "If-Match": f'"{contract.id}-999"'},
    )
    assert _problem(response, 412)["detail"].startswith(f"contrat {contract.id} ")


def test_csv_import_with_an_overlong_or_oversized_cell_is_422_and_imports_nothing(
    client: TestClient, world: World, coordinator: dict[str, str], session: Session
) -> None:
    rpps = world.doctors[0].rpps
    headers = {**coordinator, "Content-Type": "text/csv"}
    before = _count(session, models.PatienteleSnapshot)
    header = "rpps;date;pmt;file_active;source\n"
    long_source = f"{header}{rpps};2026-10-01;900;1300;{'x' * 101}\n"
    body = _problem(
        client.post(f"{API}/patientele/imports", content=long_source.encode(), headers=headers),
        422,
    )
    assert ["body", "ligne 2", "source"] in [item["loc"] for item in body["errors"]]
    huge_cell = f'{header}{rpps};2026-10-01;900;1300;"{"x" * 200_000}"\n'
    body = _problem(
        client.post(f"{API}/patientele/imports", content=huge_cell.encode(), headers=headers),
        422,
    )
    assert body["errors"][0]["type"] == "csv_format" and "CSV" in body["errors"][0]["msg"]
    assert _count(session, models.PatienteleSnapshot) == before


def test_unexpected_error_is_a_500_problem(shared_app: FastAPI) -> None:
    app = create_app(SETTINGS)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        body = _problem(client.get("/boom"), 500)
    assert body["type"].endswith("/internal-error") and "a bug" not in body["detail"]
