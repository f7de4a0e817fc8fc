"""Write solver/data/public_holidays_fr.json, the French public holidays the planner reads, from
the `holidays` package (a development dependency): every plannable year, the national list, and
for each subdivision of solver/public_holidays.py the days it adds or names otherwise.

Run it after upgrading `holidays` when tests/solver/test_public_holidays.py says the table differs:

    .venv/bin/python scripts/public_holidays_table.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a file: the project's packages sit beside scripts/

from solver.model import FIRST_YEAR, LAST_YEAR  # noqa: E402 - after the path above
from solver.public_holidays import SUBDIVISIONS, TABLE  # noqa: E402


def _calendar(subdivision: str | None) -> dict[str, str]:
    import holidays

    years = range(FIRST_YEAR, LAST_YEAR + 1)
    days = holidays.country_holidays("FR", years=years, subdiv=subdivision, language="fr")
    return {day.isoformat(): name for day, name in sorted(days.items())}


def build() -> dict[str, Any]:
    """The table's document, from the installed `holidays` package."""
    national = _calendar(None)
    subdivisions: dict[str, dict[str, str]] = {}
    for code in sorted(SUBDIVISIONS):
        days = _calendar(code)
        dropped = sorted(national.keys() - days.keys())
        if dropped:
            # The table can only add to the national list or rename a day.
            raise SystemExit(
                f"{code} drops national holidays {dropped[:3]}: the table cannot say so"
            )
        subdivisions[code] = {day: name for day, name in days.items() if national.get(day) != name}
    return {
        "source": "holidays package, country FR, language fr",
        "years": [FIRST_YEAR, LAST_YEAR],
        "national": national,
        "subdivisions": subdivisions,
    }


def main() -> None:
    TABLE.parent.mkdir(exist_ok=True)
    text = json.dumps(build(), ensure_ascii=False, indent=0, sort_keys=True)
    TABLE.write_text(text + "\n", encoding="utf-8")
    print(f"{TABLE.relative_to(ROOT)} written")  # noqa: T201 - a script's one line of output


if __name__ == "__main__":
    main()
