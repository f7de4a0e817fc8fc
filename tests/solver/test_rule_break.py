"""Rule under test: break — no run of work and travel longer than break_after_minutes without a pause."""

from __future__ import annotations

from solver.model import Assignment, Status
from tests.solver.builders import (
    TILLEULS,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    windows,
)
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
