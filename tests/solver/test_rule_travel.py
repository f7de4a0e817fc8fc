"""Rule under test: travel — two cabinets in one day are separated by a leg of the road time, which is effective work."""

from __future__ import annotations

from solver.model import Status
from tests.solver.builders import (
    PARC,
    TILLEULS,
    make_assistant,
    make_contract,
    make_instance,
    window,
)
from tests.solver.solving import solve_checked


def _monday_only(travel: dict[tuple[str, str], int]):  # type: ignore[no-untyped-def]
    julie = make_assistant(availability=[window(0, "08:00", "19:00")])
    contract = make_contract(weekly_minutes=8 * 60, shares={TILLEULS: 5000, PARC: 5000})
    return make_instance(assistants=[julie], contracts=[contract], travel=travel)


def test_two_cabinets_one_day_force_a_travel_leg() -> None:
    rota = solve_checked(_monday_only({(TILLEULS, PARC): 30}))
    assert len(rota.travel) == 1 and rota.travel[0].minutes == 30
    assert rota.objective_terms["travel_minutes"] == 30 * 2
    assert rota.objective_terms["site_changes"] == 30


def test_no_road_time_means_no_chaining() -> None:
    rota = solve_checked(_monday_only({}))
    assert rota.status == Status.INFEASIBLE
    assert rota.explanation
