"""The French web pages: sign-in, the coordinator's week grid and contract dashboard, the
cabinet's page with its calendar subscription, the assistant's own week and calendar link, and
the auditor's reports.

Thin routes: each reads or writes through one `scheduler` service and renders a template;
domain errors of a form become a message on the page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep, SettingsDep
from api.pages import views
from api.pages.web import (
    ROLE_HOME,
    AssistantPage,
    CabinetPage,
    CoordinatorPage,
    CsrfChecked,
    OptionalUser,
    ReviewerPage,
    render,
    sign_in,
    sign_out,
)
from api.schemas import Day
from api.throttle import ClockDep, SignInLimiterDep, client_address
from scheduler import french, models, planning, report_cache, reports, uow
from scheduler.auth import authenticate
from scheduler.errors import (
    AuthenticationFailed,
    NoticeRequired,
    PartagendaError,
    SignInThrottled,
    french_wait,
)
from scheduler.services import personal, resources, subscriptions, workflow

router = APIRouter(include_in_schema=False)

INFO = {
    "calcul": "Calcul du planning demandé.",
    "publie": "Planning publié : les agendas des cabinets et des assistantes sont à jour.",
    "epingle": "Affectation épinglée : un nouveau calcul la gardera.",
    "desepingle": "Affectation désépinglée.",
    "deplace": "Affectation déplacée ; le planning a été vérifié.",
}
MAX_ROWS = 500
ABSENCE_WEEKS = 8  # how far ahead the assistant's page lists her absences


def _today(zone: ZoneInfo) -> date:
    return datetime.now(UTC).astimezone(zone).date()


# --- Session --------------------------------------------------------------------------------------


@router.get("/")
def home(user: OptionalUser) -> RedirectResponse:
    """The role's page, or the sign-in page."""
    target = ROLE_HOME.get(user.role, "/connexion") if user is not None else "/connexion"
    return RedirectResponse(target, status_code=303)


def _safe_next(value: str | None) -> str | None:
    # Only local paths: never an open redirect to another site.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


@router.get("/connexion")
def sign_in_page(
    request: Request, user: OptionalUser, suite: Annotated[str | None, Query(max_length=300)] = None
) -> Response:
    """The sign-in form."""
    home = ROLE_HOME.get(user.role) if user is not None else None
    if home is not None:
        return RedirectResponse(home, status_code=303)
    return render(request, "signin.html", {"suite": _safe_next(suite), "error": None, "email": ""})


@router.post("/connexion", dependencies=[CsrfChecked])
def sign_in_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
    limiter: SignInLimiterDep,
    clock: ClockDep,
    suite: Annotated[str | None, Form(max_length=300)] = None,
) -> Response:
    """Check the e-mail and password, open the session and go to the role's page."""
    try:
        limiter.hit(client_address(request))
        user = authenticate(session, email, password, now=clock())
    except SignInThrottled as throttled:
        context = {
            "suite": _safe_next(suite),
            "error": f"Trop de tentatives de connexion. Réessayez dans "
            f"{french_wait(throttled.retry_after_s)}.",
            "email": email,
        }
        headers = {"Retry-After": str(throttled.retry_after_s)}
        return render(request, "signin.html", context, status_code=429, headers=headers)
    except AuthenticationFailed:
        context = {
            "suite": _safe_next(suite),
            "error": "E-mail ou mot de passe incorrect.",
            "email": email,
        }
        return render(request, "signin.html", context, status_code=401)
    home = ROLE_HOME.get(user.role)
    if home is None:
        context = {
            "suite": None,
            "error": "Votre rôle n'a pas de page web : abonnez-vous à votre agenda depuis le lien reçu.",
            "email": email,
        }
        return render(request, "signin.html", context, status_code=403)
    response = RedirectResponse(_safe_next(suite) or home, status_code=303)
    sign_in(response, request, user, settings)
    return response


@router.post("/deconnexion", dependencies=[CsrfChecked])
def sign_out_submit() -> RedirectResponse:
    """Close the session."""
    response = RedirectResponse("/connexion", status_code=303)
    sign_out(response)
    return response


# --- Week grid ------------------------------------------------------------------------------------


def _zone(session: SessionDep, user: models.User) -> ZoneInfo:
    return ZoneInfo(resources.get_groupement(session, user, user.groupement_id).timezone)


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
    cabinets = resources.list_cabinets(session, user, limit=MAX_ROWS, offset=0).items
    assistants = resources.list_assistants(session, user, limit=MAX_ROWS, offset=0).items
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
            c.id: c for c in resources.list_contracts(session, user, limit=MAX_ROWS, offset=0).items
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
    return views.monday_of(semaine) if semaine is not None else views.next_monday(_today(zone))


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
    zone = _zone(session, user)
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
    zone = _zone(session, user)
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
    zone = _zone(session, user)
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
    zone = _zone(session, user)
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
    zone = _zone(session, user)
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


# --- Contract dashboard ---------------------------------------------------------------------------


@router.get("/contrats")
def contracts_page(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    contrat: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> HTMLResponse:
    """Hours received against shares, and progress towards the pooled target, per contract."""
    zone = _zone(session, user)
    today = _today(zone)
    contracts = resources.list_contracts(session, user, limit=MAX_ROWS, offset=0).items
    # A contract named in the address must be one of the groupement's: else a 404 page, never
    # another contract's figures under its name.
    chosen = (
        resources.get_contract(session, user, contrat)
        if contrat is not None
        else (contracts[0] if contracts else None)
    )
    context: dict[str, Any] = {
        "contracts": contracts,
        "chosen": chosen,
        "views": views,
        "today": today,
    }
    if chosen is not None:
        period = views.contract_year(chosen, today)
        report = reports.report_for(session, user, chosen.id, period, today=today)
        cabinets = resources.list_cabinets(session, user, limit=MAX_ROWS, offset=0).items
        styles = views.cabinet_styles(cabinets)
        context.update(
            report=report,
            figures=report.figures,
            period=period,
            styles=styles,
            hours_chart=views.hours_chart(report.figures.members, styles, today),
            progress_chart=views.progress_chart(report.figures.progress),
        )
    return render(request, "contracts.html", context, user=user)


# --- Cabinet --------------------------------------------------------------------------------------


def _cabinet_context(session: SessionDep, user: models.User) -> dict[str, Any]:
    assert user.cabinet_id is not None
    cabinet = resources.get_cabinet(session, user, user.cabinet_id)
    zone = ZoneInfo(resources.get_groupement(session, user, user.groupement_id).timezone)
    today = _today(zone)
    contracts = resources.list_contracts(session, user, limit=MAX_ROWS, offset=0).items
    entries = []
    for contract in contracts:
        period = views.contract_year(contract, today)
        report = reports.report_for(session, user, contract.id, period)
        member = next((m for m in report.figures.members if m.cabinet_id == cabinet.id), None)
        entries.append({"contract": contract, "report": report, "member": member, "period": period})
    return {"cabinet": cabinet, "entries": entries, "views": views, "today": today, "links": None}


@router.get("/cabinet")
def cabinet_page(request: Request, session: SessionDep, user: CabinetPage) -> HTMLResponse:
    """The cabinet's hours, its contribution and its calendar subscription."""
    return render(request, "cabinet.html", _cabinet_context(session, user), user=user)


@router.post("/cabinet/abonnement", dependencies=[CsrfChecked])
def subscribe(
    request: Request, session: SessionDep, settings: SettingsDep, user: CabinetPage
) -> HTMLResponse:
    """Create a calendar token for the cabinet and show its subscribe links, once."""
    context = _cabinet_context(session, user)
    name = f"Assistante médicale — {context['cabinet'].name}"
    context["links"] = subscriptions.subscribe_own_cabinet(
        session, user, base_url=settings.public_base_url, calendar_name=name
    ).links
    # The token is in the page: neither caches nor the history may keep it.
    return render(
        request, "cabinet.html", context, user=user, headers={"Cache-Control": "no-store"}
    )


# --- Assistant ------------------------------------------------------------------------------------


def _my_rota_context(
    session: SessionDep, user: models.User, semaine: date | None
) -> dict[str, Any]:
    zone = _zone(session, user)
    today = _today(zone)
    current = views.monday_of(today)
    week = views.monday_of(semaine) if semaine is not None else current
    mine = personal.assistant_week(session, user, week)
    plan = views.assistant_plan(
        mine.week_start,
        mine.assignments,
        mine.travel_legs,
        mine.breaks,
        mine.cabinets.values(),
        mine.absences,
        zone,
    )
    prefix = f"{mine.assistant.full_name} : "
    notices = [
        {
            "notice": notice,
            "created": french.long_date(notice.created_at.astimezone(zone).date()),
            "week": period_start,
            "week_fr": french.weekday_date(period_start, year=True),
            "text": notice.description.removeprefix(prefix),
        }
        for notice, period_start in personal.own_change_notices(session, user)
    ]
    absences = [
        {
            "kind": views.ABSENCE_KIND_FR[a.kind],
            "span": views.fr_span(a.start_at, a.end_at, zone),
            "reason": a.reason or "",
        }
        for a in personal.upcoming_absences(session, user, weeks=ABSENCE_WEEKS)
    ]
    tokens = subscriptions.list_subscriptions(session, user)
    return {
        "week": week,
        "week_fr": french.weekday_date(week, year=True),
        "today": today,
        "current_week": current,
        "previous_week": week - timedelta(days=7),
        "next_week": week + timedelta(days=7),
        "mine": mine,
        "plan": plan,
        "rota": mine.rotas[-1] if mine.rotas else None,
        "next_published": mine.next_published_week,
        "cabinets": mine.cabinets,
        "absences": absences,
        "absence_weeks": ABSENCE_WEEKS,
        "notices": notices,
        "tokens": tokens,
        "token_since": french.long_date(min(t.created_at for t in tokens).astimezone(zone).date())
        if tokens
        else None,
        "links": None,
        "views": views,
    }


@router.get("/mon-planning")
def my_rota_page(
    request: Request, session: SessionDep, user: AssistantPage, semaine: Day | None = None
) -> HTMLResponse:
    """The assistant's published week, her calendar link, absences and change notices."""
    return render(request, "my_rota.html", _my_rota_context(session, user, semaine), user=user)


@router.post("/mon-planning/abonnement", dependencies=[CsrfChecked])
def subscribe_assistant(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: AssistantPage,
    semaine: Annotated[Day | None, Form()] = None,
) -> HTMLResponse:
    """Create (or replace: the old one is revoked) the assistant's calendar link; shown once."""
    subscription = subscriptions.subscribe_own_assistant(
        session,
        user,
        base_url=settings.public_base_url,
        calendar_name=f"Mon planning — {user.full_name}",
    )
    context = _my_rota_context(session, user, semaine)
    context["links"] = subscription.links
    # The token is in the page: neither caches nor the history may keep it.
    return render(
        request, "my_rota.html", context, user=user, headers={"Cache-Control": "no-store"}
    )


# --- Auditor --------------------------------------------------------------------------------------


@router.get("/controle")
def audit_page(request: Request, session: SessionDep, user: ReviewerPage) -> HTMLResponse:
    """The allocation report of each contract the reader reviews (an auditor's granted ones,
    every one for the national reader), with its downloads."""
    zone = ZoneInfo(resources.get_groupement(session, user, user.groupement_id).timezone)
    today = _today(zone)
    entries = []
    for contract in resources.list_contracts(session, user, limit=MAX_ROWS, offset=0).items:
        period = views.contract_year(contract, today)
        report = reports.report_for(session, user, contract.id, period)
        entries.append({"contract": contract, "report": report, "period": period})
    downloads = [f for f in reports.FORMATS.values() if f.page_label is not None]
    return render(
        request,
        "audit.html",
        {"entries": entries, "views": views, "downloads": downloads},
        user=user,
    )


@router.get("/controle/contrats/{contract_id}/rapport.{fmt}")
def audit_download(
    session: SessionDep,
    user: ReviewerPage,
    contract_id: int,
    fmt: str,
    periode: Annotated[str, Query(min_length=2, max_length=10)],
) -> Response:
    """The report in a format the page offers (`page_label`), as a download."""
    report_format = reports.FORMATS.get(fmt)
    if report_format is None or report_format.page_label is None:
        raise HTTPException(status_code=404, detail="format inconnu")
    report = reports.report_for(session, user, contract_id, periode)
    name = f"rapport-{report.header.code}-{report.period.label}.{report_format.extension}"
    return Response(
        report_cache.report_body(session, report, report_format),
        media_type=report_format.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
