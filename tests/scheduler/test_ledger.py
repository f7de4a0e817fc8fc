"""The hours ledger follows absences recorded after publication: recording one lowers what was
delivered, moving it moves the loss, withdrawing it gives the minutes back; what was planned never
changes."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.planning import ledger, record_absence, refresh_ledger
from scheduler.services.resources import delete_absence, update_absence
from tests.scheduler.feed_factories import demo_ids, paris, publish_week

TUESDAY = date(2026, 12, 8)


def _lost(session: Session, groupement_id: int) -> int:
    entries = ledger(session, groupement_id)
    return sum(e.planned_minutes - e.delivered_minutes for e in entries)


def test_absence_recorded_moved_and_withdrawn_after_publication(session: Session) -> None:
    ids = demo_ids(session)
    week = publish_week(session, ids, TUESDAY - timedelta(days=1))
    refresh_ledger(session, week.rota)
    planned = sum(e.planned_minutes for e in ledger(session, ids.groupement_id))
    assert planned > 0 and _lost(session, ids.groupement_id) == 0
    coordinator = session.scalars(
        select(models.User).where(models.User.role == models.Role.COORDINATOR)
    ).one()
    sophie = ids.assistants["sophie"]

    # Sophie works Tuesday 09:00-12:00 and 14:00-18:00: 420 minutes lost to a day's sickness.
    absence = record_absence(
        session,
        sophie,
        models.AbsenceKind.SICKNESS,
        paris(TUESDAY, "00:00"),
        paris(TUESDAY + timedelta(days=1), "00:00"),
        actor=coordinator,
    )
    assert _lost(session, ids.groupement_id) == 420

    # Back at work in the afternoon: only the morning's 180 minutes are lost.
    update_absence(
        session,
        coordinator,
        absence.id,
        {"end_at": paris(TUESDAY, "13:00")},
        expected=absence.version,
    )
    assert _lost(session, ids.groupement_id) == 180

    delete_absence(session, coordinator, absence.id, expected=absence.version)
    assert _lost(session, ids.groupement_id) == 0
    assert sum(e.planned_minutes for e in ledger(session, ids.groupement_id)) == planned
