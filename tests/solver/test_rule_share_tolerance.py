"""Rule under test: shares — each cabinet's weekly minutes within the tolerance of its share target."""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver.model import Instance, Rules, Status
from tests.solver.builders import (
    GARE,
    PAID,
    PARC,
    POOL,
    TILLEULS,
    make_cabinet,
    make_contract,
    make_instance,
    window,
)
from tests.solver.solving import explanation_text, solve_checked


def test_shares_are_kept_within_tolerance() -> None:
    contract = make_contract(shares={TILLEULS: 3333, PARC: 3333, GARE: 3334})
    cabs = [make_cabinet(TILLEULS), make_cabinet(PARC), make_cabinet(GARE)]
    rota = solve_checked(
        make_instance(
            cabinets=cabs,
            contracts=[contract],
            travel={(TILLEULS, PARC): 10, (PARC, GARE): 15, (TILLEULS, GARE): 20},
            rules=Rules(share_tolerance_minutes=0),
        )
    )
    assert rota.status == Status.OPTIMAL
    assert sorted(rota.minutes[contract.id].values()) == [690, 705, 705]


def _gare_open_four_hours(tolerance: int) -> Instance:
    """The Gare's share is 4 h 15 of 35 h but it opens only Wednesday 08:00-12:00 (4 h); travel
    paid beyond the contract (counted in it, a leg's credit makes up part of the share:
    tests/solver/test_travel_in_contract.py)."""
    gare = make_cabinet(GARE, opening=[window(2, "08:00", "12:00")])
    return make_instance(
        cabinets=[make_cabinet(TILLEULS), gare],
        contracts=[make_contract(shares={GARE: 1214, TILLEULS: 8786})],
        travel={(TILLEULS, GARE): 20},
        rules=replace(PAID, share_tolerance_minutes=tolerance),
    )


@pytest.mark.parametrize("tolerance", [15, 30])
def test_a_share_short_by_the_tolerance_is_allowed_at_and_above_it(tolerance: int) -> None:
    rota = solve_checked(_gare_open_four_hours(tolerance))
    assert rota.status == Status.OPTIMAL
    assert rota.minutes[POOL] == {GARE: 240, TILLEULS: 1860}
    assert rota.objective_terms["share_deviation"] == 100 * (15 + 15)


def test_a_share_short_by_more_than_the_tolerance_is_infeasible_and_named() -> None:
    rota = solve_checked(_gare_open_four_hours(14))
    assert rota.status == Status.INFEASIBLE
    assert "12,14 % de 35 h (4 h 15) ne peuvent pas y tenir" in explanation_text(rota)
