"""The national re-plan through the API (POST /api/v1/national/replans, GET .../{week}) and its
page (/replanification-nationale): the national reader's alone, 403 for every other role; the
same week asked twice queues each groupement's run once; a week that does not start on a Monday
is refused naming the field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import models
from tests.api.conftest import bearer
from tests.api.factories import World
from tests.api.test_pages import sign_in_as

API = "/api/v1/national/replans"
WEEK = "2026-12-14"
OTHERS = ["coordinator", "cabinet", "assistant", "auditor"]


def test_the_national_reader_replans_every_groupement_once_and_reads_its_figures(
    client: TestClient, world: World, session: Session
) -> None:
    groupements = session.scalar(select(func.count()).select_from(models.Groupement))
    headers = bearer(world.users["national"])
    first = client.post(API, json={"week": WEEK, "time_limit_s": 1.0}, headers=headers)
    assert first.status_code == 202, first.text
    figures = first.json()
    assert (figures["total"], figures["queued"], figures["succeeded"]) == (
        groupements,
        groupements,
        0,
    )
    assert figures["throughput_per_s"] is None  # nothing ended yet
    again = client.post(API, json={"week": WEEK}, headers=headers)
    assert again.status_code == 202
    assert again.json()["total"] == groupements  # nothing queued twice
    read = client.get(f"{API}/{WEEK}", headers=headers)
    assert read.status_code == 200
    assert {k: read.json()[k] for k in ("week", "total", "queued")} == {
        "week": WEEK,
        "total": groupements,
        "queued": groupements,
    }
    runs = session.scalars(select(models.PlanRun)).all()
    assert sorted(r.groupement_id for r in runs) == sorted(
        session.scalars(select(models.Groupement.id))
    )


def test_a_week_must_start_on_a_monday(client: TestClient, world: World) -> None:
    answer = client.post(API, json={"week": "2026-12-15"}, headers=bearer(world.users["national"]))
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "body.week" in answer.text


@pytest.mark.parametrize("role", OTHERS)
def test_no_other_role_may_replan_or_read_the_figures(
    client: TestClient, web: TestClient, world: World, role: str
) -> None:
    headers = bearer(world.users[role])
    assert client.post(API, json={"week": WEEK}, headers=headers).status_code == 403
    assert client.get(f"{API}/{WEEK}", headers=headers).status_code == 403
    sign_in_as(web, world.users[role])
    assert web.get("/replanification-nationale").status_code == 403


def test_the_page_shows_the_figures_of_the_week(
    client: TestClient, web: TestClient, world: World
) -> None:
    national = world.users["national"]
    sign_in_as(web, national)
    empty = web.get("/replanification-nationale", params={"semaine": WEEK})
    assert empty.status_code == 200
    assert "Aucune replanification nationale pour cette semaine." in empty.text
    client.post(API, json={"week": WEEK}, headers=bearer(national))
    page = web.get("/replanification-nationale", params={"semaine": WEEK})
    assert page.status_code == 200
    assert 'id="replan-figures"' in page.text and "En file" in page.text
    refused = web.get("/replanification-nationale", params={"semaine": "2026-12-15"})
    assert refused.status_code == 200
    assert "une semaine commence un lundi" in refused.text
