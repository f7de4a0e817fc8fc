"""Capability tokens: a 256-bit token per (feed, subscriber), of which only the SHA-256 is stored,
and the links that carry one. Revoking or rotating makes the old URL answer 404 at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict
from urllib.parse import quote

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.errors import InvalidField, NotFound
from scheduler.feeds.kinds import feed_kind, token_feed_key, token_target
from scheduler.security import new_token, token_digest

# --- Links ---------------------------------------------------------------------------------------


class SubscribeLinks(TypedDict):
    """The ways to subscribe to one feed."""

    ics: str
    webcal: str
    google: str
    outlook: str


def feed_url(base_url: str, token: str) -> str:
    """The https (or http) URL of the feed behind `token`."""
    return f"{base_url.rstrip('/')}/feeds/{token}.ics"


def subscribe_links(
    base_url: str, token: str, *, name: str = "Planning Partagenda"
) -> SubscribeLinks:
    """Subscribe links for `token`: the plain URL, webcal://, Google Calendar and Outlook.com.

    `base_url` is where the feed router is mounted (with any path prefix). Google needs the
    `webcal://` form in `cid` (an https one is refused); Outlook.com takes the https URL.
    """
    ics = feed_url(base_url, token)
    scheme, rest = ics.split("://", 1)
    webcal = f"webcal://{rest}" if scheme in {"http", "https"} else ics
    return SubscribeLinks(
        ics=ics,
        webcal=webcal,
        google=f"https://calendar.google.com/calendar/r?cid={quote(webcal, safe='')}",
        outlook=(
            "https://outlook.live.com/calendar/0/addfromweb"
            f"?url={quote(ics, safe='')}&name={quote(name, safe='')}"
        ),
    )


# --- Tokens --------------------------------------------------------------------------------------


def create_feed_token(session: Session, kind: str, target: int, subscriber: str) -> str:
    """Issue a token for the feed of `kind` about `target` (a cabinet, assistant or groupement id,
    or the id of whatever row the kind's feeds are about) for one `subscriber`; the token is
    returned once, only its digest is stored. The token belongs to the target's groupement.

    Raises:
        InvalidField: no such kind of feed; the subscriber label is empty or too long.
        NotFound: no such cabinet, assistant, groupement (or other target).
    """
    spec = feed_kind(kind)
    label = subscriber.strip()
    if not label or len(label) > 200:
        raise InvalidField("subscriber", "length", "entre 1 et 200 caractères")
    row = session.get(spec.target, target)
    if row is None:
        raise NotFound(spec.label, target)
    token = new_token()
    issued = models.FeedToken(
        groupement_id=spec.groupement_of(row),
        kind=spec.kind,
        target_id=target,
        subscriber=label,
        token_hash=token_digest(token),
    )
    session.add(issued)
    session.flush()
    return token


def _live_token(session: Session, token_id: int, groupement_id: int | None) -> models.FeedToken:
    row = session.get(models.FeedToken, token_id)
    if (
        row is None
        or row.revoked_at is not None
        or (groupement_id is not None and row.groupement_id != groupement_id)
    ):
        raise NotFound("jeton d'abonnement", token_id)
    return row


def revoke_feed_token(
    session: Session, token_id: int, *, now: datetime, groupement_id: int | None = None
) -> None:
    """Revoke a token: its URL answers 404 from the commit on.

    `groupement_id` restricts the lookup to one tenant.

    Raises:
        NotFound: no live token with this id (in this groupement).
    """
    row = _live_token(session, token_id, groupement_id)
    row.revoked_at = now
    session.flush()


def rotate_feed_token(
    session: Session, token_id: int, *, now: datetime, groupement_id: int | None = None
) -> str:
    """Revoke a token and issue a new one for the same feed and subscriber; return the new one.

    Raises:
        NotFound: no live token with this id (in this groupement).
    """
    row = _live_token(session, token_id, groupement_id)
    row.revoked_at = now
    target = token_target(row)
    session.flush()
    return create_feed_token(session, row.kind, target, row.subscriber)


def feed_for_token(session: Session, token: str) -> models.RenderedFeed | None:
    """The rendered feed a live token opens, or None (unknown, revoked, not rendered yet).

    One indexed query on the token's digest: comparing digests rather than tokens keeps the
    lookup's timing independent of how much of a guessed token is right.
    """
    key = token_feed_key()
    return session.scalar(
        select(models.RenderedFeed)
        .join(
            models.FeedToken,
            and_(
                models.RenderedFeed.feed_key == key,
                models.RenderedFeed.groupement_id == models.FeedToken.groupement_id,
            ),
        )
        .where(
            models.FeedToken.token_hash == token_digest(token),
            models.FeedToken.revoked_at.is_(None),
        )
    )


def feed_tokens(session: Session, groupement_id: int) -> Sequence[models.FeedToken]:
    """The live tokens of a groupement (for the coordinator's list; digests only)."""
    return session.scalars(
        select(models.FeedToken)
        .where(
            models.FeedToken.groupement_id == groupement_id,
            models.FeedToken.revoked_at.is_(None),
        )
        .order_by(models.FeedToken.id)
    ).all()
