"""Render a calendar subscription feed (RFC 5545 + RFC 7986) from plain event data.

Pure: no database, no clock. The same `FeedMeta`, events and `stamp` always give the same bytes,
so a feed's ETag changes only when what it shows changes. Decisions (see research §1):

* `METHOD:PUBLISH` with exactly one `ORGANIZER` per event (RFC 5546 §3.2.1), no `ATTENDEE`;
* `NAME` and `X-WR-CALNAME`; `REFRESH-INTERVAL;VALUE=DURATION` and `X-PUBLISHED-TTL` (Outlook);
* a static, RRULE-based `VTIMEZONE` for Europe/Paris (icalendar's generated one lists dozens of
  RDATEs, puts a COMMENT where libical rejects it and writes the spring onset an hour late);
* `DTSTAMP` is the caller's `stamp` (the time this version of the feed was generated);
* events sorted by start, end and UID, so the order of the input does not matter.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration
from icalendar.enums import STATUS

PRODID = "-//Partagenda//Planning des assistants médicaux//FR"

_STATIC_TIMEZONES: dict[str, str] = {
    # The EU rule since 1996: summer time from the last Sunday of March 01:00 UTC to the last
    # Sunday of October 01:00 UTC. Onsets are local times in the offset before the transition.
    "Europe/Paris": "\r\n".join(
        [
            "BEGIN:VTIMEZONE",
            "TZID:Europe/Paris",
            "BEGIN:DAYLIGHT",
            "DTSTART:19700329T020000",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0200",
            "TZNAME:CEST",
            "END:DAYLIGHT",
            "BEGIN:STANDARD",
            "DTSTART:19701025T030000",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "TZOFFSETFROM:+0200",
            "TZOFFSETTO:+0100",
            "TZNAME:CET",
            "END:STANDARD",
            "END:VTIMEZONE",
            "",
        ]
    ),
}


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
        key: the feed's stable key (e.g. `cabinet-12`); the calendar UID is derived from it.
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


def calendar_uid(feed_key: str) -> str:
    """The calendar-level UID of the feed with `feed_key`."""
    return f"feed-{feed_key}@partagenda"


def vtimezone(tzid: str, *, first: date, last: date) -> Timezone:
    """The VTIMEZONE block for `tzid`: the static one when we ship it, else icalendar's.

    `first` and `last` bound the transitions listed by the generated fallback.
    """
    static = _STATIC_TIMEZONES.get(tzid)
    if static is not None:
        parsed = Timezone.from_ical(static)
        assert isinstance(parsed, Timezone)
        return parsed
    generated = Timezone.from_tzid(tzid, first_date=first, last_date=last)
    # libical rejects COMMENT at VTIMEZONE level (RFC 5545 allows it only in STANDARD/DAYLIGHT).
    generated.pop("COMMENT", None)
    return generated


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
        uid=calendar_uid(meta.key),
    )
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
