"""Rule under test: shares — each cabinet's weekly minutes within the tolerance of its share target."""

from __future__ import annotations

from solver.model import Rules, Status
from tests.solver.builders import (
    GARE,
    PARC,
    TILLEULS,
    make_cabinet,
    make_contract,
    make_instance,
)
from tests.solver.solving import solve_checked


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
