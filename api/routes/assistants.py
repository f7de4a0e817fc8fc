"""Assistants and their weekly availability."""

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
from api.schemas import AssistantCreate, AssistantPage, AssistantRead, AssistantUpdate
from scheduler.services import resources

router = APIRouter(
    prefix="/assistants", tags=["assistants"], dependencies=[JsonBody], route_class=IdempotentRoute
)


@router.get("", responses=problem_responses(*READ_ERRORS))
def list_assistants(
    session: SessionDep,
    user: CurrentUser,
    limit: Limit = 50,
    offset: Offset = 0,
    code: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")] = None,
    q: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
) -> AssistantPage:
    """Assistants the caller may see, filtered by code or name."""
    page = resources.list_assistants(session, user, limit=limit, offset=offset, code=code, q=q)
    return AssistantPage.model_validate(page, from_attributes=True)


@router.post("", status_code=201, responses=problem_responses(*CREATE_ERRORS))
def create_assistant(
    body: AssistantCreate, session: SessionDep, user: Coordinator, response: Response
) -> AssistantRead:
    """Add an assistant with her availability windows."""
    row = resources.create_assistant(session, user, body.model_dump())
    response.headers["ETag"] = etag_of(row.id, row.version)
    response.headers["Location"] = f"/api/v1/assistants/{row.id}"
    return AssistantRead.model_validate(row)


@router.get("/{assistant_id}", responses=problem_responses(*READ_ERRORS))
def read_assistant(
    assistant_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> AssistantRead:
    """One assistant."""
    row = resources.get_assistant(session, user, assistant_id)
    response.headers["ETag"] = etag_of(row.id, row.version)
    return AssistantRead.model_validate(row)


@router.patch("/{assistant_id}", responses=problem_responses(*WRITE_ERRORS))
def update_assistant(
    assistant_id: IdPath,
    body: AssistantUpdate,
    session: SessionDep,
    user: Coordinator,
    if_match: IfMatch,
    response: Response,
) -> AssistantRead:
    """Change an assistant (If-Match); a given `availability` replaces her windows."""
    row = resources.update_assistant(
        session,
        user,
        assistant_id,
        body.model_dump(exclude_unset=True),
        expected=expected_version(if_match, "assistante", assistant_id),
    )
    response.headers["ETag"] = etag_of(row.id, row.version)
    return AssistantRead.model_validate(row)


@router.delete("/{assistant_id}", status_code=204, responses=problem_responses(*WRITE_ERRORS))
def delete_assistant(
    assistant_id: IdPath, session: SessionDep, user: Coordinator, if_match: IfMatch
) -> None:
    """Remove an assistant who is in no contract and no rota (If-Match)."""
    resources.delete_assistant(
        session, user, assistant_id, expected=expected_version(if_match, "assistante", assistant_id)
    )
