"""Rule under test: availability — every assignment and travel leg lies inside the assistant's windows."""

from __future__ import annotations

from solver.model import Status
from tests.solver.builders import (
    TILLEULS,
    at,
    day,
    make_assistant,
    make_contract,
    make_instance,
    window,
    windows,
)
from tests.solver.forced import solve_monday
from tests.solver.solving import explanation_text, solve_checked


def test_rota_stays_inside_availability() -> None:
    julie = make_assistant(availability=windows("08:00", "13:00"))
    rota = solve_checked(
        make_instance(assistants=[julie], contracts=[make_contract(weekly_minutes=20 * 60)])
    )
    assert rota.status == Status.OPTIMAL
    assert all(
        a.start.hour >= 8 and (a.end.hour, a.end.minute) <= (13, 0) for a in rota.assignments
    )


def test_too_little_availability_is_infeasible() -> None:
    julie = make_assistant(availability=[window(0, "08:00", "12:00")])
    rota = solve_checked(
        make_instance(assistants=[julie], contracts=[make_contract(weekly_minutes=16 * 60)])
    )
    assert rota.status == Status.INFEASIBLE
    assert "disponibilités" in explanation_text(rota)


def test_work_may_fill_the_availability_up_to_its_end() -> None:
    rota = solve_monday({TILLEULS: ("08:00", "12:00")}, available_until="12:00")
    assert rota.status == Status.OPTIMAL
    assert [(a.start, a.end) for a in rota.assignments] == [
        (at(day(0), "08:00"), at(day(0), "12:00"))
    ]


def test_availability_one_grain_short_is_infeasible_and_named() -> None:
    rota = solve_monday({TILLEULS: ("08:00", "12:00")}, available_until="11:45")
    assert rota.status == Status.INFEASIBLE
    assert "ses disponibilités" in explanation_text(rota)
    assert "n'en laissent que 3 h 45" in explanation_text(rota)
