"""Patientèle statements: entered one by one or imported from a CPAM CSV, all lines or none."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from api.deps import Coordinator, JsonBody, SessionDep
from api.errors import CREATE_ERRORS, problem_responses
from api.idempotency import IdempotentRoute
from api.limits import CSV_BODY_LIMIT
from api.schemas import ImportResult, PatienteleSnapshotCreate, PatienteleSnapshotRead
from scheduler.services import subscriptions

router = APIRouter(
    prefix="/patientele", tags=["patientele"], dependencies=[JsonBody], route_class=IdempotentRoute
)


@router.post("/snapshots", status_code=201, responses=problem_responses(*CREATE_ERRORS))
def create_snapshot(
    body: PatienteleSnapshotCreate, session: SessionDep, user: Coordinator
) -> PatienteleSnapshotRead:
    """Record one doctor's PMT and file active on a date."""
    row = subscriptions.record_snapshot(session, user, **body.model_dump())
    return PatienteleSnapshotRead.model_validate(row)


@router.post(
    "/imports",
    status_code=201,
    responses=problem_responses(*CREATE_ERRORS),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def import_snapshots(
    session: SessionDep,
    user: Coordinator,
    csv: Annotated[bytes, Body(media_type="text/csv", max_length=CSV_BODY_LIMIT)],
) -> ImportResult:
    """Import a CSV `rpps;date;pmt;file_active;source`: every line is checked and either all are
    stored or none, with a problem listing each bad line."""
    count = subscriptions.import_snapshots(session, user, csv, groupement_id=user.groupement_id)
    return ImportResult(imported=count)
