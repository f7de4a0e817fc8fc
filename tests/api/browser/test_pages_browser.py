"""The pages in a real browser: a coordinator plans a week (live progress bar), pins an
assignment and publishes; a cabinet subscribes to its calendar; an auditor downloads a PDF
report. Each page is photographed at 1280 px and at a 390 px phone width. The pages load without
console errors; errors reach a browser as French HTML pages naming the bad field; numbers, dates
and the wide tables read the French way on a desktop and on a phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.api.browser.conftest import PHONE, LiveServer

pytestmark = pytest.mark.browser

COORDINATION = ("coordination@val-de-moselle.example.fr", "demo-coordination")
CABINET = ("tilleuls@val-de-moselle.example.fr", "demo-cabinet")
AUDIT = ("audit@cpam-54.example.fr", "demo-audit")
TODAY = datetime.now(UTC).date()
WEEK = TODAY + timedelta(days=7 - TODAY.weekday())  # next Monday


def sign_in(page: Page, server: LiveServer, who: tuple[str, str], path: str = "/") -> None:
    """Sign in through the form and land on `path`."""
    page.goto(server.base_url + path)
    expect(page).to_have_url(re.compile(r"/connexion"))
    page.get_by_label("Adresse e-mail").fill(who[0])
    page.get_by_label("Mot de passe").fill(who[1])
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def shoot(page: Page, folder: Path, name: str) -> None:
    """A full-page screenshot."""
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_coordinator_plans_and_publishes_a_week(
    desktop: Page, live_server: LiveServer, screenshots: Path
) -> None:
    page = desktop
    page.goto(live_server.base_url + "/connexion")
    shoot(page, screenshots, "signin-1280")
    sign_in(page, live_server, COORDINATION, f"/planning?semaine={WEEK.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Planning de la semaine")
    page.get_by_role("button", name="Calculer le planning").click()
    bar = page.get_by_role("progressbar")
    expect(bar).to_be_visible()
    expect(bar).to_have_accessible_name(re.compile(r"Calcul n° \d+"))
    page.wait_for_timeout(1500)
    shoot(page, screenshots, "planning-progress-1280")
    expect(page.get_by_text("Calcul terminé")).to_be_visible(timeout=120_000)
    shoot(page, screenshots, "planning-run-done-1280")
    page.get_by_role("link", name="Afficher le nouveau brouillon").click()
    grid = page.get_by_role("table").first
    expect(grid).to_be_visible()
    expect(page.locator(".badge--draft").filter(has_text="brouillon")).to_have_text("brouillon")
    expect(page.locator(".block").first).to_be_visible()
    expect(page.locator(".travel").first).to_be_visible()
    expect(page.locator("#violations")).to_be_visible()
    shoot(page, screenshots, "planning-draft-1280")


def test_coordinator_pins_an_assignment(
    desktop: Page, live_server: LiveServer, screenshots: Path
) -> None:
    page = desktop
    sign_in(page, live_server, COORDINATION, f"/planning?semaine={WEEK.isoformat()}")
    first = page.locator(".block").first
    block_id = first.get_attribute("id")
    first.get_by_role("button", name=re.compile("^Épingler")).click()
    expect(page.get_by_text("Affectation épinglée")).to_be_visible()
    expect(page.locator(f"#{block_id} .pin")).to_be_visible()
    shoot(page, screenshots, "planning-pinned-1280")


def test_coordinator_publishes_the_draft(
    desktop: Page, live_server: LiveServer, screenshots: Path
) -> None:
    page = desktop
    sign_in(page, live_server, COORDINATION, f"/planning?semaine={WEEK.isoformat()}")
    expect(page.locator(".badge--draft").filter(has_text="brouillon")).to_have_text("brouillon")
    page.get_by_role("button", name="Publier ce planning").click()
    expect(page.get_by_text("Planning publié : les agendas")).to_be_visible(timeout=30_000)
    expect(page.locator(".badge--published").filter(has_text="publié")).to_have_text("publié")
    shoot(page, screenshots, "planning-published-1280")


def test_planning_on_a_phone(phone: Page, live_server: LiveServer, screenshots: Path) -> None:
    sign_in(phone, live_server, COORDINATION, f"/planning?semaine={WEEK.isoformat()}")
    expect(phone.locator(".block").first).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page scrolls sideways on a phone ({width} px)"
    shoot(phone, screenshots, "planning-390")


def test_contract_dashboard_draws_charts_and_tables(
    desktop: Page, phone: Page, live_server: LiveServer, screenshots: Path
) -> None:
    for page, name in ((desktop, "1280"), (phone, "390")):
        sign_in(page, live_server, COORDINATION, "/contrats")
        expect(page.locator("#hours-chart")).to_be_visible()
        expect(page.locator("#hours-table")).to_be_visible()
        page.wait_for_function(
            "typeof Chart !== 'undefined' && !!Chart.getChart('hours-chart')"
            " && !!Chart.getChart('progress-chart')"
        )
        # The status says it is read from the projection at the deadline; the weeks to come
        # (the table shows four ahead) are planned, with nothing delivered yet, in the table
        # and in the chart's "effectuées" bars.
        expect(page.locator("#group-status")).to_contain_text("projection à l’échéance")
        expect(
            page.locator("#hours-table td[data-label='Effectué']", has_text="à venir").first
        ).to_be_attached()
        last_delivered = page.evaluate(
            "(() => { const d = Chart.getChart('hours-chart').data.datasets[0];"
            " return [d.label, d.data[d.data.length - 1]]; })()"
        )
        assert last_delivered[0].endswith("— effectuées") and last_delivered[1] is None
        shoot(page, screenshots, f"contracts-{name}")


def test_cabinet_subscribes_to_its_calendar(
    desktop: Page, phone: Page, live_server: LiveServer, screenshots: Path
) -> None:
    page = desktop
    sign_in(page, live_server, CABINET)
    expect(page.get_by_role("heading", level=1)).to_have_text("Cabinet des Tilleuls")
    shoot(page, screenshots, "cabinet-1280")
    page.get_by_role("button", name="S'abonner à l'agenda du cabinet").click()
    apple = page.get_by_role("link", name="Ajouter à Apple Calendrier")
    expect(apple).to_have_attribute(
        "href", re.compile(r"^webcal://127\.0\.0\.1:\d+/feeds/.+\.ics$")
    )
    expect(page.get_by_role("link", name=re.compile("Ajouter à Google Agenda"))).to_have_attribute(
        "href", re.compile(r"^https://calendar\.google\.com/")
    )
    expect(page.get_by_role("link", name=re.compile("Ajouter à Outlook"))).to_be_visible()
    ics = page.get_by_label("Lien .ics (pour un autre agenda)").input_value()
    feed = page.request.get(ics)
    assert feed.status == 200 and feed.body().startswith(b"BEGIN:VCALENDAR")
    page.get_by_role("button", name="Copier le lien .ics").click()
    expect(page.locator("#copy-status")).to_have_text("Lien copié dans le presse-papiers.")
    shoot(page, screenshots, "cabinet-subscribed-1280")
    sign_in(phone, live_server, CABINET)
    shoot(phone, screenshots, "cabinet-390")


def test_auditor_downloads_a_pdf_report(
    desktop: Page, phone: Page, live_server: LiveServer, screenshots: Path
) -> None:
    page = desktop
    sign_in(page, live_server, AUDIT)
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapports d'allocation")
    shoot(page, screenshots, "audit-1280")
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("link", name=re.compile("Télécharger le PDF")).first.click()
    path = info.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")
    assert info.value.suggested_filename.endswith(".pdf")
    sign_in(phone, live_server, AUDIT)
    shoot(phone, screenshots, "audit-390")


def _console_errors(page: Page) -> list[str]:
    """Collect the page's console errors and uncaught exceptions from now on."""
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(f"{m.text} ({m.location})") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@pytest.mark.parametrize(
    ("who", "path"),
    [
        (COORDINATION, "/planning"),
        (COORDINATION, "/contrats"),
        (CABINET, "/cabinet"),
        (AUDIT, "/controle"),
    ],
)
def test_pages_load_without_console_errors(
    desktop: Page, live_server: LiveServer, who: tuple[str, str], path: str
) -> None:
    errors = _console_errors(desktop)
    sign_in(desktop, live_server, who, path)
    desktop.wait_for_load_state("networkidle")
    assert desktop.locator("html").get_attribute("lang") == "fr"
    assert errors == [], errors


def test_unknown_address_is_a_french_page(
    desktop: Page, live_server: LiveServer, screenshots: Path
) -> None:
    sign_in(desktop, live_server, COORDINATION)
    answer = desktop.goto(live_server.base_url + "/nulle-part")
    assert answer is not None and answer.status == 404
    assert answer.headers["content-type"].startswith("text/html")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    expect(desktop.get_by_role("link", name="Revenir à ma page")).to_have_attribute("href", "/")
    shoot(desktop, screenshots, "error-404-1280")


def test_missing_plan_run_is_a_french_page(desktop: Page, live_server: LiveServer) -> None:
    sign_in(desktop, live_server, COORDINATION)
    answer = desktop.goto(live_server.base_url + "/planning/calculs/999999")
    assert answer is not None and answer.status == 404
    expect(desktop.locator("main")).to_contain_text("Calcul de planning 999999 introuvable.")


def test_bad_week_in_the_address_names_the_field(
    phone: Page, live_server: LiveServer, screenshots: Path
) -> None:
    sign_in(phone, live_server, COORDINATION)
    phone.goto(
        live_server.base_url + "/planning?semaine=31-02-2026",
        referer=live_server.base_url + "/planning",
    )
    expect(phone.get_by_role("heading", level=1)).to_have_text("Saisie invalide")
    expect(phone.locator("main li")).to_have_text(
        "« Semaine du » n'est ni une date (AAAA-MM-JJ) ni une semaine ISO "
        "(AAAA-Wss, par exemple 2026-W51)."
    )
    # The way back is the page the visitor came from.
    expect(phone.get_by_role("link", name="Revenir à la page précédente")).to_have_attribute(
        "href", "/planning"
    )
    shoot(phone, screenshots, "error-422-390")


def test_unknown_report_format_is_a_french_page(desktop: Page, live_server: LiveServer) -> None:
    sign_in(desktop, live_server, AUDIT)
    href = desktop.get_by_role("link", name=re.compile("Télécharger le CSV")).first.get_attribute(
        "href"
    )
    assert href is not None
    answer = desktop.goto(live_server.base_url + href.replace("rapport.csv", "rapport.xls"))
    assert answer is not None and answer.status == 404
    expect(desktop.get_by_role("heading", level=1)).to_have_text("Page introuvable")


def test_week_title_and_hour_totals_read_the_french_way(
    desktop: Page, live_server: LiveServer
) -> None:
    sign_in(desktop, live_server, COORDINATION, f"/planning?semaine={WEEK.isoformat()}")
    expect(desktop.get_by_role("heading", level=1)).to_contain_text(f" {WEEK.year}")
    desktop.goto(live_server.base_url + "/contrats")
    # A contract year holds more than a thousand contracted hours: `1 484 h` (thousands apart by
    # a narrow no-break space, hours and minutes as French says them), not `1484 h` nor `1484,0 h`.
    totals = desktop.locator(".kpis > div", has_text="Heures contractuelles").locator("dd")
    expect(totals).to_have_text(re.compile(r"^\d{1,3}\u202f\d{3} h( \d{2})? / "))
    expect(desktop.locator("#summary-title")).to_contain_text("(du ")
    desktop.wait_for_function("typeof Chart !== 'undefined' && !!Chart.getChart('hours-chart')")
    assert desktop.evaluate("Chart.defaults.locale") == "fr-FR"


@pytest.mark.parametrize(("who", "path"), [(AUDIT, "/controle"), (COORDINATION, "/contrats")])
def test_data_tables_fit_a_phone(
    phone: Page, live_server: LiveServer, screenshots: Path, who: tuple[str, str], path: str
) -> None:
    sign_in(phone, live_server, who, path)
    tables = phone.locator("table.data--stack")
    assert tables.count() > 0
    for i in range(tables.count()):
        box = tables.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        # Every value is shown after its column's name, inside the screen.
        last = tables.nth(i).locator("tbody td").last
        label = last.get_attribute("data-label")
        assert label, "a stacked cell without its column's name"
        cell = last.bounding_box()
        assert cell is not None and cell["x"] + cell["width"] <= PHONE["width"]
        content = last.evaluate("e => getComputedStyle(e, '::before').content")
        assert content == f'"{label}"'
    shoot(phone, screenshots, f"tables{path.replace('/', '-')}-390")
