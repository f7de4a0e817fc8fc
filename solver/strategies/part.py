"""What a strategy gives back for one part, and the pieces every strategy shares.

A part's result (`PartResult`), the progress report (`Progress`), the stop watch that polls
`should_stop` while CP-SAT searches, the time limit of a CP-SAT search (`limit`), the seed, and the
two ways results are combined (`part_of` from a checked rota, `better` of two results). Applies to
no rule: the rules are in `solver.constraints` and `solver.patterns`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model, cp_model_helper

from solver.model import Assignment, Break, Rota, Status, TravelLeg

SEED = 20261130


@dataclass(frozen=True, slots=True)
class Progress:
    """A better rota or bound of the whole instance: its objective and bound (sums over the
    independent parts), elapsed seconds, and which part just improved."""

    best_objective: float
    bound: float
    elapsed_s: float
    part_index: int
    part_count: int


_STOP_POLL_S = 0.1
STOPPED = "Calcul arrêté à la demande avant qu'un planning soit trouvé."


class StopWatch(threading.Thread):
    """Polls `should_stop` while a part is solved and stops the search when it says so.

    CP-SAT calls back only on solutions, so a stop asked before the first or between two would
    wait for the time limit; this thread polls instead. It asks again until the solve ends, since
    a `stop_search` that lands before the search has started is lost.
    """

    def __init__(self, solver: cp_model.CpSolver, should_stop: Callable[[], bool]) -> None:
        super().__init__(name="solver-stop-watch", daemon=True)
        self._solver = solver
        self._should_stop = should_stop
        self._done = threading.Event()
        self.fired = False

    def run(self) -> None:
        while not self._done.wait(_STOP_POLL_S):
            if self.fired or self._should_stop():
                self.fired = True
                self._solver.stop_search()

    def close(self) -> bool:
        """End the watch once the solve has returned; whether it stopped the search."""
        self._done.set()
        self.join()
        return self.fired


@dataclass(slots=True)
class PartResult:
    """What one part gives back."""

    status: Status
    assignments: list[Assignment] = field(default_factory=list)
    travel: list[TravelLeg] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)
    objective: int = 0
    bound: int = 0
    terms: dict[str, int] = field(default_factory=dict)
    explanation: list[str] = field(default_factory=list)
    removed: list[Assignment] = field(default_factory=list)
    first_solution_s: float | None = None
    stopped: bool = False


def limit(p: cp_model_helper.SatParameters, budget: float, deterministic: bool) -> None:
    """The time limit: deterministic time in deterministic mode, else wall-clock seconds."""
    if deterministic:
        p.max_deterministic_time = max(budget, 0.05)
        # A generous wall-clock safety net; the deterministic limit is the one that bites (even on
        # a loaded shared machine, where a tight net made deterministic runs stop early).
        p.max_time_in_seconds = 10 * max(budget, 1.0) + 20
    else:
        p.max_time_in_seconds = max(budget, 0.05)


def better(result: PartResult, earlier: PartResult | None) -> PartResult:
    """The better of two results of one part, with the higher of their bounds."""
    if earlier is None:
        return result
    best = result if result.objective < earlier.objective else earlier
    best.bound = min(max(result.bound, earlier.bound), best.objective)
    best.first_solution_s = earlier.first_solution_s or result.first_solution_s
    best.stopped = result.stopped or earlier.stopped
    if best.bound == best.objective:
        best.status = Status.OPTIMAL
    return best


def part_of(rota: Rota, terms: dict[str, int], bound: float, stopped: bool) -> PartResult:
    """A part's result from a rota the checker accepted, its terms and a bound of its objective."""
    objective = sum(terms.values())
    return PartResult(
        rota.status,
        assignments=list(rota.assignments),
        travel=list(rota.travel),
        breaks=list(rota.breaks),
        objective=objective,
        bound=min(objective, int(round(bound))) if math.isfinite(bound) else 0,
        terms=terms,
        stopped=stopped,
    )
