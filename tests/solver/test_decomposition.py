"""Decomposition and determinism: independent parts are solved apart and merged; same input, same rota.

Rule under test: the merged status is the weakest part's, objective and bound add up, an
infeasible part makes the whole infeasible with its explanation; deterministic mode repeats itself.
"""

from __future__ import annotations

from solver.model import Status
from solver.solve import split_parts
from tests.solver.builders import (
    GARE,
    JULIE,
    MARIE,
    PARC,
    TILLEULS,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    window,
)
from tests.solver.solving import solve_checked


def _two_pools(marie_hours: int = 16):  # type: ignore[no-untyped-def]
    return make_instance(
        assistants=[make_assistant(JULIE), make_assistant(MARIE)],
        cabinets=[
            make_cabinet(TILLEULS),
            make_cabinet(PARC),
            make_cabinet(GARE, opening=[window(2, "08:00", "12:00")]),
        ],
        contracts=[
            make_contract("pool-1", JULIE),
            make_contract("pool-2", MARIE, marie_hours * 60, {GARE: 10000}),
        ],
    )


def test_independent_pools_are_split_and_merged() -> None:
    instance = _two_pools(4)
    assert len(split_parts(instance)) == 2
    rota = solve_checked(instance)
    assert rota.status == Status.OPTIMAL
    assert {a.assistant for a in rota.assignments} == {JULIE, MARIE}
    assert rota.objective == rota.bound


def test_one_infeasible_part_makes_the_whole_infeasible() -> None:
    rota = solve_checked(_two_pools(16))
    assert rota.status == Status.INFEASIBLE
    assert any("Gare" in line for line in rota.explanation)


def test_deterministic_mode_repeats_itself() -> None:
    instance = _two_pools(4)
    first = solve_checked(instance)
    second = solve_checked(instance)
    assert first.assignments == second.assignments
    assert first.travel == second.travel and first.breaks == second.breaks
