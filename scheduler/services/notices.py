"""The change notices as people follow them: the e-mails of the outbox and their state, and the
assistant's acknowledgement of a change of her rota.

Who reads which rows is the access policy's (`visible` on `NoticeEmail` and `ChangeNotice`,
`shows_notice`); who may acknowledge is its `Action.ACKNOWLEDGE_NOTICE`. The acknowledgement is
staged with its audit row and committed here, through `scheduler.uow`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import access, models, uow
from scheduler.access import Action
from scheduler.audit import record_audit

MAX_ROWS = 50


def notice_emails(
    session: Session, actor: models.User, *, limit: int = MAX_ROWS
) -> list[models.NoticeEmail]:
    """The latest e-mails of the outbox the actor reads, newest first: all of her groupement's
    for a coordinator, those sent to it for a cabinet, to her for an assistant."""
    return list(
        session.scalars(
            select(models.NoticeEmail)
            .where(access.visible(actor, models.NoticeEmail))
            .order_by(models.NoticeEmail.created_at.desc(), models.NoticeEmail.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Acknowledgement:
    """A change inside the notice window, and whether (when, by whom) the assistant took note."""

    notice: models.ChangeNotice
    assistant: str
    by: str | None


def acknowledgements(
    session: Session, actor: models.User, *, limit: int = MAX_ROWS
) -> list[Acknowledgement]:
    """The latest changes inside the notice window the actor reads, with their acknowledgement."""
    rows = session.execute(
        select(models.ChangeNotice, models.Assistant)
        .join(models.Assistant, models.Assistant.id == models.ChangeNotice.assistant_id)
        .where(
            access.visible(actor, models.ChangeNotice),
            models.ChangeNotice.within_notice.is_(True),
        )
        .order_by(models.ChangeNotice.created_at.desc(), models.ChangeNotice.id.desc())
        .limit(limit)
    ).all()
    shown = [(n, a) for n, a in rows if access.shows_notice(actor, n)]
    by_ids = {n.acknowledged_by_id for n, _ in shown if n.acknowledged_by_id is not None}
    names = (
        {
            user.id: user.full_name
            for user in session.scalars(select(models.User).where(models.User.id.in_(by_ids)))
        }
        if by_ids
        else {}
    )
    return [
        Acknowledgement(
            notice=n,
            assistant=a.full_name,
            by=names.get(n.acknowledged_by_id, "compte supprimé")
            if n.acknowledged_by_id is not None
            else None,
        )
        for n, a in shown
    ]


def acknowledge_notice(
    session: Session, actor: models.User, notice_id: int, *, now: datetime | None = None
) -> models.ChangeNotice:
    """Record that the assistant took note of a change of her own rota (once: a second
    acknowledgement keeps the first), audited; committed here.

    Raises:
        Forbidden: the actor is not an assistant.
        NotFound: no such notice among hers (`notice_id` names the field).
    """
    access.require(actor, Action.ACKNOWLEDGE_NOTICE)
    uow.begin_write(session)
    notice = access.resolve(
        session, actor, models.ChangeNotice, notice_id, field="notice_id", for_update=True
    )
    if notice.acknowledged_at is not None:
        return notice
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    notice.acknowledged_at = moment
    notice.acknowledged_by_id = actor.id
    record_audit(
        session,
        actor=actor,
        groupement_id=notice.groupement_id,
        action="acknowledge",
        entity="change_notice",
        entity_id=notice.id,
        before={"acknowledged_at": None},
        after={"acknowledged_at": moment.isoformat(), "acknowledged_by_id": actor.id},
    )
    uow.commit(session)
    return notice
