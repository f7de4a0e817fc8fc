"""Dependencies of the routes, as `Annotated` aliases: settings, session, current user, roles.

The session factory is built once per app from the settings' database URL and kept on
`app.state`; tests override `get_session` (or `get_settings`) through `app.dependency_overrides`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker

from scheduler import access, models
from scheduler.auth import user_from_token
from scheduler.config import Settings, get_settings
from scheduler.db import make_engine, make_session_factory
from scheduler.errors import AuthenticationFailed, Forbidden, PreconditionFailed
from scheduler.uow import request_session

IDEMPOTENT_WRITE = "idempotent_write"
"""Request-state flag set by `api.idempotency` on a write that carries an Idempotency-Key."""


def wants_single_commit(request: Request) -> bool:
    """Whether this request's writes must commit once, with their stored answer."""
    return bool(getattr(request.state, IDEMPOTENT_WRITE, False))


SettingsDep = Annotated[Settings, Depends(get_settings)]

_FACTORY_LOCK = threading.Lock()

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_session_factory(request: Request, settings: SettingsDep) -> sessionmaker[Session]:
    """The app's session factory, created on first use for the settings' database URL."""
    state = request.app.state
    with _FACTORY_LOCK:  # sync routes run in threads: build one engine, not one per thread
        factory: sessionmaker[Session] | None = getattr(state, "session_factory", None)
        if factory is None or getattr(state, "session_factory_url", None) != settings.database_url:
            # DEFERRED on SQLite: reads never wait, writes take the lock first (`begin_write`).
            engine = make_engine(settings.database_url, sqlite_begin="DEFERRED")
            factory = make_session_factory(engine)
            state.session_factory = factory
            state.session_factory_url = settings.database_url
        return factory


SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_session_factory)]


def get_session(request: Request, factory: SessionFactoryDep) -> Iterator[Session]:
    """A session for one request, closed before the response is sent (see `SessionDep`).

    A unit of work of `scheduler.uow`: the use cases commit through it, anything left over is
    rolled back. A write made with an Idempotency-Key (`api.idempotency`) gets a session whose
    commits only release SAVEPOINTs of one outer transaction, which commits once, with the stored
    answer, when the response is built.
    """
    yield from request_session(factory, single_commit=wants_single_commit(request))


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
"""The request's session. Function scope: it is closed when the route returns, after the response
model is built and before anything is sent, so that a lost connection (while loading a
relationship, or at the close's rollback) still ends as a whole 503 answer, never a cut one."""


def get_current_user(
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> models.User:
    """The signed-in user named by the bearer token (401 otherwise)."""
    if not token:
        raise AuthenticationFailed("authentification requise")
    return user_from_token(session, token, settings)


CurrentUser = Annotated[models.User, Depends(get_current_user)]


def permitted(action: access.Action) -> Callable[[models.User], models.User]:
    """A dependency that lets through only users the access policy allows `action` (403
    otherwise)."""

    def check(user: CurrentUser) -> models.User:
        if not access.allowed(user, action):
            raise Forbidden(f"le rôle {user.role.value} ne permet pas cette action")
        return user

    return check


Coordinator = Annotated[models.User, Depends(permitted(access.Action.MANAGE))]
"""A signed-in coordinator (of the user's own groupement: every query is scoped to it)."""

_ETAG = re.compile(r'^\s*"(?P<id>[^"-]+)-(?P<version>\d+)"\s*$')


def etag_of(entity_id: object, version: int) -> str:
    """The strong ETag of a versioned resource: `"<id>-<version>"`."""
    return f'"{entity_id}-{version}"'


def if_match_header(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The ETag read last (`"<id>-<version>"`); required on PATCH and DELETE.',
        ),
    ] = None,
) -> str:
    """The If-Match header; 428 when missing."""
    if if_match is None or not if_match.strip():
        raise HTTPException(status_code=428, detail="If-Match est requis : renvoyez l'ETag lu")
    return if_match


IfMatch = Annotated[str, Depends(if_match_header)]


def expected_version(if_match: str, entity: str, entity_id: object) -> int | None:
    """The version named by an If-Match value for this resource (None for `*`); 412 otherwise."""
    if if_match.strip() == "*":
        return None
    for candidate in if_match.split(","):
        match = _ETAG.match(candidate)
        if match and match["id"] == str(entity_id):
            return int(match["version"])
    raise PreconditionFailed(entity, entity_id)


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=128,
        description="Replays of a request with the same key and body get the same answer.",
    ),
]


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def json_content_type(request: Request) -> None:
    """415 when a route that reads a JSON body receives a body in another media type.

    FastAPI would read such a body as bytes and answer "Input should be a valid dictionary",
    which hides the real mistake. Routes reading a form or a CSV declare their own media type.
    """
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None)
    if body_field is None:
        return
    expected = getattr(body_field.field_info, "media_type", "application/json")
    content_type = request.headers.get("content-type")
    if expected != "application/json" or not content_type or _is_json(content_type):
        return
    if await request.body():
        raise HTTPException(
            status_code=415,
            detail=f"Content-Type {content_type.split(';', 1)[0].strip()!r} : "
            "ce corps de requête s'envoie en application/json",
        )


JsonBody = Depends(json_content_type)
"""A router dependency: every JSON-body route of the router refuses other media types (415)."""

IdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="Identifier")]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip")]


def dispose_session_factory(state: Any) -> None:
    """Close the pooled connections of the app's engine (at shutdown)."""
    factory: sessionmaker[Session] | None = getattr(state, "session_factory", None)
    if factory is not None:
        engine = factory.kw.get("bind")
        if engine is not None:
            engine.dispose()
        state.session_factory = None
