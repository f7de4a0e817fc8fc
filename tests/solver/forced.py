"""Test helper: instances with one possible rota, to test the hard rules of docs/rules.md at their limits.

`solve_split_day`: Julie is available on Monday only, 08:00-19:00; the Tilleuls open on Monday 08:00-12:00 and
14:00-18:00; her 8 h contract fills both windows. The only rota is therefore 08:00-12:00 and
14:00-18:00: 8 h of work, 10 h of amplitude, two vacations of 4 h and one interruption of 2 h.

`solve_six_short_days`: Julie and the Tilleuls both have Monday to Saturday 10:00-14:00 and her
24 h contract fills them: 6 working days, 24 h in the week, and a longest rest of 34 h (Saturday
14:00 to the week's end), so the weekly rest is lowered to 34 h unless `limits` says otherwise.

`solve_one_run`: Julie and the Tilleuls both have Monday 08:00 to `end` on a 5-minute grain and her
contract asks 6 h on that day.
"""

from __future__ import annotations

from collections.abc import Sequence

from solver.model import Leave, Rota, Rules
from tests.solver.builders import (
    TILLEULS,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    minutes_of,
    window,
    windows,
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


def solve_six_short_days(**limits: int) -> Rota:
    """Solve the six forced 4-hour days under the default rules changed by `limits`."""
    days = windows("10:00", "14:00", range(6))
    instance = make_instance(
        assistants=[make_assistant(availability=days)],
        cabinets=[make_cabinet(TILLEULS, opening=days)],
        contracts=[make_contract(weekly_minutes=24 * 60, shares={TILLEULS: 10_000})],
        travel={},
        rules=Rules(**{"min_weekly_rest_minutes": 34 * 60, **limits}),  # type: ignore[arg-type]
    )
    return solve_checked(instance)


def solve_one_run(end: str, **limits: int) -> Rota:
    """Solve 6 h of work on Monday between 08:00 and `end`, on a 5-minute grain."""
    monday = [window(0, "08:00", end)]
    instance = make_instance(
        assistants=[make_assistant(availability=monday)],
        cabinets=[make_cabinet(TILLEULS, opening=monday)],
        contracts=[make_contract(weekly_minutes=6 * 60, shares={TILLEULS: 10_000})],
        days=1,
        slot_minutes=5,
        travel={},
        rules=Rules(min_weekly_contract_minutes=0, **limits),  # type: ignore[arg-type]
    )
    return solve_checked(instance)


def solve_monday(
    windows_by_cabinet: dict[str, tuple[str, str]],
    *,
    available_until: str = "19:00",
    leave: Sequence[Leave] = (),
    travel: dict[tuple[str, str], int] | None = None,
) -> Rota:
    """Solve one Monday: Julie available 08:00 to `available_until`, each cabinet open in its window.

    Her contract asks the sum of the windows' lengths, shared in proportion, so that a feasible rota
    fills every window exactly; the travel is paid beyond it under an accord (a third of the
    contract's minutes), so that the day's leg is never the complementary hours' limit.
    """
    lengths = {c: minutes_of(e) - minutes_of(s) for c, (s, e) in windows_by_cabinet.items()}
    total = sum(lengths.values())
    instance = make_instance(
        assistants=[
            make_assistant(availability=[window(0, "08:00", available_until)], leave=leave)
        ],
        cabinets=[
            make_cabinet(c, opening=[window(0, s, e)]) for c, (s, e) in windows_by_cabinet.items()
        ],
        contracts=[
            make_contract(
                weekly_minutes=total,
                shares={c: length * 10_000 // total for c, length in lengths.items()},
            )
        ],
        days=1,
        travel=travel or {},
        rules=Rules(
            min_weekly_contract_minutes=0, travel_in_contract=False, complementary_accord=True
        ),
    )
    return solve_checked(instance)
