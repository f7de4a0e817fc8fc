"""Plan a rota: decompose into independent parts, plan each by the strategy that fits, merge.

The facade of the planner. An instance is split into independent parts (assistants and cabinets
connected by contracts: union-find, `split_parts`); each part gets a first rota built without
search (`solver.greedy`, where it fits), then a share of the time limit (`_Schedule`), in which
`solve_part` runs the pre-checks (`solver.explain.precheck`) and the strategies of
`solver.strategies` in turn: the exact day-pattern search (`days`), the groupement decomposition
(`assistants`), the block model (`blocks`). The parts' results are merged into one rota with its
changes from the published rota (`changes`). No time limit is set here: callers pass
`time_limit_s`.

Rules encoded: none here; which strategy encodes which rule of docs/rules.md is `solver.rules`.
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from functools import partial

from solver import explain
from solver.constraints.data import PlanData, build, leg_credits
from solver.french import clock_digits, weekday_date
from solver.greedy import greedy_rota
from solver.model import (
    MINUTES_PER_DAY,
    Assignment,
    AssistantId,
    CabinetId,
    Change,
    ContractId,
    Instance,
    Rota,
    Status,
)
from solver.strategies import assistants, blocks, days
from solver.strategies.part import STOPPED, PartResult, Progress, better, part_of
from solver.validation import objective_terms

__all__ = ["Progress", "changes", "solve", "solve_part", "split_parts"]

_WEAKNESS = {
    Status.INVALID: 0,
    Status.INFEASIBLE: 1,
    Status.UNKNOWN: 2,
    Status.FEASIBLE: 3,
    Status.OPTIMAL: 4,
}


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
    """Solve one independent part; infeasible parts come back with their explanation.

    The pre-checks first, then the day-pattern search and the decomposition (each steps aside,
    returning None, where it does not apply), then the block model, which goes on from an
    unproven rota of theirs when time is left.
    """
    reasons = explain.precheck(instance)
    if reasons:
        return PartResult(Status.INFEASIBLE, explanation=reasons)
    if should_stop is not None and should_stop():
        return PartResult(Status.UNKNOWN, explanation=[STOPPED], stopped=True)
    began = time.perf_counter()
    planned = None
    for plan_by in (days.solve_by_days, partial(assistants.solve_by_assistants, workers=workers)):
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
            return _explained(instance, planned, budget)
        # Unproven with time left (the decomposition's steps have shrunk): the block model goes
        # on from its rota, and the better rota with the higher bound is the answer.
        earlier = planned
    if not deterministic:
        budget = max(budget - (time.perf_counter() - began), 0.05)
    result = blocks.solve_by_blocks(
        instance,
        budget=budget,
        workers=workers,
        deterministic=deterministic,
        part=part,
        parts=parts,
        progress=progress,
        hint=hint,
        started=started,
        should_stop=should_stop,
        earlier=earlier,
    )
    return _explained(instance, result, budget)


def _explained(instance: Instance, result: PartResult, budget: float) -> PartResult:
    """An infeasible result with the reasons of `solver.explain` (the strategies only say that
    no rota exists; the explanation searches again, within a budget of its own)."""
    if result.status == Status.INFEASIBLE and not result.explanation:
        result.explanation = explain.explain(instance, budget=min(budget, 10.0))
    return result


_HANDOVER_MIN_S = 0.5
"""Least time left for the block model to go on from an unproven decomposed rota."""


def _size(instance: Instance) -> int:
    return 1 + sum(1 for k in instance.contracts for _ in k.shares) * instance.days


def _describe(instance: Instance, data: PlanData, a: Assignment) -> str:
    cab = next((c.name for c in instance.cabinets if c.id == a.cabinet), a.cabinet)
    start, end = a.start.astimezone(data.tz), a.end.astimezone(data.tz)
    lo = start.hour * 60 + start.minute
    hi = MINUTES_PER_DAY if end.date() != start.date() else end.hour * 60 + end.minute
    return f"{cab} {clock_digits(lo)}–{clock_digits(hi)}"


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
                f"{names.get(p.assistant, p.assistant)} : {weekday_date(d)}, {_describe(instance, data, p)} "
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
            out.append(Change(who, cabs, before, after, f"{name} : {weekday_date(on)}, {text}"))
    return out


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
                result = better(first, result)  # a search cut short may end above it
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
    return part_of(rota, objective_terms(instance, rota), 0, stopped=False)


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
    legs = [t for r in results for t in r.travel]
    for (k, c), credit in leg_credits(instance, assignments, legs).items():
        minutes.setdefault(k, {}).setdefault(c, 0)
        minutes[k][c] += credit
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
