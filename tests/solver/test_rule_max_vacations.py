"""Rule under test: vacations — at most max_vacations_per_day vacations a day."""

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
from tests.solver.measures import vacations
from tests.solver.solving import explanation_text, solve_checked


def _split_opening(rules: Rules):  # type: ignore[no-untyped-def]
    cab = make_cabinet(TILLEULS, opening=windows("08:00", "12:00") + windows("14:00", "18:00"))
    contract = make_contract(weekly_minutes=24 * 60, shares={TILLEULS: 10000})
    return make_instance(cabinets=[cab], contracts=[contract], travel={}, rules=rules)


def test_two_vacations_cover_a_split_opening() -> None:
    assert solve_checked(_split_opening(Rules())).status == Status.OPTIMAL


def test_one_vacation_a_day_cannot_give_24_h() -> None:
    rota = solve_checked(_split_opening(Rules(max_vacations_per_day=1)))
    assert rota.status == Status.INFEASIBLE
    assert "vacation" in explanation_text(rota)


@pytest.mark.parametrize("limit", [2, 3])
def test_two_vacations_are_allowed_at_and_above_their_limit(limit: int) -> None:
    rota = solve_split_day(max_vacations_per_day=limit)
    assert rota.status == Status.OPTIMAL
    assert [len(runs) for runs in vacations(rota).values()] == [2]


def test_one_vacation_a_day_cannot_hold_a_split_opening_and_is_named() -> None:
    rota = solve_split_day(max_vacations_per_day=1)
    assert rota.status == Status.INFEASIBLE
    assert "au plus 1 vacation(s) par jour pour julie martin" in explanation_text(rota)
