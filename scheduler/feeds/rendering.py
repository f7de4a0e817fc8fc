"""Rendering at publication: every feed of a groupement rendered and stored with its validators."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.config import Settings
from scheduler.feeds.content import feed_contents
from scheduler.ical import render_feed


def strong_etag(body: bytes) -> str:
    """The strong ETag of feed bytes: the quoted SHA-256 hex digest."""
    return f'"{hashlib.sha256(body).hexdigest()}"'


def _next_stamp(previous: datetime | None, now: datetime) -> datetime:
    # Whole seconds (HTTP dates have no more), and strictly after the previous version even if the
    # caller's clock is behind: Last-Modified must never go backwards.
    stamp = now.astimezone(UTC).replace(microsecond=0)
    if previous is not None and stamp <= previous:
        stamp = previous.replace(microsecond=0) + timedelta(seconds=1)
    return stamp


def _dtstamp_line(stamp: datetime) -> bytes:
    return f"\r\nDTSTAMP:{stamp.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n".encode()


def _same_but_stamp(old: bytes, old_stamp: datetime, new: bytes, new_stamp: datetime) -> bool:
    # DTSTAMP is the only thing that differs between two renderings of the same content (it is
    # the time of the last change), and a CRLF-framed DTSTAMP line can only be that property:
    # text values escape their line breaks. One rendering instead of two per feed.
    return bytes(old).replace(_dtstamp_line(old_stamp), _dtstamp_line(new_stamp)) == new


def refresh_feeds(
    session: Session, groupement_id: int, *, now: datetime, settings: Settings | None = None
) -> list[str]:
    """Render every feed of the groupement and store the bytes that changed; return their keys.

    Called after each publication, in its transaction (stages, never commits). A feed whose bytes
    would be the same keeps its body, ETag and Last-Modified: DTSTAMP is the time of the last
    change, so the new rendering is compared with the stored one up to that stamp.

    Raises:
        NotFound: no such groupement.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware date-time")
    stored = {
        row.feed_key: row
        for row in session.scalars(
            select(models.RenderedFeed).where(models.RenderedFeed.groupement_id == groupement_id)
        )
    }
    changed: list[str] = []
    contents = feed_contents(session, groupement_id, now=now, settings=settings)
    for feed in contents:
        row = stored.get(feed.key)
        previous = row.last_modified_at if row is not None else None
        stamp = _next_stamp(previous, now)
        body = render_feed(feed.meta, feed.events, stamp=stamp)
        if (
            row is not None
            and previous is not None
            and _same_but_stamp(row.body, previous, body, stamp)
        ):
            continue
        if row is None:
            row = models.RenderedFeed(groupement_id=groupement_id, feed_key=feed.key)
            session.add(row)
        row.body = body
        row.etag = strong_etag(body)
        row.last_modified_at = stamp
        changed.append(feed.key)
    # A feed whose cabinet or assistant left the groupement is gone: its URLs then answer 404.
    live = {feed.key for feed in contents}
    for key, row in stored.items():
        if key not in live:
            session.delete(row)
    session.flush()
    return changed
