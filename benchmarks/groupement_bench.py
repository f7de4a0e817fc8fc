"""Groupement benchmark: the planner on groupements shaped like real ones (`groupement_gen`).

For each row of the table (`groupement_gen.TABLE`, one seed each unless `--seeds`), `--runs`
runs at `--limit` seconds with the default settings (all workers), each in a fresh process whose
peak RSS is read by its parent. Printed per instance:

- `bind`: the share of open cabinet-days where more assistants with a share there are available
  than the cabinet has places (how much places bind);
- `first s`: time to the first valid rota (the planner's first progress report), median;
- `gap %`: (objective − bound) / max(objective, 1) at the limit, median; `best`/`bound` of the
  best run;
- `proof s`: wall time when proven optimal, else `-`;
- `spread %`: (max − min) / min of the runs' objectives;
- `wall s`: the longest run, from the call of `solve` to the returned rota (target: limit + 2 s);
- `MiB`: peak resident memory, the largest run;
- `viol`: rule breaks found by the independent checker, summed over the runs (-1: no rota).

The infeasible variants (`groupement_gen.INFEASIBLE`) are planned once each: the time to the
explanation and its first sentence are printed.

Targets: first rota <= 5 s, gap <= 0.5 % at 60 s, spread <= 0.5 %, wall <= limit + 2 s,
<= 1 GiB, explanation of an infeasible groupement <= 5 s.

    .venv/bin/python -m benchmarks.groupement_bench [--limit 60] [--runs 3] [--seeds 1]
        [--rows 10x20,30x60-sat]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import sys
import time
from dataclasses import dataclass

from benchmarks.groupement_gen import INFEASIBLE, TABLE, Shape, binding, groupement


@dataclass(frozen=True, slots=True)
class Run:
    status: str
    first_s: float | None
    wall_s: float
    objective: int | None
    bound: int | None
    violations: int
    rss_mib: float
    explanation: str = ""


def _plan(shape: Shape, seed: int, limit: float, out: mp.Queue) -> None:  # type: ignore[type-arg]
    from solver import Progress, solve
    from solver.model import Status
    from solver.validation import check_rota

    instance = groupement(shape, seed)
    first: list[float] = []

    def progress(p: Progress) -> None:
        if not first:
            first.append(p.elapsed_s)

    started = time.perf_counter()
    rota = solve(instance, time_limit_s=limit, progress=progress)
    wall = time.perf_counter() - started
    found = rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    out.put(
        Run(
            rota.status.value,
            first[0] if first else None,
            wall,
            rota.objective if found else None,
            rota.bound if found else None,
            len(check_rota(instance, rota)) if found else -1,
            0.0,
            rota.explanation[0] if rota.explanation else "",
        )
    )


def _wrapper(shape: Shape, seed: int, limit: float, out: mp.Queue) -> None:  # type: ignore[type-arg]
    """Runs the plan in its own child so that RUSAGE_CHILDREN is this run's peak alone."""
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    p = ctx.Process(target=_plan, args=(shape, seed, limit, q))
    p.start()
    run: Run = q.get()
    p.join()
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    out.put(
        Run(
            run.status,
            run.first_s,
            run.wall_s,
            run.objective,
            run.bound,
            run.violations,
            rss,
            run.explanation,
        )
    )


def measure(shape: Shape, seed: int, limit: float) -> Run:
    """One run in a fresh process tree."""
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    p = ctx.Process(target=_wrapper, args=(shape, seed, limit, q))
    p.start()
    run: Run = q.get()
    p.join()
    return run


def gap(objective: int, bound: int) -> float:
    """(objective − bound) / max(objective, 1), as coordinators are shown it."""
    return (objective - bound) / max(objective, 1)


def _fmt(v: float | None, spec: str = ".2f") -> str:
    return "-" if v is None else format(v, spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=1, help="seeds 1..N of every row")
    parser.add_argument("--rows", default="", help="row names, comma-separated (default: all)")
    args = parser.parse_args(argv)
    wanted = set(filter(None, args.rows.split(",")))
    unknown = wanted - {s.name for s in (*TABLE, *INFEASIBLE)}
    if unknown:
        # An unknown name would run nothing and end with "targets met".
        parser.error(f"--rows: no such row {', '.join(sorted(unknown))}")
    if args.runs < 1 or args.seeds < 1 or args.limit <= 0:
        parser.error("--runs and --seeds must be at least 1, --limit above 0")
    rows = [s for s in TABLE if not wanted or s.name in wanted]
    bad = [s for s in INFEASIBLE if not wanted or s.name in wanted]
    head = (
        f"{'instance':<18}{'bind':>6}{'status':>10}{'first s':>9}{'gap %':>8}{'best':>9}"
        f"{'bound':>9}{'proof s':>9}{'spread %':>10}{'wall s':>8}{'MiB':>7}{'viol':>6}"
    )
    print(f"limit {args.limit:g} s, {args.runs} run(s) each, default settings")
    print(head)
    misses: list[str] = []
    binds: list[float] = []
    for shape in rows:
        for seed in range(1, args.seeds + 1):
            name = f"{shape.name}/{seed}"
            bind = binding(groupement(shape, seed))
            binds.append(bind)
            runs = [measure(shape, seed, args.limit) for _ in range(args.runs)]
            found = [r for r in runs if r.objective is not None and r.bound is not None]
            firsts = [r.first_s for r in runs if r.first_s is not None]
            first = statistics.median(firsts) if len(firsts) == len(runs) else None
            gaps = [gap(r.objective, r.bound) for r in found]  # type: ignore[arg-type]
            best = min(found, key=lambda r: r.objective or 0, default=None)
            objectives = [r.objective for r in found if r.objective is not None]
            spread = (
                (max(objectives) - min(objectives)) / max(min(objectives), 1)
                if len(objectives) == len(runs) >= 2
                else None
            )
            proofs = [r.wall_s for r in runs if r.status == "optimal"]
            wall = max(r.wall_s for r in runs)
            gap_med = statistics.median(gaps) if len(gaps) == len(runs) else None
            print(
                f"{name:<18}{bind:>6.2f}{runs[0].status:>10}{_fmt(first):>9}"
                f"{_fmt(None if gap_med is None else 100 * gap_med):>8}"
                f"{_fmt(best.objective if best else None, 'd'):>9}"
                f"{_fmt(best.bound if best else None, 'd'):>9}"
                f"{_fmt(statistics.median(proofs) if len(proofs) == len(runs) else None):>9}"
                f"{_fmt(None if spread is None else 100 * spread):>10}{wall:>8.1f}"
                f"{max(r.rss_mib for r in runs):>7.0f}{sum(r.violations for r in runs):>6d}",
                flush=True,
            )
            if first is None or first > 5:
                misses.append(f"{name}: first rota {_fmt(first)} s > 5 s")
            if gap_med is None or gap_med > 0.005:
                misses.append(f"{name}: gap {_fmt(None if gap_med is None else 100 * gap_med)} %")
            if len(runs) < 2:
                misses.append(f"{name}: spread not measured (one run)")
            elif spread is None or spread > 0.005:
                misses.append(f"{name}: spread {_fmt(None if spread is None else 100 * spread)} %")
            if wall > args.limit + 2:
                misses.append(f"{name}: wall {wall:.1f} s > limit + 2 s")
            if any(r.violations for r in runs):
                misses.append(f"{name}: rule breaks or no rota")
    for shape in bad:
        run = measure(shape, 1, args.limit)
        ok = run.status == "infeasible" and run.wall_s <= 5
        print(
            f"{shape.name + '/1':<18}{'':>6}{run.status:>10}{run.wall_s:>9.2f}  {run.explanation}"
        )
        if not ok:
            misses.append(f"{shape.name}: {run.status} in {run.wall_s:.1f} s")
    if binds:
        print(
            f"places bind on {100 * statistics.mean(binds):.0f} % of cabinet-days (target >= 20 %)"
        )
    print("targets met" if not misses else "missed: " + "; ".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
