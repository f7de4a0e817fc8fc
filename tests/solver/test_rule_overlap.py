"""Rule under test: no overlap — an assistant's assignments, travel legs and breaks never overlap."""

from __future__ import annotations

from datetime import date

from solver.model import Preferences, Replan, Rules
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


def test_pieces_never_overlap() -> None:
    rota = solve_checked(make_instance(contracts=[make_contract(weekly_minutes=45 * 60)]))
    pieces = sorted(
        [(a.start, a.end) for a in rota.assignments]
        + [(t.start, t.end) for t in rota.travel]
        + [(b.start, b.end) for b in rota.breaks]
    )
    assert all(e <= s for (_, e), (s, _) in zip(pieces, pieces[1:], strict=False))
