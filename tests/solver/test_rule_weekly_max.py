"""Rule under test: weekly maximum — work and travel in a civil week at most max_weekly_minutes, all contracts together."""

from __future__ import annotations

import pytest

from solver.model import Status
from tests.solver.builders import (
    PARC,
    make_assistant,
    make_contract,
    make_instance,
    windows,
)
from tests.solver.forced import solve_six_short_days
from tests.solver.measures import weekly_work
from tests.solver.solving import explanation_text, solve_checked


def test_two_contracts_over_48_h_are_infeasible() -> None:
    contracts = [
        make_contract(),
        make_contract("pool-2", shares={PARC: 10000}, weekly_minutes=16 * 60),
    ]
    rota = solve_checked(make_instance(contracts=contracts))
    assert rota.status == Status.INFEASIBLE
    assert "au plus 48 h par semaine" in explanation_text(rota)


def test_two_contracts_under_the_maximum_are_planned() -> None:
    julie = make_assistant(availability=windows("08:00", "19:00", range(6)))
    contracts = [
        make_contract(weekly_minutes=24 * 60),
        make_contract("pool-2", shares={PARC: 10000}, weekly_minutes=16 * 60),
    ]
    rota = solve_checked(make_instance(assistants=[julie], contracts=contracts))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert list(weekly_work(rota).values()) == [40 * 60]


@pytest.mark.parametrize("limit", [24 * 60, 24 * 60 + 15])
def test_a_24_h_week_is_allowed_at_and_above_its_maximum(limit: int) -> None:
    rota = solve_six_short_days(max_weekly_minutes=limit)
    assert rota.status == Status.OPTIMAL
    assert list(weekly_work(rota).values()) == [24 * 60]


@pytest.mark.parametrize(("limit", "words"), [(24 * 60 - 1, "23 h 59"), (24 * 60 - 15, "23 h 45")])
def test_a_weekly_maximum_below_24_h_is_infeasible_and_named(limit: int, words: str) -> None:
    rota = solve_six_short_days(max_weekly_minutes=limit)
    assert rota.status == Status.INFEASIBLE
    # One contract over the maximum is caught before the search; its sentence gives the figure the
    # maximum leaves, without naming the rule (two contracts over it name "au plus 48 h par semaine").
    assert f"n'en laissent que {words}" in explanation_text(rota)
