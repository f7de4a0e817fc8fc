"""Calendar feeds: which events each feed shows, rendering at publication, capability tokens.

Three kinds of feed per groupement, each with a stable key:

* `cabinet-<id>`: when an assistant is on site (« Julie – assistante médicale »);
* `assistant-<id>`: where and when she works, with the cabinet's address, and each trip between
  two cabinets as its own event (« Trajet Cabinet des Tilleuls → Cabinet du Parc »);
* `groupement-<id>`: everything.

Events come from PUBLISHED rotas only, over a window of whole weeks around `now`
(`feed_weeks_past` before the current week, `feed_weeks_ahead` after it). An event withdrawn after
publication (a `CancelledEvent`, whose `sequence` is already the bumped one) stays as
STATUS:CANCELLED until it ends, then drops out. `refresh_feeds` renders every feed of a groupement
and stores the bytes with their validators: the HTTP route only serves them.

Feed URLs are capabilities: a 256-bit token per (feed, subscriber), of which only the SHA-256 is
stored; revoking or rotating makes the old URL answer 404 at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypedDict
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, String, and_, bindparam, cast, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from scheduler import access, models
from scheduler.config import Settings, get_settings
from scheduler.errors import InvalidField, NotFound
from scheduler.french import clock_compact, weekday_date
from scheduler.ical import EventStatus, FeedEvent, FeedMeta, Organizer, render_feed
from scheduler.security import new_token, token_digest

UID_DOMAIN = "partagenda"
FALLBACK_ORGANIZER_EMAIL = "coordination@partagenda.invalid"

# --- Keys, windows, links ------------------------------------------------------------------------


def feed_key(kind: models.FeedKind, target_id: int) -> str:
    """The stable key of a feed: `cabinet-<id>`, `assistant-<id>` or `groupement-<id>`."""
    return f"{kind.value}-{target_id}"


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


class SubscribeLinks(TypedDict):
    """The ways to subscribe to one feed."""

    ics: str
    webcal: str
    google: str
    outlook: str


def feed_url(base_url: str, token: str) -> str:
    """The https (or http) URL of the feed behind `token`."""
    return f"{base_url.rstrip('/')}/feeds/{token}.ics"


def subscribe_links(
    base_url: str, token: str, *, name: str = "Planning Partagenda"
) -> SubscribeLinks:
    """Subscribe links for `token`: the plain URL, webcal://, Google Calendar and Outlook.com.

    `base_url` is where the feed router is mounted (with any path prefix). Google needs the
    `webcal://` form in `cid` (an https one is refused); Outlook.com takes the https URL.
    """
    ics = feed_url(base_url, token)
    scheme, rest = ics.split("://", 1)
    webcal = f"webcal://{rest}" if scheme in {"http", "https"} else ics
    return SubscribeLinks(
        ics=ics,
        webcal=webcal,
        google=f"https://calendar.google.com/calendar/r?cid={quote(webcal, safe='')}",
        outlook=(
            "https://outlook.live.com/calendar/0/addfromweb"
            f"?url={quote(ics, safe='')}&name={quote(name, safe='')}"
        ),
    )


def strong_etag(body: bytes) -> str:
    """The strong ETag of feed bytes: the quoted SHA-256 hex digest."""
    return f'"{hashlib.sha256(body).hexdigest()}"'


# --- What the feeds show -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Item:
    """A published (or withdrawn) assignment or trip, before it is phrased for a feed."""

    uid: str
    sequence: int
    assistant_id: int
    cabinet_id: int  # the cabinet of an assignment, the destination of a trip
    origin_id: int | None  # set for trips only
    contract_id: int | None
    start: datetime
    end: datetime
    cancelled: bool

    @property
    def is_trip(self) -> bool:
        return self.origin_id is not None


@dataclass(frozen=True, slots=True)
class _Directory:
    """The names and places the events are phrased with."""

    groupement: models.Groupement
    cabinets: dict[int, models.Cabinet]
    assistants: dict[int, models.Assistant]
    contracts: dict[int, str]
    organizer: Organizer


def _load_items(
    session: Session, groupement_id: int, start: datetime, end: datetime, now: datetime
) -> list[_Item]:
    published = and_(
        models.Rota.groupement_id == groupement_id,
        models.Rota.status == models.RotaStatus.PUBLISHED,
    )
    items: list[_Item] = []
    assignments = session.scalars(
        select(models.Assignment)
        .join(models.Rota, models.Assignment.rota_id == models.Rota.id)
        .where(published, models.Assignment.end_at > start, models.Assignment.start_at < end)
    )
    items.extend(
        _Item(
            uid=a.uid,
            sequence=a.sequence,
            assistant_id=a.assistant_id,
            cabinet_id=a.cabinet_id,
            origin_id=None,
            contract_id=a.contract_id,
            start=a.start_at,
            end=a.end_at,
            cancelled=False,
        )
        for a in assignments
    )
    legs = session.scalars(
        select(models.TravelLeg)
        .join(models.Rota, models.TravelLeg.rota_id == models.Rota.id)
        .where(published, models.TravelLeg.end_at > start, models.TravelLeg.start_at < end)
    )
    items.extend(
        _Item(
            uid=t.uid,
            sequence=t.sequence,
            assistant_id=t.assistant_id,
            cabinet_id=t.destination_id,
            origin_id=t.origin_id,
            contract_id=None,
            start=t.start_at,
            end=t.end_at,
            cancelled=False,
        )
        for t in legs
    )
    # A withdrawn event is shown until it ends: after that, removing it is what clients expect.
    cancelled = session.scalars(
        select(models.CancelledEvent).where(
            models.CancelledEvent.groupement_id == groupement_id,
            models.CancelledEvent.end_at > max(start, now),
            models.CancelledEvent.start_at < end,
            models.CancelledEvent.cabinet_id.is_not(None),
        )
    )
    items.extend(
        _Item(
            uid=c.uid,
            sequence=c.sequence,
            assistant_id=c.assistant_id,
            cabinet_id=c.cabinet_id,
            origin_id=c.origin_id,
            contract_id=None,
            start=c.start_at,
            end=c.end_at,
            cancelled=True,
        )
        for c in cancelled
        if c.cabinet_id is not None
    )
    return _one_per_uid(items)


def _one_per_uid(items: Iterable[_Item]) -> list[_Item]:
    # Two events with one UID in a feed make Google show only the last: keep one. A published
    # event beats a cancellation of the same uid; otherwise the highest sequence wins.
    best: dict[str, _Item] = {}
    for item in items:
        kept = best.get(item.uid)
        if kept is None or (not item.cancelled, item.sequence) > (
            not kept.cancelled,
            kept.sequence,
        ):
            best[item.uid] = item
    return sorted(best.values(), key=lambda i: (i.start, i.end, i.uid))


def _load_directory(session: Session, groupement_id: int) -> _Directory:
    groupement = session.get(models.Groupement, groupement_id)
    if groupement is None:
        raise NotFound("groupement", groupement_id)
    cabinets = {
        c.id: c
        for c in session.scalars(
            select(models.Cabinet).where(models.Cabinet.groupement_id == groupement_id)
        )
    }
    assistants = {
        a.id: a
        for a in session.scalars(
            select(models.Assistant).where(models.Assistant.groupement_id == groupement_id)
        )
    }
    contracts = {
        row.id: row.name
        for row in session.execute(
            select(models.PooledContract.id, models.PooledContract.name).where(
                models.PooledContract.groupement_id == groupement_id
            )
        )
    }
    coordinator_email = session.scalar(
        select(models.User.email)
        .where(
            models.User.groupement_id == groupement_id,
            access.answers_for_groupement(),
            models.User.is_active.is_(True),
        )
        .order_by(models.User.id)
        .limit(1)
    )
    organizer = Organizer(
        email=coordinator_email or FALLBACK_ORGANIZER_EMAIL,
        name=f"Coordination – {groupement.name}",
    )
    return _Directory(groupement, cabinets, assistants, contracts, organizer)


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


def _phrase(item: _Item, kind: models.FeedKind, key: str, directory: _Directory) -> FeedEvent:
    """The event `item` as the feed of `kind` shows it, in French."""
    zone = ZoneInfo(directory.groupement.timezone)
    assistant = directory.assistants[item.assistant_id]
    cabinet = directory.cabinets[item.cabinet_id]
    lines: list[str] = []
    if item.cancelled:
        lines.append("Annulé après publication du planning.")
    if item.origin_id is not None:
        origin = directory.cabinets[item.origin_id]
        summary = f"Trajet {origin.name} → {cabinet.name}"
        if kind is models.FeedKind.GROUPEMENT:
            summary = f"{assistant.first_name} – {summary}"
        lines += [
            "Trajet entre deux cabinets (temps de travail effectif).",
            f"Départ : {_place(origin)}",
            f"Arrivée : {_place(cabinet)}",
            f"Horaires : {_hours(item.start, item.end, zone)}",
        ]
        categories: tuple[str, ...] = ("Trajet",)
    else:
        if kind is models.FeedKind.CABINET:
            summary = f"{assistant.first_name} – assistante médicale"
        elif kind is models.FeedKind.ASSISTANT:
            summary = cabinet.name
        else:
            summary = f"{assistant.first_name} – {cabinet.name}"
        lines += [
            f"Assistante médicale : {assistant.full_name}",
            f"Cabinet : {cabinet.name}",
            f"Adresse : {_address(cabinet)}",
            f"Horaires : {_hours(item.start, item.end, zone)}",
        ]
        if item.contract_id is not None and item.contract_id in directory.contracts:
            lines.append(f"Contrat : {directory.contracts[item.contract_id]}")
        categories = ("Assistante médicale",)
    if item.cancelled:
        summary = f"Annulé – {summary}"
    return FeedEvent(
        uid=event_uid(item.uid, key),
        sequence=item.sequence,
        start=item.start,
        end=item.end,
        summary=summary,
        description="\n".join(lines),
        location=_place(cabinet),
        geo=_geo(cabinet),
        status=EventStatus.CANCELLED if item.cancelled else EventStatus.CONFIRMED,
        categories=categories,
    )


@dataclass(frozen=True, slots=True)
class FeedContent:
    """One feed, ready to render: its key, its kind, what it says of itself and its events."""

    key: str
    kind: models.FeedKind
    meta: FeedMeta
    events: tuple[FeedEvent, ...]


def feed_contents(
    session: Session, groupement_id: int, *, now: datetime, settings: Settings | None = None
) -> list[FeedContent]:
    """Every feed of the groupement (itself, each cabinet, each assistant) as of `now`.

    Raises:
        NotFound: no such groupement.
    """
    settings = settings or get_settings()
    directory = _load_directory(session, groupement_id)
    groupement = directory.groupement
    start, end = feed_window(
        now,
        timezone=groupement.timezone,
        weeks_past=settings.feed_weeks_past,
        weeks_ahead=settings.feed_weeks_ahead,
    )
    items = _load_items(session, groupement_id, start, end, now)

    def meta(key: str, name: str, description: str) -> FeedMeta:
        return FeedMeta(
            key=key,
            name=name,
            timezone=groupement.timezone,
            refresh_hours=settings.feed_refresh_hours,
            organizer=directory.organizer,
            description=description,
        )

    def content(
        kind: models.FeedKind, target_id: int, name: str, description: str, chosen: Iterable[_Item]
    ) -> FeedContent:
        key = feed_key(kind, target_id)
        events = tuple(_phrase(item, kind, key, directory) for item in chosen)
        return FeedContent(key, kind, meta(key, name, description), events)

    feeds = [
        content(
            models.FeedKind.GROUPEMENT,
            groupement.id,
            f"{groupement.name} – planning des assistantes médicales",
            "Toutes les vacations et tous les trajets publiés du groupement.",
            items,
        )
    ]
    feeds.extend(
        content(
            models.FeedKind.CABINET,
            cabinet.id,
            f"{cabinet.name} – assistante médicale",
            f"Présence de l'assistante médicale – {cabinet.name}.",
            [i for i in items if i.cabinet_id == cabinet.id and not i.is_trip],
        )
        for cabinet in sorted(directory.cabinets.values(), key=lambda c: c.id)
    )
    feeds.extend(
        content(
            models.FeedKind.ASSISTANT,
            assistant.id,
            f"Planning de {assistant.full_name}",
            f"Vacations et trajets de {assistant.full_name}.",
            [i for i in items if i.assistant_id == assistant.id],
        )
        for assistant in sorted(directory.assistants.values(), key=lambda a: a.id)
    )
    return feeds


# --- Rendering at publication --------------------------------------------------------------------


def _next_stamp(previous: datetime | None, now: datetime) -> datetime:
    # Whole seconds (HTTP dates have no more), and strictly after the previous version even if the
    # caller's clock is behind: Last-Modified must never go backwards.
    stamp = now.astimezone(UTC).replace(microsecond=0)
    if previous is not None and stamp <= previous:
        stamp = previous.replace(microsecond=0) + timedelta(seconds=1)
    return stamp


def _dtstamp_line(stamp: datetime) -> bytes:
    return f"\r\nDTSTAMP:{stamp.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n".encode()


def _same_but_stamp(old: bytes, old_stamp: datetime, new: bytes, new_stamp: datetime) -> bool:
    # DTSTAMP is the only thing that differs between two renderings of the same content (it is
    # the time of the last change), and a CRLF-framed DTSTAMP line can only be that property:
    # text values escape their line breaks. One rendering instead of two per feed.
    return bytes(old).replace(_dtstamp_line(old_stamp), _dtstamp_line(new_stamp)) == new


def refresh_feeds(
    session: Session, groupement_id: int, *, now: datetime, settings: Settings | None = None
) -> list[str]:
    """Render every feed of the groupement and store the bytes that changed; return their keys.

    Called after each publication, in its transaction (stages, never commits). A feed whose bytes
    would be the same keeps its body, ETag and Last-Modified: DTSTAMP is the time of the last
    change, so the new rendering is compared with the stored one up to that stamp.

    Raises:
        NotFound: no such groupement.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware date-time")
    stored = {
        row.feed_key: row
        for row in session.scalars(
            select(models.RenderedFeed).where(models.RenderedFeed.groupement_id == groupement_id)
        )
    }
    changed: list[str] = []
    contents = feed_contents(session, groupement_id, now=now, settings=settings)
    for feed in contents:
        row = stored.get(feed.key)
        previous = row.last_modified_at if row is not None else None
        stamp = _next_stamp(previous, now)
        body = render_feed(feed.meta, feed.events, stamp=stamp)
        if (
            row is not None
            and previous is not None
            and _same_but_stamp(row.body, previous, body, stamp)
        ):
            continue
        if row is None:
            row = models.RenderedFeed(groupement_id=groupement_id, feed_key=feed.key)
            session.add(row)
        row.body = body
        row.etag = strong_etag(body)
        row.last_modified_at = stamp
        changed.append(feed.key)
    # A feed whose cabinet or assistant left the groupement is gone: its URLs then answer 404.
    live = {feed.key for feed in contents}
    for key, row in stored.items():
        if key not in live:
            session.delete(row)
    session.flush()
    return changed


# --- Capability tokens ---------------------------------------------------------------------------


def _target_groupement(session: Session, kind: models.FeedKind, target: int) -> int:
    if kind is models.FeedKind.CABINET:
        cabinet = session.get(models.Cabinet, target)
        if cabinet is None:
            raise NotFound("cabinet", target)
        return cabinet.groupement_id
    if kind is models.FeedKind.ASSISTANT:
        assistant = session.get(models.Assistant, target)
        if assistant is None:
            raise NotFound("assistante", target)
        return assistant.groupement_id
    groupement = session.get(models.Groupement, target)
    if groupement is None:
        raise NotFound("groupement", target)
    return groupement.id


def create_feed_token(session: Session, kind: models.FeedKind, target: int, subscriber: str) -> str:
    """Issue a token for the feed of `kind` about `target` (a cabinet, assistant or groupement id)
    for one `subscriber`; the token is returned once, only its digest is stored.

    Raises:
        NotFound: no such cabinet, assistant or groupement.
        InvalidField: the subscriber label is empty or too long.
    """
    label = subscriber.strip()
    if not label or len(label) > 200:
        raise InvalidField("subscriber", "length", "entre 1 et 200 caractères")
    groupement_id = _target_groupement(session, kind, target)
    token = new_token()
    session.add(
        models.FeedToken(
            groupement_id=groupement_id,
            kind=kind,
            cabinet_id=target if kind is models.FeedKind.CABINET else None,
            assistant_id=target if kind is models.FeedKind.ASSISTANT else None,
            subscriber=label,
            token_hash=token_digest(token),
        )
    )
    session.flush()
    return token


def _live_token(session: Session, token_id: int, groupement_id: int | None) -> models.FeedToken:
    row = session.get(models.FeedToken, token_id)
    if (
        row is None
        or row.revoked_at is not None
        or (groupement_id is not None and row.groupement_id != groupement_id)
    ):
        raise NotFound("jeton d'abonnement", token_id)
    return row


def revoke_feed_token(
    session: Session, token_id: int, *, now: datetime, groupement_id: int | None = None
) -> None:
    """Revoke a token: its URL answers 404 from the commit on.

    `groupement_id` restricts the lookup to one tenant.

    Raises:
        NotFound: no live token with this id (in this groupement).
    """
    row = _live_token(session, token_id, groupement_id)
    row.revoked_at = now
    session.flush()


def rotate_feed_token(
    session: Session, token_id: int, *, now: datetime, groupement_id: int | None = None
) -> str:
    """Revoke a token and issue a new one for the same feed and subscriber; return the new one.

    Raises:
        NotFound: no live token with this id (in this groupement).
    """
    row = _live_token(session, token_id, groupement_id)
    row.revoked_at = now
    target = row.cabinet_id or row.assistant_id or row.groupement_id
    session.flush()
    return create_feed_token(session, row.kind, target, row.subscriber)


def _token_feed_key() -> ColumnElement[str]:
    target = func.coalesce(
        models.FeedToken.cabinet_id, models.FeedToken.assistant_id, models.FeedToken.groupement_id
    )
    return cast(models.FeedToken.kind, String) + "-" + cast(target, String)


def feed_for_token(session: Session, token: str) -> models.RenderedFeed | None:
    """The rendered feed a live token opens, or None (unknown, revoked, not rendered yet).

    One indexed query on the token's digest: comparing digests rather than tokens keeps the
    lookup's timing independent of how much of a guessed token is right.
    """
    key = _token_feed_key()
    return session.scalar(
        select(models.RenderedFeed)
        .join(
            models.FeedToken,
            and_(
                models.RenderedFeed.feed_key == key,
                models.RenderedFeed.groupement_id == models.FeedToken.groupement_id,
            ),
        )
        .where(
            models.FeedToken.token_hash == token_digest(token),
            models.FeedToken.revoked_at.is_(None),
        )
    )


def feed_tokens(session: Session, groupement_id: int) -> Sequence[models.FeedToken]:
    """The live tokens of a groupement (for the coordinator's list; digests only)."""
    return session.scalars(
        select(models.FeedToken)
        .where(
            models.FeedToken.groupement_id == groupement_id,
            models.FeedToken.revoked_at.is_(None),
        )
        .order_by(models.FeedToken.id)
    ).all()


# --- Serving -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedSnapshot:
    """What the feed route serves: the bytes and their validators."""

    etag: str
    last_modified_at: datetime
    body: bytes


# Which feed a live token opens, and its ETag: the one query every feed request runs.
_LIVE_FEED = (
    select(models.RenderedFeed.id, models.RenderedFeed.etag)
    .join(
        models.FeedToken,
        and_(
            models.RenderedFeed.feed_key == _token_feed_key(),
            models.RenderedFeed.groupement_id == models.FeedToken.groupement_id,
        ),
    )
    .where(
        models.FeedToken.token_hash == bindparam("digest"),
        models.FeedToken.revoked_at.is_(None),
    )
)
_FEED_BODY = select(
    models.RenderedFeed.etag, models.RenderedFeed.last_modified_at, models.RenderedFeed.body
).where(models.RenderedFeed.id == bindparam("feed_id"))
_COMPILED: dict[tuple[str, str], SQLCompiler] = {}  # by dialect and driver (paramstyle)


def _live_feed(db: Connection, digest: str) -> tuple[int, str] | None:
    """The id and ETag of the rendered feed a live token digest opens, or None.

    Run on the driver's cursor with the statement compiled once per dialect: SQLAlchemy's
    execution path (cache key, events, BEGIN, result processing) costs several times the indexed
    query itself, and this runs on every feed request. Both columns need no type processing.
    """
    dialect = db.dialect
    compiled = _COMPILED.get((dialect.name, dialect.driver))
    if compiled is None:
        built = _LIVE_FEED.compile(dialect=dialect)
        assert isinstance(built, SQLCompiler)
        compiled = _COMPILED[dialect.name, dialect.driver] = built
    values = compiled.construct_params({"digest": digest})
    assert values is not None
    params: Any = (
        tuple(values[name] for name in compiled.positiontup or ()) if dialect.positional else values
    )
    cursor = db.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        row = cursor.fetchone()
    finally:
        cursor.close()
    return None if row is None else (int(row[0]), str(row[1]))


class FeedCache:
    """Feed bytes kept in memory, keyed by token digest, checked against the database each time.

    Every lookup runs one small indexed query (is the token still live, which feed, which ETag?)
    and reads the feed again only when it or its ETag changed. So a revocation, from any process,
    is seen by the very next request, and a new publication too. Bounded in size: the oldest
    entries are dropped first.
    """

    def __init__(self, *, max_entries: int = 1024) -> None:
        self._entries: dict[str, tuple[int, FeedSnapshot]] = {}
        self._max_entries = max_entries

    def lookup(
        self, connection: Callable[[], AbstractContextManager[Connection]], token: str
    ) -> FeedSnapshot | None:
        """The live feed behind `token`, or None; `connection` opens a database connection."""
        digest = token_digest(token)
        with connection() as db:
            live = _live_feed(db, digest)
            if live is None:
                self._entries.pop(digest, None)
                return None
            feed_id, etag = live
            cached = self._entries.get(digest)
            if cached is not None and cached[0] == feed_id and cached[1].etag == etag:
                return cached[1]
            row = db.execute(_FEED_BODY, {"feed_id": feed_id}).first()
            if row is None:
                return None
            snapshot = FeedSnapshot(row.etag, row.last_modified_at, bytes(row.body))
        if cached is None and len(self._entries) >= self._max_entries:
            self._entries.pop(next(iter(self._entries)))
        self._entries[digest] = (feed_id, snapshot)
        return snapshot
