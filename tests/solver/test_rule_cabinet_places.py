"""Rule under test: cabinet places — never more assistants at a cabinet than its places."""

from __future__ import annotations

import pytest

from solver.model import Instance, Rules, Status
from tests.solver.builders import (
    JULIE,
    MARIE,
    TILLEULS,
    at,
    day,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    window,
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


def _six_hours_each(places: int) -> Instance:
    """Julie and Marie each need the Tilleuls' whole Monday opening, 08:00-14:00."""
    cabinet = make_cabinet(TILLEULS, opening=[window(0, "08:00", "14:00")], places=places)
    monday = [window(0, "08:00", "19:00")]
    return make_instance(
        assistants=[
            make_assistant(JULIE, availability=monday),
            make_assistant(MARIE, availability=monday),
        ],
        cabinets=[cabinet],
        contracts=[
            make_contract("pool-1", JULIE, 360, {TILLEULS: 10_000}),
            make_contract("pool-2", MARIE, 360, {TILLEULS: 10_000}),
        ],
        days=1,
        travel={},
        rules=Rules(min_weekly_contract_minutes=0),
    )


@pytest.mark.parametrize("places", [2, 3])
def test_two_assistants_at_once_fit_at_and_above_two_places(places: int) -> None:
    rota = solve_checked(_six_hours_each(places))
    assert rota.status == Status.OPTIMAL
    assert sorted((a.assistant, a.start, a.end) for a in rota.assignments) == [
        (JULIE, at(day(0), "08:00"), at(day(0), "14:00")),
        (MARIE, at(day(0), "08:00"), at(day(0), "14:00")),
    ]


def test_two_assistants_at_once_in_one_place_are_infeasible_and_named() -> None:
    rota = solve_checked(_six_hours_each(1))
    assert rota.status == Status.INFEASIBLE
    assert "le cabinet des tilleuls n'a que 1 place(s) et 6 h d'ouverture" in explanation_text(rota)
