"""Rule under test: leave — no assignment or travel leg overlaps the assistant's leave; whole leave days reduce the target."""

from __future__ import annotations

from solver.model import Status
from tests.solver.builders import (
    TILLEULS,
    at,
    day,
    leave_period,
    make_assistant,
    make_instance,
    whole_days,
)
from tests.solver.forced import solve_monday
from tests.solver.solving import explanation_text, solve_checked


def test_leave_days_are_off_and_reduce_the_target() -> None:
    julie = make_assistant(leave=[whole_days(day(0), 2)])
    rota = solve_checked(make_instance(assistants=[julie]))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert all(a.start.date() not in (day(0), day(1)) for a in rota.assignments)
    assert sum(a.minutes for a in rota.assignments) == 21 * 60


def test_partial_leave_every_day_is_infeasible() -> None:
    julie = make_assistant(leave=[leave_period(day(i), "08:00", "17:00") for i in range(5)])
    rota = solve_checked(make_instance(assistants=[julie]))
    assert rota.status == Status.INFEASIBLE
    assert "congés" in explanation_text(rota)


def test_work_may_end_where_the_leave_starts() -> None:
    rota = solve_monday(
        {TILLEULS: ("08:00", "12:00")}, leave=[leave_period(day(0), "12:00", "19:00")]
    )
    assert rota.status == Status.OPTIMAL
    assert [(a.start, a.end) for a in rota.assignments] == [
        (at(day(0), "08:00"), at(day(0), "12:00"))
    ]


def test_leave_one_grain_into_the_work_is_infeasible_and_named() -> None:
    rota = solve_monday(
        {TILLEULS: ("08:00", "12:00")}, leave=[leave_period(day(0), "11:45", "19:00")]
    )
    assert rota.status == Status.INFEASIBLE
    assert "ses congés" in explanation_text(rota)
    assert "n'en laissent que 3 h 45" in explanation_text(rota)
