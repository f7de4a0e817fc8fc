"""The Content-Security-Policy in a real browser: the API docs (Swagger UI served from this origin)
and the pages load with no violation, and the cabinets keep their colours without inline styles."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.api.browser.conftest import LiveServer
from tests.api.browser.test_pages_browser import (
    AUDIT,
    CABINET,
    COORDINATION,
    WEEK,
    _console_errors,
    sign_in,
)

pytestmark = pytest.mark.browser

_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def _violations(page: Page) -> list[str]:
    found: list[str] = page.evaluate("window.__cspViolations || []")
    return found


def test_api_docs_load_under_the_csp(desktop: Page, live_server: LiveServer) -> None:
    page = desktop
    page.add_init_script(_WATCH)
    errors = _console_errors(page)
    response = page.goto(live_server.base_url + "/api/v1/docs")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Partagenda")
    expect(page.locator(".opblock").first).to_be_visible()
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert _violations(page) == []
    assert errors == [], errors


@pytest.mark.parametrize(
    ("who", "path"),
    [
        (COORDINATION, f"/planning?semaine={WEEK.isoformat()}"),
        (COORDINATION, "/contrats"),
        (CABINET, "/cabinet"),
        (AUDIT, "/controle"),
    ],
)
def test_pages_raise_no_csp_violation(
    desktop: Page, live_server: LiveServer, who: tuple[str, str], path: str
) -> None:
    desktop.add_init_script(_WATCH)
    errors = _console_errors(desktop)
    sign_in(desktop, live_server, who, path)
    desktop.wait_for_load_state("networkidle")
    assert _violations(desktop) == []
    assert errors == [], errors
    # The cabinets' colours come from classes now: every coloured item has its tint.
    for item in desktop.locator(".block:not(.block--travel):not(.block--break), .swatch").all():
        colour = item.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour not in ("", "rgba(0, 0, 0, 0)", "transparent"), colour
