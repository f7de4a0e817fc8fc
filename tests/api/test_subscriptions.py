"""Calendar subscriptions through the API: each role subscribes only to the feeds it may read, a
link is shown once and revoking it closes the feed at once; giving the same subscriber a new link
revokes the old one. Patientèle statements: entered or imported (all lines or none) by the
coordinator only, with a problem naming each bad line."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.security import token_digest
from tests.api.conftest import bearer
from tests.api.factories import World


def _token(links: dict[str, str]) -> str:
    return links["ics"].rsplit("/", 1)[1].removesuffix(".ics")


def _subscribe(
    client: TestClient, user: models.User, kind: str, target: int, who: str = "Accueil"
) -> dict:  # type: ignore[type-arg]
    response = client.post(
        "/api/v1/subscriptions",
        json={"kind": kind, "target_id": target, "subscriber": who},
        headers=bearer(user),
    )
    return {"status": response.status_code, "body": response.json()}


def test_cabinet_subscribes_to_its_own_feed_only(
    client: TestClient, world: World, session: Session
) -> None:
    cabinet_user = world.users["cabinet"]
    own = _subscribe(client, cabinet_user, "cabinet", world.cabinets[0].id)
    assert own["status"] == 201
    links = own["body"]["links"]
    assert links["webcal"].startswith("webcal://") and "calendar.google.com" in links["google"]
    digest = token_digest(_token(links))
    assert (
        session.query(models.FeedToken).filter_by(token_hash=digest).one().target_id
        == world.cabinets[0].id
    )
    # A sibling cabinet is a row the cabinet does not see: 404, as for a missing one.
    other = _subscribe(client, cabinet_user, "cabinet", world.cabinets[1].id)
    assert other["status"] == 404
    assert other["body"]["errors"][0]["loc"] == ["body", "target_id"]
    # A kind of feed the role reads none of is refused outright.
    assistant_feed = _subscribe(client, cabinet_user, "assistant", world.assistants[0].id)
    assert assistant_feed["status"] == 403


def test_assistant_cannot_subscribe_to_the_groupement_feed(
    client: TestClient, world: World
) -> None:
    result = _subscribe(client, world.users["assistant"], "groupement", world.groupement.id)
    assert result["status"] == 403


def test_revoking_a_link_closes_it_and_a_new_link_replaces_the_old(
    client: TestClient, world: World, session: Session
) -> None:
    coordinator = world.users["coordinator"]
    first = _subscribe(client, coordinator, "cabinet", world.cabinets[0].id, "Secrétariat")
    second = _subscribe(client, coordinator, "cabinet", world.cabinets[0].id, "Secrétariat")
    listed = client.get("/api/v1/subscriptions", headers=bearer(coordinator)).json()
    live = {item["id"] for item in listed}
    assert second["body"]["id"] in live and first["body"]["id"] not in live

    response = client.delete(
        f"/api/v1/subscriptions/{second['body']['id']}", headers=bearer(coordinator)
    )
    assert response.status_code == 204
    digest = token_digest(_token(second["body"]["links"]))
    row = session.query(models.FeedToken).filter_by(token_hash=digest).one()
    assert row.revoked_at is not None
    again = client.delete(
        f"/api/v1/subscriptions/{second['body']['id']}", headers=bearer(coordinator)
    )
    assert again.status_code == 404


def test_cabinet_cannot_revoke_another_cabinets_link(client: TestClient, world: World) -> None:
    coordinator = world.users["coordinator"]
    created = _subscribe(client, coordinator, "cabinet", world.cabinets[1].id, "Autre")
    response = client.delete(
        f"/api/v1/subscriptions/{created['body']['id']}", headers=bearer(world.users["cabinet"])
    )
    assert response.status_code == 404


def _luhn(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return body + str((10 - total % 10) % 10)


def test_coordinator_records_a_patientele_statement(client: TestClient, world: World) -> None:
    doctor = world.doctors[0]
    body = {"doctor_id": doctor.id, "snapshot_date": "2026-11-01", "pmt": 1045, "file_active": 1514}
    created = client.post(
        "/api/v1/patientele/snapshots", json=body, headers=bearer(world.users["coordinator"])
    )
    assert created.status_code == 201 and created.json()["pmt"] == 1045
    refused = client.post(
        "/api/v1/patientele/snapshots", json=body, headers=bearer(world.users["cabinet"])
    )
    assert refused.status_code == 403


def test_csv_import_is_all_or_nothing_with_each_bad_line_named(
    client: TestClient, world: World, session: Session
) -> None:
    rpps = _luhn("1000000042")
    doctor = models.Doctor(
        cabinet_id=world.cabinets[0].id, rpps=rpps, first_name="Anne", last_name="Colin"
    )
    session.add(doctor)
    session.flush()
    headers = {**bearer(world.users["coordinator"]), "Content-Type": "text/csv"}
    good = f"rpps;date;pmt;file_active;source\n{rpps};2026-10-01;980;1400;relevé CPAM\n"
    bad = good + "12345678901;2026-10-01;-3;1400;relevé CPAM\n"
    rejected = client.post("/api/v1/patientele/imports", content=bad.encode(), headers=headers)
    assert rejected.status_code == 422
    problem = rejected.json()
    assert problem["errors"] and all(e["loc"][1] == "ligne 3" for e in problem["errors"])
    stored = session.query(models.PatienteleSnapshot).filter_by(doctor_id=doctor.id).count()
    assert stored == 0
    accepted = client.post("/api/v1/patientele/imports", content=good.encode(), headers=headers)
    assert accepted.status_code == 201 and accepted.json() == {"imported": 1}
    assert session.query(models.PatienteleSnapshot).filter_by(
        doctor_id=doctor.id
    ).one().snapshot_date == date(2026, 10, 1)


def test_an_answer_carrying_a_feed_link_is_not_stored_by_caches(
    client: TestClient, world: World
) -> None:
    response = client.post(
        "/api/v1/subscriptions",
        json={"kind": "cabinet", "target_id": world.cabinets[0].id, "subscriber": "Accueil"},
        headers=bearer(world.users["coordinator"]),
    )
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"


def test_an_unknown_feed_kind_is_refused_listing_the_kinds_in_their_offered_order(
    client: TestClient, world: World
) -> None:
    """A `kind` outside the registry is a 422 naming the field, the kinds listed as they always
    were (the core's own in their order), and the OpenAPI document names them as `FeedKind`."""
    refused = _subscribe(client, world.users["coordinator"], "contrat", world.cabinets[0].id)
    assert refused["status"] == 422
    (error,) = refused["body"]["errors"]
    assert (error["loc"], error["type"]) == (["body", "kind"], "enum")
    assert error["msg"] == "Input should be 'cabinet', 'assistant' or 'groupement'"
    document = client.get("/api/v1/openapi.json").json()
    assert document["components"]["schemas"]["FeedKind"] == {
        "description": "Whose calendar a feed shows.",
        "enum": ["cabinet", "assistant", "groupement"],
        "title": "FeedKind",
        "type": "string",
    }
    kind = document["components"]["schemas"]["SubscriptionCreate"]["properties"]["kind"]
    assert kind == {"$ref": "#/components/schemas/FeedKind"}
