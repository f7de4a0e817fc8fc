"""The week page in a real browser: the coordinator opens a week by its ISO number, plans it and
watches the run's figures move while it runs (on SQLite), reads the plan's quality term by term,
deletes and adds an assignment (the add form's errors next to their fields) and sees the figures
follow; absences and public holidays mark the grid; a run is cancelled from its panel; a week the
solver found impossible shows why, with publication disabled. Photographed at 1366 px and at a
390 px phone width, which never scrolls sideways."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from scheduler import models
from scheduler.db import make_engine, make_session_factory
from scheduler.uow import unit_of_work
from solver import public_holiday
from tests.api.browser.conftest import PHONE, LiveServer
from tests.api.browser.test_pages_browser import COORDINATION, WEEK, shoot, sign_in

pytestmark = pytest.mark.browser


def _holiday_week() -> tuple[date, date]:
    """The first week from three weeks ahead with a public holiday (the demo's cabinets are in
    Meurthe-et-Moselle) on a weekday, and that day."""
    monday = WEEK + timedelta(days=21)
    while True:
        for offset in range(5):
            day = monday + timedelta(days=offset)
            if public_holiday(day, "54") is not None:
                return monday, day
        monday += timedelta(days=7)


HOLIDAY_WEEK, HOLIDAY = _holiday_week()
CANCELLED_WEEK = HOLIDAY_WEEK + timedelta(days=7)
IMPOSSIBLE_WEEK = HOLIDAY_WEEK + timedelta(days=14)
WHY = "Cabinet des Tilleuls : lundi, 8 h – 12 h sans assistante disponible (toutes en congés)."


def iso_week(monday: date) -> str:
    """`2026-W51`, as the CLI writes weeks."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _stage_absence(server: LiveServer, day: date) -> str:
    """An absence of the demo's first assistant on `day` (8 h to noon in Paris); her name."""
    engine = make_engine(server.database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            assistant = session.scalars(
                select(models.Assistant).order_by(models.Assistant.last_name)
            ).first()
            assert assistant is not None
            session.add(
                models.Absence(
                    assistant_id=assistant.id,
                    kind=models.AbsenceKind.TRAINING,
                    start_at=datetime(day.year, day.month, day.day, 7, tzinfo=UTC),
                    end_at=datetime(day.year, day.month, day.day, 11, tzinfo=UTC),
                    reason="gestes d'urgence",
                )
            )
            return f"{assistant.first_name} {assistant.last_name}"
    finally:
        engine.dispose()


def _stage_impossible_week(server: LiveServer) -> None:
    """A draft the solver found impossible, with its explanation, as a run stores one."""
    engine = make_engine(server.database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            groupement = session.scalars(select(models.Groupement)).one()
            session.add(
                models.Rota(
                    groupement_id=groupement.id,
                    period_start=IMPOSSIBLE_WEEK,
                    period_days=7,
                    revision=1,
                    solver_status="infeasible",
                    explanation=[WHY],
                )
            )
    finally:
        engine.dispose()


def open_week(page: Page, server: LiveServer, monday: date) -> None:
    """Sign in, then open the week page of `monday` by its ISO week (the sign-in page goes back
    to the page's path, not its query)."""
    sign_in(page, server, COORDINATION, "/planning")
    page.goto(f"{server.base_url}/planning?semaine={iso_week(monday)}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Planning de la semaine du lundi {monday.day if monday.day > 1 else '1er'} "
    )


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page scrolls sideways on a phone ({width} px)"


def test_coordinator_plans_edits_and_reads_the_quality_of_a_week(
    desktop: Page, live_server: LiveServer, screenshots: Path
) -> None:
    page = desktop
    away = HOLIDAY + timedelta(days=1 if HOLIDAY.weekday() < 4 else -1)
    name = _stage_absence(live_server, away)
    open_week(page, live_server, HOLIDAY_WEEK)
    page.get_by_role("button", name="Calculer le planning").click()
    panel = page.locator("#run-progress")
    expect(page.get_by_role("button", name=re.compile("^Annuler le calcul"))).to_be_visible()
    # The figures move while the run runs (the live server is on SQLite): the elapsed time
    # passes 0,0 s before the run ends.
    page.wait_for_function(
        """() => { const p = document.getElementById('run-progress');
                   return p && p.dataset.state === 'running'
                     && !p.querySelector('.run-elapsed').textContent.startsWith('0,0'); }""",
        timeout=60_000,
    )
    shoot(page, screenshots, "week-run-running-1280")
    expect(page.get_by_text("Calcul terminé")).to_be_visible(timeout=120_000)
    expect(panel.locator(".quality")).to_contain_text("écart aux parts :")
    expect(panel.locator(".run-status")).not_to_be_empty()
    shoot(page, screenshots, "week-run-quality-1280")

    page.get_by_role("link", name="Afficher le nouveau brouillon").click()
    quality = page.locator("#quality-rota")
    expect(quality).to_contain_text("Qualité du planning")
    expect(quality.locator("[data-term='share_deviation']")).to_contain_text("écart aux parts :")
    expect(quality.locator("[data-term='travel_minutes']")).to_contain_text("trajets :")
    holiday = page.locator(f"td[data-day='{HOLIDAY.isoformat()}'] .off-mark--holiday").first
    expect(holiday).to_contain_text("Jour férié : ")
    absence = page.locator(f"td[data-day='{away.isoformat()}'] .off-mark--absence")
    expect(absence).to_have_count(1)
    expect(absence).to_contain_text("Absente : Formation (gestes d'urgence)")
    expect(
        page.locator("tr", has=page.locator(".off-mark--absence")).locator("th")
    ).to_contain_text(name)
    shoot(page, screenshots, "week-draft-quality-1280")

    objective = quality.locator(".quality-objective").inner_text()
    block = page.locator(".block").first
    block_id = block.get_attribute("id")
    assistant = block.locator("xpath=ancestor::tr").get_attribute("data-assistant")
    form = block.locator(".move__form")
    cabinet = form.locator("select[name='cabinet']").input_value()
    day = form.locator("select[name='jour']").input_value()
    start = form.locator("input[name='debut']").input_value()
    end = form.locator("input[name='fin']").input_value()
    block.get_by_role("button", name=re.compile("^Supprimer")).click()
    expect(page.get_by_text("Affectation supprimée")).to_be_visible()
    expect(page.locator(f"#{block_id}")).to_have_count(0)
    expect(page.locator("#quality-rota .quality-objective")).not_to_have_text(objective)

    page.get_by_text("Ajouter une affectation").click()
    page.get_by_role("button", name="Ajouter l'affectation").click()
    expect(page.locator("#ajout-assistante-erreur")).to_have_text("« Assistante » est obligatoire.")
    expect(page.get_by_label("Assistante")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#ajout-fin-erreur")).to_have_text("« Fin » est obligatoire.")
    shoot(page, screenshots, "week-add-errors-1280")
    assert assistant is not None
    page.get_by_label("Assistante").select_option(assistant)
    page.locator("#ajout-cabinet").select_option(cabinet)
    page.locator("#ajout-jour").select_option(day)
    page.locator("#ajout-debut").fill(start)
    page.locator("#ajout-fin").fill(end)
    page.get_by_role("button", name="Ajouter l'affectation").click()
    expect(page.get_by_text("Affectation ajoutée")).to_be_visible()
    # The same hours back at the same place: the figures are the plan's first ones again.
    expect(page.locator("#quality-rota .quality-objective")).to_have_text(objective)


def test_coordinator_cancels_a_run_from_its_panel(
    desktop: Page, live_server: LiveServer, screenshots: Path
) -> None:
    page = desktop
    open_week(page, live_server, CANCELLED_WEEK)
    page.get_by_role("button", name="Calculer le planning").click()
    page.get_by_role("button", name=re.compile("^Annuler le calcul")).click()
    expect(page.get_by_text("Calcul annulé : aucun brouillon n'a été enregistré.")).to_be_visible(
        timeout=30_000
    )
    expect(page.locator("#run-progress")).to_have_attribute("data-state", "cancelled")
    expect(page.get_by_role("link", name="Afficher le nouveau brouillon")).to_have_count(0)
    shoot(page, screenshots, "week-run-cancelled-1280")
    page.reload()
    expect(page.get_by_text("Aucun planning pour cette semaine.")).to_be_visible()


def test_an_impossible_week_shows_why_and_cannot_be_published(
    desktop: Page, phone: Page, live_server: LiveServer, screenshots: Path
) -> None:
    _stage_impossible_week(live_server)
    for page, width in ((desktop, "1280"), (phone, "390")):
        open_week(page, live_server, IMPOSSIBLE_WEEK)
        expect(page.get_by_text("Aucun planning réalisable pour cette semaine.")).to_be_visible()
        expect(page.locator(".quality__explanation li")).to_have_text(WHY)
        expect(page.get_by_role("button", name="Publier ce planning")).to_be_disabled()
        expect(page.locator("#publish-blocked")).to_contain_text("Publication impossible")
        shoot(page, screenshots, f"week-impossible-{width}")
    _no_sideways_scroll(phone)


def test_the_week_page_fits_a_phone_with_its_forms_open(
    phone: Page, live_server: LiveServer, screenshots: Path
) -> None:
    open_week(phone, live_server, HOLIDAY_WEEK)
    phone.get_by_text("Ajouter une affectation").click()
    phone.get_by_role("button", name="Ajouter l'affectation").click()
    expect(phone.locator("#ajout-jour-erreur")).to_be_visible()
    block = phone.locator(".block").first
    block.locator("summary").click()
    expect(block.locator(".move__form")).to_be_visible()
    _no_sideways_scroll(phone)
    block.screenshot(path=str(screenshots / "week-move-form-390.png"))
    shoot(phone, screenshots, "week-draft-390")
