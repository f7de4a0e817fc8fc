"""Scenarios of scheduler/planning.py: the solver instance read from the database (leave, public
holidays, consultation sessions, presence requests, travel times, several contracts, past weeks and
quarter balances), plans solved from it, re-plans keeping pins and the published rota's protected
window, and publication with its change notices, cancelled events and ledger.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.errors import NothingToPlan, NoticeRequired, PeriodOverlap
from scheduler.planning import (
    MoveAssignment,
    PinAssignment,
    build_instance,
    check_stored_rota,
    edit_rota,
    ledger,
    plan_period,
    publish_rota,
    record_absence,
)
from solver import model as sm
from tests.api.factories import make_cabinet, make_contract
from tests.scheduler.planning_world import EARLY, LATE, LIMIT, WEEK, Mini, local, make_mini, plan

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def mini(session: Session) -> Mini:
    return make_mini(session, "sc")


def _rows(
    rota: models.Rota, assistant: models.Assistant, on: date | None = None
) -> list[models.Assignment]:
    return sorted(
        (
            a
            for a in rota.assignments
            if a.assistant_id == assistant.id
            and (on is None or a.start_at.astimezone(PARIS).date() == on)
        ),
        key=lambda a: a.start_at,
    )


def _assistant(instance: sm.Instance, code: str) -> sm.Assistant:
    return next(a for a in instance.assistants if a.id == code)


def _cabinet(instance: sm.Instance, code: str) -> sm.Cabinet:
    return next(c for c in instance.cabinets if c.id == code)


def _contract(instance: sm.Instance, code: str) -> sm.Contract:
    return next(k for k in instance.contracts if k.id == code)


def _minutes(rows: list[models.Assignment]) -> int:
    return sum(int((r.end_at - r.start_at).total_seconds()) // 60 for r in rows)


def _spans(rows: list[models.Assignment]) -> list[tuple[int, datetime, datetime]]:
    return [(r.cabinet_id, r.start_at, r.end_at) for r in rows]


# --- The instance read from the database ----------------------------------------------------


def test_the_instance_names_contracts_per_assistant_with_their_shares_and_travel(
    session: Session, mini: Mini
) -> None:
    # A third cabinet outside every contract brings no travel time into the instance.
    stray = make_cabinet(session, mini.groupement, "sc-z", "49.0", "6.0")
    session.add(
        models.TravelTime(
            groupement_id=mini.groupement.id,
            origin_id=mini.cabinets["a"].id,
            destination_id=stray.id,
            minutes=40,
        )
    )
    x = mini.assistants["x"]
    make_contract(session, mini.groupement, "sc-cz", x, {mini.cabinets["b"]: 10000}, 10 * 60)
    instance = build_instance(session, mini.groupement, WEEK, 7).instance
    assert instance.start == WEEK and instance.days == 7 and instance.slot_minutes == 15
    assert {
        (k.id, k.assistant, k.weekly_minutes, tuple(k.shares.items())) for k in instance.contracts
    } == {
        ("sc-cx/sc-x", "sc-x", 2100, (("sc-a", 10000),)),
        ("sc-cy/sc-y", "sc-y", 2100, (("sc-b", 10000),)),
        ("sc-cz/sc-x", "sc-x", 600, (("sc-b", 10000),)),
    }
    assert [c.id for c in instance.cabinets] == ["sc-a", "sc-b"]
    assert instance.travel_minutes == {("sc-a", "sc-b"): 15}
    assert instance.replan == sm.Replan()
    assert instance.rules == sm.Rules()


def test_the_groupements_choice_of_how_travel_is_paid_reaches_the_planner(
    session: Session, mini: Mini
) -> None:
    # Paid beyond the contracts, the groupement's choice against the default.
    mini.groupement.travel_in_contract = False
    mini.groupement.complementary_accord = True
    rules = build_instance(session, mini.groupement, WEEK, 7).instance.rules
    assert rules == sm.Rules(travel_in_contract=False, complementary_accord=True)


def test_a_contract_not_running_over_the_whole_period_is_left_out(
    session: Session, mini: Mini
) -> None:
    x = mini.assistants["x"]
    make_contract(
        session,
        mini.groupement,
        "sc-late",
        x,
        {mini.cabinets["a"]: 10000},
        start=WEEK + timedelta(days=1),
    )
    ended = make_contract(
        session, mini.groupement, "sc-old", x, {mini.cabinets["a"]: 10000}, start=date(2022, 6, 9)
    )
    ended.duration_years = 5  # ends 9 June 2027, inside the period
    session.flush()
    ids = {k.id for k in build_instance(session, mini.groupement, WEEK, 7).instance.contracts}
    assert ids == {"sc-cx/sc-x", "sc-cy/sc-y"}


def test_no_contract_over_the_period_is_nothing_to_plan(session: Session, mini: Mini) -> None:
    with pytest.raises(NothingToPlan):
        build_instance(session, mini.groupement, date(2025, 12, 1), 7)


def test_the_share_plan_in_force_at_the_period_start_is_used(session: Session, mini: Mini) -> None:
    contract = mini.contracts["x"]
    a, b = mini.cabinets["a"], mini.cabinets["b"]
    contract.share_plans.append(
        models.SharePlan(
            valid_from=WEEK,
            shares=[
                models.Share(cabinet_id=a.id, share_bp=7000),
                models.Share(cabinet_id=b.id, share_bp=3000),
            ],
        )
    )
    session.flush()
    before = build_instance(session, mini.groupement, WEEK - timedelta(days=7), 7).instance
    at = build_instance(session, mini.groupement, WEEK, 7).instance
    assert dict(_contract(before, "sc-cx/sc-x").shares) == {"sc-a": 10000}
    assert dict(_contract(at, "sc-cx/sc-x").shares) == {"sc-a": 7000, "sc-b": 3000}


def test_absences_become_whole_day_or_partial_leave_in_local_time(
    session: Session, mini: Mini
) -> None:
    x = mini.assistants["x"]
    tuesday = WEEK + timedelta(days=1)
    session.add_all(
        [
            # Tuesday 00:00 to Wednesday 00:00 in Paris, stored in UTC.
            models.Absence(
                assistant_id=x.id,
                kind=models.AbsenceKind.LEAVE,
                start_at=local(tuesday, 0).astimezone(UTC),
                end_at=local(tuesday + timedelta(days=1), 0).astimezone(UTC),
            ),
            models.Absence(
                assistant_id=x.id,
                kind=models.AbsenceKind.SICKNESS,
                start_at=local(WEEK + timedelta(days=3), 14),
                end_at=local(WEEK + timedelta(days=3), 16, 30),
            ),
            # From midnight to noon: not a whole day.
            models.Absence(
                assistant_id=x.id,
                kind=models.AbsenceKind.LEAVE,
                start_at=local(WEEK + timedelta(days=4), 0),
                end_at=local(WEEK + timedelta(days=4), 12),
            ),
            # Ends as the period starts: not part of it.
            models.Absence(
                assistant_id=x.id,
                kind=models.AbsenceKind.LEAVE,
                start_at=local(WEEK - timedelta(days=2), 0),
                end_at=local(WEEK, 0),
            ),
        ]
    )
    session.flush()
    instance = build_instance(session, mini.groupement, WEEK, 7).instance
    leave = _assistant(instance, "sc-x").leave
    assert [(lv.start, lv.end, lv.whole_days) for lv in leave] == [
        (local(tuesday, 0), local(tuesday + timedelta(days=1), 0), True),
        (local(WEEK + timedelta(days=3), 14), local(WEEK + timedelta(days=3), 16, 30), False),
        (local(WEEK + timedelta(days=4), 0), local(WEEK + timedelta(days=4), 12), False),
    ]
    assert all(lv.start.utcoffset() == timedelta(hours=2) for lv in leave)
    assert _assistant(instance, "sc-y").leave == ()


def test_sessions_requests_places_and_department_reach_the_cabinet(
    session: Session, mini: Mini
) -> None:
    a = mini.cabinets["a"]
    a.places = 2
    a.department = "67"
    session.add_all(
        [
            models.ConsultationSession(
                cabinet_id=a.id, weekday=2, start_minute=840, end_minute=1020, weight=5
            ),
            models.PresenceRequest(
                cabinet_id=a.id,
                request_date=WEEK + timedelta(days=4),
                start_minute=960,
                end_minute=1080,
                weight=3,
            ),
            # Outside the period: left out.
            models.PresenceRequest(
                cabinet_id=a.id,
                request_date=WEEK + timedelta(days=7),
                start_minute=480,
                end_minute=600,
            ),
        ]
    )
    session.flush()
    session.refresh(a)
    cabinet = _cabinet(build_instance(session, mini.groupement, WEEK, 7).instance, "sc-a")
    assert cabinet.places == 2 and cabinet.department == "67"
    assert cabinet.sessions == (sm.Session(2, 840, 1020, 5),)
    assert cabinet.requests == (sm.DatedRequest(WEEK + timedelta(days=4), 960, 1080, 3),)
    assert [(w.weekday, w.start, w.end) for w in cabinet.opening] == [
        (d, 480, 1140) for d in range(5)
    ]


def test_published_weeks_before_the_period_become_worked_minutes_and_quarter_balances(
    session: Session, mini: Mini
) -> None:
    published = plan(session, mini)
    publish_rota(session, published.id, actor=None, now=EARLY)
    following = WEEK + timedelta(days=7)
    instance = build_instance(session, mini.groupement, following, 7).instance
    worked = _assistant(instance, "sc-x").worked_minutes_before
    assert len(worked) == 11 and worked[-1] == 35 * 60 and sum(worked) == 35 * 60
    # Not published yet: the week before has no weight.
    before = build_instance(session, mini.groupement, WEEK, 7).instance
    assert _assistant(before, "sc-x").worked_minutes_before == ()

    # A two-cabinet contract delivered 10 h at a and 2 h at b this quarter, 50/50: a is 4 h ahead.
    a, b = mini.cabinets["a"], mini.cabinets["b"]
    x = mini.assistants["x"]
    split = make_contract(session, mini.groupement, "sc-split", x, {a: 5000, b: 5000}, 5 * 60)
    session.add_all(
        [
            models.LedgerEntry(
                contract_id=split.id,
                cabinet_id=a.id,
                assistant_id=x.id,
                week_start=date(2027, 5, 3),
                planned_minutes=600,
                delivered_minutes=600,
            ),
            models.LedgerEntry(
                contract_id=split.id,
                cabinet_id=b.id,
                assistant_id=x.id,
                week_start=date(2027, 5, 10),
                planned_minutes=120,
                delivered_minutes=120,
            ),
            # The planned week itself: not counted.
            models.LedgerEntry(
                contract_id=split.id,
                cabinet_id=a.id,
                assistant_id=x.id,
                week_start=following,
                planned_minutes=300,
                delivered_minutes=300,
            ),
            # Last quarter: not counted.
            models.LedgerEntry(
                contract_id=split.id,
                cabinet_id=b.id,
                assistant_id=x.id,
                week_start=date(2027, 3, 22),
                planned_minutes=900,
                delivered_minutes=900,
            ),
        ]
    )
    session.flush()
    contract = _contract(
        build_instance(session, mini.groupement, following, 7).instance, "sc-split/sc-x"
    )
    assert dict(contract.balance_minutes) == {"sc-a": 240, "sc-b": -240}


# --- Plans solved from it -------------------------------------------------------------------


def test_a_whole_day_of_leave_is_left_empty_and_the_week_reduced(
    session: Session, mini: Mini
) -> None:
    x, y = mini.assistants["x"], mini.assistants["y"]
    tuesday = WEEK + timedelta(days=1)
    record_absence(
        session,
        x.id,
        models.AbsenceKind.LEAVE,
        local(tuesday, 0),
        local(tuesday + timedelta(days=1), 0),
        actor=None,
    )
    rota = plan(session, mini)
    assert _rows(rota, x, tuesday) == [] and _rows(rota, y, tuesday)
    assert (_minutes(_rows(rota, x)), _minutes(_rows(rota, y))) == (28 * 60, 35 * 60)
    assert check_stored_rota(session, rota.id, now=EARLY) == []


def test_a_public_holiday_of_one_department_closes_only_its_cabinet(
    session: Session, mini: Mini
) -> None:
    # Good Friday, 26 March 2027, is a holiday in Moselle (a) but not in Meurthe-et-Moselle (b).
    mini.cabinets["b"].department = "54"
    session.flush()
    monday = date(2027, 3, 22)
    friday = monday + timedelta(days=4)
    rota = plan(session, mini, start=monday, now=datetime(2027, 2, 1, tzinfo=UTC))
    x, y = mini.assistants["x"], mini.assistants["y"]
    assert _rows(rota, x, friday) == [] and _rows(rota, y, friday)
    assert (_minutes(_rows(rota, x)), _minutes(_rows(rota, y))) == (28 * 60, 35 * 60)


def test_a_consultation_session_is_covered(session: Session, mini: Mini) -> None:
    a = mini.cabinets["a"]
    friday = WEEK + timedelta(days=4)
    session.add(
        models.ConsultationSession(
            cabinet_id=a.id, weekday=4, start_minute=960, end_minute=1080, weight=5
        )
    )
    session.flush()
    session.refresh(a)
    rota = plan(session, mini)
    covered = [
        r for r in _rows(rota, mini.assistants["x"], friday) if r.end_at >= local(friday, 18)
    ]
    assert covered and covered[0].start_at <= local(friday, 16)
    assert rota.objective_terms["session_uncovered"] == 0


def test_several_contracts_of_one_assistant_get_their_own_hours_and_cabinets(
    session: Session, mini: Mini
) -> None:
    x = mini.assistants["x"]
    mini.contracts["x"].assistants[0].weekly_minutes = 20 * 60
    mini.cabinets["b"].places = 2  # x and y may both work at b
    extra = make_contract(
        session, mini.groupement, "sc-cz", x, {mini.cabinets["b"]: 10000}, 15 * 60
    )
    session.flush()
    rota = plan(session, mini)
    rows = _rows(rota, x)
    by_contract = {
        contract.id: [r for r in rows if r.contract_id == contract.id]
        for contract in (mini.contracts["x"], extra)
    }
    assert _minutes(by_contract[mini.contracts["x"].id]) == 20 * 60
    assert _minutes(by_contract[extra.id]) == 15 * 60
    assert {r.cabinet_id for r in by_contract[extra.id]} == {mini.cabinets["b"].id}
    assert check_stored_rota(session, rota.id, now=EARLY) == []


def test_a_replan_keeps_a_pinned_assignment_where_it_was_moved(
    session: Session, mini: Mini
) -> None:
    x = mini.assistants["x"]
    draft = plan(session, mini)
    first = _rows(draft, x)[0]
    start, end = first.start_at + timedelta(hours=1), first.end_at + timedelta(hours=1)
    assert (
        edit_rota(session, draft.id, MoveAssignment(first.id, start=start, end=end), actor=None)
        == []
    )
    assert edit_rota(session, draft.id, PinAssignment(first.id), actor=None) == []
    second = plan(session, mini, based_on_id=draft.id)
    assert second.revision == draft.revision + 1 and second.based_on_id == draft.id
    kept = [
        r
        for r in second.assignments
        if (r.assistant_id, r.start_at, r.end_at) == (x.id, start, end)
    ]
    assert len(kept) == 1 and kept[0].pinned
    assert [r for r in second.assignments if r.pinned] == kept
    assert kept[0].uid == first.uid  # same assistant, day and cabinet: the same calendar event


def test_a_replan_inside_the_notice_window_changes_only_what_leave_forces(
    session: Session, mini: Mini
) -> None:
    x, y = mini.assistants["x"], mini.assistants["y"]
    first = plan(session, mini)
    publish_rota(session, first.id, actor=None, now=EARLY)
    tuesday = WEEK + timedelta(days=1)
    record_absence(
        session,
        x.id,
        models.AbsenceKind.SICKNESS,
        local(tuesday, 0),
        local(tuesday + timedelta(days=1), 0),
        actor=None,
    )
    lost = _minutes(_rows(first, x, tuesday))
    entries = ledger(session, mini.groupement.id)
    assert sum(e.planned_minutes - e.delivered_minutes for e in entries) == lost > 0

    second = plan(session, mini, now=LATE)
    assert _rows(second, x, tuesday) == []
    # Every other piece starts inside the protected window and stays as published.
    others = [d for d in range(7) if d != 1]
    for offset in others:
        on = WEEK + timedelta(days=offset)
        assert _spans(_rows(second, x, on)) == _spans(_rows(first, x, on))
    assert _spans(_rows(second, y)) == _spans(_rows(first, y))

    with pytest.raises(NoticeRequired) as caught:
        publish_rota(session, second.id, actor=None, now=LATE)
    assert len(caught.value.changes) == len(_rows(first, x, tuesday))
    assert all(c.endswith("supprimé") for c in caught.value.changes)

    publish_rota(session, second.id, actor=None, acknowledged_reason="Arrêt maladie", now=LATE)
    assert first.status is models.RotaStatus.SUPERSEDED
    notices = session.scalars(
        select(models.ChangeNotice).where(models.ChangeNotice.rota_id == second.id)
    ).all()
    assert {(n.assistant_id, n.after, n.within_notice, n.acknowledged_reason) for n in notices} == {
        (x.id, None, True, "Arrêt maladie")
    }
    cancelled = session.scalars(
        select(models.CancelledEvent).where(models.CancelledEvent.rota_id == second.id)
    ).all()
    assert {c.uid for c in cancelled} == {r.uid for r in _rows(first, x, tuesday)}
    kept = {r.uid for r in second.assignments}
    assert kept == {r.uid for r in first.assignments} - {c.uid for c in cancelled}


def test_a_replan_of_the_same_rota_outside_the_notice_window_publishes_without_notices(
    session: Session, mini: Mini
) -> None:
    first = plan(session, mini)
    publish_rota(session, first.id, actor=None, now=EARLY)
    second = plan(session, mini)
    publish_rota(session, second.id, actor=None, now=EARLY)
    assert _spans(sorted(second.assignments, key=lambda r: (r.start_at, r.assistant_id))) == _spans(
        sorted(first.assignments, key=lambda r: (r.start_at, r.assistant_id))
    )
    assert (
        session.scalars(
            select(models.ChangeNotice).where(models.ChangeNotice.rota_id == second.id)
        ).all()
        == []
    )
    assert {r.uid for r in second.assignments} == {r.uid for r in first.assignments}


def test_a_period_overlapping_another_published_period_is_refused(
    session: Session, mini: Mini
) -> None:
    first = plan(session, mini)
    publish_rota(session, first.id, actor=None, now=EARLY)
    with pytest.raises(PeriodOverlap):
        plan_period(
            session, mini.groupement.id, WEEK + timedelta(days=3), 7, time_limit_s=LIMIT, now=EARLY
        )
