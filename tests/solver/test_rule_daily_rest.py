"""Rule under test: daily rest — at least min_daily_rest_minutes between two working days."""

from __future__ import annotations

from solver.model import Rules, Status
from tests.solver.builders import (
    TILLEULS,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    window,
)
from tests.solver.solving import explanation_text, solve_checked


def test_rest_between_days_is_kept() -> None:
    rota = solve_checked(make_instance(rules=Rules(min_daily_rest_minutes=900)))
    assert rota.status == Status.OPTIMAL


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
