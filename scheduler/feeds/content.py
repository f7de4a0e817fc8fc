"""What the feeds show: the window, the published and withdrawn events, their French wording."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.config import Settings, get_settings
from scheduler.feeds.directory import Directory, load_directory
from scheduler.feeds.kinds import FEED_KINDS, FeedKindSpec, feed_key
from scheduler.french import clock_compact, weekday_date
from scheduler.ical import EventStatus, FeedEvent, FeedMeta
from scheduler.scheduled import ScheduledEvent

UID_DOMAIN = "partagenda"


def event_uid(source_uid: str, key: str) -> str:
    """The UID of an event in one feed: the assignment's (or leg's) uid scoped to the feed.

    Feed-scoped so that someone subscribed to both a cabinet feed and an assistant feed does not
    get one UID in two calendars (which some clients merge or overwrite).
    """
    return f"{source_uid}.{key}@{UID_DOMAIN}"


def feed_window(
    now: datetime, *, timezone: str, weeks_past: int, weeks_ahead: int
) -> tuple[datetime, datetime]:
    """The instants a feed covers: from Monday 00:00 `weeks_past` weeks before the week of `now`
    to the Monday 00:00 that ends the `weeks_ahead`-th week after it (local time).

    Whole weeks, so the window (and the bytes) move once a week rather than at every refresh.
    """
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday - timedelta(weeks=weeks_past), time(), zone)
    end = datetime.combine(monday + timedelta(weeks=weeks_ahead + 1), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


# --- The events ----------------------------------------------------------------------------------


def _load_events(
    session: Session, groupement_id: int, start: datetime, end: datetime, now: datetime
) -> list[ScheduledEvent]:
    published = and_(
        models.Rota.groupement_id == groupement_id,
        models.Rota.status == models.RotaStatus.PUBLISHED,
    )
    events: list[ScheduledEvent] = []
    assignments = session.scalars(
        select(models.Assignment)
        .join(models.Rota, models.Assignment.rota_id == models.Rota.id)
        .where(published, models.Assignment.end_at > start, models.Assignment.start_at < end)
    )
    events.extend(ScheduledEvent.of_assignment(a) for a in assignments)
    legs = session.scalars(
        select(models.TravelLeg)
        .join(models.Rota, models.TravelLeg.rota_id == models.Rota.id)
        .where(published, models.TravelLeg.end_at > start, models.TravelLeg.start_at < end)
    )
    events.extend(ScheduledEvent.of_leg(t) for t in legs)
    # A withdrawn event is shown until it ends: after that, removing it is what clients expect.
    cancelled = session.scalars(
        select(models.CancelledEvent).where(
            models.CancelledEvent.groupement_id == groupement_id,
            models.CancelledEvent.end_at > max(start, now),
            models.CancelledEvent.start_at < end,
            models.CancelledEvent.cabinet_id.is_not(None),
        )
    )
    events.extend(ScheduledEvent.of_cancelled(c) for c in cancelled)
    return _one_per_uid(events)


def _one_per_uid(events: Iterable[ScheduledEvent]) -> list[ScheduledEvent]:
    # Two events with one UID in a feed make Google show only the last: keep one. A published
    # event beats a cancellation of the same uid; otherwise the highest sequence wins.
    best: dict[str, ScheduledEvent] = {}
    for event in events:
        kept = best.get(event.uid)
        if kept is None or (not event.cancelled, event.sequence) > (
            not kept.cancelled,
            kept.sequence,
        ):
            best[event.uid] = event
    return sorted(best.values(), key=lambda e: (e.start, e.end, e.uid))


# --- Their wording -------------------------------------------------------------------------------


def _hours(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day = local_start.date()
    when = weekday_date(day, year=True)
    return f"{when}, {clock_compact(local_start)} – {clock_compact(local_end)}"


def _address(cabinet: models.Cabinet) -> str:
    return f"{cabinet.address}, {cabinet.postcode} {cabinet.city}"


def _place(cabinet: models.Cabinet) -> str:
    return f"{cabinet.name}, {_address(cabinet)}"


def _geo(cabinet: models.Cabinet) -> tuple[float, float]:
    return (float(cabinet.latitude), float(cabinet.longitude))


def _phrase(
    event: ScheduledEvent, spec: FeedKindSpec[Any], key: str, directory: Directory
) -> FeedEvent:
    """`event` as a feed of kind `spec` shows it, in French."""
    zone = ZoneInfo(directory.groupement.timezone)
    assistant = directory.assistants[event.assistant_id]
    cabinet = directory.cabinets[event.cabinet_id]
    lines: list[str] = []
    if event.cancelled:
        lines.append("Annulé après publication du planning.")
    if event.origin_id is not None:
        origin = directory.cabinets[event.origin_id]
        lines += [
            "Trajet entre deux cabinets (temps de travail effectif).",
            f"Départ : {_place(origin)}",
            f"Arrivée : {_place(cabinet)}",
            f"Horaires : {_hours(event.start, event.end, zone)}",
        ]
        categories: tuple[str, ...] = ("Trajet",)
    else:
        lines += [
            f"Assistante médicale : {assistant.full_name}",
            f"Cabinet : {cabinet.name}",
            f"Adresse : {_address(cabinet)}",
            f"Horaires : {_hours(event.start, event.end, zone)}",
        ]
        if event.contract_id is not None and event.contract_id in directory.contracts:
            lines.append(f"Contrat : {directory.contracts[event.contract_id].name}")
        categories = ("Assistante médicale",)
    summary = spec.summary(event, directory)
    if event.cancelled:
        summary = f"Annulé – {summary}"
    return FeedEvent(
        uid=event_uid(event.uid, key),
        sequence=event.sequence,
        start=event.start,
        end=event.end,
        summary=summary,
        description="\n".join(lines),
        location=_place(cabinet),
        geo=_geo(cabinet),
        status=EventStatus.CANCELLED if event.cancelled else EventStatus.CONFIRMED,
        categories=categories,
    )


# --- The feeds -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedContent:
    """One feed, ready to render: its key, its kind, what it says of itself and its events."""

    key: str
    kind: str
    meta: FeedMeta
    events: tuple[FeedEvent, ...]


def feed_contents(
    session: Session, groupement_id: int, *, now: datetime, settings: Settings | None = None
) -> list[FeedContent]:
    """Every feed of the groupement (one per target of each kind) as of `now`.

    Raises:
        NotFound: no such groupement.
    """
    settings = settings or get_settings()
    directory = load_directory(session, groupement_id)
    groupement = directory.groupement
    start, end = feed_window(
        now,
        timezone=groupement.timezone,
        weeks_past=settings.feed_weeks_past,
        weeks_ahead=settings.feed_weeks_ahead,
    )
    events = _load_events(session, groupement_id, start, end, now)
    feeds: list[FeedContent] = []
    for spec in FEED_KINDS.values():
        for target in spec.targets(directory):
            key = feed_key(spec.kind, target.id)
            meta = FeedMeta(
                key=key,
                name=spec.name(target),
                timezone=groupement.timezone,
                refresh_hours=settings.feed_refresh_hours,
                organizer=directory.organizer,
                description=spec.description(target),
            )
            shown = (
                _phrase(event, spec, key, directory)
                for event in events
                if spec.shows(event, target)
            )
            feeds.append(FeedContent(key, spec.kind, meta, tuple(shown)))
    return feeds
