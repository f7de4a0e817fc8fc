"""Parts with several assistants, decomposed per assistant (`solver.coupled`).

Rules under test: the decomposition's bound never exceeds the block model's proven optimum, and
its rota is never better than that optimum nor worse than its own bound (small random pairs of
assistants sharing a cabinet, one or two places); the Lagrangian bound holds for any multipliers;
places are kept when both assistants want the shared cabinet at once; the decomposition steps
aside where it does not apply, and an impossible part is still explained; deterministic answers.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from benchmarks.groupement_gen import Shape, binding, groupement
from solver import coupled, greedy, patterns
from solver.constraints.data import PlanData, build
from solver.facade import solve
from solver.model import Instance, Replan, Rota, Rules, Session, Status
from solver.strategies import assistants
from solver.strategies.days import search_days
from solver.strategies.part import PartResult, better
from solver.validation import check_rota, objective_total
from tests.solver.builders import (
    GARE,
    JULIE,
    MARIE,
    PARC,
    TILLEULS,
    at,
    day,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    windows,
)
from tests.solver.solving import solve_checked


def pair(seed: int, places: int | None = None) -> Instance:
    """Two assistants over two days: Julie at Tilleuls and Parc, Marie at Parc and Gare."""
    rng = random.Random(seed)
    shared_places = places if places is not None else rng.choice([1, 2])

    def sessions() -> list[Session]:
        return [
            Session(wd, s, s + rng.choice([60, 120, 180]), rng.randint(1, 3))
            for wd in range(2)
            for s in rng.sample([480, 540, 600, 780, 840], k=rng.randint(1, 2))
        ]

    cabinets = [
        make_cabinet(TILLEULS, sessions=sessions()),
        make_cabinet(PARC, sessions=sessions(), places=shared_places),
        make_cabinet(GARE, sessions=sessions()),
    ]
    hours = [rng.choice([6, 8, 10]) * 60, rng.choice([6, 8, 10]) * 60]
    contracts = [
        make_contract("k-julie", JULIE, hours[0], {TILLEULS: 5000, PARC: 5000}),
        make_contract("k-marie", MARIE, hours[1], {PARC: 4000, GARE: 6000}),
    ]
    return make_instance(
        assistants=[
            make_assistant(JULIE, availability=windows("08:00", "18:00", range(2))),
            make_assistant(MARIE, availability=windows("08:00", "18:00", range(2))),
        ],
        cabinets=cabinets,
        contracts=contracts,
        travel={(TILLEULS, PARC): rng.choice([10, 20]), (PARC, GARE): rng.choice([10, 20])},
        days=2,
        rules=Rules(share_tolerance_minutes=60, min_weekly_contract_minutes=0),
    )


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[PartResult | None]:
    """Record what the decomposition gives back, to tell it from the block model's answer."""
    seen: list[PartResult | None] = []
    original = assistants.solve_by_assistants

    def spy(*args: object, **kwargs: object) -> PartResult | None:
        result = original(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(result)
        return result

    monkeypatch.setattr(assistants, "solve_by_assistants", spy)
    return seen


def _block_optimum(monkeypatch: pytest.MonkeyPatch, instance: Instance) -> Rota:
    with monkeypatch.context() as m:
        m.setattr(coupled, "unsuitable", lambda _instance: "set aside for the comparison")
        return solve(instance, time_limit_s=60, workers=2)


@pytest.mark.parametrize("seed", range(6))
def test_bound_and_rota_bracket_the_block_models_optimum(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    instance = pair(seed)
    seen = _spy(monkeypatch)
    rota = solve_checked(instance, time_limit_s=20)
    assert seen and seen[0] is not None, "the decomposition planned the part"
    blocks = _block_optimum(monkeypatch, instance)
    assert blocks.status == Status.OPTIMAL and blocks.objective is not None
    assert rota.bound is not None and rota.objective is not None
    assert rota.bound <= blocks.objective <= rota.objective
    if rota.status == Status.OPTIMAL:
        assert rota.objective == blocks.objective


@pytest.mark.parametrize("seed", range(3))
def test_the_lagrangian_bound_holds_for_any_multipliers(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    instance = pair(seed, places=1)
    optimum = _block_optimum(monkeypatch, instance)
    assert optimum.status == Status.OPTIMAL and optimum.objective is not None
    coupling = coupled.decompose(instance)
    assert coupling is not None and coupling.shared
    rng = random.Random(seed)
    for _ in range(3):
        # Beyond the slot values and the places cap too: the bound holds for any multipliers.
        cover = {k: rng.randint(0, 2 * s.value) for k, s in coupling.shared.items() if s.value}
        crowd = {
            k: rng.randint(0, 2 * coupling.crowding)
            for k, s in coupling.shared.items()
            if s.crowded
        }
        v = {k: cover.get(k, 0) - crowd.get(k, 0) for k in coupling.shared}
        floors = []
        for i, sub in enumerate(coupling.subs):
            search = search_days(
                sub.data,
                budget=10,
                deterministic=True,
                should_stop=None,
                prices=coupling.prices(i, v),
            )
            assert search.run.proven and search.floor is not None
            floors.append(search.floor)
        assert coupled.lagrangian_bound(coupling, floors, cover, crowd) <= optimum.objective


@pytest.mark.parametrize("seed", range(3))
def test_every_slot_value_is_counted_once(seed: int) -> None:
    instance = pair(seed)
    coupling = coupled.decompose(instance)
    assert coupling is not None
    whole = build(instance)
    keys = {key for fixed in coupling.fixed for key in fixed}
    assert keys, "the shared cabinet's days are priced"
    for c, d in keys:
        total = np.sum([fixed[(c, d)] for fixed in coupling.fixed if (c, d) in fixed], axis=0)
        for (sc, sd, t), slot in coupling.shared.items():
            if (sc, sd) == (c, d):
                assert total[t] == 0
                total[t] = slot.value
        assert np.array_equal(total, patterns.cover_slots(whole, d, c))


def test_the_bound_without_multipliers_is_the_sum_of_the_floors() -> None:
    coupling = coupled.decompose(pair(0))
    assert coupling is not None
    assert coupled.lagrangian_bound(coupling, [1200, 345], {}, {}) == 1545
    key, slot = next((k, s) for k, s in coupling.shared.items() if s.value)
    # A coverage multiplier mu on one slot: each assistant able to fill it gives mu back, the slot
    # adds mu (and min(0, value - mu)).
    mu = slot.value + 7
    expected = 1545 - mu * len(slot.able) + mu - 7
    assert coupled.lagrangian_bound(coupling, [1200, 345], {key: mu}, {}) == expected


def test_the_better_result_keeps_the_higher_bound() -> None:
    decomposed = PartResult(Status.FEASIBLE, objective=500, bound=420)
    blocks = PartResult(Status.FEASIBLE, objective=480, bound=300)
    best = better(blocks, decomposed)
    assert (best.objective, best.bound, best.status) == (480, 420, Status.FEASIBLE)
    proven = better(PartResult(Status.FEASIBLE, objective=420, bound=300), decomposed)
    assert (proven.objective, proven.bound, proven.status) == (420, 420, Status.OPTIMAL)


def test_one_place_is_never_taken_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    morning = [Session(wd, 480, 720, 3) for wd in range(2)]
    instance = pair(1, places=1)
    instance = replace(
        instance,
        cabinets=tuple(
            replace(c, sessions=tuple(morning)) if c.id == PARC else c for c in instance.cabinets
        ),
    )
    seen = _spy(monkeypatch)
    rota = solve_checked(instance, time_limit_s=20)
    assert seen and seen[0] is not None
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    at_parc = sorted((a.start, a.end) for a in rota.assignments if a.cabinet == PARC)
    assert at_parc, "the shared cabinet is served"
    for (_, end), (start, _) in zip(at_parc, at_parc[1:], strict=False):
        assert end <= start, "two assistants at once in a one-place cabinet"


def test_where_the_decomposition_does_not_apply() -> None:
    instance = pair(0)
    alone = replace(
        instance,
        assistants=instance.assistants[:1],
        contracts=instance.contracts[:1],
        cabinets=instance.cabinets[:2],
    )
    assert coupled.unsuitable(alone) == "one assistant"
    published = replace(instance, replan=Replan(protected_until=at(day(0), "12:00")))
    assert coupled.unsuitable(published) == "re-plan inputs"
    three = replace(instance, rules=replace(instance.rules, max_vacations_per_day=3))
    assert coupled.unsuitable(three) is None
    assert coupled.decompose(three) is None, "an assistant the day-pattern model leaves aside"


def test_an_impossible_part_is_still_explained() -> None:
    """The decomposition leaves it (no rota): the block model's checks explain it."""
    instance = pair(2)
    instance = replace(
        instance,
        contracts=(replace(instance.contracts[0], weekly_minutes=30 * 60), *instance.contracts[1:]),
    )
    rota = solve_checked(instance, time_limit_s=10)
    assert rota.status == Status.INFEASIBLE
    assert rota.explanation


def test_the_same_part_gives_the_same_rota(monkeypatch: pytest.MonkeyPatch) -> None:
    instance = pair(4)
    seen = _spy(monkeypatch)
    first = solve(instance, time_limit_s=5, deterministic=True)
    second = solve(instance, time_limit_s=5, deterministic=True)
    assert first.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert first.assignments == second.assignments
    assert not check_rota(instance, first)
    assert len(seen) == 2 and all(r is not None for r in seen), "both by the decomposition"


@pytest.mark.parametrize("seed", range(4))
def test_a_constructed_plan_is_costed_as_the_whole_objective_counts_it(seed: int) -> None:
    """The plans built without the day-pattern model (the first rota in turn) enter the integer
    master: their bases and the shared slots they leave must add up to the rota's objective."""
    instance = pair(seed)
    coupling = coupled.decompose(instance)
    assert coupling is not None
    whole = build(instance)
    busy: greedy.Busy = {}
    plans: list[coupled.Plan] = []
    for i, sub in enumerate(coupling.subs):
        built = greedy.plan_assistant(whole, sub.assistant, busy)
        assert built is not None
        rota = Rota(
            Status.FEASIBLE, tuple(built[0]), travel=tuple(built[2]), breaks=tuple(built[1])
        )
        plans.append(coupling.built(i, rota))
    present = set().union(*(p.present for p in plans))
    left = sum(s.value for key, s in coupling.shared.items() if key not in present)
    merged = Rota(
        Status.FEASIBLE,
        tuple(sorted((a for p in plans for a in p.rota.assignments), key=lambda a: a.start)),
        travel=tuple(t for p in plans for t in p.rota.travel),
        breaks=tuple(b for p in plans for b in p.rota.breaks),
    )
    assert check_rota(instance, merged) == []
    assert sum(p.base for p in plans) + left == objective_total(instance, merged)


@pytest.mark.parametrize("places", ["one", "mixed"])
def test_a_groupement_where_places_bind_gets_a_valid_rota(places: str) -> None:
    """Eight assistants, each at 2 to 5 of ten cabinets drawn near her, one place in most: the
    constructive rota does not fit every assistant, and those it misses are planned exactly in
    the times the others left."""
    shape = Shape(f"test-{places}", 8, 10, places=places, nearest=6)  # type: ignore[arg-type]
    instance = groupement(shape, 1)
    assert binding(instance) >= 0.2
    rota = solve(instance, time_limit_s=10, workers=2)
    assert rota.status in (Status.FEASIBLE, Status.OPTIMAL)
    assert check_rota(instance, rota) == []
    assert rota.bound is not None and rota.objective is not None
    assert 0 <= rota.bound <= rota.objective


@pytest.mark.parametrize("seed", range(3))
def test_the_first_bound_prices_each_assistant_exactly_at_the_relaxations_prices(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """At the slot relaxation's prices, each assistant's proven optimum (not the LP bound of her
    master) goes into the Lagrangian bound, so the bound holds her travel and whole blocks."""
    from solver.slot_bound import slot_bound

    instance = replace(pair(seed, places=1), days=5)
    coupling = coupled.decompose(instance)
    relaxed = slot_bound(build(instance))
    assert coupling is not None and relaxed is not None
    mu = {
        k: round(min(relaxed.cover.get(k, 0.0), s.value))
        for k, s in coupling.shared.items()
        if s.value > 0
    }
    rho = {
        k: round(min(relaxed.crowd[k], coupling.crowding))
        for k, s in coupling.shared.items()
        if s.crowded and relaxed.crowd.get(k, 0.0) > 0
    }
    v = {k: mu.get(k, 0) - rho.get(k, 0) for k in mu.keys() | rho.keys()}
    floors = []
    for i, sub in enumerate(coupling.subs):
        search = search_days(
            sub.data, budget=30, deterministic=True, should_stop=None, prices=coupling.prices(i, v)
        )
        assert search.run.proven and search.floor is not None
        floors.append(search.floor)
    exact = coupled.lagrangian_bound(coupling, floors, mu, rho)
    budgets: list[tuple[float, bool]] = []

    def spy(data: PlanData, **kwargs: Any) -> Any:
        found = search_days(data, **kwargs)
        budgets.append((kwargs["budget"], found.run.proven))
        return found

    monkeypatch.setattr(assistants, "search_days", spy)
    result = assistants.solve_by_assistants(
        instance,
        budget=20,
        deterministic=True,
        part=0,
        parts=1,
        progress=None,
        started=None,
        should_stop=None,
    )
    assert result is not None and result.bound is not None
    assert result.bound >= exact
    # Each assistant's search at those prices had time to prove her optimum: two of them, each
    # given min(2, 30 % of the 20 units / 2) = 2 units (0.1 left her LP bound in the sum).
    first = [b for b in budgets if b[0] == pytest.approx(2.0)]
    assert len(first) == 2 and all(proven for _, proven in first)


def test_waves_of_one_lane_are_the_order_itself() -> None:
    neighbours = [frozenset({1}), frozenset({0}), frozenset()]
    assert list(assistants._waves([2, 0, 1], neighbours, 1)) == [[2], [0], [1]]


def test_waves_pair_only_assistants_who_share_no_slot() -> None:
    # 0-1 and 1-2 share slots; 3 shares with none.
    neighbours = [frozenset({1}), frozenset({0, 2}), frozenset({1}), frozenset()]
    waves = list(assistants._waves([1, 0, 2, 3], neighbours, 2))
    # 1 first, then the next one left who is not its neighbour (3); then 0 with 2.
    assert waves == [[1, 3], [0, 2]]
    assert sorted(i for wave in waves for i in wave) == [0, 1, 2, 3]
    for wave in waves:
        assert all(j not in neighbours[i] for i in wave for j in wave)


def test_waves_never_hold_more_than_the_lanes() -> None:
    alone: list[frozenset[int]] = [frozenset() for _ in range(5)]
    assert list(assistants._waves(range(5), alone, 2)) == [[0, 1], [2, 3], [4]]
    assert list(assistants._waves(range(5), alone, 3)) == [[0, 1, 2], [3, 4]]


def test_side_by_side_gives_the_results_in_the_jobs_order() -> None:
    jobs = [lambda k=k: k * k for k in range(7)]
    assert assistants._side_by_side(3, jobs) == [k * k for k in range(7)]
    assert assistants._side_by_side(1, jobs) == [k * k for k in range(7)]


def test_the_neighbours_are_those_who_may_fill_a_shared_slot() -> None:
    coupling = coupled.decompose(pair(3))
    assert coupling is not None
    neighbours = assistants._neighbours(coupling)
    # Julie and Marie both serve Parc: each is the other's neighbour, and nobody her own.
    assert neighbours == [frozenset({1}), frozenset({0})]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_part_searched_side_by_side_gets_a_checked_rota(workers: int) -> None:
    instance = pair(3)
    result = assistants.solve_by_assistants(
        instance,
        budget=6,
        deterministic=False,
        part=0,
        parts=1,
        progress=None,
        started=None,
        should_stop=None,
        workers=workers,
    )
    assert result is not None
    assert result.status in (Status.FEASIBLE, Status.OPTIMAL)
    rota = Rota(
        result.status,
        tuple(result.assignments),
        travel=tuple(result.travel),
        breaks=tuple(result.breaks),
    )
    assert check_rota(instance, rota) == []
    assert result.objective == objective_total(instance, rota)
    assert result.bound <= result.objective
