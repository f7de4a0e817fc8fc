"""The renderer is pure and deterministic: the same feed data and stamp give the same bytes (the
golden files in tests/data), whatever the order of the events; the VCALENDAR carries no UID (a
client that splits the feed per event would copy it into every item); its VTIMEZONE, computed for
any zone, agrees with the tz database; it refuses naive times and duplicate UIDs.

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
    assert "UID" not in calendar
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


@pytest.mark.parametrize(
    ("tzid", "first", "last", "rule"),
    [
        ("Europe/Paris", date(2026, 1, 1), date(2027, 12, 31), True),
        ("America/Miquelon", date(2026, 1, 1), date(2027, 12, 31), True),
        ("America/Cayenne", date(2026, 1, 1), date(2026, 12, 31), False),
        ("Europe/Dublin", date(2026, 1, 1), date(2026, 12, 31), True),  # "summer" is standard
        ("Australia/Lord_Howe", date(2026, 1, 1), date(2026, 12, 31), True),  # half-hour shift
        ("Africa/Casablanca", date(2026, 1, 1), date(2027, 12, 31), False),  # moves with Ramadan
        ("America/Mexico_City", date(2022, 1, 1), date(2023, 12, 31), False),  # ended in 2022
    ],
)
def test_vtimezone_agrees_with_tz_database(tzid: str, first: date, last: date, rule: bool) -> None:
    block = vtimezone(tzid, first=first, last=last)
    ical = block.to_ical()
    assert b"COMMENT" not in ical
    assert (b"RRULE" in ical) is rule
    # Every observance's first onset comes before the first day it must cover.
    onsets = [o.DTSTART for o in block.standard] + [o.DTSTART for o in block.daylight]
    assert all(onset.date() < first for onset in onsets)
    _offsets_agree(
        block,
        ZoneInfo(tzid),
        datetime.combine(first, datetime.min.time(), UTC),
        datetime.combine(last, datetime.min.time(), UTC),
    )


def test_vtimezone_onsets_are_local_times_before_the_change() -> None:
    # RFC 5545 §3.6.5: DTSTART of an observance is the local time in TZOFFSETFROM. Miquelon moves
    # at 02:00 local in March (-03 to -02) and in November (-02 to -03), as the tz database says.
    block = vtimezone("America/Miquelon", first=date(2026, 3, 1), last=date(2026, 11, 30))
    (daylight,) = block.daylight
    (standard,) = block.standard
    assert daylight.DTSTART == datetime(2025, 3, 9, 2)  # noqa: DTZ001 (floating, as in RFC 5545)
    assert standard.DTSTART == datetime(2025, 11, 2, 2)  # noqa: DTZ001
    ical = block.to_ical()
    assert b"RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n" in ical
    assert b"RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\n" in ical
    (paris,) = vtimezone("Europe/Paris", first=date(2026, 3, 1), last=date(2026, 3, 31)).daylight
    assert paris.DTSTART == datetime(2025, 3, 30, 2)  # noqa: DTZ001


def test_render_feed_in_another_zone_has_its_vtimezone() -> None:
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
