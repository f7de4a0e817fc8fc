"""Rule under test: days per week — at most max_days_per_week working days in a civil week."""

from __future__ import annotations

import pytest

from solver.model import Rules, Status
from tests.solver.builders import (
    make_instance,
)
from tests.solver.forced import solve_six_short_days
from tests.solver.measures import days_per_week
from tests.solver.solving import explanation_text, solve_checked


def test_four_days_are_enough() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_days_per_week=4)))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert len({a.start.date() for a in rota.assignments}) <= 4
    assert all(count <= 4 for count in days_per_week(rota).values())


def test_three_days_cannot_give_35_h() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_days_per_week=3)))
    assert rota.status == Status.INFEASIBLE
    assert "3 jours par semaine" in explanation_text(rota)


@pytest.mark.parametrize("limit", [6, 7])
def test_six_working_days_are_allowed_at_and_above_their_limit(limit: int) -> None:
    rota = solve_six_short_days(max_days_per_week=limit)
    assert rota.status == Status.OPTIMAL
    assert list(days_per_week(rota).values()) == [6]


@pytest.mark.parametrize("limit", [4, 5])
def test_fewer_than_six_days_cannot_hold_six_short_days_and_are_named(limit: int) -> None:
    rota = solve_six_short_days(max_days_per_week=limit)
    assert rota.status == Status.INFEASIBLE
    assert f"{limit} jours" in explanation_text(rota)
