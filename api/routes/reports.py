"""Allocation reports of a contract, in each registered format (`scheduler.reports.formats`), for
the roles allowed to read them."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.exceptions import RequestValidationError

from api.deps import CurrentUser, IdPath, SessionDep
from api.errors import READ_ERRORS, problem_responses
from scheduler.errors import InvalidField, InvalidPeriod
from scheduler.planning import FIRST_YEAR, LAST_YEAR
from scheduler.report_cache import report_body
from scheduler.reports import FORMATS, ReportFormat, report_for

router = APIRouter(prefix="/contracts", tags=["reports"])

DEFAULT_FORMAT = "json"


def _report_format(name: str) -> ReportFormat:
    """The registered format named `name`, refused as an enumerated query field would be."""
    found = FORMATS.get(name)
    if found is None:
        expected = ", ".join(f"'{known}'" for known in FORMATS)
        expected = " or ".join(expected.rsplit(", ", 1))
        raise RequestValidationError(
            [
                {
                    "type": "enum",
                    "loc": ("query", "format"),
                    "msg": f"Input should be {expected}",
                    "input": name,
                    "ctx": {"expected": expected},
                }
            ]
        )
    return found


@router.get(
    "/{contract_id}/report",
    response_class=Response,
    responses={
        200: {
            "description": "The allocation report",
            "content": {f.media_type: {"schema": {"type": "string"}} for f in FORMATS.values()},
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
    format: Annotated[
        str,
        Query(
            description=", ".join(FORMATS),
            json_schema_extra={"enum": list(FORMATS)},
        ),
    ] = DEFAULT_FORMAT,
) -> Response:
    """A contract's allocation report for a period: auditors read granted contracts, a cabinet
    its own figures and the group's totals, the coordinator everything in the groupement."""
    fmt = _report_format(format)
    year = re.match(r"\s*(\d{4})-", period)
    if year and not FIRST_YEAR <= int(year[1]) <= LAST_YEAR:  # the years the service can plan
        raise InvalidField(
            "query.period", "period_range", f"année hors de {FIRST_YEAR} à {LAST_YEAR}"
        )
    try:
        report = report_for(session, user, contract_id, period)
    except InvalidPeriod as error:
        raise InvalidField("query.period", "period_format", str(error)) from error
    filename = f"rapport-{contract_id}-{period}.{fmt.extension}"
    return Response(
        report_body(session, report, fmt),
        media_type=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
