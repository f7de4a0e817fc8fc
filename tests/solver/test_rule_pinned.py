"""Rule under test: pinned — every pinned assignment is in the rota as it is."""

from __future__ import annotations

from solver.model import Replan, Status
from tests.solver.builders import (
    PARC,
    assign,
    day,
    make_instance,
)
from tests.solver.solving import explanation_text, solve_checked


def test_pinned_assignment_is_kept() -> None:
    pin = assign(day(2), "14:00", "18:00", PARC)
    rota = solve_checked(make_instance(replan=Replan(pinned=(pin,))))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert pin in rota.assignments


def test_pin_outside_availability_is_infeasible() -> None:
    pin = assign(day(5), "08:00", "12:00", PARC)
    rota = solve_checked(make_instance(replan=Replan(pinned=(pin,))))
    assert rota.status == Status.INFEASIBLE
    assert "imposée" in explanation_text(rota)
