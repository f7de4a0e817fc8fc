"""Rule under test: 12-week average — with worked_minutes_before, 12 consecutive weeks total at most 12 × 44 h."""

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


def test_room_left_in_the_average_is_used() -> None:
    julie = make_assistant(worked_minutes_before=[44 * 60] * 11)
    assert solve_checked(make_instance(assistants=[julie])).status == Status.OPTIMAL


def test_no_room_left_is_infeasible() -> None:
    julie = make_assistant(worked_minutes_before=[48 * 60] * 11)
    rota = solve_checked(make_instance(assistants=[julie]))
    assert rota.status == Status.INFEASIBLE
    assert "moyenne" in explanation_text(rota)
