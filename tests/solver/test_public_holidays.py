"""French public holidays by département (solver/public_holidays.py).

Rule under test: a cabinet is closed on the public holidays of its département: the national list,
plus Good Friday and St Stephen's Day in Moselle (57) and Alsace (67, 68), and the abolition of
slavery in each overseas département on its own date (not in Saint-Pierre-et-Miquelon, 975); the département codes known.
The table the planner reads is the holidays package's, for every plannable year and no other.
"""

from __future__ import annotations

import json
import runpy
from datetime import date
from pathlib import Path

import pytest

from solver.public_holidays import TABLE, is_known_department, public_holiday, subdivision

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize(
    ("department", "expected"),
    [
        (None, None),
        ("57", "57"),
        ("67", "6AE"),
        ("68", "6AE"),
        ("971", "971"),
        ("976", "976"),
        ("975", "PM"),
        ("75", None),
        ("54", None),
    ],
)
def test_subdivision_of_each_kind_of_departement(
    department: str | None, expected: str | None
) -> None:
    assert subdivision(department) == expected


@pytest.mark.parametrize(
    ("on", "department", "name"),
    [
        (date(2026, 7, 14), None, "Fête nationale"),
        (date(2026, 7, 14), "54", "Fête nationale"),
        (date(2026, 4, 3), "57", "Vendredi saint"),
        (date(2026, 4, 3), "67", "Vendredi saint"),
        (date(2026, 4, 3), "54", None),
        (date(2026, 4, 3), None, None),
        (date(2026, 12, 26), "68", "Saint-Étienne"),
        (date(2026, 12, 26), "75", None),
        (date(2026, 5, 27), "971", "Abolition de l'esclavage"),
        (date(2026, 5, 22), "972", "Abolition de l'esclavage"),
        (date(2026, 5, 27), "972", None),
        (date(2026, 7, 15), "57", None),
        (date(2026, 7, 14), "975", "Fête nationale"),
        (date(2026, 5, 27), "975", None),
        (date(2026, 4, 3), "975", None),
    ],
)
def test_public_holiday_names_by_departement(
    on: date, department: str | None, name: str | None
) -> None:
    assert public_holiday(on, department) == name


@pytest.mark.parametrize(
    ("department", "known"),
    [
        ("01", True),
        ("19", True),
        ("2A", True),
        ("2B", True),
        ("21", True),
        ("95", True),
        ("971", True),
        ("976", True),
        ("20", False),
        ("00", False),
        ("96", False),
        ("975", True),
        ("977", False),
        ("970", False),
        ("1", False),
        ("001", False),
        ("2C", False),
        ("ab", False),
    ],
)
def test_known_departements(department: str, known: bool) -> None:
    assert is_known_department(department) is known


def test_table_is_the_holidays_package_for_every_plannable_year() -> None:
    build = runpy.run_path(str(ROOT / "scripts" / "public_holidays_table.py"))["build"]
    written = json.loads(TABLE.read_text(encoding="utf-8"))
    assert written == build(), (
        "solver/data/public_holidays_fr.json differs from the holidays package: "
        "run scripts/public_holidays_table.py"
    )


@pytest.mark.parametrize(
    ("on", "department", "name"),
    [
        (date(2000, 1, 1), None, "Jour de l'an"),
        (date(2000, 1, 3), None, None),
        (date(2099, 12, 25), None, "Noël"),
        (date(2099, 12, 26), "57", "Saint-Étienne"),
        (date(2099, 12, 24), "57", None),
        # An overseas day that falls on a national one carries both names.
        (date(2049, 5, 27), "971", "Abolition de l'esclavage; Ascension"),
        (date(2049, 5, 27), None, "Ascension"),
    ],
)
def test_public_holiday_at_the_first_and_last_plannable_years(
    on: date, department: str | None, name: str | None
) -> None:
    assert public_holiday(on, department) == name


@pytest.mark.parametrize("on", [date(1999, 12, 31), date(2100, 1, 1)], ids=str)
def test_public_holiday_outside_the_plannable_years_is_refused(on: date) -> None:
    with pytest.raises(ValueError, match="2000 to 2099"):
        public_holiday(on, None)
