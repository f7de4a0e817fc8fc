"""Road minutes between cabinets; estimates from coordinates until confirmed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import (
    Coordinator,
    CurrentUser,
    IdPath,
    IfMatch,
    JsonBody,
    Limit,
    Offset,
    SessionDep,
    etag_of,
    expected_version,
)
from api.errors import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, problem_responses
from api.idempotency import IdempotentRoute
from api.schemas import (
    TravelEstimateResult,
    TravelTimeCreate,
    TravelTimePage,
    TravelTimeRead,
    TravelTimeUpdate,
)
from scheduler.services import resources

router = APIRouter(
    prefix="/travel-times",
    tags=["travel times"],
    dependencies=[JsonBody],
    route_class=IdempotentRoute,
)


@router.get("", responses=problem_responses(*READ_ERRORS))
def list_travel_times(
    session: SessionDep,
    user: CurrentUser,
    limit: Limit = 50,
    offset: Offset = 0,
    cabinet_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    estimated: bool | None = None,
) -> TravelTimePage:
    """Travel times of the groupement, by cabinet or by `estimated`."""
    page = resources.list_travel_times(
        session, user, limit=limit, offset=offset, cabinet_id=cabinet_id, estimated=estimated
    )
    return TravelTimePage.model_validate(page, from_attributes=True)


@router.post("", status_code=201, responses=problem_responses(*CREATE_ERRORS))
def create_travel_time(
    body: TravelTimeCreate, session: SessionDep, user: Coordinator, response: Response
) -> TravelTimeRead:
    """Record confirmed minutes between two cabinets."""
    row = resources.create_travel_time(session, user, body.model_dump())
    response.headers["ETag"] = etag_of(row.id, row.version)
    response.headers["Location"] = f"/api/v1/travel-times/{row.id}"
    return TravelTimeRead.model_validate(row)


@router.post("-estimates", status_code=201, responses=problem_responses(*CREATE_ERRORS))
def estimate_travel_times(session: SessionDep, user: Coordinator) -> TravelEstimateResult:
    """Estimate the missing pairs from coordinates (haversine x road factor / speed + parking)."""
    rows = resources.estimate_missing_travel_times(session, user)
    return TravelEstimateResult(created=[TravelTimeRead.model_validate(row) for row in rows])


@router.get("/{travel_time_id}", responses=problem_responses(*READ_ERRORS))
def read_travel_time(
    travel_time_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> TravelTimeRead:
    """One travel time."""
    row = resources.get_travel_time(session, user, travel_time_id)
    response.headers["ETag"] = etag_of(row.id, row.version)
    return TravelTimeRead.model_validate(row)


@router.patch("/{travel_time_id}", responses=problem_responses(*WRITE_ERRORS))
def update_travel_time(
    travel_time_id: IdPath,
    body: TravelTimeUpdate,
    session: SessionDep,
    user: Coordinator,
    if_match: IfMatch,
    response: Response,
) -> TravelTimeRead:
    """Set the minutes of a pair (If-Match); this confirms it (`estimated` false)."""
    row = resources.update_travel_time(
        session,
        user,
        travel_time_id,
        body.model_dump(exclude_unset=True),
        expected=expected_version(if_match, "trajet", travel_time_id),
    )
    response.headers["ETag"] = etag_of(row.id, row.version)
    return TravelTimeRead.model_validate(row)


@router.delete("/{travel_time_id}", status_code=204, responses=problem_responses(*WRITE_ERRORS))
def delete_travel_time(
    travel_time_id: IdPath, session: SessionDep, user: Coordinator, if_match: IfMatch
) -> None:
    """Remove a travel time (If-Match)."""
    resources.delete_travel_time(
        session,
        user,
        travel_time_id,
        expected=expected_version(if_match, "trajet", travel_time_id),
    )
