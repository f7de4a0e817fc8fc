"""Rule under test: shares — each cabinet's weekly minutes within the tolerance of its share target."""

from __future__ import annotations

from datetime import date

from solver.model import Preferences, Replan, Rules, Status
from tests.solver.builders import (
    GARE,
    JULIE,
    MARIE,
    PARC,
    TILLEULS,
    assign,
    at,
    day,
    leave_period,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    whole_days,
    window,
    windows,
)
from tests.solver.solving import explanation_text, solve_checked

_ = (
    date,
    Preferences,
    Replan,
    Rules,
    GARE,
    JULIE,
    MARIE,
    PARC,
    TILLEULS,
    assign,
    at,
    day,
    leave_period,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    whole_days,
    window,
    windows,
    explanation_text,
)


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
