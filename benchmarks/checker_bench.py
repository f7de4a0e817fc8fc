"""The independent checker's speed: `solver.validation.check_rota` on a groupement's whole rota.

The case: 30 assistants and 60 cabinets over 4 weeks (each assistant with a pooled contract
between two cabinets, 35 hours a week; Christmas Day worked, so that the checker reports breaks
of three rules for every assistant), the rota built as the checker's own tests build theirs
(`tests.solver.builders`). Target: at most 1 s a check (median of `--runs`), since every rota the
planner gives is checked before it is stored. One week of the same groupement is printed beside
it. Each figure is the median of the runs, in this process.

    .venv/bin/python -m benchmarks.checker_bench [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

from solver.model import Assignment, CabinetId, ContractId, Instance, Rota
from solver.validation import check_rota
from tests.solver.builders import (
    PARC,
    TILLEULS,
    day,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    make_rota,
    standard_week,
)

TARGET_S = 1.0
ASSISTANTS = 30


def groupement(weeks: int) -> tuple[Instance, Rota]:
    """30 assistants, 60 cabinets, `weeks` weeks of the standard week at two cabinets each."""
    ids = [f"a{k:02d}" for k in range(ASSISTANTS)]
    cabinets = [make_cabinet(f"c{k:02d}") for k in range(2 * ASSISTANTS)]
    contracts = [
        make_contract(f"k{k:02d}", a, shares={f"c{2 * k:02d}": 6000, f"c{2 * k + 1:02d}": 4000})
        for k, a in enumerate(ids)
    ]
    rota: list[Assignment] = []
    for k, a in enumerate(ids):
        places = {TILLEULS: CabinetId(f"c{2 * k:02d}"), PARC: CabinetId(f"c{2 * k + 1:02d}")}
        for week in range(weeks):
            rota += [
                replace(p, cabinet=places[p.cabinet], contract=ContractId(f"k{k:02d}"))
                for p in standard_week(day(7 * week), a)
            ]
    instance = make_instance(
        [make_assistant(a) for a in ids], cabinets, contracts, travel={}, days=7 * weeks
    )
    return instance, make_rota(rota)


def _median_seconds(instance: Instance, rota: Rota, runs: int) -> tuple[float, int]:
    times = []
    found = 0
    for _ in range(runs):
        began = time.perf_counter()
        found = len(check_rota(instance, rota))
        times.append(time.perf_counter() - began)
    return statistics.median(times), found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs: at least 1")
    print(f"{'case':<18} {'pieces':>7} {'violations':>10} {'check s':>8} {'target s':>8}")
    missed = False
    for weeks in (1, 4):
        instance, rota = groupement(weeks)
        seconds, found = _median_seconds(instance, rota, args.runs)
        target = TARGET_S if weeks == 4 else None
        missed |= target is not None and seconds > target
        print(
            f"{f'30x60, {weeks} week(s)':<18} {len(rota.assignments):>7} {found:>10} "
            f"{seconds:>8.3f} {'-' if target is None else f'{target:.1f}':>8}"
        )
    print("target missed" if missed else "target met")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
