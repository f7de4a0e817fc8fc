"""An exact day-pattern model for a part with one assistant: every legal day listed, one picked a day.

With one assistant, a day's rules (travel, daily work, amplitude, vacations, interruption, shorter
vacation, break, opening, availability, leave) concern that day alone, and what the rest of the
model needs from a day is little: the minutes it gives each contract at each cabinet, its work, the
cabinets it visits and its cost (sessions and requests left uncovered, travel, site changes,
preferences). So every day of the block model without fixed pieces (`constraints.blocks`: at most
two blocks, pieces of at least `MIN_PIECE_MINUTES`, one break of `break_length` per block; breaks
between blocks only on re-planned days, which this model leaves aside) is enumerated here, exactly,
with numpy, and only the cheapest day per distinct (minutes, work) signature is kept: a *column*.
The master is a small CP-SAT model picking at most one column a day under the rules that join days
(contract hours, shares, weekly maximum, 12-week average, days per week) with the share deviation
and pattern change terms. Its LP relaxation holds the convex hull of each day, which is what the
block model lacks, so proofs come in seconds instead of never.

The day listing is a min-plus composition: block tables keyed by end (or start), work minutes and
the run of work since the last pause, combined for a joined pair (the second block starts when the
travel leg from the first ends) and for a cut day (an interruption of `break_minutes` to
`max_interruption_minutes`). The chosen columns are turned back into a day by a second, flat
search that re-checks every rule in minutes; the rota then goes through the independent checker.

Used only where it is exact and the rest-between-days rules cannot bind (`unsuitable` says why
not): one assistant, no re-plan inputs, at most two vacations a day, and the 11 h daily and 35 h
weekly rests held by the windows themselves (as with usual opening hours). Elsewhere the block
model plans.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from solver.constraints.data import (
    Option,
    PlanData,
    Week,
    at,
    least_deviation,
    travel_credit,
)
from solver.model import (
    MINUTES_PER_DAY,
    Assignment,
    Assistant,
    Break,
    CabinetId,
    ContractId,
    TravelLeg,
)
from solver.validation import complementary_limit

Ints = npt.NDArray[np.int64]
INF = 1 << 40
"""Cost of an impossible entry of a table (sums of two stay far below int64's range)."""
_VALID = INF // 2

MinutesKey = tuple[tuple[ContractId, CabinetId, int], ...]
"""Minutes a day gives each (contract, cabinet), sorted; a column's signature with its work."""
ShareKey = tuple[ContractId, CabinetId]
"""A contract's share at one cabinet."""


@dataclass(frozen=True, slots=True)
class Column:
    """One kind of day: minutes per (contract, cabinet), work and travel minutes, cabinets, cost."""

    minutes: MinutesKey
    work: int
    travel: int
    cost: int
    credit: MinutesKey = ()  # the travel leg's minutes credited per (contract, cabinet)
    leads_to: ContractId | None = None  # the contract of the assignment the travel leg leads to

    @property
    def cabinets(self) -> frozenset[CabinetId]:
        """The cabinets the day visits."""
        return frozenset(c for _, c, _ in self.minutes)

    @property
    def credited(self) -> MinutesKey:
        """Minutes credited per (contract, cabinet): time on site and the travel credit."""
        if not self.credit:
            return self.minutes
        total: dict[tuple[ContractId, CabinetId], int] = {}
        for k, c, v in (*self.minutes, *self.credit):
            total[(k, c)] = total.get((k, c), 0) + v
        return tuple(sorted((k, c, v) for (k, c), v in total.items()))


@dataclass(frozen=True, slots=True)
class Piece:
    """One block of a rebuilt day, in day minutes; `break_start` is -1 without a break."""

    option: Option
    start: int
    end: int
    break_start: int


@dataclass(frozen=True, slots=True)
class DayPlan:
    """A rebuilt day: one or two blocks and, between different cabinets, the travel minutes."""

    blocks: tuple[Piece, ...]
    travel: int
    cost: int


# --- where the model applies ------------------------------------------------------------------------


def unsuitable(data: PlanData) -> str | None:
    """Why this part is left to the block model, or None when the day-pattern model is exact."""
    instance = data.instance
    rules = instance.rules
    if len(data.assistants) != 1:
        return "several assistants"
    replan = instance.replan
    if replan.published or replan.pinned or replan.protected_until is not None:
        return "re-plan inputs"
    if rules.max_vacations_per_day > 2:
        return "more than two vacations a day"
    if any(cab.places < 1 for cab in data.cabinets.values()):
        return "a cabinet without places"
    a = data.assistants[0].id
    spans: list[tuple[int, int] | None] = []
    for d in range(len(data.dates)):
        options = data.options[(a, d)]
        spans.append(
            (min(o.start for o in options), max(o.end for o in options)) if options else None
        )
    for before, after in pairwise(spans):
        if (
            before
            and after
            and after[0] + MINUTES_PER_DAY - before[1] < rules.min_daily_rest_minutes
        ):
            return "the daily rest could bind"
    for wk in data.weeks:
        if not wk.whole:
            continue
        # Worst case: every day that can be worked is, from its earliest start to its latest end.
        edge, longest = 0, 0
        for i, d in enumerate(wk.days):
            span = spans[d]
            if span is None:
                continue
            longest = max(longest, i * MINUTES_PER_DAY + span[0] - edge)
            edge = i * MINUTES_PER_DAY + span[1]
        longest = max(longest, 7 * MINUTES_PER_DAY - edge)
        if longest < rules.min_weekly_rest_minutes:
            return "the weekly rest could bind"
    return None


# --- costs of a day ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _DayCosts:
    """Per-slot prefix sums of a day: value of presence at each cabinet, and preference cost."""

    cover: dict[CabinetId, Ints]  # prefix of the weighted session and request minutes per slot
    pref: Ints  # prefix of the weighted preference minutes per slot
    constant: int  # weighted session and request minutes of the day with nobody on site


def _piece(lo: int, hi: int, t: int, grain: int) -> int:
    return max(0, min(hi, t + grain) - max(lo, t))


def cover_slots(data: PlanData, d: int, cid: CabinetId) -> Ints:
    """The weighted session and request minutes of each slot of day `d` at a cabinet: what
    presence there is worth (zero when the cabinet is closed)."""
    instance = data.instance
    grain = instance.slot_minutes
    weights = instance.weights
    on = data.dates[d]
    slot = np.zeros(MINUTES_PER_DAY // grain, dtype=np.int64)
    if (cid, d) in data.closed:
        return slot
    cab = data.cabinets[cid]
    spans = [
        (s.start, s.end, weights.session_uncovered * s.weight)
        for s in cab.sessions
        if s.weekday == on.weekday() and s.end > s.start
    ] + [
        (r.start, r.end, weights.request_uncovered * r.weight)
        for r in cab.requests
        if r.date == on and r.end > r.start
    ]
    for lo, hi, w in spans:
        for t in range(lo - lo % grain, hi, grain):
            slot[t // grain] += w * _piece(lo, hi, t, grain)
    return slot


Prices = Mapping[tuple[CabinetId, int], Ints]
"""Slot values replacing `cover_slots` at some (cabinet, day): how a part with several assistants
prices the slots they share (`solver.coupled`)."""


def _day_costs(data: PlanData, d: int, prices: Prices | None = None) -> _DayCosts:
    cover: dict[CabinetId, Ints] = {}
    constant = 0
    for cid in data.cabinets:
        given = prices.get((cid, d)) if prices is not None else None
        slot = cover_slots(data, d, cid) if given is None else given
        constant += int(slot.sum())
        cover[cid] = np.concatenate(([0], np.cumsum(slot))).astype(np.int64)
    slot = preference_slots(data, data.assistants[0], d)
    pref = np.concatenate(([0], np.cumsum(slot))).astype(np.int64)
    return _DayCosts(cover, pref, constant)


def preference_slots(data: PlanData, assistant: Assistant, d: int) -> Ints:
    """What working through each slot of the grain on day `d` costs the assistant's preferences
    (a preferred day off, before the earliest start, after the latest end), weighted."""
    instance = data.instance
    grain = instance.slot_minutes
    n = MINUTES_PER_DAY // grain
    on = data.dates[d]
    prefs = assistant.preferences
    w = instance.weights.preference_violations
    slot = np.zeros(n, dtype=np.int64)
    for i in range(n):
        t = i * grain
        if on.weekday() in prefs.days_off:
            slot[i] = w * grain
            continue
        if prefs.earliest_start is not None and prefs.earliest_start > 0:
            slot[i] += w * _piece(0, prefs.earliest_start, t, grain)
        if prefs.latest_end is not None and prefs.latest_end < MINUTES_PER_DAY:
            slot[i] += w * _piece(prefs.latest_end, MINUTES_PER_DAY, t, grain)
    return slot


# --- blocks of one option ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Blocks:
    """Every block an option allows, flat, in slots: start, end, break start (-1), cost."""

    start: Ints
    end: Ints
    brk: Ints
    cost: Ints

    def __len__(self) -> int:
        return len(self.start)


@dataclass(frozen=True, slots=True)
class _Shape:
    """The day's structural numbers, in slots unless named in minutes."""

    grain: int
    piece: int  # shortest assignment piece
    pause: int  # break length
    breakable: bool
    run_min: int  # break_after_minutes, in minutes
    daily_min: int
    amplitude_min: int
    vacation_min: int
    cut_lo_min: int  # shortest interruption, minutes
    cut_hi_min: int  # longest interruption, minutes
    cut_allowed: bool


def _shape(data: PlanData, options: tuple[Option, ...]) -> _Shape:
    from solver.constraints.blocks import MIN_PIECE_MINUTES

    rules = data.instance.rules
    grain = data.instance.slot_minutes
    span = max(o.end for o in options) - min(o.start for o in options)
    return _Shape(
        grain=grain,
        piece=-(-max(grain, MIN_PIECE_MINUTES) // grain),
        pause=data.break_length // grain,
        breakable=span > rules.break_after_minutes,
        run_min=rules.break_after_minutes,
        daily_min=rules.max_daily_minutes,
        amplitude_min=rules.max_amplitude_minutes,
        vacation_min=rules.min_vacation_minutes,
        cut_lo_min=max(1, rules.break_minutes),
        cut_hi_min=rules.max_interruption_minutes,
        cut_allowed=rules.max_vacations_per_day >= 2,
    )


def _blocks(option: Option, shape: _Shape, costs: _DayCosts) -> _Blocks:
    g = shape.grain
    lo, hi = option.start // g, option.end // g
    cover, pref = costs.cover[option.cabinet], costs.pref
    grid = np.arange(lo, hi + 1, dtype=np.int64)
    s2, e2 = np.meshgrid(grid, grid, indexing="ij")
    keep = e2 - s2 >= shape.piece
    s0, e0 = s2[keep], e2[keep]
    parts = [(s0, e0, np.full_like(s0, -1))]
    if shape.breakable and shape.pause:
        s3, e3, b3 = np.meshgrid(grid, grid, grid, indexing="ij")
        keep3 = (b3 >= s3 + shape.piece) & (b3 + shape.pause <= e3 - shape.piece)
        parts.append((s3[keep3], e3[keep3], b3[keep3]))
    start = np.concatenate([p[0] for p in parts])
    end = np.concatenate([p[1] for p in parts])
    brk = np.concatenate([p[2] for p in parts])
    has = brk >= 0
    b_lo = np.where(has, brk, 0)
    b_hi = np.where(has, brk + shape.pause, 0)
    value = cover[end] - cover[start] - (cover[b_hi] - cover[b_lo])
    penalty = pref[end] - pref[start] - (pref[b_hi] - pref[b_lo])
    return _Blocks(start, end, brk, (penalty - value).astype(np.int64))


def _work(b: _Blocks, shape: _Shape) -> Ints:
    return b.end - b.start - np.where(b.brk >= 0, shape.pause, 0)


def _head(b: _Blocks) -> Ints:
    return np.where(b.brk >= 0, b.brk - b.start, b.end - b.start)


def _tail(b: _Blocks, shape: _Shape) -> Ints:
    return np.where(b.brk >= 0, b.end - b.brk - shape.pause, b.end - b.start)


# --- the min-plus composition -----------------------------------------------------------------------


def _minplus(x: Ints, y: Ints) -> Ints:
    """min over rows r of x[r, i] + y[r, j], on rows where both have an entry."""
    rows = (x.min(axis=1) < _VALID) & (y.min(axis=1) < _VALID)
    if not rows.any():
        return np.full((x.shape[1], y.shape[1]), INF, dtype=np.int64)
    out: Ints = (x[rows][:, :, None] + y[rows][:, None, :]).min(axis=0)
    return out


@dataclass(slots=True)
class _Tables:
    """One option's blocks reduced to what joins them to another block, for each break flag."""

    first: dict[int, Ints]  # [flag] (end, work, run out) -> min cost, prefix-min over run out
    second: dict[int, Ints]  # [flag] (start, work, head) for flag 1; (start, work) for flag 0
    single: Ints  # (work) -> min cost of a one-block day


def _tables(blocks: _Blocks, shape: _Shape, slots: int) -> _Tables:
    g = shape.grain
    run = shape.run_min // g
    top = shape.daily_min // g
    work, head, tail = _work(blocks, shape), _head(blocks), _tail(blocks, shape)
    length = blocks.end - blocks.start
    fits = (work <= top) & (head <= run) & (tail <= run)
    single = np.full(top + 1, INF, dtype=np.int64)
    alone = fits & (length * g <= shape.amplitude_min)
    np.minimum.at(single, work[alone], blocks.cost[alone])
    first: dict[int, Ints] = {}
    second: dict[int, Ints] = {}
    for flag in (0, 1):
        sel = fits & ((blocks.brk >= 0) == bool(flag))
        t1 = np.full((slots + 1, top + 1, run + 1), INF, dtype=np.int64)
        np.minimum.at(t1, (blocks.end[sel], work[sel], tail[sel]), blocks.cost[sel])
        first[flag] = np.minimum.accumulate(t1, axis=2)
        if flag:
            t2 = np.full((slots + 1, top + 1, run + 1), INF, dtype=np.int64)
            np.minimum.at(t2, (blocks.start[sel], work[sel], head[sel]), blocks.cost[sel])
        else:
            t2 = np.full((slots + 1, top + 1), INF, dtype=np.int64)
            np.minimum.at(t2, (blocks.start[sel], work[sel]), blocks.cost[sel])
        second[flag] = t2
    return _Tables(first, second, single)


def _pair_costs(
    t1: _Tables,
    t2: _Tables,
    o2: Option,
    road: int,
    joined: bool,
    shape: _Shape,
) -> Ints:
    """(work of block 1, work of block 2) -> min cost of the day they make, travel excluded."""
    g = shape.grain
    run = shape.run_min // g
    top = shape.daily_min // g
    slots = t1.first[0].shape[0] - 1
    best = np.full((top + 1, top + 1), INF, dtype=np.int64)
    m = np.arange(top + 1, dtype=np.int64)
    # Block 2's start must leave room for the leg in her free window: s2 * g - road >= free_start.
    starts_ok = np.arange(slots + 1) * g - road >= o2.free_start
    for f1 in (0, 1):
        a = t1.first[f1]
        len1 = m + f1 * shape.pause
        for f2 in (0, 1):
            b = t2.second[f2]
            len2 = m + f2 * shape.pause
            if joined:
                if road % g:
                    continue
                sh = road // g
                x_all = a[: a.shape[0] - sh]  # block 1 ending at e, block 2 starting at e + sh
                y_rows = b[sh:]
                ok = starts_ok[sh:]
                if f2:
                    # The day's work and amplitude do not depend on the head: masked once.
                    y_all = np.where(ok[:, None, None], y_rows, INF)
                    heads = np.full_like(best, INF)
                    for h in range(1, run + 1):
                        r = (shape.run_min - road - h * g) // g
                        if r < 0:
                            break
                        np.minimum(heads, _minplus(x_all[:, :, r], y_all[:, :, h]), out=heads)
                    np.minimum(best, _mask(heads, len1, len2, road, shape), out=best)
                else:
                    reach = (shape.run_min - road - m * g) // g  # per work of block 2
                    valid = reach >= 0
                    gathered = x_all[:, :, np.clip(reach, 0, run)]  # (rows, m1, m2)
                    gathered = np.where(valid[None, None, :], gathered, INF)
                    y = np.where(ok[:, None], y_rows, INF)
                    rows = (gathered.min(axis=(1, 2)) < _VALID) & (y.min(axis=1) < _VALID)
                    if rows.any():
                        cand = (gathered[rows] + y[rows][:, None, :]).min(axis=0)
                        np.minimum(best, _mask(cand, len1, len2, road, shape), out=best)
            else:
                x = np.where(
                    (len1 * g >= shape.vacation_min)[None, :], a[:, :, run], INF
                )  # a cut day: the first vacation is block 1 alone
                if f2:
                    h_max = (shape.run_min - road) // g
                    if h_max < 1:
                        continue
                    y2 = b[:, :, : h_max + 1].min(axis=2)
                else:
                    y2 = np.where((m * g + road <= shape.run_min)[None, :], b, INF)
                y2 = np.where((len2 * g + road >= shape.vacation_min)[None, :], y2, INF)
                y2 = np.where(starts_ok[:, None], y2, INF)
                lo = -(-(road + shape.cut_lo_min) // g)
                hi = (road + shape.cut_hi_min) // g
                # Each gap's rows and amplitude apart; the daily work, the same for every gap,
                # once (as `_mask` does per gap).
                x_rows = x.min(axis=1) < _VALID
                y_rows = y2.min(axis=1) < _VALID
                cut = np.full_like(best, INF)
                for delta in range(max(lo, 1), hi + 1):
                    rows = x_rows[: slots + 1 - delta] & y_rows[delta:]
                    if not rows.any():
                        continue
                    xs, ys = x[: slots + 1 - delta][rows], y2[delta:][rows]
                    cand = (xs[:, :, None] + ys[:, None, :]).min(axis=0)
                    spread = (len1[:, None] + len2[None, :] + delta) * g
                    np.minimum(cut, np.where(spread <= shape.amplitude_min, cand, INF), out=cut)
                work = (m[:, None] + m[None, :]) * g + road
                np.minimum(best, np.where(work <= shape.daily_min, cut, INF), out=best)
    return best


def _mask(cost: Ints, len1: Ints, len2: Ints, road: int, shape: _Shape) -> Ints:
    """Daily work and amplitude over (work 1, work 2) of a day whose second block starts where the
    leg after the first ends (a cut day's gaps are masked in `_pair_costs`)."""
    g = shape.grain
    m = np.arange(cost.shape[0], dtype=np.int64)
    work = (m[:, None] + m[None, :]) * g + road
    amplitude = (len1[:, None] + len2[None, :]) * g + road
    ok = (work <= shape.daily_min) & (amplitude <= shape.amplitude_min)
    return np.where(ok, cost, INF)


# --- the columns of a day ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayColumns:
    """A day's columns (cheapest day per signature) and its constant cost (nobody on site)."""

    columns: tuple[Column, ...]
    constant: int


def day_columns(data: PlanData, d: int, prices: Prices | None = None) -> DayColumns:
    """Every kind of day the assistant may work on day `d`, the cheapest of each kind."""
    a = data.assistants[0].id
    costs = _day_costs(data, d, prices)
    options = data.options[(a, d)]
    if not options:
        return DayColumns((), costs.constant)
    instance = data.instance
    shape = _shape(data, options)
    g = shape.grain
    slots = MINUTES_PER_DAY // g
    tables = [_tables(_blocks(o, shape, costs), shape, slots) for o in options]
    best: dict[tuple[MinutesKey, int, MinutesKey, ContractId | None], tuple[int, int]] = {}
    counted = instance.rules.travel_in_contract
    contract = {k.id: k for k in data.contracts}

    def offer(
        minutes: dict[tuple[ContractId, CabinetId], int],
        travel: int,
        cost: int,
        credit: MinutesKey = (),
        leads_to: ContractId | None = None,
    ) -> None:
        key = tuple(sorted((k, c, v) for (k, c), v in minutes.items()))
        work = sum(minutes.values()) + travel
        found = best.get((key, work, credit, leads_to))
        if found is None or cost < found[0]:
            best[(key, work, credit, leads_to)] = (cost, travel)

    for o, t in zip(options, tables, strict=True):
        for m in np.nonzero(t.single < _VALID)[0]:
            offer({(o.contract, o.cabinet): int(m) * g}, 0, int(t.single[m]))
    w = instance.weights
    for i, o1 in enumerate(options):
        for j, o2 in enumerate(options):
            road = instance.travel(o1.cabinet, o2.cabinet)
            if road is None:
                continue
            moved = o1.cabinet != o2.cabinet
            extra = (w.travel_minutes * road + w.site_changes) if moved else 0
            # The leg counts for the contract of the assignment it leads to.
            credit: MinutesKey = (
                tuple(
                    (o2.contract, c, v)
                    for c, v in sorted(travel_credit(contract[o2.contract], road, g).items())
                )
                if counted and moved
                else ()
            )
            same = (o1.contract, o1.cabinet) == (o2.contract, o2.cabinet)
            modes = ([] if same else [True]) + ([False] if shape.cut_allowed else [])
            k1, c1, k2, c2 = o1.contract, o1.cabinet, o2.contract, o2.cabinet
            leads_to = k2 if moved else None
            for joined in modes:
                pair = _pair_costs(tables[i], tables[j], o2, road, joined, shape)
                ms1, ms2 = np.nonzero(pair < _VALID)
                totals = (pair[ms1, ms2] + extra).tolist()
                # What `offer` does, inline: a day of two blocks is offered tens of thousands
                # of times a week, and the call with its dictionary took a sixth of the listing.
                for v1, v2, cost in zip(
                    (ms1 * g).tolist(), (ms2 * g).tolist(), totals, strict=True
                ):
                    if same:
                        key: MinutesKey = ((k1, c1, v1 + v2),)
                    elif (k1, c1) < (k2, c2):
                        key = ((k1, c1, v1), (k2, c2, v2))
                    else:
                        key = ((k2, c2, v2), (k1, c1, v1))
                    signature = (key, v1 + v2 + road, credit, leads_to)
                    found = best.get(signature)
                    if found is None or cost < found[0]:
                        best[signature] = (cost, road)
    columns = tuple(
        Column(key, work, travel, cost, credit, leads_to)
        for (key, work, credit, leads_to), (cost, travel) in sorted(
            best.items(), key=lambda item: (item[0][:3], item[0][3] or "", item[1])
        )
    )
    return DayColumns(columns, costs.constant)


# --- rebuilding a day -------------------------------------------------------------------------------


def rebuild_day(data: PlanData, d: int, column: Column, prices: Prices | None = None) -> DayPlan:
    """A day with the column's minutes at the column's cost, found by a flat search of all pairs.

    The search re-checks every rule of a day in minutes, independently of the tables above; a
    column it cannot rebuild at its cost is a defect (raised as `AssertionError`).
    """
    a = data.assistants[0].id
    instance = data.instance
    rules = instance.rules
    wanted = {(k, c) for k, c, _ in column.minutes}
    options = [o for o in data.options[(a, d)] if (o.contract, o.cabinet) in wanted]
    shape = _shape(data, data.options[(a, d)])
    g = shape.grain
    costs = _day_costs(data, d, prices)
    want = {(k, c): v for k, c, v in column.minutes}
    found: DayPlan | None = None
    if len(want) == 1 and column.travel == 0:
        # One block, or two at the same place (a cut day or two contracts there).
        for o in options:
            b = _blocks(o, shape, costs)
            work, head, tail = _work(b, shape) * g, _head(b) * g, _tail(b, shape) * g
            ok = (
                (work == want[(o.contract, o.cabinet)])
                & (head <= rules.break_after_minutes)
                & (tail <= rules.break_after_minutes)
                & (work <= rules.max_daily_minutes)
                & ((b.end - b.start) * g <= rules.max_amplitude_minutes)
                & (b.cost == column.cost)
            )
            hit = np.nonzero(ok)[0]
            if len(hit):
                i = int(hit[0])
                found = DayPlan(
                    (Piece(o, int(b.start[i]) * g, int(b.end[i]) * g, _minutes(b.brk[i], g)),),
                    0,
                    column.cost,
                )
                break
    if found is None:
        found = _rebuild_pair(data, column, options, shape, costs)
    assert found is not None, f"day {d}: no day rebuilt for {column}"
    return found


def _minutes(slot: np.int64, grain: int) -> int:
    return -1 if slot < 0 else int(slot) * grain


def _rebuild_pair(
    data: PlanData,
    column: Column,
    options: list[Option],
    shape: _Shape,
    costs: _DayCosts,
) -> DayPlan | None:
    instance = data.instance
    w = instance.weights
    g = shape.grain
    want = {(k, c): v for k, c, v in column.minutes}
    for o1 in options:
        b1 = _blocks(o1, shape, costs)
        for o2 in options:
            road = instance.travel(o1.cabinet, o2.cabinet)
            if road is None or road != column.travel:
                continue
            same = (o1.contract, o1.cabinet) == (o2.contract, o2.cabinet)
            b2 = _blocks(o2, shape, costs)
            w1 = _work(b1, shape) * g
            w2 = _work(b2, shape) * g
            moved = o1.cabinet != o2.cabinet
            extra = (w.travel_minutes * road + w.site_changes) if moved else 0
            if same:
                total = want[(o1.contract, o1.cabinet)]
                splits = [(int(v), total - int(v)) for v in np.unique(w1[w1 < total])]
            else:
                splits = [
                    (
                        want.get((o1.contract, o1.cabinet), -1),
                        want.get((o2.contract, o2.cabinet), -1),
                    )
                ]
            for want1, want2 in splits:
                found = _pair_of(
                    data, column, o1, o2, b1, b2, w1 == want1, w2 == want2, road, extra, shape
                )
                if found is not None:
                    return found
    return None


def _pair_of(
    data: PlanData,
    column: Column,
    o1: Option,
    o2: Option,
    b1: _Blocks,
    b2: _Blocks,
    pick1: npt.NDArray[np.bool_],
    pick2: npt.NDArray[np.bool_],
    road: int,
    extra: int,
    shape: _Shape,
) -> DayPlan | None:
    """The first pair (block 1 among `pick1`, block 2 among `pick2`) making a legal day at cost."""
    rules = data.instance.rules
    g = shape.grain
    run = rules.break_after_minutes
    same = (o1.contract, o1.cabinet) == (o2.contract, o2.cabinet)
    moved = o1.cabinet != o2.cabinet
    i1 = np.nonzero(pick1)[0]
    i2 = np.nonzero(pick2)[0]
    # Only blocks whose costs can add up to the column's: a cheap filter before pairing.
    i1 = i1[np.isin(column.cost - extra - b1.cost[i1], b2.cost[i2])]
    i2 = i2[np.isin(column.cost - extra - b2.cost[i2], b1.cost[i1])]
    if not len(i1) or not len(i2):
        return None
    s1, e1, k1 = b1.start[i1][:, None] * g, b1.end[i1][:, None] * g, b1.brk[i1][:, None]
    s2, e2, k2 = b2.start[i2][None, :] * g, b2.end[i2][None, :] * g, b2.brk[i2][None, :]
    p = data.break_length
    m1 = (_work(b1, shape)[i1] * g)[:, None]
    m2 = (_work(b2, shape)[i2] * g)[None, :]
    h1 = np.where(k1 >= 0, k1 * g - s1, e1 - s1)
    t1 = np.where(k1 >= 0, e1 - k1 * g - p, e1 - s1)
    h2 = np.where(k2 >= 0, k2 * g - s2, e2 - s2)
    t2 = np.where(k2 >= 0, e2 - k2 * g - p, e2 - s2)
    gap = s2 - road - e1
    joined = gap == 0
    cut = (gap >= max(1, rules.break_minutes)) & (gap <= rules.max_interruption_minutes)
    if same:
        joined = np.zeros_like(joined)
    run_in = np.where(joined, t1 + road, road)
    run_out2 = np.where(k2 >= 0, t2, run_in + (e2 - s2))
    ok = (
        (joined | (cut & (rules.max_vacations_per_day >= 2)))
        & (h1 <= run)
        & (t1 <= run)
        & (run_in + h2 <= run)
        & (run_out2 <= run)
        & (m1 + m2 + road <= rules.max_daily_minutes)
        & (e2 - s1 <= rules.max_amplitude_minutes)
        & (s2 - road >= o2.free_start)
        & (
            cut
            <= (
                (e1 - s1 >= rules.min_vacation_minutes)
                & (e2 - s2 + road >= rules.min_vacation_minutes)
            )
        )
    )
    cost = b1.cost[i1][:, None] + b2.cost[i2][None, :] + extra
    ok = ok & (cost == column.cost)
    hit = np.argwhere(ok)
    if len(hit):
        x, y = (int(v) for v in hit[0])
        first = Piece(o1, int(s1[x, 0]), int(e1[x, 0]), _minutes(k1[x, 0], g))
        second = Piece(o2, int(s2[0, y]), int(e2[0, y]), _minutes(k2[0, y], g))
        return DayPlan((first, second), road if moved else 0, column.cost)
    return None


class DayMemo:
    """Days listed by one call of `all_day_columns`, kept for the next: an assistant priced again
    and again (a part with several assistants, `solver.coupled`) lists anew only the days whose
    slot prices changed. Only the last call's days are kept, so that it holds at most one
    horizon's columns; a call for other plan data forgets them (a day's key holds its windows
    and costs, not the rules or the travel times)."""

    def __init__(self) -> None:
        self._data: PlanData | None = None
        self._last: dict[tuple[object, ...], DayColumns] = {}
        self._now: dict[tuple[object, ...], DayColumns] = {}
        self.reused = 0

    def turn(self, data: PlanData) -> None:
        """A new call for `data` begins: what the call before listed may be reused."""
        if data is not self._data:
            self._data, self._last, self._now = data, {}, {}
        elif self._now:
            self._last, self._now = self._now, {}

    def get(self, key: tuple[object, ...]) -> DayColumns | None:
        found = self._now.get(key)
        if found is None and (found := self._last.get(key)) is not None:
            self._now[key] = found
            self.reused += 1
        return found

    def put(self, key: tuple[object, ...], days: DayColumns) -> None:
        self._now[key] = days


def all_day_columns(
    data: PlanData, prices: Prices | None = None, memo: DayMemo | None = None
) -> list[DayColumns]:
    """The columns of every day of the horizon; days alike (same windows and costs) listed once,
    and with `memo` the days alike to those of its last call not listed again."""
    a = data.assistants[0].id
    seen = memo if memo is not None else DayMemo()
    seen.turn(data)
    out: list[DayColumns] = []
    for d in range(len(data.dates)):
        costs = _day_costs(data, d, prices)
        key = (
            data.options[(a, d)],
            costs.pref.tobytes(),
            tuple((c, v.tobytes()) for c, v in sorted(costs.cover.items())),
        )
        found = seen.get(key)
        if found is None:
            found = day_columns(data, d, prices)
            seen.put(key, found)
        out.append(found)
    return out


# --- the master -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """A linear row `lo <= sum(coef * var) <= hi` over columns (ints) and named extra variables."""

    terms: tuple[tuple[int | str, int], ...]
    lo: float
    hi: float


def _row(
    terms: list[tuple[int | str, int]] | tuple[tuple[int | str, int], ...], lo: float, hi: float
) -> Row:
    """A row with each variable once (coefficients of repeated variables added)."""
    merged: dict[int | str, int] = dict(terms)
    if len(merged) < len(terms):  # a variable repeated: add its coefficients
        merged = {}
        for var, coef in terms:
            merged[var] = merged.get(var, 0) + coef
    if 0 in merged.values():
        return Row(tuple((v, c) for v, c in merged.items() if c), lo, hi)
    # Most rows hold each variable once with a coefficient: built without a loop in Python (a
    # week's rows hold some hundred thousand terms).
    return Row(tuple(merged.items()), lo, hi)


@dataclass(slots=True)
class Master:
    """The master as plain rows: columns (0/1, at most one a day), extra variables and rows.

    The same rows make the CP-SAT model (`cp_model_of`) and its LP relaxation (`reduced_costs`),
    so that reduced-cost fixing speaks of exactly the model that is solved.
    """

    columns: list[tuple[int, Column]]  # (day, column)
    extras: dict[str, tuple[int, int, int]]  # name -> (lower, upper, objective coefficient)
    rows: list[Row]
    constant: int


def build_master(
    data: PlanData, days: list[DayColumns], *, weeks: tuple[Week, ...] | None = None
) -> Master:
    """The master over the days' columns (rules as in `constraints.hard`, terms as in `soft`).

    With `weeks`, a relaxation over those weeks alone: their days, their weekly rules, and none
    of what joins weeks (12-week average, share deviation over the horizon, pattern changes), so
    its optimum is a lower bound of what those weeks cost in any rota.
    """
    instance = data.instance
    rules = instance.rules
    weights = instance.weights
    a = data.assistants[0]
    whole = weeks is None
    chosen_weeks = data.weeks if weeks is None else weeks
    covered = {d for wk in chosen_weeks for d in wk.days}
    days = [dc if d in covered else DayColumns((), 0) for d, dc in enumerate(days)]
    columns = [(d, col) for d, dc in enumerate(days) for col in dc.columns]
    on_day: list[list[int]] = [[] for _ in days]
    for j, (d, _) in enumerate(columns):
        on_day[d].append(j)
    extras: dict[str, tuple[int, int, int]] = {}
    rows: list[Row] = []
    inf = float("inf")

    rows.extend(_row(tuple((j, 1) for j in js), -inf, 1) for js in on_day if len(js) > 1)

    def work(ds: tuple[int, ...]) -> list[tuple[int | str, int]]:
        return [(j, columns[j][1].work) for d in ds for j in on_day[d]]

    # Each (contract, cabinet)'s credited minutes per day, read once: a row asks for them by
    # days, and scanning every column for every row cost a tenth of a pooled week's solve.
    by_share: dict[ShareKey, list[list[tuple[int | str, int]]]] = defaultdict(
        lambda: [[] for _ in days]
    )
    for j, (d, col) in enumerate(columns):
        for kk, cc, minutes in col.credited:
            by_share[(kk, cc)][d].append((j, minutes))

    def credited(k: ContractId, c: CabinetId, ds: tuple[int, ...]) -> list[tuple[int | str, int]]:
        per_day = by_share.get((k, c))
        if per_day is None:
            return []
        return [t for d in ds for t in per_day[d]]

    for k in data.contracts:
        for wk in chosen_weeks:
            target = data.targets.get((k.id, wk.index))
            if target is not None:
                got = [t for c in sorted(k.shares) for t in credited(k.id, c, wk.days)]
                rows.append(_row(tuple(got), target, target))
            limit = complementary_limit(
                rules, k.weekly_minutes, data.targets.get((k.id, wk.index), k.weekly_minutes)
            )
            if limit is not None:
                legs = [
                    (j, columns[j][1].travel)
                    for d in wk.days
                    for j in on_day[d]
                    if columns[j][1].leads_to == k.id and columns[j][1].travel
                ]
                if legs:
                    rows.append(_row(tuple(legs), -inf, limit))
            for c in sorted(k.shares):
                share = data.share_targets.get((k.id, wk.index, c))
                if share is not None:
                    tol = rules.share_tolerance_minutes
                    rows.append(
                        Row(tuple(credited(k.id, c, wk.days)), max(0, share - tol), share + tol)
                    )
    for wk in chosen_weeks:
        rows.append(_row(tuple(work(wk.days)), -inf, rules.max_weekly_minutes))
        if sum(1 for d in wk.days if on_day[d]) > rules.max_days_per_week:
            picked = tuple((j, 1) for d in wk.days for j in on_day[d])
            rows.append(_row(picked, -inf, rules.max_days_per_week))
    constant = sum(dc.constant for dc in days)
    if not whole:
        return Master(columns, extras, rows, constant)
    span = rules.average_weeks
    before = list(a.worked_minutes_before)
    history = {j - len(before): v for j, v in enumerate(before)}
    for wk in data.weeks:
        past = sum(history.get(j, 0) for j in range(wk.index - span + 1, 0))
        inside = tuple(
            d for w in data.weeks if wk.index - span + 1 <= w.index <= wk.index for d in w.days
        )
        rows.append(_row(tuple(work(inside)), -inf, span * rules.max_average_weekly_minutes - past))

    horizon = tuple(range(len(data.dates)))
    offsets = horizon_targets(data)
    for k in data.contracts:
        for c in sorted(k.shares):
            offset = offsets[(k.id, c)]
            name = f"dev|{k.id}|{c}"
            extras[name] = (
                least_deviation(offset, instance.slot_minutes),
                abs(offset) + MINUTES_PER_DAY * len(horizon),
                weights.share_deviation,
            )
            got = credited(k.id, c, horizon)
            # dev >= got - offset and dev >= offset - got
            rows.append(_row(((name, 1), *((j, -v) for j, v in got)), -offset, inf))
            rows.append(_row(((name, 1), *got), offset, inf))
    for d in range(7, len(data.dates)):
        ref = d % 7
        if not on_day[d] or not on_day[ref]:
            continue
        name = f"pattern|{d}"
        extras[name] = (0, 1, weights.pattern_changes)
        cabs = sorted({c for j in on_day[d] + on_day[ref] for c in columns[j][1].cabinets})
        for c in cabs:
            for now, then in ((d, ref), (ref, d)):
                # p >= [c on `now`] - [c on `then`] - (1 - worked on `then`)
                # that is: p - [c on `now`] - [worked on `then` without c] >= -1
                here = [(j, -1) for j in on_day[now] if c in columns[j][1].cabinets]
                there = [(j, -1) for j in on_day[then] if c not in columns[j][1].cabinets]
                rows.append(_row(((name, 1), *here, *there), -1, inf))
    return Master(columns, extras, rows, constant)


def horizon_targets(data: PlanData) -> dict[ShareKey, int]:
    """Minutes each (contract, cabinet) should get over the horizon: its weeks' share targets
    less the balance carried in (the share deviation is counted from these)."""
    return {
        (k.id, c): sum(data.share_targets.get((k.id, wk.index, c), 0) for wk in data.weeks)
        - k.balance_minutes.get(c, 0)
        for k in data.contracts
        for c in sorted(k.shares)
    }


def priced(master: Master, prices: Mapping[ShareKey, int]) -> Master:
    """The master with each column's cost raised by `prices` per minute it credits to a
    (contract, cabinet); rows and extras unchanged."""
    return Master(
        [
            (
                d,
                replace(
                    col, cost=col.cost + sum(prices.get((k, c), 0) * m for k, c, m in col.credited)
                ),
            )
            for d, col in master.columns
        ],
        master.extras,
        master.rows,
        master.constant,
    )


def cp_model_of(
    master: Master, keep: list[int] | None = None, floor: int | None = None
) -> tuple[cp_model.CpModel, dict[int, cp_model.IntVar]]:
    """The CP-SAT model of the master, over the columns in `keep` (all by default).

    `floor`, a proven lower bound of the objective, is stated as a constraint: a rota reaching
    it ends the search at once.
    """
    m = cp_model.CpModel()
    kept = range(len(master.columns)) if keep is None else keep
    x = {j: m.new_bool_var(f"x[{j}]") for j in kept}
    extra = {name: m.new_int_var(lo, hi, name) for name, (lo, hi, _) in master.extras.items()}
    for row in master.rows:
        vs: list[cp_model.IntVar] = []
        cs: list[int] = []
        for var, coef in row.terms:
            if isinstance(var, str):
                vs.append(extra[var])
                cs.append(coef)
            elif var in x:
                vs.append(x[var])
                cs.append(coef)
        lo = cp_model.INT_MIN if row.lo == float("-inf") else int(row.lo)
        hi = cp_model.INT_MAX if row.hi == float("inf") else int(row.hi)
        m.add_linear_constraint(cp_model.LinearExpr.weighted_sum(vs, cs), lo, hi)
    objective = (
        cp_model.LinearExpr.weighted_sum(
            [x[j] for j in x] + [extra[n] for n in extra],
            [master.columns[j][1].cost for j in x] + [master.extras[n][2] for n in extra],
        )
        + master.constant
    )
    if floor is not None:
        m.add(objective >= floor)
    m.minimize(objective)
    return m, x


def reduced_costs(master: Master) -> tuple[float, list[float]] | None:
    """The LP relaxation's optimum and each column's reduced cost (GLOP), or None if unsolved.

    For any rota, objective >= LP optimum + sum of the reduced costs of its columns (duality), so
    a column whose reduced cost exceeds (best objective - LP optimum) is in no better rota.
    """
    from ortools.linear_solver import linear_solver_pb2, pywraplp

    # The LP is written as a model proto, each row's indices and coefficients in one call, and
    # read back as a solution proto: setting tens of thousands of coefficients one by one through
    # the solver's Python wrapper took a fifth of a pooled week's solve.
    n = len(master.columns)
    index = {name: n + k for k, name in enumerate(master.extras)}
    proto = linear_solver_pb2.MPModelProto()
    for _, col in master.columns:
        var = proto.variable.add()
        var.lower_bound = 0.0
        var.objective_coefficient = col.cost
    for lo, hi, cost in master.extras.values():
        var = proto.variable.add()
        var.lower_bound, var.upper_bound, var.objective_coefficient = lo, hi, cost
    for row in master.rows:
        ct = proto.constraint.add()
        ct.lower_bound, ct.upper_bound = row.lo, row.hi
        ct.var_index.extend([index[v] if isinstance(v, str) else v for v, _ in row.terms])
        ct.coefficient.extend([coef for _, coef in row.terms])
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None or lp.LoadModelFromProto(proto):
        return None
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    answer = linear_solver_pb2.MPSolutionResponse()
    lp.FillSolutionResponseProto(answer)
    return answer.objective_value + master.constant, list(answer.reduced_cost[:n])


@dataclass(slots=True)
class PatternRota:
    """What the master's answer becomes: assignments, breaks and travel legs."""

    assignments: list[Assignment] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)
    travel: list[TravelLeg] = field(default_factory=list)
    presence: list[tuple[CabinetId, int, int, int]] = field(default_factory=list)
    """(cabinet, day, start, end) in day minutes: each assignment's span."""


def read_master(
    data: PlanData, master: Master, chosen: list[int], prices: Prices | None = None
) -> PatternRota:
    """Rebuild each chosen column into a day, in assignments, breaks and travel legs."""
    a = data.assistants[0].id
    tz = data.tz
    out = PatternRota()
    for j in chosen:
        d, column = master.columns[j]
        plan = rebuild_day(data, d, column, prices)
        on = data.dates[d]
        for i, piece in enumerate(plan.blocks):
            o = piece.option
            spans = [(piece.start, piece.end)]
            if piece.break_start >= 0:
                spans = [
                    (piece.start, piece.break_start),
                    (piece.break_start + data.break_length, piece.end),
                ]
                out.breaks.append(Break(a, at(on, piece.break_start, tz), at(on, spans[1][0], tz)))
            for lo, hi in spans:
                out.presence.append((o.cabinet, d, lo, hi))
                out.assignments.append(
                    Assignment(a, o.contract, o.cabinet, at(on, lo, tz), at(on, hi, tz))
                )
            if i == 1 and plan.travel:
                prev = plan.blocks[0].option.cabinet
                out.travel.append(
                    TravelLeg(
                        a,
                        prev,
                        o.cabinet,
                        at(on, piece.start - plan.travel, tz),
                        at(on, piece.start, tz),
                    )
                )
    return out
