"""The kinds of calendar feed, one registry entry each.

A `FeedKindSpec` says everything that differs between kinds: which row a feed is about and how
its groupement is found, which feeds of the kind a groupement has, what they are called, which
events they show and how an event is phrased, which `FeedToken` column names the target, and
the file name of the demo export. Everything else (the window, the event's description, the
rendering, the tokens, the serving) is the same for every kind and reads this registry.

A feed's key is `<kind>-<target id>`. It is formed in Python when feeds are rendered and in SQL
when a token is matched to its rendered feed; both come from `_compose` and the registry's
token columns, so the two cannot disagree.

A new kind of feed about an existing entity is a `FeedKind` value and one entry here, plus, if
no `FeedToken` column names that entity yet, the column and its migration (the token's CHECK
constraint lists the kinds: a kind missing there is refused loudly, never matched silently).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, String, case, cast, literal_column
from sqlalchemy.orm import InstrumentedAttribute

from scheduler import models
from scheduler.feeds.directory import Directory
from scheduler.scheduled import ScheduledEvent

T = TypeVar("T", bound=models.Base)  # the row a feed is about


@dataclass(frozen=True, slots=True)
class FeedKindSpec(Generic[T]):
    """One kind of feed.

    Attributes:
        kind: its `FeedKind` (the first half of its feeds' keys).
        target: the model of the row a feed of this kind is about.
        label: that row's name in a `NotFound` (French).
        groupement_of: the groupement the target belongs to.
        token_column: the `FeedToken` column that holds the target's id.
        targets: the feeds of this kind a groupement has, by target, in order.
        name, description: what a feed says of itself (French).
        shows: whether the feed about a target shows an event.
        summary: an event's SUMMARY in this kind of feed (French; « Annulé – » is added after).
        export_name: the file name (without `.ics`) of the feed in the demo export.
    """

    kind: models.FeedKind
    target: type[T]
    label: str
    groupement_of: Callable[[T], int]
    token_column: InstrumentedAttribute[int] | InstrumentedAttribute[int | None]
    targets: Callable[[Directory], Iterable[T]]
    name: Callable[[T], str]
    description: Callable[[T], str]
    shows: Callable[[ScheduledEvent, T], bool]
    summary: Callable[[ScheduledEvent, Directory], str]
    export_name: Callable[[T], str]


def _first_name(event: ScheduledEvent, directory: Directory) -> str:
    return directory.assistants[event.assistant_id].first_name


GROUPEMENT: FeedKindSpec[models.Groupement] = FeedKindSpec(
    kind=models.FeedKind.GROUPEMENT,
    target=models.Groupement,
    label="groupement",
    groupement_of=lambda groupement: groupement.id,
    token_column=models.FeedToken.groupement_id,
    targets=lambda directory: (directory.groupement,),
    name=lambda groupement: f"{groupement.name} – planning des assistantes médicales",
    description=lambda _: "Toutes les vacations et tous les trajets publiés du groupement.",
    shows=lambda _event, _groupement: True,
    summary=lambda event, directory: (
        f"{_first_name(event, directory)} – "
        + (directory.trip(event) if event.is_trip else directory.cabinets[event.cabinet_id].name)
    ),
    export_name=lambda groupement: f"groupement-{groupement.slug}",
)

CABINET: FeedKindSpec[models.Cabinet] = FeedKindSpec(
    kind=models.FeedKind.CABINET,
    target=models.Cabinet,
    label="cabinet",
    groupement_of=lambda cabinet: cabinet.groupement_id,
    token_column=models.FeedToken.cabinet_id,
    targets=lambda directory: sorted(directory.cabinets.values(), key=lambda c: c.id),
    name=lambda cabinet: f"{cabinet.name} – assistante médicale",
    description=lambda cabinet: f"Présence de l'assistante médicale – {cabinet.name}.",
    shows=lambda event, cabinet: event.cabinet_id == cabinet.id and not event.is_trip,
    summary=lambda event, directory: (
        directory.trip(event)
        if event.is_trip
        else f"{_first_name(event, directory)} – assistante médicale"
    ),
    export_name=lambda cabinet: f"cabinet-{cabinet.code}",
)

ASSISTANT: FeedKindSpec[models.Assistant] = FeedKindSpec(
    kind=models.FeedKind.ASSISTANT,
    target=models.Assistant,
    label="assistante",
    groupement_of=lambda assistant: assistant.groupement_id,
    token_column=models.FeedToken.assistant_id,
    targets=lambda directory: sorted(directory.assistants.values(), key=lambda a: a.id),
    name=lambda assistant: f"Planning de {assistant.full_name}",
    description=lambda assistant: f"Vacations et trajets de {assistant.full_name}.",
    shows=lambda event, assistant: event.assistant_id == assistant.id,
    summary=lambda event, directory: (
        directory.trip(event) if event.is_trip else directory.cabinets[event.cabinet_id].name
    ),
    export_name=lambda assistant: f"assistante-{assistant.code}",
)

# Every kind, in the order a groupement's feeds are rendered.
FEED_KINDS: dict[models.FeedKind, FeedKindSpec[Any]] = {
    spec.kind: spec for spec in (GROUPEMENT, CABINET, ASSISTANT)
}


def feed_kind(kind: models.FeedKind) -> FeedKindSpec[Any]:
    """The registry entry of `kind`."""
    return FEED_KINDS[kind]


# --- Keys ----------------------------------------------------------------------------------------

_K = TypeVar("_K", str, ColumnElement[str])


def _compose(kind: _K, target: _K) -> _K:
    # The one definition of a key, applied to Python strings and to SQL expressions alike.
    return kind + "-" + target


def feed_key(kind: models.FeedKind, target_id: int) -> str:
    """The stable key of a feed: `cabinet-<id>`, `assistant-<id>` or `groupement-<id>`."""
    return _compose(kind.value, str(target_id))


def token_target(token: models.FeedToken) -> int:
    """The id of the row the feed of `token` is about."""
    target = getattr(token, feed_kind(token.kind).token_column.key)
    if target is None:
        raise ValueError(f"feed token {token.id} names no {token.kind.value}")
    return int(target)


def token_feed_key() -> ColumnElement[str]:
    """`feed_key` of a `FeedToken` row, as an SQL expression (to join it to its rendered feed)."""
    kind = cast(models.FeedToken.kind, String)
    # Literal values, not bound parameters: the statement is also run precompiled (`serving`).
    target = case(
        *(
            (kind == literal_column(f"'{spec.kind.value}'"), spec.token_column)
            for spec in FEED_KINDS.values()
        )
    )
    return _compose(kind, cast(target, String))
