"""Write docs/mutation-report.json from the results of the last `mutmut run` (see scripts/mutation).

For each module named on the command line, the report records its SHA-256, mutmut's counts and
score over every mutant generated (killed or timed out, over all but the skipped ones, as mutmut's
own badge reckons it), how long the run took, and each survivor with its diff; a survivor listed in
docs/mutation-equivalents.json carries the reason it is equivalent. The other modules' entries are
kept as they are.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "mutation-report.json"
EQUIVALENTS = ROOT / "docs" / "mutation-equivalents.json"


def _without_equivalents(caught: int, tested: int, survivors: list[dict[str, str]]) -> float:
    """The score over the mutants that are not listed as equivalent (for information)."""
    equivalent = sum(1 for s in survivors if "equivalent" in s)
    return round(100 * caught / (tested - equivalent), 2) if tested > equivalent else 0.0


def module_report(
    module: str, seconds: int | None, equivalents: dict[str, str]
) -> dict[str, object]:
    data = SourceFileMutationData(path=Path(module))
    data.load()
    if not data.exit_code_by_key:
        raise SystemExit(f"no mutmut results for {module}: run scripts/mutation {module}")
    counts: dict[str, int] = {}
    survivors = []
    for name, exit_code in sorted(data.exit_code_by_key.items()):
        status = status_by_exit_code[exit_code]
        counts[status] = counts.get(status, 0) + 1
        if status not in {"killed", "timeout", "skipped"}:
            survivor: dict[str, str] = {
                "mutant": name,
                "status": status,
                "diff": get_diff_for_mutant(name, path=Path(module)),
            }
            if name in equivalents:
                survivor["equivalent"] = equivalents[name]
            survivors.append(survivor)
    total = sum(counts.values())
    tested = total - counts.get("skipped", 0)
    caught = counts.get("killed", 0) + counts.get("timeout", 0)
    return {
        "sha256": hashlib.sha256((ROOT / module).read_bytes()).hexdigest(),
        "mutants": total,
        "counts": dict(sorted(counts.items())),
        "score": round(100 * caught / tested, 2) if tested else 0.0,
        "equivalent_survivors": sum(1 for s in survivors if "equivalent" in s),
        "score_without_equivalents": _without_equivalents(caught, tested, survivors),
        "run_seconds": seconds,
        "run_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "survivors": survivors,
    }


def refresh_equivalents(
    report: dict[str, dict[str, dict[str, object]]], equivalents: dict[str, str]
) -> None:
    """Tag the recorded survivors with the reasons of docs/mutation-equivalents.json again."""
    for entry in report["modules"].values():
        survivors = entry["survivors"]
        assert isinstance(survivors, list)
        for survivor in survivors:
            survivor.pop("equivalent", None)
            if survivor["mutant"] in equivalents:
                survivor["equivalent"] = equivalents[survivor["mutant"]]
        entry["equivalent_survivors"] = sum(1 for s in survivors if "equivalent" in s)
        counts = entry["counts"]
        assert isinstance(counts, dict)
        caught = counts.get("killed", 0) + counts.get("timeout", 0)
        tested = sum(counts.values()) - counts.get("skipped", 0)
        entry["score_without_equivalents"] = _without_equivalents(caught, tested, survivors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("modules", nargs="*", help="paths such as solver/validation.py")
    parser.add_argument("--timings", type=Path, help="lines '<module> <seconds>'")
    parser.add_argument(
        "--refresh-equivalents",
        action="store_true",
        help="only re-read docs/mutation-equivalents.json into the recorded survivors",
    )
    args = parser.parse_args()
    if args.refresh_equivalents:
        report = json.loads(REPORT.read_text())
        refresh_equivalents(report, json.loads(EQUIVALENTS.read_text()))
        REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        return
    seconds: dict[str, int] = {}
    if args.timings is not None:
        for line in args.timings.read_text().splitlines():
            module, _, value = line.partition(" ")
            seconds[module] = int(value)
    equivalents: dict[str, str] = (
        json.loads(EQUIVALENTS.read_text()) if EQUIVALENTS.exists() else {}
    )
    report = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    report["tool"] = f"mutmut {version('mutmut')}"
    modules = report.setdefault("modules", {})
    for module in args.modules:
        modules[module] = module_report(module, seconds.get(module), equivalents)
        print(  # noqa: T201 - the script's summary line
            f"{module}: {modules[module]['score']} % of {modules[module]['mutants']} mutants "
            f"caught, {len(modules[module]['survivors'])} survivors"
        )
    report["modules"] = dict(sorted(modules.items()))
    REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
