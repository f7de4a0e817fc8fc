"""A contract's balancing period (quarter, half-year, contract year): the planner carries each
member's share balance within it, and what is left when it ends is reported as settled."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.planning import refresh_ledger
from scheduler.planning.balances import settled_periods
from scheduler.planning.instance import balancing_start, build_instance
from tests.scheduler.feed_factories import demo_ids, publish_week

FEBRUARY = date(2026, 2, 2)
APRIL = date(2026, 4, 6)


def _contract(start: date, period: models.BalancingPeriod) -> models.PooledContract:
    return models.PooledContract(start_date=start, balancing_period=period.value)


@pytest.mark.parametrize(
    ("period", "day", "start"),
    [
        (models.BalancingPeriod.QUARTER, date(2026, 3, 31), date(2026, 1, 1)),
        (models.BalancingPeriod.QUARTER, date(2026, 4, 1), date(2026, 4, 1)),
        (models.BalancingPeriod.HALF_YEAR, date(2026, 6, 30), date(2026, 1, 1)),
        (models.BalancingPeriod.HALF_YEAR, date(2026, 7, 1), date(2026, 7, 1)),
        (models.BalancingPeriod.CONTRACT_YEAR, date(2027, 1, 4), date(2026, 1, 5)),
        (models.BalancingPeriod.CONTRACT_YEAR, date(2027, 1, 5), date(2027, 1, 5)),
        (models.BalancingPeriod.CONTRACT_YEAR, date(2027, 1, 6), date(2027, 1, 5)),
    ],
)
def test_a_balancing_period_starts_at_its_boundary_not_before_or_after(
    period: models.BalancingPeriod, day: date, start: date
) -> None:
    assert balancing_start(_contract(date(2026, 1, 5), period), day) == start


def _balances_in_april(session: Session, period: models.BalancingPeriod) -> dict[str, int]:
    ids = demo_ids(session)
    for contract_id in ids.contracts.values():
        session.get_one(models.PooledContract, contract_id).balancing_period = period.value
    week = publish_week(session, ids, FEBRUARY)
    refresh_ledger(session, week.rota)
    groupement = session.get_one(models.Groupement, ids.groupement_id)
    instance = build_instance(session, groupement, APRIL, 7).instance
    return {f"{k.id}/{c}": v for k in instance.contracts for c, v in k.balance_minutes.items() if v}


def test_a_quarters_balance_is_not_carried_into_the_next_quarter(session: Session) -> None:
    assert _balances_in_april(session, models.BalancingPeriod.QUARTER) == {}


def test_a_half_years_balance_is_carried_from_february_to_april(session: Session) -> None:
    carried = _balances_in_april(session, models.BalancingPeriod.HALF_YEAR)
    assert carried, "February's week leaves some member off its share"
    # Each contract's balances net out: what one member got over its share another lacks.
    by_contract: dict[str, int] = {}
    for key, minutes in carried.items():
        contract = key.split("/", 1)[0]
        by_contract[contract] = by_contract.get(contract, 0) + minutes
    assert all(abs(total) <= 1 for total in by_contract.values())


def test_each_quarter_ended_reports_what_its_members_were_left(session: Session) -> None:
    ids = demo_ids(session)
    week = publish_week(session, ids, FEBRUARY)
    refresh_ledger(session, week.rota)
    contract = session.get_one(models.PooledContract, ids.contracts["pool-val-moselle"])
    contract.balancing_period = models.BalancingPeriod.QUARTER.value
    # The quarter of February ends on 1 April: not settled on 31 March, settled on 1 April.
    before = settled_periods(session, contract, until=date(2026, 3, 31))
    assert all(p.end <= date(2026, 3, 31) for p in before)
    assert date(2026, 1, 1) not in {p.start for p in before}
    settled = settled_periods(session, contract, until=date(2026, 4, 1))
    first_quarter = next(p for p in settled if p.start == date(2026, 1, 1))
    assert first_quarter.end == date(2026, 4, 1)
    assert first_quarter.delivered_minutes > 0
    assert abs(sum(m.minutes for m in first_quarter.members)) <= len(first_quarter.members)
    assert any(m.minutes for m in first_quarter.members)


def test_the_report_of_the_periods_last_month_shows_what_was_left(session: Session) -> None:
    from scheduler.reports import build_report, parse_period, restrict_to_cabinet

    ids = demo_ids(session)
    week = publish_week(session, ids, FEBRUARY)
    refresh_ledger(session, week.rota)
    contract = session.get_one(models.PooledContract, ids.contracts["pool-val-moselle"])
    march = build_report(session, contract, parse_period("2026-03"), today=date(2026, 4, 10))
    assert [(p.start, p.end) for p in march.settled] == [(date(2026, 1, 1), date(2026, 4, 1))]
    february = build_report(session, contract, parse_period("2026-02"), today=date(2026, 4, 10))
    assert february.settled == ()
    member = march.settled[0].members[0]
    mine = restrict_to_cabinet(march, member.cabinet_id)
    assert [m.cabinet_id for m in mine.settled[0].members] == [member.cabinet_id]
