"""The coordinator's contract, share plan, travel time and auditors' access pages in a real
browser: each page, blank and refused (shares off 100 %, a travel time of 0 minutes, an address
that is no auditor's), passes axe-core with no serious or critical violation at 1366 px and at
390 px, where it does not scroll sideways; a refusal is read as the description of its input.
Nothing is written: the demo stays as the other browser tests find it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.api.browser.conftest import DESKTOP, PHONE, LiveServer
from tests.api.browser.test_accessibility_browser import AXE, _inspect, _sign_in
from tests.api.browser.test_pages_browser import COORDINATION, TODAY, shoot
from tests.conftest import missing_tool

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_contract_and_travel_pages_pass_axe_and_fit_a_phone(
    chromium: Browser, live_server: LiveServer, screenshots: Path, size: str
) -> None:
    if not AXE.exists():
        missing_tool(f"{AXE} is absent: run scripts/test-deps (npm ci --prefix tests/js)")
    viewport = DESKTOP if size == "desktop" else PHONE
    width = viewport["width"]
    context = chromium.new_context(viewport=viewport, locale="fr-FR", bypass_csp=True)
    problems: list[str] = []
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        _sign_in(page, live_server, COORDINATION)
        page.goto(live_server.base_url + "/contrats")
        page.get_by_role("link", name="Gérer les contrats et leurs parts").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Contrats mutualisés")
        problems += _inspect(page, "/contrats/gestion")
        shoot(page, screenshots, f"contracts-list-{width}")

        page.locator("#contrats tbody a").first.click()
        expect(page.locator("#parts")).to_be_visible()
        problems += _inspect(page, "/contrats/gestion/<id>")
        shoot(page, screenshots, f"contract-{width}")
        contract_url = page.url

        # A plan whose shares total 100,01 %: refused beside the shares, what was typed kept.
        page.get_by_text("Ajouter un plan de parts").click()
        page.get_by_label("En vigueur à partir du").fill(date(TODAY.year + 1, 1, 4).isoformat())
        shares = page.locator("#plan-shares input[name^=share_]")
        typed = [shares.nth(i).input_value() for i in range(shares.count())]
        filled = [i for i, value in enumerate(typed) if value]
        assert filled, typed
        first = shares.nth(filled[0])
        value = float(typed[filled[0]].replace(",", ".")) + 0.01
        first.fill(f"{value:.2f}".replace(".", ","))
        page.get_by_role("button", name="Ajouter le plan").click()
        error = page.locator("#shares-erreur")
        expect(error).to_contain_text("au lieu de 100 %")
        expect(page.locator("#plan-shares")).to_have_accessible_description(
            re.compile("exactement 100 %")
        )
        problems += _inspect(page, "/contrats/gestion/<id>/parts (refused)")
        shoot(page, screenshots, f"contract-plan-refused-{width}")

        page.goto(contract_url)
        page.get_by_role("link", name="Gérer les accès des auditeurs").click()
        problems += _inspect(page, "/contrats/gestion/<id>/acces")
        page.get_by_label("Adresse e-mail de l'auditeur").fill(COORDINATION[0])
        page.get_by_role("button", name="Ouvrir l'accès").click()
        expect(page.get_by_label("Adresse e-mail de l'auditeur")).to_have_accessible_description(
            re.compile("aucun compte actif d'auditeur CPAM")
        )
        problems += _inspect(page, "/contrats/gestion/<id>/acces (refused)")
        shoot(page, screenshots, f"contract-grants-{width}")

        page.goto(live_server.base_url + "/contrats/gestion/nouveau")
        problems += _inspect(page, "/contrats/gestion/nouveau")
        page.get_by_role("button", name="Créer le contrat").click()
        expect(page.locator(".field__error").first).to_be_visible()
        problems += _inspect(page, "/contrats/gestion/nouveau (refused)")
        shoot(page, screenshots, f"contract-new-refused-{width}")

        page.get_by_role("navigation", name="Navigation principale").get_by_role(
            "link", name="Trajets"
        ).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Temps de trajet entre cabinets")
        problems += _inspect(page, "/trajets")
        shoot(page, screenshots, f"travel-{width}")
        minutes = page.locator("#trajets-table input[name=minutes]").first
        minutes.fill("0")
        page.locator("#trajets-table button[type=submit]").first.click()
        expect(page.locator("#trajets-table .field__error")).to_contain_text("Minutes de route")
        problems += _inspect(page, "/trajets/<id> (refused)")
        shoot(page, screenshots, f"travel-refused-{width}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
