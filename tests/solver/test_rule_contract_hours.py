"""Rule under test: contract hours — each contract's minutes in each week equal its weekly target."""

from __future__ import annotations

from solver.model import Status
from tests.solver.builders import (
    make_instance,
)
from tests.solver.solving import solve_checked


def test_minutes_equal_the_target_each_week() -> None:
    rota = solve_checked(make_instance(days=14), time_limit_s=3.0)
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    weeks: dict[object, int] = {}
    for a in rota.assignments:
        monday = a.start.date().isocalendar()[1]
        weeks[monday] = weeks.get(monday, 0) + a.minutes
    assert sorted(weeks.values()) == [35 * 60, 35 * 60]


def test_partial_week_target_is_reduced() -> None:
    rota = solve_checked(make_instance(days=3))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert sum(a.minutes for a in rota.assignments) == 21 * 60
