"""Security headers on every answer (pages, API, feeds, errors); `install_security_headers(app)`.

- `Content-Security-Policy`: everything from this origin only, no inline script or style, no
  plugin, no framing, forms posting back here only (images may also be `data:` URIs, which the
  API docs' stylesheet uses for its icons);
- `X-Frame-Options: DENY`, for browsers older than `frame-ancestors`;
- `X-Content-Type-Options: nosniff`;
- `Referrer-Policy: same-origin`: the pages' "back" links read the Referer of this site, and no
  address of it (a feed's token...) leaks to another;
- `Strict-Transport-Security` when the public URL is https.

A header a route sets itself is kept. A pure ASGI middleware: streamed answers stay streamed. It
wraps the whole middleware stack, so that the 500 problem Starlette's outermost
`ServerErrorMiddleware` answers to a bug carries the headers too.
"""

from __future__ import annotations

from typing import cast

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scheduler.config import Settings, get_settings

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000"
"""One year; no `includeSubDomains`: other hosts of the domain are not ours to decide."""

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
)


def security_headers(settings: Settings) -> tuple[tuple[str, str], ...]:
    """The headers every answer carries under these settings."""
    if settings.public_base_url.lower().startswith("https://"):
        return (*SECURITY_HEADERS, ("Strict-Transport-Security", HSTS))
    return SECURITY_HEADERS


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP answer that lacks them."""

    def __init__(self, app: ASGIApp, *, settings_of: FastAPI) -> None:
        self.app = app
        self.settings_of = settings_of

    def _settings(self) -> Settings:
        provider = self.settings_of.dependency_overrides.get(get_settings, get_settings)
        return cast(Settings, provider())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, adding the headers to the start of its answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = security_headers(self._settings())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in wanted:
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI) -> None:
    """Wrap `app`'s middleware stack, error handling included, in the security headers one."""
    build_stack = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        return SecurityHeadersMiddleware(build_stack(), settings_of=app)

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]
