"""Request ids, access logs and HTTP metrics for every request; `install_observability(app)`.

A pure ASGI middleware (no `BaseHTTPMiddleware`: it would buffer streamed bodies) that
- takes the request id from `X-Request-ID` when it is a sane token, or makes a fresh one, keeps it
  in a context variable for the JSON log lines, and echoes it in the response;
- logs one line per request with the route *template* (`/feeds/{token}`), never the raw path, so
  feed tokens stay out of the logs (uvicorn's own access log is turned off);
- counts requests by route template, method and status, and observes their latency.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scheduler.observability import HTTP_LATENCY, HTTP_REQUESTS, request_id_var

log = logging.getLogger("api.access")

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _request_id(scope: Scope) -> str:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == b"x-request-id":
            candidate = value.decode("latin-1").strip()
            if _SANE_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else "unmatched"


class ObservabilityMiddleware:
    """Request id, one access log line and the HTTP metrics of each HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with its id bound, then log and count it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = str(scope.get("method", "GET"))
            HTTP_REQUESTS.labels(route=route, method=method, status=str(status)).inc()
            HTTP_LATENCY.labels(route=route, method=method).observe(elapsed)
            log.info(
                "%s %s %s",
                method,
                route,
                status,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
            request_id_var.reset(token)


def install_observability(app: FastAPI) -> None:
    """Add the observability middleware and the `/livez`, `/readyz`, `/metrics` routes."""
    from api.routes.ops import router

    app.add_middleware(ObservabilityMiddleware)
    app.include_router(router)
