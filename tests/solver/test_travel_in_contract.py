"""Rule under test: contract hours with travel counted in the contract (`Rules.travel_in_contract`).

Each leg counts for the contract of the assignment it leads to, rounded up to the grain, and is
credited to its cabinets share by share on the grain; a contract's week then meets its target
exactly, and the assistant works at most that (less by what the rounding added). Every strategy
(day patterns for one assistant, the groupement decomposition, the constructive rota) plans by
it, the pre-checks leave room for the credit, and the checker re-validates every rota.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver.constraints.data import rounded_up
from solver.explain import precheck
from solver.greedy import greedy_rota
from solver.model import Instance, Rota, Rules, Status
from solver.validation import check_rota, credited_minutes
from tests.solver.builders import (
    GARE,
    JULIE,
    MARIE,
    PARC,
    POOL,
    TILLEULS,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    window,
)
from tests.solver.solving import explanation_text, solve_checked

COUNTED = Rules(travel_in_contract=True)


def _week_minutes(instance: Instance, rota: Rota) -> dict[str, int]:
    return {k: sum(v.values()) for k, v in credited_minutes(instance, rota).items()}


def _two_cabinets(rules: Rules = COUNTED) -> Instance:
    return make_instance(
        contracts=[make_contract(shares={TILLEULS: 5000, PARC: 5000})],
        travel={(TILLEULS, PARC): 20},
        rules=rules,
    )


def _thirds() -> Instance:
    return make_instance(
        cabinets=[make_cabinet(c) for c in (TILLEULS, PARC, GARE)],
        contracts=[make_contract(shares={TILLEULS: 3333, PARC: 3333, GARE: 3334})],
        travel={(TILLEULS, PARC): 20, (PARC, GARE): 25, (TILLEULS, GARE): 30},
        rules=COUNTED,
    )


def test_one_assistant_plans_travel_inside_her_contract() -> None:
    instance = _thirds()
    rota = solve_checked(instance, time_limit_s=5)
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert rota.travel, "thirds of 35 h in whole days cannot be met without travel"
    travel = sum(t.minutes for t in rota.travel)
    credited = sum(rounded_up(t.minutes, 15) for t in rota.travel)
    on_site = sum(a.minutes for a in rota.assignments)
    assert on_site + credited == 35 * 60
    assert 35 * 60 - 15 * len(rota.travel) < on_site + travel <= 35 * 60
    assert _week_minutes(instance, rota)[POOL] == on_site + credited
    assert rota.minutes[POOL] == credited_minutes(instance, rota)[POOL]


def test_paid_beyond_the_contract_the_time_on_site_is_the_whole_contract() -> None:
    instance = _two_cabinets(Rules())
    rota = solve_checked(instance, time_limit_s=5)
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert sum(a.minutes for a in rota.assignments) == 35 * 60


def _groupement() -> Instance:
    """Julie (Tilleuls and Parc) and Marie (Parc and Gare) share the Parc's one place."""
    return make_instance(
        assistants=[make_assistant(JULIE), make_assistant(MARIE, name="Marie Durand")],
        cabinets=[make_cabinet(c) for c in (TILLEULS, PARC, GARE)],
        contracts=[
            make_contract(shares={TILLEULS: 5000, PARC: 5000}),
            make_contract("pool-2", MARIE, 24 * 60, {PARC: 5000, GARE: 5000}),
        ],
        travel={(TILLEULS, PARC): 20, (PARC, GARE): 25, (TILLEULS, GARE): 30},
        rules=COUNTED,
    )


def test_a_groupement_plans_travel_inside_each_contract() -> None:
    instance = _groupement()
    rota = solve_checked(instance, time_limit_s=5)
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    weeks = _week_minutes(instance, rota)
    assert weeks == {POOL: 35 * 60, "pool-2": 24 * 60}
    on_site = sum(a.minutes for a in rota.assignments)
    assert on_site + sum(rounded_up(t.minutes, 15) for t in rota.travel) == 59 * 60


def test_the_constructive_rota_cuts_the_time_on_site_by_the_travel() -> None:
    # Thirds of 35 h cannot be whole days: the week is laid end to end, two cabinets a day.
    instance = _thirds()
    rota = greedy_rota(instance)
    assert rota is not None
    assert check_rota(instance, rota) == []
    assert rota.travel, "a week of two cabinets a day needs travel"
    assert _week_minutes(instance, rota) == {POOL: 35 * 60}


def _gare_open_four_hours(tolerance: int, share: int = 1214) -> Instance:
    """The Gare opens only Wednesday 08:00-12:00 (4 h). At 12.14 % its share is 4 h 15 of 35 h
    (17 quarter hours, the largest remainder); at 12.86 % it is 4 h 30 (18). The Wednesday's one
    leg of 20 minutes counts for 30: two quarter hours, 0.24 (or 0.26) of one to the Gare and
    1.76 (1.74) to the Tilleuls, so both go to the Tilleuls."""
    gare = make_cabinet(GARE, opening=[window(2, "08:00", "12:00")])
    return make_instance(
        cabinets=[make_cabinet(TILLEULS), gare],
        contracts=[make_contract(shares={GARE: share, TILLEULS: 10000 - share})],
        travel={(TILLEULS, GARE): 20},
        rules=replace(COUNTED, share_tolerance_minutes=tolerance),
    )


@pytest.mark.parametrize("tolerance", [15, 30])
def test_the_travel_credit_counts_in_the_share_at_and_above_the_tolerance(tolerance: int) -> None:
    rota = solve_checked(_gare_open_four_hours(tolerance), time_limit_s=5)
    assert rota.status == Status.OPTIMAL
    # 4 h at the Gare, 15 minutes short of its share; the Tilleuls 30 h 30 on site and the leg.
    assert rota.minutes[POOL] == {GARE: 240, TILLEULS: 1830 + 30}
    assert precheck(_gare_open_four_hours(tolerance)) == []


def test_a_share_short_by_more_than_its_credit_and_tolerance_is_infeasible() -> None:
    rota = solve_checked(_gare_open_four_hours(14), time_limit_s=5)
    assert rota.status == Status.INFEASIBLE
    assert "cabinet de la gare" in explanation_text(rota)


def test_the_pre_check_leaves_room_for_the_credit_but_not_more() -> None:
    # At most one leg on Wednesday, the only day the Gare opens: of its two quarter hours, the
    # Gare's part rounded up is one, so 4 h 15 at the most against a share of 4 h 30.
    assert precheck(_gare_open_four_hours(15, share=1286)) == []
    words = precheck(_gare_open_four_hours(14, share=1286))
    assert words and "au plus 4 h 15 possibles" in words[0]
