"""Rule under test: amplitude — first start to last end of a day at most max_amplitude_minutes."""

from __future__ import annotations

import pytest

from solver.model import Rules, Status
from tests.solver.builders import (
    make_instance,
)
from tests.solver.forced import solve_split_day
from tests.solver.measures import amplitudes
from tests.solver.solving import explanation_text, solve_checked


def test_amplitude_is_kept() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_amplitude_minutes=480)))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    days: dict[object, list[object]] = {}
    for a in rota.assignments:
        days.setdefault(a.start.date(), []).append(a)
    for pieces in days.values():
        span = max(p.end for p in pieces) - min(p.start for p in pieces)  # type: ignore[attr-defined]
        assert span.total_seconds() <= 480 * 60
    assert max(amplitudes(rota).values()) <= 480


def test_narrow_amplitude_is_infeasible() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_amplitude_minutes=360)))
    assert rota.status == Status.INFEASIBLE


@pytest.mark.parametrize("limit", [600, 615])
def test_a_ten_hour_split_day_is_allowed_at_and_above_its_amplitude(limit: int) -> None:
    rota = solve_split_day(max_amplitude_minutes=limit)
    assert rota.status == Status.OPTIMAL
    assert list(amplitudes(rota).values()) == [600]


@pytest.mark.parametrize(("limit", "words"), [(599, "9 h 59"), (585, "9 h 45")])
def test_an_amplitude_below_the_split_day_is_infeasible_and_named(limit: int, words: str) -> None:
    rota = solve_split_day(max_amplitude_minutes=limit)
    assert rota.status == Status.INFEASIBLE
    assert f"l'amplitude de la journée de julie martin limitée à {words}" in explanation_text(rota)


def test_a_narrow_amplitude_is_named_in_the_explanation() -> None:
    rota = solve_checked(make_instance(rules=Rules(max_amplitude_minutes=360)))
    assert rota.status == Status.INFEASIBLE
    text = explanation_text(rota)
    assert "une amplitude d'au plus 6 h par jour" in text
    assert "au plus 10 h par jour" not in text  # the daily work limit does not bind here
