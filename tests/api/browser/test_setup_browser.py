"""The coordinator creates a cabinet in a real browser: a bad postcode is refused with its message
next to the field and what was typed kept, the corrected form creates the cabinet, which the
list then shows; neither the form nor the list scrolls sideways on a 390 x 844 phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.api.browser.conftest import PHONE, LiveServer
from tests.api.browser.test_pages_browser import COORDINATION, shoot, sign_in

pytestmark = pytest.mark.browser


def _width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_coordinator_creates_a_cabinet_after_fixing_a_refused_field(
    request: pytest.FixtureRequest, live_server: LiveServer, screenshots: Path, size: str
) -> None:
    page: Page = request.getfixturevalue(size)
    width = "390" if size == "phone" else "1366"
    name = f"Maison de santé des Vignes {size}"
    sign_in(page, live_server, COORDINATION)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Cabinets"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cabinets")
    page.get_by_role("link", name="Ajouter un cabinet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouveau cabinet")
    page.get_by_label("Nom", exact=True).fill(name)
    page.get_by_label("Code", exact=True).fill(f"msp-vignes-{size}")
    page.get_by_label("Postes de travail").fill("2")
    page.get_by_label("E-mail de contact").fill("accueil@vignes.example.fr")
    page.get_by_label("Adresse", exact=True).fill("12 rue des Vignes")
    page.get_by_label("Code postal").fill("5700")  # one digit short
    page.get_by_label("Commune").fill("Metz")
    page.get_by_label("Département").fill("57")
    page.get_by_label("Latitude").fill("49,1193")
    page.get_by_label("Longitude").fill("6,1757")
    page.get_by_label("Lundi").fill("08:00-12:00, 14:00-18:00")
    page.get_by_role("button", name="Créer le cabinet").click()

    postcode = page.get_by_label("Code postal")
    expect(postcode).to_have_attribute("aria-invalid", "true")
    expect(postcode).to_have_value("5700")
    expect(postcode).to_have_accessible_description(
        "« Code postal » doit compter 5 chiffres (par exemple 57000 ; 20000 à 20999 s'écrivent "
        "2A… ou 2B… en Corse)."
    )
    expect(page.get_by_label("Lundi")).to_have_value("08:00-12:00, 14:00-18:00")
    expect(page.get_by_role("alert")).to_contain_text("Rien n'a été enregistré")
    if size == "phone":
        assert _width(page) <= PHONE["width"]
    shoot(page, screenshots, f"setup-cabinet-error-{width}")

    postcode.fill("57000")
    page.get_by_role("button", name="Créer le cabinet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("status")).to_have_text("Cabinet créé.")

    page.get_by_role("link", name="← Tous les cabinets").click()
    page.get_by_label("Rechercher", exact=True).fill("vignes")
    page.get_by_role("button", name="Rechercher").click()
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_be_visible()
    expect(row).to_contain_text("57000 Metz")
    expect(row).to_contain_text("lun. 08:00-12:00, 14:00-18:00")
    if size == "phone":
        assert _width(page) <= PHONE["width"]
    page.goto(live_server.base_url + "/cabinets")
    if size == "phone":
        assert _width(page) <= PHONE["width"]
    shoot(page, screenshots, f"setup-cabinets-list-{width}")
