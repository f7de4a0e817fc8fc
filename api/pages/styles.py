"""The cabinets' colours in the week grid, its legend and the dashboard's charts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scheduler import models

# Pairs (tint, strong): the block's background and its border; text stays #1b1b1b on the tint
# (contrast above 12:1) and the strong colour is only a second cue after the cabinet's name.
PALETTE = (
    ("#dbeafe", "#1d4ed8"),
    ("#fde2e4", "#b4233c"),
    ("#dcfce7", "#15803d"),
    ("#ede9fe", "#6d28d9"),
    ("#ffedd5", "#c2410c"),
    ("#cffafe", "#0e7490"),
    ("#fef9c3", "#a16207"),
    ("#f3e8ff", "#86198f"),
)


@dataclass(frozen=True)
class CabinetStyle:
    """A cabinet's name, short name and colours in the grid and its legend."""

    id: int
    code: str
    name: str
    short: str
    tint: str
    strong: str
    css_class: str = "cabinet-tint-none"
    """Sets the tint and strong colours (`static/css/app.css`): no inline style, for the CSP."""


def cabinet_styles(cabinets: Iterable[models.Cabinet]) -> dict[int, CabinetStyle]:
    """Stable colours by cabinet id order; the short name is what each block shows."""
    out: dict[int, CabinetStyle] = {}
    for index, cabinet in enumerate(sorted(cabinets, key=lambda c: c.id)):
        tint, strong = PALETTE[index % len(PALETTE)]
        short = cabinet.code.replace("-", " ").title()
        out[cabinet.id] = CabinetStyle(
            cabinet.id,
            cabinet.code,
            cabinet.name,
            short,
            tint,
            strong,
            f"cabinet-tint-{index % len(PALETTE)}",
        )
    return out
