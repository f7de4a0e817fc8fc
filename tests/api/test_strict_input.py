"""Values the API must not take for something else: a boolean for a whole number, a number for a
date, a date outside the years the service can plan (body, query and the pages' addresses), a
name with control characters; each is a 422 naming the field. A bug's 500 problem leaves the
connection open for the client's next request."""

from __future__ import annotations

import http.client
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.main import create_app
from api.pages.web import CSRF_COOKIE, CSRF_FIELD
from tests.api.conftest import SETTINGS
from tests.api.factories import World
from tests.api.test_pages import sign_in_as
from tests.live import serving

API = "/api/v1"


def _field_refused(response: Any, loc: list[str | int]) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors: list[dict[str, Any]] = response.json()["errors"]
    assert loc in [error["loc"] for error in errors], errors
    return next(error for error in errors if error["loc"] == loc)


def _travel(world: World, minutes: object) -> dict[str, Any]:
    return {
        "origin_id": world.cabinets[0].id,
        "destination_id": world.cabinets[1].id,
        "minutes": minutes,
    }


@pytest.mark.parametrize("value", [False, True, 12.0, "12"])
def test_a_whole_number_is_a_json_integer(
    client: TestClient, world: World, coordinator: dict[str, str], value: object
) -> None:
    response = client.post(f"{API}/travel-times", json=_travel(world, value), headers=coordinator)
    _field_refused(response, ["body", "minutes"])


def test_booleans_are_refused_for_ids_counts_and_weekdays(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    response = client.post(
        f"{API}/plan-runs", json={"period_start": "2026-12-07", "days": True}, headers=coordinator
    )
    _field_refused(response, ["body", "days"])
    session = {"cabinet_id": world.cabinets[0].id, "weekday": False}
    session |= {"start_minute": 480, "end_minute": 720}
    response = client.post(f"{API}/consultation-sessions", json=session, headers=coordinator)
    _field_refused(response, ["body", "weekday"])


@pytest.mark.parametrize("value", [0, 1_796_601_600, "0", "1796601600", "2026-12-07T00:00:00"])
def test_a_date_is_an_iso_text(
    client: TestClient, coordinator: dict[str, str], value: object
) -> None:
    response = client.post(f"{API}/plan-runs", json={"period_start": value}, headers=coordinator)
    _field_refused(response, ["body", "period_start"])


def test_a_moment_is_an_iso_text(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    absence = {"assistant_id": world.assistants[0].id, "kind": "leave"}
    absence |= {"start_at": 1_796_601_600, "end_at": "2026-12-08T00:00:00Z"}
    response = client.post(f"{API}/absences", json=absence, headers=coordinator)
    _field_refused(response, ["body", "start_at"])


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/rotas", "period_start"),
        ("/ledger", "since"),
        ("/ledger", "until"),
    ],
)
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "0"])
def test_date_query_parameters_stay_within_the_plannable_years(
    client: TestClient, coordinator: dict[str, str], path: str, name: str, value: str
) -> None:
    response = client.get(f"{API}{path}", params={name: value}, headers=coordinator)
    _field_refused(response, ["query", name])


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/assistants", "code"),
        ("/cabinets", "code"),
        ("/cabinets", "department"),
        ("/contracts", "code"),
        ("/audit", "entity"),
        ("/audit", "entity_id"),
    ],
)
def test_text_query_parameters_hold_no_nul(
    client: TestClient, coordinator: dict[str, str], path: str, name: str
) -> None:
    # PostgreSQL refuses NUL in text: without this the filter got a 422 naming no field.
    response = client.get(f"{API}{path}", params={name: "a\x00"}, headers=coordinator)
    _field_refused(response, ["query", name])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "Julie\x1b[31m"),
        ("first_name", "Ju\u0085lie"),
        ("last_name", "x" * 101),
    ],
)
def test_names_are_printable_and_short(
    client: TestClient, coordinator: dict[str, str], field: str, value: str
) -> None:
    body = {"code": "new-one", "first_name": "Julie", "last_name": "Martin", field: value}
    response = client.post(f"{API}/assistants", json=body, headers=coordinator)
    _field_refused(response, ["body", field])


def test_a_lone_surrogate_in_a_name_is_refused(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    content = b'{"code": "new-one", "first_name": "Julie\\udc80", "last_name": "Martin"}'
    headers = {**coordinator, "Content-Type": "application/json"}
    response = client.post(f"{API}/assistants", content=content, headers=headers)
    _field_refused(response, ["body", "first_name"])


def test_cabinet_and_travel_values_keep_their_ranges(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    response = client.post(f"{API}/travel-times", json=_travel(world, 10**18), headers=coordinator)
    _field_refused(response, ["body", "minutes"])
    etag = client.get(f"{API}/cabinets/{world.cabinets[0].id}", headers=coordinator).headers["ETag"]
    response = client.patch(
        f"{API}/cabinets/{world.cabinets[0].id}",
        json={"name": "Cabinet\x00du Parc"},
        headers={**coordinator, "If-Match": etag},
    )
    _field_refused(response, ["body", "name"])


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-03", "0"])
def test_planning_page_of_a_week_out_of_range_is_a_french_422_page(
    web: TestClient, world: World, week: str
) -> None:
    sign_in_as(web, world.users["coordinator"])
    response = web.get("/planning", params={"semaine": week})
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
    assert "Semaine du" in response.text
    if week != "0":
        assert "hors des années que Partagenda planifie (2000 à 2099)" in response.text


def test_assistant_page_of_a_week_out_of_range_is_a_422_page(web: TestClient, world: World) -> None:
    sign_in_as(web, world.users["assistant"])
    response = web.get("/mon-planning", params={"semaine": "9999-12-31"})
    assert response.status_code == 422 and "Semaine du" in response.text


@pytest.mark.parametrize("reason", ["accord\x1b[31m", "accord\x00"])
def test_the_publish_forms_reason_is_free_text_as_in_the_api(
    web: TestClient, world: World, reason: str
) -> None:
    # The form is read before the rota: an unknown one answers 404 only to a valid form.
    sign_in_as(web, world.users["coordinator"])
    web.cookies.set(CSRF_COOKIE, "c" * 32)
    form = {CSRF_FIELD: "c" * 32, "motif": reason}
    response = web.post("/planning/2147483647/publier", data=form)
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
    valid = web.post("/planning/2147483647/publier", data={**form, "motif": "accord"})
    assert valid.status_code == 404


@pytest.mark.parametrize("period", ["9999-12", "9999-Q4", "9999-Y"])
def test_report_download_of_a_period_out_of_range_is_a_french_422_page(
    web: TestClient, world: World, period: str
) -> None:
    sign_in_as(web, world.users["auditor"])
    path = f"/controle/contrats/{world.contracts[0].id}/rapport.csv"
    response = web.get(path, params={"periode": period})
    assert response.status_code == 422 and "année hors de 2000 à 2099" in response.text


# --- The connection after a bug's 500 ---------------------------------------------------------


@pytest.fixture(scope="module")
def served_bug() -> Iterator[int]:
    """A real server (uvicorn, keep-alive) of an app with a route that fails; yields its port."""
    app: FastAPI = create_app(SETTINGS)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with serving(app, log_level="critical") as port:
        yield port


def test_the_connection_stays_open_after_a_500_problem(served_bug: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served_bug, timeout=5)
    try:
        connection.request("GET", "/boom")
        failed = connection.getresponse()
        assert failed.status == 500 and failed.read()
        assert failed.getheader("connection", "").lower() != "close"
        connection.request("GET", "/livez")  # the same connection
        alive = connection.getresponse()
        assert alive.status == 200 and alive.read()
    finally:
        connection.close()
