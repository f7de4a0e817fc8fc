"""Property: on random valid small instances, every rota the planner finds keeps every hard rule.

Rule under test: all hard rules of docs/rules.md at once, and the soft terms' exact reading. For
random instances (assistants, cabinets, windows, sessions, requests, leave, preferences, places,
travel, two weeks now and then), a feasible answer passes `solver.validation.check_rota` with no
violation and its `objective_terms` equal those recomputed by the checker and by the test oracle
(`tests.solver.rota_oracle`, which shares no code with `solver/`); an infeasible answer carries an
explanation.

Generated rotas (no solve): groupements of up to 5 assistants sharing up to 4 cabinets over 1 to 3
weeks, with leave, public holidays, travel, sessions, requests, preferences, history and re-plans,
valid by construction; each passes the checker and its soft terms equal the oracle's. And the
converse: for each rule the checker reports, a random corruption of a valid rota breaking that rule
is reported with it. CI runs 100 rotas and 4 corruptions per rule (derandomized);
`scripts/property` runs hundreds more (the `slow` tests).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from solver.model import (
    Assignment,
    AssistantId,
    CabinetId,
    ContractId,
    DatedRequest,
    Instance,
    Leave,
    Preferences,
    Replan,
    Rota,
    Rules,
    Session,
    Status,
    TravelLeg,
)
from solver.validation import RULES, check_rota, objective_counts
from tests.solver.builders import (
    ZONE,
    day,
    leave_period,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    make_rota,
    minutes_of,
    whole_days,
    window,
)
from tests.solver.rota_oracle import is_holiday, soft_counts
from tests.solver.solving import solve_checked

CABINETS = ("tilleuls", "parc", "gare")


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    n_cab = draw(st.integers(1, 3))
    cabinets = []
    for c in CABINETS[:n_cab]:
        opening = []
        for wd in range(6):
            if draw(st.integers(0, 3)) or wd < 2:
                lo = draw(st.sampled_from(["07:00", "08:00", "09:00"]))
                hi = (
                    draw(st.sampled_from(["12:00", "17:00", "19:00", "19:00"]))
                    if wd < 5
                    else "12:00"
                )
                opening.append(window(wd, lo, hi))
        sessions = [
            Session(
                draw(st.integers(0, 4)),
                s,
                s + draw(st.sampled_from([60, 90, 210])),
                draw(st.integers(1, 3)),
            )
            for s in draw(st.lists(st.sampled_from([480, 510, 840]), max_size=2))
        ]
        requests = [
            DatedRequest(day(draw(st.integers(0, 4))), 600, 700, 2)
            for _ in range(draw(st.integers(0, 1)))
        ]
        cabinets.append(
            make_cabinet(
                c,
                opening=opening,
                sessions=sessions,
                requests=requests,
                places=draw(st.integers(1, 2)),
            )
        )
    n_ass = draw(st.integers(1, 2))
    assistants, contracts = [], []
    for i in range(n_ass):
        aid = ("julie", "marie")[i]
        avail = [window(wd, "08:00", draw(st.sampled_from(["18:00", "19:00"]))) for wd in range(5)]
        if draw(st.booleans()):
            avail.append(window(5, "08:00", "12:00"))
        leave = [whole_days(day(draw(st.integers(0, 4))))] if draw(st.integers(0, 3)) == 0 else []
        prefs = Preferences(
            days_off=tuple(draw(st.lists(st.integers(0, 4), max_size=1))),
            earliest_start=draw(st.sampled_from([None, 540])),
            latest_end=draw(st.sampled_from([None, 1020])),
        )
        assistants.append(
            make_assistant(
                aid,
                availability=avail,
                leave=leave,
                preferences=prefs,
                worked_minutes_before=draw(st.lists(st.integers(0, 2400), max_size=3)),
            )
        )
        members = draw(
            st.lists(st.sampled_from(CABINETS[:n_cab]), min_size=1, max_size=n_cab, unique=True)
        )
        raw = [draw(st.integers(1, 6)) for _ in members]
        shares = [r * 10_000 // sum(raw) for r in raw]
        shares[0] += 10_000 - sum(shares)
        contracts.append(
            make_contract(
                f"pool-{i + 1}",
                aid,
                draw(st.sampled_from([16 * 60, 24 * 60, 35 * 60])),
                dict(zip(members, shares, strict=True)),
                {members[0]: draw(st.sampled_from([0, -30, 45]))},
            )
        )
    travel = {}
    for i, a in enumerate(CABINETS[:n_cab]):
        for b in CABINETS[i + 1 : n_cab]:
            if draw(st.integers(0, 4)):
                travel[(a, b)] = draw(st.integers(5, 30))
    return make_instance(
        assistants=assistants,
        cabinets=cabinets,
        contracts=contracts,
        travel=travel,
        days=draw(st.sampled_from([7, 7, 14])),
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_rota_passes_the_checker(instance: Instance) -> None:
    rota = solve_checked(instance, time_limit_s=1.0)
    # solve_checked re-checks every rota; a valid instance is never answered `invalid`.
    assert rota.status is not Status.INVALID
    if rota.status in (Status.OPTIMAL, Status.FEASIBLE):
        # The planner's own terms, against the oracle that shares no code with solver/.
        weights = instance.weights
        expected = {
            name: count * getattr(weights, name)
            for name, count in soft_counts(instance, rota).items()
        }
        assert dict(rota.objective_terms) == expected


# --- Generated rotas: valid by construction, checked by the checker, recounted by the oracle ------

PROPERTY_EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "0"))
"""Examples of the slow variants (scripts/property sets it; 0 skips them)."""

START_MONDAYS = (date(2026, 11, 9), date(2026, 12, 21), date(2026, 5, 4), date(2026, 7, 13))
"""Each first week holds a national public holiday (11 November, Christmas, 8 May, 14 July)."""

USUAL_DAYS = ((0, 1, 2, 3, 4), (0, 1, 2, 3), (1, 2, 3, 4), (0, 1, 3, 4))
DAY_MINUTES = 420
"""Every working day holds 7 h of work, so a contract of 7 h x usual days meets its targets."""


@dataclass(frozen=True)
class Generated:
    """A valid instance and rota, with what the generator knows of them."""

    instance: Instance
    rota: Rota
    working_days: dict[str, list[date]]
    pair_contracts: tuple[str, ...]


def _piece(person: str, contract: str, cabinet: str, on: date, start: int, end: int) -> Assignment:
    return Assignment(
        AssistantId(person),
        ContractId(contract),
        CabinetId(cabinet),
        _at(on, start),
        _at(on, end),
    )


def _at(on: date, minute: int) -> datetime:
    return datetime.combine(on, time(0), tzinfo=ZONE) + timedelta(minutes=minute)


@st.composite
def groupements(draw: st.DrawFn, *, replan: bool | None = None) -> Generated:
    """Up to 5 assistants sharing up to 4 cabinets over 1 to 3 weeks, with leave, public holidays,
    travel between cabinets, sessions, requests, preferences, history and a re-plan."""
    start = draw(st.sampled_from(START_MONDAYS))
    days = draw(st.sampled_from([7, 10, 14, 21]))
    horizon = [start + timedelta(days=k) for k in range(days)]
    department = draw(st.sampled_from([None, "57", "75"]))
    n_cab = draw(st.integers(2, 4))
    cabinet_ids = [f"c{k}" for k in range(n_cab)]
    # Travel counted in the contract (the default) takes the road's time from both pieces of a
    # two-cabinet day, half each: roads on two grains keep every piece on the grain. Paid beyond
    # the contract, roads may lie off the grain.
    counted = draw(st.booleans())
    roads = {
        (a, b): draw(st.sampled_from([30, 60] if counted else [10, 15, 20, 25, 40]))
        for i, a in enumerate(cabinet_ids)
        for b in cabinet_ids[i + 1 :]
    }
    n_ass = draw(st.integers(2, 5))
    people, contracts, assignments, legs = [], [], [], []
    working: dict[str, list[date]] = {}
    pairs: list[str] = []
    members_of: dict[str, set[str]] = {c: set() for c in cabinet_ids}
    for i in range(n_ass):
        person, contract_id = f"a{i}", f"k{i}"
        usual = draw(st.sampled_from(USUAL_DAYS))
        if i == 0 or draw(st.booleans()):
            members = draw(
                st.lists(st.sampled_from(cabinet_ids), min_size=2, max_size=2, unique=True)
            )
            shares = {members[0]: 5000, members[1]: 5000}
            pairs.append(contract_id)
        else:
            members = [draw(st.sampled_from(cabinet_ids))]
            shares = {members[0]: 10_000}
        for cabinet in members:
            members_of[cabinet].add(person)
        leave_days = draw(st.lists(st.sampled_from(horizon), max_size=3, unique=True))
        leave = [whole_days(on) for on in leave_days]
        if draw(st.booleans()):
            leave.append(leave_period(draw(st.sampled_from(horizon)), "18:30", "19:00"))
        first = draw(st.sampled_from([480, 510, 540]))
        mine = []
        for on in horizon:
            if on.weekday() not in usual or on in leave_days:
                continue
            if is_holiday(on, department):
                continue
            mine.append(on)
            if len(members) == 1:
                assignments += [
                    _piece(person, contract_id, members[0], on, first, first + 240),
                    _piece(person, contract_id, members[0], on, first + 300, first + 480),
                ]
                continue
            a, b = members if draw(st.booleans()) else members[::-1]
            road = roads.get((a, b)) or roads[(b, a)]
            gap = -(-(road + 20) // 15) * 15
            length = 210 - (road // 2 if counted else 0)
            second = first + length + gap
            assignments += [
                _piece(person, contract_id, a, on, first, first + length),
                _piece(person, contract_id, b, on, second, second + length),
            ]
            legs.append(
                TravelLeg(
                    AssistantId(person),
                    CabinetId(a),
                    CabinetId(b),
                    _at(on, second - road),
                    _at(on, second),
                )
            )
        working[person] = mine
        availability = [window(wd, "07:00", "18:30") for wd in usual]
        if draw(st.booleans()):
            availability = [
                w
                for wd in usual
                for w in (window(wd, "07:00", "12:00"), window(wd, "12:00", "18:30"))
            ]
        people.append(
            make_assistant(
                person,
                availability=availability,
                leave=leave,
                preferences=Preferences(
                    days_off=tuple(draw(st.lists(st.integers(0, 4), max_size=2, unique=True))),
                    earliest_start=draw(st.sampled_from([None, 480, 540])),
                    latest_end=draw(st.sampled_from([None, 960, 1020])),
                ),
                worked_minutes_before=draw(st.lists(st.integers(0, 2640), max_size=4)),
            )
        )
        contracts.append(
            make_contract(
                contract_id,
                person,
                DAY_MINUTES * len(usual),
                shares,
                {members[0]: draw(st.sampled_from([0, -30, 45]))},
            )
        )
    cabinets = [
        make_cabinet(
            c,
            opening=[window(wd, "07:30", "19:00") for wd in range(6)],
            department=department,
            sessions=[
                Session(
                    draw(st.integers(0, 5)),
                    s,
                    s + draw(st.sampled_from([60, 90, 210])),
                    draw(st.integers(1, 3)),
                )
                for s in draw(st.lists(st.sampled_from([480, 510, 840]), max_size=2))
            ],
            requests=[
                DatedRequest(draw(st.sampled_from(horizon)), 600, 700, 2)
                for _ in range(draw(st.integers(0, 1)))
            ],
            places=max(1, len(members_of[c])),
        )
        for c in cabinet_ids
    ]
    with_replan = draw(st.booleans()) if replan is None else replan
    plan = Replan()
    if with_replan and assignments:
        kept = tuple(assignments)
        moved = tuple(
            replace(a, start=a.start + timedelta(minutes=60), end=a.end + timedelta(minutes=60))
            for a in draw(st.lists(st.sampled_from(kept), max_size=2, unique=True))
            if a.start.date() >= start + timedelta(days=3)
        )
        plan = Replan(
            published=kept + moved,
            pinned=tuple(
                draw(st.lists(st.sampled_from(kept), min_size=1, max_size=3, unique=True))
            ),
            protected_until=_at(start + timedelta(days=3), 0),
        )
    instance = make_instance(
        assistants=people,
        cabinets=cabinets,
        contracts=contracts,
        travel=roads,
        start=start,
        days=days,
        replan=plan,
        rules=Rules(travel_in_contract=counted),
    )
    rota = make_rota(assignments, legs)
    return Generated(instance, rota, working, tuple(pairs))


def _check_generated(generated: Generated) -> None:
    instance, rota = generated.instance, generated.rota
    violations = check_rota(instance, rota)
    assert violations == [], "\n".join(f"{v.rule}: {v.message}" for v in violations)
    assert objective_counts(instance, rota) == soft_counts(instance, rota)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(groupements())
def test_generated_rotas_pass_the_checker_and_the_oracle(generated: Generated) -> None:
    _check_generated(generated)


@pytest.mark.slow
@pytest.mark.skipif(PROPERTY_EXAMPLES == 0, reason="scripts/property runs it")
@settings(max_examples=max(PROPERTY_EXAMPLES, 1), deadline=None, database=None)
@given(groupements())
def test_generated_rotas_pass_the_checker_and_the_oracle_at_length(generated: Generated) -> None:
    _check_generated(generated)


# --- The converse: one rule broken on purpose must be reported ----------------------------------


def _day_of(generated: Generated, data: st.DataObject) -> tuple[str, date, list[Assignment]]:
    """A random working day of a random assistant who works, with her assignments that day."""
    person = data.draw(st.sampled_from(sorted(p for p, d in generated.working_days.items() if d)))
    on = data.draw(st.sampled_from(generated.working_days[person]))
    pieces = [
        a for a in generated.rota.assignments if a.assistant == person and a.start.date() == on
    ]
    return person, on, pieces


def _without(rota: Rota, person: str, on: date) -> Rota:
    """The rota without the assistant's assignments and travel that day."""
    return replace(
        rota,
        assignments=tuple(
            a for a in rota.assignments if not (a.assistant == person and a.start.date() == on)
        ),
        travel=tuple(
            t for t in rota.travel if not (t.assistant == person and t.start.date() == on)
        ),
    )


def _day_as(generated: Generated, data: st.DataObject, spans: list[tuple[str, str]]) -> Rota:
    """A random working day rewritten as `spans` ("HH:MM") at its first cabinet."""
    person, on, pieces = _day_of(generated, data)
    first = min(pieces, key=lambda a: a.start)
    added = tuple(
        _piece(person, first.contract, first.cabinet, on, minutes_of(s), minutes_of(e))
        for s, e in spans
    )
    rota = _without(generated.rota, person, on)
    return replace(rota, assignments=rota.assignments + added)


def _add(rota: Rota, *pieces: Assignment) -> Rota:
    return replace(rota, assignments=rota.assignments + pieces)


def _week_one_fill(
    generated: Generated, data: st.DataObject, spans: list[tuple[str, str]], days: range
) -> Rota:
    """A random worker's first week rewritten: `spans` on each of `days` (offsets from Monday)."""
    person, _, pieces = _day_of(generated, data)
    first = pieces[0]
    rota = generated.rota
    monday = generated.instance.start
    for offset in days:
        rota = _without(rota, person, monday + timedelta(days=offset))
    added = tuple(
        _piece(
            person,
            first.contract,
            first.cabinet,
            monday + timedelta(days=k),
            minutes_of(s),
            minutes_of(e),
        )
        for k in days
        for s, e in spans
    )
    return _add(rota, *added)


Corruption = Callable[[Generated, st.DataObject], tuple[Instance, Rota]]


def _availability(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    # Availability ends at 18:30, opening at 19:00.
    return g.instance, _day_as(g, data, [("08:00", "12:00"), ("15:45", "18:45")])


def _opening(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    # Availability starts at 07:00, opening at 07:30.
    return g.instance, _day_as(g, data, [("07:15", "11:15"), ("12:15", "15:15")])


def _places(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    _, _, pieces = _day_of(g, data)
    full = pieces[0].cabinet
    cabinets = tuple(replace(c, places=0) if c.id == full else c for c in g.instance.cabinets)
    return replace(g.instance, cabinets=cabinets), g.rota


def _leave(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    person, _, pieces = _day_of(g, data)
    piece = data.draw(st.sampled_from(pieces))
    gone = Leave(
        piece.end - timedelta(minutes=15), piece.end + timedelta(minutes=15), whole_days=False
    )
    people = tuple(
        replace(a, leave=(*a.leave, gone)) if a.id == person else a for a in g.instance.assistants
    )
    return replace(g.instance, assistants=people), g.rota


def _public_holiday(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    person, _, pieces = _day_of(g, data)
    department = g.instance.cabinets[0].department
    holiday = next(
        d for k in range(7) if is_holiday(d := g.instance.start + timedelta(days=k), department)
    )
    first = pieces[0]
    return g.instance, _add(
        g.rota, _piece(person, first.contract, first.cabinet, holiday, 600, 660)
    )


def _overlap(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    _, _, pieces = _day_of(g, data)
    piece = data.draw(st.sampled_from(pieces))
    shift = timedelta(minutes=data.draw(st.sampled_from([15, 30, 60])))
    return g.instance, _add(
        g.rota, replace(piece, start=piece.start + shift, end=piece.end + shift)
    )


def _travel(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    leg = data.draw(st.sampled_from(g.rota.travel))
    others = tuple(t for t in g.rota.travel if t != leg)
    if data.draw(st.booleans()):
        return g.instance, replace(g.rota, travel=others)
    longer = replace(leg, start=leg.start - timedelta(minutes=5))
    return g.instance, replace(g.rota, travel=(*others, longer))


def _daily_work(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    return g.instance, _day_as(g, data, [("07:30", "12:30"), ("13:00", "18:30")])


def _amplitude(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    return g.instance, _day_as(g, data, [("07:30", "11:30"), ("13:30", "18:30")])


def _max_vacations(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    spans = [("08:00", "11:00"), ("11:30", "14:30"), ("15:00", "18:00")]
    return g.instance, _day_as(g, data, spans)


def _interruption(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    return g.instance, _day_as(g, data, [("08:00", "11:30"), ("14:00", "17:30")])


def _shorter_vacation(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    return g.instance, _day_as(g, data, [("08:00", "10:00"), ("10:30", "15:30")])


def _break(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    return g.instance, _day_as(g, data, [("08:00", "15:00")])


def _daily_rest(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    person, on, pieces = _day_of(g, data)
    first = pieces[0]
    late = _piece(person, first.contract, first.cabinet, on, 22 * 60, 23 * 60)
    early = _piece(person, first.contract, first.cabinet, on + timedelta(days=1), 6 * 60, 7 * 60)
    return g.instance, _add(g.rota, late, early)


def _weekly_max(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    return g.instance, _week_one_fill(g, data, [("07:30", "12:30"), ("13:00", "18:30")], range(6))


def _twelve_week_average(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    person, on, _ = _day_of(g, data)
    week_one = [d for d in g.working_days[person] if d < g.instance.start + timedelta(days=7)]
    assume(week_one)
    people = tuple(
        replace(a, worked_minutes_before=(2880,) * 11) if a.id == person else a
        for a in g.instance.assistants
    )
    return replace(g.instance, assistants=people), g.rota


def _days_per_week(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    return g.instance, _week_one_fill(g, data, [("09:00", "10:00")], range(7))


def _sunday_rest(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    person, _, pieces = _day_of(g, data)
    first = pieces[0]
    sunday = g.instance.start + timedelta(days=6)
    return g.instance, _add(g.rota, _piece(person, first.contract, first.cabinet, sunday, 540, 600))


def _weekly_rest(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    return g.instance, _week_one_fill(g, data, [("08:00", "12:00"), ("13:00", "16:00")], range(7))


def _contract_hours(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    piece = data.draw(st.sampled_from(g.rota.assignments))
    shorter = replace(piece, end=piece.end - timedelta(minutes=15))
    kept = tuple(a for a in g.rota.assignments if a != piece)
    return g.instance, replace(g.rota, assignments=(*kept, shorter))


def _share_tolerance(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    # A pair-contract day's second half moved to the first half's cabinet: same hours, 210 min off.
    contract = data.draw(st.sampled_from(g.pair_contracts))
    days = sorted({a.start.date() for a in g.rota.assignments if a.contract == contract})
    assume(days)
    on = data.draw(st.sampled_from(days))
    pieces = sorted(
        (a for a in g.rota.assignments if a.contract == contract and a.start.date() == on),
        key=lambda a: a.start,
    )
    moved = replace(
        pieces[1], cabinet=pieces[0].cabinet, start=pieces[0].end + timedelta(minutes=60)
    )
    moved = replace(moved, end=moved.start + (pieces[1].end - pieces[1].start))
    rota = _without(g.rota, pieces[0].assistant, on)
    return g.instance, _add(rota, pieces[0], moved)


def _pinned(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    gone = data.draw(st.sampled_from(g.instance.replan.pinned))
    return g.instance, replace(
        g.rota, assignments=tuple(a for a in g.rota.assignments if a != gone)
    )


def _protected_window(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    until = g.instance.replan.protected_until
    frozen = [a for a in g.instance.replan.published if until is not None and a.start < until]
    assume(frozen)
    gone = data.draw(st.sampled_from(frozen))
    return g.instance, replace(
        g.rota, assignments=tuple(a for a in g.rota.assignments if a != gone)
    )


def _grain(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    piece = data.draw(st.sampled_from(g.rota.assignments))
    off = replace(
        piece, start=piece.start + timedelta(minutes=data.draw(st.sampled_from([1, 5, 10])))
    )
    kept = tuple(a for a in g.rota.assignments if a != piece)
    return g.instance, replace(g.rota, assignments=(*kept, off))


def _interval(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    piece = data.draw(st.sampled_from(g.rota.assignments))
    return g.instance, _add(g.rota, replace(piece, start=piece.end, end=piece.start))


def _horizon_rule(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    piece = data.draw(st.sampled_from(g.rota.assignments))
    later = timedelta(days=g.instance.days + data.draw(st.integers(0, 6)))
    return g.instance, _add(
        g.rota, replace(piece, start=piece.start + later, end=piece.end + later)
    )


def _unknown_id(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    piece = data.draw(st.sampled_from(g.rota.assignments))
    stray = data.draw(
        st.sampled_from(
            [
                replace(piece, assistant=AssistantId("nobody")),
                replace(piece, cabinet=CabinetId("nowhere")),
                replace(piece, contract=ContractId("none")),
            ]
        )
    )
    return g.instance, _add(g.rota, stray)


def _complementary(g: Generated, data: st.DataObject) -> tuple[Instance, Rota]:
    """Travel paid beyond a part-time contract of 9 minutes a week: a tenth of it is 0, and the
    two-cabinet contract drawn has a leg on each of its working days."""
    worked = [k for k in g.pair_contracts if g.working_days.get(k.replace("k", "a", 1))]
    assume(worked)
    chosen = data.draw(st.sampled_from(worked))
    instance = replace(
        g.instance,
        rules=replace(g.instance.rules, travel_in_contract=False),
        contracts=tuple(
            replace(k, weekly_minutes=9) if k.id == chosen else k for k in g.instance.contracts
        ),
    )
    return instance, g.rota


CORRUPTIONS: dict[str, Corruption] = {
    "availability": _availability,
    "opening-hours": _opening,
    "cabinet-places": _places,
    "leave": _leave,
    "public-holiday": _public_holiday,
    "overlap": _overlap,
    "travel": _travel,
    "daily-work": _daily_work,
    "amplitude": _amplitude,
    "max-vacations": _max_vacations,
    "interruption": _interruption,
    "shorter-vacation": _shorter_vacation,
    "break": _break,
    "daily-rest": _daily_rest,
    "weekly-max": _weekly_max,
    "twelve-week-average": _twelve_week_average,
    "days-per-week": _days_per_week,
    "sunday-rest": _sunday_rest,
    "weekly-rest": _weekly_rest,
    "contract-hours": _contract_hours,
    "share-tolerance": _share_tolerance,
    "complementary-hours": _complementary,
    "pinned": _pinned,
    "protected-window": _protected_window,
    "grain": _grain,
    "interval": _interval,
    "horizon": _horizon_rule,
    "unknown-id": _unknown_id,
}


def test_corruptions_cover_every_rule() -> None:
    assert sorted(CORRUPTIONS) == sorted(RULES)


REPLAN_RULES = ("pinned", "protected-window")
"""Rules that need a re-plan; the others are broken without one (a protected week's contract
hours are only capped)."""


def _check_corrupted(rule: str, data: st.DataObject) -> None:
    generated = data.draw(groupements(replan=rule in REPLAN_RULES))
    instance, rota = CORRUPTIONS[rule](generated, data)
    reported = {v.rule for v in check_rota(instance, rota)}
    assert rule in reported, reported


@pytest.mark.parametrize("rule", sorted(CORRUPTIONS))
@settings(max_examples=4, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_single_rule_corruption_is_reported(rule: str, data: st.DataObject) -> None:
    _check_corrupted(rule, data)


@pytest.mark.slow
@pytest.mark.skipif(PROPERTY_EXAMPLES == 0, reason="scripts/property runs it")
@pytest.mark.parametrize("rule", sorted(CORRUPTIONS))
@settings(max_examples=max(PROPERTY_EXAMPLES // 10, 1), deadline=None, database=None)
@given(data=st.data())
def test_single_rule_corruption_is_reported_at_length(rule: str, data: st.DataObject) -> None:
    _check_corrupted(rule, data)
