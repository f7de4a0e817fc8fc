"""Member cabinets and their opening hours."""

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
from api.schemas import CabinetCreate, CabinetPage, CabinetRead, CabinetUpdate
from scheduler.services import resources

router = APIRouter(
    prefix="/cabinets", tags=["cabinets"], dependencies=[JsonBody], route_class=IdempotentRoute
)


@router.get("", responses=problem_responses(*READ_ERRORS))
def list_cabinets(
    session: SessionDep,
    user: CurrentUser,
    limit: Limit = 50,
    offset: Offset = 0,
    code: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")] = None,
    city: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
    department: Annotated[str | None, Query(max_length=3, pattern=r"^[^\x00]*$")] = None,
) -> CabinetPage:
    """Cabinets the caller may see, filtered."""
    page = resources.list_cabinets(
        session, user, limit=limit, offset=offset, code=code, city=city, department=department
    )
    return CabinetPage.model_validate(page, from_attributes=True)


@router.post("", status_code=201, responses=problem_responses(*CREATE_ERRORS))
def create_cabinet(
    body: CabinetCreate, session: SessionDep, user: Coordinator, response: Response
) -> CabinetRead:
    """Add a member cabinet with its opening windows."""
    row = resources.create_cabinet(session, user, body.model_dump())
    response.headers["ETag"] = etag_of(row.id, row.version)
    response.headers["Location"] = f"/api/v1/cabinets/{row.id}"
    return CabinetRead.model_validate(row)


@router.get("/{cabinet_id}", responses=problem_responses(*READ_ERRORS))
def read_cabinet(
    cabinet_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> CabinetRead:
    """One cabinet."""
    row = resources.get_cabinet(session, user, cabinet_id)
    response.headers["ETag"] = etag_of(row.id, row.version)
    return CabinetRead.model_validate(row)


@router.patch("/{cabinet_id}", responses=problem_responses(*WRITE_ERRORS))
def update_cabinet(
    cabinet_id: IdPath,
    body: CabinetUpdate,
    session: SessionDep,
    user: Coordinator,
    if_match: IfMatch,
    response: Response,
) -> CabinetRead:
    """Change a cabinet (If-Match); a given `opening` replaces its windows."""
    row = resources.update_cabinet(
        session,
        user,
        cabinet_id,
        body.model_dump(exclude_unset=True),
        expected=expected_version(if_match, "cabinet", cabinet_id),
    )
    response.headers["ETag"] = etag_of(row.id, row.version)
    return CabinetRead.model_validate(row)


@router.delete("/{cabinet_id}", status_code=204, responses=problem_responses(*WRITE_ERRORS))
def delete_cabinet(
    cabinet_id: IdPath, session: SessionDep, user: Coordinator, if_match: IfMatch
) -> None:
    """Remove a cabinet that holds no share and no assignment (If-Match)."""
    resources.delete_cabinet(
        session, user, cabinet_id, expected=expected_version(if_match, "cabinet", cabinet_id)
    )
