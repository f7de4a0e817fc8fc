"""French public holidays by département (solver/public_holidays.py).

Rule under test: a cabinet is closed on the public holidays of its département: the national list,
plus Good Friday and St Stephen's Day in Moselle (57) and Alsace (67, 68), and the abolition of
slavery in each overseas département on its own date (not in Saint-Pierre-et-Miquelon, 975); the département codes known.
"""

from __future__ import annotations

from datetime import date

import pytest

from solver.public_holidays import is_known_department, public_holiday, subdivision


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
