"""Rule under test: 12-week average — with worked_minutes_before, 12 consecutive weeks total at most 12 × 44 h."""

from __future__ import annotations

import pytest

from solver.model import Status
from tests.solver.builders import (
    make_assistant,
    make_instance,
)
from tests.solver.solving import explanation_text, solve_checked


def test_room_left_in_the_average_is_used() -> None:
    julie = make_assistant(worked_minutes_before=[44 * 60] * 11)
    rota = solve_checked(make_instance(assistants=[julie]))
    assert rota.status == Status.OPTIMAL
    assert sum(a.minutes for a in rota.assignments) == 35 * 60


def test_no_room_left_is_infeasible() -> None:
    julie = make_assistant(worked_minutes_before=[48 * 60] * 11)
    rota = solve_checked(make_instance(assistants=[julie]))
    assert rota.status == Status.INFEASIBLE
    assert "moyenne" in explanation_text(rota)


def _history(total_before: int) -> list[int]:
    """Eleven weeks before the horizon totalling `total_before` minutes (44 h in ten of them)."""
    return [total_before - 10 * 2640, *[2640] * 10]


def test_a_twelve_week_total_of_exactly_12_x_44_h_is_allowed() -> None:
    julie = make_assistant(worked_minutes_before=_history(12 * 2640 - 35 * 60))
    rota = solve_checked(make_instance(assistants=[julie]))
    assert rota.status == Status.OPTIMAL
    assert (
        sum(a.minutes for a in rota.assignments) + sum(_history(12 * 2640 - 35 * 60)) == 12 * 2640
    )


@pytest.mark.parametrize("over", [1, 15])
def test_a_twelve_week_total_over_12_x_44_h_is_infeasible_and_named(over: int) -> None:
    julie = make_assistant(worked_minutes_before=_history(12 * 2640 - 35 * 60 + over))
    rota = solve_checked(make_instance(assistants=[julie]))
    assert rota.status == Status.INFEASIBLE
    assert "sa moyenne sur 12 semaines dépasserait 44 h" in explanation_text(rota)
