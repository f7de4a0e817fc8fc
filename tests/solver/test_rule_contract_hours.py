"""Rule under test: contract hours — each contract's minutes in each week equal its weekly target."""

from __future__ import annotations

import pytest

from solver.model import Rules, Status
from tests.solver.builders import (
    TILLEULS,
    make_assistant,
    make_contract,
    make_instance,
    window,
)
from tests.solver.solving import explanation_text, solve_checked


def test_minutes_equal_the_target_each_week() -> None:
    rota = solve_checked(make_instance(days=14), time_limit_s=3.0)
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    weeks: dict[object, int] = {}
    for a in rota.assignments:
        monday = a.start.date().isocalendar()[1]
        weeks[monday] = weeks.get(monday, 0) + a.minutes
    assert sorted(weeks.values()) == [35 * 60, 35 * 60]


def test_partial_week_target_is_reduced() -> None:
    rota = solve_checked(make_instance(days=3))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert sum(a.minutes for a in rota.assignments) == 21 * 60


@pytest.mark.parametrize("available_until", ["12:00", "13:00"])
def test_the_contract_gets_exactly_its_hours_when_room_allows(available_until: str) -> None:
    julie = make_assistant(availability=[window(0, "08:00", available_until)])
    instance = make_instance(
        assistants=[julie],
        contracts=[make_contract(weekly_minutes=4 * 60, shares={TILLEULS: 10_000})],
        days=1,
        travel={},
        rules=Rules(min_weekly_contract_minutes=0),
    )
    rota = solve_checked(instance)
    assert rota.status == Status.OPTIMAL
    assert sum(a.minutes for a in rota.assignments) == 240


def test_one_grain_less_room_than_the_contract_is_infeasible_and_named() -> None:
    julie = make_assistant(availability=[window(0, "08:00", "11:45")])
    instance = make_instance(
        assistants=[julie],
        contracts=[make_contract(weekly_minutes=4 * 60, shares={TILLEULS: 10_000})],
        days=1,
        travel={},
        rules=Rules(min_weekly_contract_minutes=0),
    )
    rota = solve_checked(instance)
    assert rota.status == Status.INFEASIBLE
    assert "le contrat « pool-1 » prévoit 4 h pour julie martin" in explanation_text(rota)
