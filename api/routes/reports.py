"""Allocation reports of a contract, as JSON, CSV or PDF, for the roles allowed to read them."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import CurrentUser, IdPath, SessionDep
from api.errors import READ_ERRORS, problem_responses
from scheduler.errors import InvalidField, InvalidPeriod
from scheduler.planning import FIRST_YEAR, LAST_YEAR
from scheduler.report_cache import report_pdf
from scheduler.reports import RENDERERS, report_for

router = APIRouter(prefix="/contracts", tags=["reports"])


class ReportFormat(StrEnum):
    """The renderings of a report."""

    JSON = "json"
    CSV = "csv"
    PDF = "pdf"


MEDIA_TYPES = {
    ReportFormat.JSON: "application/json",
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.PDF: "application/pdf",
}


@router.get(
    "/{contract_id}/report",
    response_class=Response,
    responses={
        200: {
            "description": "The allocation report",
            "content": {media: {"schema": {"type": "string"}} for media in MEDIA_TYPES.values()},
        },
        **problem_responses(*READ_ERRORS),
    },
)
def read_report(
    contract_id: IdPath,
    session: SessionDep,
    user: CurrentUser,
    period: Annotated[
        str,
        Query(
            min_length=2,
            max_length=16,
            description="A month (2026-11), a quarter (2026-Q4), a contract year (Y1) or a civil year (2026-Y).",
        ),
    ],
    format: Annotated[ReportFormat, Query(description="json, csv or pdf")] = ReportFormat.JSON,
) -> Response:
    """A contract's allocation report for a period: auditors read granted contracts, a cabinet
    its own figures and the group's totals, the coordinator everything in the groupement."""
    year = re.match(r"\s*(\d{4})-", period)
    if year and not FIRST_YEAR <= int(year[1]) <= LAST_YEAR:  # the years the service can plan
        raise InvalidField(
            "query.period", "period_range", f"année hors de {FIRST_YEAR} à {LAST_YEAR}"
        )
    try:
        report = report_for(session, user, contract_id, period)
    except InvalidPeriod as error:
        raise InvalidField("query.period", "period_format", str(error)) from error
    if format is ReportFormat.PDF:
        body = report_pdf(session, report).body  # rendered ahead: served by content digest
    else:
        body = RENDERERS[format.value](report)
    filename = f"rapport-{contract_id}-{period}.{format.value}"
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
