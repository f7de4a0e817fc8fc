"""Rule under test: vacations — at most max_vacations_per_day vacations a day."""

from __future__ import annotations

from solver.model import Rules, Status
from tests.solver.builders import (
    TILLEULS,
    make_cabinet,
    make_contract,
    make_instance,
    windows,
)
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
