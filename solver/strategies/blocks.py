"""The block model: every rule of docs/rules.md as CP-SAT constraints, for any part.

Applies to every part: it is the strategy of parts with re-plan inputs (pinned assignments, the
protected window, a published rota), of parts the day-pattern model steps aside from (more than two
vacations a day, rests between days that could bind, a cabinet without places), and of any part the
other strategies found no rota for. It is also the model `solver.explain` reads conflicts from.

Rules encoded: every hard rule and soft goal of docs/rules.md, through the registry of
`solver.constraints` (`HARD_RULES`, `SOFT_TERMS`: one function per rule and per term). This module
adds the re-plan inputs (pinned assignments, the protected window, leave-hit published assignments
removed and reported), warm starts (the caller's hint, the published rota, or the constructive rota
of `solver.greedy`), progress reporting and the read-back of the rota.

Planner-side choices that are not rules of docs/rules.md (the checker does not know them):

- every assignment piece (a block, or each part of a block around its break) lasts at least
  `blocks.MIN_PIECE_MINUTES` (60 min), so that rotas hold no 15-minute fragments; pinned or
  protected pieces that are shorter lower that day's minimum to theirs;
- a declared break between two blocks (rather than inside one) is allowed only on a day with
  pinned or protected pieces, and lasts `break_minutes` to the break length on the grain: so is a
  published day with several breaks in a vacation kept as it is, while free days keep the shape
  the day-pattern model lists;
- session and request coverage is modelled with one-sided presence literals per (block, slot)
  (`soft._uncovered`), tight in the relaxation; the reported terms are recomputed exactly from the
  rota (`soft.exact_presence`), equal to the solver's at any optimum;
- a re-plan is hinted with the published rota when no other hint is given.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from solver.constraints import HARD_RULES, SOFT_TERMS, soft
from solver.constraints.blocks import Expr, PlanModel, Segment
from solver.constraints.data import PlanData, at, build
from solver.greedy import greedy_rota
from solver.model import (
    MINUTES_PER_DAY,
    Assignment,
    AssistantId,
    Break,
    Instance,
    Rota,
    Status,
    TravelLeg,
)
from solver.strategies.part import (
    SEED,
    STOPPED,
    PartResult,
    Progress,
    StopWatch,
    better,
    limit,
    part_of,
)
from solver.validation import objective_terms


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
    """Group assignments into blocks: same contract and cabinet split by one break are one block.

    A gap that could be a break and follows a block with its break starts a new block: the model
    reads it as a declared break between the blocks or an interruption, whichever the day's
    rules allow (`PlanModel`'s paused gaps)."""
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
                gap = day.gaps[k - 1]
                road = 0
                for (c0, c1), z in gap.legs.items():
                    if solver.boolean_value(z):
                        road = data.instance.travel(c0, c1) or 0
                        out.travel.append(TravelLeg(a, c0, c1, at(on, s - road, tz), at(on, s, tz)))
                if gap.paused is not None and solver.boolean_value(gap.paused):
                    before = solver.value(day.blocks[k - 1].end)
                    out.breaks.append(Break(a, at(on, before, tz), at(on, s - road, tz)))
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
    p.random_seed = SEED
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
    limit(p, budget, deterministic)


def solve_by_blocks(
    instance: Instance,
    *,
    budget: float,
    workers: int,
    deterministic: bool,
    part: int,
    parts: int,
    progress: Callable[[Progress], None] | None,
    hint: Rota | None,
    started: float | None,
    should_stop: Callable[[], bool] | None,
    earlier: PartResult | None,
) -> PartResult:
    """Plan a part with the block model, from `earlier` (an unproven rota of another strategy)
    when given: the better rota with the higher bound is the answer.

    Without a hint or an earlier rota, the search starts from a rota built without search when the
    simple construction fits (`greedy_rota`), and, should it find nothing better in time, that rota
    is the answer (it passed the checker). An infeasible part comes back without its explanation:
    the caller asks `solver.explain` for it.
    """
    quick = greedy_rota(instance) if hint is None and earlier is None else None
    if earlier is not None and hint is None:
        hint = Rota(Status.FEASIBLE, tuple(earlier.assignments))
    built = build_model(instance, hint=hint or quick)
    solver = cp_model.CpSolver()
    _params(solver, budget, workers, deterministic)
    reporter = None
    watch = StopWatch(solver, should_stop) if should_stop is not None else None
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
        return better(result, earlier)
    if earlier is not None:
        earlier.stopped = earlier.stopped or stopped
        return earlier
    if quick is not None and status == cp_model.UNKNOWN:
        return _from_rota(instance, quick, solver, built.removed, stopped)
    if stopped:
        return PartResult(Status.UNKNOWN, explanation=[STOPPED], stopped=True)
    if status == cp_model.INFEASIBLE:
        return PartResult(Status.INFEASIBLE)
    if status == cp_model.MODEL_INVALID:
        return PartResult(
            Status.INVALID,
            explanation=["Le modèle de planification est invalide : " + built.pm.model.validate()],
        )
    return PartResult(
        Status.UNKNOWN,
        explanation=["Aucun planning trouvé dans le temps imparti : augmentez le temps de calcul."],
    )


def _from_rota(
    instance: Instance,
    rota: Rota,
    solver: cp_model.CpSolver,
    removed: list[Assignment],
    stopped: bool,
) -> PartResult:
    """A part's result from a valid rota found outside the search (the greedy warm start)."""
    found = replace(rota, status=Status.FEASIBLE)
    result = part_of(found, objective_terms(instance, rota), solver.best_objective_bound, stopped)
    result.removed = removed
    return result
