"""French dates for everything a person reads: pages, feeds, notices and reports."""

from __future__ import annotations

from datetime import date

from solver import MONTHS_FR, WEEKDAYS_FR


def day_number(day: date) -> str:
    """The day of the month as written in French: `1er`, `2`, ... `31`."""
    return "1er" if day.day == 1 else str(day.day)


def long_date(day: date) -> str:
    """`1er décembre 2026`."""
    return f"{day_number(day)} {MONTHS_FR[day.month - 1]} {day.year}"


def weekday_date(day: date, *, year: bool = False) -> str:
    """`mardi 1er décembre`, or `mardi 1er décembre 2026` with the year."""
    text = f"{WEEKDAYS_FR[day.weekday()]} {day_number(day)} {MONTHS_FR[day.month - 1]}"
    return f"{text} {day.year}" if year else text
