"""The coordinator's week grid: the plan, its runs and their progress, moves, pins and publication."""

from __future__ import annotations

import re
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
from api.schemas import Day, WeekDay
from scheduler import french, models, planning, uow
from scheduler.errors import (
    LatePublication,
    NoticeRequired,
    PartagendaError,
)
from scheduler.services import notices, resources, workflow
from scheduler.services.workflow import ContractCabinets

router = APIRouter(include_in_schema=False)


# --- Week grid ------------------------------------------------------------------------------------


NOTICE_ROWS = 20
"""The latest notices by e-mail and acknowledgements the week page lists."""


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
    quality = None
    targets: dict[int, list[views.CabinetStyle]] = {}
    balance: list[dict[str, Any]] = []
    if rota is not None:
        view = workflow.view_rota(session, user, rota.id)
        draft = rota.status is models.RotaStatus.DRAFT
        feasible = rota.solver_status in planning.PUBLISHABLE
        # A week with no plan breaks every target: the solver's explanation says why instead.
        violations = workflow.check(session, user, rota.id) if draft and feasible else []
        absences, holidays = workflow.week_closures(session, user, rota)
        grid = views.week_grid(
            rota,
            view.assignments,
            view.travel_legs,
            rota.breaks,
            assistants,
            styles,
            violations,
            zone,
            absences,
            holidays,
        )
        quality = views.quality(
            rota,
            planning.term_counts(view.objective_terms),
            publishable_status=feasible,
            blocking=len(violations),
        )
        if draft:
            targets = _move_targets(session, user, rota, view.assignments, styles)
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
        "quality": quality,
        "targets": targets,
        "assistants": sorted(assistants, key=lambda a: (a.last_name, a.first_name)),
        "add_errors": {},
        "add_values": {},
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
        "active_run": _run_context(session, user, active) if active is not None else None,
        "notice_emails": views.email_rows(
            notices.notice_emails(session, user, limit=NOTICE_ROWS),
            {c.id: c for c in cabinets},
            {a.id: a for a in assistants},
            zone,
        ),
        "acknowledgements": views.acknowledgement_rows(
            notices.acknowledgements(session, user, limit=NOTICE_ROWS),
            {c.id: c for c in cabinets},
            zone,
        ),
        "views": views,
    }


def _move_targets(
    session: SessionDep,
    user: models.User,
    rota: models.Rota,
    assignments: list[models.Assignment],
    styles: dict[int, views.CabinetStyle],
) -> dict[int, list[views.CabinetStyle]]:
    """Each assignment's cabinets to move to: those of its contract (its own cabinet at least)."""
    by_contract = {
        (item.contract_id, item.assistant_id): item.cabinet_ids
        for item in workflow.contract_cabinets(session, user, rota)
    }
    out: dict[int, list[views.CabinetStyle]] = {}
    for a in assignments:
        ids = set(by_contract.get((a.contract_id, a.assistant_id), ())) | {a.cabinet_id}
        out[a.id] = sorted((styles[i] for i in ids if i in styles), key=lambda c: c.name)
    return out


def _week(semaine: date | None, zone: ZoneInfo) -> date:
    return views.monday_of(semaine) if semaine is not None else views.next_monday(today_in(zone))


@router.get("/planning")
def planning_page(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    semaine: WeekDay | None = None,
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
    context["notice_required"] = isinstance(error, NoticeRequired | LatePublication)
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


def _run_context(session: SessionDep, user: models.User, run: models.PlanRun) -> dict[str, Any]:
    active = run.state in (models.RunState.QUEUED, models.RunState.RUNNING)
    limit = max(run.time_limit_s, 0.1)
    value = limit if run.state is models.RunState.SUCCEEDED else min(run.elapsed_seconds, limit)
    gap = views.solver_gap(run.best_objective, run.bound)
    quality = None
    if run.state is models.RunState.SUCCEEDED and run.rota_id is not None:
        view = workflow.view_rota(session, user, run.rota_id)
        quality = views.quality(
            view.rota,
            planning.term_counts(view.objective_terms),
            publishable_status=view.rota.solver_status in planning.PUBLISHABLE,
            blocking=0,
        )
    return {
        "run": run,
        "active": active,
        "quality": quality,
        "unattended": workflow.run_unattended(session, user, run) if active else False,
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
        return render(
            request, "_run_progress.html", {"p": _run_context(session, user, run)}, user=user
        )
    return RedirectResponse(f"/planning?semaine={week.isoformat()}&info=calcul", status_code=303)


@router.get("/planning/calculs/{run_id}")
def run_progress(
    request: Request, session: SessionDep, user: CoordinatorPage, run_id: int
) -> HTMLResponse:
    """The progress of a plan run (an htmx fragment, polled every second while it runs)."""
    run = workflow.get_run(session, user, run_id)
    return render(request, "_run_progress.html", {"p": _run_context(session, user, run)}, user=user)


@router.post("/planning/calculs/{run_id}/annuler", dependencies=[CsrfChecked])
def cancel_run(
    request: Request, session: SessionDep, user: CoordinatorPage, run_id: int
) -> Response:
    """Cancel a queued run, or stop a running one (nothing of it is stored)."""
    run = workflow.cancel_run(session, user, run_id)
    if request.headers.get("HX-Request") == "true":
        return render(
            request, "_run_progress.html", {"p": _run_context(session, user, run)}, user=user
        )
    return RedirectResponse(
        f"/planning?semaine={run.period_start.isoformat()}&info=annule", status_code=303
    )


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


_CLOCK = re.compile(r"\d{2}:\d{2}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ADD_FIELDS = ("assistante", "cabinet", "jour", "debut", "fin")


def _chosen(
    value: str, label: str, known: dict[int, str], errors: dict[str, str], name: str
) -> int:
    if not value.strip():
        errors[name] = f"« {label} » est obligatoire."
        return 0
    key = int(value) if value.strip().isdigit() else 0
    if key not in known:
        errors[name] = f"« {label} » : choisissez dans la liste."
    return key


def _clock(value: str, label: str, errors: dict[str, str], name: str) -> time | None:
    if not value.strip():
        errors[name] = f"« {label} » est obligatoire."
        return None
    try:
        if _CLOCK.fullmatch(value.strip()):
            return time.fromisoformat(value.strip())
    except ValueError:
        pass
    errors[name] = f"« {label} » n'est pas une heure valide (attendu : HH:MM, par exemple 08:30)."
    return None


def _add_form(
    rota: models.Rota,
    assistants: dict[int, str],
    cabinets: dict[int, str],
    links: list[ContractCabinets],
    values: dict[str, str],
) -> tuple[dict[str, str], tuple[int, int, int, date, time, time] | None]:
    """The add form's fields checked, each error next to its field: (errors, (assistant,
    contract, cabinet, day, start, end) when all are right)."""
    errors: dict[str, str] = {}
    assistant = _chosen(values["assistante"], "Assistante", assistants, errors, "assistante")
    cabinet = _chosen(values["cabinet"], "Cabinet", cabinets, errors, "cabinet")
    day: date | None = None
    first, last = rota.period_start, rota.period_start + timedelta(days=rota.period_days - 1)
    text = values["jour"].strip()
    if not text:
        errors["jour"] = "« Jour » est obligatoire."
    else:
        try:
            day = date.fromisoformat(text) if _DAY.fullmatch(text) else None
        except ValueError:
            day = None
        if day is None:
            errors["jour"] = "« Jour » n'est pas une date valide (attendu : AAAA-MM-JJ)."
        elif not first <= day <= last:
            errors["jour"] = (
                f"« Jour » doit tomber dans la période du planning, du "
                f"{french.weekday_date(first)} au {french.weekday_date(last, year=True)}."
            )
    start = _clock(values["debut"], "Début", errors, "debut")
    end = _clock(values["fin"], "Fin", errors, "fin")
    if start is not None and end is not None and end <= start:
        errors["fin"] = f"« Fin » doit suivre le début ({french.clock_hours(start)})."
    contract = 0
    if "assistante" not in errors and "cabinet" not in errors:
        own = [link for link in links if link.assistant_id == assistant]
        fits = [link for link in own if cabinet in link.cabinet_ids]
        if not own:
            errors["assistante"] = (
                f"« Assistante » : {assistants[assistant]} n'a aucun contrat sur la période."
            )
        elif not fits:
            allowed = sorted(
                {cabinets[c] for link in own for c in link.cabinet_ids if c in cabinets}
            )
            errors["cabinet"] = (
                f"« Cabinet » : {cabinets[cabinet]} n'est membre d'aucun contrat de "
                f"{assistants[assistant]} ; cabinets possibles : {', '.join(allowed)}."
            )
        else:
            contract = fits[0].contract_id
    if errors or day is None or start is None or end is None:
        return errors, None
    return errors, (assistant, contract, cabinet, day, start, end)


@router.post("/planning/{rota_id}/ajouter", dependencies=[CsrfChecked])
def add_assignment(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    rota_id: int,
    assistante: Annotated[str, Form(max_length=20)] = "",
    cabinet: Annotated[str, Form(max_length=20)] = "",
    jour: Annotated[str, Form(max_length=20)] = "",
    debut: Annotated[str, Form(max_length=20)] = "",
    fin: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Add an assignment to a draft; a field at fault is shown next to its input."""
    zone = user_zone(session, user)
    rota = workflow.get_rota(session, user, rota_id)
    values = dict(zip(ADD_FIELDS, (assistante, cabinet, jour, debut, fin), strict=True))
    people = {
        a.id: f"{a.first_name} {a.last_name}"
        for a in resources.ASSISTANTS.list(session, user, limit=MAX_ROWS, offset=0).items
    }
    places = {
        c.id: c.name for c in resources.CABINETS.list(session, user, limit=MAX_ROWS, offset=0).items
    }
    links = workflow.contract_cabinets(session, user, rota)
    errors, checked = _add_form(rota, people, places, links, values)
    if checked is not None:
        assistant_id, contract_id, cabinet_id, day, start, end = checked
        change = planning.AddAssignment(
            assistant_id, contract_id, cabinet_id, _at(day, start, zone), _at(day, end, zone)
        )
        try:
            workflow.edit(session, user, rota_id, change, expected=None)
        except PartagendaError as error:
            uow.rollback(session)
            rota = workflow.get_rota(session, user, rota_id)
            if getattr(error, "field", None) == "body.cabinet_id":
                errors["cabinet"] = f"« Cabinet » : {error}."
            else:
                text = str(error)
                errors["form"] = text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
        else:
            return RedirectResponse(
                f"/planning?semaine={rota.period_start.isoformat()}&rota={rota_id}&info=ajoute",
                status_code=303,
            )
    context = _planning_context(session, user, rota.period_start, rota.id, zone)
    context["add_errors"] = errors
    context["add_values"] = values
    return render(request, "planning.html", context, user=user, status_code=422)


@router.post("/planning/{rota_id}/supprimer", dependencies=[CsrfChecked])
def delete_assignment(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    rota_id: int,
    affectation: Annotated[int, Form(ge=1, le=2_147_483_647)],
) -> Response:
    """Remove an assignment from a draft."""
    zone = user_zone(session, user)
    try:
        rota, _ = workflow.edit(
            session, user, rota_id, planning.DeleteAssignment(affectation), expected=None
        )
    except PartagendaError as error:
        return _edit_failed(request, session, user, rota_id, error, zone)
    return RedirectResponse(
        f"/planning?semaine={rota.period_start.isoformat()}&rota={rota_id}&info=supprime",
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
