"""Soft goals: each weighted term moves the rota the right way and is reported.

Rule under test: the soft goals of docs/rules.md (share deviation with balances, uncovered sessions
and requests, travel and site changes, pattern changes, preferences), each reported in
`Rota.objective_terms` as the checker recomputes it.
"""

from __future__ import annotations

from solver.model import DatedRequest, Preferences, Session, Status
from tests.solver.builders import (
    PARC,
    TILLEULS,
    day,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
)
from tests.solver.solving import solve_checked


def test_sessions_are_covered() -> None:
    sessions = [Session(wd, 8 * 60, 12 * 60, 2) for wd in range(5)]
    cab = make_cabinet(PARC, sessions=sessions)
    rota = solve_checked(make_instance(cabinets=[make_cabinet(TILLEULS), cab]))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    # Leaving every session uncovered would cost 5 mornings x 240 min x weight 2 x 4 points.
    assert rota.objective_terms["session_uncovered"] < 5 * 240 * 2 * 4


def test_dated_request_is_covered() -> None:
    cab = make_cabinet(PARC, requests=[DatedRequest(day(2), 9 * 60, 11 * 60, 8)])
    rota = solve_checked(make_instance(cabinets=[make_cabinet(TILLEULS), cab]))
    assert rota.objective_terms["request_uncovered"] == 0


def test_preferred_day_off_is_respected() -> None:
    julie = make_assistant(preferences=Preferences(days_off=(2,), earliest_start=9 * 60))
    rota = solve_checked(make_instance(assistants=[julie]))
    assert rota.objective_terms["preference_violations"] == 0
    assert all(a.start.weekday() != 2 and a.start.hour >= 9 for a in rota.assignments)


def test_few_site_changes() -> None:
    rota = solve_checked(make_instance())
    assert rota.objective_terms["site_changes"] == 0 and not rota.travel


def test_deficit_balance_is_compensated() -> None:
    contract = make_contract(balance_minutes={PARC: -30, TILLEULS: 30})
    rota = solve_checked(make_instance(contracts=[contract]))
    assert rota.minutes[contract.id][PARC] == 14 * 60 + 30
    assert rota.objective_terms["share_deviation"] == 0


def test_same_pattern_week_to_week() -> None:
    rota = solve_checked(make_instance(days=14), time_limit_s=3.0)
    assert rota.objective_terms["pattern_changes"] == 0
