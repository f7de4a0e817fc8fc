"""Calendar feeds as real subscription clients meet them, over HTTP from the running service:
vdirsyncer (Debian's package, khal's synchronizer) keeps every event of a feed; a link revoked
through the API, or by another process straight in the database, answers 404 from the very next
request; no answer about a feed URL, whatever its method or status, repeats the token.
"""

from __future__ import annotations

import http.client
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.main import create_app
from scheduler import models
from scheduler.auth import create_access_token
from scheduler.config import Settings
from scheduler.db import make_engine
from scheduler.feeds import create_feed_token, refresh_feeds, revoke_feed_token
from scheduler.migrations import upgrade_to_head
from tests.conftest import DATABASES, fresh_database_url, missing_tool
from tests.live import free_port, serving
from tests.scheduler.feed_factories import demo_ids, publish_week

VDIRSYNCER = "/usr/bin/vdirsyncer"
NOW = datetime(2026, 3, 25, 10, tzinfo=UTC)
WEEKS = (date(2026, 3, 23), date(2026, 3, 30))


@dataclass(frozen=True)
class LiveFeeds:
    """The service answering on `base_url`, its database, and feed tokens to play with."""

    base_url: str
    database_url: str
    groupement_token: str
    tokens: dict[str, tuple[int, str]]  # name -> (token id, token), cabinet feeds
    coordinator_bearer: str


@pytest.fixture(scope="module", params=DATABASES)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveFeeds]:
    """Two published weeks of the demo groupement, feeds rendered, served by uvicorn."""
    url = fresh_database_url(
        request.param, f"feed_clients_{os.getpid()}", tmp_path_factory.mktemp("feeds")
    )
    upgrade_to_head(url)
    engine = make_engine(url)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=url,
        secret_key="feed-client-test-secret-key-0123456789abcdef",
        public_base_url=base_url,
        log_json=False,
    )
    with Session(engine) as session:
        ids = demo_ids(session)
        for monday in WEEKS:
            publish_week(session, ids, monday)
        refresh_feeds(session, ids.groupement_id, now=NOW)
        groupement_token = create_feed_token(
            session, models.FeedKind.GROUPEMENT, ids.groupement_id, "vdirsyncer"
        )
        tokens: dict[str, tuple[int, str]] = {}
        for name in ("api", "database", "echo"):
            token = create_feed_token(
                session, models.FeedKind.CABINET, ids.cabinets["tilleuls"], name
            )
            tokens[name] = (_token_id(session, token), token)
        coordinator = session.scalars(
            select(models.User).where(
                models.User.groupement_id == ids.groupement_id,
                models.User.role == models.Role.COORDINATOR,
            )
        ).first()
        assert coordinator is not None
        bearer = create_access_token(coordinator, settings)
        session.commit()
    # lifespan on: its shutdown disposes of the app's engine.
    with serving(create_app(settings), port=port, lifespan="on"):
        yield LiveFeeds(base_url, url, groupement_token, tokens, bearer)
    engine.dispose()


def _token_id(session: Session, token: str) -> int:
    from scheduler.security import token_digest

    row = session.scalar(
        select(models.FeedToken.id).where(models.FeedToken.token_hash == token_digest(token))
    )
    assert row is not None
    return row


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, headers, body."""

    status: int
    headers: dict[str, str]
    body: bytes


def _call(method: str, url: str, headers: dict[str, str] | None = None) -> Answer:
    """One request, redirects not followed, no proxy."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        connection.request(method, parts.path, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


def _feed_url(live: LiveFeeds, token: str) -> str:
    return f"{live.base_url}/feeds/{token}.ics"


def test_vdirsyncer_keeps_every_event_of_a_feed(live: LiveFeeds, tmp_path: Path) -> None:
    if not Path(VDIRSYNCER).exists():
        missing_tool("vdirsyncer is not installed: scripts/test-deps (apt-get install vdirsyncer)")
    url = _feed_url(live, live.groupement_token)
    served = _call("GET", url)
    assert served.status == 200
    vevents = len(Calendar.from_ical(served.body).walk("VEVENT"))
    assert vevents > 40  # two realistic weeks
    calendar = tmp_path / "calendar"
    calendar.mkdir()
    config = tmp_path / "config"
    config.write_text(
        "\n".join(
            [
                "[general]",
                f'status_path = "{tmp_path / "status"}/"',
                "",
                "[pair partagenda]",
                'a = "partagenda_feed"',
                'b = "partagenda_local"',
                "collections = null",
                'conflict_resolution = "a wins"',
                "",
                "[storage partagenda_feed]",
                'type = "http"',
                f'url = "{url}"',
                "read_only = true",
                "",
                "[storage partagenda_local]",
                'type = "filesystem"',
                f'path = "{calendar}/"',
                'fileext = ".ics"',
                "",
            ]
        )
    )
    environment = {**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    for command in ("discover", "sync"):
        done = subprocess.run(
            [VDIRSYNCER, "-c", str(config), command],
            capture_output=True,
            text=True,
            timeout=120,
            env=environment,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    items = sorted(calendar.glob("*.ics"))
    assert len(items) == vevents
    uids = {str(Calendar.from_ical(item.read_bytes()).walk("VEVENT")[0]["UID"]) for item in items}
    assert len(uids) == vevents


def test_link_revoked_through_the_api_is_404_on_the_next_request(live: LiveFeeds) -> None:
    token_id, token = live.tokens["api"]
    url = _feed_url(live, token)
    assert _call("GET", url).status == 200
    revoked = _call(
        "DELETE",
        f"{live.base_url}/api/v1/subscriptions/{token_id}",
        {"Authorization": f"Bearer {live.coordinator_bearer}"},
    )
    assert revoked.status == 204
    assert _call("GET", url).status == 404
    assert _call("HEAD", url).status == 404


def test_link_revoked_by_another_process_is_404_on_the_next_request(live: LiveFeeds) -> None:
    # Another worker, the CLI or the jobs process: nothing tells this process's cache.
    token_id, token = live.tokens["database"]
    url = _feed_url(live, token)
    assert _call("GET", url).status == 200
    engine = make_engine(live.database_url)
    with Session(engine) as session:
        revoke_feed_token(session, token_id, now=datetime.now(UTC))
        session.commit()
    engine.dispose()
    assert _call("GET", url).status == 404


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_no_answer_about_a_feed_url_repeats_its_token(live: LiveFeeds, method: str) -> None:
    _token_id, token = live.tokens["echo"]
    unknown = "Zz9-" * 10 + "abc"  # as long as a real token
    for secret in (token, unknown):
        for path in (
            f"/feeds/{secret}.ics",
            f"/feeds/{secret}.ics/",
            f"/feeds/{secret}",
            f"/feeds/{secret}.ICS",
            f"/api/v1/feeds/{secret}.ics",
        ):
            for headers in ({}, {"Accept": "application/xml"}):
                answer = _call(method, f"{live.base_url}{path}", headers)
                assert answer.status < 500, (method, path, answer.status)
                assert secret.encode() not in answer.body, (method, path, answer.status)
                for name, value in answer.headers.items():
                    assert secret not in value, (method, path, answer.status, name)
