"""Security headers on every answer, HSTS behind an https public URL only, and the API docs served
from this origin with no inline script (the CSP allows none)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.headers import CONTENT_SECURITY_POLICY
from api.main import create_app
from api.pages.views import PALETTE
from tests.api.factories import api_settings

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "templates"
APP_CSS = Path(__file__).resolve().parents[2] / "api" / "static" / "css" / "app.css"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """The app; none of these answers reads the database."""
    with TestClient(create_app(api_settings())) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "path",
    ["/connexion", "/api/v1/openapi.json", "/api/v1/docs", "/api/v1/nowhere", "/livez"],
)
def test_every_answer_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers


def test_refusals_before_the_body_carry_them_too(client: TestClient) -> None:
    response = client.post("/api/v1/assistants", json={"code": "x"})
    assert response.status_code == 401
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_csp_allows_this_origin_only() -> None:
    directives = dict(
        part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; ") if " " in part
    )
    assert directives["default-src"] == directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY


def test_hsts_only_when_the_public_url_is_https() -> None:
    settings = api_settings().model_copy(update={"public_base_url": "https://partagenda.example"})
    with TestClient(create_app(settings)) as client:
        response = client.get("/livez")
    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_docs_page_loads_its_assets_from_this_origin(client: TestClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "http" not in page.text  # no CDN, works offline
    assert not re.search(r"<script>|<script[^>]*>[^<]", page.text), "inline script"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert 'data-openapi-url="/api/v1/openapi.json"' in page.text


def test_templates_have_no_inline_script_or_style() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert " style=" not in text, template.name
        assert "<style" not in text, template.name
        assert not re.search(r"\son[a-z]+=", text), template.name
        for script in re.findall(r"<script([^>]*)>", text):
            assert "src=" in script or 'type="application/json"' in script, template.name


def test_cabinet_tint_classes_match_the_palette() -> None:
    css = APP_CSS.read_text()
    for index, (tint, strong) in enumerate(PALETTE):
        assert f".cabinet-tint-{index} {{ --tint: {tint}; --strong: {strong}; }}" in css


def test_a_bugs_500_problem_carries_them_too() -> None:
    # Starlette answers an unhandled exception outside every middleware added to the app.
    app = create_app(api_settings())

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
