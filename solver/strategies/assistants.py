"""The groupement decomposition of a part with several assistants (`solver.coupled`).

Applies to a part with several assistants and no re-plan inputs whose every assistant's own part
is one the day-pattern model takes (`solver.coupled.unsuitable`, `solver.coupled.decompose`);
elsewhere it steps aside and the block model plans. A first rota in turn (`_in_turn`: the
constructive rota of `solver.greedy` per assistant, the exact day-pattern search where it misses),
sweeps that plan each assistant again against the others, then Lagrangian pricing of the shared
slots, each assistant planned exactly by the day-pattern search (`solver.strategies.days`) and the
best mix of their plans picked by an integer master. The rota it gives passes the checker before
it is returned.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from solver import coupled, greedy, patterns, slot_bound
from solver.constraints.data import build
from solver.model import Instance, Rota, Status
from solver.strategies.days import search_days
from solver.strategies.part import SEED, STOPPED, PartResult, Progress, part_of
from solver.validation import check_rota, objective_terms

_T = TypeVar("_T")

_COUPLED_ROUNDS = 8
"""Pricing rounds of a part with several assistants in deterministic mode (each assistant's
search then gets an equal share of the deterministic budget)."""
_STEP = 2.0
"""First step size of the subgradient steps (share of the Polyak step), halved when stalled.
2 is the top of Polyak's range; measured on the benchmark's groupement, it raises the bound
faster than 1 and 1.8 (five assistants, 40 s: 15,386 against 15,209 and 15,312; three
assistants, 20 s: 12,501 against 12,214 and 12,470, the rota being 12,596)."""
_STALL = 3
"""Rounds without a better bound before the step is halved."""
_STEP_MIN = _STEP / 16
"""Below this step the multipliers barely move: the rounds end (the block model may go on)."""


_FINISH_S = 1.0
"""Time kept at the end of a groupement's budget to read, check and merge its rota: on the
two-week row of the groupement benchmark (15 assistants), runs ended 2.4 s past a 60-s limit."""


def solve_by_assistants(
    instance: Instance,
    *,
    budget: float,
    deterministic: bool,
    part: int,
    parts: int,
    progress: Callable[[Progress], None] | None,
    started: float | None,
    should_stop: Callable[[], bool] | None,
    workers: int = 1,
) -> PartResult | None:
    """Plan a part with several assistants by Lagrangian decomposition (`solver.coupled`), each
    assistant's plan found exactly by the day-pattern model.

    First the assistants are planned one after another in the times and places those before left
    (`_in_turn`: the constructive rota where it fits, else exactly): a first rota at once. The slot
    relaxation (`solver.slot_bound`) then gives a bound and the prices each assistant is first
    priced at (a Lagrangian bound). Sweeps plan each assistant again exactly against the others'
    plans, from her current plan, while that lowers the objective (in deterministic mode,
    `_SWEEPS` sweeps). Then each round plans every assistant at the current prices of the shared
    slots, raises the bound, picks the best rota among all plans found (integer master) and moves
    the multipliers by a projected subgradient step. It ends when the rota meets the bound, the
    steps have shrunk below `_STEP_MIN`, or time is up (in deterministic mode, after
    `_COUPLED_ROUNDS` rounds). None when the decomposition does not apply or found no rota: the
    block model then plans.

    With `workers` above 1 (never in deterministic mode), assistants are searched side by side,
    one CP-SAT worker each: every assistant of a round of prices (they are priced independently),
    and in a sweep assistants who share no slot, whose plans cannot change each other's prices, so
    that a sweep gives the plans it would give one assistant after another in its order
    (`_waves`).
    """
    clock = time.perf_counter()
    origin = started if started is not None else clock
    coupling = coupled.decompose(instance)
    if coupling is None:
        return None
    n = len(coupling.subs)
    lanes = 1 if deterministic else max(1, min(workers, n))
    memos = [patterns.DayMemo() for _ in range(n)]
    plans: list[coupled.Plan] = []
    seen: set[tuple[int, frozenset[coupled.SlotKey], int]] = set()
    best: tuple[int, list[int]] | None = None
    bound = 0
    first_s: list[float] = []
    stopped = False

    finish = min(_FINISH_S, budget * 0.05)

    def left() -> float:
        return budget - finish - (time.perf_counter() - clock)

    def share() -> float:
        if deterministic:
            return budget * _SWEEP_SHARE / (n * (_COUPLED_ROUNDS + 1))
        return max(left() / n, 0.05)

    last_floor: dict[int, int | None] = {}
    overhead: dict[int, float] = {}

    def price(
        i: int,
        v: dict[coupled.SlotKey, int],
        budget: float | None = None,
        start: coupled.Plan | None = None,
    ) -> tuple[coupled.Plan, int | None] | None:
        nonlocal stopped
        if stopped or (should_stop is not None and should_stop()):
            stopped = True
            return None
        if not deterministic and left() <= overhead.get(i, 0.0):
            return None  # listing her days alone would overrun the time limit
        sub = coupling.subs[i]
        prices = coupling.prices(i, v)
        began = time.perf_counter()
        allowed = share() if budget is None else budget
        search = search_days(
            sub.data,
            budget=allowed,
            deterministic=deterministic,
            should_stop=should_stop,
            prices=prices,
            memo=memos[i],
            start=start.rota if start is not None else None,
        )
        # What her search takes beyond its budget (listing her days, building the master): a
        # search is not started when less than that is left.
        overhead[i] = max(overhead.get(i, 0.0), time.perf_counter() - began - allowed)
        stopped = stopped or search.run.stopped
        last_floor[i] = search.floor
        if search.run.best is None:
            return None
        read = patterns.read_master(sub.data, search.master, search.run.best[1], prices)
        return coupling.plan(i, read, search.run.best[0], v), search.floor

    def add(plan: coupled.Plan) -> bool:
        key = (plan.sub, plan.present, plan.base)
        if key in seen:
            return False
        seen.add(key)
        plans.append(plan)
        return True

    def pick() -> None:
        nonlocal best
        found = coupled.integer_master(
            coupling,
            plans,
            budget=budget / (_COUPLED_ROUNDS + 1) if deterministic else max(left(), 0.05),
            deterministic=deterministic,
            seed=SEED,
        )
        if found is not None and (best is None or found[0] < best[0]):
            best = found
            elapsed = time.perf_counter() - origin
            if not first_s:
                first_s.append(elapsed)
            if progress is not None:
                progress(Progress(found[0], bound, elapsed, part, parts))

    # A first rota: one assistant after another, each in the times and places the others left
    # (`_in_turn`); then each assistant planned again exactly against the others' rotas, as long
    # as that lowers the objective (`sweep`).
    first = _in_turn(coupling, instance, price, left, deterministic=deterministic)
    if first is None:
        if stopped:
            return PartResult(Status.UNKNOWN, explanation=[STOPPED], stopped=True)
        return None
    current: list[coupled.Plan] = first
    for plan in current:
        add(plan)
    pick()
    # Multipliers of the shared slots: by default an even split of each slot's value between
    # those who may fill it; better, the prices of the slot relaxation (`slot_bound`), whose
    # optimum is also a bound at once.
    cover: dict[coupled.SlotKey, float] = {
        k: s.value / len(s.able) for k, s in coupling.shared.items() if s.value > 0
    }
    crowd: dict[coupled.SlotKey, float] = {}
    if deterministic or left() > 0:
        relaxed = slot_bound.slot_bound(build(instance))
        if relaxed is not None:
            cover = {k: min(relaxed.cover.get(k, 0.0), coupling.shared[k].value) for k in cover}
            crowd = {
                k: min(relaxed.crowd[k], coupling.crowding)
                for k, s in coupling.shared.items()
                if s.crowded and relaxed.crowd.get(k, 0.0) > 0
            }
            bound = max(bound, relaxed.bound)
        # Each assistant's floor at those prices (the LP bound of her day-pattern master, or
        # her optimum when proven in `_QUICK_S`): the Lagrangian bound.
        mu = {k: round(x) for k, x in cover.items()}
        rho = {k: round(x) for k, x in crowd.items()}
        v0 = {k: mu.get(k, 0) - rho.get(k, 0) for k in mu.keys() | rho.keys()}
        first_floors: list[int] = []
        quick = min(_QUICK_S, budget * _QUICK_SHARE / n)
        quickly = _side_by_side(
            lanes,
            [
                partial(price, i, v0, quick if deterministic else min(quick, max(left(), 0.0)))
                for i in range(n)
            ],
        )
        for i, got in enumerate(quickly):
            if got is not None:
                add(got[0])
            if (floor := last_floor.pop(i, None)) is None:
                break
            first_floors.append(floor)
        if len(first_floors) == n:
            bound = max(bound, coupled.lagrangian_bound(coupling, first_floors, mu, rho))
        if progress is not None and best is not None:
            progress(Progress(best[0], bound, time.perf_counter() - origin, part, parts))
        pick()
    order = _sweep_order(coupling)
    neighbours = _neighbours(coupling)

    def sweep() -> bool:
        """Each assistant planned against the others' plans; True when some plan got better."""
        better = False
        for wave in _waves(order, neighbours, lanes):
            if stopped or (not deterministic and left() <= 0):
                break
            vs = {
                i: _marginal(coupling, i, (p for j, p in enumerate(current) if j != i))
                for i in wave
            }
            allowed = (
                budget * (1 - _SWEEP_SHARE) / (n * _SWEEPS)
                if deterministic
                else max(min(share() * 2, left()), 0.05)
            )
            found = _side_by_side(
                lanes, [partial(price, i, vs[i], allowed, current[i]) for i in wave]
            )
            for i, got in zip(wave, found, strict=True):
                if got is None:
                    continue
                plan = got[0]
                add(plan)
                if _priced(plan, vs[i]) < _priced(current[i], vs[i]):
                    current[i] = plan
                    better = True
        return better

    improving = True
    sweeps = 0
    while improving and not stopped and (sweeps < _SWEEPS if deterministic else left() > 0):
        sweeps += 1
        improving = sweep()
        pick()
        if best is not None:
            current = [plans[j] for j in sorted(best[1], key=lambda j: plans[j].sub)]
        if not deterministic and left() < budget * _SWEEP_SHARE:
            break
    pick()
    # Multipliers by projected subgradient steps (Polyak: towards the best rota's objective).
    step = _STEP
    stalled = 0
    rounds = 0
    proven = False
    while not stopped and (rounds < _COUPLED_ROUNDS if deterministic else left() > 0):
        if should_stop is not None and should_stop():
            stopped = True
            break
        if best is not None and best[0] <= bound:
            proven = True
            break
        rounds += 1
        mu = {k: round(x) for k, x in cover.items()}
        rho = {k: round(x) for k, x in crowd.items()}
        v = {k: mu.get(k, 0) - rho.get(k, 0) for k in mu.keys() | rho.keys()}
        floors: list[int] | None = []
        fill: dict[coupled.SlotKey, int] = defaultdict(int)
        new = 0
        for got in _side_by_side(lanes, [partial(price, i, v) for i in range(n)]):
            if got is None:
                floors = None
                continue
            plan, floor = got
            if floor is None:
                floors = None
            elif floors is not None:
                floors.append(floor)
            for key in plan.present:
                fill[key] += 1
            new += add(plan)
        if new:
            pick()
        if floors is None:
            continue  # an assistant's search ran out of time: no bound, and no step, this round
        found = coupled.lagrangian_bound(coupling, floors, mu, rho)
        if found > bound:
            bound, stalled = found, 0
        else:
            stalled += 1
            if stalled >= _STALL:
                step, stalled = step / 2, 0
                if step < _STEP_MIN:
                    break
        # Subgradient: coverage 1 - fill, places fill - places.
        grad_cover = {k: 1 - fill[k] for k in cover}
        grad_crowd = {k: fill[k] - s.places for k, s in coupling.shared.items() if s.crowded}
        norm = sum(g * g for g in grad_cover.values()) + sum(g * g for g in grad_crowd.values())
        target = best[0] if best is not None else found + abs(found) * 0.05 + 1
        if norm == 0 or target <= found:
            continue
        t = step * (target - found) / norm
        for k, g in grad_cover.items():
            cover[k] = min(max(cover[k] + t * g, 0.0), coupling.shared[k].value)
        for k, g in grad_crowd.items():
            crowd[k] = min(max(crowd.get(k, 0.0) + t * g, 0.0), coupling.crowding)
    if best is None:
        return None
    proven = proven or best[0] <= bound
    status = Status.OPTIMAL if proven else Status.FEASIBLE
    chosen = [plans[j] for j in best[1]]
    rota = Rota(
        status,
        tuple(sorted((a for p in chosen for a in p.rota.assignments), key=lambda a: a.start)),
        travel=tuple(t for p in chosen for t in p.rota.travel),
        breaks=tuple(b for p in chosen for b in p.rota.breaks),
    )
    terms = objective_terms(instance, rota)
    if check_rota(instance, rota) or sum(terms.values()) != best[0]:
        return None  # never expected: the block model plans instead
    result = part_of(rota, terms, bound, stopped)
    result.first_solution_s = first_s[0] if first_s else None
    return result


_SWEEP_SHARE = 0.2
"""Share of a part's budget kept for the multiplier rounds (and their bound) after the sweeps
(in deterministic mode, the sweeps have the rest). Measured on the demo's weeks (deterministic,
20 units): with 40 % kept and three sweeps, the assistant with two contracts found no plan in her
share and the first week ended at 6,890; with 20 % and two sweeps, at 2,632 (bound 2,333)."""
_SWEEPS = 2
"""Sweeps in deterministic mode."""
_FIRST_S = 1.0
"""Budget of one assistant's exact search when the constructive first rota does not fit her."""
_ALONE_S = 4.0
"""Budget of the exact search of an assistant the constructive rota does not fit even alone:
without her plan there is no first rota at all."""
_QUICK_S = 2.0
"""Most budget of each assistant's search for the first bound, at the prices of the slot
relaxation. Proven, her optimum replaces the LP bound of her day-pattern master in the Lagrangian
bound, which then holds everything the relaxation leaves out (travel, site changes, whole blocks)
and so is at least the relaxation's bound; with her LP bound alone it fell below it. Measured on the
demo's weeks (20 deterministic units): with 0.1 the bound was 2,333 and 5,133 for rotas of 2,632
and 5,891; with 2 (or 3), 2,544 and 5,175, the rotas unchanged."""
_QUICK_SHARE = 0.3
"""Share of the part's budget the first bound's searches may take together (a groupement of 30
assistants at 60 s gives each 0.6 s)."""


def _marginal(
    coupling: coupled.Coupling, i: int, others: Iterable[coupled.Plan]
) -> dict[coupled.SlotKey, int]:
    """Sub `i`'s prices of the shared slots given the others' plans: a slot they fill up is
    barred, one they cover is worth nothing more, any other is worth its value."""
    fill: Counter[coupled.SlotKey] = Counter(k for p in others for k in p.present)
    return {
        key: -coupled.BLOCKED if fill[key] >= slot.places else (0 if fill[key] else slot.value)
        for key, slot in coupling.shared.items()
        if i in slot.able
    }


def _priced(plan: coupled.Plan, v: Mapping[coupled.SlotKey, int]) -> int:
    """A plan's cost at prices `v`: its base and the price of each shared slot it leaves."""
    return plan.base + sum(price for key, price in v.items() if key not in plan.present)


def _side_by_side(lanes: int, jobs: Sequence[Callable[[], _T]]) -> list[_T]:
    """The jobs' results in their order, `lanes` jobs at a time (CP-SAT lets go of the GIL while
    it searches, so searches run on as many cores)."""
    if lanes <= 1 or len(jobs) <= 1:
        return [job() for job in jobs]
    with ThreadPoolExecutor(max_workers=min(lanes, len(jobs))) as pool:
        return list(pool.map(lambda job: job(), jobs))


def _neighbours(coupling: coupled.Coupling) -> list[frozenset[int]]:
    """For each assistant, those who may fill a shared slot with her: the only ones whose plans
    change her prices in a sweep (`_marginal`)."""
    out: list[set[int]] = [set() for _ in coupling.subs]
    for slot in coupling.shared.values():
        for i in slot.able:
            out[i].update(j for j in slot.able if j != i)
    return [frozenset(s) for s in out]


def _waves(
    order: Sequence[int], neighbours: Sequence[frozenset[int]], lanes: int
) -> Iterable[list[int]]:
    """The sweep's order cut into waves of at most `lanes` assistants who are no one's neighbour
    in the wave: each wave's first is the first left in the order, then the next ones left that
    neighbour none of the wave. Planned side by side, a wave gives the plans the order would:
    no plan of the wave changes another's prices. One lane: the order itself."""
    waiting = list(order)
    while waiting:
        wave = [waiting.pop(0)]
        k = 0
        while len(wave) < lanes and k < len(waiting):
            if all(waiting[k] not in neighbours[j] for j in wave):
                wave.append(waiting.pop(k))
            else:
                k += 1
        yield wave


def _sweep_order(coupling: coupled.Coupling) -> list[int]:
    """The assistants who share the most slots with others first."""
    count: Counter[int] = Counter(i for slot in coupling.shared.values() for i in slot.able)
    return sorted(range(len(coupling.subs)), key=lambda i: (-count[i], i))


def _in_turn(
    coupling: coupled.Coupling,
    instance: Instance,
    price: Callable[..., tuple[coupled.Plan, int | None] | None],
    left: Callable[[], float],
    *,
    deterministic: bool,
) -> list[coupled.Plan] | None:
    """A first plan of every assistant, planned one after another in the times the earlier ones
    left, most crowded cabinets first (`greedy.by_contention`).

    Those the constructive rota does not fit even alone are planned exactly first; the others by
    the constructive rota (milliseconds each), in up to `greedy.RESTARTS` orders, the one who found
    no room going first the next time; then, where it still misses, exactly, with the slots the
    others filled up barred, while `_FIRST_S` per search allows. None when no order worked."""
    whole = build(instance)
    index = {sub.assistant: i for i, sub in enumerate(coupling.subs)}
    order = [index[a] for a in greedy.by_contention(whole)]

    def exactly(
        i: int, before: Iterable[coupled.Plan], seconds: float = _FIRST_S
    ) -> coupled.Plan | None:
        v = _marginal(coupling, i, before)
        got = price(i, v, budget=seconds if deterministic else max(min(seconds, left()), 0.05))
        if got is None or any(v.get(k) == -coupled.BLOCKED for k in got[0].present):
            return None
        return got[0]

    def constructed(i: int, busy: greedy.Busy) -> coupled.Plan | None:
        built = greedy.plan_assistant(whole, coupling.subs[i].assistant, busy)
        if built is None:
            return None
        rota = Rota(
            Status.FEASIBLE, tuple(built[0]), travel=tuple(built[2]), breaks=tuple(built[1])
        )
        return coupling.built(i, rota)

    def seeded(plans: Iterable[coupled.Plan]) -> greedy.Busy:
        busy: greedy.Busy = {}
        for plan in plans:
            for c, d, lo, hi in plan.rota.presence:
                busy.setdefault((c, d), []).append((lo, hi))
        return busy

    first: dict[int, coupled.Plan] = {}
    for i in [
        i for i in order if greedy.plan_assistant(whole, coupling.subs[i].assistant, {}) is None
    ]:
        plan = exactly(i, first.values(), _ALONE_S)
        if plan is None:
            return None
        first[i] = plan
    rest = [i for i in order if i not in first]
    for _ in range(greedy.RESTARTS):
        busy = seeded(first.values())
        found = dict(first)
        for i in rest:
            plan = constructed(i, busy)
            if plan is None:
                rest.remove(i)
                rest.insert(0, i)
                break
            found[i] = plan
        else:
            return [found[i] for i in range(len(coupling.subs))]
    for _ in range(_RESTARTS):
        if not deterministic and left() <= 0:
            break
        busy = seeded(first.values())
        found = dict(first)
        for i in rest:
            plan = constructed(i, busy)
            if plan is None:
                plan = exactly(i, found.values())
                if plan is None:
                    rest.remove(i)
                    rest.insert(0, i)
                    break
                busy = seeded(found.values())
                for c, d, lo, hi in plan.rota.presence:
                    busy.setdefault((c, d), []).append((lo, hi))
            found[i] = plan
        else:
            return [found[i] for i in range(len(coupling.subs))]
    return None


_RESTARTS = 6
"""Most orders `_in_turn` tries."""
