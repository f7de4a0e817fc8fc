"""Rule under test: leave — no assignment or travel leg overlaps the assistant's leave; whole leave days reduce the target."""

from __future__ import annotations

from solver.model import Status
from tests.solver.builders import (
    day,
    leave_period,
    make_assistant,
    make_instance,
    whole_days,
)
from tests.solver.solving import explanation_text, solve_checked


def test_leave_days_are_off_and_reduce_the_target() -> None:
    julie = make_assistant(leave=[whole_days(day(0), 2)])
    rota = solve_checked(make_instance(assistants=[julie]))
    assert all(a.start.date() not in (day(0), day(1)) for a in rota.assignments)
    assert sum(a.minutes for a in rota.assignments) == 21 * 60


def test_partial_leave_every_day_is_infeasible() -> None:
    julie = make_assistant(leave=[leave_period(day(i), "08:00", "17:00") for i in range(5)])
    rota = solve_checked(make_instance(assistants=[julie]))
    assert rota.status == Status.INFEASIBLE
    assert "congés" in explanation_text(rota)
