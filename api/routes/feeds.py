"""Calendar subscription feeds: `GET`/`HEAD /feeds/{token}.ics`.

The bytes were rendered at publication (`scheduler.feeds.refresh_feeds`); this route only looks
the token up and serves them with their validators, answering 304 to a matching `If-None-Match`
(weak comparison, RFC 9110 §13.1.2) or, without one, to an `If-Modified-Since` not older than
the feed. The token is a capability: it is never logged and never echoed, not even in a 404 body
(built here, constant) or in the problem of another status (405 to a POST...: `api.errors`
redacts the path in `instance`); any other path under `/feeds/` answers the same 404 rather than
a redirect whose Location would repeat the token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from api.deps import get_session_factory
from api.errors import PROBLEM_MEDIA_TYPE
from scheduler.config import get_settings
from scheduler.feeds import FeedCache
from scheduler.observability import record_feed_hit
from scheduler.uow import autocommit_reads

router = APIRouter(tags=["feeds"])

MEDIA_TYPE = "text/calendar; charset=utf-8"
# Short enough that a new publication or a revocation reaches the subscriber soon; revalidation
# is a cheap 304. Clients poll at their own pace anyway (REFRESH-INTERVAL in the feed).
CACHE_CONTROL = "private, max-age=900"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,128}$")
_NOT_FOUND = json.dumps(
    {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Ce lien d'abonnement n'existe pas ou a été révoqué.",
    },
    ensure_ascii=False,
).encode()


@dataclass
class FeedSource:
    """Where the feed route reads: a way to open a database connection, and the bytes cache."""

    connect: Callable[[], AbstractContextManager[Connection]]
    cache: FeedCache = field(default_factory=FeedCache)


async def get_feed_source(request: Request) -> FeedSource:
    """The app's feed source, built once on the engine of the app's session factory.

    Async and free of sync sub-dependencies on purpose: each sync dependency costs a thread-pool
    hop, which dominated the cost of serving a feed (see benchmarks/feed_bench.py). Tests
    override this dependency.
    """
    state = request.app.state
    source: FeedSource | None = getattr(state, "feed_source", None)
    if source is None:
        settings = request.app.dependency_overrides.get(get_settings, get_settings)()
        engine = get_session_factory(request, settings).kw["bind"]
        assert isinstance(engine, Engine)
        if engine.dialect.name != "sqlite":
            # One read-only statement per request: autocommit spares a BEGIN and a ROLLBACK
            # round trip to the server. (SQLite's are local, and our engine emits its own BEGIN.)
            engine = autocommit_reads(engine)
        source = FeedSource(connect=engine.connect)
        state.feed_source = source
    return source


FeedSourceDep = Annotated[FeedSource, Depends(get_feed_source)]


def _not_found() -> Response:
    return Response(
        _NOT_FOUND,
        status_code=404,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
    )


def _etag_matches(header: str, etag: str) -> bool:
    """Weak comparison of `etag` with an If-None-Match list (RFC 9110 §13.1.2)."""
    if header.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(candidate.strip().removeprefix("W/") == opaque for candidate in header.split(","))


def _not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False  # an unparseable date is ignored (RFC 9110 §13.1.3)
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= since


_FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "The feed (iCalendar)."},
    304: {"description": "Not modified since the validators sent."},
    404: {"description": "Unknown or revoked token.", "content": {PROBLEM_MEDIA_TYPE: {}}},
}


# One route per method, each with its operation id: a route of two methods is described in the
# order of a set of strings, which changes from one process to the next.
@router.get(
    "/feeds/{token}.ics",
    response_class=Response,
    responses=_FEED_RESPONSES,
    operation_id="read_feed_feeds__token__ics_get",
)
@router.head(
    "/feeds/{token}.ics",
    response_class=Response,
    responses=_FEED_RESPONSES,
    operation_id="read_feed_feeds__token__ics_get_head",
)
async def read_feed(token: str, request: Request, source: FeedSourceDep) -> Response:
    """A calendar feed, as rendered at the last publication (subscribe with this URL)."""
    response = _answer(token, request, source)
    record_feed_hit(response.status_code)
    return response


@router.api_route("/feeds/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def read_other_feed_path() -> Response:
    """Not a feed URL (a trailing slash, another extension): the same 404 as an unknown token.

    Without this route, Starlette would redirect `/feeds/<token>.ics/` to the URL without the
    slash, repeating the token in a Location header.
    """
    response = _not_found()
    record_feed_hit(response.status_code)
    return response


def _answer(token: str, request: Request, source: FeedSource) -> Response:
    if not _TOKEN.match(token):
        return _not_found()
    # One small indexed query per request, run inline (cheaper than a thread-pool hop): a
    # revoked token answers 404 from the next request on, whichever worker serves it.
    feed = source.cache.lookup(source.connect, token)
    if feed is None:
        return _not_found()
    headers = {
        "ETag": feed.etag,
        "Last-Modified": format_datetime(feed.last_modified_at.astimezone(UTC), usegmt=True),
        "Cache-Control": CACHE_CONTROL,
        "X-Robots-Tag": "noindex",
        "Referrer-Policy": "no-referrer",
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        fresh = _etag_matches(if_none_match, feed.etag)
    else:
        if_modified_since = request.headers.get("if-modified-since")
        fresh = if_modified_since is not None and _not_modified_since(
            if_modified_since, feed.last_modified_at
        )
    if fresh:
        return Response(status_code=304, headers=headers)
    body = bytes(feed.body)
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return Response(status_code=200, media_type=MEDIA_TYPE, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)
