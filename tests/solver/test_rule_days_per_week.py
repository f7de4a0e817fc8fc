"""Rule under test: days per week — at most max_days_per_week working days in a civil week."""

from __future__ import annotations

from solver.model import Rules, Status
from tests.solver.builders import (
    make_instance,
)
from tests.solver.solving import explanation_text, solve_checked


def test_four_days_are_enough() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_days_per_week=4)))
    assert len({a.start.date() for a in rota.assignments}) <= 4


def test_three_days_cannot_give_35_h() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_days_per_week=3)))
    assert rota.status == Status.INFEASIBLE
    assert "3 jours par semaine" in explanation_text(rota)
