"""The API's routers, one module per resource."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    absences,
    assistants,
    auth,
    cabinets,
    consultation_sessions,
    contracts,
    doctors,
    groupements,
    patientele,
    planning,
    subscriptions,
    travel_times,
    users,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    users.router,
    groupements.router,
    assistants.router,
    cabinets.router,
    doctors.router,
    contracts.router,
    travel_times.router,
    consultation_sessions.router,
    absences.router,
    planning.router,
    subscriptions.router,
    patientele.router,
]
