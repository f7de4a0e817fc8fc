"""Rule under test: amplitude — first start to last end of a day at most max_amplitude_minutes."""

from __future__ import annotations

from solver.model import Rules, Status
from tests.solver.builders import (
    make_instance,
)
from tests.solver.solving import solve_checked


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
