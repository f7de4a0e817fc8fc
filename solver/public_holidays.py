"""French public holidays by département: the national ones, Alsace-Moselle and overseas.

Rule encoded: a cabinet is closed on the public holidays of its département (IDCC 1147 art. 39);
57 (Moselle) and 67/68 (Alsace) add Good Friday and St Stephen's Day, the overseas départements
(971-974, 976) their abolition-of-slavery day. Saint-Pierre-et-Miquelon (975, INSEE's code for
the collectivity) keeps the national list: the law of 30 June 1983 on the commemoration of the
abolition of slavery names the overseas départements, not it. Without a département, the
national list applies.

The dates and their French names are the `holidays` package's, written for every plannable year
(`solver.model.FIRST_YEAR` to `LAST_YEAR`) into `data/public_holidays_fr.json` by
`scripts/public_holidays_table.py`: looking up France in that package imports the holidays of
every country it knows, a quarter of a second at each start, longer than a small plan takes to
solve. tests/solver/test_public_holidays.py compares the table with the package, so an upgrade
that moves a date fails there until the table is written again.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

from solver.model import FIRST_YEAR, LAST_YEAR

TABLE = Path(__file__).with_name("data") / "public_holidays_fr.json"

# The holidays package names Alsace (67, 68) by its collectivity, the CeA, and
# Saint-Pierre-et-Miquelon by its ISO code.
_SUBDIVISION_BY_DEPARTMENT = {"57": "57", "67": "6AE", "68": "6AE", "975": "PM"}
_OVERSEAS = {"971", "972", "973", "974", "976"}
SUBDIVISIONS = frozenset(_SUBDIVISION_BY_DEPARTMENT.values()) | _OVERSEAS
"""The holidays-package subdivisions whose list differs from, or may one day differ from, the
national one: the table has a section for each."""


def subdivision(department: str | None) -> str | None:
    """The holidays-package subdivision for a département code, or None for the national list."""
    if department is None:
        return None
    if department in _OVERSEAS:
        return department
    return _SUBDIVISION_BY_DEPARTMENT.get(department)


@cache
def _calendars() -> dict[str | None, dict[date, str]]:
    """Each subdivision's holidays by date (None: the national list), read once from the table.

    The table keeps the national list whole and, for each subdivision, only the days it adds or
    names otherwise (an overseas day that falls on Ascension carries both names)."""
    document = json.loads(TABLE.read_text(encoding="utf-8"))
    national = {date.fromisoformat(day): name for day, name in document["national"].items()}
    calendars: dict[str | None, dict[date, str]] = {None: national}
    for code, days in document["subdivisions"].items():
        calendars[code] = national | {date.fromisoformat(d): name for d, name in days.items()}
    return calendars


def public_holiday(day: date, department: str | None) -> str | None:
    """The French name of the public holiday on `day` for the département, or None.

    Raises ValueError for a day outside the plannable years, which the table does not cover."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"{day}: public holidays are known from {FIRST_YEAR} to {LAST_YEAR} only")
    return _calendars()[subdivision(department)].get(day)


def is_known_department(department: str) -> bool:
    """True for a metropolitan (01-95, 2A, 2B) or overseas (971-976) département code."""
    if department in {"2A", "2B", "975"} or department in _OVERSEAS:
        return True
    return (
        len(department) == 2
        and department.isdigit()
        and 1 <= int(department) <= 95
        and department != "20"
    )
