"""Allocation reports of a contract, in each registered format (`scheduler.reports.formats`), for
the roles allowed to read them."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

from api.deps import CurrentUser, IdPath, SessionDep
from api.errors import READ_ERRORS, problem_responses
from scheduler.errors import InvalidField, InvalidPeriod
from scheduler.planning import FIRST_YEAR, LAST_YEAR
from scheduler.report_cache import report_body
from scheduler.reports import FORMATS, either_of, report_for

router = APIRouter(prefix="/contracts", tags=["reports"])

DEFAULT_FORMAT = "json"

# The order the API has always listed the formats in, its default first; a format registered
# later follows them.
_LISTED_FIRST = ("json", "csv", "pdf")


def listed_formats() -> tuple[str, ...]:
    """The registered formats' names, in the order the API lists them."""
    first = tuple(name for name in _LISTED_FIRST if name in FORMATS)
    return first + tuple(name for name in FORMATS if name not in first)


def _registered(name: str) -> str:
    # Read from the registry at each request: a format registered once is served here too.
    if name not in FORMATS:
        expected = either_of(tuple(f"'{known}'" for known in listed_formats()), "or")
        raise PydanticCustomError("enum", "Input should be {expected}", {"expected": expected})
    return name


class ReportFormatName(str):
    """The renderings of a report."""

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # A schema of its own (`ref`): the OpenAPI document names it as a component.
        return core_schema.no_info_after_validator_function(
            _registered, core_schema.str_schema(), ref="ReportFormat"
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {
            "type": "string",
            "enum": list(listed_formats()),
            "title": "ReportFormat",
            "description": cls.__doc__,
        }


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
        ReportFormatName, Query(description=either_of(listed_formats(), "or"))
    ] = DEFAULT_FORMAT,  # type: ignore[assignment]
) -> Response:
    """A contract's allocation report for a period: auditors read granted contracts, a cabinet
    its own figures and the group's totals, the coordinator everything in the groupement."""
    fmt = FORMATS[format]
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
