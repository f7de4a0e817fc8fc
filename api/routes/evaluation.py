"""The evaluation's reference group: the CPAM imports non-member doctors' quarterly statements
or a published series, all lines or none."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from api.deps import JsonBody, SessionDep, permitted
from api.errors import CREATE_ERRORS, problem_responses
from api.idempotency import IdempotentRoute
from api.limits import CSV_BODY_LIMIT
from api.schemas import ImportResult
from scheduler import access, models
from scheduler.services import evaluation

router = APIRouter(
    prefix="/evaluation", tags=["evaluation"], dependencies=[JsonBody], route_class=IdempotentRoute
)

Importer = Annotated[models.User, Depends(permitted(access.Action.IMPORT_REFERENCE))]
CsvBody = Annotated[bytes, Body(media_type="text/csv", max_length=CSV_BODY_LIMIT)]
_CSV_BODY: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
}


@router.post(
    "/reference-doctors/imports",
    status_code=201,
    responses=problem_responses(*CREATE_ERRORS),
    openapi_extra=_CSV_BODY,
)
def import_reference_doctors(session: SessionDep, user: Importer, csv: CsvBody) -> ImportResult:
    """Import non-member doctors' quarterly statements, a CSV
    `department;rpps;quarter;pmt;file_active;source` (quarter `2026-Q1`): every line is checked
    and either all are stored or none, with a problem listing each bad line. An auditor imports
    the départements of the contracts granted to her."""
    return ImportResult(imported=evaluation.import_reference_doctors(session, user, csv))


@router.post(
    "/reference-series/imports",
    status_code=201,
    responses=problem_responses(*CREATE_ERRORS),
    openapi_extra=_CSV_BODY,
)
def import_reference_series(session: SessionDep, user: Importer, csv: CsvBody) -> ImportResult:
    """Import a published reference series, a CSV `department;quarter;pmt;file_active;doctors;
    source`: the département's average PMT and file active per general practitioner by quarter;
    all lines or none."""
    return ImportResult(imported=evaluation.import_reference_series(session, user, csv))
