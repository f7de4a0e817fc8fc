"""Calendar subscriptions: issue a feed link (shown once), list the live ones, revoke one."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import CurrentUser, IdPath, JsonBody, SessionDep, SettingsDep
from api.errors import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, problem_responses
from api.idempotency import IdempotentRoute, answer_not_stored
from api.schemas import SubscribeLinks, SubscriptionCreate, SubscriptionCreated, SubscriptionRead
from scheduler.services import subscriptions

router = APIRouter(
    prefix="/subscriptions", tags=["feeds"], dependencies=[JsonBody], route_class=IdempotentRoute
)


@router.post("", status_code=201, responses=problem_responses(*CREATE_ERRORS))
@answer_not_stored  # the link is shown once; a retry issues a new one and revokes this one
def create_subscription(
    body: SubscriptionCreate,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    response: Response,
) -> SubscriptionCreated:
    """Issue a calendar link: a coordinator for any feed of the groupement, a cabinet for its own,
    an assistant for hers. The same subscriber's older link to that feed is revoked."""
    response.headers["Cache-Control"] = "no-store"  # the link is a secret, shown once
    created = subscriptions.subscribe(
        session,
        user,
        body.kind,
        body.target_id,
        body.subscriber,
        base_url=settings.public_base_url,
        calendar_name="Partagenda",
    )
    return SubscriptionCreated(id=created.token_id, links=SubscribeLinks(**created.links))


@router.get("", responses=problem_responses(*READ_ERRORS))
def list_subscriptions(session: SessionDep, user: CurrentUser) -> list[SubscriptionRead]:
    """The live calendar links the caller may manage."""
    rows = subscriptions.list_subscriptions(session, user)
    return [SubscriptionRead.model_validate(row) for row in rows]


@router.delete("/{subscription_id}", status_code=204, responses=problem_responses(*WRITE_ERRORS))
def revoke_subscription(
    subscription_id: IdPath, session: SessionDep, user: CurrentUser
) -> Response:
    """Revoke a calendar link: its URL answers 404 at once."""
    subscriptions.revoke(session, user, subscription_id)
    return Response(status_code=204)
