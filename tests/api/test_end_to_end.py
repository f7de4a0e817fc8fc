"""The coordinator's walk through the API on a real committed database: bootstrap a groupement,
describe cabinets, assistants and two pooled contracts, plan a week (plan run, Idempotency-Key),
edit and pin, re-plan, publish (Idempotency-Key), record an absence, re-plan inside the 15-day
notice window (refused without, accepted with an acknowledged reason), read the change notices
(the assistant sees hers, a cabinet its own) and the hours ledger."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from api.main import create_app
from scheduler import runs
from scheduler.auth import create_user
from scheduler.db import make_engine, make_session_factory
from scheduler.migrations import upgrade_to_head
from scheduler.services.resources import create_groupement
from tests.api.factories import api_settings
from tests.conftest import DATABASES, fresh_database_url

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

API = "/api/v1"
PARIS = ZoneInfo("Europe/Paris")
PASSWORD = "coordination secrète"


def _monday_in(days: int) -> date:
    day = datetime.now(UTC).date() + timedelta(days=days)
    return day - timedelta(days=day.weekday())


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database with a bootstrapped groupement and its coordinator."""
    url = fresh_database_url(request.param, "end_to_end", tmp_path)
    upgrade_to_head(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        create_groupement(session, "ge-moselle", "GE Moselle Santé")
        create_user(
            session, "ge-moselle", "coord@ge-moselle.fr", "Claire Coord", PASSWORD, "coordinator"
        )
    engine.dispose()
    yield url


@pytest.fixture
def factory(database: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on the test's database for the jobs side (plan runs executed inline)."""
    engine = make_engine(database)
    yield make_session_factory(engine)
    engine.dispose()


def _cabinet(code: str, lat: str, lon: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"Cabinet {code}",
        "address": "1 place de la République",
        "postcode": "57000",
        "city": "Metz",
        "department": "57",
        "latitude": lat,
        "longitude": lon,
        "places": 2,
        "opening": [
            {"weekday": d, "start_minute": 8 * 60, "end_minute": 19 * 60} for d in range(5)
        ],
    }


def _assistant(code: str, first: str) -> dict[str, Any]:
    return {
        "code": code,
        "first_name": first,
        "last_name": "Durand",
        "availability": [
            {"weekday": d, "start_minute": 8 * 60, "end_minute": 18 * 60} for d in range(5)
        ],
    }


@pytest.mark.slow
def test_coordinator_walk(database: str, factory: sessionmaker[Session]) -> None:
    app = create_app(api_settings(database))
    with TestClient(app) as client:
        token = client.post(
            f"{API}/auth/token", data={"username": "coord@ge-moselle.fr", "password": PASSWORD}
        )
        assert token.status_code == 200, token.text
        coord = {"Authorization": f"Bearer {token.json()['access_token']}"}

        def post(path: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
            response = client.post(f"{API}{path}", json=body, headers={**coord, **headers})
            assert response.status_code in (200, 201, 202), response.text
            result: dict[str, Any] = response.json()
            return result

        cabinets = [
            post("/cabinets", _cabinet("centre", "49.119600", "6.175800")),
            post("/cabinets", _cabinet("sablon", "49.100900", "6.187000")),
            post("/cabinets", _cabinet("woippy", "49.150700", "6.151400")),
        ]
        anne = post("/assistants", _assistant("anne", "Anne"))
        lea = post("/assistants", _assistant("lea", "Léa"))
        estimated = post("/travel-times-estimates", {})["created"]
        assert len(estimated) == 3 and all(t["estimated"] for t in estimated)
        start = _monday_in(-60).isoformat()
        c, s, w = (cab["id"] for cab in cabinets)
        post(
            "/contracts",
            {
                "code": "mutualise-1",
                "name": "Contrat mutualisé Centre-Sablon",
                "start_date": start,
                "funded_etp": "1.00",
                "assistants": [{"assistant_id": anne["id"], "weekly_minutes": 30 * 60}],
                "shares": [
                    {"cabinet_id": c, "share_bp": 6000},
                    {"cabinet_id": s, "share_bp": 4000},
                ],
            },
        )
        post(
            "/contracts",
            {
                "code": "mutualise-2",
                "name": "Contrat mutualisé Woippy-Centre",
                "start_date": start,
                "funded_etp": "0.80",
                "assistants": [{"assistant_id": lea["id"], "weekly_minutes": 24 * 60}],
                "shares": [
                    {"cabinet_id": w, "share_bp": 5000},
                    {"cabinet_id": c, "share_bp": 5000},
                ],
            },
        )
        client.post(
            f"{API}/users",
            json={
                "email": "anne@ge-moselle.fr",
                "full_name": "Anne",
                "password": PASSWORD,
                "role": "assistant",
                "assistant_id": anne["id"],
            },
            headers=coord,
        )
        client.post(
            f"{API}/users",
            json={
                "email": "centre@ge-moselle.fr",
                "full_name": "Centre",
                "password": PASSWORD,
                "role": "cabinet",
                "cabinet_id": c,
            },
            headers=coord,
        )

        # A week inside the 15-day notice window (its first publication changes nothing).
        week = _monday_in(7).isoformat()
        request = {"period_start": week, "days": 7, "time_limit_s": 5}
        run = post("/plan-runs", request, **{"Idempotency-Key": "plan-week-1"})
        assert run["state"] == "queued"
        assert post("/plan-runs", request, **{"Idempotency-Key": "plan-week-1"})["id"] == run["id"]
        reused = client.post(
            f"{API}/plan-runs",
            json={**request, "days": 5},
            headers={**coord, "Idempotency-Key": "plan-week-1"},
        )
        assert (
            reused.status_code == 422
            and reused.headers["content-type"] == "application/problem+json"
        )
        runs.run_pending_inline(factory)
        run = client.get(f"{API}/plan-runs/{run['id']}", headers=coord).json()
        assert run["state"] == "succeeded", run
        assert run["best_objective"] is not None and run["elapsed_seconds"] > 0

        rota = client.get(f"{API}/rotas/{run['rota_id']}", headers=coord)
        draft = rota.json()
        assert draft["status"] == "draft" and draft["assignments"]
        assert draft["objective_terms"] and draft["cabinet_minutes"]
        assert {m["cabinet_id"] for m in draft["cabinet_minutes"]} == {c, s, w}
        assert client.get(f"{API}/rotas/{draft['id']}/violations", headers=coord).json() == []

        # Edit: pin one assignment (no violation), then move another beyond opening hours.
        first = draft["assignments"][0]
        pinned = post(
            f"/rotas/{draft['id']}/edits",
            {"op": "pin", "assignment_id": first["id"]},
            **{"If-Match": rota.headers["ETag"]},
        )
        assert pinned["violations"] == []
        stale = client.post(
            f"{API}/rotas/{draft['id']}/edits",
            json={"op": "pin", "assignment_id": first["id"]},
            headers={**coord, "If-Match": rota.headers["ETag"]},
        )
        assert stale.status_code == 412
        other = draft["assignments"][-1]
        day = datetime.fromisoformat(other["start_at"]).astimezone(PARIS).replace(hour=20, minute=0)
        moved = post(
            f"/rotas/{draft['id']}/edits",
            {
                "op": "move",
                "assignment_id": other["id"],
                "start": day.isoformat(),
                "end": (day + timedelta(hours=2)).isoformat(),
            },
        )
        assert moved["violations"], "a move outside opening hours must be reported"

        # Re-plan from the edited draft: the pin is kept, the broken move is repaired.
        again = post("/plan-runs", {**request, "based_on_id": draft["id"]})
        runs.run_pending_inline(factory)
        replanned = client.get(f"{API}/plan-runs/{again['id']}", headers=coord).json()
        assert replanned["state"] == "succeeded", replanned
        second = client.get(f"{API}/rotas/{replanned['rota_id']}", headers=coord).json()
        assert any(
            a["pinned"] and a["start_at"] == first["start_at"] for a in second["assignments"]
        )
        assert client.get(f"{API}/rotas/{second['id']}/violations", headers=coord).json() == []

        published = post(f"/rotas/{second['id']}/publish", {}, **{"Idempotency-Key": "publish-1"})
        assert published["status"] == "published"
        assert (
            post(f"/rotas/{second['id']}/publish", {}, **{"Idempotency-Key": "publish-1"})
            == published
        )
        reused = client.post(
            f"{API}/rotas/{second['id']}/publish",
            json={"acknowledged_reason": "autre"},
            headers={**coord, "Idempotency-Key": "publish-1"},
        )
        assert reused.status_code == 422

        def plan(body: dict[str, Any]) -> dict[str, Any]:
            queued = post("/plan-runs", body)
            runs.run_pending_inline(factory)
            done = client.get(f"{API}/plan-runs/{queued['id']}", headers=coord).json()
            assert done["state"] == "succeeded", done
            result: dict[str, Any] = client.get(
                f"{API}/rotas/{done['rota_id']}", headers=coord
            ).json()
            return result

        # A later week, outside the notice window: publish it, then Anne is away on its Tuesday.
        later = _monday_in(22)
        later_request = {**request, "period_start": later.isoformat()}
        first_later = plan(later_request)
        post(f"/rotas/{first_later['id']}/publish", {})
        tuesday = later + timedelta(days=1)
        post(
            "/absences",
            {
                "assistant_id": anne["id"],
                "kind": "sickness",
                "start_at": datetime(
                    tuesday.year, tuesday.month, tuesday.day, 0, tzinfo=PARIS
                ).isoformat(),
                "end_at": datetime(
                    tuesday.year, tuesday.month, tuesday.day, 23, 59, tzinfo=PARIS
                ).isoformat(),
                "reason": "arrêt maladie",
            },
        )
        replanned_later = plan({**later_request, "based_on_id": first_later["id"]})
        assert not any(
            a["assistant_id"] == anne["id"] and a["start_at"].startswith(tuesday.isoformat())
            for a in replanned_later["assignments"]
        )
        post(f"/rotas/{replanned_later['id']}/publish", {})  # outside the window: no reason needed

        notices = client.get(f"{API}/change-notices", headers=coord).json()
        assert notices["total"] >= 1
        assert all(n["acknowledged_reason"] for n in notices["items"] if n["within_notice"])

        def sign_in(email: str) -> dict[str, str]:
            answer = client.post(
                f"{API}/auth/token", data={"username": email, "password": PASSWORD}
            )
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        mine = client.get(f"{API}/change-notices", headers=sign_in("anne@ge-moselle.fr")).json()
        assert all(n["assistant_id"] == anne["id"] for n in mine["items"])
        ours = client.get(f"{API}/change-notices", headers=sign_in("centre@ge-moselle.fr")).json()
        assert all(c in n["cabinet_ids"] for n in ours["items"])

        ledger = client.get(f"{API}/ledger", headers=coord).json()
        assert ledger["entries"] and ledger["totals"]
        cabinet_ledger = client.get(f"{API}/ledger", headers=sign_in("centre@ge-moselle.fr")).json()
        assert {e["cabinet_id"] for e in cabinet_ledger["entries"]} == {c}
        assert cabinet_ledger["totals"] == ledger["totals"]

        audit = client.get(f"{API}/audit", params={"limit": 200}, headers=coord).json()
        actions = {(e["entity"], e["action"]) for e in audit["items"]}
        assert {("contract", "create"), ("rota", "publish"), ("absence", "create")} <= actions
        # Inside the notice window: a change to the published week needs an acknowledged reason.
        inside = plan({**request, "based_on_id": published["id"]})
        victim = inside["assignments"][-1]
        post(f"/rotas/{inside['id']}/edits", {"op": "delete", "assignment_id": victim["id"]})
        refused = client.post(f"{API}/rotas/{inside['id']}/publish", json={}, headers=coord)
        assert refused.status_code == 409, refused.text
        assert (
            refused.headers["content-type"] == "application/problem+json"
            and refused.json()["changes"]
        )
        accepted = post(
            f"/rotas/{inside['id']}/publish",
            {"acknowledged_reason": "Accord de l'assistante par téléphone"},
        )
        assert accepted["status"] == "published"
        notices = client.get(f"{API}/change-notices", headers=coord).json()
        assert any(n["within_notice"] and n["acknowledged_reason"] for n in notices["items"])
