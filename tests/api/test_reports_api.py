"""Allocation reports through the API: an auditor reads the contracts granted to it and nothing
else, a cabinet its own figures and the group's totals, the coordinator everything; a malformed
period is a 422 problem naming the field."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.reports import ReportFormat, verify_json
from tests.api.conftest import bearer
from tests.api.factories import World
from tests.api.test_pages import sign_in_as
from tests.scheduler.test_report_formats import markdown  # noqa: F401 - registers the fixture


def _url(world: World, index: int = 0, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"period": "Y1", **params}.items())
    return f"/api/v1/contracts/{world.contracts[index].id}/report?{query}"


def test_auditor_downloads_a_granted_contract_report_as_pdf(
    client: TestClient, world: World, session: Session
) -> None:
    response = client.get(_url(world, format="pdf"), headers=bearer(world.users["auditor"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response.headers["content-disposition"]
    # The second download is the PDF stored by the first, byte for byte.
    again = client.get(_url(world, format="pdf"), headers=bearer(world.users["auditor"]))
    assert again.content == response.content
    assert session.scalar(select(func.count(models.RenderedReport.id))) == 1


def test_auditor_cannot_read_a_contract_not_granted(client: TestClient, world: World) -> None:
    response = client.get(_url(world, 1), headers=bearer(world.users["auditor"]))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["loc"] == ["path", "contract_id"]


def test_coordinator_reads_the_report_as_json_with_its_digest(
    client: TestClient, world: World
) -> None:
    response = client.get(_url(world), headers=bearer(world.users["coordinator"]))
    assert response.status_code == 200
    document = json.loads(response.content)
    assert verify_json(response.content)
    assert len(document["sha256"]) == 64


def test_coordinator_of_another_groupement_is_refused(
    client: TestClient, world: World, other_world: World
) -> None:
    response = client.get(_url(world), headers=bearer(other_world.users["coordinator"]))
    assert response.status_code == 404
    missing = client.get(
        "/api/v1/contracts/999999/report?period=Y1",
        headers=bearer(other_world.users["coordinator"]),
    )
    # The same problem as for a contract that does not exist, but for the id.
    assert response.json() == {
        **missing.json(),
        "detail": missing.json()["detail"].replace("999999", str(world.contracts[0].id)),
        "instance": response.json()["instance"],
        "errors": [
            {**e, "msg": e["msg"].replace("999999", str(world.contracts[0].id))}
            for e in missing.json()["errors"]
        ],
    }


def test_assistant_may_not_read_reports(client: TestClient, world: World) -> None:
    response = client.get(_url(world), headers=bearer(world.users["assistant"]))
    assert response.status_code == 403


def test_malformed_period_is_a_422_problem(client: TestClient, world: World) -> None:
    response = client.get(_url(world, period="2026-Q7"), headers=bearer(world.users["coordinator"]))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_csv_report_is_utf8_text(client: TestClient, world: World) -> None:
    response = client.get(_url(world, format="csv"), headers=bearer(world.users["coordinator"]))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    response.content.decode("utf-8")


def test_an_unknown_format_is_a_422_naming_query_format(client: TestClient, world: World) -> None:
    response = client.get(_url(world, format="xls"), headers=bearer(world.users["coordinator"]))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    [error] = response.json()["errors"]
    assert error["loc"] == ["query", "format"]
    assert error["type"] == "enum"
    assert error["msg"] == "Input should be 'json', 'csv' or 'pdf'"


def test_the_format_parameter_is_the_report_format_component(client: TestClient) -> None:
    """The OpenAPI document names the formats in one component, json first, as it always did."""
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/contracts/{contract_id}/report"]["get"]
    [parameter] = [p for p in operation["parameters"] if p["name"] == "format"]
    assert parameter == {
        "name": "format",
        "in": "query",
        "required": False,
        "schema": {
            "$ref": "#/components/schemas/ReportFormat",
            "description": "json, csv or pdf",
            "default": "json",
        },
        "description": "json, csv or pdf",
    }
    assert document["components"]["schemas"]["ReportFormat"] == {
        "type": "string",
        "enum": ["json", "csv", "pdf"],
        "title": "ReportFormat",
        "description": "The renderings of a report.",
    }


def test_a_new_format_is_served_by_the_api_and_offered_by_the_auditor_page(
    client: TestClient,
    web: TestClient,
    world: World,
    markdown: ReportFormat,  # noqa: F811
) -> None:
    response = client.get(_url(world, format="md"), headers=bearer(world.users["coordinator"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    assert response.headers["content-disposition"].endswith('.md"')
    assert response.content.startswith(b"# ")
    sign_in_as(web, world.users["auditor"])
    granted = world.contracts[0]
    assert "Télécharger le résumé" in web.get("/controle").text
    page = web.get(f"/controle/contrats/{granted.id}/rapport.md", params={"periode": "Y1"})
    assert page.status_code == 200
    assert page.content.startswith(b"# ")
    assert page.headers["content-type"] == markdown.media_type
