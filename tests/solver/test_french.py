"""French wording of dates, times of day, durations, numbers and money (solver/french.py).

Rules under test: each meaning has its own function and form; `1er` for the first of the month;
durations in hours and minutes (`11 h 15`, `45 min`, `2 h`), never in decimal hours; the printed
style rounds half up with a true minus sign, the screen style rounds half to even with a
hyphen-minus, as each always did; solving a file without explaining loads no Babel.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from solver.french import (
    SCREEN,
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
    signed_duration,
    weekday_date,
    weekday_name,
)


@pytest.mark.parametrize(
    ("on", "words"),
    [(date(2026, 12, 1), "mardi 1er décembre"), (date(2026, 8, 2), "dimanche 2 août")],
)
def test_weekday_date(on: date, words: str) -> None:
    assert weekday_date(on) == words


def test_dates_with_the_year() -> None:
    assert weekday_date(date(2026, 12, 1), year=True) == "mardi 1er décembre 2026"
    assert long_date(date(2026, 1, 5)) == "5 janvier 2026"
    assert long_date(date(2026, 12, 1)) == "1er décembre 2026"
    assert month_year(date(2026, 8, 31)) == "août 2026"
    assert [quarter_year(date(2026, m, 1)) for m in (1, 4, 9, 12)] == [
        "1er trimestre 2026",
        "2e trimestre 2026",
        "3e trimestre 2026",
        "4e trimestre 2026",
    ]
    assert [weekday_name(w) for w in (0, 6)] == ["lundi", "dimanche"]


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (2100, "35 h"),
        (630, "10 h 30"),
        (675, "11 h 15"),
        (45, "45 min"),
        (65, "1 h 05"),
        (-90, "-1 h 30"),
        (0, "0 min"),
        (89_070, "1\u202f484 h 30"),
    ],
)
def test_duration(minutes: int, words: str) -> None:
    assert duration(minutes) == words


def test_duration_of_the_checker_s_sentences() -> None:
    assert [duration(m) for m in (0, 5, 60, 65, 600, -5, -90)] == [
        "0 min",
        "5 min",
        "1 h",
        "1 h 05",
        "10 h",
        "-5 min",
        "-1 h 30",
    ]


def test_a_negative_duration_takes_the_hyphen_minus_as_it_always_has() -> None:
    """Durations keep the hyphen-minus; U+2212 is the printed numbers' sign only."""
    assert duration(-1) == "-1 min" and signed_duration(-61) == "-1 h 01"
    assert "\u2212" not in duration(-90_000) + signed_duration(-90_000)
    assert number(-20) == "\u221220"


def test_signed_duration() -> None:
    assert [signed_duration(m) for m in (0, 2, -2, 72, -90)] == [
        "0 min",
        "+2 min",
        "-2 min",
        "+1 h 12",
        "-1 h 30",
    ]


def test_clock_digits_and_clock_hours() -> None:
    assert (clock_digits(480), clock_digits(750), clock_digits(1440)) == ("08:00", "12:30", "24:00")
    assert (clock_hours(480), clock_hours(750), clock_hours(485)) == ("8 h", "12 h 30", "8 h 05")
    assert [clock_hours(m) for m in (0, 59, 61, 600, 1439)] == [
        "0 h",
        "0 h 59",
        "1 h 01",
        "10 h",
        "23 h 59",
    ]


def test_clock_compact_always_shows_the_minutes() -> None:
    assert [clock_compact(m) for m in (480, 750, 0)] == ["8h00", "12h30", "0h00"]
    assert clock_compact(datetime(2026, 12, 1, 9, 5, tzinfo=UTC)) == "9h05"


def test_printed_numbers() -> None:
    assert number(Decimal("1234567.891"), 2) == "1\u202f234\u202f567,89"
    assert number(-20) == "\u221220"
    assert number(Decimal("2.5")) == "3"  # half up
    assert number(Decimal("-0.4")) == "0"
    assert number(None) == "—"
    assert percent(Decimal("0.9359")) == "93,6\u202f%"
    assert euros(Decimal("20589.74")) == "20\u202f589,74\u00a0€"


def test_screen_numbers() -> None:
    assert screen_number(Decimal("2.5")) == "2"  # half to even
    assert screen_number(-1234.5, 1) == "-1\u202f234,5"
    assert screen_number(-0.4) == "-0"
    assert screen_percent(0.9359) == "94\u00a0%"
    assert screen_percent(12.5, 0) == "1250\u00a0%"  # no grouping on the pages
    assert percent(12.5, 0, SCREEN) == screen_percent(12.5)
    assert screen_percent(None) == "—"


def test_planning_a_file_without_explaining_loads_no_babel() -> None:
    code = (
        "import sys\n"
        "from solver import load_instance, solve\n"
        "instance = load_instance('tests/data/one_day_instance.json')\n"
        "solve(instance, time_limit_s=5, deterministic=True)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'babel'))\n"
    )
    root = Path(__file__).resolve().parent.parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=root,
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("33.33"), "33,33"),
        (Decimal(40), "40"),
        (0.1, "0,1"),
        (3600, "3600"),
        (1234567, "1234567"),
        (Decimal("-2.5"), "\u22122,5"),
        (Decimal("0.1234567"), "0,123457"),
    ],
)
def test_plain_number_keeps_the_decimals_it_has_without_grouping(
    value: Decimal | int | float, text: str
) -> None:
    assert plain_number(value) == text
