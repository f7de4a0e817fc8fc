"""Rule under test: weekly maximum — work and travel in a civil week at most max_weekly_minutes, all contracts together."""

from __future__ import annotations

from solver.model import Status
from tests.solver.builders import (
    PARC,
    make_assistant,
    make_contract,
    make_instance,
    windows,
)
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
