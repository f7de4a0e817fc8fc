"""Feed services: only published rotas inside the window are shown, each feed shows its own
events, withdrawn events stay as cancelled until they end, rendering stores validators that change
exactly when the bytes do (Last-Modified never goes backwards), and feed tokens are capabilities
stored as digests that die at once when revoked or rotated.

The property test drives random edits and re-publications and checks the invariants clients rely
on: one UID per assignment identity, SEQUENCE never decreasing, ETag changing iff the bytes do.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.config import Settings
from scheduler.errors import InvalidField, NotFound
from scheduler.feeds import (
    FeedCache,
    create_feed_token,
    event_uid,
    feed_for_token,
    feed_key,
    feed_tokens,
    feed_window,
    refresh_feeds,
    revoke_feed_token,
    rotate_feed_token,
    strong_etag,
    subscribe_links,
)
from scheduler.security import token_digest
from tests.scheduler.feed_factories import (
    AssignmentSpec,
    DemoIds,
    cancel,
    demo_ids,
    paris,
    publish,
    publish_week,
    week_specs,
)

NOW = datetime(2026, 3, 25, 10, tzinfo=UTC)
MONDAY = date(2026, 3, 23)


def _feed(session: Session, key: str) -> models.RenderedFeed:
    row = session.scalar(select(models.RenderedFeed).where(models.RenderedFeed.feed_key == key))
    assert row is not None
    return row


def _uids(session: Session, key: str) -> dict[str, tuple[int, str]]:
    calendar = Calendar.from_ical(_feed(session, key).body)
    return {
        str(e["UID"]): (e.sequence, str(e["STATUS"]))
        for e in calendar.walk("VEVENT")
        if isinstance(e, Event)
    }


def _summaries(session: Session, key: str) -> list[str]:
    calendar = Calendar.from_ical(_feed(session, key).body)
    return [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]


def test_feed_window_is_whole_local_weeks() -> None:
    start, end = feed_window(NOW, timezone="Europe/Paris", weeks_past=2, weeks_ahead=8)
    assert start == datetime(2026, 3, 8, 23, tzinfo=UTC)  # Monday 9 March 00:00 CET
    assert end == datetime(2026, 5, 24, 22, tzinfo=UTC)  # Monday 25 May 00:00 CEST


def test_feeds_show_each_its_own_events(session: Session) -> None:
    ids = demo_ids(session)
    week = publish_week(session, ids, MONDAY)
    changed = refresh_feeds(session, ids.groupement_id, now=NOW)
    assert len(changed) == 1 + len(ids.cabinets) + len(ids.assistants)

    julie, tilleuls = ids.assistants["julie"], ids.cabinets["tilleuls"]
    cabinet_key = feed_key(models.FeedKind.CABINET, tilleuls)
    assert set(_uids(session, cabinet_key)) == {
        event_uid(a.uid, cabinet_key) for a in week.assignments if a.cabinet_id == tilleuls
    }
    assert set(_summaries(session, cabinet_key)) == {"Julie – assistante médicale"}

    assistant_key = feed_key(models.FeedKind.ASSISTANT, julie)
    mine = [a.uid for a in week.assignments if a.assistant_id == julie]
    trips = [t.uid for t in week.legs if t.assistant_id == julie]
    assert set(_uids(session, assistant_key)) == {
        event_uid(uid, assistant_key) for uid in mine + trips
    }
    assert "Trajet Cabinet des Tilleuls → Cabinet médical du Parc" in _summaries(
        session, assistant_key
    )
    body = _feed(session, assistant_key).body.decode()
    assert "12 rue des Tilleuls" in body

    groupement_key = feed_key(models.FeedKind.GROUPEMENT, ids.groupement_id)
    assert len(_uids(session, groupement_key)) == len(week.assignments) + len(week.legs)
    assert "Julie – Trajet Cabinet des Tilleuls → Cabinet médical du Parc" in _summaries(
        session, groupement_key
    )


def test_feeds_ignore_drafts_superseded_rotas_and_events_outside_the_window(
    session: Session,
) -> None:
    ids = demo_ids(session)
    first = publish_week(session, ids, MONDAY)
    moved = [
        replace(a, start=a.start + timedelta(hours=1), end=a.end + timedelta(hours=1), sequence=1)
        for a in first.assignments
    ]
    publish(session, ids.groupement_id, MONDAY, moved, first.legs)  # supersedes `first`
    far = week_specs(ids, date(2026, 9, 7))[0][:1]
    publish(session, ids.groupement_id, date(2026, 9, 7), far)
    draft = models.Rota(
        groupement_id=ids.groupement_id,
        period_start=date(2026, 3, 30),
        period_days=7,
        revision=1,
        solver_status="optimal",
        assignments=[
            models.Assignment(
                assistant_id=ids.assistants["julie"],
                contract_id=ids.contracts["pool-val-moselle"],
                cabinet_id=ids.cabinets["tilleuls"],
                start_at=paris(date(2026, 3, 31), "08:00"),
                end_at=paris(date(2026, 3, 31), "12:00"),
                uid="draft-only",
            )
        ],
    )
    session.add(draft)
    session.flush()
    refresh_feeds(session, ids.groupement_id, now=NOW)

    key = feed_key(models.FeedKind.GROUPEMENT, ids.groupement_id)
    shown = _uids(session, key)
    assert event_uid("draft-only", key) not in shown
    assert event_uid(far[0].uid, key) not in shown
    assert {seq for seq, _ in (shown[event_uid(a.uid, key)] for a in moved)} == {1}
    assert len(shown) == len(moved) + len(first.legs)


def test_withdrawn_event_is_cancelled_until_it_ends(session: Session) -> None:
    ids = demo_ids(session)
    assignments, legs = week_specs(ids, MONDAY)
    withdrawn = assignments[6]  # Julie, Thursday 26 March 14:00-17:00 at Thiaucourt
    week = publish_week(session, ids, MONDAY, drop=[withdrawn.uid])
    cancel(session, ids.groupement_id, week.rota, withdrawn)
    key = feed_key(models.FeedKind.CABINET, withdrawn.cabinet_id)

    refresh_feeds(session, ids.groupement_id, now=NOW)
    assert _uids(session, key)[event_uid(withdrawn.uid, key)] == (1, "CANCELLED")
    assert "Annulé – Julie – assistante médicale" in _summaries(session, key)

    refresh_feeds(session, ids.groupement_id, now=withdrawn.end.astimezone(UTC))
    assert event_uid(withdrawn.uid, key) not in _uids(session, key)


def test_refresh_keeps_validators_when_nothing_changed(session: Session) -> None:
    ids = demo_ids(session)
    publish_week(session, ids, MONDAY)
    refresh_feeds(session, ids.groupement_id, now=NOW)
    key = feed_key(models.FeedKind.GROUPEMENT, ids.groupement_id)
    before = _feed(session, key)
    etag, modified, body = before.etag, before.last_modified_at, bytes(before.body)
    assert etag == strong_etag(body)
    assert modified == NOW

    assert refresh_feeds(session, ids.groupement_id, now=NOW + timedelta(hours=3)) == []
    after = _feed(session, key)
    assert (after.etag, after.last_modified_at, bytes(after.body)) == (etag, modified, body)


def test_refresh_moves_last_modified_forward_even_with_a_late_clock(session: Session) -> None:
    ids = demo_ids(session)
    week = publish_week(session, ids, MONDAY)
    refresh_feeds(session, ids.groupement_id, now=NOW)
    key = feed_key(models.FeedKind.ASSISTANT, ids.assistants["sophie"])
    first = (_feed(session, key).etag, _feed(session, key).last_modified_at)

    changed = [replace(a, sequence=1, end=a.end - timedelta(minutes=30)) for a in week.assignments]
    publish(session, ids.groupement_id, MONDAY, changed, week.legs)
    refresh_feeds(session, ids.groupement_id, now=NOW - timedelta(days=1))
    second = (_feed(session, key).etag, _feed(session, key).last_modified_at)
    assert second[0] != first[0]
    assert second[1] == first[1] + timedelta(seconds=1)
    assert b"DTSTAMP:20260325T100001Z" in _feed(session, key).body


def test_refresh_unknown_groupement_raises(session: Session) -> None:
    with pytest.raises(NotFound):
        refresh_feeds(session, 999_999, now=NOW)


# --- Tokens and links ----------------------------------------------------------------------------


def test_token_opens_its_feed_only_and_is_stored_as_digest(session: Session) -> None:
    ids = demo_ids(session)
    publish_week(session, ids, MONDAY)
    refresh_feeds(session, ids.groupement_id, now=NOW)
    tilleuls = ids.cabinets["tilleuls"]
    token = create_feed_token(session, models.FeedKind.CABINET, tilleuls, "Secrétariat")
    assert len(token) >= 43  # 32 random bytes, base64url

    feed = feed_for_token(session, token)
    assert feed is not None and feed.feed_key == f"cabinet-{tilleuls}"
    stored = session.scalars(select(models.FeedToken.token_hash)).all()
    assert stored == [token_digest(token)]
    assert token not in stored

    for kind, target in (
        (models.FeedKind.ASSISTANT, ids.assistants["julie"]),
        (models.FeedKind.GROUPEMENT, ids.groupement_id),
    ):
        other = feed_for_token(session, create_feed_token(session, kind, target, "x"))
        assert other is not None and other.feed_key == feed_key(kind, target)
    assert feed_for_token(session, token + "x") is None
    assert feed_for_token(session, "") is None


def test_revoked_and_rotated_tokens_die_at_once(session: Session) -> None:
    ids = demo_ids(session)
    refresh_feeds(session, ids.groupement_id, now=NOW)
    julie = ids.assistants["julie"]
    first = create_feed_token(session, models.FeedKind.ASSISTANT, julie, "Julie")
    (row,) = feed_tokens(session, ids.groupement_id)

    second = rotate_feed_token(session, row.id, now=NOW, groupement_id=ids.groupement_id)
    assert feed_for_token(session, first) is None
    assert feed_for_token(session, second) is not None
    (new_row,) = feed_tokens(session, ids.groupement_id)
    assert new_row.subscriber == "Julie" and new_row.target_id == julie

    with pytest.raises(NotFound):
        revoke_feed_token(session, new_row.id, now=NOW, groupement_id=ids.groupement_id + 1)
    revoke_feed_token(session, new_row.id, now=NOW)
    assert feed_for_token(session, second) is None
    with pytest.raises(NotFound):
        rotate_feed_token(session, new_row.id, now=NOW)


def test_token_for_unknown_target_or_blank_subscriber_is_refused(session: Session) -> None:
    ids = demo_ids(session)
    with pytest.raises(NotFound):
        create_feed_token(session, models.FeedKind.CABINET, 999_999, "x")
    with pytest.raises(InvalidField):
        create_feed_token(session, models.FeedKind.GROUPEMENT, ids.groupement_id, "  ")


def test_subscribe_links() -> None:
    links = subscribe_links(
        "https://partagenda.example.fr/api/v1/", "tok_EN-1", name="Julie Martin"
    )
    assert links["ics"] == "https://partagenda.example.fr/api/v1/feeds/tok_EN-1.ics"
    assert links["webcal"] == "webcal://partagenda.example.fr/api/v1/feeds/tok_EN-1.ics"
    google = urlsplit(links["google"])
    assert (google.netloc, google.path) == ("calendar.google.com", "/calendar/r")
    assert parse_qs(google.query)["cid"] == [links["webcal"]]
    outlook = urlsplit(links["outlook"])
    assert (outlook.netloc, outlook.path) == ("outlook.live.com", "/calendar/0/addfromweb")
    assert parse_qs(outlook.query) == {"url": [links["ics"]], "name": ["Julie Martin"]}


# --- Property: random edits and re-publications --------------------------------------------------

_EDITS = st.lists(
    st.tuples(
        st.sampled_from(["move", "cabinet", "withdraw", "restore", "same", "later"]),
        st.integers(min_value=0, max_value=16),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=_EDITS)
def test_republishing_keeps_uids_sequences_and_validators_sane(
    session: Session, edits: list[tuple[str, int]]
) -> None:
    # The demo groupement is loaded once per test (password hashing is slow); each example runs
    # in a savepoint rolled back at its end.
    ids = session.info.get("feed_demo_ids")
    if not isinstance(ids, DemoIds):
        ids = demo_ids(session)
        session.info["feed_demo_ids"] = ids
    nested = session.begin_nested()
    try:
        _check_republications(session, ids, edits)
    finally:
        nested.rollback()


def _check_republications(session: Session, ids: DemoIds, edits: list[tuple[str, int]]) -> None:
    config = Settings(feed_weeks_past=1, feed_weeks_ahead=2)
    monday = date(2026, 4, 6)
    base, legs = week_specs(ids, monday)
    current = {a.uid: a for a in base}  # identity -> what is published
    withdrawn: dict[str, AssignmentSpec] = {}
    rota = publish(session, ids.groupement_id, monday, list(current.values()), legs)
    now = datetime(2026, 4, 1, 8, tzinfo=UTC)
    refresh_feeds(session, ids.groupement_id, now=now, settings=config)
    key = feed_key(models.FeedKind.GROUPEMENT, ids.groupement_id)
    seen_sequence: dict[str, int] = {}
    first = _feed(session, key)
    previous = (bytes(first.body), first.etag, first.last_modified_at)
    cabinets = sorted(ids.cabinets.values())

    for action, pick in edits:
        uids = sorted(current)
        if action == "later":
            now += timedelta(days=2)
        elif action == "restore" and withdrawn:
            uid = sorted(withdrawn)[pick % len(withdrawn)]
            old = withdrawn.pop(uid)
            current[uid] = replace(old, sequence=old.sequence + 2)
        elif action in {"move", "cabinet", "withdraw"} and uids:
            uid = uids[pick % len(uids)]
            item = current[uid]
            if action == "move":
                current[uid] = replace(
                    item,
                    start=item.start + timedelta(minutes=30),
                    end=item.end + timedelta(minutes=30),
                    sequence=item.sequence + 1,
                )
            elif action == "cabinet":
                other = cabinets[(cabinets.index(item.cabinet_id) + 1) % len(cabinets)]
                current[uid] = replace(item, cabinet_id=other, sequence=item.sequence + 1)
            else:
                withdrawn[uid] = current.pop(uid)
        rota = publish(session, ids.groupement_id, monday, list(current.values()), legs)
        session.execute(
            delete(models.CancelledEvent).where(models.CancelledEvent.uid.in_(list(current)))
        )
        for uid, old in withdrawn.items():
            exists = session.scalar(
                select(models.CancelledEvent.id).where(models.CancelledEvent.uid == uid)
            )
            if exists is None:
                cancel(session, ids.groupement_id, rota, old)
        refresh_feeds(session, ids.groupement_id, now=now, settings=config)

        feed = _feed(session, key)
        body = bytes(feed.body)
        assert (feed.etag != previous[1]) == (body != previous[0])
        assert feed.etag == strong_etag(body)
        assert feed.last_modified_at >= previous[2]
        if body != previous[0]:
            assert feed.last_modified_at > previous[2]
        previous = (body, feed.etag, feed.last_modified_at)

        shown = _uids(session, key)
        for uid in current:
            assert event_uid(uid, key) in shown  # same identity, same UID
        for feed_uid, (sequence, _status) in shown.items():
            assert sequence >= seen_sequence.get(feed_uid, 0)
            seen_sequence[feed_uid] = sequence


def test_feed_cache_sees_revocation_and_publication_at_once(session: Session) -> None:
    ids = demo_ids(session)
    refresh_feeds(session, ids.groupement_id, now=NOW)
    token = create_feed_token(session, models.FeedKind.GROUPEMENT, ids.groupement_id, "x")
    (row,) = feed_tokens(session, ids.groupement_id)

    def connect() -> AbstractContextManager[Connection]:
        return nullcontext(session.connection())

    cache = FeedCache()
    first = cache.lookup(connect, token)
    assert first is not None
    assert cache.lookup(connect, token) is first  # same ETag: the cached bytes are reused

    publish_week(session, ids, date(2026, 3, 23))
    refresh_feeds(session, ids.groupement_id, now=NOW + timedelta(hours=1))
    published = cache.lookup(connect, token)
    assert published is not None and published.etag != first.etag

    revoke_feed_token(session, row.id, now=NOW)
    assert cache.lookup(connect, token) is None
