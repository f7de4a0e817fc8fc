"""The registry of feed kinds: every kind the core names has its entry, a token's feed key as the
database forms it (to find the rendered feed) is the key the feed was rendered under, and a kind
is an entry and nothing else: a throwaway kind per contract, registered here only (no column, no
migration), has its feeds rendered, its tokens issued, resolved and served, and its tokens go
with its contract. tests/api/test_feed_routes.py subscribes to it through the API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.errors import InvalidField, NotFound
from scheduler.feeds import (
    FEED_KINDS,
    FeedCache,
    FeedKindSpec,
    create_feed_token,
    feed_for_token,
    feed_key,
    feed_kind,
    refresh_feeds,
)
from scheduler.feeds.kinds import kinds_about, token_feed_key, token_target
from scheduler.feeds.kinds.base import first_name
from scheduler.security import token_digest
from tests.scheduler.feed_factories import demo_ids, publish_week

NOW = datetime(2026, 3, 25, 10, tzinfo=UTC)
MONDAY = date(2026, 3, 23)

# What a kind per contract would be: this entry, as its own module would define it.
CONTRACT: FeedKindSpec[models.PooledContract] = FeedKindSpec(
    kind="contract",
    target=models.PooledContract,
    label="contrat",
    groupement_of=lambda contract: contract.groupement_id,
    targets=lambda directory: sorted(directory.contracts.values(), key=lambda c: c.id),
    name=lambda contract: f"{contract.name} – vacations du contrat",
    description=lambda contract: f"Les vacations publiées au titre de {contract.name}.",
    shows=lambda event, contract: event.contract_id == contract.id,
    summary=lambda event, directory: (
        f"{first_name(event, directory)} – {directory.cabinets[event.cabinet_id].name}"
    ),
    export_name=lambda contract: f"contrat-{contract.code}",
)


@pytest.fixture
def per_contract(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedKindSpec[models.PooledContract]]:
    """The kind per contract registered as a new kind is: one entry in `FEED_KINDS`."""
    monkeypatch.setitem(FEED_KINDS, CONTRACT.kind, CONTRACT)
    yield CONTRACT


def _token_row(session: Session, token: str) -> models.FeedToken:
    return session.scalars(
        select(models.FeedToken).where(models.FeedToken.token_hash == token_digest(token))
    ).one()


def test_every_kind_the_core_names_has_its_registry_entry() -> None:
    assert list(FEED_KINDS) == ["groupement", "cabinet", "assistant"]
    assert set(models.FeedKind) <= set(FEED_KINDS)
    for kind, spec in FEED_KINDS.items():
        assert spec.kind == kind and feed_kind(kind) is spec
    assert kinds_about(models.Cabinet) == ("cabinet",)
    assert kinds_about(models.PooledContract) == ()


def test_the_token_table_names_no_kind() -> None:
    """No column, constraint or index of `feed_token` is about one kind: a new kind needs none."""
    table = models.Base.metadata.tables["feed_token"]
    assert {column.name for column in table.columns} == {
        "id",
        "groupement_id",
        "kind",
        "target_id",
        "subscriber",
        "token_hash",
        "created_at",
        "revoked_at",
    }
    written = " ".join(
        [str(getattr(c, "sqltext", "")) for c in table.constraints]
        + [str(i.dialect_options["sqlite"]["where"]) for i in table.indexes]
    )
    assert not any(kind in written for kind in FEED_KINDS)
    assert not table.c.kind.type.__class__.__name__ == "Enum"


def test_an_unknown_kind_is_refused_naming_the_field(session: Session) -> None:
    ids = demo_ids(session)
    with pytest.raises(InvalidField) as refused:
        create_feed_token(session, "contract", next(iter(ids.contracts.values())), "Accueil")
    assert (refused.value.field, refused.value.rule) == ("kind", "enum")
    assert "cabinet, assistant ou groupement" in refused.value.message


def test_a_token_of_every_kind_gives_the_key_its_feed_is_rendered_under(session: Session) -> None:
    ids = demo_ids(session)
    targets = {
        models.FeedKind.CABINET: ids.cabinets["tilleuls"],
        models.FeedKind.ASSISTANT: ids.assistants["julie"],
        models.FeedKind.GROUPEMENT: ids.groupement_id,
    }
    assert set(targets) == set(FEED_KINDS)
    for kind, target in targets.items():
        row = _token_row(session, create_feed_token(session, kind, target, "Accueil"))
        assert row.groupement_id == ids.groupement_id
        assert (row.kind, token_target(row)) == (kind, target)
        in_sql = session.scalar(select(token_feed_key()).where(models.FeedToken.id == row.id))
        assert in_sql == feed_key(kind, target) == f"{kind}-{target}"


def test_a_token_is_for_an_existing_target_of_its_groupement(session: Session) -> None:
    ids = demo_ids(session)
    with pytest.raises(NotFound):
        create_feed_token(session, "cabinet", max(ids.cabinets.values()) + 1000, "Accueil")
    other = models.Groupement(slug="autre", name="Autre")
    session.add(other)
    session.flush()
    row = _token_row(session, create_feed_token(session, "groupement", other.id, "Accueil"))
    assert row.groupement_id == other.id


def test_deleting_a_target_deletes_its_tokens_and_no_other(session: Session) -> None:
    ids = demo_ids(session)
    cabinet = models.Cabinet(
        groupement_id=ids.groupement_id,
        code="neuf",
        name="Cabinet neuf",
        address="1 rue Neuve",
        postcode="57000",
        city="Metz",
        department="57",
        latitude=49.1,
        longitude=6.1,
    )
    session.add(cabinet)
    session.flush()
    gone = _token_row(session, create_feed_token(session, "cabinet", cabinet.id, "Accueil")).id
    kept = [
        _token_row(session, create_feed_token(session, kind, target, "Accueil")).id
        for kind, target in (
            ("cabinet", ids.cabinets["tilleuls"]),
            ("assistant", ids.assistants["julie"]),
            ("groupement", ids.groupement_id),
        )
    ]
    # A token of another kind whose target has the same id stays.
    same_id = models.FeedToken(
        groupement_id=ids.groupement_id,
        kind="assistant",
        target_id=cabinet.id,
        subscriber="Accueil",
        token_hash="e" * 64,
    )
    session.add(same_id)
    session.flush()
    kept.append(same_id.id)
    session.delete(cabinet)
    session.flush()
    left = set(session.scalars(select(models.FeedToken.id)))
    assert gone not in left and set(kept) <= left


def test_a_kind_registered_once_is_rendered_issued_resolved_and_served(
    session: Session, per_contract: FeedKindSpec[models.PooledContract]
) -> None:
    ids = demo_ids(session)
    week = publish_week(session, ids, MONDAY)
    contract_id = ids.contracts["pool-seille"]
    changed = refresh_feeds(session, ids.groupement_id, now=NOW)
    key = feed_key("contract", contract_id)
    assert key in changed and f"contract-{contract_id}" == key

    token = create_feed_token(session, "contract", contract_id, "Comptable")
    row = _token_row(session, token)
    assert (row.kind, row.target_id, row.groupement_id) == (
        "contract",
        contract_id,
        ids.groupement_id,
    )
    feed = feed_for_token(session, token)
    assert feed is not None and feed.feed_key == key
    body = bytes(feed.body).decode()
    shown = [a for a in week.assignments if a.contract_id == contract_id]
    assert shown and body.count("BEGIN:VEVENT") == len(shown)
    assert "vacations du contrat" in body
    served = FeedCache().lookup(lambda: nullcontext(session.connection()), token)
    assert served is not None and served.body == bytes(feed.body)

    contract = session.get_one(models.PooledContract, contract_id)
    assert kinds_about(models.PooledContract) == ("contract",)
    session.delete(contract)
    session.flush()
    assert session.scalar(select(models.FeedToken.id).where(models.FeedToken.id == row.id)) is None
