"""The hard rules as model constraints (solver/constraints/hard.py), one rule at a time.

Each test builds the block structure of a tiny instance (`PlanModel`), adds one rule's constraints
and nothing else, then pins the quantity the rule limits: at the limit the model is feasible, one
grain beyond it is not, and without the rule the same beyond-limit value is feasible (so the rule,
not the structure, is what refuses it). Limits are docs/rules.md's, or lowered through `Rules`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ortools.sat.python import cp_model

from solver.constraints import hard
from solver.constraints.blocks import Block, Day, Expr, PlanModel, Segment
from solver.constraints.data import build
from solver.model import AssistantId, CabinetId, ContractId, Instance, Rules
from tests.solver.builders import (
    JULIE,
    MARIE,
    POOL,
    TILLEULS,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    window,
    windows,
)

Rule = Callable[[PlanModel], None]
T = CabinetId(TILLEULS)


def _model(instance: Instance, rule: Rule | None, *, explain: bool = False) -> PlanModel:
    pm = PlanModel(build(instance), explain=explain)
    if rule is not None:
        rule(pm)
    return pm


def _feasible(pm: PlanModel, constrain: Callable[[PlanModel], None]) -> bool:
    constrain(pm)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    status = solver.solve(pm.model)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE), status
    return status != cp_model.INFEASIBLE


def _verdicts(
    instance: Instance,
    rule: Rule,
    at: Callable[[PlanModel], None],
    beyond: Callable[[PlanModel], None],
) -> tuple[bool, bool, bool]:
    """(at the limit with the rule, beyond it with the rule, beyond it without any rule)."""
    return (
        _feasible(_model(instance, rule), at),
        _feasible(_model(instance, rule), beyond),
        _feasible(_model(instance, None), beyond),
    )


def _day(pm: PlanModel, d: int = 0, who: str = JULIE) -> Day:
    return pm.days[(AssistantId(who), d)]


def _block(pm: PlanModel, k: int, d: int = 0, who: str = JULIE) -> Block:
    return _day(pm, d, who).blocks[k]


def _set(pm: PlanModel, *pairs: tuple[Expr, int]) -> None:
    for expr, value in pairs:
        pm.model.add(expr == value)


def _span(pm: PlanModel, k: int, start: int, end: int, d: int = 0, who: str = JULIE) -> None:
    """Block k present from `start` to `end` at the Tilleuls, no break."""
    b = _block(pm, k, d, who)
    _set(pm, (b.present, 1), (b.start, start), (b.end, end), (b.has_break, 0), (b.at[T], 1))


def _only(pm: PlanModel, k: int, d: int = 0, who: str = JULIE) -> None:
    """Blocks after k absent."""
    for b in _day(pm, d, who).blocks[k + 1 :]:
        pm.model.add(b.present == 0)


def _one_day(rules: Rules | None = None, start: str = "08:00", end: str = "19:00") -> Instance:
    every = range(7)
    return make_instance(
        assistants=[make_assistant(availability=windows(start, end, every))],
        cabinets=[make_cabinet(TILLEULS, opening=windows(start, end, every))],
        contracts=[make_contract(shares={TILLEULS: 10000})],
        days=1,
        rules=rules,
    )


def test_daily_work_at_most_the_daily_maximum() -> None:
    def work(minutes: int) -> Callable[[PlanModel], None]:
        return lambda pm: _set(pm, (_day(pm).work_minutes(), minutes))

    assert _verdicts(_one_day(), hard.daily_work, work(600), work(615)) == (True, False, True)


def test_amplitude_at_most_the_limit_from_first_start_to_last_end() -> None:
    def amplitude(minutes: int) -> Callable[[PlanModel], None]:
        def constrain(pm: PlanModel) -> None:
            day = _day(pm)
            _set(pm, (day.first_start, 480), (day.last_end, 480 + minutes))

        return constrain

    assert _verdicts(_one_day(), hard.amplitude, amplitude(600), amplitude(615)) == (
        True,
        False,
        True,
    )


def test_vacations_count_one_more_per_interruption() -> None:
    one = _one_day(Rules(max_vacations_per_day=1))

    def vacations(count: int) -> Callable[[PlanModel], None]:
        def constrain(pm: PlanModel) -> None:
            _span(pm, 0, 480, 720)
            if count == 1:
                _only(pm, 0)
            else:
                _span(pm, 1, 780, 960)  # after an interruption: a second vacation

        return constrain

    assert _verdicts(one, hard.vacations, vacations(1), vacations(2)) == (True, False, True)


def test_interruption_at_most_the_limit() -> None:
    def cut(gap: int) -> Callable[[PlanModel], None]:
        def constrain(pm: PlanModel) -> None:
            _span(pm, 0, 480, 720)
            _span(pm, 1, 720 + gap, 720 + gap + 180)

        return constrain

    assert _verdicts(_one_day(), hard.interruption, cut(120), cut(135)) == (True, False, True)


def test_each_vacation_of_a_cut_day_lasts_at_least_the_minimum() -> None:
    def first_vacation(minutes: int) -> Callable[[PlanModel], None]:
        def constrain(pm: PlanModel) -> None:
            _span(pm, 0, 480, 480 + minutes)
            _span(pm, 1, 780, 960)

        return constrain

    assert _verdicts(
        _one_day(), hard.shorter_vacation, first_vacation(180), first_vacation(165)
    ) == (True, False, True)


def test_a_day_without_interruption_may_hold_a_short_vacation() -> None:
    def short_alone(pm: PlanModel) -> None:
        _span(pm, 0, 480, 600)
        _only(pm, 0)

    assert _feasible(_model(_one_day(), hard.shorter_vacation), short_alone)


def test_a_break_is_due_after_six_hours_of_work() -> None:
    def run(minutes: int) -> Callable[[PlanModel], None]:
        def constrain(pm: PlanModel) -> None:
            _span(pm, 0, 480, 480 + minutes)
            _only(pm, 0)

        return constrain

    assert _verdicts(_one_day(), hard.break_rule, run(360), run(375)) == (True, False, True)


def test_a_declared_break_splits_a_long_block() -> None:
    def with_pause(pm: PlanModel) -> None:
        b = _block(pm, 0)
        _set(pm, (b.present, 1), (b.start, 480), (b.end, 1020), (b.has_break, 1))
        _set(pm, (b.break_start, 720))
        _only(pm, 0)

    pm = _model(_one_day(), hard.break_rule)
    assert pm.data.break_length == 30  # 20 minutes on the 15-minute grain
    assert _feasible(pm, with_pause)


def test_daily_rest_between_two_working_days() -> None:
    late = make_instance(
        assistants=[make_assistant(availability=windows("06:00", "23:00", range(7)))],
        cabinets=[make_cabinet(TILLEULS, opening=windows("06:00", "23:00", range(7)))],
        contracts=[make_contract(shares={TILLEULS: 10000})],
        days=2,
    )

    def rest(next_start: int) -> Callable[[PlanModel], None]:
        def constrain(pm: PlanModel) -> None:
            _set(pm, (_day(pm, 0).last_end, 1260), (_day(pm, 0).worked, 1))
            _set(pm, (_day(pm, 1).first_start, next_start), (_day(pm, 1).worked, 1))

        return constrain

    # 21:00 to 08:00 is 11 h; to 07:45, 10 h 45.
    assert _verdicts(late, hard.daily_rest, rest(480), rest(465)) == (True, False, True)


def _week(rules: Rules | None = None, history: tuple[int, ...] = ()) -> Instance:
    return make_instance(
        assistants=[make_assistant(worked_minutes_before=history)],
        contracts=[make_contract(shares={TILLEULS: 10000})],
        rules=rules,
    )


def _week_work(minutes: int) -> Callable[[PlanModel], None]:
    def constrain(pm: PlanModel) -> None:
        days = pm.data.weeks[0].days
        pm.model.add(sum((_day(pm, d).work_minutes() for d in days), start=0) == minutes)

    return constrain


def test_weekly_maximum() -> None:
    small = _week(Rules(max_weekly_minutes=900))
    assert _verdicts(small, hard.weekly_max, _week_work(900), _week_work(915)) == (
        True,
        False,
        True,
    )


def test_twelve_week_average_counts_the_weeks_already_worked() -> None:
    # Over 2 weeks at most 2 x 16 h 40 = 33 h 20; 23 h 20 already worked leaves 10 h.
    rules = Rules(average_weeks=2, max_average_weekly_minutes=1000)
    instance = _week(rules, history=(1400,))
    assert _verdicts(instance, hard.average_weeks, _week_work(600), _week_work(615)) == (
        True,
        False,
        True,
    )
    # Without the past week, the same 10 h 15 is allowed.
    assert _feasible(_model(_week(rules), hard.average_weeks), _week_work(615))


def test_days_per_week() -> None:
    def worked(count: int) -> Callable[[PlanModel], None]:
        def constrain(pm: PlanModel) -> None:
            for d in range(5):
                pm.model.add(_day(pm, d).worked == (1 if d < count else 0))

        return constrain

    assert _verdicts(
        _week(Rules(max_days_per_week=2)), hard.days_per_week, worked(2), worked(3)
    ) == (
        True,
        False,
        True,
    )


def test_weekly_rest_of_35_hours_in_a_row_in_a_whole_week() -> None:
    every = range(7)
    instance = make_instance(
        assistants=[make_assistant(availability=windows("08:00", "19:00", every))],
        cabinets=[make_cabinet(TILLEULS, opening=windows("08:00", "19:00", every))],
        contracts=[make_contract(shares={TILLEULS: 10000})],
        rules=Rules(sunday_rest=False),
    )

    def saturday_until(end: int) -> Callable[[PlanModel], None]:
        def constrain(pm: PlanModel) -> None:
            for d in range(6):
                pm.model.add(_day(pm, d).worked == 1)
            pm.model.add(_day(pm, 6).worked == 0)
            pm.model.add(_day(pm, 5).last_end == end)

        return constrain

    # Saturday 13:00 to the week's end is 35 h; 13:15, 34 h 45.
    assert _verdicts(instance, hard.weekly_rest, saturday_until(780), saturday_until(795)) == (
        True,
        False,
        True,
    )


def test_weekly_rest_is_not_required_in_a_partial_week() -> None:
    every = range(7)
    instance = make_instance(
        assistants=[make_assistant(availability=windows("08:00", "19:00", every))],
        cabinets=[make_cabinet(TILLEULS, opening=windows("08:00", "19:00", every))],
        contracts=[make_contract(shares={TILLEULS: 10000})],
        rules=Rules(sunday_rest=False),
        days=6,
    )

    def six_days_until_saturday_evening(pm: PlanModel) -> None:
        for d in range(6):
            pm.model.add(_day(pm, d).worked == 1)
        pm.model.add(_day(pm, 5).last_end == 1140)

    pm = _model(instance, hard.weekly_rest)
    assert not pm.data.weeks[0].whole
    assert _feasible(pm, six_days_until_saturday_evening)


def _credited(pm: PlanModel, cabinet: str = TILLEULS) -> Expr:
    return pm.credited(ContractId(POOL), CabinetId(cabinet), pm.data.weeks[0].days)


def test_contract_hours_equal_the_weekly_target() -> None:
    def hours(minutes: int) -> Callable[[PlanModel], None]:
        return lambda pm: _set(pm, (_credited(pm), minutes))

    instance = _week()
    assert _verdicts(instance, hard.contract_hours, hours(2100), hours(2085)) == (True, False, True)
    assert not _feasible(_model(instance, hard.contract_hours), hours(2115))


def test_shares_within_the_tolerance_of_the_share_target() -> None:
    # Tilleuls 60 % of 35 h: 21 h, within 30 minutes.
    def tilleuls(minutes: int) -> Callable[[PlanModel], None]:
        return lambda pm: _set(pm, (_credited(pm), minutes))

    instance = make_instance()
    for at, beyond in ((1290, 1305), (1230, 1215)):
        assert _verdicts(instance, hard.shares, tilleuls(at), tilleuls(beyond)) == (
            True,
            False,
            True,
        )


def test_cabinet_places_limit_assistants_at_once() -> None:
    def instance(places: int) -> Instance:
        return make_instance(
            assistants=[make_assistant(), make_assistant(MARIE)],
            cabinets=[make_cabinet(TILLEULS, places=places)],
            contracts=[
                make_contract(shares={TILLEULS: 10000}),
                make_contract("pool-2", MARIE, shares={TILLEULS: 10000}),
            ],
            days=1,
        )

    def together(overlap: int) -> Callable[[PlanModel], None]:
        def constrain(pm: PlanModel) -> None:
            _span(pm, 0, 480, 720)
            _span(pm, 0, 720 - overlap, 900, who=MARIE)

        return constrain

    assert _verdicts(instance(1), hard.cabinet_places, together(0), together(15)) == (
        True,
        False,
        True,
    )
    assert _feasible(_model(instance(2), hard.cabinet_places), together(240))


@pytest.mark.parametrize(
    ("rule", "guard", "sentence"),
    [
        (
            hard.daily_work,
            ("daily-work", "julie"),
            "le travail quotidien de Julie Martin limité à 10 h",
        ),
        (
            hard.amplitude,
            ("amplitude", "julie"),
            "l'amplitude de la journée de Julie Martin limitée à 10 h",
        ),
        (hard.break_rule, ("break", "julie"), "une pause après 6 h de travail pour Julie Martin"),
        (hard.daily_rest, ("daily-rest", "julie"), "le repos quotidien de 11 h de Julie Martin"),
        (
            hard.weekly_max,
            ("weekly-max", "julie|0"),
            "au plus 48 h de travail pour Julie Martin la semaine du lundi 30 novembre",
        ),
        (
            hard.contract_hours,
            ("contract-hours", "pool-1|0"),
            "les 35 h du contrat « pool-1 » de Julie Martin la semaine du lundi 30 novembre",
        ),
        (
            hard.shares,
            ("share-tolerance", "pool-1|0|tilleuls"),
            (
                "la part du Cabinet des Tilleuls (21 h à 30 min près) dans le contrat « pool-1 » la "
                "semaine du lundi 30 novembre"
            ),
        ),
    ],
)
def test_explaining_groups_each_rule_under_a_french_sentence(
    rule: Rule, guard: tuple[str, str], sentence: str
) -> None:
    explained = _model(make_instance(), rule, explain=True)
    assert explained.guards[guard][1] == sentence
    assert _model(make_instance(), rule).guards == {}


def test_a_guarded_rule_is_lifted_when_its_guard_is_false() -> None:
    pm = _model(_one_day(), hard.daily_work, explain=True)
    lit = pm.guards[("daily-work", "julie")][0]

    def beyond_and_lifted(pm: PlanModel) -> None:
        _set(pm, (_day(pm).work_minutes(), 615), (lit, 0))

    assert _feasible(pm, beyond_and_lifted)
    strict = _model(_one_day(), hard.daily_work, explain=True)
    lit = strict.guards[("daily-work", "julie")][0]
    assert not _feasible(strict, lambda pm: _set(pm, (_day(pm).work_minutes(), 615), (lit, 1)))


def test_a_day_with_a_window_only_on_other_weekdays_has_no_blocks() -> None:
    who = make_assistant(availability=[window(1, "08:00", "19:00")])
    pm = _model(make_instance(assistants=[who], days=1), None)
    assert _day(pm).blocks == [] and _day(pm).worked == 0


def _pinned_model(rule: Rule | None, *, on_day: int = 0) -> PlanModel:
    instance = make_instance(contracts=[make_contract(shares={TILLEULS: 10000})], days=7)
    piece = Segment(ContractId(POOL), T, 540, 720, 540, 0, (), pinned=True)
    pm = PlanModel(build(instance), fixed={(AssistantId(JULIE), on_day): [piece]})
    if rule is not None:
        rule(pm)
    return pm


def _nothing(_: PlanModel) -> None:
    """No constraint added."""


def _nothing_at_nine(pm: PlanModel) -> None:
    for b in _day(pm).blocks:
        pm.model.add(b.start != 540)


def test_a_pinned_piece_is_kept_as_it_is() -> None:
    assert not _feasible(_pinned_model(hard.fixed_assignments), _nothing_at_nine)
    assert _feasible(_pinned_model(None), _nothing_at_nine)
    assert _feasible(_pinned_model(hard.fixed_assignments), _nothing)


def test_a_pinned_piece_on_a_day_without_any_window_cannot_be_kept() -> None:
    # Sunday (day 6) has no window under Sunday rest: the pin makes the model infeasible.
    assert not _feasible(_pinned_model(hard.fixed_assignments, on_day=6), _nothing)
    assert _feasible(_pinned_model(None, on_day=6), _nothing)
