"""Rule under test: shorter vacation — when a day is cut, each vacation lasts at least min_vacation_minutes."""

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


@pytest.mark.parametrize("limit", [225, 240])
def test_four_hour_vacations_are_allowed_at_and_below_their_minimum(limit: int) -> None:
    rota = solve_split_day(min_vacation_minutes=limit)
    assert rota.status == Status.OPTIMAL
    runs = next(iter(vacations(rota).values()))
    assert [int((end - start).total_seconds()) // 60 for start, end in runs] == [240, 240]


@pytest.mark.parametrize(("limit", "words"), [(241, "4 h 01"), (255, "4 h 15")])
def test_a_minimum_above_four_hours_is_infeasible_and_named(limit: int, words: str) -> None:
    rota = solve_split_day(min_vacation_minutes=limit)
    assert rota.status == Status.INFEASIBLE
    assert f"des vacations d'au moins {words} quand la journée de julie martin est coupée" in (
        explanation_text(rota)
    )
