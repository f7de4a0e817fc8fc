"""French formatting on the pages: hours with a decimal comma, and signed differences that never
show a sign on a value that rounds to zero."""

from __future__ import annotations

import pytest

from api.pages.views import fr_hours, fr_signed_hours


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
