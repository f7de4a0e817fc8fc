"""The decision structure (solver/constraints/blocks.py): per assistant and day, ordered blocks.

What a block may be (on the grain, inside a feasible window, at least an hour, a break only in a
long enough window), what may lie between two blocks (nothing, a travel leg of the road time that
ends as the next block starts and lies in her free time, or an interruption of at least the break
length; on a day with fixed segments, also a declared break of up to the break length), and the
helpers rules build on (`overlap`, `work_overlap`, `guard`).
"""

from __future__ import annotations

from collections.abc import Callable

from ortools.sat.python import cp_model

from solver.constraints.blocks import MIN_PIECE_MINUTES, Block, Day, PlanModel, Segment
from solver.constraints.data import build
from solver.model import AssistantId, CabinetId, Instance, Rules
from tests.solver.builders import (
    GARE,
    JULIE,
    PARC,
    POOL,
    TILLEULS,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    window,
)

Pin = Callable[[PlanModel], None]


def _pm(
    instance: Instance | None = None, *, explain: bool = False, fixed: bool = False
) -> PlanModel:
    """The model of a day; `fixed`: with a pinned segment at the Tilleuls, 08:00-12:00, that day."""
    segments = {(AssistantId(JULIE), 0): [Segment(POOL, TILLEULS, 480, 720, 480, 0, (), True)]}
    return PlanModel(
        build(instance or make_instance(days=1)),
        explain=explain,
        fixed=segments if fixed else None,
    )


def _day(pm: PlanModel, d: int = 0) -> Day:
    return pm.days[(AssistantId(JULIE), d)]


def _solve(pm: PlanModel) -> cp_model.CpSolver | None:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    status = solver.solve(pm.model)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE)
    return solver if status != cp_model.INFEASIBLE else None


def _blocks(pm: PlanModel, *spans: tuple[int, int, str], d: int = 0) -> None:
    """Pin the day's blocks in order to (start, end, cabinet), no break; the others absent."""
    for k, b in enumerate(_day(pm, d).blocks):
        if k < len(spans):
            start, end, cabinet = spans[k]
            for expr, value in (
                (b.present, 1),
                (b.start, start),
                (b.end, end),
                (b.has_break, 0),
                (b.at[CabinetId(cabinet)], 1),
            ):
                pm.model.add(expr == value)
        else:
            pm.model.add(b.present == 0)


def _possible(
    *spans: tuple[int, int, str], instance: Instance | None = None, paused: bool = False
) -> bool:
    """Whether the day can hold these blocks; `paused`: with a fixed segment that day, each gap a
    declared break."""
    pm = _pm(instance, fixed=paused)
    _blocks(pm, *spans)
    if paused:
        for gap in _day(pm).gaps:
            assert gap.paused is not None
            pm.model.add(gap.paused == 1)
    return _solve(pm) is not None


def test_every_assistant_day_gets_a_day_and_a_day_without_window_gets_no_block() -> None:
    pm = _pm(make_instance(days=7))
    assert sorted(d for _, d in pm.days) == list(range(7))
    assert len(_day(pm, 0).blocks) == 2 and len(_day(pm, 0).gaps) == 1
    assert _day(pm, 5).blocks == [] and _day(pm, 5).worked == 0  # Saturday: not available
    assert _day(pm, 6).blocks == []  # Sunday rest


def test_a_day_gets_as_many_blocks_as_vacations_allowed_and_at_least_two() -> None:
    assert len(_day(_pm(make_instance(days=1, rules=Rules(max_vacations_per_day=3)))).blocks) == 3
    assert len(_day(_pm(make_instance(days=1, rules=Rules(max_vacations_per_day=1)))).blocks) == 2


def test_a_block_lies_on_the_grain_inside_a_window() -> None:
    assert _possible((480, 720, TILLEULS))
    assert not _possible((485, 720, TILLEULS))  # off the 15-minute grain
    assert not _possible((465, 720, TILLEULS))  # before the opening
    assert not _possible((900, 1155, TILLEULS))  # after 19:00


def test_a_block_lasts_at_least_an_hour() -> None:
    assert MIN_PIECE_MINUTES == 60
    assert _possible((480, 540, TILLEULS))
    assert not _possible((480, 525, TILLEULS))


def test_between_two_blocks_at_one_cabinet_nothing_or_an_interruption_of_the_break_length() -> None:
    assert _possible((480, 720, TILLEULS), (750, 900, TILLEULS))  # 30 minutes
    assert not _possible((480, 720, TILLEULS), (740, 900, TILLEULS))  # off the grain
    assert not _possible((480, 720, TILLEULS), (735, 900, TILLEULS))  # 15 < 20 minutes
    # Touching blocks at one cabinet under one contract are one block: not two.
    assert not _possible((480, 720, TILLEULS), (720, 900, TILLEULS))


def test_a_gap_is_a_declared_break_only_on_a_day_with_fixed_segments() -> None:
    assert all(gap.paused is None for day in _pm().days.values() for gap in day.gaps)
    gaps = _day(_pm(fixed=True)).gaps
    assert gaps and all(gap.paused is not None for gap in gaps)


def test_a_declared_break_between_blocks_lasts_from_the_break_minutes_to_the_break_length() -> None:
    assert _possible((480, 720, TILLEULS), (750, 900, TILLEULS), paused=True)  # 30 minutes
    assert not _possible((480, 720, TILLEULS), (735, 900, TILLEULS), paused=True)  # 15 < 20
    assert not _possible((480, 720, TILLEULS), (765, 900, TILLEULS), paused=True)  # 45 > 30
    assert not _possible((480, 720, TILLEULS), (720, 900, TILLEULS), paused=True)  # touching
    # Between two cabinets the break comes before the leg: 30 minutes, then 15 on the road.
    road = make_instance(days=1, travel={(TILLEULS, PARC): 15})
    assert _possible((480, 720, TILLEULS), (765, 900, PARC), instance=road, paused=True)
    assert not _possible((480, 720, TILLEULS), (750, 900, PARC), instance=road, paused=True)


def test_a_travel_leg_of_the_road_time_joins_two_cabinets() -> None:
    road = make_instance(days=1, travel={(TILLEULS, PARC): 15})
    assert _possible((480, 720, TILLEULS), (735, 900, PARC), instance=road)  # leg 12:00-12:15
    assert not _possible((480, 720, TILLEULS), (720, 900, PARC), instance=road)  # no time to go
    assert not _possible((480, 720, TILLEULS), (750, 900, PARC), instance=road)  # 15 min cut
    pm = _pm(road)
    _blocks(pm, (480, 720, TILLEULS), (735, 900, PARC))
    solver = _solve(pm)
    assert solver is not None
    gap = _day(pm).gaps[0]
    assert solver.value(gap.travel) == 15 and solver.value(gap.joined) == 1


def test_cabinets_without_a_road_time_are_not_both_worked_in_a_day() -> None:
    instance = make_instance(
        days=1,
        cabinets=[make_cabinet(TILLEULS), make_cabinet(GARE)],
        contracts=[make_contract(shares={TILLEULS: 5000, GARE: 5000})],
        travel={},
    )
    assert not _possible((480, 720, TILLEULS), (840, 990, GARE), instance=instance)
    assert _possible((480, 720, TILLEULS), (840, 990, TILLEULS), instance=instance)


def test_a_travel_leg_lies_in_the_assistants_free_time() -> None:
    # Free 08:00-12:00 and 13:00-19:00: a leg ending at 13:00 would start in her lunch hour.
    who = make_assistant(availability=[window(0, "08:00", "12:00"), window(0, "13:00", "19:00")])
    instance = make_instance(days=1, assistants=[who])
    assert not _possible((480, 720, TILLEULS), (780, 900, PARC), instance=instance)
    assert _possible((480, 720, TILLEULS), (810, 900, PARC), instance=instance)  # leg 13:10-13:30


def test_a_later_block_needs_the_earlier_one() -> None:
    pm = _pm()
    first, second = _day(pm).blocks
    pm.model.add(first.present == 0)
    pm.model.add(second.present == 1)
    assert _solve(pm) is None


def test_a_break_splits_a_block_only_in_a_window_longer_than_six_hours() -> None:
    short = make_instance(
        days=1, assistants=[make_assistant(availability=[window(0, "08:00", "14:00")])]
    )
    assert not _day(_pm(short)).blocks[0].breakable
    pm = _pm()
    block = _day(pm).blocks[0]
    assert block.breakable
    for expr, value in (
        (block.present, 1),
        (block.start, 480),
        (block.end, 1020),
        (block.has_break, 1),
    ):
        pm.model.add(expr == value)
    pm.model.add(block.break_start == 720)
    solver = _solve(pm)
    assert solver is not None
    assert solver.value(block.break_length) == 30  # 20 minutes rounded up to the grain
    assert solver.value(block.work()) == 510


def test_each_piece_around_a_break_lasts_at_least_an_hour() -> None:
    pm = _pm()
    block = _day(pm).blocks[0]
    for expr, value in (
        (block.present, 1),
        (block.start, 480),
        (block.end, 1020),
        (block.has_break, 1),
    ):
        pm.model.add(expr == value)
    pm.model.add(block.break_start == 525)  # 45 minutes before the break
    assert _solve(pm) is None


def _overlap_value(start: int, end: int, lo: int, hi: int) -> int:
    pm = _pm()
    m = pm.model
    s, e = m.new_constant(start), m.new_constant(end)
    out = pm.overlap(s, e, lo, hi, "t")
    solver = _solve(pm)
    assert solver is not None
    return int(solver.value(out))


def test_overlap_is_the_exact_intersection_or_zero() -> None:
    assert _overlap_value(480, 720, 600, 900) == 120
    assert _overlap_value(480, 720, 720, 900) == 0  # touching
    assert _overlap_value(480, 720, 800, 900) == 0  # apart
    assert _overlap_value(480, 720, 300, 1000) == 240  # inside


def test_work_overlap_leaves_the_break_out() -> None:
    pm = _pm()
    block: Block = _day(pm).blocks[0]
    for expr, value in (
        (block.present, 1),
        (block.start, 480),
        (block.end, 1020),
        (block.has_break, 1),
    ):
        pm.model.add(expr == value)
    pm.model.add(block.break_start == 720)
    inside = pm.work_overlap(block, 600, 840, "w")  # 10:00-14:00 holds the 12:00-12:30 break
    solver = _solve(pm)
    assert solver is not None and solver.value(inside) == 210


def test_guards_exist_only_when_explaining_and_are_shared_per_key() -> None:
    def unwritten() -> str:
        raise AssertionError("a sentence written without explaining")

    plain = _pm()
    assert plain.guard("daily-work", "julie", unwritten) == [] and plain.guards == {}
    explained = _pm(explain=True)
    first = explained.guard("daily-work", "julie", lambda: "phrase")
    again = explained.guard("daily-work", "julie", unwritten)
    assert len(first) == 1 and first[0] is again[0]
    assert explained.guards[("daily-work", "julie")][1] == "phrase"
    assert explained.guard("daily-work", "marie", lambda: "x")[0] is not first[0]
