"""Weekly consultation sessions of the cabinets' doctors."""

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
    ConsultationSessionCreate,
    ConsultationSessionPage,
    ConsultationSessionRead,
    ConsultationSessionUpdate,
)
from scheduler.audit import snapshot
from scheduler.services import resources

router = APIRouter(
    prefix="/consultation-sessions",
    tags=["consultation sessions"],
    dependencies=[JsonBody],
    route_class=IdempotentRoute,
)


@router.get("", responses=problem_responses(*READ_ERRORS))
def list_consultation_sessions(
    session: SessionDep,
    user: CurrentUser,
    limit: Limit = 50,
    offset: Offset = 0,
    cabinet_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    weekday: Annotated[int | None, Query(ge=0, le=6)] = None,
) -> ConsultationSessionPage:
    """Sessions the caller may see."""
    page = resources.list_consultation_sessions(
        session, user, limit=limit, offset=offset, cabinet_id=cabinet_id, weekday=weekday
    )
    return ConsultationSessionPage.model_validate(
        {
            "items": [{**snapshot(r), "version": resources.session_version(r)} for r in page.items],
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
        },
        from_attributes=True,
    )


@router.post("", status_code=201, responses=problem_responses(*CREATE_ERRORS))
def create_consultation_session(
    body: ConsultationSessionCreate, session: SessionDep, user: Coordinator, response: Response
) -> ConsultationSessionRead:
    """Add a weekly consultation session."""
    row = resources.create_consultation_session(session, user, body.model_dump())
    response.headers["ETag"] = etag_of(row.id, resources.session_version(row))
    response.headers["Location"] = f"/api/v1/consultation-sessions/{row.id}"
    return ConsultationSessionRead.model_validate(
        {**snapshot(row), "version": resources.session_version(row)}
    )


@router.get("/{consultation_session_id}", responses=problem_responses(*READ_ERRORS))
def read_consultation_session(
    consultation_session_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> ConsultationSessionRead:
    """One consultation session."""
    row = resources.get_consultation_session(session, user, consultation_session_id)
    response.headers["ETag"] = etag_of(row.id, resources.session_version(row))
    return ConsultationSessionRead.model_validate(
        {**snapshot(row), "version": resources.session_version(row)}
    )


@router.patch("/{consultation_session_id}", responses=problem_responses(*WRITE_ERRORS))
def update_consultation_session(
    consultation_session_id: IdPath,
    body: ConsultationSessionUpdate,
    session: SessionDep,
    user: Coordinator,
    if_match: IfMatch,
    response: Response,
) -> ConsultationSessionRead:
    """Change a session (If-Match on its content digest)."""
    row = resources.update_consultation_session(
        session,
        user,
        consultation_session_id,
        body.model_dump(exclude_unset=True),
        expected=expected_version(if_match, "séance", consultation_session_id),
    )
    response.headers["ETag"] = etag_of(row.id, resources.session_version(row))
    return ConsultationSessionRead.model_validate(
        {**snapshot(row), "version": resources.session_version(row)}
    )


@router.delete(
    "/{consultation_session_id}", status_code=204, responses=problem_responses(*WRITE_ERRORS)
)
def delete_consultation_session(
    consultation_session_id: IdPath, session: SessionDep, user: Coordinator, if_match: IfMatch
) -> None:
    """Remove a session (If-Match)."""
    resources.delete_consultation_session(
        session,
        user,
        consultation_session_id,
        expected=expected_version(if_match, "séance", consultation_session_id),
    )
