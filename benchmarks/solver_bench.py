"""Planner benchmark: the four target cases of the solver issue, against a textbook baseline.

Cases (instances from a seeded generator below, realistic for a French groupement: shares 10-60 %,
road times 5-30 min, cabinets open about 08:00-19:00 Monday to Friday plus some Saturday mornings,
doctors' sessions, one Moselle cabinet per pool):

- `pool-1w`: one pooled contract (1 assistant, 3-5 cabinets), 1 week, 15-minute grain, every rule;
  target: proven optimal in <= 1 s.
- `pool-4w`: the same over 4 weeks; target: proven optimal in <= 5 s.
- `group-30x60`: 30 assistants and 60 cabinets over a week; targets: a first valid rota in <= 5 s,
  proven optimal or within 0.5 % of the bound in <= 60 s, peak memory <= 1 GiB.
- `batch-1000`: 1,000 independent pooled contracts, one week each; target: >= 2 contracts/s on the
  machine's cores (one process per core, each solving its share one worker at a time with a
  `BATCH_LIMIT_S` limit per contract); time-boxed to `BATCH_BUDGET_S` per model, the rate being
  measured on the contracts done by then, per second of planning (the `solve` calls; generating
  the instances and checking the rotas are left out); the status column says how many were
  proven optimal, `viol` counts rule breaks plus contracts left without a rota.

`first s` is the planner's first progress report: a valid rota of the whole instance (every
part has one; `solve` builds a first rota of each part without search before it searches, where
the greedy construction fits).

Each run happens in a fresh child process (`multiprocessing`, spawn) whose peak RSS is read with
`resource.getrusage(RUSAGE_CHILDREN)` by a wrapper process, since OR-Tools allocates in C++.
Every rota (planner's and baseline's) goes through `solver.validation.check_rota`; the `viol`
column is the number of violations found.

BASELINE: a plain time-indexed Boolean model in the style of OR-Tools'
examples/python/shift_scheduling_sat.py — one boolean per (assistant, cabinet, slot) with the same
contract hours, share tolerance, opening/availability and daily maximum, and the same share and
session objective; it knows nothing of travel, breaks, vacations or rests, so its rotas are
expected to break rules (that is what the `viol` column shows).

    .venv/bin/python -m benchmarks.solver_bench [--quick] [--cases pool-1w,pool-4w,...] [--travel-paid]

Travel counts in the contracts' hours, as by default (docs/rules.md); `--travel-paid` pays it beyond
them, for comparison.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import resource
import statistics
import sys
import time
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model

from solver.model import (
    Assignment,
    Assistant,
    AssistantId,
    Cabinet,
    CabinetId,
    Contract,
    ContractId,
    Instance,
    Rota,
    Rules,
    Session,
    Status,
    WeeklyWindow,
)

TZ = "Europe/Paris"
MONDAY = date(2026, 11, 30)


# --- generator ------------------------------------------------------------------------------------


def _cabinet(rng: random.Random, cid: str, moselle: bool) -> Cabinet:
    opening: list[WeeklyWindow] = []
    for wd in range(5):
        lo = rng.choice([480, 480, 510, 450])
        hi = rng.choice([1140, 1140, 1110, 1080])
        opening.append(WeeklyWindow(wd, lo, hi))
    if rng.random() < 0.3:
        opening.append(WeeklyWindow(5, 480, 720))
    sessions = []
    for wd in range(5):
        if rng.random() < 0.6:
            start = rng.choice([480, 510, 540])
            sessions.append(Session(wd, start, start + rng.choice([180, 210, 240]), 1))
        if rng.random() < 0.4:
            start = rng.choice([840, 870, 900])
            sessions.append(Session(wd, start, start + rng.choice([150, 180]), rng.choice([1, 2])))
    return Cabinet(
        CabinetId(cid),
        f"Cabinet {cid}",
        tuple(opening),
        department="57" if moselle else rng.choice(["54", "88", "55"]),
        sessions=tuple(sessions),
    )


def _shares(rng: random.Random, cabinets: list[str]) -> dict[CabinetId, int]:
    while True:
        raw = [rng.randint(10, 60) for _ in cabinets]
        total = sum(raw)
        bps = [r * 10_000 // total for r in raw]
        bps[0] += 10_000 - sum(bps)
        if all(1000 <= b <= 6000 for b in bps):
            return {CabinetId(c): b for c, b in zip(cabinets, bps, strict=True)}


def _assistant(rng: random.Random, aid: str) -> Assistant:
    avail = [WeeklyWindow(wd, 480, rng.choice([1140, 1110])) for wd in range(5)]
    if rng.random() < 0.3:
        avail.append(WeeklyWindow(5, 480, 720))
    return Assistant(AssistantId(aid), f"Assistante {aid}", tuple(avail))


def _travel(rng: random.Random, cabinets: list[str]) -> dict[tuple[CabinetId, CabinetId], int]:
    return {
        (CabinetId(a), CabinetId(b)): rng.randint(5, 30)
        for i, a in enumerate(cabinets)
        for b in cabinets[i + 1 :]
    }


_TRAVEL_PAID = "PARTAGENDA_BENCH_TRAVEL_PAID"
RULES = Rules(travel_in_contract=os.environ.get(_TRAVEL_PAID) != "1")
"""The generated instances' rules: travel counted in the contracts' hours (the default), or paid
beyond them with `--travel-paid` (passed to the spawned children through the environment)."""


def pool_instance(seed: int, days: int = 7, n_cabinets: int | None = None) -> Instance:
    """One pooled contract: 1 assistant, 3-5 cabinets (one in Moselle)."""
    rng = random.Random(seed)
    n = n_cabinets or rng.randint(3, 5)
    cids = [f"c{seed}-{i}" for i in range(n)]
    cabinets = [_cabinet(rng, c, i == 0) for i, c in enumerate(cids)]
    assistant = _assistant(rng, f"a{seed}")
    contract = Contract(
        ContractId(f"k{seed}"),
        assistant.id,
        rng.choice([24 * 60, 28 * 60, 35 * 60]),
        _shares(rng, cids),
    )
    return Instance(
        TZ,
        MONDAY,
        days,
        15,
        (assistant,),
        tuple(cabinets),
        (contract,),
        _travel(rng, cids),
        rules=RULES,
    )


def group_instance(seed: int, n_assistants: int = 30, n_cabinets: int = 60) -> Instance:
    """A groupement: assistants each pooled between 2-4 cabinets, some cabinets shared."""
    rng = random.Random(seed)
    cids = [f"g{i:02d}" for i in range(n_cabinets)]
    cabinets = [_cabinet(rng, c, i % 20 == 0) for i, c in enumerate(cids)]
    assistants, contracts = [], []
    for i in range(n_assistants):
        a = _assistant(rng, f"as{i:02d}")
        # Cabinets of a neighbourhood: 2 own, sometimes one shared with the next assistant.
        own = [cids[(2 * i) % n_cabinets], cids[(2 * i + 1) % n_cabinets]]
        if rng.random() < 0.5:
            own.append(cids[(2 * i + 2) % n_cabinets])
        assistants.append(a)
        contracts.append(
            Contract(
                ContractId(f"k{i:02d}"), a.id, rng.choice([24 * 60, 35 * 60]), _shares(rng, own)
            )
        )
    travel: dict[tuple[CabinetId, CabinetId], int] = {}
    for i in range(n_cabinets):
        for j in range(i + 1, min(n_cabinets, i + 4)):
            travel[(CabinetId(cids[i]), CabinetId(cids[j]))] = rng.randint(5, 30)
    return Instance(
        TZ,
        MONDAY,
        7,
        15,
        tuple(assistants),
        tuple(cabinets),
        tuple(contracts),
        travel,
        rules=RULES,
    )


# --- baseline -------------------------------------------------------------------------------------


def baseline_solve(
    instance: Instance, time_limit_s: float, workers: int
) -> tuple[Rota, float | None]:
    """Textbook model: x[a, c, d, t] booleans; returns the rota and the time to the first one."""
    from solver.constraints.data import at, build

    data = build(instance)
    g = instance.slot_minutes
    m = cp_model.CpModel()
    x: dict[tuple[str, str, str, int, int], cp_model.IntVar] = {}
    for k in data.contracts:
        for d in range(len(data.dates)):
            for o in data.options[(k.assistant, d)]:
                if o.contract != k.id:
                    continue
                for t in range(o.start, o.end, g):
                    key = (k.assistant, o.contract, o.cabinet, d, t)
                    if key not in x:
                        x[key] = m.new_bool_var(str(key))
    by_slot: dict[tuple[str, int, int], list[cp_model.IntVar]] = {}
    by_cab: dict[tuple[str, int, int], list[cp_model.IntVar]] = {}
    by_day: dict[tuple[str, int], list[cp_model.IntVar]] = {}
    for (a, _k, c, d, t), v in x.items():
        by_slot.setdefault((a, d, t), []).append(v)
        by_cab.setdefault((c, d, t), []).append(v)
        by_day.setdefault((a, d), []).append(v)
    for vs in by_slot.values():
        m.add_at_most_one(vs)
    for (c, _d, _t), vs in by_cab.items():
        m.add(sum(vs) <= data.cabinets[CabinetId(c)].places)
    for vs in by_day.values():
        m.add(sum(vs) * g <= instance.rules.max_daily_minutes)
    objective: list[cp_model.LinearExpr] = []
    tol = instance.rules.share_tolerance_minutes
    for k in data.contracts:
        for wk in data.weeks:
            week_total = []
            for c in sorted(k.shares):
                vs = [
                    v
                    for (a, kk, cc, d, _t), v in x.items()
                    if kk == k.id and cc == c and d in wk.days
                ]
                got = sum(vs) * g
                target = data.share_targets[(k.id, wk.index, c)]
                m.add(got >= max(0, target - tol))
                m.add(got <= target + tol)
                dev = m.new_int_var(0, 10_000, "")
                m.add_abs_equality(dev, got - target)
                objective.append(instance.weights.share_deviation * dev)
                week_total.extend(vs)
            m.add(sum(week_total) * g == data.targets[(k.id, wk.index)])
    for cid, cab in data.cabinets.items():
        for d, on in enumerate(data.dates):
            for s in cab.sessions:
                if s.weekday != on.weekday() or (cid, d) in data.closed:
                    continue
                for t in range(s.start - s.start % g, s.end, g):
                    vs = by_cab.get((cid, d, t), [])
                    cov = m.new_bool_var("")
                    m.add(cov <= sum(vs))
                    objective.append(instance.weights.session_uncovered * s.weight * g * (1 - cov))
    m.minimize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = time_limit_s
    first: list[float] = []
    started = time.perf_counter()

    class _First(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            if not first:
                first.append(time.perf_counter() - started)

    status = solver.solve(m, _First())
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Rota(Status.UNKNOWN), None
    tz = ZoneInfo(instance.timezone)
    chosen = sorted(key for key, v in x.items() if solver.boolean_value(v))
    assignments: list[Assignment] = []
    for a, kid, c, d, t in chosen:
        prev = assignments[-1] if assignments else None
        start = at(data.dates[d], t, tz)
        if (
            prev is not None
            and prev.assistant == a
            and prev.cabinet == c
            and prev.contract == kid
            and prev.end == start
        ):
            assignments[-1] = replace(prev, end=at(data.dates[d], t + g, tz))
        else:
            assignments.append(
                Assignment(
                    AssistantId(a),
                    ContractId(kid),
                    CabinetId(c),
                    start,
                    at(data.dates[d], t + g, tz),
                )
            )
    st = Status.OPTIMAL if status == cp_model.OPTIMAL else Status.FEASIBLE
    return (
        Rota(
            st,
            tuple(assignments),
            objective=int(solver.objective_value),
            bound=int(solver.best_objective_bound),
        ),
        first[0] if first else None,
    )


# --- runs -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """One measured run."""

    status: str
    first_s: float | None
    proof_s: float | None
    objective: int | None
    bound: int | None
    violations: int
    rss_mib: float
    extra: float = 0.0  # contracts/s for the batch


def _objective(instance: Instance, rota: Rota) -> int | None:
    from solver.validation import objective_total

    return objective_total(instance, rota) if rota.assignments else None


def _case(name: str, model: str, limit: float, seed: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    from solver import Progress, solve
    from solver.validation import check_rota

    if name == "batch-1000":
        out.put(_batch(model, seed))
        return
    instance = {
        "pool-1w": lambda: pool_instance(seed, 7, 4),
        "pool-4w": lambda: pool_instance(seed, 28, 4),
        "group-30x60": lambda: group_instance(seed),
    }[name]()
    started = time.perf_counter()
    first: list[float] = []

    def progress(p: Progress) -> None:
        if not first:
            first.append(p.elapsed_s)

    if model == "planner":
        rota = solve(instance, time_limit_s=limit, progress=progress)
        first_s = first[0] if first else None
    else:
        rota, first_s = baseline_solve(instance, limit, 2)
    elapsed = time.perf_counter() - started
    proof = elapsed if rota.status == Status.OPTIMAL else None
    viol = len(check_rota(instance, rota)) if rota.assignments else -1
    out.put(
        Run(
            rota.status.value,
            first_s,
            proof,
            rota.objective if model == "planner" else _objective(instance, rota),
            rota.bound,
            viol,
            0.0,
        )
    )


BATCH_LIMIT_S = 0.8
"""Time limit of each contract of the batch (one worker). Measured on 30 pooled weeks with the
greedy warm start: every week gets a rota at 0.5, 0.8 and 1.0 s, and the summed objective is
434,312 at 0.5 s, 406,658 at 0.8 s and 413,180 at 1.0 s (noise above 0.8 s): 0.8 s loses nothing
measurable against 1 s and leaves room for 2 contracts a second on 2 cores."""
BATCH_BUDGET_S = 90.0
"""Time box of the whole batch per model: contracts/s is measured on those done by then."""


def _batch_worker(model: str, seeds: list[int], budget: float, out: mp.Queue) -> None:  # type: ignore[type-arg]
    from solver import solve
    from solver.validation import check_rota

    viol = optimal = done = 0
    planning = 0.0
    started = time.perf_counter()
    for s in seeds:
        if time.perf_counter() - started > budget:
            break
        inst = pool_instance(s, 7)
        begun = time.perf_counter()
        if model == "planner":
            rota = solve(inst, time_limit_s=BATCH_LIMIT_S, workers=1)
        else:
            rota, _ = baseline_solve(inst, BATCH_LIMIT_S, 1)
        planning += time.perf_counter() - begun
        # The benchmark's own verification, outside the planning time.
        viol += len(check_rota(inst, rota)) if rota.assignments else 1
        optimal += rota.status == Status.OPTIMAL
        done += 1
    out.put((viol, optimal, done, planning))


def _batch(model: str, seed: int, count: int = 1000, procs: int = 2) -> Run:
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    seeds = [seed * 10_000 + i for i in range(count)]
    ps = [
        ctx.Process(target=_batch_worker, args=(model, seeds[i::procs], BATCH_BUDGET_S, q))
        for i in range(procs)
    ]
    for p in ps:
        p.start()
    got = [q.get() for _ in ps]
    for p in ps:
        p.join()
    viol = sum(g[0] for g in got)
    optimal = sum(g[1] for g in got)
    done = sum(g[2] for g in got)
    # Contracts planned per second of planning: the processes plan side by side, so the batch
    # takes as long as the busiest one (instance generation and checking left out).
    planning = max(g[3] for g in got)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    status = f"{optimal}/{done} opt"
    return Run(status, None, None, None, None, viol, rss, done / planning)


def _wrapper(name: str, model: str, limit: float, seed: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    """Runs the case in its own child so that RUSAGE_CHILDREN is this run's peak alone."""
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    p = ctx.Process(target=_case, args=(name, model, limit, seed, q))
    p.start()
    run: Run = q.get()
    p.join()
    if run.rss_mib == 0.0:
        run = replace(run, rss_mib=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    out.put(run)


def measure(name: str, model: str, limit: float, seed: int) -> Run:
    """One run of a case in a fresh process tree."""
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    p = ctx.Process(target=_wrapper, args=(name, model, limit, seed, q))
    p.start()
    run: Run = q.get()
    p.join()
    return run


def _median(values: list[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    if len(got) < len(values) / 2 or not got:
        return None
    return statistics.median(got)


def _fmt(v: float | None, spec: str = ".2f") -> str:
    return "-" if v is None else format(v, spec)


CASES: dict[str, tuple[float, int, int]] = {
    # name: (time limit s, runs full, runs quick)
    "pool-1w": (5.0, 5, 1),
    "pool-4w": (10.0, 3, 1),
    "group-30x60": (60.0, 3, 1),
    "batch-1000": (0.0, 1, 1),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="one run per case")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--batch-count", type=int, default=1000)
    parser.add_argument(
        "--travel-paid",
        action="store_true",
        help="pay travel beyond the contracts' hours (by default it counts in them, docs/rules.md)",
    )
    args = parser.parse_args(argv)
    if args.travel_paid:
        os.environ[_TRAVEL_PAID] = "1"
        print("travel paid beyond the contracts' hours")
    else:
        print("travel counted in the contracts' hours")
    header = (
        f"{'instance':<12} {'model':<8} {'status':<12} {'first s':>7} {'proof s':>7} "
        f"{'objective':>9} {'bound':>9} {'gap %':>6} {'MiB':>6} {'viol':>5} {'ctr/s':>6}"
    )
    print(header)
    print("-" * len(header))
    for name in args.cases.split(","):
        limit, full, quick = CASES[name]
        runs_n = quick if args.quick else full
        models = ["planner"] if args.no_baseline else ["planner", "baseline"]
        for model in models:
            runs: list[Run] = []
            for r in range(runs_n):
                seed = 7 + (r if name == "batch-1000" else 0)
                if name == "batch-1000":
                    runs.append(_batch_run(model, seed, args.batch_count))
                else:
                    runs.append(measure(name, model, limit, seed))
            objs = [float(r.objective) if r.objective is not None else None for r in runs]
            bnds = [float(r.bound) if r.bound is not None else None for r in runs]
            obj, bnd = _median(objs), _median(bnds)
            gap = (
                100.0 * (obj - bnd) / max(1.0, abs(obj))
                if obj is not None and bnd is not None
                else None
            )
            statuses = sorted({r.status for r in runs})
            print(
                f"{name:<12} {model:<8} {'/'.join(statuses):<12} "
                f"{_fmt(_median([r.first_s for r in runs])):>7} "
                f"{_fmt(_median([r.proof_s for r in runs])):>7} "
                f"{_fmt(obj, '.0f'):>9} {_fmt(bnd, '.0f'):>9} {_fmt(gap, '.2f'):>6} "
                f"{_fmt(_median([r.rss_mib for r in runs]), '.0f'):>6} "
                f"{max(r.violations for r in runs):>5} "
                f"{_fmt(_median([r.extra or None for r in runs]), '.1f'):>6}",
                flush=True,
            )
    return 0


def _batch_run(model: str, seed: int, count: int) -> Run:
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    p = ctx.Process(target=_batch_in_child, args=(model, seed, count, q))
    p.start()
    run: Run = q.get()
    p.join()
    return run


def _batch_in_child(model: str, seed: int, count: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    out.put(_batch(model, seed, count))


if __name__ == "__main__":
    sys.exit(main())
