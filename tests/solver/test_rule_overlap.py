"""Rule under test: no overlap — an assistant's assignments, travel legs and breaks never overlap."""

from __future__ import annotations

from solver.model import Status
from tests.solver.builders import (
    make_contract,
    make_instance,
)
from tests.solver.solving import solve_checked


def test_pieces_never_overlap() -> None:
    rota = solve_checked(make_instance(contracts=[make_contract(weekly_minutes=45 * 60)]))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    pieces = sorted(
        [(a.start, a.end) for a in rota.assignments]
        + [(t.start, t.end) for t in rota.travel]
        + [(b.start, b.end) for b in rota.breaks]
    )
    assert all(e <= s for (_, e), (s, _) in zip(pieces, pieces[1:], strict=False))
