"""Render a calendar subscription feed (RFC 5545 + RFC 7986) from plain event data.

Pure: no database, no clock. The same `FeedMeta`, events and `stamp` always give the same bytes,
so a feed's ETag changes only when what it shows changes. Decisions (see research §1):

* `METHOD:PUBLISH` with exactly one `ORGANIZER` per event (RFC 5546 §3.2.1), no `ATTENDEE`;
* `NAME` and `X-WR-CALNAME`; `REFRESH-INTERVAL;VALUE=DURATION` and `X-PUBLISHED-TTL` (Outlook);
* no calendar-level `UID`: clients that split a feed into one item per event (vdirsyncer, and
  khal through it) copy the VCALENDAR's properties into every item and then key the items by
  the first UID they find, which would make every event one;
* a `VTIMEZONE` computed from the tz database for any zone (`vtimezone`): onsets in the local
  time before each transition, yearly RRULEs where the rule holds, else explicit RDATEs
  (icalendar's own generator writes spring onsets an hour late and a COMMENT libical rejects);
* `DTSTAMP` is the caller's `stamp` (the time this version of the feed was generated);
* events sorted by start, end and UID, so the order of the input does not matter.
"""

from __future__ import annotations

import enum
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDuration,
)
from icalendar.enums import STATUS

PRODID = "-//Partagenda//Planning des assistants médicaux//FR"


class EventStatus(enum.StrEnum):
    """The STATUS values a feed event can take."""

    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class Organizer:
    """The ORGANIZER of every event: a role mailbox and its display name."""

    email: str
    name: str


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """What is said about the calendar itself.

    Attributes:
        key: the feed's stable key (e.g. `cabinet-12`).
        name: display name (NAME and X-WR-CALNAME).
        timezone: IANA name in which start and end are written (with a VTIMEZONE).
        refresh_hours: REFRESH-INTERVAL and X-PUBLISHED-TTL.
        organizer: ORGANIZER of every event.
        description: optional calendar description.
    """

    key: str
    name: str
    timezone: str
    refresh_hours: int
    organizer: Organizer
    description: str | None = None


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One event of a feed.

    Attributes:
        uid: UID, stable for the life of the event and unique within the feed.
        sequence: revision counter (never lower than the one published before).
        start, end: aware date-times; written in the feed's time zone.
        summary, description, location: French text shown by the clients.
        geo: latitude and longitude of the location.
        status: confirmed, or cancelled after publication.
        categories: CATEGORIES values.
    """

    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    location: str | None = None
    geo: tuple[float, float] | None = None
    status: EventStatus = EventStatus.CONFIRMED
    categories: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError(f"event {self.uid}: start and end must be aware date-times")
        if self.end <= self.start:
            raise ValueError(f"event {self.uid}: end must be after start")
        if self.sequence < 0:
            raise ValueError(f"event {self.uid}: sequence must not be negative")


# --- VTIMEZONE from the tz database ---------------------------------------------------------------

# Scan step when looking for transitions: no zone changes offset twice within six hours.
_SCAN_STEP_S = 6 * 3600
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True, slots=True)
class _ZoneState:
    """What a zone says at one instant: UTC offset, daylight saving or not, abbreviation."""

    offset: timedelta
    daylight: bool
    name: str


def _state(zone: ZoneInfo, instant: int) -> _ZoneState:
    local = datetime.fromtimestamp(instant, zone)
    offset = local.utcoffset() or timedelta(0)
    return _ZoneState(offset, bool(local.dst()), local.tzname() or _offset_name(offset))


def _offset_name(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


@dataclass(frozen=True, slots=True)
class _Transition:
    """A change of zone state; `onset` is the local time in the offset before it (RFC 5545)."""

    onset: datetime
    before: _ZoneState
    after: _ZoneState


def _transitions(zone: ZoneInfo, start: int, end: int) -> list[_Transition]:
    """Every transition of `zone` between the POSIX instants `start` and `end`, found by
    scanning in UTC (where arithmetic is exact) and bisecting to the second."""
    found: list[_Transition] = []
    current = _state(zone, start)
    instant = start
    while instant < end:
        ahead = min(instant + _SCAN_STEP_S, end)
        if _state(zone, ahead) == current:
            instant = ahead
            continue
        low, high = instant, ahead  # the state changes in (low, high]
        while high - low > 1:
            middle = (low + high) // 2
            if _state(zone, middle) == current:
                low = middle
            else:
                high = middle
        after = _state(zone, high)
        onset = datetime.fromtimestamp(high, UTC).replace(tzinfo=None) + current.offset
        found.append(_Transition(onset, current, after))
        current, instant = after, high
    return found


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The `nth` (1..5, or -1 for the last) `weekday` of a month, or None if there is none."""
    days = monthrange(year, month)[1]
    if nth == -1:
        return date(year, month, days - (date(year, month, days).weekday() - weekday) % 7)
    day = 1 + (weekday - date(year, month, 1).weekday()) % 7 + 7 * (nth - 1)
    return date(year, month, day) if day <= days else None


def _yearly_rule(onsets: list[datetime], years: range) -> dict[str, object] | None:
    """The RRULE (as icalendar takes it) giving exactly `onsets` over `years`, if one does:
    the same local time on the n-th (or last) same weekday of the same month every year."""
    first = onsets[0]
    candidates = [(first.day - 1) // 7 + 1]
    if first.day + 7 > monthrange(first.year, first.month)[1]:
        candidates.insert(0, -1)
    for nth in candidates:
        expected = [_nth_weekday(year, first.month, first.weekday(), nth) for year in years]
        if [datetime.combine(d, first.time()) if d else None for d in expected] == onsets:
            return {
                "FREQ": "YEARLY",
                "BYMONTH": first.month,
                "BYDAY": f"{nth}{_WEEKDAYS[first.weekday()]}",
            }
    return None


@lru_cache(maxsize=32)
def _vtimezone_ical(tzid: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE of `tzid` valid from 1 January `first_year` to 31 December `last_year`."""
    zone = ZoneInfo(tzid)
    years = range(first_year, last_year + 1)
    start = int(datetime(first_year, 1, 1, tzinfo=zone).timestamp())
    end = int(datetime(last_year + 1, 1, 1, tzinfo=zone).timestamp())
    # One observance per kind of transition (same offset before, same state after).
    groups: dict[tuple[timedelta, _ZoneState], list[datetime]] = {}
    for transition in _transitions(zone, start, end):
        groups.setdefault((transition.before.offset, transition.after), []).append(transition.onset)
    rules = {key: _yearly_rule(onsets, years) for key, onsets in groups.items()}

    observances: list[
        tuple[datetime, timedelta, _ZoneState, dict[str, object] | None, list[datetime]]
    ] = []
    if not groups or None in rules.values():
        # Explicit onsets do not reach back before the first one: say what holds until then.
        initial = _state(zone, start)
        onset = datetime.fromtimestamp(start, UTC).replace(tzinfo=None) + initial.offset
        observances.append((onset, initial.offset, initial, None, []))
    for (offset_from, after), onsets in groups.items():
        rule = rules[offset_from, after]
        # ical.js ignores the DTSTART of an observance that has RDATEs: list it among them too.
        observances.append((onsets[0], offset_from, after, rule, [] if rule else onsets))

    block = Timezone()
    block.add("TZID", tzid)
    for onset, offset_from, after, rule, more in sorted(observances, key=lambda o: o[0]):
        observance = TimezoneDaylight() if after.daylight else TimezoneStandard()
        observance.add("DTSTART", onset)
        if rule is not None:
            observance.add("RRULE", rule)
        for again in more:  # one per line: ical.js reads only the first value of an RDATE
            observance.add("RDATE", again)
        observance.add("TZNAME", after.name)
        observance.add("TZOFFSETFROM", offset_from)
        observance.add("TZOFFSETTO", after.offset)
        block.add_component(observance)
    body: bytes = block.to_ical()
    return body


def vtimezone(tzid: str, *, first: date, last: date) -> Timezone:
    """The VTIMEZONE block for the IANA zone `tzid`, computed from the tz database.

    It holds for the whole calendar years from the one before `first` to the one of `last`, so
    that every event between the two comes after the first onset of each observance (clients
    differ on what applies before it). Each observance repeats by a yearly RRULE when the tz
    database gives the same rule every year of that span, else lists its onsets as RDATEs.
    """
    parsed = Timezone.from_ical(_vtimezone_ical(tzid, first.year - 1, last.year))
    assert isinstance(parsed, Timezone)
    return parsed


# --- The feed --------------------------------------------------------------------------------------


def render_feed(meta: FeedMeta, events: Iterable[FeedEvent], *, stamp: datetime) -> bytes:
    """Render a feed as iCalendar bytes.

    Parameters:
        meta: the calendar's name, time zone, refresh interval and organizer.
        events: the events; their order does not matter.
        stamp: aware date-time written as every event's DTSTAMP (in UTC).

    Returns:
        The feed, CRLF-terminated, folded at 75 octets, UTF-8.

    Raises:
        ValueError: `stamp` is naive, or two events share a UID.
    """
    if stamp.tzinfo is None:
        raise ValueError("stamp must be an aware date-time")
    stamp_utc = stamp.astimezone(UTC)
    zone = ZoneInfo(meta.timezone)
    ordered = sorted(events, key=lambda e: (e.start, e.end, e.uid))
    uids = [e.uid for e in ordered]
    if len(set(uids)) != len(uids):
        raise ValueError(f"feed {meta.key}: two events share a UID")

    refresh = timedelta(hours=meta.refresh_hours)
    calendar = Calendar.new(
        prodid=PRODID,
        method="PUBLISH",
        calscale="GREGORIAN",
        name=meta.name,
        description=meta.description,
    )
    del calendar["UID"]  # Calendar.new adds one; see the module docstring
    calendar.add("REFRESH-INTERVAL", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(refresh))

    first = min((e.start for e in ordered), default=stamp_utc).date() - timedelta(days=1)
    last = max((e.end for e in ordered), default=stamp_utc).date() + timedelta(days=1)
    calendar.add_component(vtimezone(meta.timezone, first=first, last=last))

    organizer = vCalAddress(f"mailto:{meta.organizer.email}")
    organizer.params["CN"] = meta.organizer.name
    for item in ordered:
        event = Event.new(
            uid=item.uid,
            stamp=stamp_utc,
            start=item.start.astimezone(zone),
            end=item.end.astimezone(zone),
            summary=item.summary,
            description=item.description or None,
            location=item.location,
            organizer=organizer,
            sequence=item.sequence,
            status=STATUS(item.status.value),
            categories=item.categories,
        )
        if item.geo is not None:
            event.add("GEO", item.geo)
        calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body
