"""The soft goals as model expressions (solver/constraints/soft.py), each on a pinned tiny rota.

Each test builds the block structure of a tiny instance, pins the blocks, and reads the term's
value: exact terms give the same value whether the solver minimises or maximises them; the
coverage terms (one-sided by design) give the true value at their minimum, which
`exact_presence` recomputes from the assignments.
"""

from __future__ import annotations

from collections.abc import Callable

from ortools.sat.python import cp_model

from solver.constraints import soft
from solver.constraints.blocks import Expr, PlanModel
from solver.constraints.data import build
from solver.model import (
    AssistantId,
    CabinetId,
    ContractId,
    DatedRequest,
    Instance,
    Preferences,
    Replan,
    Session,
)
from tests.solver.builders import (
    JULIE,
    MONDAY,
    PAID,
    PARC,
    POOL,
    TILLEULS,
    assign,
    day,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
)

Term = Callable[[PlanModel], Expr]
Pin = Callable[[PlanModel], None]


def _value(instance: Instance, term: Term, pin: Pin, *, maximize: bool = False) -> int:
    pm = PlanModel(build(instance))
    expr = term(pm)
    pin(pm)
    if maximize:
        pm.model.maximize(expr)
    else:
        pm.model.minimize(expr)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    assert solver.solve(pm.model) == cp_model.OPTIMAL
    return int(solver.value(expr))


def _exact(instance: Instance, term: Term, pin: Pin) -> int:
    low = _value(instance, term, pin)
    assert _value(instance, term, pin, maximize=True) == low, "the term is not exact"
    return low


def _blocks(*spans: tuple[int, int, int, str], who: str = JULIE) -> Pin:
    """Pin day `d`'s blocks in order: (day, start, end, cabinet); the other blocks absent."""

    def pin(pm: PlanModel) -> None:
        by_day: dict[int, list[tuple[int, int, str]]] = {}
        for d, start, end, cabinet in spans:
            by_day.setdefault(d, []).append((start, end, cabinet))
        for (a, d), plan_day in pm.days.items():
            if a != who:
                continue
            mine = by_day.get(d, [])
            for k, b in enumerate(plan_day.blocks):
                if k < len(mine):
                    start, end, cabinet = mine[k]
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

    return pin


def test_share_deviation_sums_each_cabinets_gap_with_its_balance() -> None:
    # Week target: Tilleuls 21 h, Parc 14 h. Planned: Tilleuls 21 h 30, Parc 13 h 30.
    week = (
        *[(d, 480, 738, TILLEULS) for d in range(5)],
        *[(d, 810, 972, PARC) for d in range(5)],
    )
    assert sum(e - s for _, s, e, c in week if c == TILLEULS) == 1290
    assert sum(e - s for _, s, e, c in week if c == PARC) == 810
    # Travel paid beyond the contract: the legs between the two cabinets credit none of them.
    plain = make_instance(slot_minutes=1, rules=PAID)
    assert _exact(plain, soft.share_deviation, _blocks(*week)) == 30 + 30
    carried = make_instance(
        slot_minutes=1,
        contracts=[make_contract(balance_minutes={TILLEULS: 45, PARC: -45})],
        rules=PAID,
    )
    assert _exact(carried, soft.share_deviation, _blocks(*week)) == 75 + 75


def test_travel_minutes_and_site_changes_count_each_leg() -> None:
    # Tilleuls 08:00-12:00, 15 minutes of road, Parc 12:15-15:00 (or 13:00-15:00 after a cut).
    one_day = make_instance(days=1, travel={(TILLEULS, PARC): 15})
    for parc_start in (735, 780):
        legs = _blocks((0, 480, 720, TILLEULS), (0, parc_start, 900, PARC))
        assert _exact(one_day, soft.travel_minutes, legs) == 15
        assert _exact(one_day, soft.site_changes, legs) == 1
    same_place = _blocks((0, 480, 720, TILLEULS), (0, 780, 900, TILLEULS))
    assert _exact(one_day, soft.travel_minutes, same_place) == 0
    assert _exact(one_day, soft.site_changes, same_place) == 0


def _covering(
    sessions: tuple[Session, ...] = (), requests: tuple[DatedRequest, ...] = ()
) -> Instance:
    return make_instance(
        days=1,
        cabinets=[make_cabinet(TILLEULS, sessions=sessions, requests=requests), make_cabinet(PARC)],
    )


def test_session_uncovered_counts_weighted_minutes_without_anyone_on_site() -> None:
    # Session 09:00-12:00 weight 2; Julie at the Tilleuls 08:00-10:30: 90 minutes missing.
    instance = _covering(sessions=(Session(0, 540, 720, 2),))
    pin = _blocks((0, 480, 630, TILLEULS))
    assert _value(instance, soft.session_uncovered, pin) == 180
    # At the Parc instead, the whole session is uncovered.
    assert _value(instance, soft.session_uncovered, _blocks((0, 480, 630, PARC))) == 360
    pm = PlanModel(build(instance))
    assert soft.exact_presence(pm, [assign(MONDAY, "08:00", "10:30")]) == (180, 0)


def test_request_uncovered_counts_only_its_own_date() -> None:
    requests = (DatedRequest(MONDAY, 600, 720, 3), DatedRequest(day(1), 480, 1140, 5))
    instance = _covering(requests=requests)
    pin = _blocks((0, 480, 660, TILLEULS))  # 11:00-12:00 of the Monday request missing
    assert _value(instance, soft.request_uncovered, pin) == 180
    pm = PlanModel(build(instance))
    assert soft.exact_presence(pm, [assign(MONDAY, "08:00", "11:00")]) == (0, 180)


def test_exact_presence_merges_overlapping_assignments_and_skips_closed_days() -> None:
    instance = make_instance(
        days=1,
        cabinets=[make_cabinet(TILLEULS, sessions=(Session(0, 480, 720),)), make_cabinet(PARC)],
    )
    pm = PlanModel(build(instance))
    both = [assign(MONDAY, "08:00", "10:00"), assign(MONDAY, "09:00", "11:00", assistant="marie")]
    assert soft.exact_presence(pm, both) == (60, 0)
    # Whit Monday 2027 (17 May) closes the cabinet: its session is not counted.
    holiday = make_instance(
        days=1,
        start=day(0, first=MONDAY.replace(year=2027, month=5, day=17)),
        cabinets=[make_cabinet(TILLEULS, sessions=(Session(0, 480, 720),)), make_cabinet(PARC)],
    )
    assert soft.exact_presence(PlanModel(build(holiday)), []) == (0, 0)


def test_preference_violations_count_minutes_on_days_off_and_outside_the_liked_hours() -> None:
    def instance(preferences: Preferences) -> Instance:
        return make_instance(days=1, assistants=[make_assistant(preferences=preferences)])

    pin = _blocks((0, 480, 720, TILLEULS), (0, 780, 1020, TILLEULS))  # 08-12 and 13-17
    assert _exact(instance(Preferences(days_off=(0,))), soft.preference_violations, pin) == 480
    assert _exact(instance(Preferences(days_off=(1,))), soft.preference_violations, pin) == 0
    assert _exact(instance(Preferences(earliest_start=540)), soft.preference_violations, pin) == 60
    assert _exact(instance(Preferences(latest_end=960)), soft.preference_violations, pin) == 60
    assert (
        _exact(
            instance(Preferences(earliest_start=480, latest_end=1020)),
            soft.preference_violations,
            pin,
        )
        == 0
    )


def test_stability_changes_count_published_minutes_not_kept() -> None:
    published = Replan(published=(assign(MONDAY, "08:00", "12:00"),))
    instance = make_instance(days=1, replan=published)
    assert _exact(instance, soft.stability_changes, _blocks((0, 480, 720, TILLEULS))) == 0
    assert _exact(instance, soft.stability_changes, _blocks((0, 540, 720, TILLEULS))) == 60
    assert _exact(instance, soft.stability_changes, _blocks((0, 480, 720, PARC))) == 240
    assert _exact(instance, soft.stability_changes, _blocks()) == 240


def test_pattern_changes_count_days_whose_cabinets_differ_from_the_first_week() -> None:
    instance = make_instance(days=14)
    same = _blocks((0, 480, 720, TILLEULS), (7, 540, 780, TILLEULS))
    moved = _blocks((0, 480, 720, TILLEULS), (7, 480, 720, PARC))
    assert _exact(instance, soft.pattern_changes, same) == 0
    assert _exact(instance, soft.pattern_changes, moved) == 1
    # A day worked in one week only is not a pattern change.
    assert _exact(instance, soft.pattern_changes, _blocks((0, 480, 720, TILLEULS))) == 0


def test_credited_minutes_are_those_of_the_contract_at_the_cabinet() -> None:
    def credited(cabinet: str) -> Term:
        return lambda pm: pm.credited(ContractId(POOL), CabinetId(cabinet), (0,))

    paid = make_instance(days=1, rules=PAID)
    pin = _blocks((0, 480, 720, TILLEULS), (0, 780, 900, PARC))
    assert _exact(paid, credited(TILLEULS), pin) == 240
    assert _exact(paid, credited(PARC), pin) == 120
    # Counted in the contract (the default), the leg's 20 minutes count for 30, 15 to each.
    counted = make_instance(days=1)
    assert _exact(counted, credited(TILLEULS), pin) == 240 + 15
    assert _exact(counted, credited(PARC), pin) == 120 + 15
    assert AssistantId(JULIE) in {a for a, _ in PlanModel(build(paid)).days}


def test_share_deviation_cannot_go_below_what_a_balance_off_the_grain_forces() -> None:
    # Balances of +3 and -3 minutes on a 15-minute grain: Tilleuls should get its target less
    # 3 minutes, Parc 3 more, and minutes on the grain miss each by at least 3. The model's
    # least deviation is 6 whatever the blocks, even those the relaxation would pick.
    carried = make_instance(contracts=[make_contract(balance_minutes={TILLEULS: 3, PARC: -3})])
    pm = PlanModel(build(carried))
    expr = soft.share_deviation(pm)
    pm.model.minimize(expr)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    # The deviation variables' own lower bounds, before any search: 3 each.
    proto = pm.model.proto
    lows = [v.domain[0] for v in proto.variables if v.name.startswith("dev[")]
    assert sorted(lows) == [3, 3]
    assert solver.solve(pm.model) == cp_model.OPTIMAL
    assert int(solver.value(expr)) == 6
