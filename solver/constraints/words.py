"""French wording for coordinators: dates, durations and clock times (no rule encoded here)."""

from __future__ import annotations

from datetime import date

WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def fr_date(on: date) -> str:
    """ "mardi 1er décembre"."""
    number = "1er" if on.day == 1 else str(on.day)
    return f"{WEEKDAYS_FR[on.weekday()]} {number} {MONTHS_FR[on.month - 1]}"


def fr_duration(minutes: int) -> str:
    """ "35 h", "10 h 30", "45 min"."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if hours == 0:
        return f"{sign}{rest} min"
    return f"{sign}{hours} h" if rest == 0 else f"{sign}{hours} h {rest:02d}"


def fr_clock(minute: int) -> str:
    """ "08:00" style clock time."""
    hours, rest = divmod(minute, 60)
    return f"{hours:02d}:{rest:02d}"


def fr_hour(minute: int) -> str:
    """ "8 h", "12 h 30"."""
    hours, rest = divmod(minute, 60)
    return f"{hours} h" if rest == 0 else f"{hours} h {rest:02d}"
