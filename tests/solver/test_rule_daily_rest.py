"""Rule under test: daily rest — at least min_daily_rest_minutes between two working days."""

from __future__ import annotations

import pytest

from solver.model import Rota, Rules, Status
from tests.solver.builders import (
    TILLEULS,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    window,
)
from tests.solver.measures import daily_rests
from tests.solver.solving import explanation_text, solve_checked


def test_rest_between_days_is_kept() -> None:
    rota = solve_checked(make_instance(rules=Rules(min_daily_rest_minutes=900)))
    assert rota.status == Status.OPTIMAL
    assert daily_rests(rota) and min(daily_rests(rota)) >= 900


def test_sixteen_hours_of_rest_shape_short_days() -> None:
    rota = solve_checked(make_instance(rules=Rules(min_daily_rest_minutes=960)))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    days = sorted({a.start.date() for a in rota.assignments})
    for first, second in zip(days, days[1:], strict=False):
        end = max(a.end for a in rota.assignments if a.start.date() == first)
        start = min(a.start for a in rota.assignments if a.start.date() == second)
        assert (start - end).total_seconds() >= 960 * 60


def test_windows_that_force_a_short_rest_are_infeasible() -> None:
    # Monday only 19:00-23:00 and Tuesday only 06:00-10:00: at most 8 h of rest between them, and
    # the 8 h contract (4 h a day, one day each) needs both days.
    julie = make_assistant(availability=[window(0, "19:00", "23:00"), window(1, "06:00", "10:00")])
    cabinet = make_cabinet(
        TILLEULS, opening=[window(0, "19:00", "23:00"), window(1, "06:00", "10:00")]
    )
    instance = make_instance(
        assistants=[julie],
        cabinets=[cabinet],
        contracts=[make_contract(weekly_minutes=8 * 60, shares={TILLEULS: 10_000})],
        days=2,
        rules=Rules(min_weekly_contract_minutes=0),
    )
    rota = solve_checked(instance)
    assert rota.status == Status.INFEASIBLE
    assert "repos quotidien" in explanation_text(rota)


def _rest_of_eleven_hours(rules: Rules) -> Rota:
    """Monday 13:00-17:00 and Tuesday 04:00-08:00 both needed: exactly 11 h of rest between."""
    days = [window(0, "13:00", "17:00"), window(1, "04:00", "08:00")]
    instance = make_instance(
        assistants=[make_assistant(availability=days)],
        cabinets=[make_cabinet(TILLEULS, opening=days)],
        contracts=[make_contract(weekly_minutes=8 * 60, shares={TILLEULS: 10_000})],
        days=2,
        travel={},
        rules=rules,
    )
    return solve_checked(instance)


@pytest.mark.parametrize("limit", [645, 660])
def test_a_rest_of_exactly_eleven_hours_is_allowed_at_and_below_its_limit(limit: int) -> None:
    rota = _rest_of_eleven_hours(Rules(min_daily_rest_minutes=limit))
    assert rota.status == Status.OPTIMAL
    assert daily_rests(rota) == [660]


@pytest.mark.parametrize("limit", [661, 675])
def test_a_rest_one_minute_or_more_short_of_its_limit_is_infeasible(limit: int) -> None:
    rota = _rest_of_eleven_hours(Rules(min_daily_rest_minutes=limit))
    assert rota.status == Status.INFEASIBLE
    assert "repos quotidien" in explanation_text(rota)
