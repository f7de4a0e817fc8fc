"""Calendar subscriptions and patientèle statements: the use cases behind the API, the pages and
the CLI, each committing once."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from scheduler import access, feeds, models, patientele, uow
from scheduler.access import Action, resolve
from scheduler.audit import record_audit
from scheduler.errors import DataConflict, Forbidden, ImportRejected, NotFound
from scheduler.locks import advisory_key
from scheduler.security import token_digest
from scheduler.uow import begin_write


@dataclass(frozen=True)
class Subscription:
    """A freshly issued feed token: its id and the subscribe links that carry it (shown once)."""

    token_id: int
    links: feeds.SubscribeLinks


def _may_subscribe(session: Session, actor: models.User, kind: str, target_id: int) -> None:
    """The feed's row must be one the actor sees (else 404, whether it is another groupement's
    or missing), and a cabinet or an assistant subscribes to its own feed only."""
    spec = feeds.feed_kind(kind, field="body.kind")
    resolve(session, actor, spec.target, target_id, field="body.target_id")
    if access.may_subscribe(actor, kind, target_id):
        return
    raise Forbidden("vous ne pouvez vous abonner qu'à votre propre agenda")


def _visible_tokens(session: Session, actor: models.User) -> list[models.FeedToken]:
    tokens = feeds.feed_tokens(session, actor.groupement_id)
    return [token for token in tokens if access.shows_token(actor, token)]


SUBSCRIBE_ATTEMPTS = 3


def subscribe(
    session: Session,
    actor: models.User,
    kind: str,
    target_id: int,
    subscriber: str,
    *,
    base_url: str,
    calendar_name: str,
    now: datetime | None = None,
    replace_all: bool = False,
) -> Subscription:
    """Issue a token for a feed the actor may read; the same subscriber's older tokens for that
    feed are revoked, so a link handed out again never leaves a forgotten one alive (with
    `replace_all`, every live token of that feed is revoked, whoever it was issued to).

    One live token per feed and subscriber label holds under concurrency too: subscriptions to
    one feed take turns (a transaction-scoped advisory lock on PostgreSQL; SQLite writers already
    do), and a partial unique index refuses a second live token, the revocation and the issue
    then being replayed on fresh data (`uow.insert_or_none`).

    Raises:
        Conflict: a concurrent subscription took the feed's place at every attempt.
    """
    begin_write(session)
    _may_subscribe(session, actor, kind, target_id)
    _take_turns(session, kind, target_id)
    now = now or datetime.now(UTC)
    label = subscriber.strip()
    issue = partial(
        _replace_token, session, kind, target_id, label, now=now, replace_all=replace_all
    )
    for _ in range(SUBSCRIBE_ATTEMPTS - 1):
        issued = uow.insert_or_none(session, issue)
        if issued is not None:
            break
    else:
        issued = uow.insert_or_none(session, issue, on_race=DataConflict)
        assert issued is not None
    token, token_row, revoked = issued
    record_audit(
        session,
        actor=actor,
        groupement_id=token_row.groupement_id,
        action="subscribe",
        entity="feed_token",
        entity_id=token_row.id,
        before={"revoked": revoked} if revoked else None,
        after={"kind": str(kind), "target_id": target_id, "subscriber": label},
    )
    uow.commit(session)
    return Subscription(token_row.id, feeds.subscribe_links(base_url, token, name=calendar_name))


def _take_turns(session: Session, kind: str, target_id: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        key = advisory_key(f"feed-token:{kind}:{target_id}")
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _replace_token(
    session: Session, kind: str, target_id: int, label: str, *, now: datetime, replace_all: bool
) -> tuple[str, models.FeedToken, list[int]]:
    """Revoke the feed's live tokens of `label` (all of them with `replace_all`) as they are now
    committed, and issue the new one: the token, its row and the ids revoked."""
    stale = select(models.FeedToken).where(
        models.FeedToken.kind == kind,
        models.FeedToken.target_id == target_id,
        models.FeedToken.revoked_at.is_(None),
    )
    if not replace_all:
        stale = stale.where(models.FeedToken.subscriber == label)
    revoked: list[int] = []
    for old in session.scalars(stale.execution_options(populate_existing=True)):
        old.revoked_at = now
        revoked.append(old.id)
    session.flush()  # the old link goes before the new one takes its place
    token = feeds.create_feed_token(session, kind, target_id, label)
    token_row = session.scalars(
        select(models.FeedToken).where(models.FeedToken.token_hash == token_digest(token))
    ).one()
    return token, token_row, revoked


def subscribe_own_cabinet(
    session: Session, actor: models.User, *, base_url: str, calendar_name: str
) -> Subscription:
    """A cabinet user's subscription to its own cabinet's feed (from its web page)."""
    access.require(actor, Action.OWN_CABINET)
    if actor.cabinet_id is None:
        raise Forbidden("seul un cabinet s'abonne à son agenda")
    return subscribe(
        session,
        actor,
        models.FeedKind.CABINET,
        actor.cabinet_id,
        f"page web : {actor.email}",
        base_url=base_url,
        calendar_name=calendar_name,
    )


def subscribe_own_assistant(
    session: Session, actor: models.User, *, base_url: str, calendar_name: str
) -> Subscription:
    """An assistant's new link to her own feed (from her web page): every link to that feed
    still live is revoked, so a lost or shared link stops working at once."""
    access.require(actor, Action.OWN_ROTA, "seule une assistante s'abonne à son propre agenda")
    if actor.assistant_id is None:
        raise Forbidden("seule une assistante s'abonne à son propre agenda")
    return subscribe(
        session,
        actor,
        models.FeedKind.ASSISTANT,
        actor.assistant_id,
        f"page web : {actor.email}",
        base_url=base_url,
        calendar_name=calendar_name,
        replace_all=True,
    )


def list_subscriptions(session: Session, actor: models.User) -> Sequence[models.FeedToken]:
    """The live tokens the actor may manage (digests are never shown)."""
    return _visible_tokens(session, actor)


def revoke(
    session: Session, actor: models.User, token_id: int, *, now: datetime | None = None
) -> None:
    """Revoke a token the actor may manage: its URL answers 404 from now on."""
    if token_id not in {t.id for t in _visible_tokens(session, actor)}:
        raise NotFound("abonnement", token_id, field="path.subscription_id")
    begin_write(session)
    feeds.revoke_feed_token(
        session, token_id, now=now or datetime.now(UTC), groupement_id=actor.groupement_id
    )
    record_audit(
        session,
        actor=actor,
        groupement_id=actor.groupement_id,
        action="revoke",
        entity="feed_token",
        entity_id=token_id,
    )
    uow.commit(session)


def record_snapshot(
    session: Session,
    actor: models.User,
    *,
    doctor_id: int,
    snapshot_date: date,
    pmt: int,
    file_active: int,
    source: str,
) -> models.PatienteleSnapshot:
    """Enter one doctor's patientèle statement (coordinators)."""
    access.require(actor, Action.ENTER_PATIENTELE)
    begin_write(session)
    resolve(session, actor, models.Doctor, doctor_id, field="body.doctor_id")
    row = patientele.add_snapshot(
        session,
        doctor_id=doctor_id,
        snapshot_date=snapshot_date,
        pmt=pmt,
        file_active=file_active,
        source=source,
        groupement_id=actor.groupement_id,
    )
    session.flush()
    record_audit(
        session,
        actor=actor,
        groupement_id=actor.groupement_id,
        action="create",
        entity="patientele_snapshot",
        entity_id=row.id,
        after={
            "doctor_id": doctor_id,
            "date": snapshot_date.isoformat(),
            "pmt": pmt,
            "file_active": file_active,
        },
    )
    uow.commit(session)
    return row


def import_snapshots(
    session: Session, actor: models.User | None, data: bytes | str, *, groupement_id: int
) -> int:
    """Import a CSV of statements, all lines or none (`actor` None: the CLI)."""
    if not access.may_import_patientele(actor, groupement_id):
        raise Forbidden("seul le coordinateur importe les relevés de patientèle")
    begin_write(session)
    try:
        count = patientele.import_snapshots_csv(session, data, groupement_id=groupement_id)
    except csv.Error as error:
        # The csv module refuses some files outright (a cell over its size limit...).
        raise ImportRejected([(0, "fichier", "csv_format", f"CSV illisible : {error}")]) from error
    record_audit(
        session,
        actor=actor,
        groupement_id=groupement_id,
        action="import",
        entity="patientele_snapshot",
        entity_id=f"{count} lignes",
    )
    uow.commit(session)
    return count
