"""Rule under test: interruption — the gap between two vacations lasts at most max_interruption_minutes."""

from __future__ import annotations

import pytest

from solver.model import Rules, Status
from tests.solver.builders import (
    TILLEULS,
    make_cabinet,
    make_contract,
    make_instance,
    windows,
)
from tests.solver.forced import solve_split_day
from tests.solver.measures import interruptions
from tests.solver.solving import explanation_text, solve_checked


def _lunch_closed(rules: Rules):  # type: ignore[no-untyped-def]
    cab = make_cabinet(TILLEULS, opening=windows("08:00", "12:00") + windows("14:00", "19:00"))
    contract = make_contract(weekly_minutes=35 * 60, shares={TILLEULS: 10000})
    return make_instance(cabinets=[cab], contracts=[contract], travel={}, rules=rules)


def test_two_hour_lunch_is_allowed() -> None:
    assert solve_checked(_lunch_closed(Rules())).status == Status.OPTIMAL


def test_one_hour_limit_cannot_bridge_lunch() -> None:
    rota = solve_checked(_lunch_closed(Rules(max_interruption_minutes=60)))
    assert rota.status == Status.INFEASIBLE
    assert "coupure" in explanation_text(rota)


@pytest.mark.parametrize("limit", [120, 135])
def test_a_two_hour_interruption_is_allowed_at_and_above_its_limit(limit: int) -> None:
    rota = solve_split_day(max_interruption_minutes=limit)
    assert rota.status == Status.OPTIMAL
    assert interruptions(rota) == [120]


@pytest.mark.parametrize(("limit", "words"), [(119, "1 h 59"), (105, "1 h 45")])
def test_an_interruption_limit_below_two_hours_is_infeasible_and_named(
    limit: int, words: str
) -> None:
    rota = solve_split_day(max_interruption_minutes=limit)
    assert rota.status == Status.INFEASIBLE
    assert f"la coupure de julie martin limitée à {words}" in explanation_text(rota)
