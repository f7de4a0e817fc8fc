"""Rule under test: 12-week average — with worked_minutes_before, 12 consecutive weeks total at most 12 × 44 h."""

from __future__ import annotations

from solver.model import Status
from tests.solver.builders import (
    make_assistant,
    make_instance,
)
from tests.solver.solving import explanation_text, solve_checked


def test_room_left_in_the_average_is_used() -> None:
    julie = make_assistant(worked_minutes_before=[44 * 60] * 11)
    assert solve_checked(make_instance(assistants=[julie])).status == Status.OPTIMAL


def test_no_room_left_is_infeasible() -> None:
    julie = make_assistant(worked_minutes_before=[48 * 60] * 11)
    rota = solve_checked(make_instance(assistants=[julie]))
    assert rota.status == Status.INFEASIBLE
    assert "moyenne" in explanation_text(rota)
