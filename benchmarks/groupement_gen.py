"""Groupements shaped like real groupements d'employeurs, for the planner's benchmark and tests.

The earlier groupement generator (`solver_bench.group_instance`) gave each assistant two or three
neighbouring cabinets, so that a cabinet was shared by at most two assistants and places never
bound. Real groupements are not like that: each assistant serves 2 to 5 cabinets drawn across the
territory, a cabinet is served by several assistants, and a cabinet with one place must fit their
hours one after another. This module draws such groupements:

- cabinets are points of a 50 km square; road minutes are 4 + 1.1 × the distance in km (a rural
  road network's 55 km/h), for every pair of cabinets;
- each assistant has a home point and draws 2 to 5 cabinets at random among the 12 nearest
  to it (so that neighbours share cabinets), with shares of 10 % to 60 % (basis points), under one
  contract of 24, 28 or 35 hours;
- cabinets open about 08:00-19:00 on weekdays, some on Saturday morning; consultation sessions
  in the mornings and some afternoons;
- places: `one` gives one place, two where the shares ask over 80 % of the opening hours; `mixed`
  gives one or two at random (two where they ask over 80 %); a number gives that many everywhere.

`binding(instance)` is how much places bind: the share of cabinet-days (open days) where more
assistants with a share there are available that day than the cabinet has places.

Infeasible variants (`infeasible="cabinet"` or `"assistant"`): one cabinet's opening hours cut to
two mornings so that its place cannot hold the shares asked of it; or one assistant available two
half-days for a contract of 24 hours or more. The planner must say so, in French, at once.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from solver.model import (
    Assistant,
    AssistantId,
    Cabinet,
    CabinetId,
    Contract,
    ContractId,
    Instance,
    Session,
    WeeklyWindow,
)

TZ = "Europe/Paris"
MONDAY = date(2027, 1, 4)
"""A week with no public holiday in any département (two weeks: 4-17 January 2027)."""

Places = Literal["one", "mixed"] | int


@dataclass(frozen=True, slots=True)
class Shape:
    """The parameters of one groupement of the family."""

    name: str
    assistants: int
    cabinets: int
    places: Places = "mixed"
    weeks: int = 1
    saturday: float = 0.2
    """Share of cabinets open, and of assistants available, on Saturday morning."""
    sessions: bool = True
    nearest: int = 12
    infeasible: Literal["cabinet", "assistant"] | None = None


TABLE: tuple[Shape, ...] = (
    Shape("10x20", 10, 20),
    Shape("20x40-2pl", 20, 40, places=2),
    Shape("20x25-dense", 20, 25, nearest=8),
    Shape("20x40-1pl", 20, 40, places="one"),
    Shape("30x60-sat", 30, 60, saturday=0.5),
    Shape("20x40-2w", 20, 40, weeks=2),
    Shape("20x40-5pl", 20, 40, places=5),
)
"""The rows of the groupement table: sizes and shapes as real groupements have them."""

INFEASIBLE: tuple[Shape, ...] = (
    Shape("20x40-cab-inf", 20, 40, infeasible="cabinet"),
    Shape("20x40-asst-inf", 20, 40, infeasible="assistant"),
)


def _point(rng: random.Random) -> tuple[float, float]:
    return (rng.uniform(0, 50), rng.uniform(0, 50))


def _road(p: tuple[float, float], q: tuple[float, float]) -> int:
    return 4 + round(1.1 * math.dist(p, q))


def _cabinet(rng: random.Random, cid: str, shape: Shape, department: str) -> Cabinet:
    opening = [
        WeeklyWindow(wd, rng.choice([450, 480, 480, 510]), rng.choice([1080, 1110, 1140, 1140]))
        for wd in range(5)
    ]
    if rng.random() < shape.saturday:
        opening.append(WeeklyWindow(5, 480, 720))
    sessions: list[Session] = []
    if shape.sessions:
        for wd in range(5):
            if rng.random() < 0.6:
                start = rng.choice([480, 510, 540])
                sessions.append(Session(wd, start, start + rng.choice([180, 210, 240]), 1))
            if rng.random() < 0.4:
                start = rng.choice([840, 870, 900])
                sessions.append(
                    Session(wd, start, start + rng.choice([150, 180]), rng.choice([1, 2]))
                )
        if any(w.weekday == 5 for w in opening) and rng.random() < 0.5:
            sessions.append(Session(5, 510, 690, 1))
    return Cabinet(CabinetId(cid), f"Cabinet {cid}", tuple(opening), department, tuple(sessions))


def _shares(rng: random.Random, cabinets: list[CabinetId]) -> dict[CabinetId, int]:
    while True:
        raw = [rng.randint(10, 60) for _ in cabinets]
        total = sum(raw)
        bps = [r * 10_000 // total for r in raw]
        bps[0] += 10_000 - sum(bps)
        if all(1000 <= b <= 6000 for b in bps):
            return dict(zip(cabinets, bps, strict=True))


def _open_minutes(cabinet: Cabinet) -> int:
    return sum(w.end - w.start for w in cabinet.opening)


def groupement(shape: Shape, seed: int) -> Instance:
    """One groupement of the family, the same for the same shape and seed."""
    rng = random.Random(f"{shape.name}/{seed}")
    cids = [CabinetId(f"c{i:02d}") for i in range(shape.cabinets)]
    where = {c: _point(rng) for c in cids}
    departments = ["54", "57", "88", "55"]
    cabinets = [_cabinet(rng, c, shape, rng.choice(departments)) for c in cids]
    assistants: list[Assistant] = []
    contracts: list[Contract] = []
    for i in range(shape.assistants):
        aid = AssistantId(f"a{i:02d}")
        home = _point(rng)
        near = sorted(cids, key=lambda c: math.dist(home, where[c]))[: shape.nearest]
        own = sorted(rng.sample(near, rng.randint(2, min(5, len(near)))))
        avail = [WeeklyWindow(wd, 480, rng.choice([1110, 1140])) for wd in range(5)]
        if rng.random() < shape.saturday:
            avail.append(WeeklyWindow(5, 480, 720))
        assistants.append(Assistant(aid, f"Assistante {i:02d}", tuple(avail)))
        contracts.append(
            Contract(
                ContractId(f"k{i:02d}"), aid, rng.choice([24, 28, 35, 35]) * 60, _shares(rng, own)
            )
        )
    asked: dict[CabinetId, float] = dict.fromkeys(cids, 0.0)
    for k in contracts:
        for c, bps in k.shares.items():
            asked[c] += k.weekly_minutes * bps / 10_000
    placed: list[Cabinet] = []
    for cab in cabinets:
        heavy = asked[cab.id] > 0.8 * _open_minutes(cab)
        if isinstance(shape.places, int):
            places = shape.places
        elif shape.places == "one":
            places = 2 if heavy else 1
        else:
            places = 2 if heavy else rng.choice([1, 2])
        placed.append(replace(cab, places=places))
    travel = {(a, b): _road(where[a], where[b]) for i, a in enumerate(cids) for b in cids[i + 1 :]}
    instance = Instance(
        TZ,
        MONDAY,
        7 * shape.weeks,
        15,
        tuple(assistants),
        tuple(placed),
        tuple(contracts),
        travel,
    )
    if shape.infeasible is not None:
        instance = _broken(instance, shape.infeasible, rng)
    return instance


def _broken(instance: Instance, how: str, rng: random.Random) -> Instance:
    if how == "cabinet":
        # The most asked-of cabinet keeps one place and two mornings.
        asked: dict[CabinetId, float] = {}
        for k in instance.contracts:
            for c, bps in k.shares.items():
                asked[c] = asked.get(c, 0.0) + k.weekly_minutes * bps / 10_000
        target = max(asked, key=lambda c: (asked[c], c))
        cabinets = tuple(
            replace(
                c,
                places=1,
                opening=(WeeklyWindow(0, 480, 720), WeeklyWindow(3, 480, 720)),
                sessions=(),
            )
            if c.id == target
            else c
            for c in instance.cabinets
        )
        return replace(instance, cabinets=cabinets)
    victim = rng.randrange(len(instance.assistants))
    assistants = tuple(
        replace(a, availability=(WeeklyWindow(1, 480, 720), WeeklyWindow(3, 480, 720)))
        if i == victim
        else a
        for i, a in enumerate(instance.assistants)
    )
    return replace(instance, assistants=assistants)


def binding(instance: Instance) -> float:
    """The share of open cabinet-days where more assistants with a share there are available
    that day than the cabinet has places."""
    able: dict[CabinetId, list[Assistant]] = {}
    by_id = {a.id: a for a in instance.assistants}
    for k in instance.contracts:
        for c in k.shares:
            able.setdefault(c, []).append(by_id[k.assistant])
    days = total = 0
    for cab in instance.cabinets:
        for d in range(instance.days):
            wd = (instance.start.weekday() + d) % 7
            if not any(w.weekday == wd for w in cab.opening):
                continue
            total += 1
            here = sum(
                1 for a in able.get(cab.id, []) if any(w.weekday == wd for w in a.availability)
            )
            days += here > cab.places
    return days / total if total else 0.0
