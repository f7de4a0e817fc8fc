"""The feed contract: every feed of a realistic groupement is read without complaint by three
independent parsers (icalendar, ical.js as in Thunderbird/Nextcloud, libical as in Evolution and
with RFC 5546's restriction tables), carries what clients need (METHOD, PRODID, NAME,
X-WR-CALNAME, REFRESH-INTERVAL;VALUE=DURATION, X-PUBLISHED-TTL, VTIMEZONE, and UID, DTSTAMP,
SEQUENCE, ORGANIZER, LOCATION, GEO on each event), and shows for a week exactly the published
rota of the database, expanded as a client would with recurring-ical-events.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.feeds import event_uid, refresh_feeds
from scheduler.ical import PRODID, FeedEvent, FeedMeta, Organizer, render_feed
from tests.conftest import missing_tool
from tests.scheduler.feed_factories import (
    PARIS,
    AssignmentSpec,
    LegSpec,
    cancel,
    demo_ids,
    publish_week,
    week_specs,
)

JS_DIR = Path(__file__).resolve().parent.parent / "js"
SYSTEM_PYTHON = "/usr/bin/python3"
NOW = datetime(2026, 3, 25, 10, tzinfo=UTC)
WEEKS = (date(2026, 3, 23), date(2026, 3, 30))  # summer time starts on Sunday 29 March


def assert_feed_contract(body: bytes) -> Calendar:
    """Parse `body` with icalendar and check every rule a subscription feed must follow."""
    assert body.endswith(b"\r\n")
    for line in body.split(b"\r\n"):
        assert b"\n" not in line and b"\r" not in line
        assert len(line) <= 75, line
    calendar = Calendar.from_ical(body)
    for component in calendar.walk():
        assert not component.errors, (component.name, component.errors)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == PRODID
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["NAME"]
    assert calendar["X-WR-CALNAME"] == calendar["NAME"]
    assert "UID" not in calendar  # split per event, it would be copied into every item
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT" in body
    assert b"\r\nX-PUBLISHED-TTL:PT" in body
    timezones = calendar.walk("VTIMEZONE")
    assert [tz["TZID"] for tz in timezones] == ["Europe/Paris"]
    assert "COMMENT" not in timezones[0]
    assert calendar.get_missing_tzids() == set()
    uids: set[str] = set()
    for event in calendar.walk("VEVENT"):
        assert isinstance(event, Event)
        uid = str(event["UID"])
        assert uid not in uids
        uids.add(uid)
        assert event.DTSTAMP.tzinfo is not None
        assert event.DTSTAMP.utcoffset() == timedelta(0)
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert event["DTEND"].params["TZID"] == "Europe/Paris"
        assert event.end > event.start
        assert isinstance(event["SEQUENCE"], int) and event["SEQUENCE"] >= 0
        assert event["STATUS"] in {"CONFIRMED", "CANCELLED"}
        assert str(event["ORGANIZER"]).startswith("mailto:")
        assert "ATTENDEE" not in event
        assert event["LOCATION"]
        assert event["GEO"]
        assert event["SUMMARY"]
    return calendar


@dataclass(frozen=True)
class Published:
    """The database after two published weeks, one trip and one vacation withdrawn."""

    groupement_id: int
    feeds: dict[str, bytes]


@pytest.fixture
def published(session: Session) -> Published:
    """Two realistic published weeks of the demo groupement, feeds rendered."""
    ids = demo_ids(session)
    publish_week(session, ids, WEEKS[0])
    assignments, legs = week_specs(ids, WEEKS[1])
    withdrawn: list[AssignmentSpec | LegSpec] = [
        assignments[5],
        legs[2],
    ]  # Julie's Thursday at Corny and her trip from there
    week = publish_week(session, ids, WEEKS[1], drop=[w.uid for w in withdrawn])
    for item in withdrawn:
        cancel(session, ids.groupement_id, week.rota, item)
    refresh_feeds(session, ids.groupement_id, now=NOW)
    rows = session.scalars(
        select(models.RenderedFeed).where(models.RenderedFeed.groupement_id == ids.groupement_id)
    )
    return Published(ids.groupement_id, {row.feed_key: bytes(row.body) for row in rows})


def test_feed_contract_every_feed_passes_icalendar(published: Published) -> None:
    assert len(published.feeds) == 1 + 7 + 3
    for body in published.feeds.values():
        assert_feed_contract(body)


def _expected(session: Session, key: str, start: datetime, end: datetime) -> set[tuple[Any, ...]]:
    """What the feed `key` must show between `start` and `end`, read from the database."""
    kind, target = key.rsplit("-", 1)
    target_id = int(target)

    def wanted(assistant_id: int, cabinet_id: int, trip: bool) -> bool:
        if kind == "cabinet":
            return cabinet_id == target_id and not trip
        if kind == "assistant":
            return assistant_id == target_id
        return True

    shown: set[tuple[Any, ...]] = set()
    published = models.Rota.status == models.RotaStatus.PUBLISHED
    for a in session.scalars(select(models.Assignment).join(models.Rota).where(published)):
        if a.start_at < end and a.end_at > start and wanted(a.assistant_id, a.cabinet_id, False):
            shown.add((event_uid(a.uid, key), a.start_at, a.end_at, "CONFIRMED"))
    for t in session.scalars(select(models.TravelLeg).join(models.Rota).where(published)):
        if t.start_at < end and t.end_at > start and wanted(t.assistant_id, t.destination_id, True):
            shown.add((event_uid(t.uid, key), t.start_at, t.end_at, "CONFIRMED"))
    for c in session.scalars(select(models.CancelledEvent)):
        assert c.cabinet_id is not None
        visible = c.end_at > NOW and c.start_at < end and c.end_at > start
        if visible and wanted(c.assistant_id, c.cabinet_id, c.origin_id is not None):
            shown.add((event_uid(c.uid, key), c.start_at, c.end_at, "CANCELLED"))
    return shown


@pytest.mark.parametrize("monday", WEEKS, ids=["winter-week", "summer-week"])
def test_feed_contract_week_matches_published_rota(
    session: Session, published: Published, monday: date
) -> None:
    start = datetime.combine(monday, datetime.min.time(), PARIS)
    end = start + timedelta(days=7)
    for key, body in published.feeds.items():
        calendar = Calendar.from_ical(body)
        seen = {
            (
                str(e["UID"]),
                _utc(e.start),
                _utc(e.end),
                str(e["STATUS"]),
            )
            for e in recurring_ical_events.of(calendar).between(start, end)
        }
        assert seen == _expected(session, key, start, end), key


def _utc(value: date) -> datetime:
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


def _icalendar_times(body: bytes) -> dict[str, tuple[str, str]]:
    calendar = Calendar.from_ical(body)
    times: dict[str, tuple[str, str]] = {}
    for event in calendar.walk("VEVENT"):
        assert isinstance(event, Event)
        start = _utc(event.start).strftime("%Y-%m-%dT%H:%M:%SZ")
        end = _utc(event.end).strftime("%Y-%m-%dT%H:%M:%SZ")
        times[str(event["UID"])] = (start, end)
    return times


def _write_feeds(published: Published, directory: Path) -> dict[str, Path]:
    paths = {}
    for key, body in published.feeds.items():
        path = directory / f"{key}.ics"
        path.write_bytes(body)
        paths[key] = path
    return paths


def test_feed_contract_icaljs_reads_every_feed(published: Published, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        missing_tool("node is not installed (the CI setup installs it)")
    if not (JS_DIR / "node_modules" / "ical.js").is_dir():
        missing_tool("ical.js is not installed: npm ci --prefix tests/js")
    paths = _write_feeds(published, tmp_path)
    completed = subprocess.run(
        [node, str(JS_DIR / "parse_feeds.mjs"), *map(str, paths.values())],
        capture_output=True,
        check=True,
        text=True,
        timeout=60,
    )
    report = json.loads(completed.stdout)
    for key, path in paths.items():
        result = report[str(path)]
        assert result["problems"] == [], key
        seen = {
            e["uid"]: (e["start"].replace(".000Z", "Z"), e["end"].replace(".000Z", "Z"))
            for e in result["events"]
        }
        assert seen == _icalendar_times(published.feeds[key]), key


LIBICAL_SCRIPT = r"""
import json, sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as I

def errors(component):
    found = []
    prop = component.get_first_property(I.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        found.append(prop.get_value_as_string())
        prop = component.get_next_property(I.PropertyKind.XLICERROR_PROPERTY)
    child = component.get_first_component(I.ComponentKind.ANY_COMPONENT)
    while child is not None:
        found += errors(child)
        child = component.get_next_component(I.ComponentKind.ANY_COMPONENT)
    return found

report = {}
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    problems, events = [], {}
    calendar = I.Component.new_from_string(text)
    problems += ["parse: " + e for e in errors(calendar)]
    if not I.restriction_check(calendar):
        problems += ["iTIP PUBLISH: " + e for e in errors(calendar)]
    # Without METHOD, libical applies RFC 5545's own tables (e.g. no COMMENT in VTIMEZONE).
    bare = I.Component.new_from_string(text.replace("METHOD:PUBLISH\r\n", ""))
    if not I.restriction_check(bare):
        problems += ["RFC 5545: " + e for e in errors(bare)]
    event = calendar.get_first_component(I.ComponentKind.VEVENT_COMPONENT)
    while event is not None:
        times = []
        for time in (event.get_dtstart(), event.get_dtend()):
            zone = calendar.get_timezone(time.get_tzid()) if time.get_tzid() else None
            if zone is None:
                problems.append(event.get_uid() + ": no VTIMEZONE for " + str(time.get_tzid()))
                times.append(None)
            else:
                times.append(time.as_timet_with_zone(zone))
        events[event.get_uid()] = times
        event = calendar.get_next_component(I.ComponentKind.VEVENT_COMPONENT)
    report[path] = {"problems": problems, "events": events}
print(json.dumps(report))
"""


def _libical_available() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    probe = subprocess.run(
        [
            SYSTEM_PYTHON,
            "-c",
            "import gi; gi.require_version('ICalGLib', '3.0'); from gi.repository import ICalGLib",
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return probe.returncode == 0


def test_feed_contract_libical_reads_every_feed(published: Published, tmp_path: Path) -> None:
    if not _libical_available():
        missing_tool(
            "Debian's libical bindings are missing: apt-get install gir1.2-ical-3.0 python3-gi"
        )
    paths = _write_feeds(published, tmp_path)
    completed = subprocess.run(
        [SYSTEM_PYTHON, "-c", LIBICAL_SCRIPT, *map(str, paths.values())],
        capture_output=True,
        check=True,
        text=True,
        timeout=60,
    )
    report = json.loads(completed.stdout)
    for key, path in paths.items():
        result = report[str(path)]
        assert result["problems"] == [], key
        seen = {
            uid: tuple(
                datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for stamp in times
            )
            for uid, times in result["events"].items()
        }
        assert seen == _icalendar_times(published.feeds[key]), key


def test_feed_contract_cancelled_event_is_shown_with_higher_sequence(published: Published) -> None:
    calendar = Calendar.from_ical(published.feeds[f"groupement-{published.groupement_id}"])
    cancelled = [e for e in calendar.walk("VEVENT") if e["STATUS"] == "CANCELLED"]
    assert len(cancelled) == 2
    for event in cancelled:
        assert event["SEQUENCE"] == 1
        assert str(event["SUMMARY"]).startswith("Annulé – ")


# --- Time zones read by the clients' parsers -----------------------------------------------------

LIBICAL_OFFSETS_SCRIPT = r"""
import json, sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as I

utc = I.Timezone.get_utc_timezone()
report = {}
for path, stamps in json.loads(sys.argv[1]).items():
    calendar = I.Component.new_from_string(open(path, encoding="utf-8").read())
    zone = I.Timezone.new()
    zone.set_component(calendar.get_first_component(I.ComponentKind.VTIMEZONE_COMPONENT).clone())
    report[path] = [
        I.Timezone.get_utc_offset_of_utc_time(zone, I.Time.new_from_timet_with_zone(s, 0, utc))[0]
        for s in stamps
    ]
print(json.dumps(report))
"""

ZONE_YEAR = 2026
# The zones with daylight saving a groupement can be in (Saint-Pierre-et-Miquelon, metropolitan
# France), and one whose changes follow no yearly rule (explicit RDATEs).
ZONES = ("America/Miquelon", "Europe/Paris", "Africa/Casablanca")


@lru_cache
def _tz_changes(zone: ZoneInfo, year: int) -> list[tuple[datetime, int, int]]:
    """Each change of UTC offset in `year`: (UTC instant, offset before, offset after), seconds,
    by a quarter-hour scan of the tz database."""
    changes: list[tuple[datetime, int, int]] = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    step = timedelta(minutes=15)
    before = _offset_s(zone, moment)
    while moment.year == year:
        moment += step
        after = _offset_s(zone, moment)
        if after != before:
            changes.append((moment, before, after))
            before = after
    return changes


def _offset_s(zone: ZoneInfo, moment: datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def _local_hour(change: tuple[datetime, int, int]) -> str:
    """The local wall-clock time, in the offset before, at which a change happens."""
    moment, before, _after = change
    return f"{moment + timedelta(seconds=before):%H:%M}"


def _across_changes(tzid: str) -> tuple[bytes, dict[str, tuple[str, str]]]:
    """A feed in `tzid` whose events each run from before a change of offset to after it, and
    the UTC instants of each event's start and end according to zoneinfo."""
    zone = ZoneInfo(tzid)
    events = []
    for number, (moment, before, _after) in enumerate(_tz_changes(zone, ZONE_YEAR)):
        local = (moment + timedelta(seconds=before)).replace(tzinfo=None)
        start = (local - timedelta(hours=2)).replace(tzinfo=zone)
        end = (local + timedelta(hours=3)).replace(tzinfo=zone)
        events.append(
            FeedEvent(uid=f"change-{number}", sequence=0, start=start, end=end, summary="Vacation")
        )
    meta = FeedMeta(
        key="groupement-1",
        name=tzid,
        timezone=tzid,
        refresh_hours=6,
        organizer=Organizer("coordination@example.fr", "Coordination"),
    )
    instants = {e.uid: (_iso(e.start), _iso(e.end)) for e in events}
    return render_feed(meta, events, stamp=NOW), instants


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _run(command: list[str]) -> Any:
    completed = subprocess.run(command, capture_output=True, check=True, text=True, timeout=60)
    return json.loads(completed.stdout)


def test_feed_contract_parsers_read_the_tz_database_changes(tmp_path: Path) -> None:
    """libical and ical.js put each change of offset at the instant the tz database does, and
    read the events across it at the same UTC instants as zoneinfo."""
    node = shutil.which("node")
    if not _libical_available() or node is None or not (JS_DIR / "node_modules").is_dir():
        missing_tool("libical bindings, node or ical.js missing: run scripts/test-deps")
    paths = {tzid: tmp_path / f"{tzid.replace('/', '-')}.ics" for tzid in ZONES}
    changes = {tzid: _tz_changes(ZoneInfo(tzid), ZONE_YEAR) for tzid in ZONES}
    expected: dict[str, dict[str, tuple[str, str]]] = {}
    for tzid, path in paths.items():
        assert changes[tzid]  # each zone of the test changes offset in ZONE_YEAR
        body, expected[tzid] = _across_changes(tzid)
        path.write_bytes(body)
        assert len(expected[tzid]) == len(changes[tzid])
    files = [str(p) for p in paths.values()]
    probes = {
        tzid: [m + timedelta(minutes=15 * k) for m, _, _ in changes[tzid] for k in range(-12, 13)]
        for tzid in ZONES
    }

    icaljs_changes = _run([node, str(JS_DIR / "zone_changes.mjs"), str(ZONE_YEAR), *files])
    icaljs_events = _run([node, str(JS_DIR / "parse_feeds.mjs"), *files])
    libical_offsets = _run(
        [
            SYSTEM_PYTHON,
            "-c",
            LIBICAL_OFFSETS_SCRIPT,
            json.dumps({str(paths[t]): [int(p.timestamp()) for p in probes[t]] for t in ZONES}),
        ]
    )
    libical_events = _run([SYSTEM_PYTHON, "-c", LIBICAL_SCRIPT, *files])

    for tzid, path in paths.items():
        zone = ZoneInfo(tzid)
        # ical.js: the changes it expands from the VTIMEZONE, and the events.
        assert [(c["at"], c["from"], c["to"]) for c in icaljs_changes[str(path)][tzid]] == [
            (_iso(m), before, after) for m, before, after in changes[tzid]
        ], tzid
        read = icaljs_events[str(path)]
        assert read["problems"] == [], tzid
        assert {
            e["uid"]: (e["start"].replace(".000Z", "Z"), e["end"].replace(".000Z", "Z"))
            for e in read["events"]
        } == expected[tzid], tzid
        # libical: its offset every quarter hour around each change, and the events.
        assert libical_offsets[str(path)] == [_offset_s(zone, p) for p in probes[tzid]], tzid
        report = libical_events[str(path)]
        assert report["problems"] == [], tzid
        assert {
            uid: tuple(_iso(datetime.fromtimestamp(stamp, UTC)) for stamp in times)
            for uid, times in report["events"].items()
        } == expected[tzid], tzid


def test_feed_contract_miquelon_and_paris_change_at_the_legal_hours() -> None:
    """The hours the parsers are checked against: Saint-Pierre-et-Miquelon moves at 02:00 local
    time both ways, metropolitan France at 02:00 in March and 03:00 in October."""
    miquelon = _tz_changes(ZoneInfo("America/Miquelon"), ZONE_YEAR)
    paris = _tz_changes(ZoneInfo("Europe/Paris"), ZONE_YEAR)
    assert [(_iso(c[0]), _local_hour(c)) for c in miquelon] == [
        ("2026-03-08T05:00:00Z", "02:00"),
        ("2026-11-01T04:00:00Z", "02:00"),
    ]
    assert [(_iso(c[0]), _local_hour(c)) for c in paris] == [
        ("2026-03-29T01:00:00Z", "02:00"),
        ("2026-10-25T01:00:00Z", "03:00"),
    ]
