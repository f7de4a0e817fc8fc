"""Request bodies: a size cap per route, and no body read for a caller who must sign in first;
`install_body_limits(app)`.

A pure ASGI middleware (`BaseHTTPMiddleware` would buffer the body it is meant to cap) that,
for every request announcing a body (`Content-Length` above zero, or `Transfer-Encoding`):

- finds the route the request goes to and, when that route needs a signed-in user (its
  dependencies include `get_current_user` or the pages' `page_user`), checks the bearer token
  (API) or the session cookie (pages) for a valid signature and expiry, without the database,
  before any body byte is read: the API answers 401 problem+json, a page sends the visitor to
  the sign-in page, as the routes themselves would;
- picks the route's cap: 16 KiB for the sign-in forms, 10 MiB for the patientèle CSV, 1 MiB for
  every other body (JSON and the pages' forms);
- answers 413 at once when `Content-Length` is above the cap, without reading the body;
- otherwise counts the bytes as the app reads them and, as soon as the cap is passed (a chunked
  body has no length to check first), answers 413 itself, gives the app `http.disconnect` from
  then on and drops whatever the app answers, so nothing past the cap is ever buffered.

The answers come from the app's own exception handlers (`api.errors`, and the pages' HTML and
redirect answers), so they have the shape of every other error. Each goes out with
`Connection: close`: the unread rest of the body is not worth receiving.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any, Literal, cast

from fastapi import FastAPI, HTTPException, Request
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security.utils import get_authorization_scheme_param
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import get_current_user
from api.pages.web import SESSION_COOKIE, SignInRequired, page_user
from scheduler.auth import token_user_id
from scheduler.config import Settings, get_settings
from scheduler.errors import AuthenticationFailed

KIB = 1024
MIB = 1024 * KIB

JSON_BODY_LIMIT = 1 * MIB
"""Every body without a cap of its own: the API's JSON and the pages' forms."""
CSV_BODY_LIMIT = 10 * MIB
"""A patientèle CSV import (`text/csv` on a route that reads one)."""
SIGN_IN_BODY_LIMIT = 16 * KIB
"""The sign-in forms, the first run's and the invitation's: names, an e-mail and passwords, a CSRF
token at most."""
SIGN_IN_PATHS = frozenset(
    {"/api/v1/auth/token", "/connexion", "/premiere-connexion", "/invitation"}
)

Credentials = Literal["bearer", "session"]


@dataclass(frozen=True)
class BodyPolicy:
    """What a route accepts as a body and who may send one."""

    sign_in: bool = False
    csv: bool = False
    credentials: Credentials | None = None

    def limit(self, content_type: str) -> int:
        """The cap, in bytes, of a body of this media type."""
        if self.sign_in:
            return SIGN_IN_BODY_LIMIT
        media = content_type.split(";", 1)[0].strip().lower()
        if self.csv and media == "text/csv":
            return CSV_BODY_LIMIT
        return JSON_BODY_LIMIT


def _needs(route: APIRoute) -> Credentials | None:
    """Which credentials the route's dependencies ask for, if any."""
    pending = list(route.dependant.dependencies)
    seen: set[int] = set()
    while pending:
        dependant = pending.pop()
        if id(dependant) in seen:
            continue
        seen.add(id(dependant))
        if dependant.call is get_current_user:
            return "bearer"
        if dependant.call is page_user:
            return "session"
        pending.extend(dependant.dependencies)
    return None


def body_policy(route: BaseRoute, path: str) -> BodyPolicy:
    """The body policy of a route served at `path` (the default one for a mount...)."""
    if not isinstance(route, APIRoute):
        return BodyPolicy()
    body_field = route.body_field
    media_type = getattr(body_field.field_info, "media_type", "") if body_field else ""
    return BodyPolicy(
        sign_in=path in SIGN_IN_PATHS,
        csv=media_type == "text/csv",
        credentials=_needs(route),
    )


def _size(limit: int) -> str:
    if limit % MIB == 0:
        return f"{limit // MIB} Mio"
    if limit % KIB == 0:
        return f"{limit // KIB} Kio"
    return f"{limit} octets"


def too_large(limit: int) -> HTTPException:
    """The 413 of a body above `limit` bytes."""
    return HTTPException(
        status_code=413,
        detail=f"le corps de la requête dépasse {_size(limit)}, le plus que cette adresse accepte",
    )


def _announces_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"transfer-encoding":
            return True
        if name == b"content-length":
            return value.strip() not in (b"0", b"")
    return False


def _content_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class BodyLimitMiddleware:
    """Caps each request body by route and refuses bodies from callers who must sign in."""

    def __init__(self, app: ASGIApp, *, routes_of: FastAPI) -> None:
        self.app = app
        self.routes_of = routes_of
        self._routes: list[tuple[re.Pattern[str], frozenset[str] | None, BodyPolicy]] = []
        self._table_size = -1

    def _settings(self) -> Settings:
        provider = self.routes_of.dependency_overrides.get(get_settings, get_settings)
        return cast(Settings, provider())

    def _table(self) -> list[tuple[re.Pattern[str], frozenset[str] | None, BodyPolicy]]:
        """Each route's path pattern, methods and policy, in the router's order."""
        routes = self.routes_of.routes
        if self._table_size != len(routes):
            table = []
            for route in iter_route_contexts(routes):
                pattern = getattr(route, "path_regex", None)
                if pattern is None:
                    continue
                methods = getattr(route, "methods", None)
                table.append(
                    (
                        pattern,
                        frozenset(methods) if methods else None,
                        body_policy(route.original_route, route.path or ""),
                    )
                )
            self._routes, self._table_size = table, len(routes)
        return self._routes

    def _policy(self, scope: Scope) -> BodyPolicy:
        """The policy of the route the request goes to, as the router will choose it."""
        path, method = scope["path"], scope["method"]
        for pattern, methods, policy in self._table():
            if pattern.match(path) and (methods is None or method in methods):
                return policy
        return BodyPolicy()

    def _refusal(self, policy: BodyPolicy, request: Request) -> Exception | None:
        """Why the caller may not send this route a body, or None when it may."""
        if policy.credentials == "session":
            token = request.cookies.get(SESSION_COOKIE)
            try:
                token_user_id(token or "", self._settings())
            except AuthenticationFailed:
                return SignInRequired(request.url.path)
            return None
        if policy.credentials == "bearer":
            scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
            if scheme.lower() != "bearer" or not token:
                return AuthenticationFailed("authentification requise")
            try:
                token_user_id(token, self._settings())
            except AuthenticationFailed as error:
                return error
        return None

    async def _answer(self, request: Request, error: Exception) -> Response:
        """The app's own answer to `error`, from its exception handlers."""
        handlers: dict[Any, Any] = self.routes_of.exception_handlers
        handler = next((handlers[kind] for kind in type(error).__mro__ if kind in handlers), None)
        if handler is None:  # pragma: no cover - api.errors handles every exception
            raise error
        response = handler(request, error)
        if inspect.isawaitable(response):
            response = await response
        assert isinstance(response, Response)
        response.headers["Connection"] = "close"
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse, cap or pass the request through."""
        if scope["type"] != "http" or not _announces_body(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        policy = self._policy(scope)
        refusal = self._refusal(policy, request)
        limit = policy.limit(request.headers.get("content-type", ""))
        length = _content_length(request)
        if refusal is None and length is not None and length > limit:
            refusal = too_large(limit)
        if refusal is not None:
            response = await self._answer(request, refusal)
            await response(scope, receive, send)
            return
        await self._capped(scope, receive, send, request, limit)

    async def _capped(
        self, scope: Scope, receive: Receive, send: Send, request: Request, limit: int
    ) -> None:
        received = 0
        started = False
        answered = False

        async def counted_receive() -> Message:
            nonlocal received, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    error = too_large(limit)
                    if not started:
                        response = await self._answer(request, error)
                        await response(scope, receive, send)
                        answered = True
                    # Unwinds the app's reading; its own answer to it is dropped below.
                    raise error
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted_receive, guarded_send)


def install_body_limits(app: FastAPI) -> None:
    """Add the body middleware to `app` (before the observability one, so that its access log
    and metrics count the 401 and 413 answered here)."""
    app.add_middleware(BodyLimitMiddleware, routes_of=app)
