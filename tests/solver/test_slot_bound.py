"""The slot relaxation of a part with several assistants (`solver.slot_bound`).

Rules under test: its optimum never exceeds the proven optimum of the block model (small pairs of
assistants sharing a cabinet of one or two places); it counts the sessions nobody can cover
(a cabinet closed to every assistant's hours) in full; it does not forget the share deviation the
carried balances force, the least deviation of balances off the grain included; its prices are
never negative.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver import coupled
from solver import slot_bound as slot_bound_module
from solver.constraints.data import build
from solver.facade import solve
from solver.model import Session, Status
from solver.slot_bound import slot_bound
from tests.solver.builders import JULIE, PARC
from tests.solver.test_coupled import pair


@pytest.mark.parametrize("seed", range(4))
def test_the_relaxation_never_exceeds_the_optimum(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    instance = pair(seed)
    with monkeypatch.context() as m:
        m.setattr(coupled, "unsuitable", lambda _instance: "set aside for the comparison")
        optimum = solve(instance, time_limit_s=60, workers=2)
    assert optimum.status == Status.OPTIMAL and optimum.objective is not None
    relaxed = slot_bound(build(instance))
    assert relaxed is not None
    assert 0 <= relaxed.bound <= optimum.objective
    assert all(p >= 0 for p in relaxed.cover.values())
    assert all(p >= 0 for p in relaxed.crowd.values())


def test_a_session_nobody_can_reach_counts_in_full() -> None:
    instance = pair(0)
    # Parc gets a Sunday session: no assistant works on Sunday, so its 60 minutes stay uncovered.
    cabinets = tuple(
        replace(c, sessions=(*c.sessions, Session(6, 600, 660, 1))) if c.id == PARC else c
        for c in instance.cabinets
    )
    sunday = replace(instance, cabinets=cabinets, days=7)
    base = replace(instance, days=7)
    with_sunday = slot_bound(build(sunday))
    without = slot_bound(build(base))
    assert with_sunday is not None and without is not None
    assert with_sunday.bound - without.bound == 60 * sunday.weights.session_uncovered


def test_a_balance_beyond_what_the_week_can_repay_is_counted() -> None:
    instance = pair(1)
    # Julie's contract carries a deficit of 10 hours at Parc: no week can repay it within the
    # share tolerance, so at least 10 h less the tolerance stays as share deviation.
    contracts = tuple(
        replace(k, balance_minutes={PARC: -600}) if k.assistant == JULIE else k
        for k in instance.contracts
    )
    owed = slot_bound(build(replace(instance, contracts=contracts)))
    assert owed is not None
    tolerance = instance.rules.share_tolerance_minutes
    assert owed.bound >= (600 - tolerance) * instance.weights.share_deviation


def test_a_search_can_start_from_a_rota_built_without_it() -> None:
    """Each worked day of a constructive rota is found among the master's columns (same minutes
    at each cabinet), so the exact search of a sweep starts from the assistant's current plan."""
    from solver import patterns
    from solver.greedy import greedy_rota
    from solver.strategies.days import columns_of
    from tests.solver.builders import make_instance

    instance = make_instance()
    rota = greedy_rota(instance)
    assert rota is not None
    data = build(instance)
    master = patterns.build_master(data, patterns.all_day_columns(data))
    start = patterns.PatternRota(list(rota.assignments), list(rota.breaks), list(rota.travel))
    chosen = columns_of(data, master, start)
    assert chosen is not None
    worked = {(a.start.date() - data.dates[0]).days for a in rota.assignments}
    assert sorted(master.columns[j][0] for j in chosen) == sorted(worked)
    for j in chosen:
        d, column = master.columns[j]
        on_day = [a for a in rota.assignments if (a.start.date() - data.dates[0]).days == d]
        assert sum(m for _, _, m in column.minutes) == sum(a.minutes for a in on_day)


@pytest.mark.parametrize("seed", range(4))
def test_a_balance_off_the_grain_is_counted_at_its_least_deviation(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Balances of ±3 minutes on a 15-minute grain cost each of Julie's cabinets at least 3
    minutes of deviation in any rota; the relaxation, whose minutes are fractions, would meet the
    targets less the balances exactly without the floor."""
    instance = pair(seed)
    assert instance.slot_minutes == 15
    julie = next(k for k in instance.contracts if k.assistant == JULIE)
    offsets = {c: (3 if i % 2 == 0 else -3) for i, c in enumerate(sorted(julie.shares))}
    carried = replace(
        instance,
        contracts=tuple(
            replace(k, balance_minutes=offsets) if k.assistant == JULIE else k
            for k in instance.contracts
        ),
    )
    floored = slot_bound(build(carried))
    with monkeypatch.context() as m:
        m.setattr(slot_bound_module, "least_deviation", lambda _offset, _grain: 0)
        unfloored = slot_bound(build(carried))
    assert floored is not None and unfloored is not None
    forced = 3 * len(offsets) * instance.weights.share_deviation
    assert floored.bound >= forced
    assert floored.bound > unfloored.bound


def test_minutes_worked_against_a_preference_are_counted() -> None:
    """Julie prefers every weekday off: each of her contract's minutes costs its weight in any
    rota, and the relaxation, whose presence is exactly her minutes of work, counts them all."""
    from solver.model import Preferences

    instance = pair(2)
    every_day = Preferences(days_off=tuple(range(7)))
    averse = replace(
        instance,
        assistants=tuple(
            replace(a, preferences=every_day) if a.id == JULIE else a for a in instance.assistants
        ),
    )
    plain = slot_bound(build(instance))
    counted = slot_bound(build(averse))
    assert plain is not None and counted is not None
    data = build(averse)
    owed = sum(
        target for (k, _week), target in data.targets.items() if data.contracts_of[JULIE][0].id == k
    )
    assert owed > 0
    assert counted.bound >= plain.bound + owed * instance.weights.preference_violations - 1
