"""Re-planning: protected window, pins, leave-hit assignments and the list of changes.

Rule under test: protected window and pinned (docs/rules.md): published assignments starting
before `protected_until` are kept unchanged unless they now overlap leave (removed and reported),
pinned ones are kept, the stability term counts moved minutes and `Rota.changes` says what changed
for whom, in French.
"""

from __future__ import annotations

from solver.model import Replan, Status
from tests.solver.builders import (
    PARC,
    at,
    day,
    make_assistant,
    make_instance,
    standard_week,
    whole_days,
)
from tests.solver.solving import solve_checked


def test_unchanged_situation_keeps_the_published_rota() -> None:
    published = standard_week()
    rota = solve_checked(make_instance(replan=Replan(published=published)))
    assert rota.objective_terms["stability_changes"] == 0
    assert set(published) <= set(rota.assignments)
    assert rota.changes == ()


def test_leave_inside_the_window_removes_and_reports() -> None:
    published = standard_week()
    julie = make_assistant(leave=[whole_days(day(1))])
    replan = Replan(published=published, protected_until=at(day(3), "00:00"))
    rota = solve_checked(make_instance(assistants=[julie], replan=replan), hint=None)
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    kept = [p for p in published if p.start < replan.protected_until and p.start.date() != day(1)]  # type: ignore[operator]
    assert set(kept) <= set(rota.assignments)
    removed = [
        c
        for c in rota.changes
        if c.after is None and c.before is not None and c.before.start.date() == day(1)
    ]
    assert len(removed) == 2
    assert removed[0].description.startswith(
        "Julie Martin : mardi 1er décembre, Cabinet des Tilleuls 08:00–12:00"
    )


def test_changes_are_described() -> None:
    published = standard_week()
    pin = published[6]  # Thursday morning, at the Parc
    julie = make_assistant(leave=[whole_days(day(4))])
    replan = Replan(published=published, pinned=(pin,), protected_until=at(day(0), "00:00"))
    rota = solve_checked(make_instance(assistants=[julie], replan=replan))
    assert pin in rota.assignments
    assert rota.changes
    assert all(c.description.startswith("Julie Martin : ") for c in rota.changes)
    assert any(PARC in c.cabinets for c in rota.changes)


def test_warm_start_from_the_published_rota() -> None:
    first = solve_checked(make_instance())
    again = solve_checked(make_instance(replan=Replan(published=first.assignments)), hint=first)
    assert again.objective_terms["stability_changes"] == 0
