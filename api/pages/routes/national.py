"""The national reader's evaluation page: every contract's effect on PMT and file active, pooled
nationally, by département and by contract size, the event-study chart, and the CSV and JSON
exports with their SHA-256 lines."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.pages.web import page_allowed, render
from scheduler import access, models
from scheduler.errors import InvalidField
from scheduler.evaluation import national
from scheduler.evaluation.charts import event_study_data_uri, event_study_svg
from scheduler.services import national_evaluation as service

router = APIRouter(include_in_schema=False)

NationalPage = Annotated[models.User, Depends(page_allowed(access.Action.READ_NATIONAL_EVALUATION))]
DOWNLOADS = ("csv", "json", "csv.sha256", "json.sha256")
CHARTS = {f"graphique-{name}.svg": name for name in ("pmt", "file_active")}
SHOWN_WITHOUT_FIGURE = 50  # the export lists every one


def _day(text: str | None) -> tuple[date | None, str | None]:
    """The day typed in the form (`None`: today), or the refusal to show beside the field."""
    if not text:
        return None, None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None, "date attendue au format 2026-12-31"
    try:
        return service.as_of_day(day), None
    except InvalidField as error:
        return None, error.message


@router.get("/evaluation-nationale")
def national_evaluation_page(
    request: Request,
    session: SessionDep,
    user: NationalPage,
    au: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """The national evaluation as of a day (today by default), with its downloads."""
    day, error = _day(au)
    stored = service.read_national_evaluation(session, user, as_of=day)
    evaluation = stored.evaluation
    charts: dict[str, str] = {}
    for ind in evaluation.indicators:
        if any(p.effect is not None for p in ind.event_study):
            charts[ind.indicator] = event_study_data_uri(
                ind.event_points, f"Étude d’événement nationale — {ind.indicator_fr}"
            )
    without = evaluation.without_figure()
    context: dict[str, Any] = {
        "nav": "evaluation-nationale",
        "evaluation": evaluation,
        "computed_at": stored.computed_at.astimezone(service.ZONE),
        "charts": charts,
        "downloads": DOWNLOADS,
        "query": f"?au={evaluation.as_of.isoformat()}",
        "form": {"au": au if error else evaluation.as_of.isoformat()},
        "errors": {"au": error} if error else {},
        "without": without[:SHOWN_WITHOUT_FIGURE],
        "without_total": len(without),
        "without_contracts": len({c.contract for c in without}),
        "method_cr2": national.METHOD_FR[national.METHOD_CR2].replace(
            "à {dof} degrés", "aux degrés"
        ),
        "method_bound": national.METHOD_FR[national.METHOD_BOUND],
    }
    return render(request, "national_evaluation.html", context, user=user)


@router.get("/evaluation-nationale/export.{name}")
def national_evaluation_download(
    session: SessionDep,
    user: NationalPage,
    name: str,
    au: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """An export (`csv`, `json`), its `sha256sum` line (`csv.sha256`, `json.sha256`) or an
    indicator's event-study chart (`graphique-pmt.svg`, `graphique-file_active.svg`)."""
    if name not in DOWNLOADS and name not in CHARTS:
        raise HTTPException(status_code=404, detail="export inconnu")
    day, error = _day(au)
    if error is not None:
        raise HTTPException(status_code=404, detail=error)
    if name in CHARTS:
        evaluation = service.read_national_evaluation(session, user, as_of=day).evaluation
        indicator = next(i for i in evaluation.indicators if i.indicator == CHARTS[name])
        svg = event_study_svg(
            indicator.event_points, f"Étude d’événement nationale — {indicator.indicator_fr}"
        )
        filename = f"evaluation-nationale-{evaluation.as_of.isoformat()}-{name}"
        return Response(
            svg.encode("utf-8"),
            media_type="image/svg+xml",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )
    fmt, _, digest = name.partition(".")
    export = service.export_national_evaluation(session, user, as_of=day, fmt=fmt)
    if digest:
        return Response(
            export.digest_line,
            media_type="text/plain; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{export.filename}.sha256"',
                "Cache-Control": "no-store",
            },
        )
    return Response(
        export.body,
        media_type=export.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )


ReplanPage = Annotated[models.User, Depends(page_allowed(access.Action.NATIONAL_REPLAN))]


@router.get("/replanification-nationale")
def national_replan_page(
    request: Request,
    session: SessionDep,
    user: ReplanPage,
    semaine: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """Where the national re-plan of a week stands (by default the week about to enter the
    notice window): its runs queued, running, done, failed, and their throughput."""
    from datetime import UTC, datetime

    from scheduler.jobs.frame import upcoming_week
    from scheduler.services import national_replan

    error: str | None = None
    week = upcoming_week(datetime.now(UTC))
    if semaine:
        try:
            week = national_replan.check_week(date.fromisoformat(semaine.strip()), "semaine")
        except InvalidField as refused:  # a ValueError too: caught first
            error = refused.message
        except ValueError:
            error = "date attendue au format 2026-12-14"
    figures = national_replan.read_national_replan(session, user, week)
    context: dict[str, Any] = {
        "nav": "replanification-nationale",
        "figures": figures,
        "form": {"semaine": semaine if error else week.isoformat()},
        "errors": {"semaine": error} if error else {},
    }
    return render(request, "national_replan.html", context, user=user)
