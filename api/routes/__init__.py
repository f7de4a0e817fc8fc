"""The API's routers: the reference data through one router factory (`reference`), the other
resources one module each."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    auth,
    evaluation,
    national,
    patientele,
    planning,
    reference,
    subscriptions,
    users,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    users.router,
    *reference.ROUTERS,
    planning.router,
    subscriptions.router,
    patientele.router,
    evaluation.router,
    national.router,
]
