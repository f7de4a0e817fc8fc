"""Rule under test: break — no run of work and travel longer than break_after_minutes without a pause."""

from __future__ import annotations

import pytest

from solver.model import Assignment, Status
from tests.solver.builders import (
    TILLEULS,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    windows,
)
from tests.solver.forced import solve_one_run
from tests.solver.measures import longest_run_without_pause
from tests.solver.solving import explanation_text, solve_checked


def test_long_days_get_a_break() -> None:
    julie = make_assistant(availability=windows("08:00", "19:00", range(4)))
    rota = solve_checked(
        make_instance(assistants=[julie], contracts=[make_contract(weekly_minutes=36 * 60)])
    )
    assert rota.status == Status.OPTIMAL
    days: dict[object, list[Assignment]] = {}
    for a in rota.assignments:
        days.setdefault(a.start.date(), []).append(a)
    long_days = [pieces for pieces in days.values() if sum(p.minutes for p in pieces) > 360]
    assert long_days, "36 h over four days makes days longer than 6 h"
    for pieces in long_days:
        pieces.sort(key=lambda p: p.start)
        gaps = [
            (b.start - a.end).total_seconds() / 60 for a, b in zip(pieces, pieces[1:], strict=False)
        ]
        assert any(gap >= 20 for gap in gaps), "a day over 6 h holds a pause of 20 min or more"


def test_six_and_a_half_hours_without_room_for_a_pause_is_infeasible() -> None:
    cab = make_cabinet(TILLEULS, opening=windows("08:00", "14:30"))
    contract = make_contract(weekly_minutes=390 * 5, shares={TILLEULS: 10000})
    rota = solve_checked(make_instance(cabinets=[cab], contracts=[contract], travel={}))
    assert rota.status == Status.INFEASIBLE
    assert "pause" in explanation_text(rota)


@pytest.mark.parametrize("limit", [360, 365])
def test_six_hours_in_a_row_are_allowed_at_and_above_the_limit(limit: int) -> None:
    rota = solve_one_run("14:00", break_after_minutes=limit)
    assert rota.status == Status.OPTIMAL
    assert rota.breaks == ()
    assert longest_run_without_pause(rota, 20) == 360


def test_six_hours_in_a_row_over_a_lower_limit_are_infeasible_and_named() -> None:
    rota = solve_one_run("14:00", break_after_minutes=355)
    assert rota.status == Status.INFEASIBLE
    assert "une pause après 5 h 55 de travail pour julie martin" in explanation_text(rota)


def test_a_pause_of_exactly_the_minimum_fills_the_room_left() -> None:
    rota = solve_one_run("14:20", break_after_minutes=355)
    assert rota.status == Status.OPTIMAL
    assert [int((b.end - b.start).total_seconds()) // 60 for b in rota.breaks] == [20]
    assert longest_run_without_pause(rota, 20) <= 355
    assert sum(a.minutes for a in rota.assignments) == 360


def test_no_room_for_a_longer_pause_is_infeasible_and_named() -> None:
    rota = solve_one_run("14:20", break_after_minutes=355, break_minutes=25)
    assert rota.status == Status.INFEASIBLE
    assert "une pause après 5 h 55 de travail pour julie martin" in explanation_text(rota)
