"""Parts with several assistants, decomposed per assistant: Lagrangian pricing of shared slots.

In a part with several assistants only two things join them, both at the cabinets they share: a
session (or request) slot is covered when any of them is there, and at most `places` of them are
there at once. Everything else (contracts, shares, every rule of a day or a week, travel, the
other terms) belongs to one assistant. So the joining rows are relaxed with multipliers, and each
assistant is planned alone, exactly, by the day-pattern model (`solver.patterns`) with the shared
slots priced (`Coupling.prices`):

- each round of prices gives a lower bound of the whole part, valid whatever the multipliers
  (`lagrangian_bound`), and one plan per assistant;
- the *integer master* (CP-SAT) picks one plan per assistant among all those found, exactly under
  the coverage and places rows: the best rota so far (`integer_master`).

`decompose` states the slots: a shared slot is one where at least two assistants may be present
and that either has a value or more candidates than places. Every other slot's value goes to one
assistant alone (the first who may be there), so that each value is counted once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from ortools.sat.python import cp_model

from solver import patterns
from solver.constraints.data import PlanData, build
from solver.model import MINUTES_PER_DAY, AssistantId, CabinetId, Instance, Rota
from solver.validation import objective_terms

SlotKey = tuple[CabinetId, int, int]
"""(cabinet, day index, slot index of the grain)."""

BLOCKED = 10_000_000
"""Price of a slot whose places the assistants planned before have taken: a plan avoids it
whenever it can (far above any day's worth of session value)."""


@dataclass(frozen=True, slots=True)
class Sub:
    """One assistant's share of the part: its instance and plan data."""

    assistant: AssistantId
    instance: Instance
    data: PlanData


@dataclass(frozen=True, slots=True)
class Shared:
    """A slot several assistants may fill: its value, who may be there, how many places."""

    value: int
    able: tuple[int, ...]  # indices of the subs
    places: int

    @property
    def crowded(self) -> bool:
        """More assistants may be there than it has places: the places row is needed."""
        return len(self.able) > self.places


@dataclass(slots=True)
class Plan:
    """One assistant's plan: its rota, its cost without the shared slots, the shared slots it fills."""

    sub: int
    rota: patterns.PatternRota
    base: int
    present: frozenset[SlotKey]


@dataclass(slots=True)
class Coupling:
    """The decomposition of a part: subs, shared slots and each sub's fixed slot values."""

    subs: list[Sub]
    shared: dict[SlotKey, Shared]
    fixed: list[dict[tuple[CabinetId, int], np.ndarray]]
    """Per sub, the slot values at shared cabinets, shared slots set to zero."""
    crowding: int
    """Cap of the places multipliers (any cap keeps the bound valid): the scale of the objective,
    so that a step cannot throw them far beyond it."""

    def prices(self, i: int, v: Mapping[SlotKey, int]) -> patterns.Prices:
        """Sub `i`'s slot values with each shared slot it may fill at its price in `v`."""
        out = {key: arr.copy() for key, arr in self.fixed[i].items()}
        for (c, d, t), slot in self.shared.items():
            if i in slot.able:
                out[(c, d)][t] = v.get((c, d, t), 0)
        return out

    def plan(
        self, i: int, rota: patterns.PatternRota, value: int, v: Mapping[SlotKey, int]
    ) -> Plan:
        """A plan from sub `i`'s rota and its objective `value` at prices `v`."""
        grain = self.subs[i].instance.slot_minutes
        present = frozenset(
            key
            for c, d, lo, hi in rota.presence
            for t in range(lo // grain, -(-hi // grain))
            if (key := (c, d, t)) in self.shared
        )
        # value = base + sum over the slots it may fill of price * (1 - present)
        priced = sum(
            v.get(key, 0)
            for key, slot in self.shared.items()
            if i in slot.able and key not in present
        )
        return Plan(i, rota, value - priced, present)

    def built(self, i: int, rota: Rota) -> Plan:
        """A plan of sub `i` from a rota of hers built outside the day-pattern model (the
        constructive first rota), costed as `plan` costs a pattern rota: her own terms, each slot
        she alone may fill at its fixed value when she leaves it uncovered."""
        sub = self.subs[i]
        data = sub.data
        grain = sub.instance.slot_minutes
        terms = objective_terms(sub.instance, rota)
        own = sum(t for name, t in terms.items() if name not in _COVER_TERMS)
        presence = [
            (a.cabinet, (a.start.date() - data.dates[0]).days, _minute(a.start), _minute(a.end))
            for a in rota.assignments
        ]
        covered = {
            (c, d, t) for c, d, lo, hi in presence for t in range(lo // grain, -(-hi // grain))
        }
        fixed = 0
        for c in data.cabinets:
            for d in range(len(data.dates)):
                arr = self.fixed[i].get((c, d))
                if arr is None:  # a cabinet she alone serves: its slots are all hers
                    arr = patterns.cover_slots(data, d, c)
                fixed += sum(
                    int(value) for t, value in enumerate(arr) if value and (c, d, t) not in covered
                )
        pattern = patterns.PatternRota(
            list(rota.assignments), list(rota.breaks), list(rota.travel), presence
        )
        return Plan(i, pattern, own + fixed, frozenset(k for k in covered if k in self.shared))


_COVER_TERMS = frozenset({"session_uncovered", "request_uncovered"})


def _minute(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def _sub(instance: Instance, a: AssistantId) -> Instance:
    mine = {c for k in instance.contracts if k.assistant == a for c in k.shares}
    return instance.restricted({a}, mine)


def unsuitable(instance: Instance) -> str | None:
    """Why the decomposition does not apply to a part, or None."""
    if len(instance.assistants) < 2:
        return "one assistant"
    replan = instance.replan
    if replan.published or replan.pinned or replan.protected_until is not None:
        return "re-plan inputs"
    return None


def decompose(instance: Instance) -> Coupling | None:
    """The part split per assistant, or None when it does not apply (`unsuitable`) or some
    assistant's own part is one the day-pattern model steps aside from."""
    if unsuitable(instance) is not None:
        return None
    subs: list[Sub] = []
    for assistant in instance.assistants:
        own = _sub(instance, assistant.id)
        data = build(own)
        if patterns.unsuitable(data) is not None:
            return None
        subs.append(Sub(assistant.id, own, data))
    whole = build(instance)
    grain = instance.slot_minutes
    slots = MINUTES_PER_DAY // grain
    holders: dict[CabinetId, list[int]] = {}
    for i, sub in enumerate(subs):
        for c in sub.data.cabinets:
            holders.setdefault(c, []).append(i)
    weights = instance.weights
    coupling = Coupling(subs, {}, [{} for _ in subs], 0)
    for c, who in holders.items():
        if len(who) < 2:
            continue
        places = whole.cabinets[c].places
        for d in range(len(whole.dates)):
            value = patterns.cover_slots(whole, d, c)
            able: list[list[int]] = [[] for _ in range(slots)]
            for i in who:
                a = subs[i].assistant
                for o in subs[i].data.options[(a, d)]:
                    if o.cabinet == c:
                        for t in range(o.start // grain, -(-o.end // grain)):
                            if i not in able[t]:
                                able[t].append(i)
            arrays = {i: np.zeros(slots, dtype=np.int64) for i in who}
            for t in range(slots):
                many = len(able[t]) >= 2 and (value[t] > 0 or len(able[t]) > places)
                if many:
                    coupling.shared[(c, d, t)] = Shared(int(value[t]), tuple(able[t]), places)
                else:
                    arrays[able[t][0] if able[t] else who[0]][t] = value[t]
            for i in who:
                coupling.fixed[i][(c, d)] = arrays[i]
    top = max((s.value for s in coupling.shared.values()), default=0)
    coupling.crowding = 2 * max(top, weights.share_deviation * grain)
    return coupling


def lagrangian_bound(
    coupling: Coupling,
    floors: Sequence[int],
    cover: Mapping[SlotKey, int],
    crowd: Mapping[SlotKey, int],
) -> int:
    """A lower bound of the part's objective from each sub's proven floor at prices `cover -
    crowd` (coverage and places multipliers, both >= 0), valid whatever the multipliers:

        sum over subs of (floor - sum of the prices of the shared slots it may fill)
        + sum over shared slots of (cover - crowd * places + min(0, value - cover)).
    """
    total = 0
    for i, floor in enumerate(floors):
        total += floor - sum(
            cover.get(key, 0) - crowd.get(key, 0)
            for key, slot in coupling.shared.items()
            if i in slot.able
        )
    for key, slot in coupling.shared.items():
        mu, rho = cover.get(key, 0), crowd.get(key, 0)
        total += mu - rho * slot.places + min(0, slot.value - mu)
    return total


def integer_master(
    coupling: Coupling, plans: Sequence[Plan], *, budget: float, deterministic: bool, seed: int
) -> tuple[int, list[int]] | None:
    """The best choice of one plan per assistant (CP-SAT): its objective and the plans' indices,
    or None when no choice keeps to the places."""
    m = cp_model.CpModel()
    z = [m.new_bool_var(f"p{j}") for j in range(len(plans))]
    for i in range(len(coupling.subs)):
        m.add_exactly_one(z[j] for j, plan in enumerate(plans) if plan.sub == i)
    terms = [(z[j], plan.base) for j, plan in enumerate(plans)]
    for key, slot in coupling.shared.items():
        fill = [z[j] for j, plan in enumerate(plans) if key in plan.present]
        if slot.value > 0:
            u = m.new_bool_var("")
            m.add_bool_or([u, *fill])
            terms.append((u, slot.value))
        if slot.crowded and len(fill) > slot.places:
            m.add(sum(fill) <= slot.places)
    m.minimize(cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms]))
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = 1
    p.random_seed = seed
    if deterministic:
        p.max_deterministic_time = max(budget, 0.05)
    else:
        p.max_time_in_seconds = max(budget, 0.05)
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return int(round(solver.objective_value)), [j for j in range(len(plans)) if solver.value(z[j])]
