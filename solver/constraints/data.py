"""Calendar facts the model is built on: days, civil weeks, per-day feasible windows and targets.

Rules encoded here as data (docs/rules.md): availability, opening hours, leave, public holidays and
Sunday rest become the per-day windows a block may use (the variables' domains); the weekly target
of each contract (usual working days, reduced days, rounding to the grain, halves up) and the
cabinets' weekly share targets (largest remainder, ties by cabinet id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from solver.model import (
    BASIS_POINTS,
    MINUTES_PER_DAY,
    Assignment,
    Assistant,
    AssistantId,
    Cabinet,
    CabinetId,
    Contract,
    ContractId,
    Instance,
    TravelLeg,
    WeeklyWindow,
)
from solver.public_holidays import public_holiday

Window = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Week:
    """A civil week touching the horizon: its Monday and the horizon day indices inside it."""

    index: int
    monday: date
    days: tuple[int, ...]
    protected: bool = False  # starts inside a re-plan's protected window (docs/rules.md)

    @property
    def whole(self) -> bool:
        """True when all seven days lie inside the horizon."""
        return len(self.days) == 7


@dataclass(frozen=True, slots=True)
class Option:
    """Where and when a block may go on one day: a contract, a cabinet and one window.

    `start`/`end` are on the grain (opening ∩ availability ∩ no leave); `free_start` is the start of
    the assistant's free window holding it, the earliest a travel leg into the block may start.
    """

    contract: ContractId
    cabinet: CabinetId
    start: int
    end: int
    free_start: int


@dataclass(frozen=True, slots=True)
class PlanData:
    """Everything precomputed from an instance before any variable is made."""

    instance: Instance
    tz: ZoneInfo
    dates: tuple[date, ...]
    weeks: tuple[Week, ...]
    week_of_day: tuple[int, ...]
    assistants: tuple[Assistant, ...]
    cabinets: dict[CabinetId, Cabinet]
    contracts: tuple[Contract, ...]
    contracts_of: dict[AssistantId, tuple[Contract, ...]]
    options: dict[tuple[AssistantId, int], tuple[Option, ...]]
    free: dict[tuple[AssistantId, int], tuple[Window, ...]]
    leave: dict[tuple[AssistantId, int], tuple[Window, ...]]
    closed: dict[tuple[CabinetId, int], str]
    targets: dict[tuple[ContractId, int], int]
    share_targets: dict[tuple[ContractId, int, CabinetId], int]
    break_length: int


def merge(windows: Iterable[Window]) -> list[Window]:
    """Sorted union of half-open minute windows."""
    out: list[Window] = []
    for lo, hi in sorted(w for w in windows if w[1] > w[0]):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def subtract(windows: Iterable[Window], holes: Iterable[Window]) -> list[Window]:
    """Windows minus holes."""
    result = merge(windows)
    for h_lo, h_hi in merge(holes):
        nxt: list[Window] = []
        for lo, hi in result:
            if h_hi <= lo or h_lo >= hi:
                nxt.append((lo, hi))
                continue
            if lo < h_lo:
                nxt.append((lo, h_lo))
            if h_hi < hi:
                nxt.append((h_hi, hi))
        result = nxt
    return result


def weekday_windows(windows: Iterable[WeeklyWindow], weekday: int) -> list[Window]:
    """The merged windows of one weekday."""
    return merge((w.start, w.end) for w in windows if w.weekday == weekday)


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight of a civil date."""
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def at(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The aware local date-time `minute` minutes (wall clock) after the day's midnight."""
    base = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - naive wall clock on purpose
    return (base + timedelta(minutes=minute)).replace(tzinfo=tz)


def _wall(moment: datetime, tz: ZoneInfo) -> datetime:
    """A date-time as naive local wall-clock time."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(tz).replace(tzinfo=None)


def leave_windows(assistant: Assistant, day: date, tz: ZoneInfo) -> list[Window]:
    """The minutes of `day` covered by the assistant's leave."""
    midnight = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - naive wall clock on purpose
    nxt = midnight + timedelta(days=1)
    out: list[Window] = []
    for leave in assistant.leave:
        lo = max(_wall(leave.start, tz), midnight)
        hi = min(_wall(leave.end, tz), nxt)
        if hi > lo:
            out.append(
                (
                    int((lo - midnight).total_seconds()) // 60,
                    -(-int((hi - midnight).total_seconds()) // 60),
                )
            )
    return merge(out)


def round_half_up(value: Fraction, grain: int) -> int:
    """`value` rounded to the nearest multiple of the grain, halves up."""
    units = value / grain
    return int((units + Fraction(1, 2)).__floor__()) * grain


def split_largest_remainder(
    total: int, shares: dict[CabinetId, int], grain: int
) -> dict[CabinetId, int]:
    """Split `total` (a multiple of the grain) by basis-point shares, on the grain, summing to it."""
    units = total // grain
    ordered = sorted(shares)
    raw = {c: Fraction(units * shares[c], BASIS_POINTS) for c in ordered}
    base = {c: int(raw[c].__floor__()) for c in ordered}
    left = units - sum(base.values())
    by_remainder = sorted(ordered, key=lambda c: (-(raw[c] - base[c]), c))
    for c in by_remainder[: max(left, 0)]:
        base[c] += 1
    return {c: base[c] * grain for c in ordered}


def travel_credit(contract: Contract, road: int, grain: int) -> dict[CabinetId, int]:
    """A travel leg's minutes credited to the cabinets of the contract it leads to, when travel
    counts in the contract: the leg rounded up to the grain, split share by share on the grain
    (largest remainder, ties by cabinet id); docs/rules.md, "Contract hours and share targets"."""
    split = split_largest_remainder(rounded_up(road, grain), dict(contract.shares), grain)
    return {c: m for c, m in split.items() if m}


def rounded_up(minutes: int, grain: int) -> int:
    """`minutes` rounded up to the next multiple of the grain."""
    return -(-minutes // grain) * grain


def leg_credits(
    instance: Instance, assignments: Iterable[Assignment], legs: Iterable[TravelLeg]
) -> dict[tuple[ContractId, CabinetId], int]:
    """The travel credit of a rota's legs per (contract, cabinet): each leg split between the
    cabinets of the contract of the assignment it leads to (none when travel is paid beyond the
    contract)."""
    out: dict[tuple[ContractId, CabinetId], int] = {}
    if not instance.rules.travel_in_contract:
        return out
    contracts = {k.id: k for k in instance.contracts}
    arriving = {(a.assistant, a.cabinet, a.start): a.contract for a in assignments}
    for leg in legs:
        led_to = arriving.get((leg.assistant, leg.destination, leg.end))
        if led_to is None or led_to not in contracts:
            continue
        for c, v in travel_credit(contracts[led_to], leg.minutes, instance.slot_minutes).items():
            out[(led_to, c)] = out.get((led_to, c), 0) + v
    return out


def least_deviation(offset: int, grain: int) -> int:
    """The least share deviation of a (contract, cabinet) whose minutes over the horizon should be
    `offset` (its share targets less its carried balance).

    Its minutes are a multiple of the grain (every assignment starts and ends on it), so when a
    balance has put `offset` off the grain, no rota comes closer than the distance to the nearest
    multiple: a balance of +3 minutes under a 15-minute grain costs at least 3 minutes of deviation.
    The models bound their deviation variables by it; their relaxations, which let minutes be
    fractions, would otherwise miss it (the demo's weeks carry such balances).
    """
    rest = offset % grain
    return min(rest, grain - rest)


def usual_days(assistant: Assistant) -> tuple[int, ...]:
    """Weekdays Monday to Saturday on which the assistant has an availability window."""
    return tuple(
        sorted({w.weekday for w in assistant.availability if w.weekday <= 5 and w.end > w.start})
    )


def _align(lo: int, hi: int, grain: int) -> Window | None:
    a = -(-lo // grain) * grain
    b = hi // grain * grain
    return (a, b) if b - a >= grain else None


def build(instance: Instance) -> PlanData:
    """Precompute calendar, windows and targets for an instance."""
    tz = ZoneInfo(instance.timezone)
    grain = instance.slot_minutes
    rules = instance.rules
    dates = tuple(instance.start + timedelta(days=d) for d in range(instance.days))
    first_monday = instance.start - timedelta(days=instance.start.weekday())
    week_of_day = tuple((d - first_monday).days // 7 for d in dates)
    n_weeks = (week_of_day[-1] + 1) if dates else 0
    replan = instance.replan
    protected_until = replan.protected_until if replan.published else None

    def protected(monday: date) -> bool:
        return (
            protected_until is not None and datetime.combine(monday, time(0), tz) < protected_until
        )

    weeks = tuple(
        Week(
            w,
            first_monday + timedelta(days=7 * w),
            tuple(i for i, wk in enumerate(week_of_day) if wk == w),
            protected(first_monday + timedelta(days=7 * w)),
        )
        for w in range(n_weeks)
    )
    assistants = tuple(sorted(instance.assistants, key=lambda a: a.id))
    cabinets = {c.id: c for c in sorted(instance.cabinets, key=lambda c: c.id)}
    contracts = tuple(sorted(instance.contracts, key=lambda k: k.id))
    contracts_of = {a.id: tuple(k for k in contracts if k.assistant == a.id) for a in assistants}

    closed: dict[tuple[CabinetId, int], str] = {}
    for cid, cab in cabinets.items():
        for d, day in enumerate(dates):
            name = public_holiday(day, cab.department)
            if name is not None:
                closed[(cid, d)] = name

    free: dict[tuple[AssistantId, int], tuple[Window, ...]] = {}
    leave: dict[tuple[AssistantId, int], tuple[Window, ...]] = {}
    options: dict[tuple[AssistantId, int], tuple[Option, ...]] = {}
    for a in assistants:
        for d, day in enumerate(dates):
            lv = leave_windows(a, day, tz)
            leave[(a.id, d)] = tuple(lv)
            if rules.sunday_rest and day.weekday() == 6:
                free[(a.id, d)] = ()
                options[(a.id, d)] = ()
                continue
            fw = subtract(weekday_windows(a.availability, day.weekday()), lv)
            free[(a.id, d)] = tuple(fw)
            opts: list[Option] = []
            for k in contracts_of[a.id]:
                for cid in sorted(k.shares):
                    place = cabinets.get(cid)
                    if place is None or (cid, d) in closed:
                        continue
                    for o_lo, o_hi in weekday_windows(place.opening, day.weekday()):
                        for f_lo, f_hi in fw:
                            win = _align(max(o_lo, f_lo), min(o_hi, f_hi), grain)
                            if win is not None:
                                opts.append(Option(k.id, cid, win[0], win[1], f_lo))
            options[(a.id, d)] = tuple(opts)

    targets: dict[tuple[ContractId, int], int] = {}
    share_targets: dict[tuple[ContractId, int, CabinetId], int] = {}
    by_id = {a.id: a for a in assistants}
    for k in contracts:
        who = by_id.get(k.assistant)
        if who is None:
            continue
        usual = usual_days(who)
        avg = Fraction(k.weekly_minutes, len(usual)) if usual else Fraction(0)
        for wk in weeks:
            reduced = 0
            for offset in range(6):
                day = wk.monday + timedelta(days=offset)
                if offset not in usual:
                    continue
                if not (instance.start <= day < instance.start + timedelta(days=instance.days)):
                    reduced += 1
                    continue
                d = (day - instance.start).days
                if leave[(who.id, d)] and leave[(who.id, d)][0] == (0, MINUTES_PER_DAY):
                    reduced += 1
                    continue
                if k.shares and all((cid, d) in closed for cid in k.shares):
                    reduced += 1
            target = max(0, round_half_up(k.weekly_minutes - reduced * avg, grain))
            targets[(k.id, wk.index)] = target
            for cid, minutes in split_largest_remainder(target, dict(k.shares), grain).items():
                share_targets[(k.id, wk.index, cid)] = minutes

    break_length = -(-rules.break_minutes // grain) * grain
    return PlanData(
        instance=instance,
        tz=tz,
        dates=dates,
        weeks=weeks,
        week_of_day=week_of_day,
        assistants=assistants,
        cabinets=cabinets,
        contracts=contracts,
        contracts_of=contracts_of,
        options=options,
        free=free,
        leave=leave,
        closed=closed,
        targets=targets,
        share_targets=share_targets,
        break_length=break_length,
    )
