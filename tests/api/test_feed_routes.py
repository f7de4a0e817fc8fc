"""The feed route serves the bytes rendered at publication with strong validators, answers 304 to
If-None-Match (weak comparison) and to If-Modified-Since when no If-None-Match is sent, supports
HEAD, and answers 404 to an unknown or revoked token without ever echoing it.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.routes.feeds import FeedSource, get_feed_source
from scheduler import models
from scheduler.feeds import (
    create_feed_token,
    feed_for_token,
    refresh_feeds,
    revoke_feed_token,
)
from scheduler.observability import FEED_HITS
from tests.api.factories import World
from tests.scheduler.feed_factories import DemoIds, demo_ids, publish_week, week_specs
from tests.scheduler.test_feed_kinds import per_contract  # noqa: F401 - registers the fixture

PREFIX = ""  # api.main mounts the feeds at the root: /feeds/<token>.ics


def _server_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the server side logged (the test client's own request log is not the server's)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))


NOW = datetime(2026, 3, 25, 10, tzinfo=UTC)
MONDAY = date(2026, 3, 23)


@dataclass(frozen=True)
class Subscribed:
    """A rendered cabinet feed and a live token for it."""

    ids: DemoIds
    token: str
    url: str
    body: bytes
    etag: str
    last_modified: datetime


@pytest.fixture(autouse=True)
def _feed_source(app: FastAPI, session: Session) -> None:
    """The feed route reads through the test's session connection (rolled back at the end)."""
    source = FeedSource(connect=lambda: nullcontext(session.connection()))
    app.dependency_overrides[get_feed_source] = lambda: source


@pytest.fixture
def subscribed(session: Session) -> Subscribed:
    """The demo groupement with a published week, its feeds rendered, one cabinet token."""
    ids = demo_ids(session)
    publish_week(session, ids, MONDAY)
    refresh_feeds(session, ids.groupement_id, now=NOW)
    token = create_feed_token(session, models.FeedKind.CABINET, ids.cabinets["tilleuls"], "Accueil")
    feed = feed_for_token(session, token)
    assert feed is not None
    return Subscribed(
        ids,
        token,
        f"{PREFIX}/feeds/{token}.ics",
        bytes(feed.body),
        feed.etag,
        feed.last_modified_at,
    )


def test_feed_route_serves_the_rendered_bytes(client: TestClient, subscribed: Subscribed) -> None:
    response = client.get(subscribed.url)
    assert response.status_code == 200
    assert response.content == subscribed.body
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["etag"] == subscribed.etag
    assert parsedate_to_datetime(response.headers["last-modified"]) == subscribed.last_modified
    assert response.headers["cache-control"].startswith("private, max-age=")
    assert response.headers["x-robots-tag"] == "noindex"
    assert "content-disposition" not in response.headers
    assert "content-encoding" not in response.headers


def test_feed_route_head_has_headers_and_no_body(
    client: TestClient, subscribed: Subscribed
) -> None:
    response = client.head(subscribed.url)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["etag"] == subscribed.etag
    assert response.headers["content-length"] == str(len(subscribed.body))
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"


@pytest.mark.parametrize(
    "header",
    ["{etag}", "W/{etag}", '"other", {etag}', "*"],
    ids=["strong", "weak", "list", "star"],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_feed_route_if_none_match_gives_304(
    client: TestClient, subscribed: Subscribed, header: str, method: str
) -> None:
    response = client.request(
        method, subscribed.url, headers={"If-None-Match": header.format(etag=subscribed.etag)}
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == subscribed.etag
    assert "last-modified" in response.headers
    assert "cache-control" in response.headers


def test_feed_route_if_none_match_wins_over_if_modified_since(
    client: TestClient, subscribed: Subscribed
) -> None:
    future = format_datetime(subscribed.last_modified + timedelta(days=1), usegmt=True)
    response = client.get(
        subscribed.url, headers={"If-None-Match": '"stale"', "If-Modified-Since": future}
    )
    assert response.status_code == 200
    assert response.content == subscribed.body


@pytest.mark.parametrize(
    ("offset", "status"),
    [(timedelta(0), 304), (timedelta(hours=1), 304), (timedelta(seconds=-1), 200)],
    ids=["same-second", "later", "earlier"],
)
def test_feed_route_if_modified_since(
    client: TestClient, subscribed: Subscribed, offset: timedelta, status: int
) -> None:
    since = format_datetime(subscribed.last_modified + offset, usegmt=True)
    response = client.get(subscribed.url, headers={"If-Modified-Since": since})
    assert response.status_code == status


def test_feed_route_ignores_an_unparseable_if_modified_since(
    client: TestClient, subscribed: Subscribed
) -> None:
    response = client.get(subscribed.url, headers={"If-Modified-Since": "hier soir"})
    assert response.status_code == 200


@pytest.mark.parametrize("token", ["A" * 43, "short", "x" * 300])
def test_feed_route_unknown_token_is_404_without_echo(
    client: TestClient, subscribed: Subscribed, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = client.get(f"{PREFIX}/feeds/{token}.ics")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert token not in response.text
    assert token not in _server_log(caplog)


def test_feed_route_revoked_token_is_404_at_once(
    client: TestClient, subscribed: Subscribed, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    assert client.get(subscribed.url).status_code == 200  # the bytes are now cached
    (row,) = session.query(models.FeedToken).all()
    revoke_feed_token(session, row.id, now=NOW)
    with caplog.at_level(logging.DEBUG):
        response = client.get(subscribed.url)
        head = client.head(subscribed.url)
    assert (response.status_code, head.status_code) == (404, 404)
    assert subscribed.token not in response.text
    assert subscribed.token not in _server_log(caplog)


def test_feed_route_serves_new_bytes_after_a_publication(
    client: TestClient, subscribed: Subscribed, session: Session
) -> None:
    tilleuls = subscribed.ids.cabinets["tilleuls"]
    first = next(a for a in week_specs(subscribed.ids, MONDAY)[0] if a.cabinet_id == tilleuls)
    publish_week(session, subscribed.ids, MONDAY, drop=[first.uid])
    refresh_feeds(session, subscribed.ids.groupement_id, now=NOW + timedelta(hours=1))
    response = client.get(subscribed.url, headers={"If-None-Match": subscribed.etag})
    assert response.status_code == 200
    assert response.content != subscribed.body
    assert response.headers["etag"] != subscribed.etag
    assert parsedate_to_datetime(response.headers["last-modified"]) > subscribed.last_modified


def test_feed_hits_are_counted_by_status(client: TestClient, subscribed: Subscribed) -> None:
    def hits(status: int) -> float:
        return FEED_HITS.labels(status=str(status))._value.get()  # type: ignore[no-any-return]

    before_ok, before_missing = hits(200), hits(404)
    client.get(subscribed.url)
    client.get(f"{PREFIX}/feeds/{'x' * 43}.ics")
    assert hits(200) == before_ok + 1
    assert hits(404) == before_missing + 1


@pytest.mark.usefixtures("per_contract")
def test_a_feed_kind_registered_once_is_subscribed_to_and_served_through_the_api(
    client: TestClient, session: Session, world: World, coordinator: dict[str, str]
) -> None:
    """A kind per contract, one registry entry (tests/scheduler/test_feed_kinds.py): the API takes
    it as a subscription's kind, lists it, and its link opens the contract's feed."""
    contract = world.contracts[0]
    refresh_feeds(session, world.groupement.id, now=NOW)
    created = client.post(
        "/api/v1/subscriptions",
        json={"kind": "contract", "target_id": contract.id, "subscriber": "Comptable"},
        headers=coordinator,
    )
    assert created.status_code == 201, created.text
    ics = created.json()["links"]["ics"]
    token = ics.rsplit("/", 1)[1].removesuffix(".ics")
    feed = feed_for_token(session, token)
    assert feed is not None and feed.feed_key == f"contract-{contract.id}"
    served = client.get(f"{PREFIX}/feeds/{token}.ics")
    assert served.status_code == 200 and served.content == bytes(feed.body)
    assert f"X-WR-CALNAME:{contract.name} – vacations du contrat" in served.text
    listed = client.get("/api/v1/subscriptions", headers=coordinator).json()
    assert [(s["kind"], s["target_id"], s["cabinet_id"], s["assistant_id"]) for s in listed] == [
        ("contract", contract.id, None, None)
    ]
    unknown = client.post(
        "/api/v1/subscriptions",
        json={"kind": "doctor", "target_id": contract.id, "subscriber": "Comptable"},
        headers=coordinator,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "kind"]
