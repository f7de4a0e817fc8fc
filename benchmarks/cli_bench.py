"""Start-up of `partagenda solve` against importing CP-SAT alone, as whole processes.

Runs the two commands in turn, A B A B …, `--runs` times each after one warm-up of each, on a
one-assistant, one-cabinet, one-day instance (tests/data/one_day_instance.json), and prints the
minimum, median and maximum wall time of each and the difference of the medians. Target: the
difference is at most 0.3 s, that is, solving a tiny file costs little more than the solver's own
import (the rest of the service, its database and web libraries, is not loaded).

The commands are the ones a user types: the console script of this virtual environment and its
Python. The warm-up runs with bytecode writing allowed even under PYTHONDONTWRITEBYTECODE, so that
the project's modules start compiled, as an installed package's and the libraries' do; the timed
runs keep the caller's environment. The load average is printed: on a shared machine the
difference grows with it, as every process there is slowed.

    .venv/bin/python -m benchmarks.cli_bench [--runs 15] [--instance FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "tests" / "data" / "one_day_instance.json"
TARGET_S = 0.3


def _timed(command: list[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds of one run; a failed run ends the benchmark (its time would mean nothing)."""
    start = time.perf_counter()
    done = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} ended with {done.returncode}: {done.stderr.decode()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="counted runs of each command")
    parser.add_argument("--instance", type=Path, default=INSTANCE, help="instance file to solve")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    bin_dir = Path(sys.executable).parent
    commands = {
        "partagenda solve": [str(bin_dir / "partagenda"), "solve", str(args.instance)],
        "import cp_model": [sys.executable, "-c", "from ortools.sat.python import cp_model"],
    }
    compiling = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for command in commands.values():
        _timed(command, env=compiling)
    times: dict[str, list[float]] = {name: [] for name in commands}
    load_before = os.getloadavg()[0]
    for _ in range(args.runs):
        for name, command in commands.items():
            times[name].append(_timed(command))
    load_after = os.getloadavg()[0]

    print(
        f"{args.runs} runs of each, alternating, on {args.instance.name}; load average "
        f"{load_before:.1f} then {load_after:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"{'command':<18} {'min s':>7} {'median s':>9} {'max s':>7}")
    for name, values in times.items():
        low, mid, high = min(values), statistics.median(values), max(values)
        print(f"{name:<18} {low:7.3f} {mid:9.3f} {high:7.3f}")
    solve, imports = (statistics.median(values) for values in times.values())
    verdict = "met" if solve - imports <= TARGET_S else "NOT met"
    print(f"median difference {solve - imports:.3f} s (target at most {TARGET_S} s: {verdict})")


if __name__ == "__main__":
    main()
