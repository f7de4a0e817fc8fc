"""The coordinator's week grid: the plan, its runs and their progress, moves, pins and publication."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep, SettingsDep
from api.pages import views
from api.pages.routes.shared import INFO, MAX_ROWS, today_in, user_zone
from api.pages.web import (
    CoordinatorPage,
    CsrfChecked,
    render,
)
from api.schemas import Day
from scheduler import french, models, planning, uow
from scheduler.errors import (
    NoticeRequired,
    PartagendaError,
)
from scheduler.services import resources, workflow

router = APIRouter(include_in_schema=False)


# --- Week grid ------------------------------------------------------------------------------------


def _planning_context(
    session: SessionDep,
    user: models.User,
    week: date,
    rota_id: int | None,
    zone: ZoneInfo,
) -> dict[str, Any]:
    rotas, _ = workflow.list_rotas(session, user, limit=20, offset=0, period_start=week)
    rota = next((r for r in rotas if r.id == rota_id), None) if rota_id else None
    rota = rota or (rotas[0] if rotas else None)
    published = next((r for r in rotas if r.status is models.RotaStatus.PUBLISHED), None)
    cabinets = resources.CABINETS.list(session, user, limit=MAX_ROWS, offset=0).items
    assistants = resources.ASSISTANTS.list(session, user, limit=MAX_ROWS, offset=0).items
    styles = views.cabinet_styles(cabinets)
    grid = None
    balance: list[dict[str, Any]] = []
    if rota is not None:
        view = workflow.view_rota(session, user, rota.id)
        violations = (
            workflow.check(session, user, rota.id) if rota.status is models.RotaStatus.DRAFT else []
        )
        grid = views.week_grid(
            rota,
            view.assignments,
            view.travel_legs,
            rota.breaks,
            assistants,
            styles,
            violations,
            zone,
        )
        contracts = {
            c.id: c for c in resources.CONTRACTS.list(session, user, limit=MAX_ROWS, offset=0).items
        }
        for item in view.cabinet_minutes:
            style = styles.get(item.cabinet_id)
            balance.append(
                {
                    "contract": contracts[item.contract_id].name
                    if item.contract_id in contracts
                    else "",
                    "cabinet": style.name if style else str(item.cabinet_id),
                    "share": french.screen_percent(item.share_bp / 10_000),
                    "planned": french.duration(item.planned_minutes),
                    "target": french.duration(item.target_minutes),
                    "gap_fr": french.signed_duration(item.planned_minutes - item.target_minutes),
                }
            )
    runs, _ = workflow.list_runs(session, user, limit=1, offset=0)
    active = (
        runs[0]
        if runs and runs[0].state in (models.RunState.QUEUED, models.RunState.RUNNING)
        else None
    )
    return {
        "week": week,
        "week_fr": french.weekday_date(week, year=True),
        "previous_week": week - timedelta(days=7),
        "next_week": week + timedelta(days=7),
        "rota": rota,
        "rotas": rotas,
        "published": published,
        "grid": grid,
        "balance": balance,
        "cabinets": sorted(styles.values(), key=lambda s: s.name),
        "active_run": _run_context(active) if active is not None else None,
        "views": views,
    }


def _week(semaine: date | None, zone: ZoneInfo) -> date:
    return views.monday_of(semaine) if semaine is not None else views.next_monday(today_in(zone))


@router.get("/planning")
def planning_page(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    semaine: Day | None = None,
    rota: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    info: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """The week grid of the coordinator, with re-plan, edit and publish."""
    zone = user_zone(session, user)
    context = _planning_context(session, user, _week(semaine, zone), rota, zone)
    context["info"] = INFO.get(info or "")
    return render(request, "planning.html", context, user=user)


def _planning_error(
    request: Request,
    session: SessionDep,
    user: models.User,
    rota: models.Rota | None,
    error: PartagendaError,
    *,
    week: date,
    zone: ZoneInfo,
    reason: str | None = None,
) -> HTMLResponse:
    context = _planning_context(session, user, week, rota.id if rota else None, zone)
    context["error"] = str(error)
    context["error_items"] = list(
        getattr(error, "changes", None) or getattr(error, "reasons", None) or []
    )
    context["notice_required"] = isinstance(error, NoticeRequired)
    context["reason"] = reason or ""
    status = error.status if 400 <= error.status < 600 else 400
    return render(request, "planning.html", context, user=user, status_code=status)


def _edit_failed(
    request: Request,
    session: SessionDep,
    user: models.User,
    rota_id: int,
    error: PartagendaError,
    zone: ZoneInfo,
    *,
    reason: str | None = None,
) -> HTMLResponse:
    # The service loads the rota inside its own write transaction; read it again afterwards.
    uow.rollback(session)
    rota = workflow.get_rota(session, user, rota_id)
    return _planning_error(
        request, session, user, rota, error, week=rota.period_start, zone=zone, reason=reason
    )


def _run_context(run: models.PlanRun) -> dict[str, Any]:
    active = run.state in (models.RunState.QUEUED, models.RunState.RUNNING)
    limit = max(run.time_limit_s, 0.1)
    value = limit if run.state is models.RunState.SUCCEEDED else min(run.elapsed_seconds, limit)
    gap = views.solver_gap(run.best_objective, run.bound)
    return {
        "run": run,
        "active": active,
        "state_fr": views.RUN_STATE_FR[run.state],
        "max": round(limit, 1),
        "value": round(value, 1) if run.state is not models.RunState.QUEUED else None,
        "elapsed": french.screen_number(run.elapsed_seconds, 1),
        "limit": french.screen_number(run.time_limit_s, 0),
        "objective": french.screen_number(run.best_objective),
        "bound": french.screen_number(run.bound),
        "gap": views.fr_gap(gap) if gap is not None else "—",
        "week": run.period_start,
    }


@router.post("/planning/calculs", dependencies=[CsrfChecked])
def request_run(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CoordinatorPage,
    semaine: Annotated[Day, Form()],
    base: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
) -> Response:
    """Queue a plan run of the week; the page then polls its progress."""
    zone = user_zone(session, user)
    week = views.monday_of(semaine)
    try:
        run = workflow.request_run(
            session,
            user,
            period_start=week,
            days=7,
            time_limit_s=settings.solver_time_limit_s,
            based_on_id=base,
        )
    except PartagendaError as error:
        return _planning_error(request, session, user, None, error, week=week, zone=zone)
    if request.headers.get("HX-Request") == "true":
        return render(request, "_run_progress.html", {"p": _run_context(run)}, user=user)
    return RedirectResponse(f"/planning?semaine={week.isoformat()}&info=calcul", status_code=303)


@router.get("/planning/calculs/{run_id}")
def run_progress(
    request: Request, session: SessionDep, user: CoordinatorPage, run_id: int
) -> HTMLResponse:
    """The progress of a plan run (an htmx fragment, polled every second while it runs)."""
    run = workflow.get_run(session, user, run_id)
    return render(request, "_run_progress.html", {"p": _run_context(run)}, user=user)


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone)


@router.post("/planning/{rota_id}/deplacer", dependencies=[CsrfChecked])
def move_assignment(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    rota_id: int,
    affectation: Annotated[int, Form(ge=1, le=2_147_483_647)],
    jour: Annotated[Day, Form()],
    debut: Annotated[time, Form()],
    fin: Annotated[time, Form()],
    cabinet: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
) -> Response:
    """Move an assignment of a draft (other day, times or cabinet)."""
    zone = user_zone(session, user)
    edit = planning.MoveAssignment(
        affectation, _at(jour, debut, zone), _at(jour, fin, zone), cabinet
    )
    try:
        rota, _ = workflow.edit(session, user, rota_id, edit, expected=None)
    except PartagendaError as error:
        return _edit_failed(request, session, user, rota_id, error, zone)
    return RedirectResponse(
        f"/planning?semaine={rota.period_start.isoformat()}&rota={rota_id}&info=deplace",
        status_code=303,
    )


@router.post("/planning/{rota_id}/epingler", dependencies=[CsrfChecked])
def pin_assignment(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    rota_id: int,
    affectation: Annotated[int, Form(ge=1, le=2_147_483_647)],
    epingle: Annotated[bool, Form()] = True,
) -> Response:
    """Pin (or unpin) an assignment of a draft so that re-planning keeps it."""
    zone = user_zone(session, user)
    try:
        rota, _ = workflow.edit(
            session, user, rota_id, planning.PinAssignment(affectation, epingle), expected=None
        )
    except PartagendaError as error:
        return _edit_failed(request, session, user, rota_id, error, zone)
    info = "epingle" if epingle else "desepingle"
    return RedirectResponse(
        f"/planning?semaine={rota.period_start.isoformat()}&rota={rota_id}&info={info}#affectation-{affectation}",
        status_code=303,
    )


@router.post("/planning/{rota_id}/publier", dependencies=[CsrfChecked])
def publish(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    rota_id: int,
    # Free text as the API's `Reason`: tabs and line breaks, no other control character.
    motif: Annotated[
        str | None, Form(max_length=500, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$")
    ] = None,
) -> Response:
    """Publish a draft; inside the notice window the page asks for the acknowledgement reason."""
    zone = user_zone(session, user)
    reason = motif.strip() if motif and motif.strip() else None
    try:
        workflow.publish(
            session,
            user,
            rota_id,
            acknowledged_reason=reason,
            expected=None,
        )
    except PartagendaError as error:
        return _edit_failed(request, session, user, rota_id, error, zone, reason=motif)
    rota = workflow.get_rota(session, user, rota_id)
    return RedirectResponse(
        f"/planning?semaine={rota.period_start.isoformat()}&rota={rota_id}&info=publie",
        status_code=303,
    )
