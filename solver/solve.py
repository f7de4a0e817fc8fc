"""Plan a rota with CP-SAT: decompose, solve each part, merge.

A part with one assistant and no re-plan inputs is solved exactly by the day-pattern model
(`solver.patterns`: every legal day listed, a master picking one a day, reduced-cost fixing on
its LP relaxation). A part with several assistants and no re-plan inputs is decomposed per
assistant (`solver.coupled`: the slots they share priced by Lagrangian multipliers, each assistant
planned by the day-pattern model, the best mix of their plans picked exactly). The other parts,
and any part those step aside from, are planned by the block model.

Rules encoded: every hard rule and soft goal of docs/rules.md, through the registry of
`solver.constraints` (one function per rule and per term). This module adds the decomposition into
independent parts (assistants and cabinets connected by contracts: union-find), the re-plan inputs
(pinned assignments, the protected window, leave-hit published assignments removed and reported),
warm starts, progress reporting and the read-back of the rota. No time limit is set here: callers
pass `time_limit_s`.

Planner-side choices that are not rules of docs/rules.md (the checker does not know them):

- every assignment piece (a block, or each part of a block around its break) lasts at least
  `blocks.MIN_PIECE_MINUTES` (60 min), so that rotas hold no 15-minute fragments; pinned or
  protected pieces that are shorter lower that day's minimum to theirs;
- session and request coverage is modelled with one-sided presence literals per (block, slot)
  (`soft._uncovered`), tight in the relaxation; the reported terms are recomputed exactly from the
  rota (`soft.exact_presence`), equal to the solver's at any optimum;
- a re-plan is hinted with the published rota when no other hint is given.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from ortools.sat.python import cp_model, cp_model_helper

from solver import coupled, greedy, patterns, slot_bound
from solver.constraints import HARD_RULES, SOFT_TERMS, soft
from solver.constraints.blocks import Expr, PlanModel, Segment
from solver.constraints.data import PlanData, Week, at, build, leave_windows
from solver.constraints.words import fr_clock, fr_date
from solver.greedy import greedy_rota
from solver.model import (
    MINUTES_PER_DAY,
    Assignment,
    AssistantId,
    Break,
    CabinetId,
    Change,
    ContractId,
    Instance,
    Rota,
    Status,
    TravelLeg,
)
from solver.patterns import ShareKey
from solver.validation import check_rota, objective_terms

_WEAKNESS = {
    Status.INVALID: 0,
    Status.INFEASIBLE: 1,
    Status.UNKNOWN: 2,
    Status.FEASIBLE: 3,
    Status.OPTIMAL: 4,
}
_SEED = 20261130


@dataclass(frozen=True, slots=True)
class Progress:
    """A better rota or bound of the whole instance: its objective and bound (sums over the
    independent parts), elapsed seconds, and which part just improved."""

    best_objective: float
    bound: float
    elapsed_s: float
    part_index: int
    part_count: int


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Tiny solution callback: forwards objective, bound and time."""

    def __init__(
        self, progress: Callable[[Progress], None], part: int, parts: int, started: float
    ) -> None:
        super().__init__()
        self._progress = progress
        self._part = part
        self._parts = parts
        self._started = started
        self.first_solution_s: float | None = None

    def on_solution_callback(self) -> None:
        elapsed = time.perf_counter() - self._started
        if self.first_solution_s is None:
            self.first_solution_s = elapsed
        self._progress(
            Progress(
                self.objective_value, self.best_objective_bound, elapsed, self._part, self._parts
            )
        )


_STOP_POLL_S = 0.1
_STOPPED = "Calcul arrêté à la demande avant qu'un planning soit trouvé."


class _StopWatch(threading.Thread):
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


# --- decomposition --------------------------------------------------------------------------------


def split_parts(instance: Instance) -> list[Instance]:
    """Independent sub-instances: assistants and cabinets linked by contracts (union-find)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x: str, y: str) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)

    for a in instance.assistants:
        find("a:" + a.id)
    for c in instance.cabinets:
        find("c:" + c.id)
    for k in instance.contracts:
        for cid in k.shares:
            union("a:" + k.assistant, "c:" + cid)
    groups: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for a in instance.assistants:
        groups[find("a:" + a.id)][0].add(a.id)
    for c in instance.cabinets:
        groups[find("c:" + c.id)][1].add(c.id)
    return [instance.restricted(*groups[root]) for root in sorted(groups)]


# --- re-plan inputs -------------------------------------------------------------------------------


def _located(data: PlanData, a: Assignment) -> tuple[int, int, int] | None:
    start = a.start.astimezone(data.tz)
    end = a.end.astimezone(data.tz)
    d = (start.date() - data.instance.start).days
    if not 0 <= d < len(data.dates):
        return None
    lo = start.hour * 60 + start.minute
    hi = MINUTES_PER_DAY if end.date() != start.date() else end.hour * 60 + end.minute
    return d, lo, hi


def _overlaps_leave(data: PlanData, a: Assignment) -> bool:
    assistant = next((x for x in data.assistants if x.id == a.assistant), None)
    if assistant is None:
        return False
    return any(a.start < lv.end and lv.start < a.end for lv in assistant.leave)


def segments_of(
    data: PlanData, assignments: Sequence[Assignment], pinned: set[Assignment]
) -> dict[tuple[AssistantId, int], list[Segment]]:
    """Group assignments into blocks: same contract and cabinet split by one break are one block."""
    by_day: dict[tuple[AssistantId, int], list[tuple[int, int, Assignment]]] = defaultdict(list)
    for a in assignments:
        loc = _located(data, a)
        if loc is not None:
            by_day[(a.assistant, loc[0])].append((loc[1], loc[2], a))
    rules = data.instance.rules
    out: dict[tuple[AssistantId, int], list[Segment]] = {}
    for key in sorted(by_day):
        items = sorted(by_day[key], key=lambda t: (t[0], t[1]))
        segs: list[Segment] = []
        for lo, hi, a in items:
            prev = segs[-1] if segs else None
            if (
                prev is not None
                and prev.break_length == 0
                and prev.contract == a.contract
                and prev.cabinet == a.cabinet
                and rules.break_minutes <= lo - prev.end <= data.break_length
            ):
                segs[-1] = Segment(
                    a.contract,
                    a.cabinet,
                    prev.start,
                    hi,
                    prev.end,
                    lo - prev.end,
                    (*prev.sources, a),
                    prev.pinned or a in pinned,
                )
            else:
                segs.append(Segment(a.contract, a.cabinet, lo, hi, lo, 0, (a,), a in pinned))
        out[key] = segs
    return out


def _fixed(data: PlanData) -> tuple[dict[tuple[AssistantId, int], list[Segment]], list[Assignment]]:
    """Segments to keep (pinned, protected published) and protected ones removed for leave."""
    replan = data.instance.replan
    keep: list[Assignment] = list(dict.fromkeys(replan.pinned))
    removed: list[Assignment] = []
    if replan.protected_until is not None:
        for p in replan.published:
            if p.start >= replan.protected_until or p in keep:
                continue
            if _overlaps_leave(data, p):
                removed.append(p)
            else:
                keep.append(p)
    return segments_of(data, keep, set(replan.pinned)), removed


# --- model ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Built:
    """A part's model, ready to solve."""

    pm: PlanModel
    counts: dict[str, Expr]
    removed: list[Assignment] = field(default_factory=list)


def build_model(instance: Instance, *, explain: bool = False, hint: Rota | None = None) -> Built:
    """Build the CP-SAT model of one part from the rule registry."""
    data = build(instance)
    fixed, removed = _fixed(data)
    pm = PlanModel(data, explain=explain, fixed=fixed)
    for rule in HARD_RULES:
        rule.add(pm)
    counts: dict[str, Expr] = {}
    if not explain:
        weights = instance.weights
        objective: Expr = 0
        for term in SOFT_TERMS:
            counts[term.name] = term.count(pm)
            objective += getattr(weights, term.name) * counts[term.name]
        soft.link_presence(pm)
        pm.model.minimize(objective)
        if hint is not None:
            _add_hint(pm, hint)
        elif instance.replan.published:
            # A re-plan starts from the published rota: stability is then found at once.
            _add_hint(pm, Rota(Status.FEASIBLE, assignments=instance.replan.published))
    return Built(pm, counts, removed)


def _add_hint(pm: PlanModel, hint: Rota) -> None:
    """Hint every block variable from a previous rota (full hints help CP-SAT most)."""
    segs = segments_of(pm.data, list(hint.assignments), set())
    m = pm.model
    for key, day in pm.days.items():
        mine = segs.get(key, [])
        if len(mine) > len(day.blocks):
            continue
        last = mine[-1].end if mine else None
        for k, b in enumerate(day.blocks):
            if k < len(mine):
                s = mine[k]
                chosen = next(
                    (
                        x
                        for o, x, _ in b.options
                        if o.contract == s.contract
                        and o.cabinet == s.cabinet
                        and o.start <= s.start
                        and s.end <= o.end
                    ),
                    None,
                )
                if chosen is None:
                    return
                m.add_hint(b.present, 1)
                m.add_hint(b.start, s.start)
                m.add_hint(b.end, s.end)
                m.add_hint(b.has_break, 1 if s.break_length else 0)
                m.add_hint(b.break_length, s.break_length)
                m.add_hint(b.break_start, s.break_start if s.break_length else s.start)
                for _, x, _ in b.options:
                    m.add_hint(x, 1 if x is chosen else 0)
            else:
                m.add_hint(b.present, 0)
                for _, x, _ in b.options:
                    m.add_hint(x, 0)
                if last is not None:
                    m.add_hint(b.start, last)
                    m.add_hint(b.end, last)


# --- read back ------------------------------------------------------------------------------------


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


def _read(built: Built, solver: cp_model.CpSolver) -> PartResult:
    pm = built.pm
    data = pm.data
    tz = data.tz
    out = PartResult(Status.FEASIBLE)
    for (a, d), day in pm.days.items():
        on = data.dates[d]
        for k, b in enumerate(day.blocks):
            if not solver.boolean_value(b.present):
                continue
            option = next(o for o, x, _ in b.options if solver.boolean_value(x))
            s, e = solver.value(b.start), solver.value(b.end)
            pieces = [(s, e)]
            if solver.boolean_value(b.has_break):
                bs, bl = solver.value(b.break_start), solver.value(b.break_length)
                pieces = [(s, bs), (bs + bl, e)]
                out.breaks.append(Break(a, at(on, bs, tz), at(on, bs + bl, tz)))
            for lo, hi in pieces:
                out.assignments.append(
                    Assignment(a, option.contract, option.cabinet, at(on, lo, tz), at(on, hi, tz))
                )
            if k >= 1:
                for (c0, c1), z in day.gaps[k - 1].legs.items():
                    if solver.boolean_value(z):
                        road = data.instance.travel(c0, c1) or 0
                        out.travel.append(TravelLeg(a, c0, c1, at(on, s - road, tz), at(on, s, tz)))
    weights = data.instance.weights
    for name, expr in built.counts.items():
        out.terms[name] = getattr(weights, name) * int(solver.value(expr))
    # Presence terms are modelled one-sided (see soft._uncovered): read their exact value.
    sessions, requests = soft.exact_presence(pm, out.assignments)
    if "session_uncovered" in out.terms:
        out.terms["session_uncovered"] = weights.session_uncovered * sessions
    if "request_uncovered" in out.terms:
        out.terms["request_uncovered"] = weights.request_uncovered * requests
    out.objective = sum(out.terms.values())
    return out


def _params(solver: cp_model.CpSolver, budget: float, workers: int, deterministic: bool) -> None:
    p = solver.parameters
    p.num_workers = max(1, workers)
    p.random_seed = _SEED
    # Presolve probing costs ~1 s on a pooled week (and more on longer horizons) before the first
    # rota and barely pays back on these models: measured first rota 1.6 s -> 0.5 s (pool, 1 week),
    # none in 10 s -> 3 s (pool, 4 weeks), groupement 30 x 60 unknown in 20 s -> feasible.
    p.cp_model_probing_level = 0
    # The lower bound comes from the LP relaxation, and the coverage and share cuts of
    # `soft.link_presence` only reach it at linearization level 2 (the `max_lp` worker): with the
    # portfolio of 2 workers the bound of a pooled week stayed at 240 against an optimum of
    # 12,408; with `max_lp` beside it, 11,532 (93 %). `max_lp` instead of the default LP worker
    # finds rotas too slowly (none in 10 s on 4 weeks), so below 8 workers, where CP-SAT's
    # portfolio has no `max_lp`, it is one more worker beside the default ones; from 8 workers
    # the portfolio holds it already.
    if workers > 1 and not deterministic and workers < 8:
        p.num_workers = workers + 1
        p.extra_subsolvers.append("max_lp")
    if deterministic:
        p.num_workers = 1
    _limit(p, budget, deterministic)


def _limit(p: cp_model_helper.SatParameters, budget: float, deterministic: bool) -> None:
    """The time limit: deterministic time in deterministic mode, else wall-clock seconds."""
    if deterministic:
        p.max_deterministic_time = max(budget, 0.05)
        # A generous wall-clock safety net; the deterministic limit is the one that bites (even on
        # a loaded shared machine, where a tight net made deterministic runs stop early).
        p.max_time_in_seconds = 10 * max(budget, 1.0) + 20
    else:
        p.max_time_in_seconds = max(budget, 0.05)


def solve_part(
    instance: Instance,
    *,
    budget: float,
    workers: int,
    deterministic: bool,
    part: int = 0,
    parts: int = 1,
    progress: Callable[[Progress], None] | None = None,
    hint: Rota | None = None,
    started: float | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> PartResult:
    """Solve one independent part; infeasible parts come back with their explanation."""
    from solver import explain

    reasons = explain.precheck(instance)
    if reasons:
        return PartResult(Status.INFEASIBLE, explanation=reasons)
    if should_stop is not None and should_stop():
        return PartResult(Status.UNKNOWN, explanation=[_STOPPED], stopped=True)
    began = time.perf_counter()
    planned = None
    for plan_by in (_solve_by_days, _solve_by_assistants):
        planned = plan_by(
            instance,
            budget=budget,
            deterministic=deterministic,
            part=part,
            parts=parts,
            progress=progress,
            started=started,
            should_stop=should_stop,
        )
        if planned is not None:
            break
    earlier: PartResult | None = None
    if planned is not None:
        left = budget - (time.perf_counter() - began)
        if (
            planned.status != Status.FEASIBLE
            or planned.stopped
            or deterministic
            or left < _HANDOVER_MIN_S
            or len(instance.assistants) > 1
        ):
            # Several assistants: the block model would spend the time left building itself
            # (seconds past the limit on a groupement) and seldom improves on the decomposition.
            return planned
        # Unproven with time left (the decomposition's steps have shrunk): the block model goes
        # on from its rota, and the better rota with the higher bound is the answer.
        earlier = planned
    if not deterministic:
        budget = max(budget - (time.perf_counter() - began), 0.05)
    # A rota built without search, when the simple construction fits: the search starts from it
    # and, should it find nothing better in time, it is the answer (it passed the checker).
    quick = greedy_rota(instance) if hint is None and earlier is None else None
    if earlier is not None and hint is None:
        hint = Rota(Status.FEASIBLE, tuple(earlier.assignments))
    built = build_model(instance, hint=hint or quick)
    solver = cp_model.CpSolver()
    _params(solver, budget, workers, deterministic)
    reporter = None
    watch = _StopWatch(solver, should_stop) if should_stop is not None else None
    if watch is not None:
        watch.start()
    try:
        if progress is not None:
            reporter = _Reporter(progress, part, parts, started or time.perf_counter())
            status = solver.solve(built.pm.model, reporter)
        else:
            status = solver.solve(built.pm.model)
    finally:
        stopped = watch.close() if watch is not None else False
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        result = _read(built, solver)
        result.status = Status.OPTIMAL if status == cp_model.OPTIMAL else Status.FEASIBLE
        result.bound = (
            int(round(solver.best_objective_bound))
            if status == cp_model.FEASIBLE
            else result.objective
        )
        result.bound = min(result.bound, result.objective)
        result.removed = built.removed
        result.first_solution_s = reporter.first_solution_s if reporter else None
        result.stopped = stopped
        return _better(result, earlier)
    if earlier is not None:
        earlier.stopped = earlier.stopped or stopped
        return earlier
    if quick is not None and status == cp_model.UNKNOWN:
        return _from_rota(instance, quick, solver, built.removed, stopped)
    if stopped:
        return PartResult(Status.UNKNOWN, explanation=[_STOPPED], stopped=True)
    if status == cp_model.INFEASIBLE:
        return PartResult(
            Status.INFEASIBLE, explanation=explain.explain(instance, budget=min(budget, 10.0))
        )
    if status == cp_model.MODEL_INVALID:
        return PartResult(
            Status.INVALID,
            explanation=["Le modèle de planification est invalide : " + built.pm.model.validate()],
        )
    return PartResult(
        Status.UNKNOWN,
        explanation=["Aucun planning trouvé dans le temps imparti : augmentez le temps de calcul."],
    )


_HANDOVER_MIN_S = 0.5
"""Least time left for the block model to go on from an unproven decomposed rota."""


def _better(result: PartResult, earlier: PartResult | None) -> PartResult:
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


_PATTERN_START = 0.005
"""First reduced-cost threshold of the day-pattern master, as a share of its LP bound."""
_PATTERN_START_MIN = 50.0


@dataclass(slots=True)
class _Fixing:
    """What a reduced-cost fixing run gives: best objective and columns, and how it ended."""

    best: tuple[int, list[int]] | None = None
    proven: bool = False
    infeasible: bool = False
    stopped: bool = False
    floor: int | None = None  # the LP bound, rounded up (the objective is an integer)


class _Found(cp_model.CpSolverSolutionCallback):
    """Forwards each rota better than `best` found during a round, with the known bound."""

    def __init__(
        self, on_best: Callable[[int, int | None], None] | None, known: int | None, best: int | None
    ) -> None:
        super().__init__()
        self._on_best = on_best
        self._known = known
        self._best = best

    def on_solution_callback(self) -> None:
        value = int(round(self.objective_value))
        if self._on_best is not None and (self._best is None or value < self._best):
            self._best = value
            self._on_best(value, self._known)


def _fixing(
    master: patterns.Master,
    *,
    deadline: float,
    deterministic: bool,
    should_stop: Callable[[], bool] | None,
    on_best: Callable[[int, int | None], None] | None = None,
    hint: list[int] | None = None,
    floor: int | None = None,
) -> _Fixing:
    """Solve a day-pattern master exactly by reduced-cost fixing.

    The master's LP relaxation (GLOP) gives a bound and each column's reduced cost; CP-SAT solves
    the master restricted to the columns within a threshold of the bound. A rota of objective at
    most bound + threshold is optimal (any rota using a column left out costs more); otherwise the
    threshold widens (to the gap found, or doubled) and the restricted master is solved again.
    `floor`, a bound known from elsewhere, also ends the search when reached. `deadline` is a
    `time.perf_counter()` instant, or in deterministic mode each round's deterministic budget.
    """
    out = _Fixing()
    everything = list(range(len(master.columns)))
    relaxed = patterns.reduced_costs(master)
    lp_bound, reduced = relaxed if relaxed is not None else (-math.inf, [0.0] * len(everything))
    if math.isfinite(lp_bound):
        out.floor = math.ceil(lp_bound - 1e-6)
    known = max((f for f in (out.floor, floor) if f is not None), default=None)
    threshold = (
        max(_PATTERN_START_MIN, _PATTERN_START * abs(lp_bound))
        if math.isfinite(lp_bound)
        else math.inf
    )
    while True:
        # Deterministic mode: every round gets the same deterministic budget (the rounds are few
        # and their number depends on the instance alone), never what the wall clock leaves.
        left = deadline - time.perf_counter() if not deterministic else deadline
        if left <= 0:
            return out
        if should_stop is not None and should_stop():
            out.stopped = True
            return out
        start = (out.best[1] if out.best is not None else hint) or []
        # The start's columns are kept too, so that it is a rota of the restricted master: the
        # proof only needs every column left out to cost more than the threshold.
        keep = sorted(
            {j for j, r in zip(everything, reduced, strict=True) if r <= threshold + 1e-6}
            | set(start)
        )
        whole = len(keep) == len(everything)
        model, x = patterns.cp_model_of(master, keep, known)
        for j in start:
            model.add_hint(x[j], 1)
        solver = cp_model.CpSolver()
        _pattern_params(solver, left, deterministic)
        watch = _StopWatch(solver, should_stop) if should_stop is not None else None
        if watch is not None:
            watch.start()
        found = _Found(on_best, known, out.best[0] if out.best is not None else None)
        try:
            status = solver.solve(model, found)
        finally:
            out.stopped = watch.close() if watch is not None else False
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            value = int(round(solver.objective_value))
            if out.best is None or value < out.best[0]:
                out.best = (value, [j for j in keep if solver.boolean_value(x[j])])
        if status == cp_model.OPTIMAL:
            value = int(round(solver.objective_value))
            if (
                whole
                or value <= lp_bound + threshold + 1e-6
                or (known is not None and value <= known)
            ):
                out.proven = True
                return out
            gap = value - lp_bound
            threshold = gap if gap <= 3 * threshold else 2 * threshold
            continue
        if status == cp_model.INFEASIBLE:
            if whole:
                # With a floor stated, infeasible may only mean "nothing reaches the floor".
                out.infeasible = known is None or known == out.floor
                return out
            threshold *= 4
            continue
        return out  # out of time (or stopped) inside this round


_WEEKLY_SHARE = 0.5
"""Share of a multi-week search's budget that the weeks solved alone may use (they seldom need
more than a tenth of it)."""
_HORIZON_SHARE = 0.35
"""Share of a multi-week search's budget left, when the whole master is not proven, to raise the
bound by the share multipliers (`_Horizon.raise_floor`)."""
_HORIZON_ROUNDS = 8
"""Most rounds of the share multipliers."""
_HORIZON_BOX = 2.0
"""First half-width of the box the share multipliers may move in per round (cost per minute)."""


@dataclass(slots=True)
class _WeekKind:
    """Weeks with the same columns and targets: their master, and the plans found for them."""

    master: patterns.Master
    weeks: list[Week]
    plans: list[tuple[int, dict[ShareKey, int]]] = field(default_factory=list)
    """(cost, minutes credited per contract and cabinet) of each plan found."""


class _Horizon:
    """The weeks of a one-assistant horizon solved alone: lower bounds of the whole, and a start.

    Each week solved on its own, without what joins weeks, gives a lower bound of what it costs
    in any rota (`first`). Weeks with the same columns and targets are solved once.

    What mostly joins weeks is the share deviation over the horizon: `share_deviation` per minute
    off each (contract, cabinet) target. Pricing each credited minute at a multiplier of at most
    that weight keeps the sum of the weeks' optima, less the multipliers times the targets, a
    lower bound (Lagrangian relaxation; the other joining terms are left out, which keeps it a
    bound). `raise_floor` moves the multipliers by a box-step cutting-plane method: each plan
    found cuts the bound's model, a small LP picks the best multipliers within a box around the
    best so far (`_horizon_step`), and the box shrinks when they do not raise the bound.
    """

    def __init__(
        self,
        data: PlanData,
        days: list[patterns.DayColumns],
        master: patterns.Master,
        *,
        deterministic: bool,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self._where = {(d, col): j for j, (d, col) in enumerate(master.columns)}
        self._deterministic = deterministic
        self._should_stop = should_stop
        kinds: dict[tuple[object, ...], _WeekKind] = {}
        for wk in data.weeks:
            key = (
                tuple(id(days[d]) for d in wk.days),
                tuple(sorted((k, v) for (k, w), v in data.targets.items() if w == wk.index)),
                tuple(
                    sorted(
                        (k, c, v) for (k, w, c), v in data.share_targets.items() if w == wk.index
                    )
                ),
            )
            if key not in kinds:
                kinds[key] = _WeekKind(patterns.build_master(data, days, weeks=(wk,)), [])
            kinds[key].weeks.append(wk)
        self._kinds = list(kinds.values())
        self._targets = patterns.horizon_targets(data)
        self._cap = data.instance.weights.share_deviation
        # A contract held to its hours every week credits the same total whatever the split, so
        # raising all its multipliers alike changes nothing: one of them stays at zero.
        self._pinned = {
            (k.id, min(k.shares))
            for k in data.contracts
            if k.shares and all((k.id, wk.index) in data.targets for wk in data.weeks)
        }

    def first(self, *, deadline: float) -> tuple[int, list[int]] | None:
        """The sum of the weeks' optima and the union of their plans (master columns), or None if
        the weeks are not proven in time. `deadline` as for `_fixing`."""
        return self._floor_at({}, deadline, proven=True)

    def raise_floor(self, floor: int, *, deadline: float, best: int) -> int:
        """A higher lower bound than `floor` (the weeks' sum), by rounds of the share multipliers
        until `deadline` (as for `_fixing`), `_HORIZON_ROUNDS`, a bound reaching `best`, or no
        better multipliers in sight."""
        if self._cap <= 0 or not self._targets:
            return floor
        center: dict[ShareKey, int] = {}
        radius = _HORIZON_BOX
        tried: set[tuple[tuple[ShareKey, int], ...]] = {()}
        for _ in range(_HORIZON_ROUNDS):
            if floor >= best:
                break
            if (not self._deterministic and time.perf_counter() >= deadline) or (
                self._should_stop is not None and self._should_stop()
            ):
                break
            step = _horizon_step(
                self._kinds, self._targets, self._pinned, center, radius, self._cap
            )
            if step is None:
                break
            prices, predicted = step
            seen = tuple(sorted((q, v) for q, v in prices.items() if v))
            if predicted < floor + 1 or seen in tried:
                break
            tried.add(seen)
            found = self._floor_at(prices, deadline, proven=False)
            if found is None:
                break
            if found[0] > floor:
                moved = max(abs(prices.get(q, 0) - center.get(q, 0)) for q in self._targets)
                floor, center = found[0], prices
                if moved >= radius:
                    radius *= 2
            else:
                radius = max(radius / 2, 1.0)
        return floor

    def _floor_at(
        self, prices: dict[ShareKey, int], deadline: float, *, proven: bool
    ) -> tuple[int, list[int]] | None:
        """The bound at `prices` and the union of the weeks' plans. A week not proven in time
        counts its LP floor, or (`proven`) makes the answer None."""
        total = -sum(prices.get(q, 0) * t for q, t in self._targets.items())
        union: list[int] = []
        for kind in self._kinds:
            run = _fixing(
                patterns.priced(kind.master, prices),
                deadline=deadline,
                deterministic=self._deterministic,
                should_stop=self._should_stop,
            )
            if run.best is None or (proven and not run.proven):
                return None
            chosen = [kind.master.columns[j] for j in run.best[1]]
            minutes: dict[ShareKey, int] = defaultdict(int)
            for _, col in chosen:
                for k, c, m in col.minutes:
                    minutes[(k, c)] += m
            kind.plans.append((kind.master.constant + sum(c.cost for _, c in chosen), minutes))
            first = kind.weeks[0].days[0]
            union.extend(
                self._where[(d - first + wk.days[0], c)] for wk in kind.weeks for d, c in chosen
            )
            value = run.best[0] if run.proven else run.floor
            if value is None:
                return None
            total += value * len(kind.weeks)
        return total, union


def _horizon_step(
    kinds: list[_WeekKind],
    targets: dict[ShareKey, int],
    pinned: set[ShareKey],
    center: dict[ShareKey, int],
    radius: float,
    cap: int,
) -> tuple[dict[ShareKey, int], float] | None:
    """The next share multipliers: the best of the bound's cutting-plane model within `radius` of
    `center` (and within `cap`; those `pinned` at zero), rounded, with the model's predicted value.
    None if the LP fails.

    The model: maximise sum over week kinds of (weeks x theta) - multipliers . targets, where each
    kind's theta is at most every plan found's cost plus the multipliers times its minutes.
    """
    from ortools.linear_solver import pywraplp

    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None
    inf = lp.infinity()
    lam = {
        q: lp.NumVar(0, 0, "")
        if q in pinned
        else lp.NumVar(
            max(-cap, center.get(q, 0) - radius), min(cap, center.get(q, 0) + radius), ""
        )
        for q in targets
    }
    objective = lp.Objective()
    for kind in kinds:
        theta = lp.NumVar(-inf, inf, "")
        objective.SetCoefficient(theta, len(kind.weeks))
        for cost, minutes in kind.plans:
            row = lp.Constraint(-inf, cost)
            row.SetCoefficient(theta, 1)
            for q, var in lam.items():
                row.SetCoefficient(var, -minutes.get(q, 0))
    for q, t in targets.items():
        objective.SetCoefficient(lam[q], -t)
    objective.SetMaximization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return {q: round(v.solution_value()) for q, v in lam.items()}, objective.Value()


@dataclass(slots=True)
class _DaySearch:
    """A day-pattern search of one assistant: its master, how the search ended, and over several
    weeks the floor from the weeks solved alone (raised by the share multipliers) and its start."""

    master: patterns.Master
    run: _Fixing
    weekly: tuple[int, list[int]] | None

    @property
    def floor(self) -> int | None:
        """A proven lower bound of the objective: the optimum once proven, else the best floor."""
        if self.run.proven and self.run.best is not None:
            return self.run.best[0]
        floors = [
            f for f in (self.run.floor, self.weekly[0] if self.weekly else None) if f is not None
        ]
        return max(floors, default=None)


def _search_days(
    data: PlanData,
    *,
    budget: float,
    deterministic: bool,
    should_stop: Callable[[], bool] | None,
    on_best: Callable[[int, int | None], None] | None = None,
    prices: patterns.Prices | None = None,
    memo: patterns.DayMemo | None = None,
    start: patterns.PatternRota | None = None,
) -> _DaySearch:
    """Search one assistant's rota with the day-pattern model, slots priced by `prices` if given
    (days listed before kept in `memo`, when given, for the next search).

    Over several weeks, each week is first solved alone (`_Horizon.first`); the whole master then
    starts from their union with their sum as a floor. When it is not proven, what is left of the
    budget (`_HORIZON_SHARE`) raises the floor by the share multipliers (`_Horizon.raise_floor`).
    """
    clock = time.perf_counter()
    days = patterns.all_day_columns(data, prices, memo)
    master = patterns.build_master(data, days)
    weekly = None
    horizon = None
    if len(data.weeks) > 1:
        horizon = _Horizon(data, days, master, deterministic=deterministic, should_stop=should_stop)
        weekly = horizon.first(
            deadline=budget * _WEEKLY_SHARE if deterministic else clock + budget * _WEEKLY_SHARE
        )
    whole = budget * (1 - _HORIZON_SHARE) if weekly is not None else budget
    run = _fixing(
        master,
        deadline=whole if deterministic else clock + whole,
        deterministic=deterministic,
        should_stop=should_stop,
        on_best=on_best,
        hint=weekly[1] if weekly else (_columns_of(data, master, start) if start else None),
        floor=weekly[0] if weekly else None,
    )
    if horizon is not None and weekly is not None and run.best is not None and not run.proven:
        floor = horizon.raise_floor(
            weekly[0],
            deadline=budget * _HORIZON_SHARE / _HORIZON_ROUNDS if deterministic else clock + budget,
            best=run.best[0],
        )
        weekly = (floor, weekly[1])
        run.proven = floor >= run.best[0]
    return _DaySearch(master, run, weekly)


def _columns_of(
    data: PlanData, master: patterns.Master, rota: patterns.PatternRota
) -> list[int] | None:
    """The master's columns that give each day of a rota its minutes at each cabinet (the
    cheapest where several do): a start for the search, so that it begins from that rota rather
    than from nothing. None when some day of the rota has no such column."""
    wanted: dict[int, dict[tuple[ContractId, CabinetId], int]] = {}
    for a in rota.assignments:
        d = (a.start.date() - data.dates[0]).days
        day = wanted.setdefault(d, {})
        day[(a.contract, a.cabinet)] = day.get((a.contract, a.cabinet), 0) + a.minutes
    keys = {d: tuple(sorted((k, c, m) for (k, c), m in day.items())) for d, day in wanted.items()}
    chosen: dict[int, tuple[int, int]] = {}
    for j, (d, column) in enumerate(master.columns):
        if keys.get(d) == column.minutes and (d not in chosen or column.cost < chosen[d][1]):
            chosen[d] = (j, column.cost)
    if len(chosen) != len(keys):
        return None
    return [j for j, _ in chosen.values()]


def _solve_by_days(
    instance: Instance,
    *,
    budget: float,
    deterministic: bool,
    part: int,
    parts: int,
    progress: Callable[[Progress], None] | None,
    started: float | None,
    should_stop: Callable[[], bool] | None,
) -> PartResult | None:
    """Plan a one-assistant part with the exact day-pattern model (`solver.patterns`).

    A `solve` hint is not needed here (the search is exact and, over several weeks, starts from
    the weeks solved alone). None when the model does not apply or found nothing in time: the
    block model then plans.
    """
    from solver import explain

    origin = started if started is not None else time.perf_counter()
    data = build(instance)
    if patterns.unsuitable(data) is not None:
        return None
    first_s: list[float] = []

    def on_best(value: int, known: int | None) -> None:
        elapsed = time.perf_counter() - origin
        if not first_s:
            first_s.append(elapsed)
        if progress is not None:
            # Without a floor the only bound known is 0 (no term is below zero).
            progress(Progress(value, known if known is not None else 0, elapsed, part, parts))

    search = _search_days(
        data, budget=budget, deterministic=deterministic, should_stop=should_stop, on_best=on_best
    )
    run = search.run
    if run.infeasible:
        return PartResult(
            Status.INFEASIBLE, explanation=explain.explain(instance, budget=min(budget, 10.0))
        )
    if run.best is None:
        if run.stopped:
            return PartResult(Status.UNKNOWN, explanation=[_STOPPED], stopped=True)
        return None
    value = run.best[0]
    read = patterns.read_master(data, search.master, run.best[1])
    rota = Rota(
        Status.OPTIMAL if run.proven else Status.FEASIBLE,
        tuple(sorted(read.assignments, key=lambda a: a.start)),
        travel=tuple(read.travel),
        breaks=tuple(read.breaks),
    )
    terms = objective_terms(instance, rota)
    if check_rota(instance, rota) or sum(terms.values()) != value:
        return None  # never expected: the block model plans instead
    result = _part_of(rota, terms, search.floor or 0, run.stopped)
    result.first_solution_s = first_s[0] if first_s else None
    return result


_COUPLED_ROUNDS = 8
"""Pricing rounds of a part with several assistants in deterministic mode (each assistant's
search then gets an equal share of the deterministic budget)."""
_STEP = 2.0
"""First step size of the subgradient steps (share of the Polyak step), halved when stalled.
2 is the top of Polyak's range; measured on the benchmark's groupement, it raises the bound
faster than 1 and 1.8 (five assistants, 40 s: 15,386 against 15,209 and 15,312; three
assistants, 20 s: 12,501 against 12,214 and 12,470, the rota being 12,596)."""
_STALL = 3
"""Rounds without a better bound before the step is halved."""
_STEP_MIN = _STEP / 16
"""Below this step the multipliers barely move: the rounds end (the block model may go on)."""


def _solve_by_assistants(
    instance: Instance,
    *,
    budget: float,
    deterministic: bool,
    part: int,
    parts: int,
    progress: Callable[[Progress], None] | None,
    started: float | None,
    should_stop: Callable[[], bool] | None,
) -> PartResult | None:
    """Plan a part with several assistants by Lagrangian decomposition (`solver.coupled`), each
    assistant's plan found exactly by the day-pattern model.

    First the assistants are planned one after another, each leaving aside the slots those before
    cover and avoiding the places they took: a first rota. Then each round plans every assistant
    at the current prices of the shared slots, raises the bound, picks the best rota among all
    plans found (integer master) and moves the multipliers by a projected subgradient step. It
    ends when the rota meets the bound, the steps have shrunk below `_STEP_MIN`, or time is up
    (in deterministic mode, after `_COUPLED_ROUNDS` rounds). None when the decomposition does not apply or found no rota: the
    block model then plans.
    """
    clock = time.perf_counter()
    origin = started if started is not None else clock
    coupling = coupled.decompose(instance)
    if coupling is None:
        return None
    n = len(coupling.subs)
    memos = [patterns.DayMemo() for _ in range(n)]
    plans: list[coupled.Plan] = []
    seen: set[tuple[int, frozenset[coupled.SlotKey], int]] = set()
    best: tuple[int, list[int]] | None = None
    bound = 0
    first_s: list[float] = []
    stopped = False

    def left() -> float:
        return budget - (time.perf_counter() - clock)

    def share() -> float:
        if deterministic:
            return budget * _SWEEP_SHARE / (n * (_COUPLED_ROUNDS + 1))
        return max(left() / n, 0.05)

    last_floor: dict[int, int | None] = {}
    overhead: dict[int, float] = {}

    def price(
        i: int,
        v: dict[coupled.SlotKey, int],
        budget: float | None = None,
        start: coupled.Plan | None = None,
    ) -> tuple[coupled.Plan, int | None] | None:
        nonlocal stopped
        if stopped or (should_stop is not None and should_stop()):
            stopped = True
            return None
        if not deterministic and left() <= overhead.get(i, 0.0):
            return None  # listing her days alone would overrun the time limit
        sub = coupling.subs[i]
        prices = coupling.prices(i, v)
        began = time.perf_counter()
        allowed = share() if budget is None else budget
        search = _search_days(
            sub.data,
            budget=allowed,
            deterministic=deterministic,
            should_stop=should_stop,
            prices=prices,
            memo=memos[i],
            start=start.rota if start is not None else None,
        )
        # What her search takes beyond its budget (listing her days, building the master): a
        # search is not started when less than that is left.
        overhead[i] = max(overhead.get(i, 0.0), time.perf_counter() - began - allowed)
        stopped = stopped or search.run.stopped
        last_floor[i] = search.floor
        if search.run.best is None:
            return None
        read = patterns.read_master(sub.data, search.master, search.run.best[1], prices)
        return coupling.plan(i, read, search.run.best[0], v), search.floor

    def add(plan: coupled.Plan) -> bool:
        key = (plan.sub, plan.present, plan.base)
        if key in seen:
            return False
        seen.add(key)
        plans.append(plan)
        return True

    def pick() -> None:
        nonlocal best
        found = coupled.integer_master(
            coupling,
            plans,
            budget=budget / (_COUPLED_ROUNDS + 1) if deterministic else max(left(), 0.05),
            deterministic=deterministic,
            seed=_SEED,
        )
        if found is not None and (best is None or found[0] < best[0]):
            best = found
            elapsed = time.perf_counter() - origin
            if not first_s:
                first_s.append(elapsed)
            if progress is not None:
                progress(Progress(found[0], bound, elapsed, part, parts))

    # A first rota: one assistant after another, each in the times and places the others left
    # (`_in_turn`); then each assistant planned again exactly against the others' rotas, as long
    # as that lowers the objective (`sweep`).
    first = _in_turn(coupling, instance, price, left, deterministic=deterministic)
    if first is None:
        if stopped:
            return PartResult(Status.UNKNOWN, explanation=[_STOPPED], stopped=True)
        return None
    current: list[coupled.Plan] = first
    for plan in current:
        add(plan)
    pick()
    # Multipliers of the shared slots: by default an even split of each slot's value between
    # those who may fill it; better, the prices of the slot relaxation (`slot_bound`), whose
    # optimum is also a bound at once.
    cover: dict[coupled.SlotKey, float] = {
        k: s.value / len(s.able) for k, s in coupling.shared.items() if s.value > 0
    }
    crowd: dict[coupled.SlotKey, float] = {}
    if deterministic or left() > 0:
        relaxed = slot_bound.slot_bound(build(instance))
        if relaxed is not None:
            cover = {k: min(relaxed.cover.get(k, 0.0), coupling.shared[k].value) for k in cover}
            crowd = {
                k: min(relaxed.crowd[k], coupling.crowding)
                for k, s in coupling.shared.items()
                if s.crowded and relaxed.crowd.get(k, 0.0) > 0
            }
            bound = max(bound, relaxed.bound)
        # Each assistant's floor at those prices (the LP bound of her day-pattern master, or
        # her optimum when proven in `_QUICK_S`): the Lagrangian bound.
        mu = {k: round(x) for k, x in cover.items()}
        rho = {k: round(x) for k, x in crowd.items()}
        v0 = {k: mu.get(k, 0) - rho.get(k, 0) for k in mu.keys() | rho.keys()}
        quick: list[int] = []
        for i in range(n):
            got = price(
                i, v0, budget=_QUICK_S if deterministic else min(_QUICK_S, max(left(), 0.0))
            )
            if got is not None:
                add(got[0])
            if (floor := last_floor.pop(i, None)) is None:
                break
            quick.append(floor)
        if len(quick) == n:
            bound = max(bound, coupled.lagrangian_bound(coupling, quick, mu, rho))
        if progress is not None and best is not None:
            progress(Progress(best[0], bound, time.perf_counter() - origin, part, parts))
        pick()
    order = _sweep_order(coupling)

    def sweep() -> bool:
        """Each assistant planned against the others' plans; True when some plan got better."""
        better = False
        for i in order:
            if stopped or (not deterministic and left() <= 0):
                break
            v = _marginal(coupling, i, (p for j, p in enumerate(current) if j != i))
            got = price(
                i,
                v,
                budget=budget * (1 - _SWEEP_SHARE) / (n * _SWEEPS)
                if deterministic
                else max(min(share() * 2, left()), 0.05),
                start=current[i],
            )

            if got is None:
                continue
            plan = got[0]
            add(plan)
            if _priced(plan, v) < _priced(current[i], v):
                current[i] = plan
                better = True
        return better

    improving = True
    sweeps = 0
    while improving and not stopped and (sweeps < _SWEEPS if deterministic else left() > 0):
        sweeps += 1
        improving = sweep()
        pick()
        if best is not None:
            current = [plans[j] for j in sorted(best[1], key=lambda j: plans[j].sub)]
        if not deterministic and left() < budget * _SWEEP_SHARE:
            break
    pick()
    # Multipliers by projected subgradient steps (Polyak: towards the best rota's objective).
    step = _STEP
    stalled = 0
    rounds = 0
    proven = False
    while not stopped and (rounds < _COUPLED_ROUNDS if deterministic else left() > 0):
        if should_stop is not None and should_stop():
            stopped = True
            break
        if best is not None and best[0] <= bound:
            proven = True
            break
        rounds += 1
        mu = {k: round(x) for k, x in cover.items()}
        rho = {k: round(x) for k, x in crowd.items()}
        v = {k: mu.get(k, 0) - rho.get(k, 0) for k in mu.keys() | rho.keys()}
        floors: list[int] | None = []
        fill: dict[coupled.SlotKey, int] = defaultdict(int)
        new = 0
        for i in range(n):
            got = price(i, v)
            if got is None:
                floors = None
                continue
            plan, floor = got
            if floor is None:
                floors = None
            elif floors is not None:
                floors.append(floor)
            for key in plan.present:
                fill[key] += 1
            new += add(plan)
        if new:
            pick()
        if floors is None:
            continue  # an assistant's search ran out of time: no bound, and no step, this round
        found = coupled.lagrangian_bound(coupling, floors, mu, rho)
        if found > bound:
            bound, stalled = found, 0
        else:
            stalled += 1
            if stalled >= _STALL:
                step, stalled = step / 2, 0
                if step < _STEP_MIN:
                    break
        # Subgradient: coverage 1 - fill, places fill - places.
        grad_cover = {k: 1 - fill[k] for k in cover}
        grad_crowd = {k: fill[k] - s.places for k, s in coupling.shared.items() if s.crowded}
        norm = sum(g * g for g in grad_cover.values()) + sum(g * g for g in grad_crowd.values())
        target = best[0] if best is not None else found + abs(found) * 0.05 + 1
        if norm == 0 or target <= found:
            continue
        t = step * (target - found) / norm
        for k, g in grad_cover.items():
            cover[k] = min(max(cover[k] + t * g, 0.0), coupling.shared[k].value)
        for k, g in grad_crowd.items():
            crowd[k] = min(max(crowd.get(k, 0.0) + t * g, 0.0), coupling.crowding)
    if best is None:
        return None
    proven = proven or best[0] <= bound
    status = Status.OPTIMAL if proven else Status.FEASIBLE
    chosen = [plans[j] for j in best[1]]
    rota = Rota(
        status,
        tuple(sorted((a for p in chosen for a in p.rota.assignments), key=lambda a: a.start)),
        travel=tuple(t for p in chosen for t in p.rota.travel),
        breaks=tuple(b for p in chosen for b in p.rota.breaks),
    )
    terms = objective_terms(instance, rota)
    if check_rota(instance, rota) or sum(terms.values()) != best[0]:
        return None  # never expected: the block model plans instead
    result = _part_of(rota, terms, bound, stopped)
    result.first_solution_s = first_s[0] if first_s else None
    return result


_SWEEP_SHARE = 0.2
"""Share of a part's budget kept for the multiplier rounds (and their bound) after the sweeps
(in deterministic mode, the sweeps have the rest). Measured on the demo's weeks (deterministic,
20 units): with 40 % kept and three sweeps, the assistant with two contracts found no plan in her
share and the first week ended at 6,890; with 20 % and two sweeps, at 2,632 (bound 2,333)."""
_SWEEPS = 2
"""Sweeps in deterministic mode."""
_FIRST_S = 1.0
"""Budget of one assistant's exact search when the constructive first rota does not fit her."""
_ALONE_S = 4.0
"""Budget of the exact search of an assistant the constructive rota does not fit even alone:
without her plan there is no first rota at all."""
_QUICK_S = 0.1
"""Budget of each assistant's search for the first bound: its LP bound is listed before any
search, the search itself only proves the small ones."""


def _marginal(
    coupling: coupled.Coupling, i: int, others: Iterable[coupled.Plan]
) -> dict[coupled.SlotKey, int]:
    """Sub `i`'s prices of the shared slots given the others' plans: a slot they fill up is
    barred, one they cover is worth nothing more, any other is worth its value."""
    fill: Counter[coupled.SlotKey] = Counter(k for p in others for k in p.present)
    return {
        key: -coupled.BLOCKED if fill[key] >= slot.places else (0 if fill[key] else slot.value)
        for key, slot in coupling.shared.items()
        if i in slot.able
    }


def _priced(plan: coupled.Plan, v: Mapping[coupled.SlotKey, int]) -> int:
    """A plan's cost at prices `v`: its base and the price of each shared slot it leaves."""
    return plan.base + sum(price for key, price in v.items() if key not in plan.present)


def _sweep_order(coupling: coupled.Coupling) -> list[int]:
    """The assistants who share the most slots with others first."""
    count: Counter[int] = Counter(i for slot in coupling.shared.values() for i in slot.able)
    return sorted(range(len(coupling.subs)), key=lambda i: (-count[i], i))


def _in_turn(
    coupling: coupled.Coupling,
    instance: Instance,
    price: Callable[..., tuple[coupled.Plan, int | None] | None],
    left: Callable[[], float],
    *,
    deterministic: bool,
) -> list[coupled.Plan] | None:
    """A first plan of every assistant, planned one after another in the times the earlier ones
    left, most crowded cabinets first (`greedy.by_contention`).

    Those the constructive rota does not fit even alone are planned exactly first; the others by
    the constructive rota (milliseconds each), in up to `greedy.RESTARTS` orders, the one who found
    no room going first the next time; then, where it still misses, exactly, with the slots the
    others filled up barred, while `_FIRST_S` per search allows. None when no order worked."""
    whole = build(instance)
    index = {sub.assistant: i for i, sub in enumerate(coupling.subs)}
    order = [index[a] for a in greedy.by_contention(whole)]

    def exactly(
        i: int, before: Iterable[coupled.Plan], seconds: float = _FIRST_S
    ) -> coupled.Plan | None:
        v = _marginal(coupling, i, before)
        got = price(i, v, budget=seconds if deterministic else max(min(seconds, left()), 0.05))
        if got is None or any(v.get(k) == -coupled.BLOCKED for k in got[0].present):
            return None
        return got[0]

    def constructed(i: int, busy: greedy.Busy) -> coupled.Plan | None:
        built = greedy.plan_assistant(whole, coupling.subs[i].assistant, busy)
        if built is None:
            return None
        rota = Rota(
            Status.FEASIBLE, tuple(built[0]), travel=tuple(built[2]), breaks=tuple(built[1])
        )
        return coupling.built(i, rota)

    def seeded(plans: Iterable[coupled.Plan]) -> greedy.Busy:
        busy: greedy.Busy = {}
        for plan in plans:
            for c, d, lo, hi in plan.rota.presence:
                busy.setdefault((c, d), []).append((lo, hi))
        return busy

    first: dict[int, coupled.Plan] = {}
    for i in [
        i for i in order if greedy.plan_assistant(whole, coupling.subs[i].assistant, {}) is None
    ]:
        plan = exactly(i, first.values(), _ALONE_S)
        if plan is None:
            return None
        first[i] = plan
    rest = [i for i in order if i not in first]
    for _ in range(greedy.RESTARTS):
        busy = seeded(first.values())
        found = dict(first)
        for i in rest:
            plan = constructed(i, busy)
            if plan is None:
                rest.remove(i)
                rest.insert(0, i)
                break
            found[i] = plan
        else:
            return [found[i] for i in range(len(coupling.subs))]
    for _ in range(_RESTARTS):
        if not deterministic and left() <= 0:
            break
        busy = seeded(first.values())
        found = dict(first)
        for i in rest:
            plan = constructed(i, busy)
            if plan is None:
                plan = exactly(i, found.values())
                if plan is None:
                    rest.remove(i)
                    rest.insert(0, i)
                    break
                busy = seeded(found.values())
                for c, d, lo, hi in plan.rota.presence:
                    busy.setdefault((c, d), []).append((lo, hi))
            found[i] = plan
        else:
            return [found[i] for i in range(len(coupling.subs))]
    return None


_RESTARTS = 6
"""Most orders `_in_turn` tries."""


def _part_of(rota: Rota, terms: dict[str, int], bound: float, stopped: bool) -> PartResult:
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


def _pattern_params(solver: cp_model.CpSolver, budget: float, deterministic: bool) -> None:
    """One worker with the LP at level 2, no presolve: measured fastest on the day-pattern master
    (0.20 s against 1.04 s for the default two workers, a pooled week of 1,032 columns)."""
    p = solver.parameters
    p.num_workers = 1
    p.random_seed = _SEED
    p.linearization_level = 2
    p.cp_model_probing_level = 0
    p.cp_model_presolve = False
    _limit(p, budget, deterministic)


def _from_rota(
    instance: Instance,
    rota: Rota,
    solver: cp_model.CpSolver,
    removed: list[Assignment],
    stopped: bool,
) -> PartResult:
    """A part's result from a valid rota found outside the search (the greedy warm start)."""
    found = replace(rota, status=Status.FEASIBLE)
    result = _part_of(found, objective_terms(instance, rota), solver.best_objective_bound, stopped)
    result.removed = removed
    return result


def _size(instance: Instance) -> int:
    return 1 + sum(1 for k in instance.contracts for _ in k.shares) * instance.days


# --- changes --------------------------------------------------------------------------------------


def _describe(instance: Instance, data: PlanData, a: Assignment) -> str:
    cab = next((c.name for c in instance.cabinets if c.id == a.cabinet), a.cabinet)
    start, end = a.start.astimezone(data.tz), a.end.astimezone(data.tz)
    lo = start.hour * 60 + start.minute
    hi = MINUTES_PER_DAY if end.date() != start.date() else end.hour * 60 + end.minute
    return f"{cab} {fr_clock(lo)}–{fr_clock(hi)}"


def changes(
    instance: Instance, rota_assignments: Sequence[Assignment], removed: Sequence[Assignment]
) -> list[Change]:
    """What differs from the published rota, per assistant and day, in French."""
    published = instance.replan.published
    if not published and not removed:
        return []
    data = build(replace(instance, assistants=instance.assistants, contracts=()))
    names = {a.id: a.name for a in instance.assistants}
    out: list[Change] = []
    for p in removed:
        d = p.start.astimezone(data.tz).date()
        out.append(
            Change(
                p.assistant,
                (p.cabinet,),
                p,
                None,
                f"{names.get(p.assistant, p.assistant)} : {fr_date(d)}, {_describe(instance, data, p)} "
                "retiré (congé)",
            )
        )
    removed_set = set(removed)
    by_key_old: dict[tuple[AssistantId, date], list[Assignment]] = defaultdict(list)
    by_key_new: dict[tuple[AssistantId, date], list[Assignment]] = defaultdict(list)
    for p in published:
        if p not in removed_set:
            by_key_old[(p.assistant, p.start.astimezone(data.tz).date())].append(p)
    for a in rota_assignments:
        by_key_new[(a.assistant, a.start.astimezone(data.tz).date())].append(a)
    first, last = (
        instance.start,
        instance.start + timedelta(days=instance.days - 1),
    )
    for key in sorted(set(by_key_old) | set(by_key_new)):
        who, on = key
        if not first <= on <= last:
            continue
        old = sorted(
            set(by_key_old.get(key, [])) - set(by_key_new.get(key, [])), key=lambda x: x.start
        )
        new = sorted(
            set(by_key_new.get(key, [])) - set(by_key_old.get(key, [])), key=lambda x: x.start
        )
        name = names.get(who, who)
        for i in range(max(len(old), len(new))):
            before = old[i] if i < len(old) else None
            after = new[i] if i < len(new) else None
            if before and after:
                text = f"{_describe(instance, data, before)} remplacé par {_describe(instance, data, after)}"
            elif before:
                text = f"{_describe(instance, data, before)} supprimé"
            else:
                assert after is not None
                text = f"{_describe(instance, data, after)} ajouté"
            cabs = tuple(dict.fromkeys(x.cabinet for x in (before, after) if x is not None))
            out.append(Change(who, cabs, before, after, f"{name} : {fr_date(on)}, {text}"))
    return out


# --- entry point ----------------------------------------------------------------------------------


def solve(
    instance: Instance,
    *,
    time_limit_s: float,
    deterministic: bool = False,
    workers: int | None = None,
    progress: Callable[[Progress], None] | None = None,
    hint: Rota | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Rota:
    """Plan the rota of an instance.

    Parameters:
        instance: the planning problem.
        time_limit_s: the whole solve's budget, shared between the independent parts in the
            order of `_order` (one-assistant parts smallest first, then the others largest
            first), each in proportion to its size among the parts left, time a part does not use
            going to those after it (`_Schedule`). In deterministic mode: deterministic time
            units, in proportion to size.
        deterministic: one worker, a fixed seed and a deterministic time limit: the same instance
            gives the same rota.
        workers: CP-SAT workers (default: the machine's cores); with many parts, parts run side by
            side on one worker each.
        progress: called, possibly from the parts' threads, each time a part finds a better rota
            or a higher bound, with the whole instance's figures (sums over the parts), once
            every part has a rota: at once when each has a first rota built without search,
            otherwise from the moment the last part without one finds one.
        hint: a previous rota to start from (warm start).
        should_stop: polled about every 0.1 s while solving (from other threads); once it returns
            True the search stops and parts not yet started are skipped.

    Returns:
        The rota; `status` is `optimal` only when proven, `infeasible` with `explanation` when some
        part cannot be planned, `unknown` when no rota was found in time (never an empty success).
        `stopped` says `should_stop` cut the search short: the rota is then the best found so far
        (`feasible`), or none (`unknown`).
    """
    started = time.perf_counter()
    n_workers = 1 if deterministic else max(1, workers or os.cpu_count() or 1)
    parts = split_parts(instance)
    sizes = [_size(p) for p in parts]
    total = sum(sizes)
    results: list[PartResult | None] = [None] * len(parts)
    lock = threading.Lock()
    tally = _Tally(len(parts), progress, started) if progress is not None else None
    # A first rota of every part, built without search (`greedy_rota`, where it fits): the whole
    # instance has a valid rota within milliseconds, reported at once, and a part that finds
    # nothing better in time (or is stopped first) keeps it.
    firsts: list[PartResult | None] = [None] * len(parts)
    if should_stop is None or not should_stop():
        for i, part in enumerate(parts):
            firsts[i] = _first_rota(part)
            if (first := firsts[i]) is not None and tally is not None:
                tally.report(i, first.objective, first.bound)

    def run(i: int, budget: float, w: int) -> None:
        res = solve_part(
            parts[i],
            budget=budget,
            workers=w,
            deterministic=deterministic,
            part=i,
            parts=len(parts),
            progress=tally,
            hint=hint,
            started=started,
            should_stop=should_stop,
        )
        with lock:
            results[i] = res

    if deterministic:
        for i in range(len(parts)):
            run(i, time_limit_s * sizes[i] / total, 1)
    else:
        side_by_side = n_workers > 1 and len(parts) >= 2 * n_workers
        lanes = n_workers if side_by_side else 1
        schedule = _Schedule(sizes, lanes, started + time_limit_s, _order(parts, sizes))

        def lane() -> None:
            while (i := schedule.next()) is not None:
                try:
                    run(i, schedule.start(i), 1 if side_by_side else n_workers)
                finally:
                    schedule.finish(i)

        if side_by_side:
            with ThreadPoolExecutor(max_workers=lanes) as pool:
                for f in [pool.submit(lane) for _ in range(lanes)]:
                    f.result()
        else:
            lane()
    done: list[PartResult] = []
    for result, first in zip(results, firsts, strict=True):
        if first is not None:
            if result is None or result.status == Status.UNKNOWN:
                first.stopped = result is not None and result.stopped
                result = first
            elif result.status in (Status.OPTIMAL, Status.FEASIBLE):
                result = _better(first, result)  # a search cut short may end above it
        if result is not None:
            done.append(result)
    return _merge(instance, done, time.perf_counter() - started)


def _order(parts: Sequence[Instance], sizes: Sequence[int]) -> list[int]:
    """The order the parts start in: those with one assistant first, smallest first (each is
    proven in a fraction of its share and gives the rest back), then the others largest first.

    Measured on the benchmark's groupement (two lanes, 60 s): with the largest part started last,
    it had 25 s before the deadline while the other lane stood idle for the last 9 s; started
    first, it has 34 s and both lanes work to the end (gap 2.2 % to 1.8 %)."""
    alone = [i for i, p in enumerate(parts) if len(p.assistants) <= 1]
    several = [i for i, p in enumerate(parts) if len(p.assistants) > 1]
    return sorted(alone, key=lambda i: (sizes[i], i)) + sorted(
        several, key=lambda i: (-sizes[i], i)
    )


def _first_rota(instance: Instance) -> PartResult | None:
    """A part's rota built without search, checked, with 0 as its bound (every objective term
    and weight is non-negative), or None when the construction does not fit."""
    rota = greedy_rota(instance)
    if rota is None:
        return None
    return _part_of(rota, objective_terms(instance, rota), 0, stopped=False)


class _Tally:
    """The whole instance's progress from its parts' reports.

    Each part's best objective and highest bound are kept. Once every part has a rota, each
    better rota or bound of a part is reported for the whole: the sums over the parts. Reports
    are made under the lock, so that those of parts running side by side arrive in order."""

    def __init__(self, parts: int, progress: Callable[[Progress], None], started: float) -> None:
        self._best: list[float | None] = [None] * parts
        self._bound = [0.0] * parts
        self._progress = progress
        self._started = started
        self._lock = threading.Lock()

    def report(self, part: int, objective: float, bound: float) -> None:
        with self._lock:
            best = self._best[part]
            if best is not None and objective >= best and bound <= self._bound[part]:
                return
            self._best[part] = objective if best is None else min(best, objective)
            self._bound[part] = max(self._bound[part], bound)
            known = [b for b in self._best if b is not None]
            if len(known) < len(self._best):
                return
            self._progress(
                Progress(
                    sum(known),
                    sum(min(b, o) for b, o in zip(self._bound, known, strict=True)),
                    time.perf_counter() - self._started,
                    part,
                    len(self._best),
                )
            )

    def __call__(self, progress: Progress) -> None:
        self.report(progress.part_index, progress.best_objective, progress.bound)


class _Schedule:
    """Wall-clock budgets of the parts, given as each part starts.

    The parts start in the order given. Each gets a share of the capacity left, in proportion to
    its size among the parts not yet started. The capacity is the time left on every lane, less what
    the running parts may still use. A part that ends early (one assistant, proven in a fraction
    of its share) gives its time back to the larger parts after it.
    """

    def __init__(
        self, sizes: Sequence[int], lanes: int, deadline: float, order: Sequence[int]
    ) -> None:
        self._sizes = sizes
        self._lanes = lanes
        self._deadline = deadline
        self._waiting = list(order)
        self._running: dict[int, float] = {}  # part -> end of its budget
        self._lock = threading.Lock()

    def next(self) -> int | None:
        """The next part to start, or None when every part has started."""
        with self._lock:
            return self._waiting.pop(0) if self._waiting else None

    def start(self, i: int) -> float:
        """Part `i`'s budget, in seconds, from now."""
        with self._lock:
            now = time.perf_counter()
            left = max(self._deadline - now, 0.0)
            busy = sum(max(end - now, 0.0) for end in self._running.values())
            capacity = max(left * self._lanes - busy, 0.0)
            pending = self._sizes[i] + sum(self._sizes[j] for j in self._waiting)
            budget = max(min(left, capacity * self._sizes[i] / pending), _PART_MIN_S)
            self._running[i] = now + budget
            return budget

    def finish(self, i: int) -> None:
        """Part `i` has ended: its time left goes back to the capacity."""
        with self._lock:
            self._running.pop(i, None)


_PART_MIN_S = 0.05
"""Least budget of a part, even past the time limit: enough to return the greedy rota."""


def _merge(instance: Instance, results: list[PartResult], seconds: float) -> Rota:
    status = min((r.status for r in results), key=lambda s: _WEAKNESS[s], default=Status.OPTIMAL)
    explanation = tuple(s for r in results for s in r.explanation)
    stopped = any(r.stopped for r in results)
    if status not in (Status.OPTIMAL, Status.FEASIBLE):
        return Rota(status=status, solve_seconds=seconds, explanation=explanation, stopped=stopped)
    assignments = tuple(
        sorted((a for r in results for a in r.assignments), key=lambda a: (a.assistant, a.start))
    )
    terms: dict[str, int] = defaultdict(int)
    for r in results:
        for name, value in r.terms.items():
            terms[name] += value
    minutes: dict[ContractId, dict[CabinetId, int]] = {
        k.id: dict.fromkeys(sorted(k.shares), 0) for k in instance.contracts
    }
    for a in assignments:
        minutes.setdefault(a.contract, {}).setdefault(a.cabinet, 0)
        minutes[a.contract][a.cabinet] += a.minutes
    removed = [p for r in results for p in r.removed]
    return Rota(
        status=status,
        assignments=assignments,
        travel=tuple(
            sorted((t for r in results for t in r.travel), key=lambda t: (t.assistant, t.start))
        ),
        breaks=tuple(
            sorted((b for r in results for b in r.breaks), key=lambda b: (b.assistant, b.start))
        ),
        objective=sum(r.objective for r in results),
        objective_terms=dict(terms),
        bound=sum(r.bound for r in results),
        solve_seconds=seconds,
        minutes=minutes,
        changes=tuple(changes(instance, assignments, removed)),
        stopped=stopped,
    )


_ = leave_windows
