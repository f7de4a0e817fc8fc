"""Every page each role reaches by its links passes axe-core with no serious or critical violation,
at a desktop width and at a phone's, and scrolls no sideways at 390 x 844.

Each role signs in through the form and the crawl starts on the page it lands on, then follows
the links of each page (same origin, GET, no download, at most `MAX_PAGES` pages per role).
axe-core (tests/js, installed by scripts/test-deps) is injected into each page; the context
bypasses the Content-Security-Policy for that injection only (an injected script is inline, which
the policy refuses, as it should). The current week is planned and published first, so that the
week pages, the assistant's days and the cabinets' hours have content to check."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlalchemy import select

from scheduler import models
from scheduler.db import make_engine, make_session_factory
from scheduler.planning import publish_rota
from scheduler.runs import request_plan_run
from scheduler.uow import unit_of_work
from tests.api.browser.conftest import DESKTOP, PHONE, LiveServer
from tests.api.browser.test_pages_browser import AUDIT, CABINET, COORDINATION
from tests.api.factories import PASSWORD, make_user
from tests.conftest import missing_tool

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "js" / "node_modules" / "axe-core" / "axe.min.js"
MAX_PAGES = 12
MAX_PER_PATH = 3  # the same page for other weeks or contracts: a few suffice
BLOCKING = ("serious", "critical")
NATIONAL = ("lecture@assurance-maladie.example.fr", PASSWORD)
ROLES = {
    "coordinator": COORDINATION,
    "cabinet": CABINET,
    "assistant": ("julie.martin@example.fr", "demo-assistante"),
    "auditor": AUDIT,
    "national": NATIONAL,
}
PARIS = ZoneInfo("Europe/Paris")
# Links the crawl does not follow: downloads (reports, calendar files) and the API.
SKIPPED = re.compile(r"^/(?:static/|api/|feeds?/|calendrier/)|/rapport\.|\.ics$")


@dataclass
class Crawled:
    """What the crawl found on one page."""

    path: str
    violations: list[str]
    scroll_width: int


@pytest.fixture(scope="module")
def published_week(live_server: LiveServer) -> Iterator[date]:
    """The demo's current week planned and published, and a national reader.

    The plan goes through the run queue, which the server's worker thread executes: a solve
    inside this fixture's own transaction would hold SQLite's write lock for its whole length
    and lock that thread out."""
    engine = make_engine(live_server.database_url)
    factory = make_session_factory(engine)
    today = datetime.now(UTC).astimezone(PARIS).date()
    monday = today - timedelta(days=today.weekday())
    with unit_of_work(factory) as session:
        groupement = session.scalars(select(models.Groupement)).one()
        published = session.scalar(
            select(models.Rota.id).where(
                models.Rota.groupement_id == groupement.id,
                models.Rota.period_start == monday,
                models.Rota.status == models.RotaStatus.PUBLISHED,
            )
        )
        if session.scalar(select(models.User).where(models.User.email == NATIONAL[0])) is None:
            make_user(session, groupement, NATIONAL[0], models.Role.NATIONAL)
        run_id = None
        if published is None:
            run = request_plan_run(session, groupement.id, monday, 7, actor=None, time_limit_s=3.0)
            session.flush()
            run_id = run.id
    if run_id is not None:
        deadline = time.monotonic() + 120
        while True:
            with unit_of_work(factory) as session:
                polled = session.get(models.PlanRun, run_id)
                assert polled is not None
                state, rota_id = polled.state, polled.rota_id
            if state not in (models.RunState.QUEUED, models.RunState.RUNNING):
                break
            assert time.monotonic() < deadline, "the plan run did not finish"
            time.sleep(0.3)
        assert state == models.RunState.SUCCEEDED and rota_id is not None, state
        with unit_of_work(factory) as session:
            publish_rota(
                session,
                rota_id,
                actor=None,
                acknowledged_reason="semaine en cours, publiée pour les essais",
            )
    yield monday
    engine.dispose()


def _sign_in(page: Page, server: LiveServer, who: tuple[str, str]) -> None:
    page.goto(server.base_url + "/")
    expect(page).to_have_url(re.compile(r"/connexion"))
    page.get_by_label("Adresse e-mail").fill(who[0])
    page.get_by_label("Mot de passe").fill(who[1])
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def _address(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _local(page: Page, base_url: str) -> list[str]:
    """The page's links to this origin's pages, as paths with their query."""
    hrefs: list[str] = page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map(a => a.getAttribute('href'))"
    )
    found = []
    for href in hrefs:
        absolute, _ = urldefrag(urljoin(page.url, href))
        parts = urlsplit(absolute)
        if f"{parts.scheme}://{parts.netloc}" == base_url and not SKIPPED.search(parts.path):
            found.append(_address(absolute))
    return found


def _axe(page: Page) -> list[str]:
    """The serious and critical violations axe-core finds on the page, one line per node."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    lines = []
    for rule in results:
        if rule["impact"] in BLOCKING:
            for node in rule["nodes"]:
                target = " ".join(str(t) for t in node["target"])
                lines.append(f"{rule['id']} ({rule['impact']}) at {target}: {rule['help']}")
    return lines


def _crawl(
    browser: Browser, server: LiveServer, who: tuple[str, str], shots: Path
) -> list[Crawled]:
    """Crawl the role's pages; each page's first visit is photographed at the phone's width."""
    contexts = {
        name: browser.new_context(viewport=size, locale="fr-FR", bypass_csp=True)
        for name, size in (("desktop", DESKTOP), ("phone", PHONE))
    }
    try:
        pages = {name: context.new_page() for name, context in contexts.items()}
        for page in pages.values():
            page.set_default_timeout(15_000)
            _sign_in(page, server, who)
        queue = [_address(pages["desktop"].url)]
        seen = set(queue)
        landed: set[str] = set()
        per_path: dict[str, int] = {}
        crawled: list[Crawled] = []
        while queue and len(crawled) < MAX_PAGES:
            path = queue.pop(0)
            response = pages["desktop"].goto(server.base_url + path)
            assert response is not None, path
            assert response.headers["content-type"].startswith("text/html"), path
            # A link that redirects (the home page to the role's page) lands on a page once.
            address = _address(pages["desktop"].url)
            if address in landed:
                continue
            landed.add(address)
            violations = []
            widths = {}
            for name, page in pages.items():
                if name != "desktop":
                    page.goto(server.base_url + address)
                page.wait_for_load_state("networkidle")
                violations += [f"[{name}] {line}" for line in _axe(page)]
                widths[name] = page.evaluate("document.documentElement.scrollWidth")
            bare = urlsplit(address).path
            if not any(urlsplit(c.path).path == bare for c in crawled):
                name = re.sub(r"[^a-z0-9]+", "-", bare).strip("-") or "accueil"
                pages["phone"].screenshot(path=str(shots / f"a11y-{name}-390.png"), full_page=True)
            crawled.append(Crawled(address, violations, widths["phone"]))
            for link in _local(pages["desktop"], server.base_url):
                bare = urlsplit(link).path
                if link not in seen and per_path.get(bare, 0) < MAX_PER_PATH:
                    seen.add(link)
                    per_path[bare] = per_path.get(bare, 0) + 1
                    queue.append(link)
        return crawled
    finally:
        for context in contexts.values():
            context.close()


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_page_of_the_role_passes_axe_and_fits_a_phone(
    chromium: Browser,
    live_server: LiveServer,
    published_week: date,
    screenshots: Path,
    role: str,
) -> None:
    if not AXE.exists():
        missing_tool(f"{AXE} is absent: run scripts/test-deps (npm ci --prefix tests/js)")
    crawled = _crawl(chromium, live_server, ROLES[role], screenshots)
    assert len(crawled) >= 1
    problems = [f"{c.path}: {v}" for c in crawled for v in c.violations]
    problems += [
        f"{c.path}: {c.scroll_width} px wide at {PHONE['width']} px (scrolls sideways)"
        for c in crawled
        if c.scroll_width > PHONE["width"]
    ]
    assert not problems, "\n".join(problems)


def test_the_crawl_reports_a_serious_violation_and_a_sideways_scroll(
    chromium: Browser, live_server: LiveServer
) -> None:
    # The check itself: a page with an unlabelled field and a 600 px wide box fails both.
    if not AXE.exists():
        missing_tool(f"{AXE} is absent: run scripts/test-deps (npm ci --prefix tests/js)")
    viewport: ViewportSize = PHONE
    context = chromium.new_context(viewport=viewport, locale="fr-FR", bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(live_server.base_url + "/connexion")
        assert _axe(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.evaluate(
            """() => {
              const field = document.createElement('input');
              field.type = 'text';
              document.querySelector('main').append(field);
              const box = document.createElement('div');
              box.style.width = '600px';
              box.textContent = 'large';
              document.querySelector('main').append(box);
            }"""
        )
        found = _axe(page)
        assert any(line.startswith("label (critical)") for line in found), found
        assert page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]
    finally:
        context.close()


def _inspect(page: Page, label: str) -> list[str]:
    """The page's serious and critical violations, and its sideways scroll on a phone."""
    page.wait_for_load_state("networkidle")
    problems = [f"{label}: {line}" for line in _axe(page)]
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None
    if viewport["width"] == PHONE["width"] and width > PHONE["width"]:
        problems.append(f"{label}: {width} px wide at {PHONE['width']} px (scrolls sideways)")
    return problems


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_pages_behind_forms_and_errors_pass_axe_and_fit_a_phone(
    chromium: Browser, live_server: LiveServer, published_week: date, size: str
) -> None:
    # What no link reaches: the sign-in page and its refusal, an error page, each contract of
    # the dashboard (a select), the set-up forms refused (a POST), and the cabinet's
    # subscription links (a POST).
    if not AXE.exists():
        missing_tool(f"{AXE} is absent: run scripts/test-deps (npm ci --prefix tests/js)")
    viewport = DESKTOP if size == "desktop" else PHONE
    context = chromium.new_context(viewport=viewport, locale="fr-FR", bypass_csp=True)
    problems: list[str] = []
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(live_server.base_url + "/connexion")
        problems += _inspect(page, "/connexion")
        page.get_by_label("Adresse e-mail").fill(COORDINATION[0])
        page.get_by_label("Mot de passe").fill("not the password")
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("alert")).to_be_visible()
        problems += _inspect(page, "/connexion (refused)")
        _sign_in(page, live_server, COORDINATION)
        page.goto(live_server.base_url + "/planning?semaine=2026-13-45")
        problems += _inspect(page, "/planning?semaine=2026-13-45 (error page)")
        page.goto(live_server.base_url + "/contrats")
        options = page.locator("#contrat option").all()
        assert len(options) >= 2
        for value in [o.get_attribute("value") for o in options]:
            page.goto(live_server.base_url + f"/contrats?contrat={value}")
            problems += _inspect(page, f"/contrats?contrat={value}")
        # The set-up forms, blank and refused: every required field's message next to it.
        for path in ("/cabinets/nouveau", "/medecins/nouveau", "/assistantes/nouvelle"):
            page.goto(live_server.base_url + path)
            problems += _inspect(page, path)
            page.locator("main form button[type=submit]").last.click()
            expect(page.locator(".field__error").first).to_be_visible()
            problems += _inspect(page, f"{path} (refused)")
        page.goto(live_server.base_url + "/cabinets")
        page.locator("#cabinets tbody a").first.click()
        expect(page.locator("#seances")).to_be_visible()
        problems += _inspect(page, "/cabinets/<id> (form, sessions)")
        page.get_by_text("Ajouter une séance").click()
        page.get_by_role("button", name="Ajouter la séance").click()
        expect(page.locator("#seance-alerte")).to_be_visible()
        problems += _inspect(page, "/cabinets/<id>/seances (refused)")
        page.goto(live_server.base_url + "/assistantes")
        page.locator("#assistantes tbody a").first.click()
        page.get_by_role("link", name=re.compile("Ses absences")).click()
        problems += _inspect(page, "/assistantes/<id>/absences")
        page.get_by_role("button", name="Enregistrer l'absence").click()
        expect(page.locator("#nouvelle-alerte")).to_be_visible()
        problems += _inspect(page, "/assistantes/<id>/absences (refused)")
        context.clear_cookies()
        _sign_in(page, live_server, CABINET)
        page.get_by_role("button", name="S'abonner à l'agenda du cabinet").click()
        expect(page.locator("#subscribe-links")).to_be_visible()
        problems += _inspect(page, "/cabinet/abonnement")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
