"""Rules under test: `/livez` answers while the process is up; `/readyz` is 200 only when the
database answers and is migrated to head (503 problem+json otherwise); `/metrics` exposes the
request counters by route template; every response echoes a request id; log lines are JSON and
never carry a feed token or an Authorization value."""

from __future__ import annotations

import json
import logging
import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.middleware import install_observability
from scheduler.config import Settings, get_settings
from scheduler.migrations import downgrade_to, upgrade_to_head
from scheduler.observability import (
    JsonFormatter,
    RedactingFilter,
    redact,
    request_id_var,
    serve_metrics,
)
from tests.conftest import DATABASES, fresh_database_url

METRICS_TOKEN = "metrics-token-of-the-tests"


@contextmanager
def _client(
    url: str, *, metrics_token: str | None = METRICS_TOKEN, host: str = "testclient"
) -> Iterator[TestClient]:
    app = FastAPI()
    install_observability(app)

    @app.get("/feeds/{token}")
    def feed(token: str) -> dict[str, str]:
        logging.getLogger("test.feed").info("serving /feeds/%s", token)
        return {"ok": "yes"}

    settings = Settings(database_url=url, metrics_token=metrics_token)
    app.dependency_overrides[get_settings] = lambda: settings
    try:
        with TestClient(app, client=(host, 50000)) as client:
            yield client
    finally:
        factory = getattr(app.state, "session_factory", None)
        if factory is not None:
            factory.kw["bind"].dispose()  # the app's engine, made on first use


@pytest.fixture(params=DATABASES)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    kind: str = request.param
    return fresh_database_url(kind, "ops", tmp_path)


@pytest.fixture
def client(url: str) -> Iterator[TestClient]:
    upgrade_to_head(url)
    with _client(url) as test_client:
        yield test_client


def test_livez_and_readyz_answer_on_a_migrated_database(client: TestClient) -> None:
    assert client.get("/livez").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_readyz_is_503_when_the_database_is_behind_head(url: str) -> None:
    upgrade_to_head(url)
    downgrade_to(url, "base")
    with _client(url) as client:
        answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert (body["status"], body["current"]) == (503, [])
    assert body["expected"]


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    with _client(f"sqlite:///{tmp_path}/missing/dir/x.db") as client:
        answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["type"].endswith("not-ready")


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    client.get("/feeds/secret-token-123")
    text = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    assert (
        'partagenda_http_requests_total{method="GET",route="/feeds/{token}",status="200"}' in text
    )
    assert "partagenda_http_request_duration_seconds_bucket" in text
    assert "secret-token-123" not in text


def test_the_request_id_is_echoed_or_made(client: TestClient) -> None:
    given = client.get("/livez", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = client.get("/livez", headers={"X-Request-ID": "bad id\twith spaces"})
    assert made.headers["x-request-id"] not in ("", "bad id\twith spaces")
    assert len(made.headers["x-request-id"]) == 32


def test_access_logs_are_json_with_the_request_id_and_no_token(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(RedactingFilter())
    caplog.handler.setFormatter(JsonFormatter())
    with caplog.at_level(logging.INFO):
        client.get(
            "/feeds/secret-token-123",
            headers={"X-Request-ID": "req-1", "Authorization": "Bearer eyJsecret"},
        )
    lines = [json.loads(line) for line in caplog.text.splitlines()]
    assert "secret-token-123" not in caplog.text
    access = [line for line in lines if line["logger"] == "api.access"]
    assert access[0]["route"] == "/feeds/{token}"
    assert access[0]["request_id"] == "req-1"
    assert any(line["message"] == "serving /feeds/[redacted]" for line in lines)


def test_redact_removes_tokens_and_credentials() -> None:
    assert redact("GET /api/v1/feeds/AbC_123.ics?x=1 200") == "GET /api/v1/feeds/[redacted]?x=1 200"
    assert "s3cr3t" not in redact("headers: {'authorization': 'Bearer s3cr3t'}")
    assert "s3cr3t" not in redact("Authorization: Basic s3cr3t")
    assert redact("/login?token=s3cr3t&next=/") == "/login?token=[redacted]&next=/"


def test_json_lines_carry_the_bound_request_id() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    token = request_id_var.set("rid-9")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert (line["message"], line["request_id"], line["level"]) == ("hello you", "rid-9", "info")


def test_metrics_answer_only_the_bearer_of_the_metrics_token(url: str) -> None:
    upgrade_to_head(url)
    with _client(url) as client:
        missing = client.get("/metrics")
        wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token-at-all"})
        basic = client.get("/metrics", headers={"Authorization": f"Basic {METRICS_TOKEN}"})
        right = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    for answer in (missing, wrong, basic):
        assert answer.status_code == 401
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert "partagenda_http_requests" not in answer.text
    assert right.status_code == 200
    assert "partagenda_http_requests" in right.text


def test_metrics_without_a_token_are_not_served_on_the_service_port(url: str) -> None:
    # Not even to the loopback interface: behind a reverse proxy on the same host, every
    # client would come from there.
    upgrade_to_head(url)
    for host in ("203.0.113.7", "127.0.0.1", "::1"):
        with _client(url, metrics_token=None, host=host) as client:
            answer = client.get("/metrics")
        assert answer.status_code == 404, host
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert "PARTAGENDA_METRICS_ADDRESS" in answer.json()["detail"]
        assert "partagenda_http_requests" not in answer.text


def test_metrics_are_served_on_their_own_address() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = Settings(metrics_address=f"127.0.0.1:{port}").metrics_address
    assert address is not None
    stop = serve_metrics(address)
    try:
        with urllib.request.urlopen(f"http://{address}/metrics", timeout=5) as answer:
            text = answer.read().decode()
    finally:
        stop()
    assert "partagenda_http_request_duration_seconds" in text


@pytest.mark.parametrize("bad", ["9108", "localhost", "127.0.0.1:0", "127.0.0.1:70000", ":80"])
def test_a_metrics_address_is_host_and_port(bad: str) -> None:
    with pytest.raises(ValueError, match="metrics_address"):
        Settings(metrics_address=bad)
    assert Settings(metrics_address="").metrics_address is None


def test_a_short_metrics_token_is_refused_and_an_empty_one_is_unset() -> None:
    with pytest.raises(ValueError, match="metrics_token"):
        Settings(metrics_token="x" * 15)
    assert Settings(metrics_token="x" * 16).metrics_token is not None
    assert Settings(metrics_token="").metrics_token is None
