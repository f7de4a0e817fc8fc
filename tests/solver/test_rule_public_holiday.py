"""Rule under test: public holidays — no assignment at a cabinet on a public holiday of its département (Moselle adds Good Friday)."""

from __future__ import annotations

from datetime import date

from tests.solver.builders import (
    PARC,
    make_instance,
)
from tests.solver.solving import solve_checked


def test_christmas_is_off_and_reduces_the_week() -> None:
    rota = solve_checked(make_instance(start=date(2026, 12, 21)))
    assert all(a.start.date() != date(2026, 12, 25) for a in rota.assignments)
    assert sum(a.minutes for a in rota.assignments) == 28 * 60


def test_good_friday_closes_only_the_moselle_cabinet() -> None:
    rota = solve_checked(make_instance(start=date(2027, 3, 22)))
    friday = [a for a in rota.assignments if a.start.date() == date(2027, 3, 26)]
    assert all(a.cabinet == PARC for a in friday)
