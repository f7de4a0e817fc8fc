"""National evaluation benchmark: every contract's difference in differences and pre-trend check.

3,000 contracts (30 in each of 100 départements), each of 5 member cabinets x 2 doctors, evaluated
over 16 quarters (8 before the start, 8 since) against its département's 200 reference doctors:
per contract the difference in differences with its CR2 interval (Bell-McCaffrey degrees of
freedom), the event-study pre-trend check (HTZ) and the gain per 100 assistant hours. Simulated
PMT: doctor levels ~ N(900, 200), quarter shocks per département ~ N(0, 10), noise ~ N(0, 10),
a true effect of +20 per member doctor.

Prints the wall time and the peak resident memory (resource.getrusage) against the budgets,
30 s and 1 GiB, and the share of intervals that cover the true effect as a sanity check.

Run: `.venv/bin/python -m benchmarks.evaluation_bench [contracts]`.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler.evaluation import (
    Panel,
    difference_in_differences,
    gain_per_100_hours,
    pretrend_check,
)

DEPARTEMENTS = 100
REFERENCE = 200
MEMBERS = 10
QUARTERS = np.arange(-8, 8)
EFFECT = 20.0
BUDGET_S = 30.0
BUDGET_MIB = 1024.0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    contracts = int(args[0]) if args else 3000
    rng = np.random.default_rng(2026)
    t = QUARTERS.size
    # Each département: its reference doctors' values (REFERENCE x t) and its quarter shocks.
    shocks = rng.normal(0, 10, (DEPARTEMENTS, t))
    reference = (
        rng.normal(900, 200, (DEPARTEMENTS, REFERENCE, 1))
        + shocks[:, None, :]
        + rng.normal(0, 10, (DEPARTEMENTS, REFERENCE, t))
    )
    doctors = MEMBERS + REFERENCE
    doctor = np.repeat(np.arange(doctors), t)
    quarter = np.tile(QUARTERS, doctors)
    treated = doctor < MEMBERS
    lift = EFFECT * (QUARTERS >= 0)

    started = time.perf_counter()
    covered = flagged = 0
    gains = np.empty(contracts)
    for c in range(contracts):
        dep = c % DEPARTEMENTS
        members = (
            rng.normal(900, 200, (MEMBERS, 1))
            + shocks[dep]
            + rng.normal(0, 10, (MEMBERS, t))
            + lift
        )
        panel = Panel.of(
            doctor, quarter, np.concatenate((members, reference[dep])).ravel(), treated
        )
        estimate = difference_in_differences(panel)
        check = pretrend_check(panel)
        gains[c] = gain_per_100_hours(estimate, hours=float(rng.uniform(800, 1600))).gain
        covered += estimate.ci_low <= EFFECT <= estimate.ci_high
        flagged += check.fails
    wall = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    print(
        f"contracts: {contracts} x {doctors} doctors x {t} quarters ({contracts * doctors * t:,} rows)"
    )
    print(
        f"wall time:   {wall:8.1f} s   (budget {BUDGET_S:.0f} s)   {'ok' if wall <= BUDGET_S else 'OVER'}"
    )
    print(
        f"peak memory: {peak_mib:8.0f} MiB (budget {BUDGET_MIB:.0f} MiB) {'ok' if peak_mib <= BUDGET_MIB else 'OVER'}"
    )
    print(f"per contract: {wall / contracts * 1000:.1f} ms (DiD + pre-trend check + gain)")
    print(
        f"intervals covering +{EFFECT:g}: {covered / contracts:.1%}; pre-trend flagged: {flagged / contracts:.1%}"
    )
    print(f"median gain per 100 h: {float(np.median(gains)):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
