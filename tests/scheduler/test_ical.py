"""The renderer is pure and deterministic: the same feed data and stamp give the same bytes (the
golden files in tests/data), whatever the order of the events; its static Europe/Paris VTIMEZONE
agrees with the tz database; it refuses naive times and duplicate UIDs.

Set UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change, and review the diff.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event, Timezone

from scheduler.ical import (
    EventStatus,
    FeedEvent,
    FeedMeta,
    Organizer,
    calendar_uid,
    render_feed,
    vtimezone,
)
from tests.scheduler.test_feed_contract import assert_feed_contract

DATA = Path(__file__).resolve().parent.parent / "data"
PARIS = ZoneInfo("Europe/Paris")
STAMP = datetime(2026, 3, 20, 9, 15, tzinfo=UTC)

META = FeedMeta(
    key="cabinet-1",
    name="Cabinet des Tilleuls – assistante médicale",
    timezone="Europe/Paris",
    refresh_hours=6,
    organizer=Organizer("coordination@val-de-moselle.example.fr", "Coordination – Val de Moselle"),
    description="Présence de l'assistante médicale – Cabinet des Tilleuls.",
)
TILLEULS = "Cabinet des Tilleuls, 12 rue des Tilleuls, 54700 Pont-à-Mousson"
EVENTS = (
    FeedEvent(
        uid="asg-1.cabinet-1@partagenda",
        sequence=0,
        start=datetime(2026, 3, 27, 8, 30, tzinfo=PARIS),
        end=datetime(2026, 3, 27, 12, tzinfo=PARIS),
        summary="Julie – assistante médicale",
        description="Assistante médicale : Julie Martin\nHoraires : vendredi 27 mars 2026, "
        "8h30 – 12h00\nContrat : Contrat mutualisé Val de Moselle",
        location=TILLEULS,
        geo=(48.9053, 6.0543),
        categories=("Assistante médicale",),
    ),
    FeedEvent(
        uid="asg-2.cabinet-1@partagenda",
        sequence=2,
        start=datetime(2026, 3, 30, 8, 30, tzinfo=PARIS),
        end=datetime(2026, 3, 30, 12, tzinfo=PARIS),
        summary="Annulé – Julie – assistante médicale",
        description="Annulé après publication du planning.",
        location=TILLEULS,
        geo=(48.9053, 6.0543),
        status=EventStatus.CANCELLED,
        categories=("Assistante médicale",),
    ),
    FeedEvent(
        uid="asg-3.cabinet-1@partagenda",
        sequence=1,
        start=datetime(2026, 11, 30, 7, 0, tzinfo=UTC),
        end=datetime(2026, 11, 30, 11, 0, tzinfo=UTC),
        summary="Sophie – assistante médicale",
        location=TILLEULS,
        geo=(48.9053, 6.0543),
    ),
)


def _golden(name: str, body: bytes) -> None:
    path = DATA / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(body)
    assert body == path.read_bytes(), f"{name} differs: set UPDATE_GOLDEN=1 and review the diff"


def test_render_feed_matches_golden_file() -> None:
    _golden("feed_cabinet.ics", render_feed(META, EVENTS, stamp=STAMP))


def test_render_feed_empty_matches_golden_file() -> None:
    _golden("feed_empty.ics", render_feed(META, (), stamp=STAMP))


def test_render_feed_same_bytes_whatever_the_event_order() -> None:
    expected = render_feed(META, EVENTS, stamp=STAMP)
    shuffled = list(EVENTS)
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert render_feed(META, shuffled, stamp=STAMP) == expected


def test_render_feed_stamp_in_another_zone_is_written_in_utc() -> None:
    local_stamp = STAMP.astimezone(PARIS)
    assert render_feed(META, EVENTS, stamp=local_stamp) == render_feed(META, EVENTS, stamp=STAMP)
    assert b"DTSTAMP:20260320T091500Z\r\n" in render_feed(META, EVENTS, stamp=STAMP)


def test_render_feed_follows_the_feed_contract() -> None:
    calendar = assert_feed_contract(render_feed(META, EVENTS, stamp=STAMP))
    assert calendar["UID"] == calendar_uid("cabinet-1")
    events = [e for e in calendar.walk("VEVENT") if isinstance(e, Event)]
    assert [str(e["UID"]) for e in events] == [e.uid for e in EVENTS]
    assert events[0].start == datetime(2026, 3, 27, 8, 30, tzinfo=PARIS)
    assert isinstance(events[2].start, datetime)
    assert events[2].start.astimezone(UTC) == datetime(2026, 11, 30, 7, tzinfo=UTC)
    assert events[1]["STATUS"] == "CANCELLED"
    assert events[1]["SEQUENCE"] == 2
    assert events[0]["ORGANIZER"].params["CN"] == "Coordination – Val de Moselle"


def test_render_feed_refuses_naive_stamp() -> None:
    with pytest.raises(ValueError, match="stamp"):
        render_feed(META, EVENTS, stamp=datetime(2026, 3, 20, 9))  # noqa: DTZ001


def test_render_feed_refuses_duplicate_uids() -> None:
    with pytest.raises(ValueError, match="UID"):
        render_feed(META, (EVENTS[0], EVENTS[0]), stamp=STAMP)


@pytest.mark.parametrize(
    ("start", "end", "sequence"),
    [
        (datetime(2026, 3, 27, 8, 30), datetime(2026, 3, 27, 12, tzinfo=PARIS), 0),  # noqa: DTZ001
        (datetime(2026, 3, 27, 12, tzinfo=PARIS), datetime(2026, 3, 27, 8, tzinfo=PARIS), 0),
        (datetime(2026, 3, 27, 8, tzinfo=PARIS), datetime(2026, 3, 27, 12, tzinfo=PARIS), -1),
    ],
    ids=["naive", "end-before-start", "negative-sequence"],
)
def test_feed_event_refuses_invalid_values(start: datetime, end: datetime, sequence: int) -> None:
    with pytest.raises(ValueError):
        FeedEvent(uid="x", sequence=sequence, start=start, end=end, summary="x")


def _offsets_agree(block: Timezone, zone: ZoneInfo, first: datetime, last: datetime) -> None:
    tz = block.to_tz()
    moment = first
    while moment < last:
        local = moment.astimezone(zone).replace(tzinfo=None)
        assert local.replace(tzinfo=tz).utcoffset() == zone.utcoffset(local), local
        moment += timedelta(hours=1)


def test_static_paris_vtimezone_agrees_with_tz_database() -> None:
    block = vtimezone("Europe/Paris", first=date(2026, 1, 1), last=date(2028, 1, 1))
    assert "RRULE" in block.walk("DAYLIGHT")[0]
    assert "RDATE" not in block.walk("STANDARD")[0]
    _offsets_agree(
        block,
        PARIS,
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2028, 1, 1, tzinfo=UTC),
    )


def test_other_timezone_falls_back_to_a_generated_block_without_comment() -> None:
    zone = ZoneInfo("America/Cayenne")
    meta = FeedMeta(
        key="groupement-9",
        name="Guyane",
        timezone="America/Cayenne",
        refresh_hours=12,
        organizer=Organizer("c@example.fr", "Coordination"),
    )
    event = FeedEvent(
        uid="a.groupement-9@partagenda",
        sequence=0,
        start=datetime(2026, 5, 4, 8, tzinfo=zone),
        end=datetime(2026, 5, 4, 12, tzinfo=zone),
        summary="Vacation",
    )
    calendar = Calendar.from_ical(render_feed(meta, [event], stamp=STAMP))
    (block,) = calendar.walk("VTIMEZONE")
    assert block["TZID"] == "America/Cayenne"
    assert "COMMENT" not in block
    assert calendar.get_missing_tzids() == set()
    (only,) = calendar.walk("VEVENT")
    assert isinstance(only, Event)
    assert isinstance(only.start, datetime)
    assert only.start.astimezone(UTC) == datetime(2026, 5, 4, 11, tzinfo=UTC)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT12H\r\n" in calendar.to_ical()
