"""Rule under test: weekly rest — each whole civil week holds a rest of min_weekly_rest_minutes in a row."""

from __future__ import annotations

import pytest

from solver.model import Rules, Status
from tests.solver.builders import (
    MONDAY,
    at,
    make_assistant,
    make_contract,
    make_instance,
    windows,
)
from tests.solver.forced import solve_six_short_days
from tests.solver.measures import longest_weekly_rest
from tests.solver.solving import explanation_text, solve_checked


def test_saturday_work_keeps_35_h_of_rest() -> None:
    julie = make_assistant(availability=windows("08:00", "19:00", range(6)))
    rota = solve_checked(
        make_instance(assistants=[julie], contracts=[make_contract(weekly_minutes=45 * 60)])
    )
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert longest_weekly_rest(rota, MONDAY, at(MONDAY, "00:00")) >= 35 * 60


def test_huge_weekly_rest_is_infeasible() -> None:
    rota = solve_checked(make_instance(rules=Rules(min_weekly_rest_minutes=8000)))
    assert rota.status == Status.INFEASIBLE
    assert "repos hebdomadaire" in explanation_text(rota)


@pytest.mark.parametrize("limit", [2025, 2040])
def test_a_longest_rest_of_34_h_is_allowed_at_and_below_its_limit(limit: int) -> None:
    rota = solve_six_short_days(min_weekly_rest_minutes=limit)
    assert rota.status == Status.OPTIMAL
    assert longest_weekly_rest(rota, MONDAY, at(MONDAY, "00:00")) == 34 * 60


@pytest.mark.parametrize(("limit", "words"), [(2041, "34 h 01"), (2055, "34 h 15")])
def test_a_weekly_rest_above_34_h_is_infeasible_and_named(limit: int, words: str) -> None:
    rota = solve_six_short_days(min_weekly_rest_minutes=limit)
    assert rota.status == Status.INFEASIBLE
    assert f"le repos hebdomadaire de {words} d'affilée de julie martin" in explanation_text(rota)
