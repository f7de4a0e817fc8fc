"""French public holidays by département: the national ones, Alsace-Moselle and overseas.

Rule encoded: a cabinet is closed on the public holidays of its département (IDCC 1147 art. 39);
57 (Moselle) and 67/68 (Alsace) add Good Friday and St Stephen's Day, the overseas départements
(971-974, 976) their abolition-of-slavery day. Saint-Pierre-et-Miquelon (975, INSEE's code for
the collectivity) keeps the national list: the law of 30 June 1983 on the commemoration of the
abolition of slavery names the overseas départements, not it. Without a département, the
national list applies.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

# The holidays package names Alsace (67, 68) by its collectivity, the CeA, and
# Saint-Pierre-et-Miquelon by its ISO code.
_SUBDIVISION_BY_DEPARTMENT = {"57": "57", "67": "6AE", "68": "6AE", "975": "PM"}
_OVERSEAS = {"971", "972", "973", "974", "976"}


def subdivision(department: str | None) -> str | None:
    """The holidays-package subdivision for a département code, or None for the national list."""
    if department is None:
        return None
    if department in _OVERSEAS:
        return department
    return _SUBDIVISION_BY_DEPARTMENT.get(department)


@lru_cache(maxsize=256)
def _holidays(year: int, department: str | None) -> dict[date, str]:
    calendar = holidays.country_holidays(
        "FR", years=year, subdiv=subdivision(department), language="fr"
    )
    return dict(calendar.items())


def public_holiday(day: date, department: str | None) -> str | None:
    """The French name of the public holiday on `day` for the département, or None."""
    return _holidays(day.year, department).get(day)


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
