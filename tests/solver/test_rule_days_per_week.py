"""Rule under test: days per week — at most max_days_per_week working days in a civil week."""

from __future__ import annotations

from datetime import date

from solver.model import Preferences, Replan, Rules, Status
from tests.solver.builders import (
    GARE,
    JULIE,
    MARIE,
    PARC,
    TILLEULS,
    assign,
    at,
    day,
    leave_period,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    whole_days,
    window,
    windows,
)
from tests.solver.solving import explanation_text, solve_checked

_ = (
    date,
    Preferences,
    Replan,
    Rules,
    GARE,
    JULIE,
    MARIE,
    PARC,
    TILLEULS,
    assign,
    at,
    day,
    leave_period,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    whole_days,
    window,
    windows,
    explanation_text,
)


def test_four_days_are_enough() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_days_per_week=4)))
    assert len({a.start.date() for a in rota.assignments}) <= 4


def test_three_days_cannot_give_35_h() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_days_per_week=3)))
    assert rota.status == Status.INFEASIBLE
    assert "3 jours par semaine" in explanation_text(rota)
