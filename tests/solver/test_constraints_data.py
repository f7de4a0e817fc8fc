"""The calendar facts the model is built on (solver/constraints/data.py).

Rules under test (docs/rules.md): availability, opening hours, leave, public holidays and Sunday rest
become per-day windows on the grain; a contract's weekly target drops by its average day for each
usual working day outside the horizon, on whole-day leave or with all its cabinets closed, rounded
to the grain halves up; cabinet share targets split by largest remainder, ties by cabinet id; the
least share deviation a balance off the grain forces.
"""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction

import pytest

from solver.constraints.data import (
    build,
    least_deviation,
    leave_windows,
    merge,
    round_half_up,
    split_largest_remainder,
    subtract,
    usual_days,
    weekday_windows,
)
from solver.model import CabinetId, ContractId, Leave, Replan, Rules
from tests.solver.builders import (
    JULIE,
    MONDAY,
    PARC,
    POOL,
    TILLEULS,
    ZONE,
    assign,
    at,
    day,
    leave_period,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    whole_days,
    window,
    windows,
)

POOL_ID = ContractId(POOL)
T, P = CabinetId(TILLEULS), CabinetId(PARC)


def test_merge_joins_touching_and_overlapping_windows_and_drops_empty_ones() -> None:
    assert merge([(30, 40), (0, 10), (10, 20), (35, 50), (60, 60), (70, 65)]) == [(0, 20), (30, 50)]


def test_merge_keeps_windows_one_minute_apart_separate() -> None:
    assert merge([(0, 10), (11, 20)]) == [(0, 10), (11, 20)]


@pytest.mark.parametrize(
    ("hole", "expected"),
    [
        ((0, 100), [(100, 200)]),  # hole ending exactly at the start: untouched
        ((200, 300), [(100, 200)]),  # hole starting exactly at the end: untouched
        ((120, 150), [(100, 120), (150, 200)]),  # hole inside: split in two
        ((50, 150), [(150, 200)]),  # hole over the start
        ((150, 250), [(100, 150)]),  # hole over the end
        ((100, 200), []),  # hole equal to the window
    ],
)
def test_subtract_removes_holes_at_and_across_the_edges(
    hole: tuple[int, int], expected: list[tuple[int, int]]
) -> None:
    assert subtract([(100, 200)], [hole]) == expected


def test_weekday_windows_merges_only_the_asked_weekday() -> None:
    weekly = [window(0, "08:00", "12:00"), window(0, "11:00", "14:00"), window(1, "06:00", "07:00")]
    assert weekday_windows(weekly, 0) == [(480, 840)]
    assert weekday_windows(weekly, 2) == []


def test_leave_windows_cut_a_leave_across_midnight_into_each_day() -> None:
    who = make_assistant(leave=[leave_period(MONDAY, "22:00", "24:00"), whole_days(day(1))])
    assert leave_windows(who, day(0), ZONE) == [(1320, 1440)]
    assert leave_windows(who, day(1), ZONE) == [(0, 1440)]
    assert leave_windows(who, day(2), ZONE) == []


def test_leave_windows_round_a_partial_minute_outward() -> None:
    start = at(MONDAY, "10:00").replace(second=30)
    end = at(MONDAY, "11:00").replace(second=30)
    who = make_assistant(leave=[Leave(start, end, whole_days=False)])
    # The start minute is floored and the end minute ceiled: leave is never shortened.
    assert leave_windows(who, MONDAY, ZONE) == [(600, 661)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(112), 105),  # 7.47 grains: down
        (Fraction(225, 2), 120),  # exactly 7.5 grains: half goes up
        (Fraction(113), 120),  # 7.53 grains: up
        (Fraction(0), 0),
    ],
)
def test_round_half_up_on_a_fifteen_minute_grain(value: Fraction, expected: int) -> None:
    assert round_half_up(value, 15) == expected


def test_split_largest_remainder_gives_the_leftover_grain_to_the_largest_remainder() -> None:
    # 112 grains at 60/40: 67.2 and 44.8; the one grain left goes to the Parc (.8 > .2).
    assert split_largest_remainder(1680, {T: 6000, P: 4000}, 15) == {T: 1005, P: 675}


def test_split_largest_remainder_breaks_a_tie_by_cabinet_id() -> None:
    assert split_largest_remainder(15, {T: 5000, P: 5000}, 15) == {P: 15, T: 0}


def test_split_largest_remainder_sums_to_the_total() -> None:
    shares = {CabinetId("a"): 3333, CabinetId("b"): 3333, CabinetId("c"): 3334}
    split = split_largest_remainder(2100, shares, 15)
    assert sum(split.values()) == 2100
    assert all(minutes % 15 == 0 for minutes in split.values())


def test_usual_days_ignore_sunday_and_empty_windows() -> None:
    who = make_assistant(
        availability=[
            window(0, "08:00", "12:00"),
            window(2, "09:00", "09:00"),
            window(5, "08:00", "12:00"),
            window(6, "08:00", "12:00"),
        ]
    )
    assert usual_days(who) == (0, 5)


def test_default_week_targets_the_contract_hours_split_by_shares() -> None:
    data = build(make_instance())
    assert data.targets[(POOL_ID, 0)] == 35 * 60
    assert data.share_targets[(POOL_ID, 0, T)] == 21 * 60
    assert data.share_targets[(POOL_ID, 0, P)] == 14 * 60


def test_whole_day_leave_reduces_the_target_by_an_average_day() -> None:
    data = build(make_instance(assistants=[make_assistant(leave=[whole_days(MONDAY)])]))
    assert data.targets[(POOL_ID, 0)] == 28 * 60
    assert data.share_targets[(POOL_ID, 0, T)] == 1005
    assert data.share_targets[(POOL_ID, 0, P)] == 675


def test_partial_leave_does_not_reduce_the_target_but_removes_its_minutes() -> None:
    who = make_assistant(leave=[leave_period(MONDAY, "10:00", "11:00")])
    data = build(make_instance(assistants=[who]))
    assert data.targets[(POOL_ID, 0)] == 35 * 60
    assert data.free[(JULIE, 0)] == ((480, 600), (660, 1140))
    assert {(o.start, o.end) for o in data.options[(JULIE, 0)]} == {(480, 600), (660, 1140)}


def test_a_holiday_closing_every_cabinet_of_the_contract_reduces_the_target() -> None:
    # Friday 25 December 2026 is Christmas: both cabinets are closed.
    data = build(make_instance(start=date(2026, 12, 21)))
    assert data.closed[(T, 4)] == data.closed[(P, 4)]
    assert data.targets[(POOL_ID, 0)] == 28 * 60
    assert data.options[(JULIE, 4)] == ()


def test_a_holiday_closing_one_cabinet_only_keeps_the_target_and_the_other_cabinet() -> None:
    # Good Friday, 3 April 2026, is a holiday in Moselle (Tilleuls) only.
    data = build(make_instance(start=date(2026, 3, 30)))
    assert (T, 4) in data.closed
    assert (P, 4) not in data.closed
    assert data.targets[(POOL_ID, 0)] == 35 * 60
    assert {o.cabinet for o in data.options[(JULIE, 4)]} == {P}


def test_a_partial_week_counts_the_days_outside_the_horizon_as_reduced() -> None:
    data = build(make_instance(start=day(2)))  # Wednesday to Tuesday
    assert [w.days for w in data.weeks] == [(0, 1, 2, 3, 4), (5, 6)]
    assert [w.whole for w in data.weeks] == [False, False]
    assert data.targets[(POOL_ID, 0)] == 21 * 60  # Monday and Tuesday outside
    assert data.targets[(POOL_ID, 1)] == 14 * 60  # Wednesday to Friday outside
    assert data.week_of_day == (0, 0, 0, 0, 0, 1, 1)


def test_options_are_opening_and_availability_aligned_to_the_grain() -> None:
    who = make_assistant(availability=[window(0, "08:07", "12:10"), window(1, "08:00", "08:14")])
    data = build(make_instance(assistants=[who]))
    monday = data.options[(JULIE, 0)]
    assert {(o.cabinet, o.start, o.end, o.free_start) for o in monday} == {
        (P, 495, 720, 487),
        (T, 495, 720, 487),
    }
    assert data.options[(JULIE, 1)] == ()  # a window shorter than the grain holds no block


def test_options_follow_opening_hours_of_each_cabinet() -> None:
    parc = make_cabinet(PARC, opening=[window(0, "14:00", "18:00")])
    data = build(make_instance(cabinets=[make_cabinet(TILLEULS), parc]))
    by_cabinet = {o.cabinet: (o.start, o.end) for o in data.options[(JULIE, 0)]}
    assert by_cabinet == {T: (480, 1140), P: (840, 1080)}
    assert {o.cabinet for o in data.options[(JULIE, 1)]} == {T}


def test_sunday_rest_empties_sunday_unless_the_rule_is_off() -> None:
    every_day = range(7)
    who = make_assistant(availability=windows(weekdays=every_day))
    cabinet = make_cabinet(TILLEULS, opening=windows(weekdays=every_day))
    contract = make_contract(shares={TILLEULS: 10000})
    on = build(make_instance(assistants=[who], cabinets=[cabinet], contracts=[contract]))
    off = build(
        make_instance(
            assistants=[who],
            cabinets=[cabinet],
            contracts=[contract],
            rules=Rules(sunday_rest=False),
        )
    )
    assert on.options[(JULIE, 6)] == () and on.free[(JULIE, 6)] == ()
    assert [(o.start, o.end) for o in off.options[(JULIE, 6)]] == [(480, 1140)]


def test_only_weeks_starting_before_the_protected_cut_of_a_published_rota_are_protected() -> None:
    cut = datetime(2026, 12, 7, 0, 0, tzinfo=ZONE)
    published = Replan(published=(assign(MONDAY, "08:00", "12:00"),), protected_until=cut)
    data = build(make_instance(days=14, replan=published))
    assert [w.protected for w in data.weeks] == [True, False]
    unpublished = build(make_instance(days=14, replan=Replan(protected_until=cut)))
    assert [w.protected for w in unpublished.weeks] == [False, False]


@pytest.mark.parametrize(("minutes", "length"), [(20, 30), (30, 30), (31, 45), (0, 0)])
def test_break_length_is_rounded_up_to_the_grain(minutes: int, length: int) -> None:
    assert build(make_instance(rules=Rules(break_minutes=minutes))).break_length == length


def test_a_contract_of_an_unknown_assistant_gets_no_target() -> None:
    stray = make_contract("other", assistant="nobody")
    data = build(make_instance(contracts=[make_contract(), stray]))
    assert (ContractId("other"), 0) not in data.targets


@pytest.mark.parametrize(
    ("offset", "least"),
    [
        (0, 0),  # on the grain
        (15, 0),
        (-15, 0),
        (3, 3),  # a balance of +3 under a 15-minute grain
        (-3, 3),
        (7, 7),  # just below half the grain: down to the multiple below
        (8, 7),  # just above: up to the multiple above
        (12, 3),
        (1_263, 3),  # far from zero, as over a horizon of weeks
    ],
)
def test_least_deviation_is_the_distance_to_the_grain(offset: int, least: int) -> None:
    assert least_deviation(offset, 15) == least
    assert least_deviation(offset, 1) == 0  # every minute is on a one-minute grain
