"""No leak between roles, groupements and cabinets: every read route answers, for each role, 200
on what the role owns, 404 on a sibling's or another groupement's row (existence is not revealed)
and 403 where the role reads nothing of the kind; lists never contain a row the role may not read;
writes are for coordinators and never reach another groupement."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer
from tests.api.factories import World

API = "/api/v1"
ROLES = ["coordinator", "cabinet", "assistant", "auditor"]
READERS = {
    "groupements": {"coordinator", "cabinet", "assistant", "auditor"},
    "assistants": {"coordinator", "assistant"},
    "cabinets": {"coordinator", "cabinet"},
    "doctors": {"coordinator", "cabinet"},
    "consultation-sessions": {"coordinator", "cabinet"},
    "contracts": {"coordinator", "cabinet", "auditor"},
    "travel-times": {"coordinator"},
    "absences": {"coordinator", "assistant"},
}
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
    assert not listed & foreign


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("role", ["cabinet", "assistant", "auditor"])
def test_only_coordinators_write(
    role: str, resource: str, client: TestClient, world: World
) -> None:
    key = _target(world, world, resource, "mine")
    headers = {**bearer(world.users[role]), "If-Match": "*"}
    if resource != "groupements":
        assert client.post(f"{API}/{resource}", json={}, headers=headers).status_code in (403, 422)
    assert client.patch(f"{API}/{resource}/{key}", json={}, headers=headers).status_code == 403
    assert client.delete(f"{API}/{resource}/{key}", headers=headers).status_code == 403


@pytest.mark.parametrize("resource", RESOURCES)
def test_coordinator_cannot_touch_another_groupement(
    resource: str, client: TestClient, world: World, other_world: World
) -> None:
    key = _target(world, other_world, resource, "foreign")
    headers = {**bearer(world.users["coordinator"]), "If-Match": "*"}
    assert client.patch(f"{API}/{resource}/{key}", json={}, headers=headers).status_code == 404
    assert client.delete(f"{API}/{resource}/{key}", headers=headers).status_code == 404
    assert client.get(f"{API}/{resource}/{key}", headers=headers).status_code == 404


@pytest.mark.parametrize(
    "path", ["/plan-runs", "/rotas", "/change-notices", "/ledger", "/users", "/audit"]
)
@pytest.mark.parametrize("role", ROLES)
def test_workflow_lists_stay_in_the_groupement(
    role: str, path: str, client: TestClient, world: World, other_world: World
) -> None:
    response = client.get(f"{API}{path}", headers=bearer(other_world.users[role]))
    assert response.status_code in (200, 403)
    if response.status_code == 200 and "items" in response.json():
        assert all(
            item.get("groupement_id", other_world.groupement.id) == other_world.groupement.id
            for item in response.json()["items"]
        )


def test_no_token_is_401(client: TestClient, world: World) -> None:
    response = client.get(f"{API}/assistants")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["status"] == 401
