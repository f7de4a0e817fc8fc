"""The kinds of calendar feed: each kind is one module here and one entry in `FEED_KINDS`.

A `FeedKindSpec` says everything that differs between kinds: which row a feed is about and how
its groupement is found, which feeds of the kind a groupement has, what they are called, which
events they show and how an event is phrased, and the file name of the demo export. Everything
else (the window, the event's description, the rendering, the tokens, the serving) is the same
for every kind and reads this registry.

A token names its feed by its kind and its target's id (`FeedToken.kind`, `FeedToken.target_id`):
no column, constraint or migration per kind. The kind is checked against this registry in Python
(`feed_kind`), and what a foreign key kept (the target exists, in the token's groupement; a
deleted target takes its tokens along) is kept by each entry (`FeedKindSpec`).

A feed's key is `<kind>-<target id>`. It is formed in Python when feeds are rendered and in SQL
when a token is matched to its rendered feed; both come from `_compose`, so the two cannot
disagree.

A new kind of feed about an existing entity is a module defining its `KIND` (a `FeedKindSpec`)
and one line below.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, String, cast

from scheduler import models
from scheduler.errors import InvalidField
from scheduler.feeds.kinds import assistant, cabinet, groupement
from scheduler.feeds.kinds.base import FeedKindSpec

FEED_KINDS: dict[str, FeedKindSpec[Any]] = {
    spec.kind: spec
    for spec in (
        groupement.KIND,
        cabinet.KIND,
        assistant.KIND,
    )
}
"""Every kind by name, in the order a groupement's feeds are rendered."""


def offered_kinds() -> list[str]:
    """The kinds in the order they are offered and named to people: the core's own kinds
    (`models.FeedKind`) in their order, then any other as registered.

    Read at each call, so a kind registered later is offered too."""
    core = [kind.value for kind in models.FeedKind if kind.value in FEED_KINDS]
    return core + [kind for kind in FEED_KINDS if kind not in core]


def feed_kind(kind: str, *, field: str = "kind") -> FeedKindSpec[Any]:
    """The registry entry of `kind`.

    Raises:
        InvalidField: no kind of that name (`field` names the input it came from).
    """
    spec = FEED_KINDS.get(kind)
    if spec is None:
        names = offered_kinds()
        known = f"{', '.join(names[:-1])} ou {names[-1]}" if len(names) > 1 else names[0]
        raise InvalidField(field, "enum", f"un type d'agenda connu : {known}")
    return spec


def kinds_about(model: type[models.Base]) -> tuple[str, ...]:
    """The kinds whose feeds are about rows of `model` (their tokens go when such a row does)."""
    return tuple(spec.kind for spec in FEED_KINDS.values() if issubclass(model, spec.target))


# --- Keys ----------------------------------------------------------------------------------------

_K = TypeVar("_K", str, ColumnElement[str])


def _compose(kind: _K, target: _K) -> _K:
    # The one definition of a key, applied to Python strings and to SQL expressions alike.
    return kind + "-" + target


def feed_key(kind: str, target_id: int) -> str:
    """The stable key of a feed: `cabinet-<id>`, `assistant-<id>` or `groupement-<id>`."""
    return _compose(str(kind), str(target_id))


def token_target(token: models.FeedToken) -> int:
    """The id of the row the feed of `token` is about."""
    return token.target_id


def token_feed_key() -> ColumnElement[str]:
    """`feed_key` of a `FeedToken` row, as an SQL expression (to join it to its rendered feed)."""
    return _compose(models.FeedToken.kind.expression, cast(models.FeedToken.target_id, String))


__all__ = [
    "FEED_KINDS",
    "FeedKindSpec",
    "feed_key",
    "feed_kind",
    "kinds_about",
    "offered_kinds",
    "token_feed_key",
    "token_target",
]
