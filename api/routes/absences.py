"""Absences of the assistants."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

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
from api.schemas import AbsenceCreate, AbsencePage, AbsenceRead, AbsenceUpdate
from scheduler.models import AbsenceKind
from scheduler.services import resources

router = APIRouter(
    prefix="/absences", tags=["absences"], dependencies=[JsonBody], route_class=IdempotentRoute
)


@router.get("", responses=problem_responses(*READ_ERRORS))
def list_absences(
    session: SessionDep,
    user: CurrentUser,
    limit: Limit = 50,
    offset: Offset = 0,
    assistant_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    kind: AbsenceKind | None = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
) -> AbsencePage:
    """Absences the caller may see, by assistant, kind and period."""
    page = resources.list_absences(
        session,
        user,
        limit=limit,
        offset=offset,
        assistant_id=assistant_id,
        kind=kind,
        since=since,
        until=until,
    )
    return AbsencePage.model_validate(page, from_attributes=True)


@router.post("", status_code=201, responses=problem_responses(*CREATE_ERRORS))
def create_absence(
    body: AbsenceCreate, session: SessionDep, user: Coordinator, response: Response
) -> AbsenceRead:
    """Record an absence."""
    row = resources.create_absence(session, user, body.model_dump())
    response.headers["ETag"] = etag_of(row.id, row.version)
    response.headers["Location"] = f"/api/v1/absences/{row.id}"
    return AbsenceRead.model_validate(row)


@router.get("/{absence_id}", responses=problem_responses(*READ_ERRORS))
def read_absence(
    absence_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> AbsenceRead:
    """One absence."""
    row = resources.get_absence(session, user, absence_id)
    response.headers["ETag"] = etag_of(row.id, row.version)
    return AbsenceRead.model_validate(row)


@router.patch("/{absence_id}", responses=problem_responses(*WRITE_ERRORS))
def update_absence(
    absence_id: IdPath,
    body: AbsenceUpdate,
    session: SessionDep,
    user: Coordinator,
    if_match: IfMatch,
    response: Response,
) -> AbsenceRead:
    """Change an absence (If-Match)."""
    row = resources.update_absence(
        session,
        user,
        absence_id,
        body.model_dump(exclude_unset=True),
        expected=expected_version(if_match, "absence", absence_id),
    )
    response.headers["ETag"] = etag_of(row.id, row.version)
    return AbsenceRead.model_validate(row)


@router.delete("/{absence_id}", status_code=204, responses=problem_responses(*WRITE_ERRORS))
def delete_absence(
    absence_id: IdPath, session: SessionDep, user: Coordinator, if_match: IfMatch
) -> None:
    """Remove an absence (If-Match)."""
    resources.delete_absence(
        session, user, absence_id, expected=expected_version(if_match, "absence", absence_id)
    )
