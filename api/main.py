"""The HTTP application: `create_app()` assembles the versioned API under `/api/v1`."""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api import errors
from api.deps import dispose_session_factory
from api.docs import install_docs
from api.headers import install_security_headers
from api.limits import install_body_limits
from api.middleware import install_observability
from api.pages import install_pages
from api.routes import ROUTERS, feeds, reports
from scheduler.config import Settings, get_settings

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    dispose_session_factory(app.state)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI application; `settings` replaces `get_settings()` when given."""
    app = FastAPI(
        lifespan=_lifespan,
        title="Partagenda",
        version="1.0.0",
        summary="Weekly rotas of medical assistants shared between cabinets.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served by `install_docs`, from this origin
        redoc_url=None,
    )
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    errors.install_error_handlers(app)
    for router in (*ROUTERS, reports.router):
        app.include_router(router, prefix=API_PREFIX)
    # Calendar feeds keep public, unversioned subscribe URLs (`/feeds/<token>.ics`).
    app.include_router(feeds.router)
    install_docs(app, docs_url=f"{API_PREFIX}/docs", openapi_url=f"{API_PREFIX}/openapi.json")
    # Body caps and the credentials check before a body is read; security headers on every
    # answer. Added before the observability middleware, which thus logs their answers too.
    install_body_limits(app)
    install_security_headers(app)
    # Request ids, access logs, metrics, and the /livez, /readyz, /metrics routes.
    install_observability(app)
    install_pages(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        with warnings.catch_warnings():
            # A GET+HEAD route (the feeds) shares one operation id; made unique below.
            warnings.filterwarnings("ignore", message="Duplicate Operation ID")
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                routes=app.routes,
            )
        seen: set[str] = set()
        for path_item in schema.get("paths", {}).values():
            for method, operation in path_item.items():
                if isinstance(operation, dict) and "operationId" in operation:
                    if operation["operationId"] in seen:
                        operation["operationId"] += f"_{method}"
                    seen.add(operation["operationId"])
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(errors.problem_schemas())
        # FastAPI documents its own 422 shape where a route declares none; ours is a problem.
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
                if "422" in responses and "HTTPValidationError" in str(responses["422"]):
                    responses["422"] = errors.problem_responses(422)[422]
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
