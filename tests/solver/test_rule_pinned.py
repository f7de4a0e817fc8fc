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


def test_a_pin_filling_the_availability_to_its_end_is_kept() -> None:
    pin = assign(day(4), "13:00", "19:00", PARC)
    rota = solve_checked(make_instance(replan=Replan(pinned=(pin,))))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert pin in rota.assignments


def test_a_pin_one_grain_past_the_availability_is_infeasible_and_named() -> None:
    pin = assign(day(4), "13:15", "19:15", PARC)
    rota = solve_checked(make_instance(replan=Replan(pinned=(pin,))))
    assert rota.status == Status.INFEASIBLE
    assert "l'affectation imposée de julie martin au cabinet du parc le vendredi 4 décembre" in (
        explanation_text(rota)
    )
