"""Publishing a rota: the changes from the published one, notices, withdrawn events, sequences.

Functions here stage their work in the session and flush; the caller's unit of work (`scheduler.uow`) commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.audit import record_audit
from scheduler.errors import (
    LatePublication,
    NoticeRequired,
    RotaNotDraft,
    RotaNotPublishable,
)
from scheduler.french import clock_digits, weekday_date
from scheduler.notices import stage_notice_emails
from scheduler.planning.edits import snapshot
from scheduler.planning.instance import PUBLISHABLE, local_time, published_rota
from scheduler.planning.ledger import refresh_ledger
from scheduler.planning.plan import check_overlap, check_stored_rota, rota_by_id
from scheduler.scheduled import rota_events
from solver import FIRST_DAY as FIRST_DAY
from solver import FIRST_YEAR as FIRST_YEAR
from solver import LAST_DAY as LAST_DAY
from solver import LAST_YEAR as LAST_YEAR
from solver import Violation as Violation  # re-exported for the web edge
from solver import model as sm

# --- Publication, notices and the ledger ---------------------------------------------------------


def _describe(
    row: models.Assignment | models.TravelLeg | models.CancelledEvent,
    session: Session,
    zone: ZoneInfo,
) -> str:
    start, end = local_time(row.start_at, zone), local_time(row.end_at, zone)
    cabinet_id = getattr(row, "cabinet_id", None) or getattr(row, "origin_id", None)
    cabinet = session.get(models.Cabinet, cabinet_id) if cabinet_id is not None else None
    place = cabinet.name if cabinet is not None else "trajet"
    return f"{weekday_date(start.date())}, {place} {clock_digits(start)}–{clock_digits(end)}"


@dataclass(frozen=True)
class _Change:
    assistant_id: int
    cabinet_ids: tuple[int, ...]
    before: models.Assignment | None
    after: models.Assignment | None
    earliest: datetime
    description: str


def _diff(session: Session, old: models.Rota, new: models.Rota, zone: ZoneInfo) -> list[_Change]:
    old_rows = {a.uid: a for a in old.assignments}
    new_rows = {a.uid: a for a in new.assignments}
    changes: list[_Change] = []
    names = {
        a.id: a.full_name
        for a in session.scalars(
            select(models.Assistant).where(models.Assistant.groupement_id == new.groupement_id)
        )
    }
    for uid in sorted(old_rows.keys() | new_rows.keys()):
        before, after = old_rows.get(uid), new_rows.get(uid)
        if before is not None and after is not None:
            if (before.cabinet_id, before.start_at, before.end_at) == (
                after.cabinet_id,
                after.start_at,
                after.end_at,
            ):
                continue
            text = (
                f"{_describe(before, session, zone)} remplacé par {_describe(after, session, zone)}"
            )
        elif before is not None:
            text = f"{_describe(before, session, zone)} supprimé"
        else:
            assert after is not None
            text = f"{_describe(after, session, zone)} ajouté"
        rows = [r for r in (before, after) if r is not None]
        changes.append(
            _Change(
                assistant_id=rows[0].assistant_id,
                cabinet_ids=tuple(sorted({r.cabinet_id for r in rows})),
                before=before,
                after=after,
                earliest=min(r.start_at for r in rows),
                description=f"{names.get(rows[0].assistant_id, '')} : {text}",
            )
        )
    return changes


def publish_rota(
    session: Session,
    rota_id: int,
    *,
    actor: models.User | None,
    acknowledged_reason: str | None = None,
    now: datetime | None = None,
) -> models.Rota:
    """Publish a valid draft: it becomes immutable, the previous version is superseded, change
    notices are written, the ledger and the calendar feeds are brought up to date.

    Raises:
        RotaNotDraft: the rota is already published or superseded.
        RotaNotPublishable: it has no valid solution or breaks a hard rule.
        NoticeRequired: a change falls inside the notice window and no reason was given.
        LatePublication: the period has begun and no reason was given (after the fact).
    """
    from scheduler.feeds import refresh_feeds  # feeds render from published rotas only

    now = now or datetime.now(UTC)
    rota = rota_by_id(session, rota_id)
    if rota.status != models.RotaStatus.DRAFT:
        raise RotaNotDraft(rota.id, rota.status.value)
    if rota.solver_status not in PUBLISHABLE:
        raise RotaNotPublishable(
            rota.id, list(rota.explanation) or [f"statut du solveur : {rota.solver_status}"]
        )
    violations = check_stored_rota(session, rota.id, now=now)
    if violations:
        raise RotaNotPublishable(rota.id, [v.message for v in violations])
    check_overlap(session, rota.groupement_id, rota.period_start, rota.period_days)
    groupement = session.get(models.Groupement, rota.groupement_id)
    assert groupement is not None
    zone = ZoneInfo(groupement.timezone)
    # A period already begun is published after the fact: its hours were not planned ahead.
    late = datetime.combine(rota.period_start, time(0), zone) <= now
    reason = (acknowledged_reason or "").strip()
    if late and not reason:
        raise LatePublication(rota.period_start)
    previous = published_rota(session, rota.groupement_id, rota.period_start)
    notice_days = sm.Rules().notice_days
    cutoff = now + timedelta(days=notice_days)
    changes = _diff(session, previous, rota, zone) if previous is not None else []
    # Everything that starts before the end of the notice window, past hours included.
    urgent = [c for c in changes if c.earliest < cutoff]
    if urgent and not (acknowledged_reason and acknowledged_reason.strip()):
        raise NoticeRequired([c.description for c in urgent], notice_days)

    if previous is not None:
        _bump_sequences(rota, previous)
        _cancel_withdrawn(session, rota, previous)
        previous.status = models.RotaStatus.SUPERSEDED
        session.flush()
        within: list[models.ChangeNotice] = []
        for change in changes:
            notice = models.ChangeNotice(
                groupement_id=rota.groupement_id,
                rota_id=rota.id,
                assistant_id=change.assistant_id,
                cabinet_ids=list(change.cabinet_ids),
                before=snapshot(change.before) if change.before else None,
                after=snapshot(change.after) if change.after else None,
                description=change.description,
                within_notice=change in urgent,
                acknowledged_reason=acknowledged_reason.strip()
                if change in urgent and acknowledged_reason
                else None,
                created_by_id=actor.id if actor is not None else None,
            )
            session.add(notice)
            if change in urgent:
                within.append(notice)
        session.flush()
        # The e-mails of the changes inside the window commit with the publication, or not at all.
        stage_notice_emails(
            session,
            rota,
            within,
            notice_days=notice_days,
            reason=acknowledged_reason.strip() if acknowledged_reason else None,
            now=now,
        )
    session.execute(
        delete(models.CancelledEvent).where(
            models.CancelledEvent.uid.in_(
                [a.uid for a in rota.assignments] + [t.uid for t in rota.travel_legs]
            )
        )
    )
    rota.status = models.RotaStatus.PUBLISHED
    rota.published_at = now
    rota.published_late = late
    rota.late_reason = reason if late else None
    rota.published_by_id = actor.id if actor is not None else None
    session.flush()
    refresh_ledger(session, rota)
    record_audit(
        session,
        actor=actor,
        groupement_id=rota.groupement_id,
        action="publish",
        entity="rota",
        entity_id=rota.id,
        before={"superseded": previous.id} if previous is not None else None,
        after={
            "period_start": rota.period_start.isoformat(),
            "revision": rota.revision,
            "changes": len(changes),
            **({"published_late": True} if late else {}),
        },
        reason=acknowledged_reason,
    )
    refresh_feeds(session, rota.groupement_id, now=now)
    session.flush()
    return rota


def _bump_sequences(rota: models.Rota, previous: models.Rota) -> None:
    old_assignments = {a.uid: a for a in previous.assignments}
    for row in rota.assignments:
        old = old_assignments.get(row.uid)
        if old is not None:
            changed = (old.cabinet_id, old.start_at, old.end_at) != (
                row.cabinet_id,
                row.start_at,
                row.end_at,
            )
            row.sequence = old.sequence + (1 if changed else 0)
    old_legs = {t.uid: t for t in previous.travel_legs}
    for leg in rota.travel_legs:
        old_leg = old_legs.get(leg.uid)
        if old_leg is not None:
            changed = (old_leg.start_at, old_leg.end_at) != (leg.start_at, leg.end_at)
            leg.sequence = old_leg.sequence + (1 if changed else 0)


def _cancel_withdrawn(session: Session, rota: models.Rota, previous: models.Rota) -> None:
    kept = {event.uid for event in rota_events(rota)}
    for event in rota_events(previous):
        if event.uid not in kept:
            session.add(event.withdrawn(groupement_id=rota.groupement_id, rota_id=rota.id))
