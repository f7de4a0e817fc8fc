"""`Idempotency-Key` on every write of the API: a retry gets the first answer back, never a
second write.

A client that lost the answer to a write (a 503, a cut connection, a timeout) cannot know whether
the write committed. Sent again with the same `Idempotency-Key`, it is safe:

- `IdempotentRoute`, the route class of the API's routers, gives every POST, PUT, PATCH and
  DELETE route the header and, when a request carries it, marks the request so that
  `get_session` hands out a session whose commits are SAVEPOINTs of one outer transaction;
- `guard`, a dependency of those routes run before the endpoint, takes the key's lock and answers
  the stored response when the key already served the same request (same user, method, path and
  body: the fingerprint), 422 when it served another, 409 while that request is still running;
  otherwise it adds the key's record to the transaction;
- once the endpoint's response is built, the route fills the record with it (status, JSON body,
  Content-Type, ETag, Location) and commits the write and the record together, through the unit
  of work (`scheduler.uow.commit_request`; a refused write is rolled back by `rollback_request`).

The records themselves (lock, lookup, fingerprint check) are `scheduler.idempotency`.

Only 2xx answers are stored: a refusal wrote nothing, so its retry runs again. When the connection
dies after COMMIT was sent, the client gets a 503; its retry finds the stored answer if the
commit landed, and runs the write again if it did not.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from api.deps import IDEMPOTENT_WRITE, CurrentUser, IdempotencyKey, SessionDep
from scheduler import idempotency, models
from scheduler.uow import commit, commit_request, rollback_request

logger = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY_HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
# The headers of an answer that a replay repeats; never cookies, dates or request ids.
KEPT_HEADERS = ("content-type", "etag", "location", "last-modified", "content-disposition")
_NOT_STORED = "_answer_not_stored"

F = TypeVar("F", bound=Callable[..., Any])


def answer_not_stored(endpoint: F) -> F:
    """Mark a write whose answer carries a secret shown once (a feed link): it is never stored,
    so a retry with the same key runs the use case again, which must be idempotent by itself."""
    setattr(endpoint, _NOT_STORED, True)
    return endpoint


@dataclass
class _Pending:
    """A keyed write in progress: its key, and once `guard` ran, its session and record."""

    key: str
    session: Session | None = None
    record: models.IdempotencyRecord | None = None


class _Replay(Exception):
    """Raised by `guard` to answer the stored response instead of running the endpoint."""

    def __init__(self, response: Response) -> None:
        super().__init__("stored answer")
        self.response = response


async def request_fingerprint(request: Request) -> str:
    """SHA-256 of the method, the path with its query and the body's own SHA-256; empty for a
    request without an Idempotency-Key (nothing to compare it with, so the body is not hashed)."""
    if not request.headers.get(KEY_HEADER):
        return ""
    body = await request.body()
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    digest = hashlib.sha256(f"{request.method} {target}\n".encode())
    digest.update(hashlib.sha256(body).digest())
    return digest.hexdigest()


def stored_response(record: models.IdempotencyRecord) -> Response:
    """The answer stored in `record`, marked as replayed."""
    headers = {str(k): str(v) for k, v in (record.response_headers or {}).items()}
    headers[REPLAYED_HEADER] = "true"
    if record.response_headers is not None and "content-type" not in record.response_headers:
        return Response(status_code=record.status_code, headers=headers)
    media_type = headers.pop("content-type", "application/json")
    return JSONResponse(
        record.response_body,
        status_code=record.status_code,
        headers=headers,
        media_type=media_type,
    )


def guard(
    request: Request,
    fingerprint: Annotated[str, Depends(request_fingerprint)],
    session: SessionDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> None:
    """Replay, refuse (422 reused, 409 in flight) or record the request's Idempotency-Key."""
    pending: _Pending | None = getattr(request.state, IDEMPOTENT_WRITE, None)
    if pending is None or not key:
        return
    idempotency.lock_key(session, user.id, key)
    record = idempotency.answered(session, user.id, key, fingerprint)
    if record is not None:
        raise _Replay(stored_response(record))
    record = idempotency.record_key(session, user.id, key, fingerprint)
    commit(session)  # a SAVEPOINT: the outer transaction commits once the answer is known
    pending.session = session
    pending.record = record


def _is_json(media_type: str) -> bool:
    media = media_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _store(record: models.IdempotencyRecord, response: Response) -> bool:
    body = getattr(response, "body", None)
    if not isinstance(body, bytes | memoryview):
        return False  # a streamed answer is not kept
    headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    if len(body) == 0:
        headers.pop("content-type", None)
        answer: Any = {}
    elif _is_json(headers.get("content-type", "")):
        answer = json.loads(bytes(body))
    else:
        return False
    idempotency.store_answer(record, response.status_code, answer, headers)
    return True


def _finish(pending: _Pending, response: Response) -> None:
    session, record = pending.session, pending.record
    if session is None or record is None:
        return
    if not 200 <= response.status_code < 300:
        _abandon(pending)
        return
    if not _store(record, response):
        session.delete(record)
    commit_request(session)


def _abandon(pending: _Pending) -> None:
    # A refused write keeps nothing: neither what it wrote nor its key, so its retry runs again.
    session, record = pending.session, pending.record
    if session is None or record is None:
        return
    if rollback_request(session):
        return
    # A session already joined to a caller's transaction (the tests'): take the key back.
    session.delete(record)
    commit(session)


def _abandon_quietly(pending: _Pending) -> None:
    try:
        _abandon(pending)
    except Exception as error:  # the request's own error is the one to answer
        logger.warning("abandoning a keyed write failed: %s", error)


class IdempotentRoute(APIRoute):
    """A route whose writes take an `Idempotency-Key` (see the module's docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods: Sequence[str] = kwargs.get("methods") or ()
        self.keyed = bool({m.upper() for m in methods} & WRITE_METHODS)
        if self.keyed:
            kwargs["dependencies"] = [*(kwargs.get("dependencies") or ()), Depends(guard)]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The endpoint's handler; for a keyed write, wrapped to replay or store its answer."""
        handler = super().get_route_handler()
        if not self.keyed or getattr(self.endpoint, _NOT_STORED, False):
            return handler

        async def keyed(request: Request) -> Response:
            key = request.headers.get(KEY_HEADER)
            if not key:
                return await handler(request)
            pending = _Pending(key)
            setattr(request.state, IDEMPOTENT_WRITE, pending)
            try:
                response = await handler(request)
            except _Replay as replay:
                return replay.response
            except Exception:
                await run_in_threadpool(_abandon_quietly, pending)
                raise
            await run_in_threadpool(_finish, pending, response)
            return response

        return keyed
