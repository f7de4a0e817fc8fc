"""Use cases the pages need that `scheduler.services` does not offer yet, each committing once.

TODO(lead): move `subscribe_cabinet` into `scheduler.services` (beside the feed-token API, when
there is one); it lives here so that the page routes stay free of commits.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from scheduler import feeds, models
from scheduler.errors import Forbidden
from scheduler.services.resources import begin_write


def subscribe_cabinet(
    session: Session, actor: models.User, base_url: str, calendar_name: str
) -> feeds.SubscribeLinks:
    """Issue a feed token for the actor's own cabinet and answer its subscribe links (the token
    is in them and is not stored in clear: they are shown once)."""
    if actor.role is not models.Role.CABINET or actor.cabinet_id is None:
        raise Forbidden("seul un cabinet s'abonne à son agenda")
    begin_write(session)
    token = feeds.create_feed_token(
        session, models.FeedKind.CABINET, actor.cabinet_id, f"page web : {actor.email}"
    )
    session.commit()
    return feeds.subscribe_links(base_url, token, name=calendar_name)
