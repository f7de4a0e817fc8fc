"""Calendar feeds: which events each feed shows, rendering at publication, capability tokens.

One feed per target of each kind (`kinds`, a registry), each with a stable key:

* `cabinet-<id>`: when an assistant is on site (« Julie – assistante médicale »);
* `assistant-<id>`: where and when she works, with the cabinet's address, and each trip between
  two cabinets as its own event (« Trajet Cabinet des Tilleuls → Cabinet du Parc »);
* `groupement-<id>`: everything.

Events come from PUBLISHED rotas only, over a window of whole weeks around `now`
(`feed_weeks_past` before the current week, `feed_weeks_ahead` after it). An event withdrawn after
publication (a `CancelledEvent`, whose `sequence` is already the bumped one) stays as
STATUS:CANCELLED until it ends, then drops out (`content`). `refresh_feeds` renders every feed of
a groupement and stores the bytes with their validators (`rendering`): the HTTP route only serves
them (`serving`).

Feed URLs are capabilities: a 256-bit token per (feed, subscriber), of which only the SHA-256 is
stored; revoking or rotating makes the old URL answer 404 at once (`tokens`).
"""

from scheduler.feeds.content import FeedContent, event_uid, feed_contents, feed_window
from scheduler.feeds.kinds import FEED_KINDS, FeedKindSpec, feed_key, feed_kind, offered_kinds
from scheduler.feeds.rendering import refresh_feeds, strong_etag
from scheduler.feeds.serving import FeedCache, FeedSnapshot
from scheduler.feeds.tokens import (
    SubscribeLinks,
    create_feed_token,
    feed_for_token,
    feed_tokens,
    feed_url,
    revoke_feed_token,
    rotate_feed_token,
    subscribe_links,
)

__all__ = [
    "FEED_KINDS",
    "FeedCache",
    "FeedContent",
    "FeedKindSpec",
    "FeedSnapshot",
    "SubscribeLinks",
    "create_feed_token",
    "event_uid",
    "feed_contents",
    "feed_for_token",
    "feed_key",
    "feed_kind",
    "feed_tokens",
    "offered_kinds",
    "feed_url",
    "feed_window",
    "refresh_feeds",
    "revoke_feed_token",
    "rotate_feed_token",
    "strong_etag",
    "subscribe_links",
]
