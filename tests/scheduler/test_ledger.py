"""The hours ledger follows absences recorded after publication: recording one lowers what was
delivered, moving it moves the loss, withdrawing it gives the minutes back; what was planned never
changes. Delivered minutes are planned ones net of the absences recorded so far: for a week still
to come a forecast, which the reports count as delivered only once the week is over."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.planning import ledger, record_absence, refresh_ledger
from scheduler.reports import build_report, parse_period
from scheduler.services.resources import ABSENCES
from tests.scheduler.feed_factories import (
    DemoIds,
    demo_ids,
    paris,
    publish,
    publish_week,
    week_specs,
)

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
    ABSENCES.update(
        session,
        coordinator,
        absence.id,
        {"end_at": paris(TUESDAY, "13:00")},
        expected=absence.version,
    )
    assert _lost(session, ids.groupement_id) == 180

    ABSENCES.delete(session, coordinator, absence.id, expected=absence.version)
    assert _lost(session, ids.groupement_id) == 0
    assert sum(e.planned_minutes for e in ledger(session, ids.groupement_id)) == planned


def test_a_published_week_to_come_is_planned_and_not_yet_delivered(session: Session) -> None:
    # The ledger's reading: `delivered_minutes` is what was planned net of the absences recorded
    # so far, written at publication, so for a week still to come it is a forecast. The reports
    # count it as delivered only once the week is over.
    ids = demo_ids(session)
    monday = TUESDAY - timedelta(days=1)
    week = publish_week(session, ids, monday)
    refresh_ledger(session, week.rota)
    coordinator = session.scalars(
        select(models.User).where(models.User.role == models.Role.COORDINATOR)
    ).one()
    # Sophie's Tuesday (09:00-12:00 and 14:00-18:00): 420 minutes lost to sickness.
    record_absence(
        session,
        ids.assistants["sophie"],
        models.AbsenceKind.SICKNESS,
        paris(TUESDAY, "00:00"),
        paris(TUESDAY + timedelta(days=1), "00:00"),
        actor=coordinator,
    )
    entries = [e for e in ledger(session, ids.groupement_id) if e.week_start == monday]
    planned = sum(e.planned_minutes for e in entries)
    assert planned > 0 and sum(e.delivered_minutes for e in entries) == planned - 420

    def week_hours(today: date) -> tuple[int, list[int | None]]:
        period = parse_period("2026-12")
        weeks = [
            w
            for contract_id in sorted(ids.contracts.values())
            for m in build_report(
                session, session.get_one(models.PooledContract, contract_id), period, today=today
            ).figures.members
            for w in m.weeks
            if w.week_start == monday
        ]
        return sum(w.planned_minutes for w in weeks), [w.delivered_minutes for w in weeks]

    # Read on Wednesday 2 December, the week is to come: planned, nothing delivered yet.
    planned_before, delivered_before = week_hours(date(2026, 12, 2))
    assert planned_before == planned and set(delivered_before) == {None}
    # Read on Monday 14 December, the week is over: delivered = planned - 420.
    planned_after, delivered_after = week_hours(date(2026, 12, 14))
    assert planned_after == planned
    assert sum(d or 0 for d in delivered_after) == planned - 420


def _publish_legs_into_work(session: Session, ids: DemoIds, monday: date) -> models.Rota:
    """The realistic week, each leg moved to end when the assignment it leads to starts."""
    assignments, legs = week_specs(ids, monday)
    moved = []
    for leg in legs:
        after = next(
            a
            for a in assignments
            if a.assistant_id == leg.assistant_id
            and a.cabinet_id == leg.destination_id
            and a.start.date() == leg.start.date()
        )
        moved.append(replace(leg, start=after.start - (leg.end - leg.start), end=after.start))
    return publish(session, ids.groupement_id, monday, assignments, moved)


def _on_site(week: models.Rota) -> int:
    return sum(int((a.end_at - a.start_at).total_seconds()) // 60 for a in week.assignments)


def _legs_leading_to_work(week: models.Rota) -> list[int]:
    """The minutes of each travel leg that leads to an assignment."""
    arriving = {(a.assistant_id, a.cabinet_id, a.start_at) for a in week.assignments}
    return [
        int((t.end_at - t.start_at).total_seconds()) // 60
        for t in week.travel_legs
        if (t.assistant_id, t.destination_id, t.end_at) in arriving
    ]


def test_travel_paid_beyond_the_contracts_is_in_no_members_hours(session: Session) -> None:
    ids = demo_ids(session)
    session.get_one(models.Groupement, ids.groupement_id).travel_in_contract = False
    week = _publish_legs_into_work(session, ids, TUESDAY - timedelta(days=1))
    refresh_ledger(session, week)
    entries = ledger(session, ids.groupement_id)
    assert sum(_legs_leading_to_work(week)) > 0, "the week has travel between cabinets"
    assert sum(e.planned_minutes for e in entries) == _on_site(week)
    assert all(e.travel_minutes == 0 for e in entries)


def test_travel_counted_in_the_contracts_is_shared_by_their_members(session: Session) -> None:
    ids = demo_ids(session)
    groupement = session.get_one(models.Groupement, ids.groupement_id)
    groupement.travel_in_contract = True
    week = _publish_legs_into_work(session, ids, TUESDAY - timedelta(days=1))
    refresh_ledger(session, week)
    entries = ledger(session, ids.groupement_id)
    legs = _legs_leading_to_work(week)
    # Every leg counts rounded up to the quarter hour, split between the members of the contract
    # it leads to on the quarter hour: the ledger holds them all, beside the time on site, and as
    # delivered ones too.
    assert sorted(legs) == [13, 16, 21, 26]
    travel = 15 + 30 + 30 + 30
    assert sum(e.travel_minutes for e in entries) == travel
    assert sum(e.planned_minutes for e in entries) == _on_site(week) + travel
    assert sum(e.delivered_minutes for e in entries) == _on_site(week) + travel
    # The members bear the travel: some of them are credited a part of it.
    assert any(e.travel_minutes > 0 for e in entries)


def test_a_leg_an_absence_covers_is_not_delivered(session: Session) -> None:
    ids = demo_ids(session)
    session.get_one(models.Groupement, ids.groupement_id).travel_in_contract = True
    week = _publish_legs_into_work(session, ids, TUESDAY - timedelta(days=1))
    refresh_ledger(session, week)
    leg = week.travel_legs[0]
    # The leg's credit, rounded up to the quarter hour, is what the absence takes.
    minutes = -(-(int((leg.end_at - leg.start_at).total_seconds()) // 60) // 15) * 15
    coordinator = session.scalars(
        select(models.User).where(models.User.role == models.Role.COORDINATOR)
    ).one()
    # An absence over the leg alone: its minutes are lost, the assignments' are not.
    record_absence(
        session,
        leg.assistant_id,
        models.AbsenceKind.SICKNESS,
        leg.start_at,
        leg.end_at,
        actor=coordinator,
    )
    assert _lost(session, ids.groupement_id) == minutes
