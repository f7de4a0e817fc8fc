"""Rule under test: Sunday rest — no work on Sundays (unless the rule is off)."""

from __future__ import annotations

from dataclasses import replace

from solver.model import Rules, Status
from tests.solver.builders import (
    PARC,
    TILLEULS,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    window,
    windows,
)
from tests.solver.solving import explanation_text, solve_checked


def _sunday_open(rules: Rules):  # type: ignore[no-untyped-def]
    julie = make_assistant(availability=windows("08:00", "19:00", range(7)))
    cabs = [
        make_cabinet(TILLEULS, opening=windows("08:00", "19:00", range(7))),
        make_cabinet(PARC, opening=windows("08:00", "19:00", range(7))),
    ]
    prefs_weights = make_instance().weights
    return make_instance(assistants=[julie], cabinets=cabs, rules=rules, weights=prefs_weights)


def test_no_work_on_sunday() -> None:
    rota = solve_checked(_sunday_open(Rules()))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert all(a.start.weekday() != 6 for a in rota.assignments)


def test_sunday_work_is_possible_when_the_rule_is_off() -> None:
    julie = make_assistant(availability=[window(6, "08:00", "19:00"), window(0, "08:00", "19:00")])
    cabs = [
        make_cabinet(TILLEULS, opening=windows("08:00", "19:00", range(7))),
        make_cabinet(PARC, opening=windows("08:00", "19:00", range(7))),
    ]
    rota = solve_checked(
        make_instance(
            assistants=[julie],
            cabinets=cabs,
            contracts=[make_contract(weekly_minutes=16 * 60)],
            rules=Rules(sunday_rest=False),
        )
    )
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert any(a.start.weekday() == 6 for a in rota.assignments)


def test_sunday_only_availability_is_infeasible_under_the_rule() -> None:
    julie = make_assistant(availability=[window(6, "08:00", "12:00")])
    cabinet = make_cabinet(TILLEULS, opening=windows("08:00", "19:00", range(7)))
    instance = make_instance(
        assistants=[julie],
        cabinets=[cabinet],
        contracts=[make_contract(weekly_minutes=4 * 60, shares={TILLEULS: 10_000})],
        travel={},
        rules=Rules(min_weekly_contract_minutes=0),
    )
    rota = solve_checked(instance)
    assert rota.status == Status.INFEASIBLE
    # Caught before the search: the sentence gives the room left (none), not the Sunday rule.
    assert "n'en laissent que 0 min" in explanation_text(rota)
    relaxed = solve_checked(
        replace(instance, rules=Rules(min_weekly_contract_minutes=0, sunday_rest=False))
    )
    assert relaxed.status == Status.OPTIMAL
    assert {a.start.weekday() for a in relaxed.assignments} == {6}
