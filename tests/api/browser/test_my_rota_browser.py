"""The assistant's page in a real browser: signing in lands her on her published week (French
dates and hours, her cabinets' addresses, travel and breaks, the week's total), she moves between
weeks, sees an empty week plainly, reads her absences and change notices, creates and replaces
her calendar link (the replaced one stops answering), and every other page (and every other
assistant's data) stays closed to her. Photographed at 1366 px and at a 390 px phone width."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from scheduler import models
from scheduler.db import make_engine, make_session_factory
from scheduler.french import weekday_date
from scheduler.planning import plan_period, publish_rota
from scheduler.uow import unit_of_work
from tests.api.browser.conftest import PHONE, LiveServer
from tests.api.browser.test_pages_browser import shoot, sign_in

pytestmark = pytest.mark.browser

JULIE = ("julie.martin@example.fr", "demo-assistante")
COORDINATION = ("coordination@val-de-moselle.example.fr", "demo-coordination")
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class StagedWeek:
    """This week, published, as the database holds it for Julie."""

    monday: date
    julie_id: int
    sophie_id: int
    assignments: int
    addresses: list[str]
    others: list[str]


def _this_monday() -> date:
    today = datetime.now(UTC).astimezone(PARIS).date()
    return today - timedelta(days=today.weekday())


@pytest.fixture(scope="module")
def julie_week(live_server: LiveServer) -> Iterator[StagedWeek]:
    """The demo's current week planned and published (the coordinator's browser tests plan the
    next one), with a leave of Julie's three weeks ahead and a change notice about her."""
    engine = make_engine(live_server.database_url)
    factory = make_session_factory(engine)
    monday = _this_monday()
    with unit_of_work(factory) as session:
        groupement = session.scalars(select(models.Groupement)).one()
        assistants = {
            a.code: a
            for a in session.scalars(
                select(models.Assistant).where(models.Assistant.groupement_id == groupement.id)
            )
        }
        rota = session.scalar(
            select(models.Rota).where(
                models.Rota.groupement_id == groupement.id,
                models.Rota.period_start == monday,
                models.Rota.status == models.RotaStatus.PUBLISHED,
            )
        )
        if rota is None:
            draft = plan_period(
                session, groupement.id, monday, 7, time_limit_s=3.0, deterministic=True
            )
            rota = publish_rota(
                session,
                draft.id,
                actor=None,
                acknowledged_reason="semaine en cours, publiée pour les essais",
            )
        julie = assistants["julie"]
        mine = [a for a in rota.assignments if a.assistant_id == julie.id]
        assert mine, "the demo plans Julie in the current week"
        leave = datetime.combine(monday + timedelta(weeks=3), datetime.min.time(), PARIS)
        session.add(
            models.Absence(
                assistant_id=julie.id,
                kind=models.AbsenceKind.TRAINING,
                start_at=leave,
                end_at=leave + timedelta(days=2),
                reason="Formation gestes d'urgence",
            )
        )
        first = mine[0].start_at.astimezone(PARIS)
        cabinet = session.get(models.Cabinet, mine[0].cabinet_id)
        assert cabinet is not None
        session.add(
            models.ChangeNotice(
                groupement_id=groupement.id,
                rota_id=rota.id,
                assistant_id=julie.id,
                cabinet_ids=[cabinet.id],
                description=f"Julie Martin : {weekday_date(first.date())}, {cabinet.name} "
                f"{first:%H:%M}–{mine[0].end_at.astimezone(PARIS):%H:%M} ajouté",
                within_notice=True,
                acknowledged_reason="accord de l'assistante par téléphone",
            )
        )
        cabinets = {
            c.id: c
            for c in session.scalars(
                select(models.Cabinet).where(models.Cabinet.groupement_id == groupement.id)
            )
        }
        staged = StagedWeek(
            monday=monday,
            julie_id=julie.id,
            sophie_id=assistants["sophie"].id,
            assignments=len(mine),
            addresses=sorted({cabinets[a.cabinet_id].address for a in mine}),
            others=[a.full_name for code, a in assistants.items() if code != "julie"],
        )
    yield staged
    engine.dispose()


def test_assistant_lands_on_her_published_week(
    desktop: Page, live_server: LiveServer, julie_week: StagedWeek, screenshots: Path
) -> None:
    page = desktop
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, JULIE)
    expect(page).to_have_url(re.compile(r"/mon-planning$"))
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Mon planning de la semaine du {weekday_date(julie_week.monday, year=True)}"
    )
    expect(page.get_by_role("link", name="Mon planning")).to_have_attribute("aria-current", "page")
    expect(page.locator(".my-block")).to_have_count(julie_week.assignments)
    # French hours: `8 h – 12 h 30 (4 h 30)` per assignment, `31 h 30` for the week.
    expect(page.locator(".my-block .block__time").first).to_have_text(
        re.compile(r"^\d{1,2} h( \d{2})? – \d{1,2} h( \d{2})? \((\d+ h( \d{2})?|\d+ min)\)$")
    )
    total = page.locator("#week-totals > div", has_text="Temps de travail").locator("dd")
    expect(total).to_have_text(re.compile(r"^\d{1,2} h( \d{2})?$"))
    for address in julie_week.addresses:
        expect(page.locator(".my-block__address", has_text=address).first).to_be_visible()
    main = page.locator("main").inner_text()
    for name in julie_week.others:
        assert name not in main, f"another assistant's name on Julie's page: {name}"
    page.wait_for_load_state("networkidle")
    assert errors == [], errors
    shoot(page, screenshots, "my-rota-week-1366")


def test_assistant_week_on_a_phone(
    phone: Page, live_server: LiveServer, julie_week: StagedWeek, screenshots: Path
) -> None:
    sign_in(phone, live_server, JULIE)
    expect(phone.locator(".my-block")).to_have_count(julie_week.assignments)
    shoot(phone, screenshots, "my-rota-week-390")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page scrolls sideways on a phone ({width} px)"


def test_assistant_moves_between_weeks_and_sees_an_empty_one(
    desktop: Page, phone: Page, live_server: LiveServer, julie_week: StagedWeek, screenshots: Path
) -> None:
    page = desktop
    sign_in(page, live_server, JULIE)
    page.get_by_role("link", name="← Semaine précédente").click()
    before = julie_week.monday - timedelta(days=7)
    expect(page).to_have_url(re.compile(rf"semaine={before.isoformat()}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(weekday_date(before, year=True))
    expect(page.locator("#week-empty")).to_contain_text("Aucun planning publié pour cette semaine")
    shoot(page, screenshots, "my-rota-empty-1366")
    # The empty week points to her next published one.
    page.get_by_role("link", name=f"Voir ma semaine du {weekday_date(julie_week.monday)}").click()
    expect(page.locator(".my-block")).to_have_count(julie_week.assignments)
    page.get_by_role("link", name="Semaine suivante →").click()
    after = julie_week.monday + timedelta(days=7)
    expect(page.get_by_role("heading", level=1)).to_contain_text(weekday_date(after, year=True))
    expect(page.get_by_role("link", name="Revenir à cette semaine")).to_be_visible()
    sign_in(phone, live_server, JULIE)
    phone.goto(f"{live_server.base_url}/mon-planning?semaine={before.isoformat()}")
    expect(phone.locator("#week-empty")).to_be_visible()
    shoot(phone, screenshots, "my-rota-empty-390")


def test_assistant_reads_her_absences_and_notices(
    desktop: Page, live_server: LiveServer, julie_week: StagedWeek
) -> None:
    sign_in(desktop, live_server, JULIE)
    leave = julie_week.monday + timedelta(weeks=3)
    row = desktop.locator("#absences tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Formation")
    expect(row).to_contain_text(
        f"du {weekday_date(leave, year=True)} au "
        f"{weekday_date(leave + timedelta(days=1), year=True)}"
    )
    notice = desktop.locator("#notices .notice")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("ajouté.")
    expect(notice).to_contain_text("moins de 15 jours")
    expect(notice).to_contain_text("Motif d'accord : accord de l'assistante par téléphone")
    assert "Julie Martin :" not in notice.inner_text()


def _status_soon(page: Page, url: str, expected: int) -> int:
    # The feed route revalidates its cache every second: a revocation shows within that.
    deadline = time.monotonic() + 5
    while True:
        status = page.request.get(url).status
        if status == expected or time.monotonic() > deadline:
            return status
        time.sleep(0.3)


def test_assistant_creates_then_replaces_her_calendar_link(
    desktop: Page, phone: Page, live_server: LiveServer, julie_week: StagedWeek, screenshots: Path
) -> None:
    page = desktop
    sign_in(page, live_server, JULIE)
    expect(page.locator("#subscribe-state")).to_have_text(
        "Vous n'avez pas encore de lien d'abonnement."
    )
    page.get_by_role("button", name="Créer mon lien d'abonnement").click()
    expect(page).to_have_url(re.compile(r"/mon-planning/abonnement#agenda$"))
    apple = page.get_by_role("link", name="Ajouter à Apple Calendrier")
    expect(apple).to_have_attribute(
        "href", re.compile(r"^webcal://127\.0\.0\.1:\d+/feeds/.+\.ics$")
    )
    expect(page.get_by_role("link", name=re.compile("Ajouter à Google Agenda"))).to_be_visible()
    old = page.get_by_label("Lien .ics (pour un autre agenda)").input_value()
    feed = page.request.get(old)
    assert feed.status == 200
    assert feed.body().startswith(b"BEGIN:VCALENDAR")
    assert "Planning de Julie Martin" in feed.text()
    shoot(page, screenshots, "my-rota-link-created-1366")

    page.goto(live_server.base_url + "/mon-planning")
    expect(page.locator("#subscribe-state")).to_contain_text("actif depuis le ")
    expect(page.get_by_label("Lien .ics (pour un autre agenda)")).to_have_count(0)
    shoot(page, screenshots, "my-rota-link-active-1366")
    page.get_by_role("button", name="Remplacer mon lien d'abonnement").click()
    new = page.get_by_label("Lien .ics (pour un autre agenda)").input_value()
    assert new != old
    expect(page.locator("#subscribe-links")).to_contain_text("L'ancien lien ne fonctionne plus.")
    assert _status_soon(page, old, 404) in (404, 410), "the replaced link still answers"
    assert page.request.get(new).status == 200
    sign_in(phone, live_server, JULIE)
    phone.locator("#agenda").scroll_into_view_if_needed()
    shoot(phone, screenshots, "my-rota-link-active-390")


@pytest.mark.parametrize("path", ["/planning", "/contrats", "/cabinet", "/controle"])
def test_assistant_is_refused_the_other_pages(
    desktop: Page, live_server: LiveServer, screenshots: Path, path: str
) -> None:
    sign_in(desktop, live_server, JULIE)
    answer = desktop.goto(live_server.base_url + path)
    assert answer is not None and answer.status == 403
    assert answer.headers["content-type"].startswith("text/html")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    expect(desktop.locator("main")).to_contain_text("Cette page n'est pas ouverte à votre rôle.")
    expect(desktop.get_by_role("link", name="Revenir à ma page")).to_have_attribute(
        "href", "/mon-planning"
    )
    if path == "/planning":
        shoot(desktop, screenshots, "my-rota-refused-1366")


def test_assistant_cannot_read_another_assistant(
    desktop: Page, live_server: LiveServer, julie_week: StagedWeek
) -> None:
    token = desktop.request.post(
        live_server.base_url + "/api/v1/auth/token",
        form={"username": JULIE[0], "password": JULIE[1]},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    api = live_server.base_url + "/api/v1"
    assert desktop.request.get(
        f"{api}/assistants/{julie_week.sophie_id}", headers=headers
    ).status in (
        403,
        404,
    )
    feeds = desktop.request.post(
        f"{api}/subscriptions",
        headers=headers,
        data={"kind": "assistant", "target_id": julie_week.sophie_id, "subscriber": "Julie"},
    )
    # Another assistant's feed is answered as a missing one: its existence is not told.
    assert feeds.status == 404
    # Her page takes no assistant in its address: the same page whatever is asked.
    sign_in(desktop, live_server, JULIE)
    desktop.goto(f"{live_server.base_url}/mon-planning?assistante={julie_week.sophie_id}")
    expect(desktop.locator(".my-block")).to_have_count(julie_week.assignments)
