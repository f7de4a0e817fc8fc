"""The one HTTP mapping of errors: RFC 9457 `application/problem+json` for every failure.

Domain exceptions (`scheduler.errors`), `HTTPException`, request validation errors and the
database's own refusals all end here (what a refusal stands for is decided once, by the unit of
work: `scheduler.uow.translate`); the OpenAPI document lists the problem schemas for every
status a route can answer (see `problem_responses`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema
from sqlalchemy.exc import DBAPIError, PendingRollbackError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scheduler import errors
from scheduler.uow import translate

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://partagenda.fr/problems/"


class FieldProblem(BaseModel):
    """One invalid field of a request."""

    loc: list[str | int] = Field(
        description="Path of the field: `body`, `query`, `header`... first."
    )
    msg: str
    type: str = "value_error"


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class ValidationProblem(Problem):
    """A problem whose request had invalid fields, one entry per field."""

    errors: list[FieldProblem] = Field(default_factory=list)


# Fields the core names by their header (`Idempotency-Key` reused...): they are not in the body.
_HEADER_FIELDS = frozenset({"Idempotency-Key", "If-Match"})


def _loc_of_field(field: str) -> list[str | int]:
    if field in _HEADER_FIELDS:
        return ["header", field]
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in field.split(".") if p]
    if parts and parts[0] not in ("body", "query", "path", "header"):
        parts.insert(0, "body")
    return parts


# A feed URL's token is a capability: never echoed, not even where a client misplaced it (a
# trailing slash, another prefix). Everything after `/feeds/` goes, and any segment as long as
# a token (43 URL-safe characters; no route segment comes close).
_FEED_PATH = re.compile(r"(/feeds/).*", re.IGNORECASE | re.DOTALL)
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{32,}")


def problem_instance(path: str) -> str:
    """The `instance` of a problem about a request for `path`: the path, tokens redacted."""
    return _TOKEN_LIKE.sub("{token}", _FEED_PATH.sub(r"\1{token}", path))


def problem_response(
    request: Request,
    status: int,
    detail: str | None,
    *,
    slug: str | None = None,
    title: str | None = None,
    field_errors: Iterable[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """A problem+json response; `field_errors` adds the `errors` member."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug if slug else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": problem_instance(request.url.path),
    }
    if field_errors is not None:
        body["errors"] = [item.model_dump() for item in field_errors]
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _loc(parts: Iterable[Any]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in parts]


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.PartagendaError)
    status = exc.status if 400 <= exc.status < 600 else 400
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    retry_after_s = getattr(exc, "retry_after_s", None)  # throttled, or the database busy
    if isinstance(retry_after_s, int):
        headers = {"Retry-After": str(retry_after_s)}
    field_errors: list[FieldProblem] | None = None
    field = getattr(exc, "field", None)
    if isinstance(field, str):
        message = str(getattr(exc, "message", exc))
        rule = str(getattr(exc, "rule", "value_error"))
        field_errors = [FieldProblem(loc=_loc_of_field(field), msg=message, type=rule)]
    elif isinstance(exc, errors.ImportRejected):
        # One entry per bad line of an import: where it is, which rule, what to fix.
        field_errors = [
            FieldProblem(loc=["body", f"ligne {line}", column], msg=message, type=rule)
            for line, column, rule, message in exc.errors
        ]
    elif status == 422:
        field_errors = []
    extra: dict[str, Any] = {}
    for attribute in ("violations", "changes", "reasons"):
        value = getattr(exc, attribute, None)
        if isinstance(value, list):
            extra[attribute] = [_jsonable(item) for item in value]
    extensions = getattr(exc, "extensions", None)  # members of its own (a conflicting id...)
    if isinstance(extensions, dict):
        extra.update({str(name): _jsonable(value) for name, value in extensions.items()})
    slug = getattr(exc, "slug", None) or re.sub(r"(?<!^)(?=[A-Z])", "-", type(exc).__name__).lower()
    return problem_response(
        request,
        status,
        str(exc),
        slug=slug,
        title=exc.title,
        field_errors=field_errors,
        headers=headers,
        extra=extra,
    )


def _jsonable(item: Any) -> Any:
    if isinstance(item, BaseModel):
        return item.model_dump(mode="json")
    if hasattr(item, "__dataclass_fields__"):
        return {
            k: v if isinstance(v, str | int | float | bool | None) else str(v)
            for k, v in asdict(item).items()
        }
    return item if isinstance(item, str | int | float | bool | dict | None) else str(item)


def _allowed_methods(request: Request) -> str:
    # Starlette names only the first route matching the path; a resource has one route per method.
    methods: set[str] = set()
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.routes):
            methods.add(method)
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return problem_response(request, exc.status_code, detail, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    field_errors = [
        FieldProblem(
            loc=_loc(e.get("loc", ())), msg=str(e.get("msg", "")), type=str(e.get("type", ""))
        )
        for e in exc.errors()
    ]
    return problem_response(
        request,
        422,
        "the request has invalid fields",
        slug="validation-error",
        field_errors=field_errors,
    )


# How the edge logs each refusal of the database that reached it (a stale version is no news).
_LOGGED_AS: dict[type[errors.DatabaseRefusal], str] = {
    errors.DataOutOfRange: "data error reached the edge: %s",
    errors.DataConflict: "integrity error reached the edge: %s",
    errors.DatabaseUnavailable: "database unavailable or busy: %s",
}


async def _database(request: Request, exc: Exception) -> JSONResponse:
    # What the refusal stands for is the unit of work's to say (`scheduler.uow.translate`); a
    # database error it does not know is a bug.
    refusal = translate(exc)
    if refusal is None:
        return await _unexpected(request, exc)
    logged_as = _LOGGED_AS.get(type(refusal))
    if logged_as is not None:
        logger.warning(logged_as, exc)
    return await _domain_error(request, refusal)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # A bug, not a bad request: logged with its traceback, answered as a problem all the same.
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request, 500, "an unexpected error occurred; it has been logged", slug="internal-error"
    )


class _KeepConnectionAfterProblem:
    """The outermost layer: a bug's exception whose 500 problem was sent in full ends here.

    Starlette's `ServerErrorMiddleware` answers a bug with `_unexpected`'s problem, then raises the
    exception again for the server to log; uvicorn then closes the connection, so that the next
    request a client sends on that kept-alive connection is reset. The exception is logged already
    (`_unexpected`); once its answer is complete the connection is fine and stays open. An
    exception in the middle of a response still reaches the server, which must close it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request; swallow an exception raised after its response was complete."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        complete = False

        async def send_and_note(message: Message) -> None:
            nonlocal complete
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                complete = True

        try:
            await self.app(scope, receive, send_and_note)
        except Exception:
            if not complete:
                raise


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler on `app`, and keep the connection open after a 500 problem."""
    app.add_exception_handler(Exception, _unexpected)
    app.add_exception_handler(errors.PartagendaError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for database_error in (StaleDataError, DBAPIError, PendingRollbackError):
        app.add_exception_handler(database_error, _database)
    build_stack = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        return _KeepConnectionAfterProblem(build_stack())

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these statuses, each a problem+json body (422 with `errors`)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        name = "ValidationProblem" if status == 422 else "Problem"
        entry: dict[str, Any] = {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
        if status == 401:
            entry["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
        if status in (429, 503):
            entry["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
        out[status] = entry
    return out


# 503: the database could not serve the request (a lost connection...); retry after Retry-After.
READ_ERRORS = (400, 401, 403, 404, 422, 503)
WRITE_ERRORS = (400, 401, 403, 404, 409, 412, 422, 428, 503)
CREATE_ERRORS = (400, 401, 403, 404, 409, 422, 503)


def problem_schemas() -> dict[str, Any]:
    """The component schemas of the problem bodies, to merge into the OpenAPI document."""
    _, schema = models_json_schema(
        [(Problem, "serialization"), (ValidationProblem, "serialization")],
        ref_template="#/components/schemas/{model}",
    )
    defs: dict[str, Any] = schema.get("$defs", {})
    return defs
