"""CRUD of every resource: create (201 + ETag), read (ETag), list (page + total), PATCH and DELETE
under If-Match (428 without, 412 stale), and an audit row for each change."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.errors import PreconditionFailed
from scheduler.services.resources import ASSISTANTS, CABINETS, CONTRACTS, Resource
from tests.api.factories import World

API = "/api/v1"


def _cabinet_body(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": "Maison de santé du Parc",
        "address": "3 rue Haute",
        "postcode": "57070",
        "city": "Metz",
        "department": "57",
        "latitude": "49.100000",
        "longitude": "6.200000",
        "opening": [{"weekday": 0, "start_minute": 480, "end_minute": 1140}],
    }


def _bodies(world: World) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Per resource path: a create body and a PATCH body."""
    a, b = world.cabinets
    x, y = world.assistants
    return {
        "assistants": (
            {
                "code": "zoe",
                "first_name": "Zoé",
                "last_name": "Klein",
                "availability": [{"weekday": 1, "start_minute": 480, "end_minute": 1020}],
            },
            {"last_name": "Klein-Muller", "availability": []},
        ),
        "cabinets": (_cabinet_body("parc"), {"name": "MSP du Parc", "places": 2}),
        "doctors": (
            {"cabinet_id": a.id, "rpps": "10101010105", "first_name": "Paul", "last_name": "Henry"},
            {"specialty": "pédiatrie"},
        ),
        "contracts": (
            {
                "code": "c-new",
                "name": "Contrat commun",
                "start_date": "2026-02-02",
                "funded_etp": "0.50",
                "assistants": [{"assistant_id": y.id, "weekly_minutes": 1200}],
                "shares": [
                    {"cabinet_id": a.id, "share_bp": 5000},
                    {"cabinet_id": b.id, "share_bp": 5000},
                ],
            },
            {"name": "Contrat commun renommé", "duration_years": 4},
        ),
        "consultation-sessions": (
            {"cabinet_id": b.id, "weekday": 2, "start_minute": 840, "end_minute": 1080},
            {"weight": 3},
        ),
        "absences": (
            {
                "assistant_id": y.id,
                "kind": "training",
                "start_at": "2026-04-01T08:00:00+02:00",
                "end_at": "2026-04-01T17:00:00+02:00",
                "reason": "Formation",
            },
            {"replaced": True},
        ),
    }


RESOURCES = ["assistants", "cabinets", "doctors", "contracts", "consultation-sessions", "absences"]


@pytest.mark.parametrize("path", RESOURCES)
def test_resource_crud_round_trip(
    path: str, client: TestClient, world: World, coordinator: dict[str, str], session: Session
) -> None:
    create, patch = _bodies(world)[path]
    created = client.post(f"{API}/{path}", json=create, headers=coordinator)
    assert created.status_code == 201, created.text
    etag = created.headers["ETag"]
    key = created.json()["id"]
    assert created.headers["Location"].endswith(f"/{path}/{key}")

    read = client.get(f"{API}/{path}/{key}", headers=coordinator)
    assert read.status_code == 200 and read.headers["ETag"] == etag

    listed = client.get(f"{API}/{path}", params={"limit": 1, "offset": 0}, headers=coordinator)
    assert listed.status_code == 200
    assert listed.json()["total"] >= 1 and len(listed.json()["items"]) == 1

    missing = client.patch(f"{API}/{path}/{key}", json=patch, headers=coordinator)
    assert missing.status_code == 428
    assert missing.headers["content-type"] == "application/problem+json"

    updated = client.patch(
        f"{API}/{path}/{key}", json=patch, headers={**coordinator, "If-Match": etag}
    )
    assert updated.status_code == 200, updated.text
    for name, value in patch.items():
        assert updated.json()[name] == value
    new_etag = updated.headers["ETag"]
    assert new_etag != etag

    stale = client.patch(
        f"{API}/{path}/{key}", json=patch, headers={**coordinator, "If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.json()["status"] == 412

    assert (
        client.delete(f"{API}/{path}/{key}", headers={**coordinator, "If-Match": etag}).status_code
        == 412
    )
    assert (
        client.delete(
            f"{API}/{path}/{key}", headers={**coordinator, "If-Match": new_etag}
        ).status_code
        == 204
    )
    assert client.get(f"{API}/{path}/{key}", headers=coordinator).status_code == 404

    actions = session.scalars(
        select(models.AuditLog.action)
        .where(models.AuditLog.entity_id == str(key))
        .order_by(models.AuditLog.id)
    ).all()
    assert actions[-3:] == ["create", "update", "delete"]


def test_contract_shares_not_summing_to_100_percent_are_named(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    body, _ = _bodies(world)["contracts"]
    body["shares"][0]["share_bp"] = 4000
    response = client.post(f"{API}/contracts", json=body, headers=coordinator)
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["loc"] == ["body", "shares"]
    assert "9000" in problem["errors"][0]["msg"]


def test_a_doctor_whose_rpps_key_is_wrong_is_refused_naming_the_field(
    client: TestClient, world: World, coordinator: dict[str, str], session: Session
) -> None:
    body, _ = _bodies(world)["doctors"]
    for wrong in ("10101010104", "10101010106"):
        response = client.post(f"{API}/doctors", json=body | {"rpps": wrong}, headers=coordinator)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["errors"][0]["loc"] == ["body", "rpps"]
        assert f"RPPS {wrong}" in problem["errors"][0]["msg"]
    assert (
        session.scalar(select(models.Doctor).where(models.Doctor.rpps.like("1010101010%"))) is None
    )
    assert client.post(f"{API}/doctors", json=body, headers=coordinator).status_code == 201


def test_contract_new_share_plan_from_a_date(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    contract = world.contracts[0]
    a, b = world.cabinets
    etag = client.get(f"{API}/contracts/{contract.id}", headers=coordinator).headers["ETag"]
    plan = {
        "valid_from": "2027-01-05",
        "shares": [{"cabinet_id": a.id, "share_bp": 3000}, {"cabinet_id": b.id, "share_bp": 7000}],
    }
    response = client.post(
        f"{API}/contracts/{contract.id}/share-plans",
        json=plan,
        headers={**coordinator, "If-Match": etag},
    )
    assert response.status_code == 201, response.text
    assert [p["valid_from"] for p in response.json()["share_plans"]] == ["2026-01-05", "2027-01-05"]
    again = client.post(
        f"{API}/contracts/{contract.id}/share-plans",
        json=plan,
        headers={**coordinator, "If-Match": etag},
    )
    assert again.status_code == 412


def test_a_doctor_member_of_another_contract_is_refused_by_name(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    """The doctor of cabinet b is a member of c1 (the first contract b joined): c2 cannot take
    him in (409 naming him and c1) until he leaves c1, then can from that day (an anniversary of
    both collective contracts, started on 2026-01-05)."""
    c1, c2 = world.contracts
    doctor = world.doctors[1]
    url = f"{API}/contracts/{c2.id}/doctors/{doctor.id}"

    def at(contract_id: int) -> dict[str, str]:
        etag = client.get(f"{API}/contracts/{contract_id}", headers=coordinator).headers["ETag"]
        return {**coordinator, "If-Match": etag}

    refused = client.put(url, json={"valid_from": "2027-01-05"}, headers=at(c2.id))
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["errors"][0]["loc"] == ["path", "doctor_id"]
    assert problem["errors"][0]["type"] == "one_contract"
    assert "Jeanne Roux" in problem["detail"] and c1.code in problem["detail"]
    left = client.put(
        f"{API}/contracts/{c1.id}/doctors/{doctor.id}",
        json={"valid_from": "2026-01-05", "valid_to": "2027-01-05"},
        headers=at(c1.id),
    )
    assert left.status_code == 200, left.text
    joined = client.put(url, json={"valid_from": "2027-01-05"}, headers=at(c2.id))
    assert joined.status_code == 200, joined.text
    assert joined.json() == {
        "contract_id": c2.id,
        "doctor_id": doctor.id,
        "valid_from": "2027-01-05",
        "valid_to": None,
        "off_anniversary": False,
    }
    assert client.delete(url, headers=at(c2.id)).status_code == 204
    assert client.delete(url, headers=at(c2.id)).status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "following"),
    [
        ({"valid_from": "2027-01-04"}, "valid_from", "2027-01-05"),
        ({"valid_from": "2027-01-06"}, "valid_from", "2028-01-05"),
        ({"valid_from": "2026-01-05", "valid_to": "2027-01-04"}, "valid_to", "2027-01-05"),
        ({"valid_from": "2026-01-05", "valid_to": "2027-01-06"}, "valid_to", "2028-01-05"),
    ],
)
def test_a_doctor_joins_and_leaves_a_collective_contract_on_an_anniversary(
    client: TestClient,
    world: World,
    coordinator: dict[str, str],
    body: dict[str, str],
    field: str,
    following: str,
) -> None:
    """A day before or after the anniversary (2027-01-05) is refused, naming the field, the rule
    and the next anniversary; the anniversary itself is taken (see the test above)."""
    c1 = world.contracts[0]
    etag = client.get(f"{API}/contracts/{c1.id}", headers=coordinator).headers["ETag"]
    refused = client.put(
        f"{API}/contracts/{c1.id}/doctors/{world.doctors[1].id}",
        json=body,
        headers={**coordinator, "If-Match": etag},
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    error = refused.json()["errors"][0]
    assert (error["loc"], error["type"]) == (["body", field], "anniversary")
    assert "date anniversaire" in error["msg"] and f"la suivante : {following}" in error["msg"]


def test_travel_times_estimated_then_confirmed(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    created = client.post(f"{API}/cabinets", json=_cabinet_body("loin"), headers=coordinator)
    assert created.status_code == 201
    estimate = client.post(f"{API}/travel-times-estimates", headers=coordinator)
    assert estimate.status_code == 201, estimate.text
    rows = estimate.json()["created"]
    assert len(rows) == 2 and all(row["estimated"] for row in rows)
    assert all(1 <= row["minutes"] <= 240 for row in rows)
    assert client.post(f"{API}/travel-times-estimates", headers=coordinator).json()["created"] == []
    first = rows[0]
    etag = client.get(f"{API}/travel-times/{first['id']}", headers=coordinator).headers["ETag"]
    confirmed = client.patch(
        f"{API}/travel-times/{first['id']}",
        json={"minutes": 22},
        headers={**coordinator, "If-Match": etag},
    )
    assert confirmed.status_code == 200
    assert confirmed.json() | {"version": 0} == first | {
        "minutes": 22,
        "estimated": False,
        "version": 0,
    }
    listed = client.get(
        f"{API}/travel-times", params={"estimated": True}, headers=coordinator
    ).json()
    assert listed["total"] == 1


def test_travel_time_duplicate_pair_conflicts(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    a, b = world.cabinets
    response = client.post(
        f"{API}/travel-times",
        json={"origin_id": b.id, "destination_id": a.id, "minutes": 12},
        headers=coordinator,
    )
    assert response.status_code == 409


def test_groupement_read_and_rename(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    gid = world.groupement.id
    read = client.get(f"{API}/groupements/{gid}", headers=coordinator)
    assert read.status_code == 200
    renamed = client.patch(
        f"{API}/groupements/{gid}",
        json={"name": "GE Moselle"},
        headers={**coordinator, "If-Match": read.headers["ETag"]},
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "GE Moselle"
    assert client.get(f"{API}/groupements", headers=coordinator).json()["total"] == 1


def test_groupement_chooses_how_travel_is_paid(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    gid = world.groupement.id
    read = client.get(f"{API}/groupements/{gid}", headers=coordinator)
    # By default travel counts in the contracts' hours; the groupement may pay it beyond them.
    assert read.json()["travel_in_contract"] is True
    assert read.json()["complementary_accord"] is False
    changed = client.patch(
        f"{API}/groupements/{gid}",
        json={"travel_in_contract": False, "complementary_accord": True},
        headers={**coordinator, "If-Match": read.headers["ETag"]},
    )
    assert changed.status_code == 200
    assert changed.json()["travel_in_contract"] is False
    assert changed.json()["complementary_accord"] is True
    refused = client.patch(
        f"{API}/groupements/{gid}",
        json={"travel_in_contract": "oui"},
        headers={**coordinator, "If-Match": changed.headers["ETag"]},
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "travel_in_contract" in refused.text


def test_delete_assistant_in_a_contract_conflicts(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    x = world.assistants[0]
    etag = client.get(f"{API}/assistants/{x.id}", headers=coordinator).headers["ETag"]
    response = client.delete(f"{API}/assistants/{x.id}", headers={**coordinator, "If-Match": etag})
    assert response.status_code == 409
    assert client.get(f"{API}/assistants/{x.id}", headers=coordinator).status_code == 200


def test_duplicate_code_conflicts(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    body = _cabinet_body(world.cabinets[0].code)
    assert client.post(f"{API}/cabinets", json=body, headers=coordinator).status_code == 409


def _stale_etag(
    client: TestClient, coordinator: dict[str, str], path: str, key: int, change: dict[str, Any]
) -> str:
    """An ETag of the row at `path/key` that a change made since has made stale."""
    etag: str = client.get(f"{API}/{path}/{key}", headers=coordinator).headers["ETag"]
    changed = client.patch(
        f"{API}/{path}/{key}", json=change, headers={**coordinator, "If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    return etag


def _stale_and_invalid(world: World) -> list[tuple[str, int, dict[str, Any], dict[str, Any], int]]:
    """(path, id, a valid change, an invalid one, the status a stale invalid change gets)."""
    a, b = world.cabinets
    x, _y = world.assistants
    doctor, other = world.doctors[0], world.doctors[-1]
    return [
        # The body first: its refusal, whatever the version.
        ("groupements", world.groupement.id, {"name": "GE"}, {"timezone": "Mars/Olympus"}, 422),
        (
            "assistants",
            x.id,
            {"last_name": "Klein"},
            {"earliest_start_minute": 900, "latest_end_minute": 600},
            422,
        ),
        ("doctors", doctor.id, {"specialty": "pédiatrie"}, {"cabinet_id": 2_000_000_000}, 404),
        ("doctors", doctor.id, {"specialty": "pédiatrie"}, {"rpps": other.rpps}, 409),
        (
            "absences",
            world.absences[0].id,
            {"replaced": True},
            {"end_at": "2000-01-03T08:00:00+01:00"},
            422,
        ),
        # The version first: stale.
        (
            "contracts",
            world.contracts[0].id,
            {"name": "Contrat renommé"},
            {"assistants": [{"assistant_id": 2_000_000_000, "weekly_minutes": 60}]},
            412,
        ),
        (
            "consultation-sessions",
            world.consultations[0].id,
            {"weight": 3},
            {"start_minute": 1000, "end_minute": 900},
            412,
        ),
        ("cabinets", b.id, {"places": 2}, {"name": None}, 412),
    ]


@pytest.mark.parametrize("case", range(8))
def test_a_stale_and_invalid_change_is_refused_as_each_resource_always_did(
    case: int, client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    """Some resources check a change's body before its version, the others after it."""
    assert world.doctors[0].rpps != world.doctors[-1].rpps
    path, key, valid, invalid, status = _stale_and_invalid(world)[case]
    etag = _stale_etag(client, coordinator, path, key, valid)
    refused = client.patch(
        f"{API}/{path}/{key}", json=invalid, headers={**coordinator, "If-Match": etag}
    )
    assert refused.status_code == status, refused.text
    if status != 412:
        current = client.get(f"{API}/{path}/{key}", headers=coordinator).headers["ETag"]
        again = client.patch(
            f"{API}/{path}/{key}", json=invalid, headers={**coordinator, "If-Match": current}
        )
        assert again.status_code == status  # the same refusal under the current version


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("groupements", "groupement"),
        ("assistants", "assistant"),
        ("cabinets", "cabinet"),
        ("doctors", "doctor"),
        ("contracts", "contrat"),
        ("consultation-sessions", "séance"),
        ("absences", "absence"),
        ("travel-times", "travel_time"),
    ],
)
def test_the_modified_meanwhile_problem_names_each_resource_as_it_always_did(
    path: str, name: str, client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    key = client.get(f"{API}/{path}", headers=coordinator).json()
    key = key["items"][0]["id"] if "items" in key else world.groupement.id
    etag = client.get(f"{API}/{path}/{key}", headers=coordinator).headers["ETag"]
    stale_etag = etag.replace("-", "-9", 1)  # this row, another version: stale
    for response in (
        client.patch(
            f"{API}/{path}/{key}", json={}, headers={**coordinator, "If-Match": stale_etag}
        ),
        client.delete(f"{API}/{path}/{key}", headers={**coordinator, "If-Match": stale_etag}),
    ):
        assert response.status_code == 412, response.text
        assert response.json()["detail"] == f"{name} {key} a été modifié entre-temps : relisez-le"
    # An ETag of another row is refused by the route, under the resource's French name.
    other = client.patch(
        f"{API}/{path}/{key}", json={}, headers={**coordinator, "If-Match": '"0-1"'}
    )
    assert other.status_code == 412
    assert other.json()["detail"].endswith(f" {key} a été modifié entre-temps : relisez-le")


def test_a_contract_change_is_audited_without_its_share_plans(
    client: TestClient, world: World, coordinator: dict[str, str], session: Session
) -> None:
    """A change of the contract, or a new share plan, writes the contract and its assistants to
    the audit log; its create and its delete write the share plans too."""
    contract = world.contracts[0]
    name = contract.name
    a, b = world.cabinets
    etag = client.get(f"{API}/contracts/{contract.id}", headers=coordinator).headers["ETag"]
    renamed = client.patch(
        f"{API}/contracts/{contract.id}",
        json={"name": "Contrat renommé"},
        headers={**coordinator, "If-Match": etag},
    )
    assert renamed.status_code == 200
    planned = client.post(
        f"{API}/contracts/{contract.id}/share-plans",
        json={
            "valid_from": "2027-01-05",
            "shares": [
                {"cabinet_id": a.id, "share_bp": 3000},
                {"cabinet_id": b.id, "share_bp": 7000},
            ],
        },
        headers={**coordinator, "If-Match": renamed.headers["ETag"]},
    )
    assert planned.status_code == 201
    rows = session.scalars(
        select(models.AuditLog)
        .where(models.AuditLog.entity == "contract", models.AuditLog.action == "update")
        .where(models.AuditLog.entity_id == str(contract.id))
        .order_by(models.AuditLog.id)
    ).all()
    assert len(rows) == 2
    for row in rows:
        for state in (row.before, row.after):
            assert state is not None
            assert "share_plans" not in state
            assert [m["assistant_id"] for m in state["assistants"]] == [
                m.assistant_id for m in contract.assistants
            ]
    renaming = rows[0]
    assert renaming.before is not None and renaming.after is not None
    assert (renaming.before["name"], renaming.after["name"]) == (name, "Contrat renommé")
    assert rows[1].reason == "plan de parts à partir du 2027-01-05"


@pytest.mark.parametrize(
    ("resource", "table", "change", "name"),
    [
        (CONTRACTS, "pooled_contract", {"name": "Contrat renommé"}, "contract"),
        (ASSISTANTS, "assistant", {"last_name": "Klein"}, "assistant"),
        (CABINETS, "cabinet", {"places": 2}, "cabinet"),
    ],
)
def test_a_row_changed_between_read_and_commit_is_named_as_it_always_was(
    resource: Resource[Any],
    table: str,
    change: dict[str, Any],
    name: str,
    world: World,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another writer's commit between the version check and this one's: the same 412, naming
    the resource as the commit of its change always did."""
    rows: dict[str, list[Any]] = {
        "pooled_contract": list(world.contracts),
        "assistant": list(world.assistants),
    }
    row = rows.get(table, list(world.cabinets))[0]
    edit = type(resource).edit

    def meanwhile(self: Any, session: Session, actor: Any, row: Any, changes: Any) -> Any:
        session.execute(
            text(f"UPDATE {table} SET version = version + 1 WHERE id = :id"), {"id": row.id}
        )
        return edit(self, session, actor, row, changes)

    monkeypatch.setattr(type(resource), "edit", meanwhile)
    with pytest.raises(PreconditionFailed) as stale:
        resource.update(session, world.users["coordinator"], row.id, change, expected=row.version)
    assert str(stale.value) == f"{name} {row.id} a été modifié entre-temps : relisez-le"
