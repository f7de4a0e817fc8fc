"""Rule under test: amplitude — first start to last end of a day at most max_amplitude_minutes."""

from __future__ import annotations

from datetime import date

from solver.model import Preferences, Replan, Rules, Status
from tests.solver.builders import (
    GARE,
    JULIE,
    MARIE,
    PARC,
    TILLEULS,
    assign,
    at,
    day,
    leave_period,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    whole_days,
    window,
    windows,
)
from tests.solver.solving import explanation_text, solve_checked

_ = (
    date,
    Preferences,
    Replan,
    Rules,
    GARE,
    JULIE,
    MARIE,
    PARC,
    TILLEULS,
    assign,
    at,
    day,
    leave_period,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    whole_days,
    window,
    windows,
    explanation_text,
)


def test_amplitude_is_kept() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_amplitude_minutes=480)))
    days: dict[object, list[object]] = {}
    for a in rota.assignments:
        days.setdefault(a.start.date(), []).append(a)
    for pieces in days.values():
        span = max(p.end for p in pieces) - min(p.start for p in pieces)  # type: ignore[attr-defined]
        assert span.total_seconds() <= 480 * 60


def test_narrow_amplitude_is_infeasible() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_amplitude_minutes=360)))
    assert rota.status == Status.INFEASIBLE
