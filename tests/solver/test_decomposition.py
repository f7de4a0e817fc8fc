"""Decomposition and determinism: independent parts are solved apart and merged; same input, same rota.

Rule under test: the merged status is the weakest part's, objective and bound add up, an
infeasible part makes the whole infeasible with its explanation; deterministic mode repeats itself;
progress speaks of the whole instance, from a first rota of every part built without search; the
parts start one-assistant parts first, then the largest.
"""

from __future__ import annotations

import importlib
from itertools import pairwise

import pytest

from solver.facade import Progress, solve, split_parts
from solver.greedy import greedy_rota
from solver.model import Instance, Session, Status
from solver.validation import check_rota, objective_total
from tests.solver.builders import (
    GARE,
    JULIE,
    MARIE,
    PARC,
    TILLEULS,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    window,
)
from tests.solver.solving import solve_checked


def _two_pools(marie_hours: int = 16):  # type: ignore[no-untyped-def]
    return make_instance(
        assistants=[make_assistant(JULIE), make_assistant(MARIE)],
        cabinets=[
            make_cabinet(TILLEULS),
            make_cabinet(PARC),
            make_cabinet(GARE, opening=[window(2, "08:00", "12:00")]),
        ],
        contracts=[
            make_contract("pool-1", JULIE),
            make_contract("pool-2", MARIE, marie_hours * 60, {GARE: 10000}),
        ],
    )


def test_independent_pools_are_split_and_merged() -> None:
    instance = _two_pools(4)
    assert len(split_parts(instance)) == 2
    rota = solve_checked(instance)
    assert rota.status == Status.OPTIMAL
    assert {a.assistant for a in rota.assignments} == {JULIE, MARIE}
    assert rota.objective == rota.bound


def test_one_infeasible_part_makes_the_whole_infeasible() -> None:
    rota = solve_checked(_two_pools(16))
    assert rota.status == Status.INFEASIBLE
    assert any("Gare" in line for line in rota.explanation)


def test_deterministic_mode_repeats_itself() -> None:
    instance = _two_pools(4)
    first = solve_checked(instance)
    second = solve_checked(instance)
    assert first.assignments == second.assignments
    assert first.travel == second.travel and first.breaks == second.breaks


def test_parts_start_in_order_and_early_ends_give_time_back() -> None:
    import time

    from solver.facade import _Schedule

    deadline = time.perf_counter() + 100.0
    schedule = _Schedule([4, 1, 5], lanes=2, deadline=deadline, order=[1, 0, 2])
    first = schedule.next()
    assert first == 1, "the parts start in the order given"
    small = schedule.start(first)
    # 200 s of capacity (two lanes), 1 of 10 size units.
    assert 19.0 < small <= 20.0
    second = schedule.next()
    assert second == 0
    # The small part still holds its budget: 180 s left for 9 size units.
    assert 79.0 < schedule.start(second) <= 80.0
    schedule.finish(first)  # ended at once: its time goes back
    last = schedule.next()
    assert last == 2
    # 200 s less the 80 s the running part may use, all to the last part, within the 100 s left.
    assert 99.0 < schedule.start(last) <= 100.0
    assert schedule.next() is None


def test_a_part_past_the_deadline_still_gets_a_little_time() -> None:
    import time

    from solver.facade import _PART_MIN_S, _Schedule

    schedule = _Schedule([1, 1], lanes=1, deadline=time.perf_counter() - 1.0, order=[0, 1])
    part = schedule.next()
    assert part is not None
    assert schedule.start(part) == _PART_MIN_S


def test_parts_of_one_assistant_start_first_then_the_largest() -> None:
    from solver.facade import _order

    alone = make_instance()
    pair = _two_pools(4)  # two assistants (the order reads only who plans)
    parts = [pair, alone, pair, alone, pair]
    assert _order(parts, [5, 3, 9, 1, 7]) == [3, 1, 2, 4, 0]


def test_progress_reports_the_whole_instance_from_its_first_rota() -> None:
    instance = _two_pools(4)
    found: list[Progress] = []
    rota = solve(instance, time_limit_s=1.5, deterministic=True, progress=found.append)
    assert found and all(p.part_count == 2 for p in found)
    # The first report comes before any search: both parts' rotas built without one, no bound.
    parts = split_parts(instance)
    firsts = [objective_total(p, f) for p in parts if (f := greedy_rota(p)) is not None]
    assert len(firsts) == 2 and found[0].best_objective == sum(firsts)
    assert found[0].bound == 0
    for before, after in pairwise(found):
        assert after.best_objective <= before.best_objective
        assert after.bound >= before.bound
    assert all(p.bound <= p.best_objective for p in found)
    assert rota.objective is not None
    assert found[-1].best_objective >= rota.objective
    assert found[-1].bound <= rota.objective


def test_a_solve_stopped_after_the_first_report_keeps_a_rota_of_every_part() -> None:
    instance = _two_pools(4)
    found: list[Progress] = []
    rota = solve(
        instance,
        time_limit_s=10,
        deterministic=True,
        progress=found.append,
        should_stop=lambda: bool(found),
    )
    assert rota.stopped and rota.status == Status.FEASIBLE
    assert check_rota(instance, rota) == []
    assert {a.assistant for a in rota.assignments} == {JULIE, MARIE}
    assert rota.objective == found[0].best_objective


def test_a_part_whose_search_finds_nothing_in_time_keeps_its_first_rota(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from solver.strategies.part import PartResult

    def nothing(instance: Instance, **_: object) -> PartResult:
        return PartResult(Status.UNKNOWN, explanation=["Aucun planning trouvé."])

    monkeypatch.setattr(importlib.import_module("solver.facade"), "solve_part", nothing)
    instance = _two_pools(4)
    rota = solve(instance, time_limit_s=1.5, deterministic=True)
    assert rota.status == Status.FEASIBLE and not rota.stopped
    assert check_rota(instance, rota) == []
    assert {a.assistant for a in rota.assignments} == {JULIE, MARIE}
    assert rota.bound == 0 and rota.objective == objective_total(instance, rota)


def test_the_search_result_is_kept_over_a_first_rota_as_good() -> None:
    from solver.strategies.part import PartResult, better

    first = PartResult(Status.FEASIBLE, objective=120, bound=0)
    search = PartResult(Status.FEASIBLE, objective=120, bound=100)
    assert better(first, search) is search
    assert (search.bound, search.status) == (100, Status.FEASIBLE)
    worse = PartResult(Status.FEASIBLE, objective=150, bound=110)
    assert better(first, worse) is first
    assert (first.bound, first.status) == (110, Status.FEASIBLE)


def test_parts_side_by_side_report_the_whole_in_order() -> None:
    # Four one-assistant pools on two lanes: reports come from both lanes' threads.
    sessions = [Session(wd, 540, 720, 2) for wd in range(5)]
    ids = [f"c{i}" for i in range(8)]
    instance = make_instance(
        assistants=[make_assistant(f"a{i}") for i in range(4)],
        cabinets=[make_cabinet(c, sessions=sessions) for c in ids],
        contracts=[
            make_contract(f"k{i}", f"a{i}", 20 * 60, {ids[2 * i]: 5000, ids[2 * i + 1]: 5000})
            for i in range(4)
        ],
    )
    assert len(split_parts(instance)) == 4
    found: list[Progress] = []
    rota = solve(instance, time_limit_s=4.0, workers=2, progress=found.append)
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE) and check_rota(instance, rota) == []
    assert found and {p.part_count for p in found} == {4}
    for before, after in pairwise(found):
        assert after.best_objective <= before.best_objective
        assert after.bound >= before.bound
    assert rota.objective is not None and found[-1].bound <= rota.objective
