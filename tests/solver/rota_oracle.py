"""A test oracle for the soft terms of docs/rules.md, sharing no code with `solver/`.

It reads an instance and a rota through their plain fields only and recounts every soft term with
sets of minutes rather than sorted intervals, and the public holidays straight from the `holidays`
package, so that a slip in `solver.validation.objective_counts` (or in the planner's own terms)
cannot repeat itself here. Rotas given to it are valid (every piece within one local day).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from functools import cache
from typing import TypeVar
from zoneinfo import ZoneInfo

import holidays

from solver.model import Assistant, Instance, Rota

K = TypeVar("K", bound=str)
"""A cabinet id, of whichever str type the caller holds."""

_ALSACE_MOSELLE = {"57": "57", "67": "6AE", "68": "6AE"}
_OVERSEAS = {"971", "972", "973", "974", "976"}


def is_holiday(on: date, department: str | None) -> bool:
    """Whether `on` is a French public holiday of the département (national list without one)."""
    return on in _holidays(on.year, department)


@cache
def _holidays(year: int, department: str | None) -> frozenset[date]:
    subdivision = None
    if department in _OVERSEAS:
        subdivision = department
    elif department is not None:
        subdivision = _ALSACE_MOSELLE.get(department)
    return frozenset(holidays.country_holidays("FR", years=year, subdiv=subdivision))


def _minutes(start: datetime, end: datetime, zone: ZoneInfo) -> tuple[date, set[int]]:
    """The local day of a piece and the set of its minutes after midnight."""
    begin = start.astimezone(zone)
    length = round((end - start).total_seconds()) // 60
    first = begin.hour * 60 + begin.minute
    return begin.date(), set(range(first, first + length))


def _horizon(instance: Instance) -> list[date]:
    return [instance.start + timedelta(days=k) for k in range(instance.days)]


def _whole_leave_days(assistant: Assistant, zone: ZoneInfo) -> set[date]:
    """Local days every quarter hour of which lies in some leave period (periods may join up)."""
    periods = [(leave.start, leave.end) for leave in assistant.leave]
    if not periods:
        return set()
    days: set[date] = set()
    on = min(s for s, _ in periods).astimezone(zone).date()
    last = max(e for _, e in periods).astimezone(zone).date()
    while on <= last:
        moment = datetime.combine(on, time(0), zone)
        finish = datetime.combine(on + timedelta(days=1), time(0), zone)
        while moment < finish and any(s <= moment < e for s, e in periods):
            moment += timedelta(minutes=15)
        if moment >= finish:
            days.add(on)
        on += timedelta(days=1)
    return days


def week_share_targets(instance: Instance) -> dict[tuple[str, date, str], int]:
    """(contract id, Monday, cabinet) -> the week's share target, from docs/rules.md's text."""
    zone = ZoneInfo(instance.timezone)
    horizon = set(_horizon(instance))
    mondays = sorted({d - timedelta(days=d.weekday()) for d in horizon})
    departments = {c.id: c.department for c in instance.cabinets}
    people = {a.id: a for a in instance.assistants}
    grain = instance.slot_minutes
    result: dict[tuple[str, date, str], int] = {}
    for contract in instance.contracts:
        person = people[contract.assistant]
        usual = sorted({w.weekday for w in person.availability if w.weekday < 6})
        off = _whole_leave_days(person, zone)
        for monday in mondays:
            reduced = 0
            for weekday in usual:
                on = monday + timedelta(days=weekday)
                closed = all(is_holiday(on, departments[c]) for c in contract.shares)
                if on not in horizon or on in off or closed:
                    reduced += 1
            exact = Fraction(contract.weekly_minutes) - Fraction(
                reduced * contract.weekly_minutes, len(usual)
            )
            # Nearest multiple of the grain, halves up, never below 0.
            units = int((exact / grain + Fraction(1, 2)) // 1)
            target = max(0, units) * grain
            for cabinet, minutes in _on_the_grain(target, contract.shares, grain).items():
                result[(contract.id, monday, cabinet)] = minutes
    return result


def _on_the_grain(total: int, shares: Mapping[K, int], grain: int) -> dict[K, int]:
    """`total` minutes (a multiple of the grain) split by the shares (basis points) in whole
    grains: the floors first, then one more grain to the largest remainders, ties by cabinet id."""
    quotas = {cabinet: Fraction(total * share, 10_000 * grain) for cabinet, share in shares.items()}
    given = {cabinet: int(q // 1) for cabinet, q in quotas.items()}
    spare = total // grain - sum(given.values())
    for cabinet in sorted(quotas, key=lambda c: (given[c] - quotas[c], c))[:spare]:
        given[cabinet] += 1
    return {cabinet: units * grain for cabinet, units in given.items()}


def soft_counts(instance: Instance, rota: Rota) -> dict[str, int]:
    """Every soft term of docs/rules.md before weighting, counted afresh."""
    zone = ZoneInfo(instance.timezone)
    horizon = _horizon(instance)
    present: dict[tuple[str, date], set[int]] = defaultdict(set)
    own: dict[tuple[str, str, date], set[int]] = defaultdict(set)
    sites: dict[tuple[str, date], set[str]] = defaultdict(set)
    credited: dict[tuple[str, str], int] = defaultdict(int)
    preference = 0
    people = {a.id: a for a in instance.assistants}
    for piece in rota.assignments:
        on, minutes = _minutes(piece.start, piece.end, zone)
        present[(piece.cabinet, on)] |= minutes
        own[(piece.assistant, piece.cabinet, on)] |= minutes
        sites[(piece.assistant, on)].add(piece.cabinet)
        credited[(piece.contract, piece.cabinet)] += len(minutes)
        wishes = people[piece.assistant].preferences
        if on.weekday() in wishes.days_off:
            preference += len(minutes)
        else:
            if wishes.earliest_start is not None:
                preference += sum(1 for m in minutes if m < wishes.earliest_start)
            if wishes.latest_end is not None:
                preference += sum(1 for m in minutes if m >= wishes.latest_end)
    if instance.rules.travel_in_contract:
        # A leg counts for the contract of the assignment it leads to, rounded up to the grain and
        # split by its shares on the grain: floors first, then one more grain to the largest
        # remainders (ties by id).
        grain = instance.slot_minutes
        contracts = {k.id: k for k in instance.contracts}
        for leg in rota.travel:
            after = [
                a
                for a in rota.assignments
                if a.assistant == leg.assistant
                and a.cabinet == leg.destination
                and a.start == leg.end
            ]
            if not after:
                continue
            contract = contracts[after[0].contract]
            length = round((leg.end - leg.start).total_seconds()) // 60
            rounded = -(-length // grain) * grain
            for c, v in _on_the_grain(rounded, contract.shares, grain).items():
                credited[(contract.id, c)] += v
    targets = week_share_targets(instance)
    share_deviation = 0
    for contract in instance.contracts:
        for cabinet in contract.shares:
            wanted = sum(v for (k, _, c), v in targets.items() if k == contract.id and c == cabinet)
            got = credited[(contract.id, cabinet)] + contract.balance_minutes.get(cabinet, 0)
            share_deviation += abs(got - wanted)
    sessions = requests = 0
    for place in instance.cabinets:
        for on in horizon:
            if is_holiday(on, place.department):
                continue
            there = present[(place.id, on)]
            for session in place.sessions:
                if session.weekday == on.weekday():
                    missing = set(range(session.start, session.end)) - there
                    sessions += session.weight * len(missing)
            for request in place.requests:
                if request.date == on:
                    missing = set(range(request.start, request.end)) - there
                    requests += request.weight * len(missing)
    stability = 0
    for published in instance.replan.published:
        on, minutes = _minutes(published.start, published.end, zone)
        if on in horizon:
            stability += len(minutes - own[(published.assistant, published.cabinet, on)])
    pattern = 0
    for person in instance.assistants:
        for offset in range(7, instance.days):
            now = sites.get((person.id, horizon[offset]))
            then = sites.get((person.id, horizon[offset % 7]))
            pattern += int(bool(now) and bool(then) and now != then)
    travel = 0
    for leg in rota.travel:
        travel += round((leg.end - leg.start).total_seconds()) // 60
    return {
        "share_deviation": share_deviation,
        "session_uncovered": sessions,
        "request_uncovered": requests,
        "travel_minutes": travel,
        "site_changes": len(rota.travel),
        "stability_changes": stability,
        "pattern_changes": pattern,
        "preference_violations": preference,
    }
