"""Doctors of the member cabinets."""

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
from api.schemas import DoctorCreate, DoctorPage, DoctorRead, DoctorUpdate
from scheduler.services import resources

router = APIRouter(
    prefix="/doctors", tags=["doctors"], dependencies=[JsonBody], route_class=IdempotentRoute
)


@router.get("", responses=problem_responses(*READ_ERRORS))
def list_doctors(
    session: SessionDep,
    user: CurrentUser,
    limit: Limit = 50,
    offset: Offset = 0,
    cabinet_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> DoctorPage:
    """Doctors the caller may see, by cabinet."""
    page = resources.list_doctors(session, user, limit=limit, offset=offset, cabinet_id=cabinet_id)
    return DoctorPage.model_validate(page, from_attributes=True)


@router.post("", status_code=201, responses=problem_responses(*CREATE_ERRORS))
def create_doctor(
    body: DoctorCreate, session: SessionDep, user: Coordinator, response: Response
) -> DoctorRead:
    """Add a doctor to a cabinet."""
    row = resources.create_doctor(session, user, body.model_dump())
    response.headers["ETag"] = etag_of(row.id, row.version)
    response.headers["Location"] = f"/api/v1/doctors/{row.id}"
    return DoctorRead.model_validate(row)


@router.get("/{doctor_id}", responses=problem_responses(*READ_ERRORS))
def read_doctor(
    doctor_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> DoctorRead:
    """One doctor."""
    row = resources.get_doctor(session, user, doctor_id)
    response.headers["ETag"] = etag_of(row.id, row.version)
    return DoctorRead.model_validate(row)


@router.patch("/{doctor_id}", responses=problem_responses(*WRITE_ERRORS))
def update_doctor(
    doctor_id: IdPath,
    body: DoctorUpdate,
    session: SessionDep,
    user: Coordinator,
    if_match: IfMatch,
    response: Response,
) -> DoctorRead:
    """Change a doctor (If-Match)."""
    row = resources.update_doctor(
        session,
        user,
        doctor_id,
        body.model_dump(exclude_unset=True),
        expected=expected_version(if_match, "médecin", doctor_id),
    )
    response.headers["ETag"] = etag_of(row.id, row.version)
    return DoctorRead.model_validate(row)


@router.delete("/{doctor_id}", status_code=204, responses=problem_responses(*WRITE_ERRORS))
def delete_doctor(
    doctor_id: IdPath, session: SessionDep, user: Coordinator, if_match: IfMatch
) -> None:
    """Remove a doctor (If-Match)."""
    resources.delete_doctor(
        session, user, doctor_id, expected=expected_version(if_match, "médecin", doctor_id)
    )
