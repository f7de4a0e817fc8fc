"""Stopping a solve on request: `should_stop` is polled while CP-SAT searches.

Rule under test: once `should_stop` returns True the search ends promptly, far before the time
limit, and the rota says `stopped`; it keeps the best rota found so far (`feasible`, valid) or none
(`unknown`, with the reason); a solve asked to stop before it starts plans nothing; no watcher
thread outlives the solve.
"""

from __future__ import annotations

import threading
import time as clock

from solver.facade import Progress, solve
from solver.model import Instance, Status
from solver.validation import check_rota
from tests.solver.builders import (
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
)

TIME_LIMIT_S = 60.0


def _hard_instance(days: int = 14) -> Instance:
    """Three assistants sharing five cabinets: not proven optimal in seconds, even for a week."""
    cabinets = [make_cabinet(c) for c in ("tilleuls", "parc", "gare", "halles", "pont")]
    ids = [c.id for c in cabinets]
    travel: dict[tuple[str, str], int] = {
        (a, b): 10 + 5 * ((i + j) % 4)
        for i, a in enumerate(ids)
        for j, b in enumerate(ids)
        if i < j
    }
    assistants = [make_assistant(a) for a in ("julie", "marie", "lea")]
    contracts = [
        make_contract(
            f"pool-{i}", a.id, 35 * 60, {ids[i]: 3000, ids[i + 1]: 3000, ids[i + 2]: 4000}
        )
        for i, a in enumerate(assistants)
    ]
    return make_instance(
        assistants=assistants, cabinets=cabinets, contracts=contracts, travel=travel, days=days
    )


def _watchers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "solver-stop-watch"]


def test_stop_requested_while_searching_returns_at_once() -> None:
    started = clock.monotonic()
    rota = solve(
        _hard_instance(),
        time_limit_s=TIME_LIMIT_S,
        should_stop=lambda: clock.monotonic() - started > 0.3,
    )
    assert clock.monotonic() - started < TIME_LIMIT_S / 3
    assert rota.stopped
    assert rota.status in (Status.FEASIBLE, Status.UNKNOWN)
    if rota.status == Status.UNKNOWN:
        assert rota.explanation and "arrêté" in rota.explanation[0]
    assert _watchers() == []


def test_stop_after_a_first_rota_keeps_it() -> None:
    instance = _hard_instance(days=7)
    found: list[Progress] = []
    rota = solve(
        instance,
        time_limit_s=TIME_LIMIT_S,
        deterministic=True,
        progress=found.append,
        should_stop=lambda: bool(found),
    )
    assert rota.stopped
    assert rota.status == Status.FEASIBLE and rota.assignments
    assert check_rota(instance, rota) == []


def test_stop_requested_before_the_solve_plans_nothing() -> None:
    rota = solve(make_instance(), time_limit_s=TIME_LIMIT_S, should_stop=lambda: True)
    assert (rota.status, rota.stopped, rota.assignments) == (Status.UNKNOWN, True, ())


def test_a_solve_never_asked_to_stop_is_not_marked_stopped() -> None:
    rota = solve(make_instance(), time_limit_s=5.0, deterministic=True, should_stop=lambda: False)
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE) and not rota.stopped
    assert _watchers() == []
