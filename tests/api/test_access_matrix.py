"""No leak between roles, groupements and cabinets: every read route answers, for each role, 200
on what the role owns, 404 on a sibling's or another groupement's row (existence is not revealed)
and 403 where the role reads nothing of the kind; lists never contain a row the role may not read;
writes are for coordinators and never reach another groupement. An auditor reads the contracts
granted to her, in whatever groupement; the national reader reads every contract's figures and
nothing personal.

Every route of the app is listed below with the ids it takes in its path, body, query string or
form: each is sent another groupement's id and an id that exists nowhere, and both must get the
same 404 (byte for byte but for the id) naming the field, and write nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from api.pages.web import CSRF_COOKIE, SESSION_COOKIE
from scheduler import feeds, models
from scheduler.auth import create_access_token
from tests.api.conftest import SETTINGS, bearer
from tests.api.factories import World

API = "/api/v1"
ROLES = ["coordinator", "cabinet", "assistant", "auditor", "national"]
READERS = {
    "groupements": {"coordinator", "cabinet", "assistant", "auditor", "national"},
    "assistants": {"coordinator", "assistant"},
    "cabinets": {"coordinator", "cabinet"},
    "doctors": {"coordinator", "cabinet"},
    "consultation-sessions": {"coordinator", "cabinet"},
    "contracts": {"coordinator", "cabinet", "auditor", "national"},
    "travel-times": {"coordinator"},
    "absences": {"coordinator", "assistant"},
}
# What a role reads in every groupement, its own or not.
EVERYWHERE = {("national", "contracts")}
RESOURCES = list(READERS)
WHICH = ["mine", "sibling", "foreign"]


def _target(world: World, other: World, resource: str, which: str) -> int | None:
    """The id of the row: `mine` is owned by the world's cabinet A / assistant X / granted contract."""
    source = other if which == "foreign" else world
    index = 1 if which == "sibling" else 0
    rows: dict[str, list[int]] = {
        "groupements": [source.groupement.id],
        "assistants": [a.id for a in source.assistants],
        "cabinets": [c.id for c in source.cabinets],
        "doctors": [d.id for d in source.doctors],
        "consultation-sessions": [s.id for s in source.consultations],
        "contracts": [c.id for c in source.contracts],
        "travel-times": [source.travel.id],
        "absences": [a.id for a in source.absences],
    }
    found = rows[resource]
    return found[index] if index < len(found) else None


def _expected(role: str, resource: str, which: str) -> int:
    if role not in READERS[resource]:
        return 403
    if (role, resource) in EVERYWHERE:
        return 200
    if which == "foreign":
        return 404
    if which == "sibling" and role != "coordinator":
        return 404
    return 200


@pytest.mark.parametrize("which", WHICH)
@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("role", ROLES)
def test_read_one_never_leaks(
    role: str, resource: str, which: str, client: TestClient, world: World, other_world: World
) -> None:
    key = _target(world, other_world, resource, which)
    if key is None:
        pytest.skip("no sibling row of this kind")
    response = client.get(f"{API}/{resource}/{key}", headers=bearer(world.users[role]))
    assert response.status_code == _expected(role, resource, which), response.text
    if response.status_code != 200:
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_only_readable_rows(
    role: str, resource: str, client: TestClient, world: World, other_world: World
) -> None:
    response = client.get(f"{API}/{resource}", headers=bearer(world.users[role]))
    if role not in READERS[resource]:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    listed = {item["id"] for item in response.json()["items"]}
    assert response.json()["total"] == len(listed)
    readable = {
        key
        for which in WHICH
        if _expected(role, resource, which) == 200
        and (key := _target(world, other_world, resource, which)) is not None
    }
    foreign = {_target(other_world, world, resource, w) for w in ("mine", "sibling")}
    assert readable <= listed
    if (role, resource) in EVERYWHERE:
        assert foreign - {None} <= listed
    else:
        assert not listed & foreign


def _valid_create_body(world: World, resource: str) -> dict[str, Any]:
    """A body a coordinator's create would accept: a refusal cannot hide behind a 422."""
    a, b = world.cabinets
    x, y = world.assistants
    bodies: dict[str, dict[str, Any]] = {
        "assistants": {"code": "zoe", "first_name": "Zoé", "last_name": "Klein"},
        "cabinets": {
            "code": "parc",
            "name": "Maison de santé du Parc",
            "address": "3 rue Haute",
            "postcode": "57070",
            "city": "Metz",
            "department": "57",
            "latitude": "49.100000",
            "longitude": "6.200000",
        },
        "doctors": {
            "cabinet_id": a.id,
            "rpps": "10101010105",
            "first_name": "Paul",
            "last_name": "Henry",
        },
        "contracts": {
            "code": "c-new",
            "name": "Contrat commun",
            "start_date": "2026-02-02",
            "funded_etp": "0.50",
            "assistants": [{"assistant_id": y.id, "weekly_minutes": 1200}],
            "shares": [{"cabinet_id": a.id, "share_bp": 10000}],
        },
        "travel-times": {"origin_id": a.id, "destination_id": b.id, "minutes": 12},
        "consultation-sessions": {
            "cabinet_id": b.id,
            "weekday": 2,
            "start_minute": 840,
            "end_minute": 1080,
        },
        "absences": {
            "assistant_id": x.id,
            "kind": "training",
            "start_at": "2026-04-01T08:00:00+02:00",
            "end_at": "2026-04-01T17:00:00+02:00",
        },
    }
    return bodies[resource]


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("role", ["cabinet", "assistant", "auditor", "national"])
def test_only_coordinators_write(
    role: str, resource: str, client: TestClient, world: World
) -> None:
    key = _target(world, world, resource, "mine")
    headers = {**bearer(world.users[role]), "If-Match": "*"}
    if resource != "groupements":
        body = _valid_create_body(world, resource)
        created = client.post(f"{API}/{resource}", json=body, headers=headers)
        assert created.status_code == 403, created.text
    assert client.patch(f"{API}/{resource}/{key}", json={}, headers=headers).status_code == 403
    assert client.delete(f"{API}/{resource}/{key}", headers=headers).status_code == 403


@pytest.mark.parametrize("resource", [r for r in RESOURCES if r != "groupements"])
def test_the_create_bodies_of_the_matrix_are_valid(
    resource: str, client: TestClient, world: World
) -> None:
    # The refusals above are worth something only if the coordinator's same request passes
    # validation (the world already holds its only pair of cabinets' travel time: 409).
    body = _valid_create_body(world, resource)
    created = client.post(
        f"{API}/{resource}", json=body, headers=bearer(world.users["coordinator"])
    )
    assert created.status_code == (409 if resource == "travel-times" else 201), created.text


@pytest.mark.parametrize("resource", RESOURCES)
def test_coordinator_cannot_touch_another_groupement(
    resource: str, client: TestClient, world: World, other_world: World
) -> None:
    key = _target(world, other_world, resource, "foreign")
    headers = {**bearer(world.users["coordinator"]), "If-Match": "*"}
    assert client.patch(f"{API}/{resource}/{key}", json={}, headers=headers).status_code == 404
    assert client.delete(f"{API}/{resource}/{key}", headers=headers).status_code == 404
    assert client.get(f"{API}/{resource}/{key}", headers=headers).status_code == 404


# --- Planning rows, feeds and every route --------------------------------------------------------


@dataclass
class Planned:
    """A groupement's planning rows: a plan run, a draft and a published rota (one assignment
    each), a change notice, a ledger row and a calendar token."""

    run: models.PlanRun
    draft: models.Rota
    published: models.Rota
    assignment: models.Assignment
    token_id: int
    notice_id: int


def _rota(session: Session, world: World, status: models.RotaStatus) -> models.Rota:
    rota = models.Rota(
        groupement_id=world.groupement.id,
        period_start=date(2026, 12, 7),
        period_days=7,
        revision=1 if status is models.RotaStatus.PUBLISHED else 2,
        solver_status="optimal",
        assignments=[
            models.Assignment(
                assistant_id=world.assistants[0].id,
                contract_id=world.contracts[0].id,
                cabinet_id=world.cabinets[0].id,
                start_at=datetime(2026, 12, 7, 8, tzinfo=UTC),
                end_at=datetime(2026, 12, 7, 12, tzinfo=UTC),
                uid=f"{world.groupement.slug}-{status.value}",
            )
        ],
    )
    session.add(rota)
    session.flush()
    if status is models.RotaStatus.PUBLISHED:  # a published rota's rows are frozen: fill it first
        rota.status = status
        rota.published_at = datetime(2026, 11, 20, tzinfo=UTC)
        session.flush()
    return rota


def _plan(session: Session, world: World) -> Planned:
    published = _rota(session, world, models.RotaStatus.PUBLISHED)
    draft = _rota(session, world, models.RotaStatus.DRAFT)
    run = models.PlanRun(
        groupement_id=world.groupement.id, period_start=date(2026, 12, 7), period_days=7
    )
    a, x, c1 = world.cabinets[0], world.assistants[0], world.contracts[0]
    session.add_all(
        [
            run,
            models.ChangeNotice(
                groupement_id=world.groupement.id,
                rota_id=published.id,
                assistant_id=x.id,
                cabinet_ids=[a.id],
                description="Lundi déplacé",
            ),
            models.LedgerEntry(
                contract_id=c1.id,
                cabinet_id=a.id,
                assistant_id=x.id,
                week_start=date(2026, 12, 7),
                planned_minutes=240,
                delivered_minutes=240,
                rota_id=published.id,
            ),
            models.AuditLog(
                groupement_id=world.groupement.id,
                actor="system",
                action="create",
                entity="rota",
                entity_id=str(published.id),
            ),
        ]
    )
    feeds.create_feed_token(session, models.FeedKind.CABINET, a.id, "Accueil")
    session.flush()
    token_id = session.scalars(
        select(models.FeedToken.id).where(
            models.FeedToken.kind == "cabinet", models.FeedToken.target_id == a.id
        )
    ).one()
    notice_id = session.scalars(
        select(models.ChangeNotice.id).where(models.ChangeNotice.rota_id == published.id)
    ).one()
    return Planned(run, draft, published, draft.assignments[0], token_id, notice_id)


@pytest.fixture
def planned(session: Session, world: World) -> Planned:
    """The planning rows of the groupement the tests act in."""
    return _plan(session, world)


@pytest.fixture
def other_planned(session: Session, other_world: World) -> Planned:
    """The planning rows of the other groupement."""
    return _plan(session, other_world)


def _ids(world: World, plan: Planned) -> dict[str, int]:
    """The id of one row of each kind that a request may name."""
    session = object_session(world.groupement)
    assert session is not None
    grant = session.scalars(
        select(models.AuditorGrant.id).where(
            models.AuditorGrant.contract_id == world.contracts[0].id
        )
    ).one()
    return {
        "groupement": world.groupement.id,
        "cabinet": world.cabinets[0].id,
        "cabinet_b": world.cabinets[1].id,
        "assistant": world.assistants[0].id,
        "doctor": world.doctors[0].id,
        "consultation_session": world.consultations[0].id,
        "contract": world.contracts[0].id,
        "travel_time": world.travel.id,
        "absence": world.absences[0].id,
        "run": plan.run.id,
        "rota": plan.draft.id,
        "published_rota": plan.published.id,
        "assignment": plan.assignment.id,
        "subscription": plan.token_id,
        "user": world.users["assistant"].id,
        "notice": plan.notice_id,
        "share_plan": world.contracts[0].share_plans[0].id,
        "grant": grant,
    }


@dataclass(frozen=True)
class Ref:
    """An id a route takes: where (`path`, `query`, `body` or `form`), its name there (a dotted
    path in a body), and the kind of row it names (a key of `_ids`)."""

    where: str
    name: str
    kind: str


Ids = dict[str, int]


@dataclass(frozen=True)
class Probe:
    """One way to call a route with ids: who calls, with which body, query or form (built from
    the caller's own ids), and which of its ids are each replaced by a foreign and a missing one."""

    refs: tuple[Ref, ...]
    role: str = "coordinator"
    body: Callable[[Ids], dict[str, Any]] | None = None
    query: Callable[[Ids], dict[str, Any]] | None = None
    form: Callable[[Ids], dict[str, Any]] | None = None
    # Web pages answer an HTML page, not a problem: only the status is compared.
    page: bool = False
    label: str = ""


def _path(kind: str, name: str) -> Ref:
    return Ref("path", name, kind)


def _body(kind: str, name: str) -> Ref:
    return Ref("body", name, kind)


def _query(kind: str, name: str) -> Ref:
    return Ref("query", name, kind)


def _by_id(resource: str, kind: str, name: str) -> dict[str, list[Probe]]:
    """GET, PATCH and DELETE of one row of a resource."""
    route = f"{API}/{resource}/{{{name}}}"
    probe = Probe((_path(kind, name),), body=lambda _: {})
    return {f"GET {route}": [probe], f"PATCH {route}": [probe], f"DELETE {route}": [probe]}


def _edit(op: str, *names: str, **fields: Any) -> Probe:
    kinds = {
        "assignment_id": "assignment",
        "cabinet_id": "cabinet",
        "assistant_id": "assistant",
        "contract_id": "contract",
    }

    times = {"start": "2026-12-07T09:00:00+01:00", "end": "2026-12-07T12:00:00+01:00"}

    def body(ids: Ids) -> dict[str, Any]:
        return {
            "op": op,
            **{name: ids[kinds[name]] for name in kinds if name in names},
            **(times if op in ("move", "add") else {}),
            **fields,
        }

    refs = (_path("rota", "rota_id"), *(_body(kinds[name], name) for name in names))
    return Probe(refs, body=body, label=op)


def _subscribe(kind: str, key: str, role: str = "coordinator") -> Probe:
    return Probe(
        (_body(key, "target_id"),),
        role=role,
        body=lambda ids: {"kind": kind, "target_id": ids[key], "subscriber": "Accueil"},
        label=f"{kind} by {role}",
    )


def _report(role: str) -> Probe:
    return Probe(
        (_path("contract", "contract_id"),),
        role=role,
        query=lambda _: {"period": "Y1"},
        label=role,
    )


ID_ROUTES: dict[str, list[Probe]] = {
    **_by_id("groupements", "groupement", "groupement_id"),
    **_by_id("assistants", "assistant", "assistant_id"),
    **_by_id("cabinets", "cabinet", "cabinet_id"),
    **_by_id("doctors", "doctor", "doctor_id"),
    **_by_id("contracts", "contract", "contract_id"),
    **_by_id("travel-times", "travel_time", "travel_time_id"),
    **_by_id("consultation-sessions", "consultation_session", "consultation_session_id"),
    **_by_id("absences", "absence", "absence_id"),
    f"POST {API}/users": [
        Probe(
            (
                _body("cabinet", "cabinet_id"),
                _body("assistant", "assistant_id"),
                _body("contract", "granted_contract_ids.0"),
            ),
            body=lambda ids: {
                "email": "nouveau@test.fr",
                "full_name": "Nouveau",
                "password": "correct horse battery",
                "role": "cabinet",
                "cabinet_id": ids["cabinet"],
                "assistant_id": ids["assistant"],
                "granted_contract_ids": [ids["contract"]],
            },
        )
    ],
    f"POST {API}/users/{{user_id}}/unlock": [Probe((_path("user", "user_id"),))],
    f"POST {API}/users/invitations": [
        Probe(
            (_body("cabinet", "cabinet_id"), _body("contract", "granted_contract_ids.0")),
            body=lambda ids: {
                "email": "invitee@test.fr",
                "full_name": "Invitée",
                "role": "cabinet",
                "cabinet_id": ids["cabinet"],
                "granted_contract_ids": [ids["contract"]],
            },
        )
    ],
    f"POST {API}/users/{{user_id}}/invitation": [Probe((_path("user", "user_id"),))],
    f"POST {API}/users/{{user_id}}/deactivate": [Probe((_path("user", "user_id"),))],
    f"GET {API}/doctors": [Probe((_query("cabinet", "cabinet_id"),))],
    f"POST {API}/doctors": [
        Probe(
            (_body("cabinet", "cabinet_id"),),
            body=lambda ids: {
                "cabinet_id": ids["cabinet"],
                "rpps": "10101010105",
                "first_name": "Paul",
                "last_name": "Henry",
            },
        )
    ],
    f"PATCH {API}/doctors/{{doctor_id}}": [
        Probe(
            (_path("doctor", "doctor_id"), _body("cabinet", "cabinet_id")),
            body=lambda ids: {"cabinet_id": ids["cabinet"]},
            label="moved",
        ),
    ],
    f"POST {API}/contracts": [
        Probe(
            (
                _body("cabinet", "shares.0.cabinet_id"),
                _body("assistant", "assistants.0.assistant_id"),
            ),
            body=lambda ids: {
                "code": "c-new",
                "name": "Contrat commun",
                "start_date": "2026-02-02",
                "funded_etp": "0.50",
                "assistants": [{"assistant_id": ids["assistant"], "weekly_minutes": 1200}],
                "shares": [{"cabinet_id": ids["cabinet"], "share_bp": 10000}],
            },
        )
    ],
    f"PATCH {API}/contracts/{{contract_id}}": [
        Probe(
            (_path("contract", "contract_id"), _body("assistant", "assistants.0.assistant_id")),
            body=lambda ids: {
                "assistants": [{"assistant_id": ids["assistant"], "weekly_minutes": 1200}]
            },
            label="assistants",
        ),
    ],
    f"POST {API}/contracts/{{contract_id}}/share-plans": [
        Probe(
            (_path("contract", "contract_id"), _body("cabinet", "shares.0.cabinet_id")),
            body=lambda ids: {
                "valid_from": "2026-06-01",
                "shares": [{"cabinet_id": ids["cabinet"], "share_bp": 10000}],
            },
        )
    ],
    f"DELETE {API}/contracts/{{contract_id}}/share-plans/{{plan_id}}": [
        Probe((_path("contract", "contract_id"), _path("share_plan", "plan_id")))
    ],
    f"GET {API}/contracts/{{contract_id}}/auditor-grants": [
        Probe((_path("contract", "contract_id"),))
    ],
    f"POST {API}/contracts/{{contract_id}}/auditor-grants": [
        Probe((_path("contract", "contract_id"),), body=lambda _: {"email": "cpam@example.fr"})
    ],
    f"DELETE {API}/contracts/{{contract_id}}/auditor-grants/{{grant_id}}": [
        Probe((_path("contract", "contract_id"), _path("grant", "grant_id")))
    ],
    f"PUT {API}/contracts/{{contract_id}}/doctors/{{doctor_id}}": [
        Probe(
            (_path("contract", "contract_id"), _path("doctor", "doctor_id")),
            body=lambda _: {"valid_from": "2026-06-01"},
        )
    ],
    f"DELETE {API}/contracts/{{contract_id}}/doctors/{{doctor_id}}": [
        Probe((_path("contract", "contract_id"), _path("doctor", "doctor_id")))
    ],
    f"GET {API}/contracts/{{contract_id}}/report": [
        _report("coordinator"),
        _report("cabinet"),
        _report("auditor"),
    ],
    f"GET {API}/travel-times": [Probe((_query("cabinet", "cabinet_id"),))],
    f"POST {API}/travel-times": [
        Probe(
            (_body("cabinet", "origin_id"), _body("cabinet_b", "destination_id")),
            body=lambda ids: {
                "origin_id": ids["cabinet"],
                "destination_id": ids["cabinet_b"],
                "minutes": 12,
            },
        )
    ],
    f"GET {API}/consultation-sessions": [Probe((_query("cabinet", "cabinet_id"),))],
    f"POST {API}/consultation-sessions": [
        Probe(
            (_body("cabinet", "cabinet_id"), _body("doctor", "doctor_id")),
            body=lambda ids: {
                "cabinet_id": ids["cabinet"],
                "doctor_id": ids["doctor"],
                "weekday": 2,
                "start_minute": 840,
                "end_minute": 1080,
            },
        )
    ],
    f"PATCH {API}/consultation-sessions/{{consultation_session_id}}": [
        Probe(
            (
                _path("consultation_session", "consultation_session_id"),
                _body("doctor", "doctor_id"),
            ),
            body=lambda ids: {"doctor_id": ids["doctor"]},
            label="doctor",
        ),
    ],
    f"GET {API}/absences": [Probe((_query("assistant", "assistant_id"),))],
    f"POST {API}/absences": [
        Probe(
            (_body("assistant", "assistant_id"),),
            body=lambda ids: {
                "assistant_id": ids["assistant"],
                "kind": "training",
                "start_at": "2026-04-01T08:00:00+02:00",
                "end_at": "2026-04-01T17:00:00+02:00",
            },
        )
    ],
    f"POST {API}/plan-runs": [
        Probe(
            (_body("rota", "based_on_id"),),
            body=lambda ids: {"period_start": "2026-12-07", "based_on_id": ids["rota"]},
        )
    ],
    f"GET {API}/plan-runs/{{run_id}}": [Probe((_path("run", "run_id"),))],
    f"POST {API}/plan-runs/{{run_id}}/cancel": [Probe((_path("run", "run_id"),))],
    f"GET {API}/rotas/{{rota_id}}": [
        Probe((_path("rota", "rota_id"),)),
        Probe((_path("published_rota", "rota_id"),), role="cabinet", label="cabinet"),
    ],
    f"GET {API}/rotas/{{rota_id}}/violations": [Probe((_path("rota", "rota_id"),))],
    f"POST {API}/rotas/{{rota_id}}/edits": [
        _edit("move", "assignment_id", "cabinet_id"),
        _edit("add", "assistant_id", "contract_id", "cabinet_id"),
        _edit("delete", "assignment_id"),
        _edit("pin", "assignment_id"),
    ],
    f"POST {API}/rotas/{{rota_id}}/publish": [
        Probe((_path("rota", "rota_id"),), body=lambda _: {})
    ],
    f"GET {API}/change-notices": [
        Probe((_query("published_rota", "rota_id"),)),
        Probe((_query("published_rota", "rota_id"),), role="assistant", label="assistant"),
    ],
    f"GET {API}/ledger": [
        Probe((_query("contract", "contract_id"), _query("cabinet", "cabinet_id"))),
        Probe((_query("cabinet", "cabinet_id"),), role="cabinet", label="cabinet"),
        Probe((_query("contract", "contract_id"),), role="auditor", label="auditor"),
    ],
    f"POST {API}/subscriptions": [
        _subscribe("cabinet", "cabinet"),
        _subscribe("assistant", "assistant"),
        _subscribe("groupement", "groupement"),
        _subscribe("cabinet", "cabinet", role="cabinet"),
        _subscribe("assistant", "assistant", role="assistant"),
    ],
    f"DELETE {API}/subscriptions/{{subscription_id}}": [
        Probe((_path("subscription", "subscription_id"),))
    ],
    f"POST {API}/patientele/snapshots": [
        Probe(
            (_body("doctor", "doctor_id"),),
            body=lambda ids: {
                "doctor_id": ids["doctor"],
                "snapshot_date": "2026-11-01",
                "pmt": 1045,
                "file_active": 1514,
            },
        )
    ],
    # Web pages: an HTML page with the status of the API's answer.
    "GET /planning/calculs/{run_id}": [Probe((_path("run", "run_id"),), page=True)],
    "POST /planning/calculs": [
        Probe(
            (Ref("form", "base", "rota"),),
            form=lambda ids: {"semaine": "2026-12-07", "base": ids["rota"]},
            page=True,
        )
    ],
    "POST /planning/{rota_id}/deplacer": [
        Probe(
            (
                _path("rota", "rota_id"),
                Ref("form", "affectation", "assignment"),
                Ref("form", "cabinet", "cabinet"),
            ),
            form=lambda ids: {
                "affectation": ids["assignment"],
                "jour": "2026-12-07",
                "debut": "09:00",
                "fin": "12:00",
                "cabinet": ids["cabinet"],
            },
            page=True,
        )
    ],
    "POST /planning/{rota_id}/epingler": [
        Probe(
            (_path("rota", "rota_id"), Ref("form", "affectation", "assignment")),
            form=lambda ids: {"affectation": ids["assignment"]},
            page=True,
        )
    ],
    "POST /mon-planning/avis/{notice_id}/confirmation": [
        Probe((_path("notice", "notice_id"),), role="assistant", form=lambda _: {}, page=True)
    ],
    "POST /planning/{rota_id}/publier": [
        Probe((_path("rota", "rota_id"),), form=lambda _: {}, page=True)
    ],
    # Its assistant and cabinet are checked against the page's own lists: a foreign one and a
    # missing one get the same "choisissez dans la liste" next to the field.
    "POST /planning/{rota_id}/ajouter": [
        Probe(
            (_path("rota", "rota_id"),),
            form=lambda ids: {
                "assistante": ids["assistant"],
                "cabinet": ids["cabinet"],
                "jour": "2026-12-07",
                "debut": "09:00",
                "fin": "12:00",
            },
            page=True,
        )
    ],
    "POST /planning/{rota_id}/supprimer": [
        Probe(
            (_path("rota", "rota_id"), Ref("form", "affectation", "assignment")),
            form=lambda ids: {"affectation": ids["assignment"]},
            page=True,
        )
    ],
    "POST /planning/calculs/{run_id}/annuler": [
        Probe((_path("run", "run_id"),), form=lambda _: {}, page=True)
    ],
    "GET /contrats": [Probe((_query("contract", "contrat"),), page=True)],
    "POST /utilisateurs/{user_id}/relance": [
        Probe((_path("user", "user_id"),), form=lambda _: {}, page=True)
    ],
    "POST /utilisateurs/{user_id}/desactivation": [
        Probe((_path("user", "user_id"),), form=lambda _: {}, page=True)
    ],
    # The set-up pages: a foreign row is a missing one, and nothing is written.
    **{
        f"{method} {path}": [
            Probe(
                (_path(kind, name), *((_path(*child),) if child else ())),
                form=(lambda _: {"version": "1"}) if method == "POST" else None,
                page=True,
            )
        ]
        for method, path, kind, name, child in (
            ("GET", "/cabinets/{cabinet_id}", "cabinet", "cabinet_id", None),
            ("POST", "/cabinets/{cabinet_id}", "cabinet", "cabinet_id", None),
            ("POST", "/cabinets/{cabinet_id}/supprimer", "cabinet", "cabinet_id", None),
            ("POST", "/cabinets/{cabinet_id}/seances", "cabinet", "cabinet_id", None),
            (
                "POST",
                "/cabinets/{cabinet_id}/seances/{session_id}/supprimer",
                "cabinet",
                "cabinet_id",
                ("consultation_session", "session_id"),
            ),
            ("GET", "/medecins/{doctor_id}", "doctor", "doctor_id", None),
            ("POST", "/medecins/{doctor_id}", "doctor", "doctor_id", None),
            ("POST", "/medecins/{doctor_id}/supprimer", "doctor", "doctor_id", None),
            ("GET", "/assistantes/{assistant_id}", "assistant", "assistant_id", None),
            ("POST", "/assistantes/{assistant_id}", "assistant", "assistant_id", None),
            ("POST", "/assistantes/{assistant_id}/supprimer", "assistant", "assistant_id", None),
            ("GET", "/assistantes/{assistant_id}/absences", "assistant", "assistant_id", None),
            ("POST", "/assistantes/{assistant_id}/absences", "assistant", "assistant_id", None),
            (
                "POST",
                "/assistantes/{assistant_id}/absences/{absence_id}",
                "assistant",
                "assistant_id",
                ("absence", "absence_id"),
            ),
            (
                "POST",
                "/assistantes/{assistant_id}/absences/{absence_id}/retirer",
                "assistant",
                "assistant_id",
                ("absence", "absence_id"),
            ),
            ("GET", "/contrats/gestion/{contract_id}", "contract", "contract_id", None),
            ("POST", "/contrats/gestion/{contract_id}", "contract", "contract_id", None),
            ("POST", "/contrats/gestion/{contract_id}/parts", "contract", "contract_id", None),
            (
                "POST",
                "/contrats/gestion/{contract_id}/parts/{plan_id}/supprimer",
                "contract",
                "contract_id",
                ("share_plan", "plan_id"),
            ),
            ("GET", "/contrats/gestion/{contract_id}/acces", "contract", "contract_id", None),
            ("POST", "/contrats/gestion/{contract_id}/acces", "contract", "contract_id", None),
            (
                "POST",
                "/contrats/gestion/{contract_id}/acces/{grant_id}/retrait",
                "contract",
                "contract_id",
                ("grant", "grant_id"),
            ),
            ("POST", "/trajets/{travel_time_id}", "travel_time", "travel_time_id", None),
        )
    },
    # A cabinet's legs: another groupement's cabinet is a missing one.
    "GET /trajets": [Probe((_query("cabinet", "cabinet"),), page=True)],
    "GET /medecins": [Probe((_query("cabinet", "cabinet"),), page=True)],
    "GET /controle/contrats/{contract_id}/rapport.{fmt}": [
        Probe(
            (_path("contract", "contract_id"),),
            role="auditor",
            query=lambda _: {"periode": "Y1"},
            page=True,
        )
    ],
}

# Routes that take no id of a row the caller names, and why.
NO_ID_ROUTES: dict[str, str] = {
    f"GET {API}/openapi.json": "the API's description",
    f"GET {API}/docs": "the API's documentation page",
    f"POST {API}/auth/token": "sign-in by e-mail and password",
    f"GET {API}/auth/me": "the caller",
    f"GET {API}/users": "the caller's groupement, no filter",
    f"GET {API}/audit": "entity_id filters the caller's own audit log as text",
    f"GET {API}/groupements": "the caller's groupement, no filter",
    f"GET {API}/assistants": "filters by code and name",
    f"POST {API}/assistants": "names no other row",
    f"GET {API}/cabinets": "filters by code, city and department",
    f"POST {API}/cabinets": "names no other row",
    f"GET {API}/contracts": "filters by code and kind",
    f"POST {API}/travel-times-estimates": "every pair of the caller's cabinets",
    f"GET {API}/plan-runs": "the caller's groupement, no filter",
    f"GET {API}/rotas": "filters by week and status",
    f"GET {API}/subscriptions": "the caller's links, no filter",
    f"POST {API}/patientele/imports": "names doctors by RPPS: test_patientele checks that another "
    "groupement's is answered as an unknown one",
    f"POST {API}/evaluation/reference-doctors/imports": "names départements, not rows: an "
    "auditor's are those of her granted contracts (test_reference_imports_by_role below)",
    f"POST {API}/evaluation/reference-series/imports": "the same",
    f"GET {API}/national/evaluation": "every contract, the national reader's alone "
    "(test_national_evaluation)",
    f"GET {API}/national/evaluation/sha256": "the same",
    f"POST {API}/national/replans": "every groupement, the national reader's alone "
    "(tests/api/test_national_replan.py)",
    f"GET {API}/national/replans/{{week}}": "the same",
    "GET /feeds/{token}.ics": "a secret token, not an id (test_feed_routes)",
    "HEAD /feeds/{token}.ics": "a secret token, not an id (test_feed_routes)",
    "GET /feeds/{path}": "any other feed address: the usual 404 (test_feed_clients)",
    "HEAD /feeds/{path}": "any other feed address: the usual 404 (test_feed_clients)",
    "GET /livez": "liveness",
    "GET /readyz": "readiness",
    "GET /metrics": "metrics",
    "GET /": "home page",
    "GET /connexion": "sign-in page",
    "POST /connexion": "sign-in form",
    "GET /premiere-connexion": "first run: no user yet and the one-time token (test_first_run.py)",
    "POST /premiere-connexion": "first run form: the same (test_first_run.py)",
    "GET /invitation": "an invitation's secret token, not an id (test_account_pages.py)",
    "POST /invitation": "the invitation's password form: the same (test_account_pages.py)",
    "GET /utilisateurs": "the caller's groupement's users",
    "POST /utilisateurs": "a foreign cabinet or assistant is named next to its field as a missing "
    "one is (test_account_pages.py)",
    "POST /deconnexion": "sign-out form",
    "GET /planning": "a `rota` naming no rota of the week shows the week's own, foreign or missing",
    "GET /cabinet": "the caller's cabinet",
    "POST /cabinet/abonnement": "the caller's cabinet",
    "GET /mon-planning": "the caller's own rota",
    "POST /mon-planning/abonnement": "the caller's own feed",
    "GET /controle": "the auditor's granted contracts",
    "GET /evaluation-nationale": "every contract, the national reader's alone "
    "(tests/api/test_national_evaluation.py)",
    "GET /evaluation-nationale/export.{name}": "the same, as a download",
    "GET /replanification-nationale": "every groupement's re-plan, the national reader's alone "
    "(tests/api/test_national_replan.py)",
    "GET /parametres": "the caller's groupement",
    "POST /parametres": "the caller's groupement",
    "GET /cabinets": "searches the caller's cabinets by text",
    "GET /cabinets/nouveau": "an empty form",
    "POST /cabinets/nouveau": "names no other row",
    "GET /medecins/nouveau": "`cabinet` only preselects one of the caller's cabinets in its list",
    "POST /medecins/nouveau": "its cabinet is the service's to check: a foreign one and a missing "
    "one get the same « introuvable » next to the field (test_setup_pages)",
    "GET /assistantes": "searches the caller's assistants by name",
    "GET /imports": "the upload forms of the imports the caller makes",
    "POST /imports/{slug}": "a file of the caller's own import: RPPS and départements as the CSV "
    "imports check them (test_import_pages)",
    "GET /imports/{slug}/{key}": "a preview's random key, not an id: another user's or "
    "groupement's is a missing page (test_import_pages, test_import_previews)",
    "POST /imports/{slug}/{key}/confirmation": "the same",
    "GET /assistantes/nouvelle": "an empty form",
    "POST /assistantes/nouvelle": "names no other row",
    "GET /contrats/gestion": "searches the caller's contracts by text",
    "GET /contrats/gestion/nouveau": "an empty form",
    "POST /contrats/gestion/nouveau": "its shares name the caller's own cabinets only, and its "
    "assistants are the service's to check: a foreign one and a missing one get the same words "
    "next to the field (test_contract_pages)",
    "POST /trajets/estimation": "every pair of the caller's cabinets",
    "POST /trajets/nouveau": "its cabinets are the service's to check: a foreign one and a "
    "missing one get the same « introuvable » next to the field (test_contract_pages)",
}

MISSING = 2_147_480_000  # an id that exists nowhere (and within the ids the API accepts)


def _app_routes(app: FastAPI) -> Iterator[str]:
    """`METHOD path` of every route the app answers, those of included routers too."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            for context in contexts():
                for method in getattr(context.original_route, "methods", None) or ():
                    yield f"{method} {context.path_format}"
            continue
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD" or "GET" not in route.methods:  # type: ignore[attr-defined]
                yield f"{method} {route.path}"  # type: ignore[attr-defined]


def test_every_route_is_in_the_matrix(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    routes = set(_app_routes(app))
    assert f"POST {API}/subscriptions" in routes and "GET /controle" in routes
    unlisted = routes - set(ID_ROUTES) - set(NO_ID_ROUTES)
    assert not unlisted, f"routes to add to ID_ROUTES or NO_ID_ROUTES: {sorted(unlisted)}"
    gone = (set(ID_ROUTES) | set(NO_ID_ROUTES)) - routes
    assert not gone, f"routes listed but not served: {sorted(gone)}"
    assert not set(ID_ROUTES) & set(NO_ID_ROUTES)


def _set(body: dict[str, Any], dotted: str, value: int) -> None:
    *parents, last = [int(p) if p.isdigit() else p for p in dotted.split(".")]
    target: Any = body
    for part in parents:
        target = target[part]
    target[last] = value


def _loc(ref: Ref) -> list[str | int]:
    return [ref.where, *(int(p) if p.isdigit() else p for p in ref.name.split("."))]


def _counts(session: Session) -> dict[str, int]:
    """Rows of every table a request could write to."""
    tables = (
        models.AuditLog,
        models.FeedToken,
        models.User,
        models.AuditorGrant,
        models.Doctor,
        models.ConsultationSession,
        models.Absence,
        models.TravelTime,
        models.PooledContract,
        models.SharePlan,
        models.ContractAssistant,
        models.PlanRun,
        models.Rota,
        models.Assignment,
        models.PatienteleSnapshot,
    )
    counted = select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables))
    return dict(zip((t.__tablename__ for t in tables), session.execute(counted).one(), strict=True))


@dataclass(frozen=True)
class Sent:
    """What a request was answered."""

    status: int
    text: str
    content_type: str


CSRF = "c" * 43


def _send(
    client: TestClient, route: str, probe: Probe, ids: Ids, ref: Ref, key: int, user: models.User
) -> Sent:
    """Call `route` with the caller's own ids, `ref` replaced by `key`."""
    method, template = route.split(" ", 1)
    values = {r.name: key if r is ref else ids[r.kind] for r in probe.refs}
    path = re.sub(r"\{(\w+)\}", lambda m: str(values.get(m[1], "csv")), template)  # fmt: csv
    query = probe.query(ids) if probe.query else {}
    query.update({r.name: values[r.name] for r in probe.refs if r.where == "query"})
    body = probe.body(ids) if probe.body else None
    form = probe.form(ids) if probe.form else None
    if ref.where == "body":
        assert body is not None
        _set(body, ref.name, key)
    if ref.where == "form":
        assert form is not None
        form[ref.name] = key
    headers = {"If-Match": "*"}
    client.cookies.clear()
    if probe.page:
        client.cookies.set(SESSION_COOKIE, create_access_token(user, SETTINGS))
        client.cookies.set(CSRF_COOKIE, CSRF)
        if form is not None:
            form["csrf_token"] = CSRF
    else:
        headers.update(bearer(user))
    response = client.request(
        method, path, params=query, json=body, data=form, headers=headers, follow_redirects=False
    )
    return Sent(response.status_code, response.text, response.headers.get("content-type", ""))


def _normalised(text: str, key: int) -> Any:
    """The problem with the id written `<id>` wherever it stands alone."""
    return json.loads(re.sub(rf"(?<![\w.]){key}(?![\w.])", "<id>", text))


def _check(
    client: TestClient,
    session: Session,
    route: str,
    probe: Probe,
    ours: Ids,
    theirs: Ids,
    user: models.User,
) -> list[str]:
    """What is wrong in the answers of `route` to each of its ids made foreign, then missing."""
    wrong: list[str] = []
    if route.startswith("GET "):
        # The caller's own ids are answered: the 404s below come from the id, not the request.
        own = _send(client, route, probe, ours, probe.refs[0], ours[probe.refs[0].kind], user)
        if own.status != 200:
            wrong.append(f"{route} [{probe.label or probe.role}]: own ids answered {own.status}")
    for ref in probe.refs:
        where = f"{route} [{probe.label or probe.role}] {ref.where}.{ref.name}"
        before = _counts(session)
        foreign = _send(client, route, probe, ours, ref, theirs[ref.kind], user)
        missing = _send(client, route, probe, ours, ref, MISSING, user)
        if _counts(session) != before:
            wrong.append(f"{where}: a row was written")
        if not foreign.status == missing.status == 404:
            wrong.append(f"{where}: foreign {foreign.status}, missing {missing.status}")
            continue
        if probe.page:
            continue
        problem = _normalised(foreign.text, theirs[ref.kind])
        if foreign.content_type != "application/problem+json":
            wrong.append(f"{where}: not a problem ({foreign.content_type})")
        elif problem != _normalised(missing.text, MISSING):
            wrong.append(f"{where}: {foreign.text} differs from {missing.text}")
        elif [e["loc"] for e in problem.get("errors", [])] != [_loc(ref)]:
            wrong.append(f"{where}: the field is not named: {foreign.text}")
    return wrong


def _check_all(
    client: TestClient,
    session: Session,
    worlds: tuple[World, World],
    plans: tuple[Planned, Planned],
    *,
    pages: bool,
) -> list[str]:
    # Staged rows are committed (into the test's outer transaction) as a real groupement's are:
    # a page that rolls its failed write back must not take them along.
    session.commit()
    ours, theirs = _ids(worlds[0], plans[0]), _ids(worlds[1], plans[1])
    wrong: list[str] = []
    for route, probes in ID_ROUTES.items():
        for probe in probes:
            if probe.page is pages:
                user = worlds[0].users[probe.role]
                wrong += _check(client, session, route, probe, ours, theirs, user)
    return wrong


def test_a_foreign_id_is_answered_as_a_missing_one(
    client: TestClient,
    session: Session,
    world: World,
    other_world: World,
    planned: Planned,
    other_planned: Planned,
) -> None:
    # One test for every route (the worlds are staged once): each problem is listed.
    worlds, plans = (world, other_world), (planned, other_planned)
    wrong = _check_all(client, session, worlds, plans, pages=False)
    assert not wrong, "\n".join(wrong)


def test_a_page_answers_a_foreign_id_as_a_missing_one(
    client: TestClient,
    session: Session,
    world: World,
    other_world: World,
    planned: Planned,
    other_planned: Planned,
) -> None:
    worlds, plans = (world, other_world), (planned, other_planned)
    wrong = _check_all(client, session, worlds, plans, pages=True)
    assert not wrong, "\n".join(wrong)


# Each list of the planning workflow, and the table its rows come from (a ledger row: its contract).
WORKFLOW_LISTS: dict[str, tuple[str, type[models.Base]]] = {
    "/plan-runs": ("items", models.PlanRun),
    "/rotas": ("items", models.Rota),
    "/change-notices": ("items", models.ChangeNotice),
    "/ledger": ("entries", models.PooledContract),
    "/users": ("items", models.User),
    "/audit": ("items", models.AuditLog),
}


@pytest.mark.parametrize("role", ROLES)
def test_workflow_lists_stay_in_the_groupement(
    role: str,
    client: TestClient,
    session: Session,
    world: World,
    other_world: World,
    planned: Planned,
    other_planned: Planned,
) -> None:
    for path, (member, model) in WORKFLOW_LISTS.items():
        response = client.get(f"{API}{path}", headers=bearer(other_world.users[role]))
        assert response.status_code in (200, 403), (path, response.text)
        if response.status_code == 403:
            continue
        key = "contract_id" if path == "/ledger" else "id"
        listed = {item[key] for item in response.json()[member]}
        # The rows carry no groupement: each is looked up, and must be the caller's groupement's.
        column = model.groupement_id  # type: ignore[attr-defined]
        owners = set(session.scalars(select(column).where(model.id.in_(listed))))  # type: ignore[attr-defined]
        if role == "national":
            # Her only list is the figures of every groupement (the rest is refused).
            assert path == "/ledger", path
            assert owners == {world.groupement.id, other_world.groupement.id}, listed
            continue
        assert owners <= {other_world.groupement.id}, (path, listed)
        if role == "coordinator":
            assert listed, f"{path}: the coordinator's list is empty, the check proves nothing"


def test_no_token_is_401(client: TestClient, world: World) -> None:
    response = client.get(f"{API}/assistants")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["status"] == 401


# --- The auditor's grants in another groupement, and the national reader -----------------------


@pytest.fixture
def granted_elsewhere(session: Session, world: World, other_world: World) -> models.PooledContract:
    """The other groupement's first contract, granted to the world's auditor as well."""
    contract = other_world.contracts[0]
    session.add(models.AuditorGrant(user_id=world.users["auditor"].id, contract_id=contract.id))
    session.flush()
    return contract


def _contract_ids(client: TestClient, headers: dict[str, str]) -> set[int]:
    listed = client.get(f"{API}/contracts", headers=headers, params={"limit": 100})
    assert listed.status_code == 200, listed.text
    return {item["id"] for item in listed.json()["items"]}


def _report_status(client: TestClient, headers: dict[str, str], contract_id: int) -> int:
    answer = client.get(
        f"{API}/contracts/{contract_id}/report", params={"period": "Y1"}, headers=headers
    )
    status: int = answer.status_code
    return status


def _ledger_contracts(client: TestClient, headers: dict[str, str], **query: int) -> set[int]:
    answer = client.get(f"{API}/ledger", params=query, headers=headers)
    assert answer.status_code == 200, answer.text
    return {entry["contract_id"] for entry in answer.json()["entries"]}


def _page(client: TestClient, user: models.User, path: str, **query: str) -> Sent:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, create_access_token(user, SETTINGS))
    response = client.get(path, params=query, follow_redirects=False)
    client.cookies.clear()
    return Sent(response.status_code, response.text, response.headers.get("content-type", ""))


def test_an_auditor_reads_the_contracts_granted_to_her_in_another_groupement(
    client: TestClient,
    world: World,
    other_world: World,
    planned: Planned,
    other_planned: Planned,
    granted_elsewhere: models.PooledContract,
) -> None:
    auditor = world.users["auditor"]
    headers = bearer(auditor)
    own, granted = world.contracts[0].id, granted_elsewhere.id
    # The API: the contract and the list, the report and the ledger.
    assert client.get(f"{API}/contracts/{granted}", headers=headers).status_code == 200
    assert _contract_ids(client, headers) == {own, granted}
    assert _report_status(client, headers, granted) == 200
    assert _ledger_contracts(client, headers, contract_id=granted) == {granted}
    assert _ledger_contracts(client, headers) == {own, granted}
    # The pages: the review lists it, and its report downloads.
    review = _page(client, auditor, "/controle")
    assert review.status == 200
    assert granted_elsewhere.code in review.text and world.contracts[0].code in review.text
    download = _page(client, auditor, f"/controle/contrats/{granted}/rapport.csv", periode="Y1")
    assert download.status == 200, download.text
    # Her grant opens the contract's figures, not its groupement's rotas, rows or feeds.
    rota = other_planned.published.id
    assert client.get(f"{API}/rotas/{rota}", headers=headers).status_code == 403
    assert (
        client.get(f"{API}/groupements/{other_world.groupement.id}", headers=headers).status_code
        == 404
    )
    assert (
        client.get(f"{API}/cabinets/{other_world.cabinets[0].id}", headers=headers).status_code
        == 403
    )
    body = {"kind": "groupement", "target_id": other_world.groupement.id, "subscriber": "CPAM"}
    assert client.post(f"{API}/subscriptions", json=body, headers=headers).status_code == 404


def test_an_auditor_reads_the_audit_trail_of_her_contracts_and_nothing_else(
    client: TestClient,
    world: World,
    other_world: World,
    granted_elsewhere: models.PooledContract,
) -> None:
    # Each groupement's coordinator renames two contracts: the one granted to the auditor and
    # another; the world's coordinator also creates a cabinet.
    for coordinator, contracts in (
        (world.users["coordinator"], (world.contracts[0], world.contracts[1])),
        (other_world.users["coordinator"], (granted_elsewhere, other_world.contracts[1])),
    ):
        for contract in contracts:
            read = client.get(f"{API}/contracts/{contract.id}", headers=bearer(coordinator))
            renamed = client.patch(
                f"{API}/contracts/{contract.id}",
                json={"name": f"{contract.name} (renommé)"},
                headers={**bearer(coordinator), "If-Match": read.headers["ETag"]},
            )
            assert renamed.status_code == 200, renamed.text
    auditor = world.users["auditor"]
    trail = client.get(f"{API}/audit", params={"limit": 200}, headers=bearer(auditor))
    assert trail.status_code == 200
    rows = trail.json()["items"]
    assert {(r["entity"], r["entity_id"]) for r in rows} == {
        ("contract", str(world.contracts[0].id)),
        ("contract", str(granted_elsewhere.id)),
    }
    # The coordinator's log is still her whole groupement's, the national reader reads none.
    coordinator = client.get(
        f"{API}/audit", params={"limit": 200}, headers=bearer(world.users["coordinator"])
    ).json()["items"]
    assert ("contract", str(world.contracts[1].id)) in {
        (r["entity"], r["entity_id"]) for r in coordinator
    }
    assert str(granted_elsewhere.id) not in {r["entity_id"] for r in coordinator}
    national = client.get(f"{API}/audit", headers=bearer(world.users["national"]))
    assert national.status_code == 403
    # The review page shows each granted contract's journal.
    review = _page(client, auditor, "/controle")
    assert f'id="trail-{granted_elsewhere.id}"' in review.text
    assert "Journal du contrat (1 entrée)" in review.text
    assert "modification" in review.text


def test_an_auditor_is_refused_the_contracts_not_granted_to_her(
    client: TestClient,
    world: World,
    other_world: World,
    planned: Planned,
    other_planned: Planned,
    granted_elsewhere: models.PooledContract,
) -> None:
    auditor = world.users["auditor"]
    headers = bearer(auditor)
    # Neither her own groupement's other contract, nor the other groupement's other one.
    for refused in (world.contracts[1].id, other_world.contracts[1].id):
        assert client.get(f"{API}/contracts/{refused}", headers=headers).status_code == 404
        assert _report_status(client, headers, refused) == 404
        ledger = client.get(f"{API}/ledger", params={"contract_id": refused}, headers=headers)
        assert ledger.status_code == 404
        path = f"/controle/contrats/{refused}/rapport.csv"
        assert _page(client, auditor, path, periode="Y1").status == 404
    review = _page(client, auditor, "/controle")
    assert world.contracts[1].code not in review.text
    assert other_world.contracts[1].code not in review.text


def test_the_national_reader_reads_every_contracts_figures(
    client: TestClient, world: World, other_world: World, planned: Planned, other_planned: Planned
) -> None:
    national = world.users["national"]
    headers = bearer(national)
    every = {c.id for w in (world, other_world) for c in w.contracts}
    assert every <= _contract_ids(client, headers)
    for contract_id in every:
        assert _report_status(client, headers, contract_id) == 200
    # The whole report, as the coordinator reads it, not a member's cut.
    contract = other_world.contracts[0].id
    ours = client.get(
        f"{API}/contracts/{contract}/report", params={"period": "Y1"}, headers=headers
    )
    theirs = client.get(
        f"{API}/contracts/{contract}/report",
        params={"period": "Y1"},
        headers=bearer(other_world.users["coordinator"]),
    )
    assert ours.json()["figures"] == theirs.json()["figures"]
    ledgered = {world.contracts[0].id, other_world.contracts[0].id}
    assert _ledger_contracts(client, headers) == ledgered
    assert _ledger_contracts(client, headers, contract_id=contract) == {contract}
    # The pages: every contract's review and downloads.
    review = _page(client, national, "/controle")
    assert review.status == 200
    assert all(c.code in review.text for w in (world, other_world) for c in w.contracts)
    download = _page(client, national, f"/controle/contrats/{contract}/rapport.csv", periode="Y1")
    assert download.status == 200, download.text


PERSONAL = [
    "/assistants",
    "/absences",
    "/users",
    "/audit",
    "/rotas",
    "/plan-runs",
    "/change-notices",
    "/cabinets",
    "/doctors",
    "/consultation-sessions",
    "/travel-times",
]


@pytest.mark.parametrize("path", PERSONAL)
def test_the_national_reader_sees_no_personal_data(
    path: str, client: TestClient, world: World, planned: Planned
) -> None:
    answer = client.get(f"{API}{path}", headers=bearer(world.users["national"]))
    assert answer.status_code == 403, answer.text


def test_the_national_reader_has_no_rota_page_or_feed(
    client: TestClient, world: World, planned: Planned
) -> None:
    national = world.users["national"]
    headers = bearer(national)
    assert client.get(f"{API}/rotas/{planned.published.id}", headers=headers).status_code == 403
    assert client.get(f"{API}/subscriptions", headers=headers).json() == []
    for kind, target in (
        ("groupement", world.groupement.id),
        ("cabinet", world.cabinets[0].id),
        ("assistant", world.assistants[0].id),
    ):
        body = {"kind": kind, "target_id": target, "subscriber": "CNAM"}
        assert client.post(f"{API}/subscriptions", json=body, headers=headers).status_code == 403
    for page in ("/planning", "/contrats", "/cabinet", "/mon-planning"):
        assert _page(client, national, page).status == 403, page


def test_a_coordinator_cannot_create_a_national_reader(
    client: TestClient, session: Session, world: World
) -> None:
    before = _counts(session)
    body = {
        "email": "cnam@test.fr",
        "full_name": "Lecteur national",
        "password": "correct horse battery",
        "role": "national",
    }
    answer = client.post(f"{API}/users", json=body, headers=bearer(world.users["coordinator"]))
    assert answer.status_code == 403, answer.text
    assert _counts(session) == before


# What each shape of a contract holds: in full, or as its reports show it.
FULL_CONTRACT = {
    "view",
    "id",
    "groupement_id",
    "code",
    "name",
    "kind",
    "start_date",
    "duration_years",
    "funded_etp",
    "target_policy_id",
    "cost_split",
    "annual_employer_cost_eur",
    "balancing_period",
    "training_site",
    "assistants",
    "share_plans",
    "version",
}
CONTRACT_FIGURES = {
    "view",
    "id",
    "code",
    "name",
    "kind",
    "start_date",
    "duration_years",
    "funded_etp",
    "weekly_minutes",
    "target_policy_code",
    "target_policy_version",
    "members",
}


def _contracts_read(client: TestClient, headers: dict[str, str]) -> dict[int, dict[str, Any]]:
    listed = client.get(f"{API}/contracts", headers=headers, params={"limit": 100})
    assert listed.status_code == 200, listed.text
    items = {item["id"]: item for item in listed.json()["items"]}
    for key, item in items.items():
        one = client.get(f"{API}/contracts/{key}", headers=headers)
        assert one.status_code == 200 and one.json() == item
    return items


def test_each_role_reads_the_fields_of_a_contract_its_policy_gives(
    client: TestClient,
    session: Session,
    world: World,
    other_world: World,
    granted_elsewhere: models.PooledContract,
) -> None:
    """Within her groupement a reader sees the contract in full; an auditor reading a contract
    granted to her in another groupement, and the national reader, see what its allocation report
    shows: no assistant, no weekly minutes per assistant, no cabinet id, no cost."""
    own = world.contracts[0]
    for role in ("coordinator", "cabinet"):
        for item in _contracts_read(client, bearer(world.users[role])).values():
            assert set(item) == FULL_CONTRACT and item["view"] == "full"
    by_auditor = _contracts_read(client, bearer(world.users["auditor"]))
    assert set(by_auditor) == {own.id, granted_elsewhere.id}
    assert set(by_auditor[own.id]) == FULL_CONTRACT
    figures = by_auditor[granted_elsewhere.id]
    assert set(figures) == CONTRACT_FIGURES and figures["view"] == "figures"
    members = [
        c
        for c in other_world.cabinets
        if c.id in {s.cabinet_id for p in granted_elsewhere.share_plans for s in p.shares}
    ]
    assert figures["members"] == [c.name for c in sorted(members, key=lambda c: c.id)]
    assert figures["weekly_minutes"] == sum(a.weekly_minutes for a in granted_elsewhere.assistants)
    assert (figures["code"], figures["name"], figures["funded_etp"]) == (
        granted_elsewhere.code,
        granted_elsewhere.name,
        str(granted_elsewhere.funded_etp),
    )
    assert figures["target_policy_code"] == granted_elsewhere.target_policy.code
    assert all(isinstance(name, str) for name in figures["members"])
    by_national = _contracts_read(client, bearer(world.users["national"]))
    assert {own.id, granted_elsewhere.id} <= set(by_national)
    for item in by_national.values():
        assert set(item) == CONTRACT_FIGURES


# --- The evaluation's reference group: the CPAM's data ---------------------------------------------

REFERENCE_IMPORTERS = {"auditor", "national"}


@pytest.mark.parametrize("kind", ["reference-doctors", "reference-series"])
@pytest.mark.parametrize("role", ROLES)
def test_reference_imports_by_role(
    role: str, kind: str, client: TestClient, world: World, session: Session
) -> None:
    """The auditor and the national reader import the reference group; a coordinator may not
    choose what her own contract is measured against. The auditor's contract has its members in
    57: she feeds 57, not 54; the national reader any département."""
    headers = {**bearer(world.users[role]), "Content-Type": "text/csv"}
    model = models.ReferenceStatement if kind == "reference-doctors" else models.ReferenceSeries

    def line(department: str) -> str:
        quarter = "2025-Q4" if department == "57" else "2025-Q3"  # one RPPS, two quarters
        if kind == "reference-doctors":
            return (
                "department;rpps;quarter;pmt;file_active;source\n"
                f"{department};10547879162;{quarter};1012;1630;CPAM\n"
            )
        return (
            "department;quarter;pmt;file_active;doctors;source\n"
            f"{department};{quarter};812.5;1204;640;CPAM\n"
        )

    def count() -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    url = f"{API}/evaluation/{kind}/imports"
    answer = client.post(url, content=line("57").encode(), headers=headers)
    if role not in REFERENCE_IMPORTERS:
        assert answer.status_code == 403, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert count() == 0
        return
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"imported": 1}
    elsewhere = client.post(url, content=line("54").encode(), headers=headers)
    if role == "auditor":
        assert elsewhere.status_code == 422
        problem = elsewhere.json()
        assert problem["errors"][0]["loc"] == ["body", "ligne 2", "department"]
        assert problem["errors"][0]["type"] == "not_granted"
        assert count() == 1
    else:
        assert elsewhere.status_code == 201
        assert count() == 2
