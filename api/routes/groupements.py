"""The caller's groupement. Creating one is a bootstrap step for the CLI (`create_groupement`)."""

from __future__ import annotations

from fastapi import APIRouter, Response

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
from api.errors import READ_ERRORS, WRITE_ERRORS, problem_responses
from api.idempotency import IdempotentRoute
from api.schemas import GroupementPage, GroupementRead, GroupementUpdate
from scheduler.services import resources

router = APIRouter(
    prefix="/groupements",
    tags=["groupements"],
    dependencies=[JsonBody],
    route_class=IdempotentRoute,
)


@router.get("", responses=problem_responses(*READ_ERRORS))
def list_groupements(
    session: SessionDep, user: CurrentUser, limit: Limit = 50, offset: Offset = 0
) -> GroupementPage:
    """The groupements the caller belongs to."""
    page = resources.list_groupements(session, user, limit=limit, offset=offset)
    return GroupementPage.model_validate(page, from_attributes=True)


@router.get("/{groupement_id}", responses=problem_responses(*READ_ERRORS))
def read_groupement(
    groupement_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> GroupementRead:
    """One groupement (the caller's own)."""
    row = resources.get_groupement(session, user, groupement_id)
    response.headers["ETag"] = etag_of(row.id, row.version)
    return GroupementRead.model_validate(row)


@router.patch("/{groupement_id}", responses=problem_responses(*WRITE_ERRORS))
def update_groupement(
    groupement_id: IdPath,
    body: GroupementUpdate,
    session: SessionDep,
    user: Coordinator,
    if_match: IfMatch,
    response: Response,
) -> GroupementRead:
    """Rename the groupement or change its time zone."""
    row = resources.update_groupement(
        session,
        user,
        groupement_id,
        body.model_dump(exclude_unset=True, exclude_none=True),
        expected=expected_version(if_match, "groupement", groupement_id),
    )
    response.headers["ETag"] = etag_of(row.id, row.version)
    return GroupementRead.model_validate(row)


@router.delete("/{groupement_id}", status_code=204, responses=problem_responses(*WRITE_ERRORS))
def delete_groupement(
    groupement_id: IdPath, session: SessionDep, user: Coordinator, if_match: IfMatch
) -> None:
    """Delete the groupement and all its data (the audit log stays)."""
    resources.delete_groupement(
        session,
        user,
        groupement_id,
        expected=expected_version(if_match, "groupement", groupement_id),
    )
