"""Days, weeks and contract years of a pooled contract, the snapshot and share plan in force on a
day, and the spells of unreplaced absence that suspend the target clock.

The rules are stated in the package's docstring (`scheduler.contribution`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from scheduler.contribution.records import AbsenceInput, SharePlanInput, Snapshot

# --- Small helpers -------------------------------------------------------------------------------


def round_to(value: Decimal, places: int) -> Decimal:
    """Round half up to `places` decimals."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def add_years(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def monday_of(day: date) -> date:
    """The Monday of `day`'s civil week."""
    return day - timedelta(days=day.weekday())


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return None if denominator == 0 else numerator / denominator


def value_at(snapshots: Sequence[Snapshot], day: date) -> Snapshot | None:
    found = None
    for snap in snapshots:  # sorted by date
        if snap.on <= day:
            found = snap
        else:
            break
    return found


def plan_at(plans: Sequence[SharePlanInput], day: date) -> SharePlanInput:
    current = plans[0]
    for plan in plans:
        if plan.valid_from <= day:
            current = plan
    return current


# --- Suspension ----------------------------------------------------------------------------------


def suspension_spells(
    absences: Iterable[AbsenceInput], assistant_ids: Iterable[int], after_days: int
) -> tuple[tuple[date, date], ...]:
    """Spells [start, end) of unreplaced absence longer than `after_days` (touching ones merged)."""
    wanted = set(assistant_ids)
    spans = sorted(
        (a.start, a.end) for a in absences if a.assistant_id in wanted and not a.replaced
    )
    merged: list[tuple[date, date]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple((s, e) for s, e in merged if (e - s).days > after_days)


def overlap_days(spells: Iterable[tuple[date, date]], start: date, end: date) -> int:
    return sum(max(0, (min(e, end) - max(s, start)).days) for s, e in spells)


def suspended_deadline(
    start: date, base_deadline: date, spells: Sequence[tuple[date, date]]
) -> tuple[date, int]:
    """The deadline moved by the suspended days that fall before it, and those days."""
    deadline = base_deadline
    while True:  # a move can bring a later spell inside the window: repeat until stable
        days = overlap_days(spells, start, deadline)
        moved = base_deadline + timedelta(days=days)
        if moved == deadline:
            return deadline, days
        deadline = moved
