"""Report periods: a month, a quarter, a contract year or a civil year.

`parse_period`: `2026-11` (month), `2026-Q4` / `2026-T4` (quarter), `Y1`..`Y5` (contract year),
`2026-Y` (calendar year); a week belongs to the period whose dates hold its Monday.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from scheduler.contribution import add_years
from scheduler.errors import InvalidPeriod
from solver import FIRST_YEAR, LAST_YEAR


@dataclass(frozen=True)
class Period:
    """A report period: `start` and `end` inclusive."""

    label: str
    kind: str  # "month", "quarter", "contract_year", "calendar_year"
    start: date
    end: date


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[QT]([1-4])$", re.IGNORECASE)
_CONTRACT_YEAR = re.compile(r"^Y(\d{1,2})$", re.IGNORECASE)
_CALENDAR_YEAR = re.compile(r"^(\d{4})-Y$", re.IGNORECASE)


def parse_period(
    text: str, *, contract_start: date | None = None, duration_years: int | None = None
) -> Period:
    """Read a period string; contract years need the contract's start (and duration)."""
    value = text.strip()
    year_given = re.match(r"(\d{4})-", value)
    if year_given and not FIRST_YEAR <= int(year_given[1]) <= LAST_YEAR:
        # The years the service can plan: a period of year 9999 would overflow its end.
        raise InvalidPeriod(text, f"année hors de {FIRST_YEAR} à {LAST_YEAR}")
    if match := _MONTH.match(value):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise InvalidPeriod(text, "mois hors de 01 à 12")
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return Period(f"{year:04d}-{month:02d}", "month", first, following - timedelta(days=1))
    if match := _QUARTER.match(value):
        year, quarter = int(match[1]), int(match[2])
        first = date(year, 3 * quarter - 2, 1)
        following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return Period(f"{year:04d}-Q{quarter}", "quarter", first, following - timedelta(days=1))
    if match := _CONTRACT_YEAR.match(value):
        nth = int(match[1])
        if contract_start is None:
            raise InvalidPeriod(text, "une année de contrat demande un contrat")
        if nth < 1 or (duration_years is not None and nth > duration_years):
            raise InvalidPeriod(text, f"le contrat compte {duration_years} années")
        first = add_years(contract_start, nth - 1)
        end = add_years(contract_start, nth) - timedelta(days=1)
        return Period(f"Y{nth}", "contract_year", first, end)
    if match := _CALENDAR_YEAR.match(value):
        year = int(match[1])
        return Period(f"{year:04d}-Y", "calendar_year", date(year, 1, 1), date(year, 12, 31))
    raise InvalidPeriod(text)
