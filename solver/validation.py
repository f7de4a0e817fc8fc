"""The independent checker: re-checks a finished rota against every hard rule of docs/rules.md.

It reads only the rota's assignments, travel legs and breaks, with plain Python over sorted
intervals; it shares no code with the planner (no CP-SAT, nothing from `solver.solve` or
`solver.constraints`), so that a planner bug cannot hide itself. Its sentences use the French
wording of the whole service (`solver.french`), which decides nothing.

Rules encoded (rule ids in brackets): availability [availability], opening hours [opening-hours],
cabinet places [cabinet-places], leave [leave], public holidays [public-holiday], no overlap
[overlap], travel [travel], daily work [daily-work], amplitude [amplitude], vacations
[max-vacations], interruption [interruption], shorter vacation [shorter-vacation], break [break],
daily rest [daily-rest], weekly maximum [weekly-max], 12-week average [twelve-week-average], days
per week [days-per-week], Sunday rest [sunday-rest], weekly rest [weekly-rest], contract hours
[contract-hours], shares [share-tolerance], pinned [pinned], protected window [protected-window];
and the rota's own consistency: the planning grain [grain], pieces that end after they start, carry
a time zone and stay within one day [interval], pieces inside the horizon [horizon], known and
consistent ids [unknown-id]. The part-time minimum is an instance property, checked when the
instance is read (`solver.instance_io`).

Readings decided here (docs/rules.md leaves them open):

- Durations are wall-clock minutes in the instance's time zone, like every time of day.
- Several windows of one weekday (availability, opening) count as their union: a piece must lie in
  one run of windows that overlap or touch.
- The break rule sums the effective minutes (work and travel) of a run; pauses shorter than
  `break_minutes` end no run but are not effective work.
- The weekly rest is the longest gap between working days' spans (first start to last end), clipped
  to the civil week.
- A piece with an unknown or inconsistent id, a malformed interval or outside the horizon is
  reported once and left out of every other check, so that one mistake gives one violation.

The soft terms (`objective_counts`, `objective_terms`) are documented on `objective_counts`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

from solver.french import clock_hours, duration, weekday_date
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
    Rota,
    Rules,
    WeeklyWindow,
    Weights,
)
from solver.public_holidays import public_holiday

MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY

_Kind = Literal["work", "travel", "break"]

RULES: tuple[str, ...] = (
    "availability",
    "opening-hours",
    "cabinet-places",
    "leave",
    "public-holiday",
    "overlap",
    "travel",
    "daily-work",
    "amplitude",
    "max-vacations",
    "interruption",
    "shorter-vacation",
    "break",
    "daily-rest",
    "weekly-max",
    "twelve-week-average",
    "days-per-week",
    "sunday-rest",
    "weekly-rest",
    "contract-hours",
    "share-tolerance",
    "complementary-hours",
    "pinned",
    "protected-window",
    "grain",
    "interval",
    "horizon",
    "unknown-id",
)
"""Every rule id the checker can report."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: a stable kebab-case `rule` id and a French message for the coordinator."""

    rule: str
    assistant: AssistantId | None
    day: date | None
    message: str


# --- French wording (solver.french) ----------------------------------------------------------------


def _span(start: int, end: int) -> str:
    return f"de {clock_hours(start)} à {clock_hours(end)}"


# --- Pieces: the rota's intervals in local wall-clock minutes ---------------------------------------


@dataclass(frozen=True, slots=True)
class _Piece:
    kind: _Kind
    assistant: AssistantId
    day: date
    start: int
    end: int
    cabinet: CabinetId | None  # work: its cabinet; travel: the origin
    destination: CabinetId | None  # travel only
    contract: ContractId | None  # work only
    begin: datetime
    finish: datetime

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass(slots=True)
class _Context:
    instance: Instance
    zone: ZoneInfo
    first: date
    last: date
    assistants: dict[AssistantId, Assistant]
    cabinets: dict[CabinetId, Cabinet]
    contracts: dict[ContractId, Contract]
    pieces: list[_Piece]
    violations: list[Violation]

    def name(self, assistant: AssistantId | None) -> str:
        if assistant is None:
            return "?"
        known = self.assistants.get(assistant)
        return known.name if known is not None else assistant

    def cabinet_name(self, cabinet: CabinetId | None) -> str:
        if cabinet is None:
            return "?"
        known = self.cabinets.get(cabinet)
        return known.name if known is not None else cabinet

    def add(self, rule: str, assistant: AssistantId | None, on: date | None, message: str) -> None:
        self.violations.append(Violation(rule, assistant, on, message))

    def in_horizon(self, on: date) -> bool:
        return self.first <= on <= self.last


def _local(zone: ZoneInfo, start: datetime, end: datetime) -> tuple[date, int, int] | None:
    """(day, start minute, end minute) of an interval within one local day, or None."""
    if start.tzinfo is None or end.tzinfo is None:
        return None
    begin = start.astimezone(zone)
    finish = end.astimezone(zone)
    on = begin.date()
    start_minute = begin.hour * 60 + begin.minute
    if finish.date() == on:
        end_minute = finish.hour * 60 + finish.minute
    elif finish.date() == on + timedelta(days=1) and finish.time() == time(0):
        end_minute = MINUTES_PER_DAY
    else:
        return None
    if end_minute <= start_minute or end <= start:
        return None
    return on, start_minute, end_minute


def _on_grain(moment: datetime, zone: ZoneInfo, grain: int) -> bool:
    local = moment.astimezone(zone)
    return (
        local.second == 0
        and local.microsecond == 0
        and (local.hour * 60 + local.minute) % grain == 0
    )


_KIND_FR: dict[_Kind, str] = {"work": "L'affectation", "travel": "Le trajet", "break": "La pause"}


def _build_context(instance: Instance, rota: Rota) -> _Context:
    """Convert the rota into pieces, reporting grain, interval, horizon and unknown-id problems."""
    zone = ZoneInfo(instance.timezone)
    context = _Context(
        instance=instance,
        zone=zone,
        first=instance.start,
        last=instance.start + timedelta(days=instance.days - 1),
        assistants={a.id: a for a in instance.assistants},
        cabinets={c.id: c for c in instance.cabinets},
        contracts={c.id: c for c in instance.contracts},
        pieces=[],
        violations=[],
    )
    for assignment in rota.assignments:
        _add_piece(
            context,
            "work",
            assignment.assistant,
            assignment.start,
            assignment.end,
            cabinet=assignment.cabinet,
            contract=assignment.contract,
        )
    for leg in rota.travel:
        _add_piece(
            context,
            "travel",
            leg.assistant,
            leg.start,
            leg.end,
            cabinet=leg.origin,
            destination=leg.destination,
        )
    for pause in rota.breaks:
        _add_piece(context, "break", pause.assistant, pause.start, pause.end)
    return context


def _add_piece(
    context: _Context,
    kind: _Kind,
    assistant: AssistantId,
    start: datetime,
    end: datetime,
    *,
    cabinet: CabinetId | None = None,
    destination: CabinetId | None = None,
    contract: ContractId | None = None,
) -> None:
    name = context.name(assistant)
    what = _KIND_FR[kind]
    problems = _id_problems(context, kind, assistant, cabinet, destination, contract)
    if problems:
        for problem in problems:
            context.add(
                "unknown-id",
                assistant if assistant in context.assistants else None,
                None,
                f"{what} de {name} {problem}.",
            )
        return
    located = _local(context.zone, start, end)
    if located is None:
        context.add(
            "interval",
            assistant,
            None,
            f"{what} de {name} du {start.isoformat()} au {end.isoformat()} doit commencer "
            "avant de finir, porter un fuseau horaire et tenir dans une seule journée.",
        )
        return
    on, start_minute, end_minute = located
    if not context.in_horizon(on):
        context.add(
            "horizon",
            assistant,
            on,
            f"{what} de {name} le {weekday_date(on)} est hors de la période planifiée "
            f"(du {weekday_date(context.first)} au {weekday_date(context.last)}).",
        )
        return
    if kind == "work":
        grain = context.instance.slot_minutes
        if not (_on_grain(start, context.zone, grain) and _on_grain(end, context.zone, grain)):
            context.add(
                "grain",
                assistant,
                on,
                f"{what} de {name} le {weekday_date(on)} {_span(start_minute, end_minute)} "
                f"ne tombe pas sur la grille de {grain} min.",
            )
    context.pieces.append(
        _Piece(
            kind,
            assistant,
            on,
            start_minute,
            end_minute,
            cabinet,
            destination,
            contract,
            start,
            end,
        )
    )


def _id_problems(
    context: _Context,
    kind: _Kind,
    assistant: AssistantId,
    cabinet: CabinetId | None,
    destination: CabinetId | None,
    contract: ContractId | None,
) -> list[str]:
    problems: list[str] = []
    if assistant not in context.assistants:
        problems.append(f"désigne une assistante inconnue « {assistant} »")
    problems.extend(
        f"désigne un cabinet inconnu « {place} »"
        for place in (cabinet, destination)
        if place is not None and place not in context.cabinets
    )
    if kind == "work":
        known = context.contracts.get(contract) if contract is not None else None
        if known is None:
            problems.append(f"désigne un contrat inconnu « {contract} »")
        else:
            if known.assistant != assistant and assistant in context.assistants:
                problems.append(
                    f"relève du contrat « {known.id} », qui est celui de « {known.assistant} »"
                )
            if cabinet is not None and cabinet in context.cabinets and cabinet not in known.shares:
                problems.append(
                    f"au {context.cabinet_name(cabinet)} relève du contrat « {known.id} », "
                    "dont ce cabinet n'est pas membre"
                )
    return problems


# --- Interval helpers -------------------------------------------------------------------------------


def _merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of intervals; intervals that overlap or touch are joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _covered(intervals: Iterable[tuple[int, int]]) -> int:
    return sum(end - start for start, end in _merge(intervals))


def _inside(start: int, end: int, allowed: Sequence[tuple[int, int]]) -> bool:
    return any(a <= start and end <= b for a, b in allowed)


def _weekly_union(windows: Iterable[WeeklyWindow]) -> dict[int, list[tuple[int, int]]]:
    by_day: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for w in windows:
        by_day[w.weekday].append((w.start, w.end))
    return {weekday: _merge(spans) for weekday, spans in by_day.items()}


def _monday(on: date) -> date:
    return on - timedelta(days=on.weekday())


def horizon_weeks(instance: Instance) -> list[date]:
    """Mondays of the civil weeks that meet the horizon, in order."""
    first = _monday(instance.start)
    last = _monday(instance.start + timedelta(days=instance.days - 1))
    return [first + timedelta(weeks=k) for k in range((last - first).days // 7 + 1)]


def _by_assistant_day(pieces: Iterable[_Piece]) -> dict[AssistantId, dict[date, list[_Piece]]]:
    grouped: dict[AssistantId, dict[date, list[_Piece]]] = defaultdict(lambda: defaultdict(list))
    for piece in pieces:
        grouped[piece.assistant][piece.day].append(piece)
    for days in grouped.values():
        for day_pieces in days.values():
            day_pieces.sort(key=lambda p: (p.start, p.end))
    return grouped


def _effective(pieces: Iterable[_Piece]) -> list[_Piece]:
    return [p for p in pieces if p.kind != "break"]


# --- Leave and targets ------------------------------------------------------------------------------


def _day_start(on: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(on, time(0), tzinfo=zone)


def leave_days(assistant: Assistant, zone: ZoneInfo) -> set[date]:
    """Local days wholly covered by the assistant's leave (several periods may join up)."""
    spans = sorted((leave.start, leave.end) for leave in assistant.leave)
    merged: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    days: set[date] = set()
    for start, end in merged:
        on = start.astimezone(zone).date()
        while _day_start(on, zone) < end:
            if start <= _day_start(on, zone) and _day_start(on + timedelta(days=1), zone) <= end:
                days.add(on)
            on += timedelta(days=1)
    return days


def usual_working_days(assistant: Assistant) -> list[int]:
    """Weekdays, Monday (0) to Saturday (5), on which the assistant has an availability window."""
    return sorted({w.weekday for w in assistant.availability if w.weekday <= 5})


def _round_to_grain(value: Fraction, grain: int) -> int:
    """Nearest multiple of the grain, halves up."""
    return math.floor(value / grain + Fraction(1, 2)) * grain


def share_targets(target: int, shares: Mapping[CabinetId, int], grain: int) -> dict[CabinetId, int]:
    """Split `target` by basis-point shares on the grain, largest remainder, ties by cabinet id."""
    units = target // grain
    exact = {
        cabinet: Fraction(target * share, BASIS_POINTS * grain) for cabinet, share in shares.items()
    }
    floors = {cabinet: math.floor(value) for cabinet, value in exact.items()}
    left = units - sum(floors.values())
    order = sorted(shares, key=lambda cabinet: (-(exact[cabinet] - floors[cabinet]), cabinet))
    for cabinet in order[: max(0, left)]:
        floors[cabinet] += 1
    return {cabinet: floors[cabinet] * grain for cabinet in sorted(shares)}


def weekly_targets(
    instance: Instance,
) -> dict[tuple[ContractId, date], tuple[int, dict[CabinetId, int]]]:
    """Each contract's target and cabinets' share targets for each civil week of the horizon.

    Keys are (contract id, Monday of the week); values (week's target, {cabinet: share target}),
    following docs/rules.md "Contract hours and share targets".
    """
    zone = ZoneInfo(instance.timezone)
    first = instance.start
    last = instance.start + timedelta(days=instance.days - 1)
    assistants = {a.id: a for a in instance.assistants}
    cabinets = {c.id: c for c in instance.cabinets}
    grain = instance.slot_minutes
    targets: dict[tuple[ContractId, date], tuple[int, dict[CabinetId, int]]] = {}
    leave_by_assistant: dict[AssistantId, set[date]] = {}
    for contract in instance.contracts:
        assistant = assistants.get(contract.assistant)
        usual = usual_working_days(assistant) if assistant is not None else []
        if assistant is not None and assistant.id not in leave_by_assistant:
            leave_by_assistant[assistant.id] = leave_days(assistant, zone)
        off = leave_by_assistant.get(contract.assistant, set())
        members = [cabinets[c] for c in contract.shares if c in cabinets]
        average = Fraction(contract.weekly_minutes, len(usual)) if usual else Fraction(0)
        for monday in horizon_weeks(instance):
            reduced = 0
            for weekday in usual:
                on = monday + timedelta(days=weekday)
                if (
                    not first <= on <= last
                    or on in off
                    or (members and all(public_holiday(on, c.department) for c in members))
                ):
                    reduced += 1
            target = max(0, _round_to_grain(contract.weekly_minutes - reduced * average, grain))
            targets[(contract.id, monday)] = (target, share_targets(target, contract.shares, grain))
    return targets


def credited_minutes(instance: Instance, rota: Rota) -> dict[ContractId, dict[CabinetId, int]]:
    """Minutes credited to each contract and cabinet over the horizon: its assignments and, when
    travel counts in the contract (`Rules.travel_in_contract`), its part of the travel legs.

    Every contract's member cabinets appear (0 when unvisited); pieces the checker rejects (unknown
    ids, malformed, outside the horizon) are not counted.
    """
    context = _build_context(instance, rota)
    result: dict[ContractId, dict[CabinetId, int]] = {
        c.id: dict.fromkeys(sorted(c.shares), 0) for c in instance.contracts
    }
    for (contract, _), by_cabinet in _weekly_credit(context).items():
        for cabinet, minutes in by_cabinet.items():
            result.setdefault(contract, {})
            result[contract][cabinet] = result[contract].get(cabinet, 0) + minutes
    return result


def travel_credit(
    minutes: int, shares: Mapping[CabinetId, int], grain: int
) -> dict[CabinetId, int]:
    """A travel leg's credit to the cabinets of the contract it leads to: its minutes rounded up
    to the grain, split share by share on the grain (largest remainder, ties by cabinet id):
    docs/rules.md, "Contract hours and share targets"."""
    return share_targets(-(-minutes // grain) * grain, shares, grain)


def _weekly_credit(context: _Context) -> dict[tuple[ContractId, date], dict[CabinetId, int]]:
    """Minutes credited to each (contract, Monday of the week) and cabinet: the assignments, and
    each travel leg's split when travel counts in the contract."""
    credit: dict[tuple[ContractId, date], dict[CabinetId, int]] = defaultdict(
        lambda: defaultdict(int)
    )
    for piece in context.pieces:
        if piece.kind == "work" and piece.contract is not None and piece.cabinet is not None:
            credit[(piece.contract, _monday(piece.day))][piece.cabinet] += piece.minutes
    if context.instance.rules.travel_in_contract:
        for piece, contract in _legs_by_contract(context):
            split = travel_credit(piece.minutes, contract.shares, context.instance.slot_minutes)
            for cabinet, minutes in split.items():
                credit[(contract.id, _monday(piece.day))][cabinet] += minutes
    return credit


def _legs_by_contract(context: _Context) -> list[tuple[_Piece, Contract]]:
    """Each travel leg with the contract it counts for: that of the assignment it leads to, the
    same assistant's work that starts at the destination, that day, when the leg ends (a leg that
    leads to no assignment counts for none)."""
    arrivals = {
        (p.assistant, p.day, p.cabinet, p.start): p.contract
        for p in context.pieces
        if p.kind == "work" and p.contract is not None
    }
    out: list[tuple[_Piece, Contract]] = []
    for piece in context.pieces:
        if piece.kind != "travel":
            continue
        led_to = arrivals.get((piece.assistant, piece.day, piece.destination, piece.end))
        contract = context.contracts.get(led_to) if led_to is not None else None
        if contract is not None:
            out.append((piece, contract))
    return out


def complementary_limit(rules: Rules, weekly_minutes: int, target: int) -> int | None:
    """The most travel a part-time contract may take beyond its hours in a week, as heures
    complémentaires (Code du travail L3123-20 and L3123-9): a tenth of its weekly minutes, or a
    third under an accord, and never so much that the week reaches full time; None for a
    full-time contract (its travel is overtime, bounded by the weekly maximum) or when travel
    counts in the contract."""
    if rules.travel_in_contract or weekly_minutes >= rules.full_time_weekly_minutes:
        return None
    part = weekly_minutes // 3 if rules.complementary_accord else weekly_minutes // 10
    return max(0, min(part, rules.full_time_weekly_minutes - 1 - target))


def _check_complementary(context: _Context) -> None:
    """Travel paid beyond a part-time contract within the complementary hours' limit, week by week."""
    rules = context.instance.rules
    travel: dict[tuple[ContractId, date], int] = defaultdict(int)
    for piece, contract in _legs_by_contract(context):
        travel[(contract.id, _monday(piece.day))] += piece.minutes
    targets = weekly_targets(context.instance)
    for (contract_id, monday), minutes in sorted(travel.items()):
        contract = context.contracts[contract_id]
        target = targets.get((contract_id, monday), (contract.weekly_minutes, {}))[0]
        limit = complementary_limit(rules, contract.weekly_minutes, target)
        if limit is None or minutes <= limit:
            continue
        context.add(
            "complementary-hours",
            contract.assistant,
            monday,
            f"{context.name(contract.assistant)} fait {duration(minutes)} de trajet au titre du "
            f"contrat « {contract_id} » la semaine du {weekday_date(monday)}, au-delà de ses "
            f"{duration(contract.weekly_minutes)} : en heures complémentaires, au plus "
            f"{duration(limit)}.",
        )


# --- Rule checks ------------------------------------------------------------------------------------


def _check_availability(context: _Context) -> None:
    unions = {a.id: _weekly_union(a.availability) for a in context.instance.assistants}
    for piece in context.pieces:
        if piece.kind == "break":
            continue
        allowed = unions[piece.assistant].get(piece.day.weekday(), [])
        if not _inside(piece.start, piece.end, allowed):
            what = "travaille" if piece.kind == "work" else "est en trajet"
            context.add(
                "availability",
                piece.assistant,
                piece.day,
                f"{context.name(piece.assistant)} {what} le {weekday_date(piece.day)} "
                f"{_span(piece.start, piece.end)}, hors de ses disponibilités.",
            )


def _check_opening(context: _Context) -> None:
    unions = {c.id: _weekly_union(c.opening) for c in context.instance.cabinets}
    for piece in context.pieces:
        if piece.kind != "work" or piece.cabinet is None:
            continue
        if not _inside(piece.start, piece.end, unions[piece.cabinet].get(piece.day.weekday(), [])):
            context.add(
                "opening-hours",
                piece.assistant,
                piece.day,
                f"{context.name(piece.assistant)} est placée au "
                f"{context.cabinet_name(piece.cabinet)} le {weekday_date(piece.day)} "
                f"{_span(piece.start, piece.end)}, hors des heures d'ouverture du cabinet.",
            )


def _check_places(context: _Context) -> None:
    by_cabinet_day: dict[tuple[CabinetId, date], list[_Piece]] = defaultdict(list)
    for piece in context.pieces:
        if piece.kind == "work" and piece.cabinet is not None:
            by_cabinet_day[(piece.cabinet, piece.day)].append(piece)
    for (cabinet, on), pieces in sorted(by_cabinet_day.items()):
        places = context.cabinets[cabinet].places
        if len({p.assistant for p in pieces}) <= places:
            continue
        bounds = sorted({p.start for p in pieces} | {p.end for p in pieces})
        for start, end in pairwise(bounds):
            present = sorted({p.assistant for p in pieces if p.start < end and start < p.end})
            if len(present) > places:
                names = ", ".join(context.name(a) for a in present)
                context.add(
                    "cabinet-places",
                    None,
                    on,
                    f"Le {context.cabinet_name(cabinet)} reçoit {len(present)} assistantes "
                    f"({names}) le {weekday_date(on)} {_span(start, end)} : "
                    f"il n'a que {places} place(s).",
                )
                break


def _check_leave(context: _Context) -> None:
    for piece in context.pieces:
        if piece.kind == "break":
            continue
        for leave in context.assistants[piece.assistant].leave:
            if piece.begin < leave.end and leave.start < piece.finish:
                what = "travaille" if piece.kind == "work" else "est en trajet"
                context.add(
                    "leave",
                    piece.assistant,
                    piece.day,
                    f"{context.name(piece.assistant)} {what} le {weekday_date(piece.day)} "
                    f"{_span(piece.start, piece.end)} alors qu'elle est en congé.",
                )
                break


def _check_public_holidays(context: _Context) -> None:
    for piece in context.pieces:
        if piece.kind != "work" or piece.cabinet is None:
            continue
        holiday = public_holiday(piece.day, context.cabinets[piece.cabinet].department)
        if holiday is not None:
            context.add(
                "public-holiday",
                piece.assistant,
                piece.day,
                f"{context.name(piece.assistant)} est placée au "
                f"{context.cabinet_name(piece.cabinet)} le {weekday_date(piece.day)}, "
                f"jour férié ({holiday}).",
            )


def _check_overlap(context: _Context, days: dict[AssistantId, dict[date, list[_Piece]]]) -> None:
    for assistant, by_day in days.items():
        for on, pieces in sorted(by_day.items()):
            latest: _Piece | None = None
            for piece in pieces:
                if latest is not None and piece.start < latest.end:
                    context.add(
                        "overlap",
                        assistant,
                        on,
                        f"{context.name(assistant)} a deux occupations en même temps le "
                        f"{weekday_date(on)} : {_span(latest.start, latest.end)} et "
                        f"{_span(piece.start, piece.end)}.",
                    )
                if latest is None or piece.end > latest.end:
                    latest = piece


def _check_travel(context: _Context, days: dict[AssistantId, dict[date, list[_Piece]]]) -> None:
    instance = context.instance
    for assistant, by_day in days.items():
        name = context.name(assistant)
        for on, pieces in sorted(by_day.items()):
            works = [p for p in pieces if p.kind == "work"]
            legs = [p for p in pieces if p.kind == "travel"]
            used: set[int] = set()
            for before, after in pairwise(works):
                if before.cabinet == after.cabinet or after.start < before.end:
                    continue  # same place, or an overlap reported on its own
                origin, destination = before.cabinet, after.cabinet
                assert origin is not None and destination is not None
                road = instance.travel(origin, destination)
                route = f"du {context.cabinet_name(origin)} au {context.cabinet_name(destination)}"
                match = next(
                    (
                        i
                        for i, leg in enumerate(legs)
                        if i not in used
                        and leg.cabinet == origin
                        and leg.destination == destination
                        and leg.start >= before.end
                        and leg.end == after.start
                    ),
                    None,
                )
                if match is not None:
                    used.add(match)
                if road is None:
                    context.add(
                        "travel",
                        assistant,
                        on,
                        f"{name} va {route} le {weekday_date(on)} : aucun temps de trajet "
                        "n'est connu entre ces cabinets, ils ne peuvent pas s'enchaîner "
                        "le même jour.",
                    )
                elif match is None:
                    context.add(
                        "travel",
                        assistant,
                        on,
                        f"{name} va {route} le {weekday_date(on)} sans trajet prévu entre "
                        f"{clock_hours(before.end)} et {clock_hours(after.start)} "
                        f"({duration(road)} de route).",
                    )
                elif legs[match].minutes != road:
                    context.add(
                        "travel",
                        assistant,
                        on,
                        f"Le trajet de {name} {route} le {weekday_date(on)} dure "
                        f"{duration(legs[match].minutes)} au lieu de "
                        f"{duration(road)} de route.",
                    )
            for i, leg in enumerate(legs):
                if i not in used:
                    context.add(
                        "travel",
                        assistant,
                        on,
                        f"Le trajet de {name} du {context.cabinet_name(leg.cabinet)} au "
                        f"{context.cabinet_name(leg.destination)} le {weekday_date(on)} "
                        f"{_span(leg.start, leg.end)} ne relie pas deux affectations "
                        "consécutives dans ces deux cabinets.",
                    )


def _vacations(pieces: Sequence[_Piece]) -> list[tuple[int, int]]:
    return _merge((p.start, p.end) for p in pieces)


def _check_days(context: _Context, days: dict[AssistantId, dict[date, list[_Piece]]]) -> None:
    """Daily rules: work, amplitude, vacations, interruption, shorter vacation, break."""
    rules = context.instance.rules
    for assistant, by_day in days.items():
        name = context.name(assistant)
        for on, pieces in sorted(by_day.items()):
            effective = _effective(pieces)
            worked = _covered((p.start, p.end) for p in effective)
            if worked > rules.max_daily_minutes:
                context.add(
                    "daily-work",
                    assistant,
                    on,
                    f"{name} travaille {duration(worked)} le {weekday_date(on)} : au plus "
                    f"{duration(rules.max_daily_minutes)} par jour.",
                )
            amplitude = max(p.end for p in pieces) - min(p.start for p in pieces)
            if amplitude > rules.max_amplitude_minutes:
                context.add(
                    "amplitude",
                    assistant,
                    on,
                    f"La journée de {name} le {weekday_date(on)} s'étend sur {duration(amplitude)} "
                    f"(amplitude) : au plus {duration(rules.max_amplitude_minutes)}.",
                )
            vacations = _vacations(pieces)
            if len(vacations) > rules.max_vacations_per_day:
                context.add(
                    "max-vacations",
                    assistant,
                    on,
                    f"{name} a {len(vacations)} vacations le {weekday_date(on)} : au plus "
                    f"{rules.max_vacations_per_day} par jour.",
                )
            for (_, end), (start, _) in pairwise(vacations):
                if start - end > rules.max_interruption_minutes:
                    context.add(
                        "interruption",
                        assistant,
                        on,
                        f"{name} a une coupure de {duration(start - end)} le {weekday_date(on)} "
                        f"({_span(end, start)}) : au plus "
                        f"{duration(rules.max_interruption_minutes)}.",
                    )
            if len(vacations) >= 2:
                for start, end in vacations:
                    if end - start < rules.min_vacation_minutes:
                        context.add(
                            "shorter-vacation",
                            assistant,
                            on,
                            f"La vacation de {name} le {weekday_date(on)} {_span(start, end)} ne dure que "
                            f"{duration(end - start)} : au moins "
                            f"{duration(rules.min_vacation_minutes)} quand la "
                            "journée est coupée.",
                        )
            _check_breaks(context, assistant, on, pieces)


def _check_breaks(
    context: _Context, assistant: AssistantId, on: date, pieces: Sequence[_Piece]
) -> None:
    rules = context.instance.rules
    name = context.name(assistant)
    effective = sorted((p.start, p.end) for p in _effective(pieces))
    run: list[tuple[int, int]] = []
    for start, end in effective:
        if run and start - max(e for _, e in run) >= rules.break_minutes:
            _report_run(context, assistant, on, run)
            run = []
        run.append((start, end))
    if run:
        _report_run(context, assistant, on, run)
    for pause in (p for p in pieces if p.kind == "break"):
        touches_before = any(p.end == pause.start for p in pieces if p.kind != "break")
        touches_after = any(p.start == pause.end for p in pieces if p.kind != "break")
        if pause.minutes < rules.break_minutes or not (touches_before and touches_after):
            context.add(
                "break",
                assistant,
                on,
                f"La pause de {name} le {weekday_date(on)} {_span(pause.start, pause.end)} "
                f"doit durer au moins {duration(rules.break_minutes)} et se placer "
                "entre deux périodes de travail qui la touchent.",
            )


def _report_run(
    context: _Context, assistant: AssistantId, on: date, run: list[tuple[int, int]]
) -> None:
    rules = context.instance.rules
    worked = _covered(run)
    if worked > rules.break_after_minutes:
        start, end = run[0][0], max(e for _, e in run)
        context.add(
            "break",
            assistant,
            on,
            f"{context.name(assistant)} travaille {duration(worked)} sans pause "
            f"d'au moins {duration(rules.break_minutes)} le {weekday_date(on)} "
            f"({_span(start, end)}) : pause obligatoire après "
            f"{duration(rules.break_after_minutes)}.",
        )


def _check_daily_rest(context: _Context, days: dict[AssistantId, dict[date, list[_Piece]]]) -> None:
    rules = context.instance.rules
    for assistant, by_day in days.items():
        ordered = sorted(by_day.items())
        for (day_before, before), (day_after, after) in pairwise(ordered):
            last_end = max(p.end for p in before)
            first_start = min(p.start for p in after)
            rest = (day_after - day_before).days * MINUTES_PER_DAY + first_start - last_end
            if rest < rules.min_daily_rest_minutes:
                context.add(
                    "daily-rest",
                    assistant,
                    day_after,
                    f"{context.name(assistant)} ne se repose que {duration(rest)} "
                    f"entre le {weekday_date(day_before)} ({clock_hours(last_end)}) et le "
                    f"{weekday_date(day_after)} ({clock_hours(first_start)}) : au moins "
                    f"{duration(rules.min_daily_rest_minutes)}.",
                )


def _week_minutes(by_day: Mapping[date, list[_Piece]], monday: date) -> int:
    total = 0
    for offset in range(7):
        pieces = by_day.get(monday + timedelta(days=offset))
        if pieces:
            total += _covered((p.start, p.end) for p in _effective(pieces))
    return total


def _check_weeks(context: _Context, days: dict[AssistantId, dict[date, list[_Piece]]]) -> None:
    """Weekly rules: maximum, 12-week average, days per week, Sunday rest, weekly rest."""
    instance = context.instance
    rules = instance.rules
    weeks = horizon_weeks(instance)
    for assistant in instance.assistants:
        by_day = days.get(assistant.id, {})
        name = assistant.name
        totals = [_week_minutes(by_day, monday) for monday in weeks]
        for monday, total in zip(weeks, totals, strict=True):
            if total > rules.max_weekly_minutes:
                context.add(
                    "weekly-max",
                    assistant.id,
                    monday,
                    f"{name} travaille {duration(total)} la semaine du {weekday_date(monday)} : au plus "
                    f"{duration(rules.max_weekly_minutes)} par semaine.",
                )
            worked_days = [
                monday + timedelta(days=k)
                for k in range(7)
                if by_day.get(monday + timedelta(days=k))
            ]
            if len(worked_days) > rules.max_days_per_week:
                context.add(
                    "days-per-week",
                    assistant.id,
                    monday,
                    f"{name} travaille {len(worked_days)} jours la semaine du {weekday_date(monday)} : au plus "
                    f"{rules.max_days_per_week}.",
                )
            sunday = monday + timedelta(days=6)
            if rules.sunday_rest and sunday in worked_days:
                context.add(
                    "sunday-rest",
                    assistant.id,
                    sunday,
                    f"{name} travaille le {weekday_date(sunday)} : le dimanche est le jour "
                    "de repos hebdomadaire.",
                )
            if monday >= context.first and sunday <= context.last:
                rest = _longest_rest(by_day, monday)
                if rest < rules.min_weekly_rest_minutes:
                    context.add(
                        "weekly-rest",
                        assistant.id,
                        monday,
                        f"{name} n'a que {duration(rest)} de repos d'affilée la semaine du {weekday_date(monday)} : "
                        f"au moins {duration(rules.min_weekly_rest_minutes)}.",
                    )
        _check_average(context, assistant, weeks, totals)


def _longest_rest(by_day: Mapping[date, list[_Piece]], monday: date) -> int:
    spans: list[tuple[int, int]] = []
    for offset in range(7):
        pieces = by_day.get(monday + timedelta(days=offset))
        if pieces:
            base = offset * MINUTES_PER_DAY
            spans.append((base + min(p.start for p in pieces), base + max(p.end for p in pieces)))
    cursor = 0
    longest = 0
    for start, end in spans:
        longest = max(longest, start - cursor)
        cursor = max(cursor, end)
    return max(longest, MINUTES_PER_WEEK - cursor)


def _check_average(
    context: _Context, assistant: Assistant, weeks: list[date], totals: list[int]
) -> None:
    rules = context.instance.rules
    span = rules.average_weeks
    limit = span * rules.max_average_weekly_minutes
    before = list(assistant.worked_minutes_before)
    # Index 0 is the horizon's first week; negative indexes reach back into `before`.
    history = {k - len(before): minutes for k, minutes in enumerate(before)}
    history.update(enumerate(totals))
    for k, monday in enumerate(weeks):
        total = sum(history.get(j, 0) for j in range(k - span + 1, k + 1))
        if total > limit:
            context.add(
                "twelve-week-average",
                assistant.id,
                monday,
                f"{assistant.name} travaille {duration(total)} sur les {span} "
                f"semaines finissant la semaine du {weekday_date(monday)} : au plus "
                f"{duration(rules.max_average_weekly_minutes)} par semaine en "
                "moyenne.",
            )


def _check_contracts(context: _Context) -> None:
    """Contract hours and share tolerance, week by week."""
    minutes = _weekly_credit(context)
    tolerance = context.instance.rules.share_tolerance_minutes
    for (contract_id, monday), (target, shares) in sorted(weekly_targets(context.instance).items()):
        contract = context.contracts[contract_id]
        name = context.name(contract.assistant)
        got = minutes.get((contract_id, monday), {})
        total = sum(got.values())
        if protected_week(context.instance, monday):
            # What the notice window froze stays; hours lost to an absence are not made up here.
            if total > contract.weekly_minutes:
                context.add(
                    "contract-hours",
                    contract.assistant,
                    monday,
                    f"{name} a {duration(total)} au titre du contrat « {contract_id} » "
                    f"la semaine du {weekday_date(monday)} : le contrat en prévoit au plus {duration(contract.weekly_minutes)}.",
                )
            continue
        if total != target:
            context.add(
                "contract-hours",
                contract.assistant,
                monday,
                f"{name} a {duration(total)} au titre du contrat « {contract_id} » "
                f"la semaine du {weekday_date(monday)} : le contrat en prévoit {duration(target)}.",
            )
        for cabinet, share in shares.items():
            received = got.get(cabinet, 0)
            if abs(received - share) > tolerance:
                context.add(
                    "share-tolerance",
                    contract.assistant,
                    monday,
                    f"Le {context.cabinet_name(cabinet)} reçoit {duration(received)} "
                    f"de {name} la semaine du {weekday_date(monday)} au lieu de {duration(share)} "
                    f"(contrat « {contract_id} », tolérance {duration(tolerance)}).",
                )


def protected_week(instance: Instance, monday: date) -> bool:
    """True for a week that starts inside a re-plan's protected window (rules.md, contract hours)."""
    replan = instance.replan
    if replan.protected_until is None or not replan.published:
        return False
    zone = ZoneInfo(instance.timezone)
    return datetime.combine(monday, time(0), zone) < replan.protected_until


def _describe(context: _Context, assignment: Assignment) -> str:
    located = _local(context.zone, assignment.start, assignment.end)
    where = context.cabinet_name(assignment.cabinet)
    if located is None:
        return f"{context.name(assignment.assistant)} au {where} ({assignment.start.isoformat()})"
    on, start, end = located
    return (
        f"{context.name(assignment.assistant)} au {where} le {weekday_date(on)} {_span(start, end)}"
    )


def _assignment_day(context: _Context, assignment: Assignment) -> date:
    return assignment.start.astimezone(context.zone).date()


def _check_replan(context: _Context, rota: Rota) -> None:
    """Pinned assignments are kept; protected published ones of the horizon too, unless on leave."""
    present = set(rota.assignments)
    replan = context.instance.replan
    for pinned in replan.pinned:
        if pinned not in present:
            context.add(
                "pinned",
                pinned.assistant,
                _assignment_day(context, pinned),
                f"L'affectation imposée de {_describe(context, pinned)} manque au planning.",
            )
    if replan.protected_until is None:
        return
    reported = {change.before for change in rota.changes if change.before is not None}
    for published in replan.published:
        # Published assignments before the horizon are history, not part of this plan.
        if published.start >= replan.protected_until or not context.in_horizon(
            _assignment_day(context, published)
        ):
            continue
        assistant = context.assistants.get(published.assistant)
        on_leave = assistant is not None and any(
            published.start < leave.end and leave.start < published.end for leave in assistant.leave
        )
        on = _assignment_day(context, published)
        if on_leave:
            if published not in present and published not in reported:
                context.add(
                    "protected-window",
                    published.assistant,
                    on,
                    f"L'affectation publiée de {_describe(context, published)} est retirée "
                    "pour congé sans que le changement soit signalé.",
                )
        elif published not in present:
            context.add(
                "protected-window",
                published.assistant,
                on,
                f"L'affectation publiée de {_describe(context, published)} est modifiée "
                "alors qu'elle est dans le délai de prévenance.",
            )


def check_rota(instance: Instance, rota: Rota) -> list[Violation]:
    """Every violation of the hard rules of docs/rules.md by the rota's assignments.

    Parameters:
        instance: the planning problem the rota answers.
        rota: the rota to check; its status is not looked at (an infeasible rota with no assignment
            breaks the contract hours).

    Returns:
        The violations, sorted by assistant, day and rule; empty when the rota keeps every rule.
    """
    context = _build_context(instance, rota)
    days = _by_assistant_day(context.pieces)
    _check_availability(context)
    _check_opening(context)
    _check_places(context)
    _check_leave(context)
    _check_public_holidays(context)
    _check_overlap(context, days)
    _check_travel(context, days)
    _check_days(context, days)
    _check_daily_rest(context, days)
    _check_weeks(context, days)
    _check_contracts(context)
    _check_complementary(context)
    _check_replan(context, rota)
    return sorted(
        context.violations,
        key=lambda v: (v.assistant or "", v.day or date.min, v.rule, v.message),
    )


# --- Soft terms -------------------------------------------------------------------------------------


def _uncovered(span: tuple[int, int], covered: Sequence[tuple[int, int]]) -> int:
    start, end = span
    inside = sum(max(0, min(end, b) - max(start, a)) for a, b in covered)
    return end - start - inside


def objective_counts(instance: Instance, rota: Rota) -> dict[str, int]:
    """The soft terms of docs/rules.md before weighting, one key per field of `Weights`.

    What each term counts (pieces the checker rejects are left out):

    - `share_deviation`: for each contract and member cabinet, |minutes credited over the horizon
      + balance_minutes − sum of the weekly share targets over the horizon's weeks|, summed.
    - `session_uncovered`: for each cabinet, each horizon day that is not one of its public holidays
      and each session of that weekday, the session's minutes with no assignment (any assistant) at
      the cabinet, times the session's `weight`, summed.
    - `request_uncovered`: the same for each dated request whose date is in the horizon.
    - `travel_minutes`: minutes of all travel legs. `site_changes`: number of travel legs.
    - `stability_changes`: for each published assignment of a horizon day, its minutes not covered by
      an assignment of the rota with the same assistant and cabinet (any contract).
    - `pattern_changes`: for each assistant and each horizon day from the 8th on, 1 when she works
      both that day and the same weekday of the horizon's first 7 days and the sets of cabinets she
      works at on the two days differ.
    - `preference_violations`: assignment minutes on a preferred day off, plus minutes of the other
      days' assignments before `earliest_start` or after `latest_end`.
    """
    context = _build_context(instance, rota)
    works = [p for p in context.pieces if p.kind == "work"]
    legs = [p for p in context.pieces if p.kind == "travel"]
    sessions, requests = _uncovered_presence(instance, works)
    counts = {
        "share_deviation": _share_deviation(instance, rota),
        "session_uncovered": sessions,
        "request_uncovered": requests,
        "travel_minutes": sum(p.minutes for p in legs),
        "site_changes": len(legs),
        "stability_changes": _stability_changes(context, works),
        "pattern_changes": _pattern_changes(instance, works),
        "preference_violations": _preference_violations(context, works),
    }
    assert set(counts) == {f.name for f in fields(Weights)}
    return counts


def _share_deviation(instance: Instance, rota: Rota) -> int:
    credited = credited_minutes(instance, rota)
    targets = weekly_targets(instance)
    weeks = horizon_weeks(instance)
    total = 0
    for contract in instance.contracts:
        for cabinet in contract.shares:
            wanted = sum(targets[(contract.id, monday)][1][cabinet] for monday in weeks)
            got = credited[contract.id][cabinet] + contract.balance_minutes.get(cabinet, 0)
            total += abs(got - wanted)
    return total


def _uncovered_presence(instance: Instance, works: Sequence[_Piece]) -> tuple[int, int]:
    """(weighted uncovered session minutes, weighted uncovered request minutes)."""
    at_cabinet: dict[tuple[CabinetId | None, date], list[tuple[int, int]]] = defaultdict(list)
    for piece in works:
        at_cabinet[(piece.cabinet, piece.day)].append((piece.start, piece.end))
    merged = {key: _merge(spans) for key, spans in at_cabinet.items()}
    sessions = requests = 0
    for place in instance.cabinets:
        for offset in range(instance.days):
            on = instance.start + timedelta(days=offset)
            if public_holiday(on, place.department) is not None:
                continue
            covered = merged.get((place.id, on), [])
            for session in place.sessions:
                if session.weekday == on.weekday():
                    sessions += session.weight * _uncovered((session.start, session.end), covered)
            for request in place.requests:
                if request.date == on:
                    requests += request.weight * _uncovered((request.start, request.end), covered)
    return sessions, requests


def _stability_changes(context: _Context, works: Sequence[_Piece]) -> int:
    mine: dict[tuple[AssistantId, CabinetId | None, date], list[tuple[int, int]]] = defaultdict(
        list
    )
    for piece in works:
        mine[(piece.assistant, piece.cabinet, piece.day)].append((piece.start, piece.end))
    total = 0
    for published in context.instance.replan.published:
        located = _local(context.zone, published.start, published.end)
        if located is None or not context.in_horizon(located[0]):
            continue
        on, start, end = located
        key = (published.assistant, published.cabinet, on)
        total += _uncovered((start, end), _merge(mine.get(key, [])))
    return total


def _pattern_changes(instance: Instance, works: Sequence[_Piece]) -> int:
    sites: dict[tuple[AssistantId, date], set[CabinetId | None]] = defaultdict(set)
    for piece in works:
        sites[(piece.assistant, piece.day)].add(piece.cabinet)
    total = 0
    for assistant in instance.assistants:
        for offset in range(7, instance.days):
            on = instance.start + timedelta(days=offset)
            reference = instance.start + timedelta(days=offset % 7)
            now, then = sites.get((assistant.id, on)), sites.get((assistant.id, reference))
            if now and then and now != then:
                total += 1
    return total


def _preference_violations(context: _Context, works: Sequence[_Piece]) -> int:
    total = 0
    for piece in works:
        preferences = context.assistants[piece.assistant].preferences
        if piece.day.weekday() in preferences.days_off:
            total += piece.minutes
            continue
        if preferences.earliest_start is not None:
            total += max(0, min(piece.end, preferences.earliest_start) - piece.start)
        if preferences.latest_end is not None:
            total += max(0, piece.end - max(piece.start, preferences.latest_end))
    return total


def objective_terms(instance: Instance, rota: Rota) -> dict[str, int]:
    """Each soft term weighted by `instance.weights` (the planner's `Rota.objective_terms`)."""
    weights = instance.weights
    return {
        name: count * getattr(weights, name)
        for name, count in objective_counts(instance, rota).items()
    }


def objective_total(instance: Instance, rota: Rota) -> int:
    """The weighted objective: the sum of `objective_terms`."""
    return sum(objective_terms(instance, rota).values())
