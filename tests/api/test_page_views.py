"""French formatting on the pages: hours with a decimal comma, and signed differences that never
show a sign on a value that rounds to zero; the contract dashboard's hours chart shows the hours of
the weeks to come as planned, never as delivered, and each status says what it is read from."""

from __future__ import annotations

from datetime import date

import pytest

from api.pages.views import fr_hours, fr_signed_hours, hours_chart, status_label, week_delivered
from scheduler.contribution import contract_figures
from tests.scheduler.test_contribution import base_contract


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (0, "0\u00a0h"),
        (2, "0\u00a0h"),
        (-2, "0\u00a0h"),
        (30, "+0,5\u00a0h"),
        (-90, "\u22121,5\u00a0h"),
    ],
)
def test_fr_signed_hours(minutes: int, shown: str) -> None:
    assert fr_signed_hours(minutes) == shown


def test_fr_hours_uses_a_decimal_comma() -> None:
    assert fr_hours(675) == "11,2\u00a0h"
    assert fr_hours(600) == "10\u00a0h"


def test_hours_chart_shows_weeks_to_come_as_planned_not_delivered() -> None:
    # Read on Wednesday 20 May 2026 (the base case of test_contribution.py): cabinet A has 1260
    # min (21 h) planned each week of May; the weeks of 4 and 11 May are over (21 h delivered
    # each), those of 18 and 25 May are not.
    today = date(2026, 5, 20)
    figures = contract_figures(base_contract(), date(2026, 5, 1), date(2026, 5, 31), today=today)
    chart = hours_chart(figures.members, {}, today)
    assert chart["labels"] == ["04/05", "11/05", "18/05", "25/05"]
    delivered, planned, contracted = chart["datasets"][:3]
    assert delivered["label"] == "Cabinet A — effectuées"
    assert delivered["data"] == [21.0, 21.0, None, None]
    assert planned["label"] == "Cabinet A — prévues (à venir)"
    assert planned["data"] == [None, None, 21.0, 21.0]
    assert contracted["data"] == [21.0] * 4
    weeks = figures.members[0].weeks
    assert [week_delivered(w) for w in weeks] == ["21\u00a0h", "21\u00a0h", "à venir", "à venir"]


def test_status_label_names_the_projection() -> None:
    # The group: 15.38 % reached, 93.59 % projected at the deadline: at risk.
    figures = contract_figures(base_contract(), date(2026, 5, 1), date(2026, 5, 31))
    assert status_label(figures.progress) == (
        "à risque (projection à l’échéance\u00a0: 93,6\u202f%)"
    )
