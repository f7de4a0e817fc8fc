"""A lower bound of a part with several assistants from one linear programme over slots.

The Lagrangian bound of `solver.coupled` prices the shared slots by multipliers that start from an
even split of each slot's value and move by subgradient steps, each step planning every assistant
exactly: on a groupement of 20 assistants a step takes tens of seconds, so the bound stays far
below the rota. This relaxation sees every assistant at once and needs no steps: each assistant's
presence at each cabinet in each slot of the grain is a fraction in [0, 1], under the rules that
are linear in it, and a slot counts as covered up to the presence there (at most 1):

- presence only inside the day's options (opening hours, availability, leave, public holidays);
- one place at a time per assistant, at most `places` assistants at a cabinet;
- each contract's weekly minutes exactly, each share within its tolerance each week; travel
  credited to a contract (when it counts in the contract) is a free amount per cabinet and week,
  priced at the least a credited minute costs a rota (a leg's road minutes at the travel's
  weight, for its minutes rounded up to the grain);
- daily work at most `max_daily_minutes`, weekly work at most `max_weekly_minutes`;
- objective: the sessions and requests left uncovered (their slot values, `patterns.cover_slots`),
  the share deviation over the horizon with the carried balances (never below what a balance off
  the grain forces, `least_deviation`), and the preferences, which cost per minute worked in a
  slot (`patterns.preference_slots`) and so are exact in the presence.

Every rota gives a point of this programme (its presence) whose cost is at most the rota's
objective (travel, site changes and pattern changes are non-negative and left out;
breaks, blocks and travel time only take presence away), so the optimum is a lower bound. What it
misses: travel eating into the time on site, whole blocks, and a slot half-covered by half an
assistant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from solver.constraints.data import PlanData, least_deviation, rounded_up
from solver.model import MINUTES_PER_DAY
from solver.patterns import cover_slots, preference_slots

SlotKey = tuple[str, int, int]
"""(cabinet, day index, slot index of the grain), as `solver.coupled.SlotKey`."""


@dataclass(slots=True)
class Relaxed:
    """The relaxation's optimum, rounded up (the objective is an integer), and the prices it puts
    on the slots: the worth of one more assistant covering a slot (`cover`, the dual of its
    coverage row) and the cost of a place taken there (`crowd`, the dual of its places row), both
    >= 0; the Lagrangian rounds start from them."""

    bound: int
    cover: dict[SlotKey, float] = field(default_factory=dict)
    crowd: dict[SlotKey, float] = field(default_factory=dict)


def slot_bound(data: PlanData) -> Relaxed | None:
    """The relaxation solved, or None when GLOP does not solve it (the caller then has no bound
    from here)."""
    from ortools.linear_solver import pywraplp

    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None
    instance = data.instance
    rules = instance.rules
    grain = instance.slot_minutes
    slots = MINUTES_PER_DAY // grain
    inf = lp.infinity()
    # presence[(assistant, contract, cabinet, day, slot)]
    at_slot: dict[tuple[str, int, int], list[Any]] = {}
    at_cabinet: dict[tuple[str, int, int], list[Any]] = {}
    minutes: dict[tuple[str, str, int], list[Any]] = {}  # (contract, cabinet, day)
    daily: dict[tuple[str, int], list[Any]] = {}
    objective = lp.Objective()
    for a in data.assistants:
        for d in range(len(data.dates)):
            preference = preference_slots(data, a, d)
            for o in data.options[(a.id, d)]:
                for t in range(-(-o.start // grain), o.end // grain):
                    x = lp.NumVar(0, 1, "")
                    if preference[t]:
                        objective.SetCoefficient(x, float(preference[t]))
                    at_slot.setdefault((a.id, d, t), []).append(x)
                    at_cabinet.setdefault((o.cabinet, d, t), []).append(x)
                    minutes.setdefault((o.contract, o.cabinet, d), []).append(x)
                    daily.setdefault((a.id, d), []).append(x)
    for xs in at_slot.values():
        if len(xs) > 1:
            lp.Add(sum(xs) <= 1)
    for xs in daily.values():
        lp.Add(grain * sum(xs) <= rules.max_daily_minutes)
    for a in data.assistants:
        for wk in data.weeks:
            xs = [x for d in wk.days for x in daily.get((a.id, d), [])]
            if xs:
                lp.Add(grain * sum(xs) <= rules.max_weekly_minutes)

    weights = instance.weights
    # Travel counted in the contract: each (contract, week, cabinet) may be credited travel
    # minutes, at the least price a credited minute has in a rota (a leg credits its road minutes
    # rounded up to the grain and costs its road minutes).
    counted = rules.travel_in_contract and bool(instance.travel_minutes)
    credit: dict[tuple[str, int, str], Any] = {}
    if counted:
        price = weights.travel_minutes * min(
            Fraction(road, rounded_up(road, grain)) if road else Fraction(1)
            for road in instance.travel_minutes.values()
        )
        for k in data.contracts:
            for wk in data.weeks:
                for c in k.shares:
                    tau = lp.NumVar(0, inf, "")
                    objective.SetCoefficient(tau, float(price))
                    credit[(k.id, wk.index, c)] = tau
    week_of = data.week_of_day

    def credited(contract: str, cabinet: str, days: tuple[int, ...]) -> Any:
        on_site = grain * sum(x for d in days for x in minutes.get((contract, cabinet, d), []))
        weeks = sorted({week_of[d] for d in days})
        return on_site + sum(
            credit[key] for w in weeks if (key := (contract, w, cabinet)) in credit
        )

    constant = 0.0
    tol = rules.share_tolerance_minutes
    all_days = tuple(range(len(data.dates)))
    for k in data.contracts:
        for wk in data.weeks:
            target = data.targets.get((k.id, wk.index))
            if target is not None:
                got_all = sum(credited(k.id, c, wk.days) for c in k.shares)
                lp.Add(got_all == target)
            for c in k.shares:
                share = data.share_targets.get((k.id, wk.index, c))
                if share is not None:
                    got = credited(k.id, c, wk.days)
                    lp.Add(got >= max(0, share - tol))
                    lp.Add(got <= share + tol)
        for c in k.shares:
            wanted = sum(data.share_targets.get((k.id, wk.index, c), 0) for wk in data.weeks)
            over, under = lp.NumVar(0, inf, ""), lp.NumVar(0, inf, "")
            balance = k.balance_minutes.get(c, 0)
            lp.Add(credited(k.id, c, all_days) + balance - wanted == over - under)
            # Minutes on the grain cannot meet a target that a balance put off it.
            lp.Add(over + under >= least_deviation(wanted - balance, grain))
            objective.SetCoefficient(over, weights.share_deviation)
            objective.SetCoefficient(under, weights.share_deviation)
    cover_rows = {}
    place_rows = {}
    for c, cab in data.cabinets.items():
        for d in range(len(data.dates)):
            value = cover_slots(data, d, c)
            for t in range(slots):
                xs = at_cabinet.get((c, d, t), [])
                if len(xs) > cab.places:
                    place_rows[(c, d, t)] = lp.Add(sum(xs) <= cab.places)
                if value[t] <= 0:
                    continue
                constant += float(value[t])
                if not xs:
                    continue
                covered = lp.NumVar(0, 1, "")
                cover_rows[(c, d, t)] = lp.Add(covered <= sum(xs))
                objective.SetCoefficient(covered, -float(value[t]))
    objective.SetMinimization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    # Minimising, a row `<=` has a dual <= 0: its price is the dual's opposite.
    return Relaxed(
        max(0, math.ceil(objective.Value() + constant - 1e-6)),
        {k: max(0.0, -row.dual_value()) for k, row in cover_rows.items()},
        {k: max(0.0, -row.dual_value()) for k, row in place_rows.items()},
    )
