"""Re-planning: protected window, pins, leave-hit assignments and the list of changes.

Rule under test: protected window and pinned (docs/rules.md): published assignments starting
before `protected_until` are kept unchanged unless they now overlap leave (removed and reported),
pinned ones are kept, the stability term counts moved minutes and `Rota.changes` says what changed
for whom, in French.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from solver.model import Assignment, Break, Replan, Status
from tests.solver.builders import (
    PARC,
    assign,
    at,
    day,
    make_assistant,
    make_instance,
    replace_assignments,
    split_day,
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


def _frozen_tuesday(*spans: tuple[str, str]) -> tuple[Replan, tuple[Assignment, ...]]:
    """The standard week with Tuesday's pieces at the Tilleuls replaced by `spans`, published,
    and Monday and Tuesday inside the protected window."""
    tuesday = [assign(day(1), start, end) for start, end in spans]
    published = replace_assignments(standard_week(), split_day(day(1)), tuesday)
    return Replan(published=published, protected_until=at(day(2), "00:00")), tuple(tuesday)


def _tuesday_breaks(breaks: Sequence[Break]) -> list[tuple[str, str]]:
    return sorted(
        (b.start.strftime("%H:%M"), b.end.strftime("%H:%M"))
        for b in breaks
        if b.start.date() == day(1)
    )


def test_a_frozen_day_cut_and_then_paused_is_kept() -> None:
    # Two vacations (08:00-11:15 and 11:45-14:45, each of at least 3 h) and a pause in the second,
    # as the day-pattern model publishes them: the pieces read as a block with its break and a
    # short block after it, which as a vacation of its own would last 1 h 30.
    replan, tuesday = _frozen_tuesday(("08:00", "11:15"), ("11:45", "12:45"), ("13:15", "14:45"))
    rota = solve_checked(make_instance(replan=replan))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert set(tuesday) <= set(rota.assignments)
    assert [a for a in rota.assignments if a.start.date() == day(1)] == list(tuesday)


@pytest.mark.parametrize(
    ("spans", "pauses"),
    [
        # Below 3 h on either side of any cut: one vacation with two pauses is the only reading.
        (
            (("08:00", "09:30"), ("10:00", "11:00"), ("11:30", "13:30")),
            [("09:30", "10:00"), ("11:00", "11:30")],
        ),
        # Three pauses: two blocks, each with its break, joined by the third.
        (
            (("08:00", "09:00"), ("09:30", "10:30"), ("11:00", "12:00"), ("12:30", "13:30")),
            [("09:00", "09:30"), ("10:30", "11:00"), ("12:00", "12:30")],
        ),
    ],
)
def test_a_frozen_vacation_with_several_pauses_is_kept_with_its_pauses(
    spans: tuple[tuple[str, str], ...], pauses: list[tuple[str, str]]
) -> None:
    replan, tuesday = _frozen_tuesday(*spans)
    rota = solve_checked(make_instance(replan=replan))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert [a for a in rota.assignments if a.start.date() == day(1)] == list(tuesday)
    assert _tuesday_breaks(rota.breaks) == pauses
