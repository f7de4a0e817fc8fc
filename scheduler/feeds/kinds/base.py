"""What a kind of calendar feed is: one entry of the registry (`scheduler.feeds.kinds`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from scheduler import models
from scheduler.feeds.directory import Directory
from scheduler.scheduled import ScheduledEvent

T = TypeVar("T", bound=models.Base)  # the row a feed is about


@dataclass(frozen=True, slots=True)
class FeedKindSpec(Generic[T]):
    """One kind of feed, and the integrity of its tokens.

    A token names its feed by `kind` and `target_id` (`models.FeedToken`), with no foreign key
    per kind: the rules a foreign key kept are the entry's. A token is issued only for a `target`
    row that exists, in the groupement `groupement_of` gives (`tokens.create_feed_token`), and
    deleting a `target` row deletes its tokens (`models.FeedToken`'s listener), as a cascading
    foreign key would.

    Attributes:
        kind: its name, the first half of its feeds' keys and the `kind` of its tokens.
        target: the model of the row a feed of this kind is about.
        label: that row's name in a `NotFound` (French).
        groupement_of: the groupement the target belongs to.
        targets: the feeds of this kind a groupement has, by target, in order.
        name, description: what a feed says of itself (French).
        shows: whether the feed about a target shows an event.
        summary: an event's SUMMARY in this kind of feed (French; « Annulé – » is added after).
        export_name: the file name (without `.ics`) of the feed in the demo export.
    """

    kind: str
    target: type[T]
    label: str
    groupement_of: Callable[[T], int]
    targets: Callable[[Directory], Iterable[T]]
    name: Callable[[T], str]
    description: Callable[[T], str]
    shows: Callable[[ScheduledEvent, T], bool]
    summary: Callable[[ScheduledEvent, Directory], str]
    export_name: Callable[[T], str]


def first_name(event: ScheduledEvent, directory: Directory) -> str:
    """The first name of the event's assistant."""
    return directory.assistants[event.assistant_id].first_name
