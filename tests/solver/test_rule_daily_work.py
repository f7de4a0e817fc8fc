"""Rule under test: daily work — work and travel of a day at most max_daily_minutes."""

from __future__ import annotations

from solver.model import Rules, Status
from tests.solver.builders import (
    make_instance,
)
from tests.solver.solving import explanation_text, solve_checked


def test_days_stay_under_the_limit() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_daily_minutes=480)))
    per_day: dict[object, int] = {}
    for a in rota.assignments:
        per_day[a.start.date()] = per_day.get(a.start.date(), 0) + a.minutes
    assert max(per_day.values()) <= 480


def test_too_short_days_are_infeasible() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_daily_minutes=360)))
    assert rota.status == Status.INFEASIBLE
    assert "au plus 6 h par jour" in explanation_text(rota)
