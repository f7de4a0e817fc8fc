"""The national evaluation for the Assurance maladie: every contract's effect on PMT and file
active, pooled nationally, by département and by contract size, and the event study; CSV or
JSON, with its SHA-256 (`Repr-Digest`, and its `sha256sum` line at `/sha256`). The national
reader's alone. And the national re-plan of a week: one plan run per groupement, as tasks of the
engine, and its figures."""

from __future__ import annotations

import base64
from datetime import date
from email.utils import format_datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import PlainTextResponse

from api.deps import SessionDep, SettingsDep, permitted
from api.errors import CREATE_ERRORS, READ_ERRORS, problem_responses
from api.schemas import NationalReplanCreate, NationalReplanRead
from scheduler import access, models
from scheduler.services import national_evaluation, national_replan
from scheduler.services.national_evaluation import EvaluationExport

router = APIRouter(prefix="/national", tags=["national"])

NationalReader = Annotated[models.User, Depends(permitted(access.Action.READ_NATIONAL_EVALUATION))]
NationalReplanner = Annotated[models.User, Depends(permitted(access.Action.NATIONAL_REPLAN))]
ExportFormat = Annotated[
    Literal["csv", "json"], Query(description="csv (one line per group and contract) or json.")
]
AsOf = Annotated[
    date | None,
    Query(
        description="The day the statements are read up to (default: today in Paris); the "
        "same day on the same data gives the same bytes."
    ),
]


def _export(
    session: SessionDep, user: models.User, fmt: str, as_of: date | None
) -> EvaluationExport:
    return national_evaluation.export_national_evaluation(
        session, user, as_of=as_of, fmt=fmt, field="query.format", as_of_field="query.as_of"
    )


@router.get(
    "/evaluation",
    response_class=Response,
    responses={
        200: {
            "description": "The national evaluation",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        },
        **problem_responses(*READ_ERRORS),
    },
)
def read_national_evaluation(
    session: SessionDep, user: NationalReader, format: ExportFormat = "csv", as_of: AsOf = None
) -> Response:
    """The national evaluation as CSV or JSON; `Repr-Digest` carries the SHA-256 of the body
    (RFC 9530), `/national/evaluation/sha256` the same as a `sha256sum` line, and
    `Last-Modified` when it was computed (ahead, and kept while its inputs are unchanged)."""
    export = _export(session, user, format, as_of)
    digest = base64.b64encode(bytes.fromhex(export.sha256)).decode("ascii")
    return Response(
        export.body,
        media_type=export.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Repr-Digest": f"sha-256=:{digest}:",
            # When it was computed (it is computed ahead and kept while its inputs are unchanged).
            "Last-Modified": format_datetime(export.computed_at, usegmt=True),
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/evaluation/sha256",
    response_class=PlainTextResponse,
    responses=problem_responses(*READ_ERRORS),
)
def read_national_evaluation_digest(
    session: SessionDep, user: NationalReader, format: ExportFormat = "csv", as_of: AsOf = None
) -> PlainTextResponse:
    """The `sha256sum` line of the export of the same format and day (`sha256sum -c` checks the
    file saved under its name)."""
    export = _export(session, user, format, as_of)
    return PlainTextResponse(export.digest_line, headers={"Cache-Control": "no-store"})


def _replan_read(figures: national_replan.ReplanFigures) -> NationalReplanRead:
    return NationalReplanRead(
        week=figures.week,
        total=figures.total,
        queued=figures.queued,
        running=figures.running,
        succeeded=figures.succeeded,
        failed=figures.failed,
        cancelled=figures.cancelled,
        throughput_per_s=figures.throughput_per_s,
        busy_elsewhere=figures.busy_elsewhere,
    )


@router.post("/replans", status_code=202, responses=problem_responses(*CREATE_ERRORS))
def request_national_replan(
    body: NationalReplanCreate,
    session: SessionDep,
    user: NationalReplanner,
    settings: SettingsDep,
) -> NationalReplanRead:
    """Queue a plan run of the week in every groupement (the same week again queues nothing
    twice); the workers plan them. Its figures follow at `GET /national/replans/{week}`."""
    figures = national_replan.request_national_replan(
        session,
        body.week,
        actor=user,
        time_limit_s=body.time_limit_s or settings.solver_time_limit_s,
        field_name="body.week",
    )
    return _replan_read(figures)


@router.get("/replans/{week}", responses=problem_responses(*READ_ERRORS))
def read_national_replan(
    session: SessionDep, user: NationalReplanner, week: date
) -> NationalReplanRead:
    """The national re-plan of a week (its Monday): its runs queued, running, done, failed,
    cancelled, and their throughput."""
    return _replan_read(national_replan.read_national_replan(session, user, week))
