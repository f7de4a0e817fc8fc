"""The registry of feed kinds: every `FeedKind` has its entry, and a token's feed key as the
database forms it (to find the rendered feed) is the key the feed was rendered under."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.feeds import FEED_KINDS, create_feed_token, feed_key, feed_kind
from scheduler.feeds.kinds import token_feed_key, token_target
from scheduler.security import token_digest
from tests.scheduler.feed_factories import demo_ids


def test_every_feed_kind_has_its_registry_entry() -> None:
    assert set(FEED_KINDS) == set(models.FeedKind)
    for kind, spec in FEED_KINDS.items():
        assert spec.kind is kind
        assert spec.token_column.class_ is models.FeedToken


def test_each_kind_names_its_target_in_its_own_token_column() -> None:
    columns = [feed_kind(kind).token_column.key for kind in models.FeedKind]
    assert len(set(columns)) == len(columns)


def test_a_token_of_every_kind_gives_the_key_its_feed_is_rendered_under(session: Session) -> None:
    ids = demo_ids(session)
    targets = {
        models.FeedKind.CABINET: ids.cabinets["tilleuls"],
        models.FeedKind.ASSISTANT: ids.assistants["julie"],
        models.FeedKind.GROUPEMENT: ids.groupement_id,
    }
    assert set(targets) == set(models.FeedKind)
    for kind, target in targets.items():
        token = create_feed_token(session, kind, target, "Accueil")
        row = session.scalars(
            select(models.FeedToken).where(models.FeedToken.token_hash == token_digest(token))
        ).one()
        assert row.groupement_id == ids.groupement_id
        assert token_target(row) == target
        in_sql = session.scalar(select(token_feed_key()).where(models.FeedToken.id == row.id))
        assert in_sql == feed_key(kind, target) == f"{kind.value}-{target}"
