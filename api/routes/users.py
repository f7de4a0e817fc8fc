"""Users of the groupement and its audit log (coordinators; auditors: their contracts' trail)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Coordinator, CurrentUser, IdPath, JsonBody, Limit, Offset, SessionDep
from api.errors import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, problem_responses
from api.idempotency import IdempotentRoute
from api.schemas import AuditEntryPage, UserCreate, UserInvite, UserPage, UserRead
from scheduler.auth import create_user as create_user_account
from scheduler.auth import unlock_user as unlock_user_account
from scheduler.services import invitations, resources

router = APIRouter(tags=["users"], dependencies=[JsonBody], route_class=IdempotentRoute)


@router.get("/users", responses=problem_responses(*READ_ERRORS))
def list_users(
    session: SessionDep, user: CurrentUser, limit: Limit = 50, offset: Offset = 0
) -> UserPage:
    """The groupement's users."""
    page = resources.USERS.list(session, user, limit=limit, offset=offset)
    return UserPage.model_validate(page, from_attributes=True)


@router.post("/users", status_code=201, responses=problem_responses(*CREATE_ERRORS))
def create_user(body: UserCreate, session: SessionDep, user: Coordinator) -> UserRead:
    """Create a user of the caller's groupement (cabinet and assistant users name their row)."""
    created = create_user_account(
        session,
        resources.GROUPEMENTS.get(session, user, user.groupement_id).slug,
        body.email,
        body.full_name,
        body.password,
        body.role,
        cabinet_id=body.cabinet_id,
        assistant_id=body.assistant_id,
        granted_contract_ids=body.granted_contract_ids,
        actor=user,
    )
    return UserRead.model_validate(created)


@router.post("/users/invitations", status_code=201, responses=problem_responses(*CREATE_ERRORS))
def invite_user(body: UserInvite, session: SessionDep, user: Coordinator) -> UserRead:
    """Invite a person into the caller's groupement: her account is created inactive, and the
    jobs process e-mails her a link (valid 72 h) to choose her password."""
    invited = invitations.invite(
        session,
        user,
        email=body.email,
        full_name=body.full_name,
        role=body.role,
        cabinet_id=body.cabinet_id,
        assistant_id=body.assistant_id,
        granted_contract_ids=body.granted_contract_ids,
    )
    return UserRead.model_validate(invited)


@router.post(
    "/users/{user_id}/invitation", status_code=204, responses=problem_responses(*WRITE_ERRORS)
)
def invite_user_again(user_id: IdPath, session: SessionDep, user: Coordinator) -> None:
    """Send a new invitation to a user who has not chosen her password, or who was deactivated;
    her earlier links stop working (409 for an active account)."""
    invitations.invite_again(session, user, user_id)


@router.post(
    "/users/{user_id}/deactivate", status_code=204, responses=problem_responses(*WRITE_ERRORS)
)
def deactivate_user(user_id: IdPath, session: SessionDep, user: Coordinator) -> None:
    """Close a user's account: she can no longer sign in and her links stop working (409 for
    one's own account)."""
    invitations.deactivate(session, user, user_id)


@router.post("/users/{user_id}/unlock", status_code=204, responses=problem_responses(*WRITE_ERRORS))
def unlock_user(user_id: IdPath, session: SessionDep, user: Coordinator) -> None:
    """Lift a user's sign-in lock and clear the failed sign-ins (audited as `unlock`)."""
    unlock_user_account(session, user_id, actor=user)


@router.get("/audit", responses=problem_responses(*READ_ERRORS))
def list_audit(
    session: SessionDep,
    user: CurrentUser,
    limit: Limit = 50,
    offset: Offset = 0,
    entity: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")] = None,
    entity_id: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")] = None,
) -> AuditEntryPage:
    """The audit log, newest first: a coordinator's groupement's; for an auditor, the trail of the
    contracts granted to her (what was done to each, by whom, when and why)."""
    page = resources.AUDIT.list(
        session, user, limit=limit, offset=offset, entity=entity, entity_id=entity_id
    )
    return AuditEntryPage.model_validate(page, from_attributes=True)
