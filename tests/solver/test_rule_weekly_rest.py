"""Rule under test: weekly rest — each whole civil week holds a rest of min_weekly_rest_minutes in a row."""

from __future__ import annotations

from solver.model import Rules, Status
from tests.solver.builders import (
    make_assistant,
    make_contract,
    make_instance,
    windows,
)
from tests.solver.solving import explanation_text, solve_checked


def test_saturday_work_keeps_35_h_of_rest() -> None:
    julie = make_assistant(availability=windows("08:00", "19:00", range(6)))
    rota = solve_checked(
        make_instance(assistants=[julie], contracts=[make_contract(weekly_minutes=45 * 60)])
    )
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)


def test_huge_weekly_rest_is_infeasible() -> None:
    rota = solve_checked(make_instance(rules=Rules(min_weekly_rest_minutes=8000)))
    assert rota.status == Status.INFEASIBLE
    assert "repos hebdomadaire" in explanation_text(rota)
