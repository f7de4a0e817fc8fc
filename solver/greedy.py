"""A quick constructive rota, used to warm-start the CP-SAT search when one is easy to build.

Each working day of an assistant gets at most one block: one contract, one cabinet, no travel. A
week's share targets are cut into such blocks, largest demand first (an excess within the share
tolerance may go to another cabinet of the contract rather than take a day of its own); each piece
goes on the free day where it fits longest and, among those, covers the most consultation minutes
less what the cabinets still waiting for a day would cover there; a block longer than
`break_after_minutes` gets one break in its middle; each block is slid over its window to the start
that covers the most sessions. Nothing here is trusted: the rota is returned only when
`solver.validation.check_rota` finds no violation, so a hint is always a valid rota; when the
construction does not fit (more cabinets than days, pinned or protected assignments, tight rules),
it gives up and returns None and the search starts from scratch, as before.

Measured on the benchmark's pooled weeks: it builds a rota for 365 of 400; solved with one worker
and 1 s, 30 weeks then all get a rota (7 had none before) and their summed objective is 8 % lower.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from solver.constraints.blocks import MIN_PIECE_MINUTES
from solver.constraints.data import PlanData, Window, at, build, leg_credits, subtract
from solver.model import (
    MINUTES_PER_DAY,
    Assignment,
    AssistantId,
    Break,
    CabinetId,
    ContractId,
    Instance,
    Rota,
    Status,
    TravelLeg,
)
from solver.validation import check_rota, complementary_limit


@dataclass(slots=True)
class _Demand:
    """A week's minutes for a contract at a cabinet: the share target, and what is planned
    (moved within the share tolerance when another cabinet takes the excess)."""

    minutes: int
    target: int
    contract: ContractId
    cabinet: CabinetId


@dataclass(frozen=True, slots=True)
class _Piece:
    """A block to place: `minutes` of work under a contract at a cabinet on a horizon day."""

    contract: ContractId
    cabinet: CabinetId
    day: int
    minutes: int


def greedy_rota(instance: Instance) -> Rota | None:
    """A valid rota built without search, or None when this simple construction does not fit."""
    if instance.replan.published or instance.replan.pinned:
        return None
    data = build(instance)
    order = by_contention(data)
    for _ in range(max(1, min(len(order), RESTARTS))):
        assignments: list[Assignment] = []
        breaks: list[Break] = []
        busy: Busy = {}
        travel: list[TravelLeg] = []
        failed = None
        for assistant in order:
            planned = plan_assistant(data, assistant, busy)
            if planned is None:
                failed = assistant
                break
            assignments.extend(planned[0])
            breaks.extend(planned[1])
            travel.extend(planned[2])
        if failed is None:
            rota = Rota(
                Status.FEASIBLE,
                assignments=tuple(sorted(assignments, key=lambda a: (a.assistant, a.start))),
                travel=tuple(travel),
                breaks=tuple(breaks),
            )
            return None if check_rota(instance, rota) else rota
        # The assistant who found no room goes first next time: the others, planned after her,
        # take what she leaves.
        order.remove(failed)
        order.insert(0, failed)
    return None


RESTARTS = 12
"""Most orders tried: each puts the assistant who last found no room first."""


def by_contention(data: PlanData) -> list[AssistantId]:
    """The assistants, those whose cabinets are most asked of (shares against places and opening
    hours) first: they have the fewest ways to fit, so they choose before the others."""
    asked: dict[CabinetId, float] = {}
    for k in data.contracts:
        for c, bps in k.shares.items():
            asked[c] = asked.get(c, 0.0) + k.weekly_minutes * bps / 10_000
    room = {
        c: cab.places * sum(w.end - w.start for w in cab.opening) or 1
        for c, cab in data.cabinets.items()
    }

    def crowding(a: AssistantId) -> float:
        return max(
            (asked.get(c, 0.0) / room[c] for k in data.contracts_of[a] for c in k.shares),
            default=0.0,
        )

    return sorted((a.id for a in data.assistants), key=lambda a: (-crowding(a), a))


Busy = dict[tuple[CabinetId, int], list[Window]]
"""The spans already planned at each (cabinet, day), all assistants together."""


def plan_assistant(
    data: PlanData, assistant: AssistantId, busy: Busy
) -> tuple[list[Assignment], list[Break], list[TravelLeg]] | None:
    """One assistant's assignments, breaks and travel legs, week after week, in the times the spans in `busy`
    leave free at each cabinet (a time is full when as many spans cover it as the cabinet has
    places); `busy` gets her spans. None (and `busy` unchanged) when the construction does not fit.
    """
    assignments: list[Assignment] = []
    breaks: list[Break] = []
    travel: list[TravelLeg] = []
    mine: Busy = {key: list(spans) for key, spans in busy.items()}
    weights = data.instance.weights
    for week in data.weeks:
        # One cabinet a day (the excess of a share, within the tolerance, may go to another
        # cabinet), or the shares laid end to end (two cabinets a day, joined by travel): the one
        # that fits, the cheaper when both do.
        one: tuple[Busy, list[Assignment], list[Break], list[TravelLeg]] | None = None
        ones: tuple[Busy, list[Assignment], list[Break], list[TravelLeg]] = (
            _copy(mine),
            [],
            [],
            [],
        )
        if _plan_week(data, assistant, week.index, week.days, ones[0], ones[1], ones[2]):
            one = ones
        cost_one = weights.share_deviation * _deviation(data, assistant, week.index, ones[1])
        wrapped: tuple[Busy, list[Assignment], list[Break], list[TravelLeg]] | None = None
        if one is None or cost_one > 0:
            wraps: tuple[Busy, list[Assignment], list[Break], list[TravelLeg]] = (
                _copy(mine),
                [],
                [],
                [],
            )
            if _plan_wrapped_credited(data, assistant, week.index, week.days, *wraps):
                wrapped = wraps
        if wrapped is not None and one is not None:
            cost_wrapped = sum(
                weights.travel_minutes * leg.minutes + weights.site_changes for leg in wrapped[3]
            )
            if cost_one <= cost_wrapped:
                wrapped = None
        chosen = wrapped or one
        if chosen is None:
            return None
        mine = chosen[0]
        assignments.extend(chosen[1])
        breaks.extend(chosen[2])
        travel.extend(chosen[3])
    busy.clear()
    busy.update(mine)
    return assignments, breaks, travel


def _copy(busy: Busy) -> Busy:
    return {key: list(spans) for key, spans in busy.items()}


def _deviation(
    data: PlanData, assistant: AssistantId, week: int, assignments: Sequence[Assignment]
) -> int:
    """Minutes off each share target of the week, summed (the excess moved within the tolerance)."""
    got: dict[tuple[ContractId, CabinetId], int] = {}
    for a in assignments:
        got[(a.contract, a.cabinet)] = got.get((a.contract, a.cabinet), 0) + a.minutes
    return sum(
        abs(got.get((k.id, c), 0) - data.share_targets.get((k.id, week, c), 0))
        for k in data.contracts_of[assistant]
        for c in k.shares
    )


def full_times(spans: Sequence[Window], places: int) -> list[Window]:
    """The times covered by at least `places` of the spans."""
    events = sorted([(lo, 1) for lo, _ in spans] + [(hi, -1) for _, hi in spans])
    out: list[Window] = []
    count = 0
    opened = 0
    for t, step in events:
        before = count
        count += step
        if before < places <= count:
            opened = t
        elif count < places <= before and t > opened:
            out.append((opened, t))
    return out


def _capacity(data: PlanData, window: Window) -> int:
    """The longest block (work minutes) a window holds under the daily rules."""
    rules = data.instance.rules
    grain = data.instance.slot_minutes
    span = min(window[1] - window[0], rules.max_amplitude_minutes)
    work = min(span, rules.max_daily_minutes)
    if work > rules.break_after_minutes:
        # One break in the middle: two runs of at most `break_after_minutes` each.
        work = min(span - data.break_length, 2 * rules.break_after_minutes, rules.max_daily_minutes)
    return max(0, work // grain * grain)


def _windows(
    data: PlanData,
    assistant: AssistantId,
    contract: ContractId,
    cabinet: CabinetId,
    d: int,
    busy: Busy,
) -> list[Window]:
    """The day's windows for a block under the contract at the cabinet, minus the times the
    cabinet is full."""
    found = [
        (o.start, o.end)
        for o in data.options[(assistant, d)]
        if o.contract == contract and o.cabinet == cabinet
    ]
    found = subtract(found, full_times(busy.get((cabinet, d), []), data.cabinets[cabinet].places))
    grain = data.instance.slot_minutes
    return [(lo, hi) for lo, hi in found if lo % grain == 0 and hi - lo >= grain]


def _week_parts(data: PlanData, assistant: AssistantId, week: int) -> list[_Part]:
    """The week's share targets of the assistant's contracts, each (contract, cabinet, minutes)."""
    return [
        (k.id, cabinet, minutes)
        for k in data.contracts_of[assistant]
        for cabinet in sorted(k.shares)
        if (minutes := data.share_targets.get((k.id, week, cabinet), 0)) > 0
    ]


def _plan_week(
    data: PlanData,
    assistant: AssistantId,
    week: int,
    days: Sequence[int],
    busy: Busy,
    assignments: list[Assignment],
    breaks: list[Break],
) -> bool:
    """Cut each (contract, cabinet) demand of the week into one-block days and place the blocks;
    False when it does not fit."""
    tolerance = data.instance.rules.share_tolerance_minutes
    longest = _capacity(data, (0, MINUTES_PER_DAY))
    if longest < MIN_PIECE_MINUTES:
        return False
    demands = [
        _Demand(minutes, minutes, contract, cabinet)
        for contract, cabinet, minutes in _week_parts(data, assistant, week)
    ]
    # Largest first, but a demand just over a whole number of full days goes before the others:
    # its excess (within the tolerance) can then be handed to a later cabinet of the contract.
    demands.sort(
        key=lambda x: (0 < x.target % longest <= tolerance, x.target, x.contract, x.cabinet),
        reverse=True,
    )
    free_days = [d for d in days if data.options[(assistant, d)]]
    for i, demand in enumerate(demands):
        contract, cabinet, target = demand.contract, demand.cabinet, demand.target
        left = demand.minutes
        while left > 0:
            # The day holding the longest piece, and among those the one where it covers most
            # sessions, less what the cabinets still waiting for a day would cover there.
            waiting = {later.cabinet for later in demands[i + 1 :]}
            best: tuple[int, int, int, Window] | None = None
            for d in free_days:
                elsewhere = max(
                    (
                        _covered([(0, MINUTES_PER_DAY)], _session_weights(data, c, d))
                        for c in waiting
                    ),
                    default=0,
                )
                for window in _windows(data, assistant, contract, cabinet, d, busy):
                    size = min(left, _capacity(data, window))
                    if size < MIN_PIECE_MINUTES:
                        continue
                    score = _best_start(data, cabinet, d, size, window)[0] - elsewhere
                    if best is None or (size, score) > (best[0], best[1]):
                        best = (size, score, d, window)
            if best is None:
                return False
            piece, _, d, window = best
            rest = left - piece
            if 0 < rest <= demand.minutes - target + tolerance:
                # Within the share tolerance, hand the rest to a later cabinet of the contract
                # that can take it rather than spend a day on it.
                taker = next(
                    (
                        later
                        for later in demands[i + 1 :]
                        if later.contract == contract
                        and later.minutes + rest <= later.target + tolerance
                    ),
                    None,
                )
                if taker is not None:
                    taker.minutes += rest
                    rest = 0
                    left = piece
            if 0 < rest < MIN_PIECE_MINUTES:
                piece = left - MIN_PIECE_MINUTES
            if piece < MIN_PIECE_MINUTES:
                return False
            placed, pauses, span = _place(
                data, assistant, _Piece(contract, cabinet, d, piece), window
            )
            assignments.extend(placed)
            breaks.extend(pauses)
            busy.setdefault((cabinet, d), []).append(span)
            free_days.remove(d)
            left -= piece
    return True


def _session_weights(data: PlanData, cabinet: CabinetId, d: int) -> list[tuple[int, int, int]]:
    """(start, end, weight) of the consultation sessions and requests at a cabinet on a day."""
    place = data.cabinets[cabinet]
    day = data.dates[d]
    found = [(s.start, s.end, s.weight) for s in place.sessions if s.weekday == day.weekday()]
    found += [(r.start, r.end, r.weight) for r in place.requests if r.date == day]
    return found


def _covered(spans: Sequence[tuple[int, int]], sessions: Sequence[tuple[int, int, int]]) -> int:
    return sum(
        weight * max(0, min(hi, s_hi) - max(lo, s_lo))
        for lo, hi in spans
        for s_lo, s_hi, weight in sessions
    )


def _best_start(
    data: PlanData, cabinet: CabinetId, d: int, minutes: int, window: Window
) -> tuple[int, int]:
    """(weighted session minutes covered, start) of the best placement of a block of `minutes`
    work in `window` (with its break in the middle when it needs one); earliest start on ties."""
    rules = data.instance.rules
    grain = data.instance.slot_minutes
    pause = data.break_length if minutes > rules.break_after_minutes else 0
    first = (minutes // 2) // grain * grain if pause else minutes
    sessions = _session_weights(data, cabinet, d)
    best = (-1, window[0])
    for start in range(window[0], window[1] - minutes - pause + 1, grain):
        spans = [(start, start + first), (start + first + pause, start + minutes + pause)]
        score = _covered(spans, sessions)
        if score > best[0]:
            best = (score, start)
    return best


def _place(
    data: PlanData, assistant: AssistantId, piece: _Piece, window: Window
) -> tuple[list[Assignment], list[Break], Window]:
    """The piece's assignments (two when it needs a break), its break and its span, at the start
    in `window` that covers the most consultation minutes (the window holds the piece)."""
    grain = data.instance.slot_minutes
    needs_break = piece.minutes > data.instance.rules.break_after_minutes
    pause = data.break_length if needs_break else 0
    first = (piece.minutes // 2) // grain * grain if needs_break else piece.minutes
    start = _best_start(data, piece.cabinet, piece.day, piece.minutes, window)[1]
    end = start + piece.minutes + pause
    day = data.dates[piece.day]
    tz = data.tz

    def assignment(lo: int, hi: int) -> Assignment:
        return Assignment(
            assistant, piece.contract, piece.cabinet, at(day, lo, tz), at(day, hi, tz)
        )

    if not needs_break:
        return [assignment(start, end)], [], (start, end)
    middle = start + first
    return (
        [assignment(start, middle), assignment(middle + pause, end)],
        [Break(assistant, at(day, middle, tz), at(day, middle + pause, tz))],
        (start, end),
    )


def _plan_wrapped_credited(
    data: PlanData,
    assistant: AssistantId,
    week: int,
    days: Sequence[int],
    busy: Busy,
    assignments: list[Assignment],
    breaks: list[Break],
    travel: list[TravelLeg],
) -> bool:
    """`_plan_wrapped`, and when travel counts in the contract, again with each cabinet's time on
    site cut by its part of the travel (on the grain), until the legs the cut week takes are those
    it was cut for; False when they do not settle in a few rounds."""
    cut: dict[tuple[ContractId, CabinetId], int] = {}
    for _ in range(4):
        trial: tuple[Busy, list[Assignment], list[Break], list[TravelLeg]] = (
            _copy(busy),
            [],
            [],
            [],
        )
        if not _plan_wrapped(data, assistant, week, days, *trial, cut=cut):
            return False
        if _beyond_complementary(data, week, trial[1], trial[3]):
            return False
        credit = leg_credits(data.instance, trial[1], trial[3])
        wanted = _travel_cut(credit)
        if wanted == cut:
            busy.clear()
            busy.update(trial[0])
            assignments.extend(trial[1])
            breaks.extend(trial[2])
            travel.extend(trial[3])
            return True
        cut = wanted
    return False


def _beyond_complementary(
    data: PlanData, week: int, assignments: Sequence[Assignment], legs: Sequence[TravelLeg]
) -> bool:
    """True when the week's travel paid beyond a part-time contract passes its complementary
    hours' limit (`solver.validation.complementary_limit`)."""
    arriving = {(a.assistant, a.cabinet, a.start): a.contract for a in assignments}
    travel: dict[ContractId, int] = {}
    for leg in legs:
        led_to = arriving.get((leg.assistant, leg.destination, leg.end))
        if led_to is not None:
            travel[led_to] = travel.get(led_to, 0) + leg.minutes
    for k in data.contracts:
        if k.id not in travel:
            continue
        target = data.targets.get((k.id, week), k.weekly_minutes)
        limit = complementary_limit(data.instance.rules, k.weekly_minutes, target)
        if limit is not None and travel[k.id] > limit:
            return True
    return False


def _travel_cut(
    credit: Mapping[tuple[ContractId, CabinetId], int],
) -> dict[tuple[ContractId, CabinetId], int]:
    """Minutes on site to leave out per (contract, cabinet) for the travel credited to it: each
    leg's credit lies on the grain (`leg_credits`), so leaving it out keeps the week on its
    target."""
    return {key: minutes for key, minutes in credit.items() if minutes}


def _plan_wrapped(
    data: PlanData,
    assistant: AssistantId,
    week: int,
    days: Sequence[int],
    busy: Busy,
    assignments: list[Assignment],
    breaks: list[Break],
    travel: list[TravelLeg],
    *,
    cut: Mapping[tuple[ContractId, CabinetId], int] | None = None,
) -> bool:
    """The week's share targets laid end to end over its working days, an even load a day
    (McNaughton's wrap-around): a day holds the end of one cabinet's minutes and the start of the
    next one's, joined by a break and the travel leg. A day that holds less (a Saturday morning)
    takes what it holds and the others share the rest. The days are tried in a few orders (each
    rotation, forwards and backwards), so that a cabinet the others filled on one day is met on
    another; False when no order fits (a day with three cabinets, a piece too short or too long,
    no time left at a cabinet)."""
    grain = data.instance.slot_minutes
    demands = [
        (k, c, m - (cut or {}).get((k, c), 0))
        for k, c, m in _week_parts(data, assistant, week)
        if m > (cut or {}).get((k, c), 0)
    ]
    free = [d for d in days if data.options[(assistant, d)]]
    total = sum(m for _, _, m in demands)
    if total == 0:
        return True
    if not free:
        return False
    demands.sort(key=lambda x: -x[2])
    orders = [free[r:] + free[:r] for r in range(len(free))]
    orders += [list(reversed(o)) for o in orders]
    for order in orders:
        loads = _loads([_day_room(data, assistant, d) for d in order], total, grain)
        if loads is None:
            return False
        days_plan = _wrap(demands, loads)
        if days_plan is None:
            continue
        mine = {key: list(spans) for key, spans in busy.items()}
        got: tuple[list[Assignment], list[Break], list[TravelLeg]] = ([], [], [])
        if _place_days(data, assistant, order, days_plan, mine, *got):
            busy.clear()
            busy.update(mine)
            assignments.extend(got[0])
            breaks.extend(got[1])
            travel.extend(got[2])
            return True
    return False


def _day_room(data: PlanData, assistant: AssistantId, d: int) -> int:
    """The most work a day can hold in one window (opening and availability, daily rules)."""
    return max((_capacity(data, (o.start, o.end)) for o in data.options[(assistant, d)]), default=0)


def _loads(rooms: Sequence[int], total: int, grain: int) -> list[int] | None:
    """Each day's load: an even share of `total`, on the grain, no day above its room (the
    others then take more); None when the rooms cannot hold it."""
    loads = [0] * len(rooms)
    left = total
    open_days = sorted(range(len(rooms)), key=lambda i: rooms[i])
    while open_days:
        even = -(-left // len(open_days) // grain) * grain
        i = open_days[0]
        if rooms[i] < even:
            loads[i] = rooms[i] // grain * grain
            left -= loads[i]
            open_days.pop(0)
            continue
        for i in open_days:
            loads[i] = even
        return loads
    return None if left > 0 else loads


def _place_days(
    data: PlanData,
    assistant: AssistantId,
    free: Sequence[int],
    days_plan: Sequence[Sequence[_Part]],
    busy: Busy,
    assignments: list[Assignment],
    breaks: list[Break],
    travel: list[TravelLeg],
) -> bool:
    """Each day's pieces placed in its windows: one at the start covering the most sessions, two
    joined by a break and the travel leg (`_join`)."""
    tz = data.tz
    for d, pieces in zip(free, days_plan, strict=True):
        if not pieces:
            continue
        if len(pieces) > 2 or any(m < MIN_PIECE_MINUTES for _, _, m in pieces):
            return False
        if len(pieces) == 1:
            contract, cabinet, minutes = pieces[0]
            windows = [
                w
                for w in _windows(data, assistant, contract, cabinet, d, busy)
                if _capacity(data, w) >= minutes
            ]
            if not windows:
                return False
            placed, pauses, span = _place(
                data, assistant, _Piece(contract, cabinet, d, minutes), windows[0]
            )
            assignments.extend(placed)
            breaks.extend(pauses)
            busy.setdefault((cabinet, d), []).append(span)
            continue
        joined = _join(data, assistant, d, pieces[0], pieces[1], busy) or _join(
            data, assistant, d, pieces[1], pieces[0], busy
        )
        if joined is None:
            return False
        day = data.dates[d]
        for contract, cabinet, lo, hi in joined.pieces:
            assignments.append(
                Assignment(assistant, contract, cabinet, at(day, lo, tz), at(day, hi, tz))
            )
            busy.setdefault((cabinet, d), []).append((lo, hi))
        breaks.append(Break(assistant, at(day, joined.pause[0], tz), at(day, joined.pause[1], tz)))
        (_, origin, _, _), (_, destination, _, _) = joined.pieces
        travel.append(
            TravelLeg(
                assistant,
                origin,
                destination,
                at(day, joined.leg[0], tz),
                at(day, joined.leg[1], tz),
            )
        )
    return True


_Part = tuple[ContractId, CabinetId, int]
"""Minutes of a contract at a cabinet on one day."""


def _wrap(demands: Sequence[_Part], loads: Sequence[int]) -> list[list[_Part]] | None:
    """The demands laid end to end, `loads[i]` minutes on day i; a piece shorter than the
    shortest the planner writes joins its other half on the next day (or the day before). None
    when the minutes do not fit the days."""
    days = len(loads)
    plan: list[list[list[int | str]]] = [[] for _ in range(days)]
    k = 0
    room = loads[0] if loads else 0
    for contract, cabinet, minutes in demands:
        while minutes > 0:
            while k < days and room == 0:
                k += 1
                room = loads[k] if k < days else 0
            if k >= days:
                return None
            piece = min(minutes, room)
            plan[k].append([contract, cabinet, piece])
            minutes -= piece
            room -= piece
    for i, day in enumerate(plan):
        if len(day) == 2 and int(day[1][2]) < MIN_PIECE_MINUTES and i + 1 < days and plan[i + 1]:
            nxt = plan[i + 1][0]
            if nxt[1] == day[1][1]:
                nxt[2] = int(nxt[2]) + int(day.pop()[2])
        if len(day) == 2 and int(day[0][2]) < MIN_PIECE_MINUTES and i > 0 and plan[i - 1]:
            before = plan[i - 1][-1]
            if before[1] == day[0][1]:
                before[2] = int(before[2]) + int(day.pop(0)[2])
    return [
        [(ContractId(str(c)), CabinetId(str(cab)), int(m)) for c, cab, m in day] for day in plan
    ]


@dataclass(frozen=True, slots=True)
class _Joined:
    """A day of two pieces: each (contract, cabinet, start, end), the break and the travel leg."""

    pieces: tuple[tuple[ContractId, CabinetId, int, int], tuple[ContractId, CabinetId, int, int]]
    pause: Window
    leg: Window


def _join(
    data: PlanData,
    assistant: AssistantId,
    d: int,
    first: _Part,
    second: _Part,
    busy: Busy,
) -> _Joined | None:
    """Two pieces in a day: the first, a break, the travel leg, the second (so that no run of
    work passes `break_after_minutes`), at the start that covers the most consultation minutes;
    None when no start fits the windows and the daily rules."""
    rules = data.instance.rules
    grain = data.instance.slot_minutes
    (k1, c1, m1), (k2, c2, m2) = first, second
    road = data.instance.travel(c1, c2)
    if road is None or c1 == c2:
        return None
    if m1 > rules.break_after_minutes or road + m2 > rules.break_after_minutes:
        return None
    if m1 + road + m2 > rules.max_daily_minutes:
        return None
    w2 = _windows(data, assistant, k2, c2, d, busy)
    s1 = _session_weights(data, c1, d)
    s2 = _session_weights(data, c2, d)
    best: tuple[int, _Joined] | None = None
    for lo, hi in _windows(data, assistant, k1, c1, d, busy):
        for start in range(lo, hi - m1 + 1, grain):
            end = start + m1
            # The break lasts what the leg needs to end on the grain, and at least its minutes.
            then = -(-(end + data.break_length + road) // grain) * grain
            stop = then + m2
            if stop - start > rules.max_amplitude_minutes:
                break
            if not any(a <= then and stop <= b for a, b in w2):
                continue
            score = _covered([(start, end)], s1) + _covered([(then, stop)], s2)
            if best is None or score > best[0]:
                joined = _Joined(
                    ((k1, c1, start, end), (k2, c2, then, stop)),
                    (end, then - road),
                    (then - road, then),
                )
                best = (score, joined)
    return best[1] if best is not None else None
