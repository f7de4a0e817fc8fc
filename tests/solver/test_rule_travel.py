"""Rule under test: travel — two cabinets in one day are separated by a leg of the road time, which is effective work."""

from __future__ import annotations

from solver.model import Status
from tests.solver.builders import (
    PARC,
    TILLEULS,
    at,
    day,
    make_assistant,
    make_contract,
    make_instance,
    window,
)
from tests.solver.forced import solve_monday
from tests.solver.solving import explanation_text, solve_checked


def _monday_only(travel: dict[tuple[str, str], int]):  # type: ignore[no-untyped-def]
    julie = make_assistant(availability=[window(0, "08:00", "19:00")])
    contract = make_contract(weekly_minutes=8 * 60, shares={TILLEULS: 5000, PARC: 5000})
    return make_instance(assistants=[julie], contracts=[contract], travel=travel)


def test_two_cabinets_one_day_force_a_travel_leg() -> None:
    rota = solve_checked(_monday_only({(TILLEULS, PARC): 30}))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert len(rota.travel) == 1 and rota.travel[0].minutes == 30
    assert rota.objective_terms["travel_minutes"] == 30 * 2
    assert rota.objective_terms["site_changes"] == 30


def test_no_road_time_means_no_chaining() -> None:
    rota = solve_checked(_monday_only({}))
    assert rota.status == Status.INFEASIBLE
    assert rota.explanation
    # Without a road time the day cannot be split, so each cabinet's half cannot be met.
    text = explanation_text(rota)
    assert "la part du cabinet du parc" in text and "la part du cabinet des tilleuls" in text


def test_a_travel_leg_may_fill_the_gap_exactly() -> None:
    rota = solve_monday(
        {TILLEULS: ("10:00", "12:00"), PARC: ("12:30", "14:30")}, travel={(TILLEULS, PARC): 30}
    )
    assert rota.status == Status.OPTIMAL
    assert [(t.origin, t.destination, t.start, t.end) for t in rota.travel] == [
        (TILLEULS, PARC, at(day(0), "12:00"), at(day(0), "12:30"))
    ]


def test_a_road_time_longer_than_the_gap_is_infeasible() -> None:
    rota = solve_monday(
        {TILLEULS: ("10:00", "12:00"), PARC: ("12:30", "14:30")}, travel={(TILLEULS, PARC): 45}
    )
    assert rota.status == Status.INFEASIBLE
    # The explanation names the contract hours the travel leaves no room for, not the travel.
    assert "les 4 h du contrat « pool-1 »" in explanation_text(rota)
