"""Rule under test: shorter vacation — when a day is cut, each vacation lasts at least min_vacation_minutes."""

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


def _lunch(rules: Rules):  # type: ignore[no-untyped-def]
    cab = make_cabinet(TILLEULS, opening=windows("08:00", "12:00") + windows("13:00", "19:00"))
    contract = make_contract(weekly_minutes=35 * 60, shares={TILLEULS: 10000})
    return make_instance(cabinets=[cab], contracts=[contract], travel={}, rules=rules)


def test_cut_days_keep_three_hour_vacations() -> None:
    assert solve_checked(_lunch(Rules())).status == Status.OPTIMAL


def test_five_hour_minimum_cannot_use_the_morning() -> None:
    rota = solve_checked(_lunch(Rules(min_vacation_minutes=300)))
    assert rota.status == Status.INFEASIBLE
    assert "vacations d'au moins 5 h" in explanation_text(rota)
