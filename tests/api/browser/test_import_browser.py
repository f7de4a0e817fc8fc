"""The CSV imports in a real browser: the coordinator uploads a patientèle file with a bad line
and sees each refusal by line, field and rule, uploads the corrected file, reads its preview and
confirms it; the auditor previews and confirms a reference series. Every page of the flow (the
forms, the refusals, the preview, the confirmation) passes axe-core with no serious or critical
violation and scrolls no sideways on a 390 x 844 phone; the cabinet's page with its part of the
aid too."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.browser.conftest import DESKTOP, PHONE, LiveServer
from tests.api.browser.test_accessibility_browser import AXE, _inspect
from tests.api.browser.test_pages_browser import AUDIT, CABINET, COORDINATION, shoot, sign_in
from tests.conftest import missing_tool

pytestmark = pytest.mark.browser

# Demo doctors of the Tilleuls (Luhn-valid RPPS); a date per width, so that both runs import.
RPPS = ("10198864158", "10830776943")
DAYS = {"desktop": "2026-11-16", "phone": "2026-11-17"}
QUARTERS = {"desktop": "2019-T1", "phone": "2019-T2"}


def _folder(screenshots: Path) -> Path:
    """Where the flow's pictures go: IMPORT_SHOTS when set, else the suite's folder."""
    folder = Path(os.environ.get("IMPORT_SHOTS", str(screenshots)))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(params=["desktop", "phone"])
def checked(request: pytest.FixtureRequest, chromium: Browser) -> Iterator[tuple[Page, str]]:
    """A page at a desktop's or a phone's width, and that width's name; axe-core is injected
    into it (the context bypasses the Content-Security-Policy for that injection only)."""
    if not AXE.exists():
        missing_tool(f"{AXE} is absent: run scripts/test-deps (npm ci --prefix tests/js)")
    viewport = DESKTOP if request.param == "desktop" else PHONE
    context = chromium.new_context(viewport=viewport, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page, request.param
    finally:
        context.close()


def _upload(page: Page, section: str, path: Path) -> None:
    form = page.locator(f"#import-{section}")
    form.get_by_label("Fichier CSV").set_input_files(str(path))
    form.get_by_role("button", name="Vérifier le fichier").click()


def test_the_coordinator_fixes_a_refused_file_previews_and_confirms_it(
    checked: tuple[Page, str], live_server: LiveServer, screenshots: Path, tmp_path: Path
) -> None:
    page, size = checked
    width = "390" if size == "phone" else "1366"
    folder = _folder(screenshots)
    day = DAYS[size]
    problems: list[str] = []
    sign_in(page, live_server, COORDINATION)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Imports"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Imports de fichiers CSV")
    problems += _inspect(page, "/imports")
    shoot(page, folder, f"imports-index-{width}")

    header = "rpps;date;pmt;file_active;source\n"
    bad = tmp_path / "releve-t4.csv"
    bad.write_text(
        f"{header}{RPPS[0]};{day};812;1304;CPAM 57\n{RPPS[1]};2026-13-01;-4;990;CPAM 57\n",
        encoding="utf-8",
    )
    _upload(page, "patientele", bad)
    expect(page.get_by_role("alert")).to_contain_text("rien n'a été importé")
    rows = page.locator("#erreurs tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("date AAAA-MM-JJ")
    expect(rows.nth(1)).to_contain_text("-4 est négatif")
    problems += _inspect(page, "/imports (refused)")
    shoot(page, folder, f"imports-refused-{width}")

    good = tmp_path / "releve-t4-corrige.csv"
    good.write_text(
        f"{header}{RPPS[0]};{day};812;1304;CPAM 57\n{RPPS[1]};{day};640;990;CPAM 57\n",
        encoding="utf-8",
    )
    _upload(page, "patientele", good)
    expect(page.get_by_role("heading", level=1)).to_have_text("Aperçu : Relevés de patientèle")
    expect(page.locator("#lignes-ajoutees tbody tr")).to_have_count(2)
    expect(page.locator("#apercu-expiration")).to_contain_text("2 lignes à ajouter")
    problems += _inspect(page, "/imports/patientele/{key}")
    shoot(page, folder, f"imports-preview-{width}")

    page.get_by_role("button", name="Importer les 2 lignes").click()
    expect(page.get_by_role("status")).to_have_text("Relevés de patientèle : 2 lignes importées.")
    problems += _inspect(page, "/imports (imported)")
    shoot(page, folder, f"imports-done-{width}")
    assert not problems, "\n".join(problems)


def test_the_auditor_previews_and_confirms_a_reference_series(
    checked: tuple[Page, str], live_server: LiveServer, screenshots: Path, tmp_path: Path
) -> None:
    page, size = checked
    width = "390" if size == "phone" else "1366"
    folder = _folder(screenshots)
    sign_in(page, live_server, AUDIT)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Groupe de référence"
    ).click()
    problems = _inspect(page, "/imports (auditor)")
    series = tmp_path / "serie.csv"
    series.write_text(
        "department;quarter;pmt;file_active;doctors;source\n"
        f"54;{QUARTERS[size]};905,5;1402,25;212;DCIR\n",
        encoding="utf-8",
    )
    _upload(page, "serie-reference", series)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Aperçu : Groupe de référence : série publiée"
    )
    expect(page.locator("#lignes-ajoutees tbody tr")).to_contain_text("905,5")
    problems += _inspect(page, "/imports/serie-reference/{key}")
    shoot(page, folder, f"imports-reference-preview-{width}")
    page.get_by_role("button", name="Importer la ligne").click()
    expect(page.get_by_role("status")).to_contain_text("1 ligne importée")
    assert not problems, "\n".join(problems)


def test_the_cabinets_part_of_the_aid_passes_axe_and_fits_a_phone(
    checked: tuple[Page, str], live_server: LiveServer, screenshots: Path
) -> None:
    page, size = checked
    width = "390" if size == "phone" else "1366"
    sign_in(page, live_server, CABINET)
    table = page.locator("table[id^='aid-']").first
    expect(table).to_contain_text("Votre part de l'aide")
    problems = _inspect(page, "/cabinet")
    if size == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    table.scroll_into_view_if_needed()
    shoot(page, _folder(screenshots), f"cabinet-aid-{width}")
    assert not problems, "\n".join(problems)
