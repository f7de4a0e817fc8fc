"""Serving: the bytes a live token opens, kept in memory and checked against the database."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.compiler import SQLCompiler

from scheduler import models
from scheduler.feeds.kinds import token_feed_key
from scheduler.security import token_digest


@dataclass(frozen=True, slots=True)
class FeedSnapshot:
    """What the feed route serves: the bytes and their validators."""

    etag: str
    last_modified_at: datetime
    body: bytes


# Which feed a live token opens, and its ETag: the one query every feed request runs.
_LIVE_FEED = (
    select(models.RenderedFeed.id, models.RenderedFeed.etag)
    .join(
        models.FeedToken,
        and_(
            models.RenderedFeed.feed_key == token_feed_key(),
            models.RenderedFeed.groupement_id == models.FeedToken.groupement_id,
        ),
    )
    .where(
        models.FeedToken.token_hash == bindparam("digest"),
        models.FeedToken.revoked_at.is_(None),
    )
)
_FEED_BODY = select(
    models.RenderedFeed.etag, models.RenderedFeed.last_modified_at, models.RenderedFeed.body
).where(models.RenderedFeed.id == bindparam("feed_id"))
_COMPILED: dict[tuple[str, str], SQLCompiler] = {}  # by dialect and driver (paramstyle)


def _live_feed(db: Connection, digest: str) -> tuple[int, str] | None:
    """The id and ETag of the rendered feed a live token digest opens, or None.

    Run on the driver's cursor with the statement compiled once per dialect: SQLAlchemy's
    execution path (cache key, events, BEGIN, result processing) costs several times the indexed
    query itself, and this runs on every feed request. Both columns need no type processing.
    """
    dialect = db.dialect
    compiled = _COMPILED.get((dialect.name, dialect.driver))
    if compiled is None:
        built = _LIVE_FEED.compile(dialect=dialect)
        assert isinstance(built, SQLCompiler)
        compiled = _COMPILED[dialect.name, dialect.driver] = built
    values = compiled.construct_params({"digest": digest})
    assert values is not None
    params: Any = (
        tuple(values[name] for name in compiled.positiontup or ()) if dialect.positional else values
    )
    cursor = db.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        row = cursor.fetchone()
    finally:
        cursor.close()
    return None if row is None else (int(row[0]), str(row[1]))


class FeedCache:
    """Feed bytes kept in memory, keyed by token digest, checked against the database each time.

    Every lookup runs one small indexed query (is the token still live, which feed, which ETag?)
    and reads the feed again only when it or its ETag changed. So a revocation, from any process,
    is seen by the very next request, and a new publication too. Bounded in size: the oldest
    entries are dropped first.
    """

    def __init__(self, *, max_entries: int = 1024) -> None:
        self._entries: dict[str, tuple[int, FeedSnapshot]] = {}
        self._max_entries = max_entries

    def lookup(
        self, connection: Callable[[], AbstractContextManager[Connection]], token: str
    ) -> FeedSnapshot | None:
        """The live feed behind `token`, or None; `connection` opens a database connection."""
        digest = token_digest(token)
        with connection() as db:
            live = _live_feed(db, digest)
            if live is None:
                self._entries.pop(digest, None)
                return None
            feed_id, etag = live
            cached = self._entries.get(digest)
            if cached is not None and cached[0] == feed_id and cached[1].etag == etag:
                return cached[1]
            row = db.execute(_FEED_BODY, {"feed_id": feed_id}).first()
            if row is None:
                return None
            snapshot = FeedSnapshot(row.etag, row.last_modified_at, bytes(row.body))
        if cached is None and len(self._entries) >= self._max_entries:
            self._entries.pop(next(iter(self._entries)))
        self._entries[digest] = (feed_id, snapshot)
        return snapshot
