"""The national evaluation through the API (/api/v1/national/evaluation, its `Repr-Digest` and
its `sha256sum` line) and the national reader's page (/evaluation-nationale, its downloads and
its event-study chart): the national reader's alone, 403 for every other role.

The figures are tests/scheduler/test_national_evaluation.py's hand case, beside the world's
contracts, which have no statements and so no figure (each with its reason)."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer
from tests.api.factories import World
from tests.api.test_pages import sign_in_as
from tests.scheduler.test_evaluation_service import charts_in
from tests.scheduler.test_national_evaluation import nation  # noqa: F401 - registers the fixture

API = "/api/v1/national/evaluation"
AS_OF = {"as_of": "2026-06-30"}
OTHERS = ["coordinator", "cabinet", "assistant", "auditor"]


@pytest.mark.usefixtures("nation")
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_national_reader_gets_each_export_and_its_digest(
    client: TestClient, world: World, fmt: str
) -> None:
    headers = bearer(world.users["national"])
    answer = client.get(API, params={**AS_OF, "format": fmt}, headers=headers)
    assert answer.status_code == 200, answer.text
    digest = hashlib.sha256(answer.content).digest()
    assert answer.headers["repr-digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
    name = f"evaluation-nationale-2026-06-30.{fmt}"
    assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
    line = client.get(f"{API}/sha256", params={**AS_OF, "format": fmt}, headers=headers)
    assert line.status_code == 200
    assert line.text == f"{digest.hex()}  {name}\n"
    # Computed once and kept: a second request is served the same bytes, computed at the same time.
    computed_at = parsedate_to_datetime(answer.headers["last-modified"])
    again = client.get(API, params={**AS_OF, "format": fmt}, headers=headers)
    assert again.content == answer.content
    assert parsedate_to_datetime(again.headers["last-modified"]) == computed_at
    assert abs(datetime.now(UTC) - computed_at) < timedelta(minutes=5)
    if fmt == "json":
        assert answer.json()["indicators"]["pmt"]["national"]["effect"] == 22.5
    else:
        assert "pmt;national;France;" in answer.text


@pytest.mark.parametrize("role", OTHERS)
def test_every_other_role_is_refused(client: TestClient, world: World, role: str) -> None:
    headers = bearer(world.users[role])
    for path in (API, f"{API}/sha256"):
        answer = client.get(path, params=AS_OF, headers=headers)
        assert answer.status_code == 403, (path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"


def test_a_bad_format_or_day_names_its_field(client: TestClient, world: World) -> None:
    headers = bearer(world.users["national"])
    bad_format = client.get(API, params={"format": "xml"}, headers=headers)
    assert bad_format.status_code == 422
    assert "format" in bad_format.text
    out_of_range = client.get(API, params={"as_of": "1999-01-01"}, headers=headers)
    assert out_of_range.status_code == 422
    assert "query.as_of" in out_of_range.text and "année hors de" in out_of_range.text


@pytest.mark.usefixtures("nation")
def test_the_page_shows_the_figures_the_chart_and_the_downloads(
    web: TestClient, world: World
) -> None:
    sign_in_as(web, world.users["national"])
    page = web.get("/evaluation-nationale", params={"au": "2026-06-30"})
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert "Évaluation nationale des contrats mutualisés" in text
    assert "22,5" in text  # the national effect on PMT
    assert re.search(r"Calculée le .+ à \d+ h( \d\d)? \(heure de Paris\)", text)
    assert "Pas de chiffre : " in text or "Contrats sans chiffre" in text
    assert "Étude d’événement nationale — PMT" in charts_in(page.text)  # drawn by matplotlib
    assert 'href="/evaluation-nationale/export.csv?au=2026-06-30"' in page.text
    body = web.get("/evaluation-nationale/export.csv", params={"au": "2026-06-30"})
    line = web.get("/evaluation-nationale/export.csv.sha256", params={"au": "2026-06-30"})
    assert body.status_code == line.status_code == 200
    assert line.text.split()[0] == hashlib.sha256(body.content).hexdigest()
    assert web.get("/evaluation-nationale/export.xml").status_code == 404
    chart = web.get("/evaluation-nationale/export.graphique-pmt.svg", params={"au": "2026-06-30"})
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
    assert chart.text.startswith("<svg") and "Étude d’événement nationale — PMT" in chart.text


def test_a_bad_day_on_the_page_is_shown_beside_its_field(web: TestClient, world: World) -> None:
    sign_in_as(web, world.users["national"])
    page = web.get("/evaluation-nationale", params={"au": "31/12/2026"})
    assert page.status_code == 200
    assert 'aria-invalid="true"' in page.text
    assert "date attendue au format 2026-12-31" in html.unescape(page.text)


@pytest.mark.parametrize("role", OTHERS)
def test_the_page_is_refused_to_every_other_role(web: TestClient, world: World, role: str) -> None:
    sign_in_as(web, world.users[role])
    assert web.get("/evaluation-nationale").status_code == 403
    assert web.get("/evaluation-nationale/export.csv").status_code == 403
