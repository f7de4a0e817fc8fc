"""Rule under test: daily work — work and travel of a day at most max_daily_minutes."""

from __future__ import annotations

import pytest

from solver.model import Rules, Status
from tests.solver.builders import (
    make_instance,
)
from tests.solver.forced import solve_split_day
from tests.solver.measures import daily_work
from tests.solver.solving import explanation_text, solve_checked


def test_days_stay_under_the_limit() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_daily_minutes=480)))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    per_day: dict[object, int] = {}
    for a in rota.assignments:
        per_day[a.start.date()] = per_day.get(a.start.date(), 0) + a.minutes
    assert max(per_day.values()) <= 480


def test_too_short_days_are_infeasible() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_daily_minutes=360)))
    assert rota.status == Status.INFEASIBLE
    assert "au plus 6 h par jour" in explanation_text(rota)


@pytest.mark.parametrize("limit", [480, 495])
def test_an_eight_hour_day_is_allowed_at_and_above_its_limit(limit: int) -> None:
    rota = solve_split_day(max_daily_minutes=limit)
    assert rota.status == Status.OPTIMAL
    assert list(daily_work(rota).values()) == [480]


@pytest.mark.parametrize(("limit", "words"), [(479, "7 h 59"), (465, "7 h 45")])
def test_a_daily_limit_below_the_eight_hours_is_infeasible_and_named(
    limit: int, words: str
) -> None:
    rota = solve_split_day(max_daily_minutes=limit)
    assert rota.status == Status.INFEASIBLE
    assert f"au plus {words} par jour" in explanation_text(rota)
