"""Operations endpoints, outside the versioned API: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import hmac
import logging
from functools import lru_cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy import Connection, Engine

from api.deps import SessionFactoryDep, SettingsDep
from api.errors import problem_response
from scheduler.migrations import alembic_config
from scheduler.observability import metrics_payload

log = logging.getLogger(__name__)

router = APIRouter(tags=["operations"])


@lru_cache
def script_heads() -> frozenset[str]:
    """The head revisions of the project's migration scripts."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def database_heads(engine: Engine) -> frozenset[str]:
    """The revisions the database is stamped with."""
    with engine.connect() as connection:
        return frozenset(MigrationContext.configure(connection).get_current_heads())


@router.get("/livez", include_in_schema=False)
def livez() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False, response_model=None)
def readyz(request: Request, factory: SessionFactoryDep) -> JSONResponse | dict[str, str]:
    """Ready when the database answers and its schema is at the migrations' head (else 503)."""
    bind = factory.kw["bind"]
    engine: Engine = bind.engine if isinstance(bind, Connection) else bind
    try:
        current = database_heads(engine)
    except Exception as error:
        log.warning("readiness: database unreachable: %s", type(error).__name__)
        return problem_response(request, 503, "la base de données ne répond pas", slug="not-ready")
    expected = script_heads()
    if current != expected:
        return problem_response(
            request,
            503,
            "le schéma de la base n'est pas à jour : lancer `partagenda migrate`",
            slug="not-ready",
            extra={"current": sorted(current), "expected": sorted(expected)},
        )
    return {"status": "ready", "revision": ",".join(sorted(current))}


@router.get("/metrics", include_in_schema=False, response_model=None)
def metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus text exposition of the service's metrics, for the bearer of `metrics_token`.

    Without a token the service's own port serves no metrics (404): they are read on the
    separate address `metrics_address`, which the operator binds where only the scraper reaches.
    Trusting the loopback interface instead would open them to anyone behind a reverse proxy on
    the same host. Metrics name routes, volumes and failures: nothing for the open Internet.
    """
    expected = settings.metrics_token
    if expected is None:
        return problem_response(
            request,
            404,
            "les métriques se lisent à PARTAGENDA_METRICS_ADDRESS, "
            "ou ici avec le jeton de PARTAGENDA_METRICS_TOKEN",
        )
    scheme, given = get_authorization_scheme_param(request.headers.get("authorization"))
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.get_secret_value().encode()
    ):
        return problem_response(
            request,
            401,
            "les métriques demandent le jeton de PARTAGENDA_METRICS_TOKEN",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    body, content_type = metrics_payload()
    return Response(content=body, media_type=content_type)
