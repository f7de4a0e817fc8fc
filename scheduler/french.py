"""French wording of dates, times, durations, numbers and money for everything a person reads.

The functions are those of `solver.french` (the planner's sentences are written with them too),
named here for the web edge, which reaches the solver only through the core. Their forms are
listed in that module's docstring.
"""

from __future__ import annotations

from solver.french import (
    MINUS,
    NBSP,
    NNBSP,
    PRINTED,
    SCREEN,
    NumberStyle,
    clock_compact,
    clock_digits,
    clock_hours,
    duration,
    euros,
    long_date,
    month_year,
    number,
    percent,
    plain_number,
    quarter_year,
    screen_number,
    screen_percent,
    short_date,
    signed_duration,
    weekday_date,
    weekday_name,
)

__all__ = [
    "MINUS",
    "NBSP",
    "NNBSP",
    "PRINTED",
    "SCREEN",
    "NumberStyle",
    "clock_compact",
    "clock_digits",
    "clock_hours",
    "duration",
    "euros",
    "long_date",
    "month_year",
    "number",
    "percent",
    "plain_number",
    "quarter_year",
    "short_date",
    "screen_number",
    "screen_percent",
    "signed_duration",
    "weekday_date",
    "weekday_name",
]
