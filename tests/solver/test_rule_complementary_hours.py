"""Rule under test: complementary hours — travel paid beyond a part-time contract is at most a
tenth of its weekly minutes (a third under an accord), and never brings its week to full time.

The planner at and around the limit; the checker's own tests are in test_validation.py."""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver.model import Instance, Rules, Status
from solver.validation import complementary_limit
from tests.solver.builders import (
    PAID,
    PARC,
    TILLEULS,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    windows,
)
from tests.solver.solving import explanation_text, solve_checked


def test_the_limit_is_a_tenth_or_a_third_and_stops_short_of_full_time() -> None:
    accord = replace(PAID, complementary_accord=True)
    assert complementary_limit(PAID, 24 * 60, 24 * 60) == 144
    assert complementary_limit(accord, 24 * 60, 24 * 60) == 480
    # 34 h a week: a third would be 11 h 20, but the week may not reach 35 h.
    assert complementary_limit(accord, 34 * 60, 34 * 60) == 59
    assert complementary_limit(PAID, 35 * 60, 35 * 60) is None
    # Travel counted in the contract (the default) is no complementary hour.
    assert complementary_limit(Rules(), 24 * 60, 24 * 60) is None


def _daily_trips(road: int, rules: Rules) -> Instance:
    """Julie, 20 h a week on four days (08:00-14:00), must be at the Tilleuls (open 08:00-10:30)
    and at the Parc (open 10:30-15:00) every day to give each its 10 h: four legs of `road`
    minutes a week, paid beyond her contract. A tenth of 20 h is 2 h: 30 minutes a day."""
    return make_instance(
        assistants=[make_assistant(availability=windows("08:00", "14:00", range(4)))],
        cabinets=[
            make_cabinet(TILLEULS, opening=windows("08:00", "10:30", range(4))),
            make_cabinet(PARC, opening=windows("10:30", "15:00", range(4))),
        ],
        contracts=[make_contract(weekly_minutes=20 * 60, shares={TILLEULS: 5000, PARC: 5000})],
        travel={(TILLEULS, PARC): road},
        rules=rules,
    )


@pytest.mark.parametrize("road", [15, 30])
def test_travel_at_or_below_a_tenth_is_planned(road: int) -> None:
    rota = solve_checked(_daily_trips(road, PAID), time_limit_s=5)
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert sum(t.minutes for t in rota.travel) == 4 * road


def test_travel_above_a_tenth_is_infeasible_and_named() -> None:
    rota = solve_checked(_daily_trips(45, PAID), time_limit_s=5)
    assert rota.status == Status.INFEASIBLE
    assert "heures complémentaires" in explanation_text(rota)


def test_an_accord_allows_a_third() -> None:
    rota = solve_checked(_daily_trips(45, replace(PAID, complementary_accord=True)), time_limit_s=5)
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert sum(t.minutes for t in rota.travel) == 4 * 45
