"""The pages of the members and the auditor: the contract dashboard, the cabinet's page and
subscription, the assistant's own week and calendar link, the auditor's reports.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep, SettingsDep
from api.pages import views
from api.pages.routes.shared import ABSENCE_WEEKS, INFO, MAX_ROWS, today_in, user_zone
from api.pages.web import (
    AssistantPage,
    CabinetPage,
    CoordinatorPage,
    CsrfChecked,
    ReviewerPage,
    render,
)
from api.schemas import Day
from scheduler import access, french, models, report_cache, reports
from scheduler.planning.extra_hours import extra_hours
from scheduler.services import notices as notice_service
from scheduler.services import personal, resources, subscriptions

router = APIRouter(include_in_schema=False)


# --- Contract dashboard ---------------------------------------------------------------------------


@router.get("/contrats")
def contracts_page(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    contrat: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> HTMLResponse:
    """Hours received against shares, and progress towards the pooled target, per contract."""
    zone = user_zone(session, user)
    today = today_in(zone)
    contracts = resources.CONTRACTS.list(session, user, limit=MAX_ROWS, offset=0).items
    # A contract named in the address must be one of the groupement's: else a 404 page, never
    # another contract's figures under its name.
    chosen = (
        resources.CONTRACTS.get(session, user, contrat)
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
        cabinets = resources.CABINETS.list(session, user, limit=MAX_ROWS, offset=0).items
        styles = views.cabinet_styles(cabinets)
        context.update(
            report=report,
            figures=report.figures,
            period=period,
            styles=styles,
            hours_chart=views.hours_chart(report.figures.members, styles, today),
            progress_chart=views.progress_chart(report.figures.progress),
            # Travel paid beyond the contract over the last 12 weeks and the published ones to come.
            extra=extra_hours(
                session,
                chosen,
                first=today - timedelta(weeks=11),
                last=today + timedelta(weeks=4),
            ),
        )
    return render(request, "contracts.html", context, user=user)


NOTICE_ROWS = 20
"""The latest changes and notices by e-mail a member's page lists."""

# --- Cabinet --------------------------------------------------------------------------------------


def _cabinet_context(session: SessionDep, user: models.User) -> dict[str, Any]:
    assert user.cabinet_id is not None
    cabinet = resources.CABINETS.get(session, user, user.cabinet_id)
    zone = ZoneInfo(resources.GROUPEMENTS.get(session, user, user.groupement_id).timezone)
    today = today_in(zone)
    contracts = resources.CONTRACTS.list(session, user, limit=MAX_ROWS, offset=0).items
    entries = []
    for contract in contracts:
        period = views.contract_year(contract, today)
        report = reports.report_for(session, user, contract.id, period)
        member = next((m for m in report.figures.members if m.cabinet_id == cabinet.id), None)
        entries.append({"contract": contract, "report": report, "member": member, "period": period})
    own = {cabinet.id: cabinet}
    return {
        "cabinet": cabinet,
        "entries": entries,
        "views": views,
        "today": today,
        "links": None,
        "notice_emails": views.email_rows(
            notice_service.notice_emails(session, user, limit=NOTICE_ROWS), own, {}, zone
        ),
        "changes": views.acknowledgement_rows(
            notice_service.acknowledgements(session, user, limit=NOTICE_ROWS), own, zone
        ),
    }


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
    zone = user_zone(session, user)
    today = today_in(zone)
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
            "acknowledged": french.long_date(notice.acknowledged_at.astimezone(zone).date())
            if notice.acknowledged_at is not None
            else None,
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
    request: Request,
    session: SessionDep,
    user: AssistantPage,
    semaine: Day | None = None,
    info: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """The assistant's published week, her calendar link, absences and change notices (each
    to confirm once she took note of it)."""
    context = _my_rota_context(session, user, semaine)
    context["info"] = INFO.get(info or "")
    return render(request, "my_rota.html", context, user=user)


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


@router.post("/mon-planning/avis/{notice_id}/confirmation", dependencies=[CsrfChecked])
def acknowledge_notice(
    session: SessionDep,
    user: AssistantPage,
    notice_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
    semaine: Annotated[Day | None, Form()] = None,
) -> RedirectResponse:
    """The assistant confirms she took note of a change of her rota; back to her page."""
    notice_service.acknowledge_notice(session, user, notice_id)
    week = f"semaine={semaine.isoformat()}&" if semaine is not None else ""
    return RedirectResponse(f"/mon-planning?{week}info=avis#avis-{notice_id}", status_code=303)


# --- Auditor --------------------------------------------------------------------------------------


TRAIL_ROWS = 50
"""The latest audit rows shown for each contract on the review page."""


@router.get("/controle")
def audit_page(request: Request, session: SessionDep, user: ReviewerPage) -> HTMLResponse:
    """The allocation report of each contract the reader reviews (an auditor's granted ones,
    every one for the national reader), with its downloads."""
    zone = ZoneInfo(resources.GROUPEMENTS.get(session, user, user.groupement_id).timezone)
    today = today_in(zone)
    entries = []
    trail = access.reads_contract_trail(user)
    for contract in resources.CONTRACTS.list(session, user, limit=MAX_ROWS, offset=0).items:
        period = views.contract_year(contract, today)
        report = reports.report_for(session, user, contract.id, period)
        entry: dict[str, Any] = {"contract": contract, "report": report, "period": period}
        if trail:
            # The contract's audit trail: what was done to it, by whom, when and why.
            entry["trail"] = resources.AUDIT.list(
                session, user, limit=TRAIL_ROWS, offset=0, entity_id=str(contract.id)
            ).items
        entries.append(entry)
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
