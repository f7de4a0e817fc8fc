"""The router factory names a resource's routes after its service: the path of the collection,
the name of the id in the path, the operations, the tag; a resource without a create has none."""

from __future__ import annotations

from fastapi.routing import APIRoute

from api.resource_router import Docs, Schemas, resource_router
from api.schemas import (
    GroupementPage,
    GroupementRead,
    GroupementUpdate,
    TravelTimeCreate,
    TravelTimePage,
    TravelTimeRead,
    TravelTimeUpdate,
)
from scheduler.services import resources

DOCS = Docs(list="l", read="r", update="u", delete="d", create="c")


def _routes(router: object) -> set[tuple[str, str, str, int | None]]:
    return {
        (route.path, method, route.name, route.status_code)
        for route in getattr(router, "routes", [])
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }


def test_a_resource_router_names_its_routes_after_the_service() -> None:
    router = resource_router(
        resources.TRAVEL_TIMES,
        Schemas(TravelTimeRead, TravelTimePage, TravelTimeUpdate, TravelTimeCreate),
        DOCS,
    )
    assert router.tags == ["travel times"]
    assert _routes(router) == {
        ("/travel-times", "GET", "list_travel_times", None),
        ("/travel-times", "POST", "create_travel_time", 201),
        ("/travel-times/{travel_time_id}", "GET", "read_travel_time", None),
        ("/travel-times/{travel_time_id}", "PATCH", "update_travel_time", None),
        ("/travel-times/{travel_time_id}", "DELETE", "delete_travel_time", 204),
    }
    descriptions = {route.name: route.description for route in router.routes}  # type: ignore[attr-defined]
    assert descriptions["read_travel_time"] == "r"


def test_a_resource_without_a_create_schema_has_no_create_route() -> None:
    router = resource_router(
        resources.GROUPEMENTS, Schemas(GroupementRead, GroupementPage, GroupementUpdate), DOCS
    )
    assert {method for _, method, _, _ in _routes(router)} == {"GET", "PATCH", "DELETE"}
