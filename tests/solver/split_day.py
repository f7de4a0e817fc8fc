"""Test helper: one forced split day, for the day rules of docs/rules.md at their limits.

Julie is available on Monday only, 08:00-19:00; the Tilleuls open on Monday 08:00-12:00 and
14:00-18:00; her 8 h contract fills both windows. The only rota is therefore 08:00-12:00 and
14:00-18:00: 8 h of work, 10 h of amplitude, two vacations of 4 h and one interruption of 2 h.
"""

from __future__ import annotations

from solver.model import Rota, Rules
from tests.solver.builders import (
    TILLEULS,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    window,
)
from tests.solver.solving import solve_checked


def solve_split_day(**limits: int) -> Rota:
    """Solve the forced split day under the default rules changed by `limits`."""
    instance = make_instance(
        assistants=[make_assistant(availability=[window(0, "08:00", "19:00")])],
        cabinets=[
            make_cabinet(
                TILLEULS, opening=[window(0, "08:00", "12:00"), window(0, "14:00", "18:00")]
            )
        ],
        contracts=[make_contract(weekly_minutes=8 * 60, shares={TILLEULS: 10_000})],
        days=1,
        travel={},
        rules=Rules(min_weekly_contract_minutes=0, **limits),  # type: ignore[arg-type]
    )
    return solve_checked(instance)
