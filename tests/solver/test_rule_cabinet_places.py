"""Rule under test: cabinet places — never more assistants at a cabinet than its places."""

from __future__ import annotations

from solver.model import Status
from tests.solver.builders import (
    JULIE,
    MARIE,
    TILLEULS,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    windows,
)
from tests.solver.solving import explanation_text, solve_checked


def _two(places: int, hours: int):  # type: ignore[no-untyped-def]
    cab = make_cabinet(TILLEULS, opening=windows("08:00", "16:00"), places=places)
    return make_instance(
        assistants=[make_assistant(JULIE), make_assistant(MARIE)],
        cabinets=[cab],
        contracts=[
            make_contract("pool-1", JULIE, hours * 60, {TILLEULS: 10000}),
            make_contract("pool-2", MARIE, hours * 60, {TILLEULS: 10000}),
        ],
        travel={},
    )


def test_one_place_is_shared_in_turn() -> None:
    rota = solve_checked(_two(1, 16))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    julie = [(a.start, a.end) for a in rota.assignments if a.assistant == JULIE]
    marie = [(a.start, a.end) for a in rota.assignments if a.assistant == MARIE]
    assert all(e1 <= s2 or e2 <= s1 for s1, e1 in julie for s2, e2 in marie)


def test_two_places_allow_both_at_once_and_one_place_cannot_hold_48_h() -> None:
    assert solve_checked(_two(2, 24)).status in (Status.OPTIMAL, Status.FEASIBLE)
    rota = solve_checked(_two(1, 24))
    assert rota.status == Status.INFEASIBLE
    assert "place(s)" in explanation_text(rota)
