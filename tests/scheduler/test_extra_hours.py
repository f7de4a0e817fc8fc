"""Travel paid beyond the contracts (scheduler.planning.extra_hours): each week's legs leading to
a contract's assignments, heures complémentaires for a part-time contract within its limit, and
the L3123-13 alert when 12 consecutive weeks average 2 hours beyond it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from scheduler import models
from scheduler.planning.extra_hours import ExtraHours, ExtraKind, extra_hours
from tests.scheduler.feed_factories import (
    AssignmentSpec,
    DemoIds,
    LegSpec,
    demo_ids,
    paris,
    publish,
)

MONDAY = date(2026, 9, 7)


def _publish_travel(session: Session, ids: DemoIds, monday: date, road: int, days: int) -> None:
    """Julie's week under pool-val-moselle: on `days` days, the Tilleuls 08:00-12:00, `road`
    minutes to the Parc, the Parc until 16:00; the other days the Tilleuls 08:00-15:00."""
    contract = ids.contracts["pool-val-moselle"]
    julie = ids.assistants["julie"]
    tilleuls, parc = ids.cabinets["tilleuls"], ids.cabinets["parc"]
    assignments, legs = [], []
    for day in range(4):
        on = monday + timedelta(days=day)
        tag = f"{on:%Y%m%d}"
        if day >= days:
            assignments.append(
                AssignmentSpec(
                    f"x-{tag}", julie, tilleuls, contract, paris(on, "08:00"), paris(on, "15:00")
                )
            )
            continue
        arrive = paris(on, "12:00") + timedelta(minutes=road)
        assignments += [
            AssignmentSpec(
                f"a-{tag}", julie, tilleuls, contract, paris(on, "08:00"), paris(on, "12:00")
            ),
            AssignmentSpec(f"b-{tag}", julie, parc, contract, arrive, paris(on, "16:00")),
        ]
        legs.append(LegSpec(f"l-{tag}", julie, tilleuls, parc, paris(on, "12:00"), arrive))
    publish(session, ids.groupement_id, monday, assignments, legs)


def _julie(session: Session, ids: DemoIds, first: date, last: date) -> ExtraHours:
    contract = session.get_one(models.PooledContract, ids.contracts["pool-val-moselle"])
    found = extra_hours(session, contract, first=first, last=last)
    return next(e for e in found if e.assistant_id == ids.assistants["julie"])


def _paid(session: Session, ids: DemoIds) -> None:
    """The demo groupement pays travel beyond the contracts (it counts it in them, the default)."""
    session.get_one(models.Groupement, ids.groupement_id).travel_in_contract = False


def test_each_weeks_legs_into_the_contract_are_counted_beyond_it(session: Session) -> None:
    ids = demo_ids(session)
    _paid(session, ids)
    _publish_travel(session, ids, MONDAY, 25, 3)
    julie = _julie(session, ids, MONDAY, MONDAY + timedelta(days=13))
    weeks = {w.week_start: w.minutes for w in julie.weeks}
    assert weeks == {MONDAY: 75, MONDAY + timedelta(weeks=1): 0}
    link = next(
        link
        for link in session.get_one(
            models.PooledContract, ids.contracts["pool-val-moselle"]
        ).assistants
        if link.assistant_id == ids.assistants["julie"]
    )
    expected = ExtraKind.COMPLEMENTARY if link.weekly_minutes < 2100 else ExtraKind.OVERTIME
    assert julie.kind is expected


def test_travel_counted_in_the_contracts_is_never_beyond_them(session: Session) -> None:
    ids = demo_ids(session)
    assert session.get_one(models.Groupement, ids.groupement_id).travel_in_contract
    _publish_travel(session, ids, MONDAY, 25, 3)
    contract = session.get_one(models.PooledContract, ids.contracts["pool-val-moselle"])
    assert extra_hours(session, contract, first=MONDAY, last=MONDAY) == []


def test_the_twelve_week_alert_at_and_below_two_hours_on_average(session: Session) -> None:
    ids = demo_ids(session)
    _paid(session, ids)
    contract = session.get_one(models.PooledContract, ids.contracts["pool-val-moselle"])
    for link in contract.assistants:
        link.weekly_minutes = 24 * 60  # part-time
    # Twelve weeks of two 60-minute legs (2 h a week), then the twelfth week ends the run.
    for k in range(12):
        _publish_travel(session, ids, MONDAY + timedelta(weeks=k), 60, 2)
    last = MONDAY + timedelta(weeks=11)
    julie = _julie(session, ids, MONDAY, last)
    by_week = {w.week_start: w for w in julie.weeks}
    assert by_week[last].average == 120 and by_week[last].alert
    previous = by_week[last - timedelta(weeks=1)]
    assert previous.average == 110 and not previous.alert
    assert julie.limit == 144


def test_a_full_time_contracts_travel_is_overtime_with_no_alert(session: Session) -> None:
    ids = demo_ids(session)
    _paid(session, ids)
    contract = session.get_one(models.PooledContract, ids.contracts["pool-val-moselle"])
    for link in contract.assistants:
        link.weekly_minutes = 35 * 60
    for k in range(12):
        _publish_travel(session, ids, MONDAY + timedelta(weeks=k), 60, 2)
    julie = _julie(session, ids, MONDAY, MONDAY + timedelta(weeks=11))
    assert julie.kind is ExtraKind.OVERTIME and julie.limit is None
    assert not julie.alerts
