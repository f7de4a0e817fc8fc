"""The independent checker: each hard rule of docs/rules.md, kept and broken.

For every rule a hand-built rota that keeps it (and every other rule) gives no violation, and one
that breaks exactly that rule is reported with that rule id and nothing else. Also covered: the
weekly targets (reduced days, rounding halves up, largest remainder), credited minutes, the soft
terms and the checker's speed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from solver.model import (
    Assignment,
    AssistantId,
    Break,
    CabinetId,
    Change,
    ContractId,
    DatedRequest,
    Instance,
    Preferences,
    Replan,
    Rota,
    Rules,
    Session,
    TravelLeg,
)
from solver.validation import (
    RULES,
    Violation,
    check_rota,
    credited_minutes,
    objective_counts,
    objective_terms,
    objective_total,
    share_targets,
    travel_credit,
    weekly_targets,
)
from tests.solver.builders import (
    GARE,
    JULIE,
    MARIE,
    MONDAY,
    PAID,
    PARC,
    POOL,
    TILLEULS,
    assign,
    at,
    counted_travel_week,
    day,
    leave_period,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    make_rota,
    pause,
    replace_assignments,
    rule_ids,
    split_day,
    standard_week,
    travel_leg,
    travel_week,
    trips_weeks,
    whole_days,
    window,
    windows,
)

GOOD_FRIDAY_WEEK = date(2026, 3, 30)
"""Monday of the week of Good Friday 2026 (3 April): a public holiday in Moselle only."""


def only(violations: list[Violation], rule: str) -> None:
    """Assert that there are violations and that all of them carry `rule`."""
    assert violations, f"expected a {rule} violation"
    assert rule_ids(violations) == {rule}, violations


# --- The default scenario -----------------------------------------------------------------------


def test_check_rota_standard_week_is_valid() -> None:
    assert check_rota(make_instance(), make_rota()) == []


def test_check_rota_travel_week_is_valid() -> None:
    assignments, legs = counted_travel_week()
    assert check_rota(make_instance(), make_rota(assignments, legs)) == []


def test_check_rota_travel_week_paid_beyond_the_contract_is_valid() -> None:
    assignments, legs = travel_week()
    assert check_rota(make_instance(rules=PAID), make_rota(assignments, legs)) == []


def test_check_rota_violation_names_assistant_day_and_french_message() -> None:
    violations = check_rota(make_instance(rules=Rules(max_daily_minutes=405)), make_rota())
    first = violations[0]
    assert first.assistant == JULIE
    assert first.day == MONDAY
    assert first.message == (
        "Julie Martin travaille 7 h le lundi 30 novembre : au plus 6 h 45 par jour."
    )


def test_rules_lists_every_reported_id() -> None:
    assert len(set(RULES)) == len(RULES)
    assert "daily-work" in RULES and "unknown-id" in RULES


# --- availability ---------------------------------------------------------------------------------


def test_availability_touching_windows_count_as_one() -> None:
    availability = (
        window(0, "08:00", "10:00"),
        window(0, "10:00", "19:00"),
        *windows(weekdays=range(1, 5)),
    )
    instance = make_instance(assistants=[make_assistant(availability=availability)])
    assert check_rota(instance, make_rota()) == []


def test_availability_work_before_window_is_reported() -> None:
    availability = (window(0, "09:00", "19:00"), *windows(weekdays=range(1, 5)))
    instance = make_instance(assistants=[make_assistant(availability=availability)])
    violations = check_rota(instance, make_rota())
    only(violations, "availability")
    assert [v.day for v in violations] == [MONDAY]


def test_availability_travel_outside_window_is_reported() -> None:
    # Monday's availability stops at 12:30: the 12:40 travel leg and the afternoon lie outside.
    availability = (
        window(0, "08:00", "12:30"),
        window(0, "13:00", "19:00"),
        *windows(weekdays=range(1, 5)),
    )
    instance = make_instance(assistants=[make_assistant(availability=availability)])
    assignments, legs = counted_travel_week()
    violations = check_rota(instance, make_rota(assignments, legs))
    only(violations, "availability")
    assert len(violations) == 1
    assert "trajet" in violations[0].message


# --- opening hours --------------------------------------------------------------------------------


def test_opening_hours_work_inside_opening_is_valid() -> None:
    tilleuls = make_cabinet(
        TILLEULS, opening=(window(0, "08:00", "16:00"), *windows(weekdays=range(1, 6)))
    )
    instance = make_instance(cabinets=[tilleuls, make_cabinet(PARC)])
    assert check_rota(instance, make_rota()) == []


def test_opening_hours_work_before_opening_is_reported() -> None:
    tilleuls = make_cabinet(
        TILLEULS, opening=(window(0, "08:30", "19:00"), *windows(weekdays=range(1, 6)))
    )
    instance = make_instance(cabinets=[tilleuls, make_cabinet(PARC)])
    violations = check_rota(instance, make_rota())
    only(violations, "opening-hours")
    assert len(violations) == 1


# --- cabinet places -------------------------------------------------------------------------------


def _two_assistants(places: int) -> list[Violation]:
    marie = make_assistant(MARIE, availability=[window(0, "08:00", "19:00")])
    marie_contract = make_contract("pool-2", MARIE, weekly_minutes=420, shares={TILLEULS: 10_000})
    instance = make_instance(
        assistants=[make_assistant(), marie],
        cabinets=[make_cabinet(TILLEULS, places=places), make_cabinet(PARC)],
        contracts=[make_contract(), marie_contract],
    )
    rota = make_rota([*standard_week(), *split_day(MONDAY, TILLEULS, MARIE, "pool-2")])
    return check_rota(instance, rota)


def test_cabinet_places_two_places_hold_two_assistants() -> None:
    assert _two_assistants(places=2) == []


def test_cabinet_places_one_place_two_assistants_is_reported() -> None:
    violations = _two_assistants(places=1)
    only(violations, "cabinet-places")
    assert len(violations) == 1


# --- leave ----------------------------------------------------------------------------------------


def test_leave_after_work_is_valid() -> None:
    instance = make_instance(
        assistants=[make_assistant(leave=[leave_period(MONDAY, "16:00", "18:00")])]
    )
    assert check_rota(instance, make_rota()) == []


def test_leave_overlapping_work_is_reported() -> None:
    instance = make_instance(
        assistants=[make_assistant(leave=[leave_period(MONDAY, "14:00", "16:00")])]
    )
    violations = check_rota(instance, make_rota())
    only(violations, "leave")
    assert [v.day for v in violations] == [MONDAY]


def test_leave_overlapping_travel_is_reported() -> None:
    instance = make_instance(
        assistants=[make_assistant(leave=[leave_period(MONDAY, "12:30", "12:45")])]
    )
    assignments, legs = counted_travel_week()
    violations = check_rota(instance, make_rota(assignments, legs))
    only(violations, "leave")
    assert "trajet" in violations[0].message


# --- public holidays ------------------------------------------------------------------------------


def _good_friday_week(friday_cabinet: str) -> list[Assignment]:
    cabinets = (TILLEULS, TILLEULS, PARC, PARC, friday_cabinet)
    if friday_cabinet == TILLEULS:
        return [p for k, c in enumerate(cabinets) for p in split_day(day(k, GOOD_FRIDAY_WEEK), c)]
    return list(standard_week(GOOD_FRIDAY_WEEK))


def test_public_holiday_other_department_is_valid() -> None:
    # Good Friday is a holiday in Moselle (Tilleuls) but not for the Parc (national list).
    instance = make_instance(start=GOOD_FRIDAY_WEEK)
    assert check_rota(instance, make_rota(_good_friday_week(PARC))) == []


def test_public_holiday_work_on_holiday_is_reported() -> None:
    instance = make_instance(start=GOOD_FRIDAY_WEEK)
    violations = check_rota(instance, make_rota(_good_friday_week(TILLEULS)))
    only(violations, "public-holiday")
    assert {v.day for v in violations} == {date(2026, 4, 3)}
    assert "Vendredi saint" in violations[0].message


# --- no overlap -----------------------------------------------------------------------------------


def test_overlap_two_assignments_is_reported() -> None:
    # Monday 08:00-12:00 and 11:00-14:00: still 7 h credited, but one hour twice.
    shifted = assign(MONDAY, "11:00", "14:00")
    rota = replace_assignments(standard_week(), [split_day(MONDAY)[1]], [shifted])
    only(check_rota(make_instance(), make_rota(rota)), "overlap")


def test_overlap_break_over_work_is_reported() -> None:
    # The break lies inside the morning work: an overlap, and since it touches no work on both
    # sides it is no valid break either; only those two rules may fire.
    violations = check_rota(make_instance(), make_rota(breaks=[pause(MONDAY, "10:00", "10:20")]))
    assert rule_ids(violations) == {"overlap", "break"}


# --- travel ---------------------------------------------------------------------------------------


# Travel paid beyond the contract below: a leg missing or moved then changes no contract's minutes
# (travel counted, see test_counted_missing_leg_leaves_the_contract_short).


def test_travel_missing_leg_is_reported() -> None:
    assignments, legs = travel_week()
    violations = check_rota(make_instance(rules=PAID), make_rota(assignments, legs[1:]))
    only(violations, "travel")
    assert [v.day for v in violations] == [MONDAY]


def test_travel_leg_shorter_than_road_time_is_reported() -> None:
    assignments, legs = travel_week()
    short = travel_leg(MONDAY, "12:45", "13:00")
    violations = check_rota(make_instance(rules=PAID), make_rota(assignments, [short, legs[1]]))
    only(violations, "travel")
    assert len(violations) == 1


def test_travel_leg_not_ending_at_next_assignment_is_reported() -> None:
    assignments, legs = travel_week()
    early = travel_leg(MONDAY, "12:00", "12:20")
    violations = check_rota(make_instance(rules=PAID), make_rota(assignments, [early, legs[1]]))
    only(violations, "travel")


def test_travel_pair_without_road_time_is_reported() -> None:
    assignments, legs = counted_travel_week()
    violations = check_rota(make_instance(travel={}), make_rota(assignments, legs))
    only(violations, "travel")
    assert len(violations) == 2


def test_travel_stray_leg_is_reported() -> None:
    stray = travel_leg(day(1), "12:00", "12:20")
    violations = check_rota(make_instance(), make_rota(travel=[stray]))
    only(violations, "travel")


def test_travel_counts_as_work_for_daily_limit() -> None:
    # Monday and Friday: 7 h of work and 20 min of travel, paid beyond the contract.
    assignments, legs = travel_week()
    assert (
        check_rota(
            make_instance(rules=replace(PAID, max_daily_minutes=440)), make_rota(assignments, legs)
        )
        == []
    )
    violations = check_rota(
        make_instance(rules=replace(PAID, max_daily_minutes=435)), make_rota(assignments, legs)
    )
    only(violations, "daily-work")
    assert {v.day for v in violations} == {MONDAY, day(4)}


# --- daily rules: work, amplitude, vacations, interruption, shorter vacation ----------------------


@pytest.mark.parametrize(
    ("rule", "kept", "broken"),
    [
        ("daily-work", Rules(max_daily_minutes=420), Rules(max_daily_minutes=405)),
        ("amplitude", Rules(max_amplitude_minutes=480), Rules(max_amplitude_minutes=465)),
        ("max-vacations", Rules(max_vacations_per_day=2), Rules(max_vacations_per_day=1)),
        ("interruption", Rules(max_interruption_minutes=60), Rules(max_interruption_minutes=45)),
        ("shorter-vacation", Rules(min_vacation_minutes=180), Rules(min_vacation_minutes=195)),
        ("break", Rules(break_after_minutes=240), Rules(break_after_minutes=225)),
        ("daily-rest", Rules(min_daily_rest_minutes=960), Rules(min_daily_rest_minutes=975)),
        ("weekly-max", Rules(max_weekly_minutes=2100), Rules(max_weekly_minutes=2085)),
        ("days-per-week", Rules(max_days_per_week=5), Rules(max_days_per_week=4)),
        ("weekly-rest", Rules(min_weekly_rest_minutes=3360), Rules(min_weekly_rest_minutes=3375)),
    ],
)
def test_rule_limit_at_boundary(rule: str, kept: Rules, broken: Rules) -> None:
    """The standard week (7 h a day in 4 h + 3 h, 1 h interruption) sits exactly on each limit."""
    assert check_rota(make_instance(rules=kept), make_rota()) == []
    only(check_rota(make_instance(rules=broken), make_rota()), rule)


@pytest.mark.parametrize(("tolerance", "kept"), [(31, True), (30, True), (29, False)])
def test_share_tolerance_at_below_and_above_the_limit(tolerance: int, kept: bool) -> None:
    """Tilleuls get 21 h 30 and the Parc 13 h 30 of 35 h (targets 21 h and 14 h): both 30 min
    off their share targets, so a tolerance of 30 min or more keeps the week, 29 min does not."""
    rota = replace_assignments(
        standard_week(),
        [split_day(day(2))[1], split_day(day(4), PARC)[0]],
        [assign(day(2), "13:00", "16:30"), assign(day(4), "08:30", "12:00", PARC)],
    )
    violations = check_rota(
        make_instance(rules=Rules(share_tolerance_minutes=tolerance)), make_rota(rota)
    )
    if kept:
        assert violations == []
    else:
        only(violations, "share-tolerance")
        assert sorted(v.message for v in violations) == [
            (
                "Le Cabinet des Tilleuls reçoit 21 h 30 de Julie Martin la semaine du lundi 30 "
                "novembre au lieu de 21 h (contrat « pool-1 », tolérance 29 min)."
            ),
            (
                "Le Cabinet du Parc reçoit 13 h 30 de Julie Martin la semaine du lundi 30 novembre "
                "au lieu de 14 h (contrat « pool-1 », tolérance 29 min)."
            ),
        ]


def test_daily_work_long_day_is_reported() -> None:
    # Monday 10 h 30 (08:00-13:00, 13:30-19:00) and Wednesday 3 h 30 keep the week at 35 h.
    rules = Rules(max_amplitude_minutes=660)
    long_day = [assign(MONDAY, "08:00", "13:00"), assign(MONDAY, "13:30", "19:00")]
    short_day = [assign(day(2), "08:00", "11:30")]
    rota = replace_assignments(
        standard_week(), [*split_day(MONDAY), *split_day(day(2))], [*long_day, *short_day]
    )
    violations = check_rota(make_instance(rules=rules), make_rota(rota))
    only(violations, "daily-work")
    assert violations[0].message.startswith("Julie Martin travaille 10 h 30 le lundi 30 novembre")


def test_amplitude_long_span_is_reported() -> None:
    # 08:00-12:00 and 16:00-19:00 with the interruption limit raised: 11 h of amplitude.
    rules = Rules(max_interruption_minutes=240)
    rota = replace_assignments(
        standard_week(), [split_day(MONDAY)[1]], [assign(MONDAY, "16:00", "19:00")]
    )
    only(check_rota(make_instance(rules=rules), make_rota(rota)), "amplitude")


def test_max_vacations_three_vacations_are_reported() -> None:
    rules = Rules(min_vacation_minutes=60)
    pieces = [
        assign(MONDAY, "08:00", "10:00"),
        assign(MONDAY, "11:00", "13:00"),
        assign(MONDAY, "14:00", "17:00"),
    ]
    rota = replace_assignments(standard_week(), split_day(MONDAY), pieces)
    only(check_rota(make_instance(rules=rules), make_rota(rota)), "max-vacations")


def test_interruption_long_gap_is_reported() -> None:
    rota = replace_assignments(
        standard_week(), [split_day(MONDAY)[1]], [assign(MONDAY, "14:15", "17:15")]
    )
    violations = check_rota(make_instance(), make_rota(rota))
    only(violations, "interruption")
    assert "2 h 15" in violations[0].message


def test_shorter_vacation_short_morning_is_reported() -> None:
    pieces = [assign(MONDAY, "08:00", "10:00"), assign(MONDAY, "11:00", "16:00")]
    rota = replace_assignments(standard_week(), split_day(MONDAY), pieces)
    only(check_rota(make_instance(), make_rota(rota)), "shorter-vacation")


def test_shorter_vacation_single_short_vacation_is_valid() -> None:
    # Monday one 2-hour vacation; Tuesday and Wednesday 9 h 30 each keep the week at 35 h.
    long_day = [("08:00", "12:00"), ("12:30", "18:00")]
    rota = replace_assignments(
        standard_week(),
        [*split_day(MONDAY), *split_day(day(1)), *split_day(day(2))],
        [
            assign(MONDAY, "08:00", "10:00"),
            *(assign(day(k), start, end) for k in (1, 2) for start, end in long_day),
        ],
    )
    assert check_rota(make_instance(), make_rota(rota)) == []


# --- break ----------------------------------------------------------------------------------------


def _continuous_monday(*pieces: Assignment) -> tuple[Assignment, ...]:
    return replace_assignments(standard_week(), split_day(MONDAY), pieces)


def test_break_declared_after_half_day_is_valid() -> None:
    # A declared 30-minute break (20 minutes at least; the grain is 15) splits a 7-hour run.
    rota = _continuous_monday(assign(MONDAY, "08:00", "11:30"), assign(MONDAY, "12:00", "15:30"))
    breaks = [pause(MONDAY, "11:30", "12:00")]
    assert check_rota(make_instance(), make_rota(rota, breaks=breaks)) == []


def test_break_seven_hours_without_pause_is_reported() -> None:
    violations = check_rota(
        make_instance(), make_rota(_continuous_monday(assign(MONDAY, "08:00", "15:00")))
    )
    only(violations, "break")
    assert "7 h sans pause" in violations[0].message


def test_break_too_short_is_reported() -> None:
    rota = _continuous_monday(assign(MONDAY, "08:00", "11:30"), assign(MONDAY, "11:45", "15:15"))
    violations = check_rota(
        make_instance(), make_rota(rota, breaks=[pause(MONDAY, "11:30", "11:45")])
    )
    only(violations, "break")
    assert len(violations) == 2  # a 7-hour run, and a declared break too short


def test_break_not_touching_work_is_reported() -> None:
    # The break touches the morning's end but no work after it.
    violations = check_rota(make_instance(), make_rota(breaks=[pause(MONDAY, "12:00", "12:20")]))
    only(violations, "break")


def test_break_counts_work_and_travel() -> None:
    # Monday 08:00-12:00, travel 12:00-12:20, Parc 12:20-14:20: 6 h 20 of effective work in a row.
    assignments = (
        assign(MONDAY, "08:00", "12:00", TILLEULS),
        assign(MONDAY, "12:15", "15:15", PARC),
        *standard_week()[2:6],
        *split_day(day(3), PARC),
        assign(day(4), "08:00", "12:00", PARC),
        assign(day(4), "13:00", "16:00", TILLEULS),
    )
    legs = (
        travel_leg(MONDAY, "12:00", "12:15"),
        travel_leg(day(4), "12:45", "13:00", PARC, TILLEULS),
    )
    # Travel paid beyond the contract: the week's 35 h on site are its hours.
    instance = make_instance(travel={(TILLEULS, PARC): 15}, rules=PAID)
    violations = check_rota(instance, make_rota(assignments, legs))
    only(violations, "break")
    assert [v.day for v in violations] == [MONDAY]


# --- daily rest -----------------------------------------------------------------------------------


def test_daily_rest_late_evening_then_early_morning_is_reported() -> None:
    long_hours = windows("07:00", "21:00")
    instance = make_instance(
        assistants=[make_assistant(availability=long_hours)],
        cabinets=[
            make_cabinet(TILLEULS, opening=windows("07:00", "21:00", range(6))),
            make_cabinet(PARC, opening=windows("07:00", "21:00", range(6))),
        ],
    )
    monday = [assign(MONDAY, "13:00", "17:00"), assign(MONDAY, "18:00", "21:00")]
    tuesday = [assign(day(1), "07:00", "11:00"), assign(day(1), "12:00", "15:00")]
    rota = replace_assignments(
        standard_week(), [*split_day(MONDAY), *split_day(day(1))], [*monday, *tuesday]
    )
    violations = check_rota(instance, make_rota(rota))
    only(violations, "daily-rest")
    assert [v.day for v in violations] == [day(1)]
    assert "10 h" in violations[0].message


# --- weekly rules ---------------------------------------------------------------------------------


def test_weekly_max_two_contracts_together_are_reported() -> None:
    # Contracts of 35 h and 14 h, with travel: 50 h 15 in six days, each day within the daily rules.
    long_hours = windows("07:00", "20:00", range(6))
    instance = make_instance(
        assistants=[make_assistant(availability=long_hours)],
        cabinets=[make_cabinet(c, opening=long_hours) for c in (TILLEULS, PARC, GARE)],
        contracts=[make_contract(), make_contract("pool-2", JULIE, 840, {GARE: 10_000})],
        travel={(TILLEULS, PARC): 20, (TILLEULS, GARE): 15, (PARC, GARE): 15},
        rules=PAID,  # the contracts' hours on site; the travel beyond, as overtime
    )
    week: list[Assignment] = []
    legs: list[TravelLeg] = []
    for k, cabinet in enumerate((TILLEULS, TILLEULS, TILLEULS, PARC, PARC)):
        on = day(k)
        week += [assign(on, "07:00", "12:00", cabinet), assign(on, "13:00", "15:00", cabinet)]
        legs.append(travel_leg(on, "15:00", "15:15", cabinet, GARE))
        week.append(assign(on, "15:15", "17:00", GARE, contract="pool-2"))
    week.append(assign(day(5), "07:00", "12:15", GARE, contract="pool-2"))
    violations = check_rota(instance, make_rota(week, legs))
    only(violations, "weekly-max")
    assert "50 h 15" in violations[0].message


def test_twelve_week_average_history_within_limit_is_valid() -> None:
    instance = make_instance(assistants=[make_assistant(worked_minutes_before=[2640] * 11)])
    assert check_rota(instance, make_rota()) == []


def test_twelve_week_average_heavy_history_is_reported() -> None:
    instance = make_instance(assistants=[make_assistant(worked_minutes_before=[2880] * 11)])
    violations = check_rota(instance, make_rota())
    only(violations, "twelve-week-average")
    assert [v.day for v in violations] == [MONDAY]


def test_twelve_week_average_ignores_weeks_older_than_window() -> None:
    # Twelve heavy weeks, but the oldest one leaves the window when the horizon week enters it.
    history = [2880] * 1 + [2640] * 11
    instance = make_instance(assistants=[make_assistant(worked_minutes_before=history)])
    assert check_rota(instance, make_rota()) == []


def test_twelve_week_average_missing_weeks_count_zero() -> None:
    instance = make_instance(assistants=[make_assistant(worked_minutes_before=[2880] * 5)])
    assert check_rota(instance, make_rota()) == []


def test_days_per_week_seven_days_are_reported() -> None:
    # Seven mornings of 5 h with Sunday rest off; every other weekly rule is met.
    every_day = windows("08:00", "19:00", range(7))
    instance = make_instance(
        assistants=[make_assistant(availability=every_day)],
        cabinets=[make_cabinet(TILLEULS, opening=every_day)],
        contracts=[make_contract(shares={TILLEULS: 10_000})],
        rules=Rules(sunday_rest=False, min_weekly_rest_minutes=600),
    )
    rota = [assign(day(k), "08:00", "13:00") for k in range(7)]
    violations = check_rota(instance, make_rota(rota))
    only(violations, "days-per-week")
    assert "7 jours" in violations[0].message


def test_sunday_rest_work_on_sunday_is_reported() -> None:
    every_day = windows("08:00", "19:00", range(7))
    cabinets = [make_cabinet(TILLEULS, opening=every_day), make_cabinet(PARC, opening=every_day)]
    rota = replace_assignments(standard_week(), split_day(day(4), PARC), split_day(day(6), PARC))
    availability = (*windows(), window(6, "08:00", "19:00"))
    instance = make_instance(
        assistants=[make_assistant(availability=availability)], cabinets=cabinets
    )
    violations = check_rota(instance, make_rota(rota))
    only(violations, "sunday-rest")
    assert [v.day for v in violations] == [day(6)]
    allowed = make_instance(
        assistants=[make_assistant(availability=availability)],
        cabinets=cabinets,
        rules=Rules(sunday_rest=False),
    )
    assert check_rota(allowed, make_rota(rota)) == []


def _six_day_week(saturday_start: str, saturday_end: str) -> tuple[Assignment, ...]:
    return (
        *split_day(day(0)),
        *split_day(day(1)),
        *split_day(day(2)),
        assign(day(3), "08:00", "13:00", PARC),
        assign(day(4), "08:00", "13:00", PARC),
        assign(day(5), saturday_start, saturday_end, PARC),
    )


def test_weekly_rest_saturday_morning_is_valid() -> None:
    instance = make_instance(assistants=[make_assistant(availability=windows(weekdays=range(6)))])
    assert check_rota(instance, make_rota(_six_day_week("08:00", "12:00"))) == []


def test_weekly_rest_saturday_afternoon_is_reported() -> None:
    # Saturday until 16:00: 32 h of rest to the end of Sunday, the longest rest of the week.
    instance = make_instance(assistants=[make_assistant(availability=windows(weekdays=range(6)))])
    violations = check_rota(instance, make_rota(_six_day_week("12:00", "16:00")))
    only(violations, "weekly-rest")
    assert "32 h" in violations[0].message


def test_weekly_rest_partial_week_is_not_checked() -> None:
    instance = make_instance(
        assistants=[make_assistant(availability=windows(weekdays=range(6)))],
        rules=Rules(min_weekly_rest_minutes=5000),
        start=day(1),
        days=6,
    )
    rota = [a for a in _six_day_week("08:00", "12:00") if a.start >= at(day(1), "00:00")]
    violations = check_rota(instance, make_rota(rota))
    assert "weekly-rest" not in rule_ids(violations)


# --- contract hours and shares --------------------------------------------------------------------


def test_contract_hours_quarter_hour_short_is_reported() -> None:
    rota = replace_assignments(
        standard_week(), [split_day(MONDAY)[0]], [assign(MONDAY, "08:15", "12:00")]
    )
    violations = check_rota(make_instance(), make_rota(rota))
    only(violations, "contract-hours")
    assert "34 h 45" in violations[0].message


def test_share_tolerance_within_tolerance_is_valid() -> None:
    rota = replace_assignments(
        standard_week(),
        [split_day(day(2))[1], split_day(day(4), PARC)[0]],
        [assign(day(2), "13:00", "16:30"), assign(day(4), "08:30", "12:00", PARC)],
    )
    assert check_rota(make_instance(), make_rota(rota)) == []


def test_share_tolerance_beyond_tolerance_is_reported() -> None:
    rota = replace_assignments(
        standard_week(),
        [split_day(day(2))[1], split_day(day(4), PARC)[0]],
        [assign(day(2), "13:00", "16:45"), assign(day(4), "08:45", "12:00", PARC)],
    )
    violations = check_rota(make_instance(), make_rota(rota))
    only(violations, "share-tolerance")
    assert len(violations) == 2


# --- pinned and protected window ------------------------------------------------------------------


def test_pinned_kept_is_valid() -> None:
    instance = make_instance(replan=Replan(pinned=(split_day(MONDAY)[0],)))
    assert check_rota(instance, make_rota()) == []


def test_pinned_missing_is_reported() -> None:
    instance = make_instance(replan=Replan(pinned=(assign(MONDAY, "08:00", "11:00"),)))
    violations = check_rota(instance, make_rota())
    only(violations, "pinned")


def test_protected_window_unchanged_is_valid() -> None:
    replan = Replan(published=standard_week(), protected_until=at(day(2), "00:00"))
    assert check_rota(make_instance(replan=replan), make_rota()) == []


def test_protected_window_moved_assignment_is_reported() -> None:
    replan = Replan(published=standard_week(), protected_until=at(day(2), "00:00"))
    rota = replace_assignments(
        standard_week(), [split_day(MONDAY)[0]], [assign(MONDAY, "08:15", "12:15")]
    )
    violations = check_rota(make_instance(replan=replan), make_rota(rota))
    only(violations, "protected-window")
    assert [v.day for v in violations] == [MONDAY]


def test_protected_window_ignores_published_before_horizon() -> None:
    last_week = standard_week(day(-7))
    replan = Replan(published=(*last_week, *standard_week()), protected_until=at(day(2), "00:00"))
    assert check_rota(make_instance(replan=replan), make_rota()) == []


def test_protected_window_change_after_window_is_valid() -> None:
    replan = Replan(published=standard_week(), protected_until=at(day(2), "00:00"))
    rota = replace_assignments(
        standard_week(), [split_day(day(2))[0]], [assign(day(2), "08:15", "12:15")]
    )
    assert check_rota(make_instance(replan=replan), make_rota(rota)) == []


def _leave_replan() -> tuple[Instance, tuple[Assignment, ...], tuple[Assignment, ...]]:
    thursday = split_day(day(3), PARC)
    instance = make_instance(
        assistants=[make_assistant(leave=[whole_days(day(3))])],
        rules=Rules(share_tolerance_minutes=600),
        replan=Replan(published=standard_week(), protected_until=at(day(5), "00:00")),
    )
    return instance, thursday, replace_assignments(standard_week(), thursday)


def test_protected_window_removed_for_leave_and_reported_is_valid() -> None:
    instance, thursday, rota = _leave_replan()
    changes = tuple(Change(JULIE, (PARC,), a, None, "Congé de Julie Martin.") for a in thursday)
    result = check_rota(instance, replace(make_rota(rota), changes=changes))
    assert result == []


def test_protected_window_removed_for_leave_unreported_is_reported() -> None:
    instance, _, rota = _leave_replan()
    violations = check_rota(instance, make_rota(rota))
    only(violations, "protected-window")
    assert len(violations) == 2


# --- the rota's own consistency -------------------------------------------------------------------


def test_grain_off_grid_assignment_is_reported() -> None:
    rota = replace_assignments(
        standard_week(), [split_day(MONDAY)[0]], [assign(MONDAY, "08:05", "12:05")]
    )
    violations = check_rota(make_instance(), make_rota(rota))
    only(violations, "grain")
    assert len(violations) == 1


def test_grain_travel_may_start_off_grid() -> None:
    assignments, legs = counted_travel_week()  # 17 minutes count for 30, as 20 did
    instance = make_instance(travel={(TILLEULS, PARC): 17})
    odd = (
        travel_leg(MONDAY, "12:43", "13:00"),
        travel_leg(day(4), "12:43", "13:00", PARC, TILLEULS),
    )
    assert legs
    assert check_rota(instance, make_rota(assignments, odd)) == []


@pytest.mark.parametrize(
    "bad",
    [
        Assignment(JULIE, POOL, TILLEULS, at(day(5), "12:00"), at(day(5), "10:00")),
        Assignment(JULIE, POOL, TILLEULS, at(day(5), "20:00"), at(day(6), "02:00")),
        Assignment(JULIE, POOL, TILLEULS, datetime(2026, 12, 5, 8), datetime(2026, 12, 5, 9)),  # noqa: DTZ001
    ],
    ids=["end-before-start", "crosses-midnight", "naive"],
)
def test_interval_malformed_assignment_is_reported(bad: Assignment) -> None:
    violations = check_rota(make_instance(), make_rota([*standard_week(), bad]))
    only(violations, "interval")
    assert len(violations) == 1


def test_interval_end_at_midnight_is_accepted() -> None:
    every_hour = [window(k, "00:00", "24:00") for k in range(6)]
    instance = make_instance(
        assistants=[make_assistant(availability=every_hour)],
        cabinets=[make_cabinet(TILLEULS, opening=every_hour), make_cabinet(PARC)],
        rules=Rules(
            min_daily_rest_minutes=0, max_interruption_minutes=600, max_amplitude_minutes=960
        ),
    )
    late = replace_assignments(
        standard_week(), [split_day(MONDAY)[1]], [assign(MONDAY, "21:00", "24:00")]
    )
    assert check_rota(instance, make_rota(late)) == []


def test_horizon_assignment_after_horizon_is_reported() -> None:
    violations = check_rota(
        make_instance(), make_rota([*standard_week(), assign(day(7), "08:00", "12:00")])
    )
    only(violations, "horizon")


@pytest.mark.parametrize(
    "extra",
    [
        assign(day(5), "08:00", "12:00", cabinet="inconnu"),
        assign(day(5), "08:00", "12:00", contract="pool-9"),
        assign(day(5), "08:00", "12:00", assistant="zoe"),
        assign(day(5), "08:00", "12:00", cabinet=GARE),
        assign(day(5), "08:00", "12:00", assistant=MARIE),
    ],
    ids=["cabinet", "contract", "assistant", "non-member", "other-assistant"],
)
def test_unknown_id_assignment_is_reported(extra: Assignment) -> None:
    instance = make_instance(
        assistants=[make_assistant(), make_assistant(MARIE)],
        cabinets=[make_cabinet(TILLEULS), make_cabinet(PARC), make_cabinet(GARE)],
    )
    violations = check_rota(instance, make_rota([*standard_week(), extra]))
    only(violations, "unknown-id")
    assert len(violations) == 1


def test_unknown_id_travel_and_break_are_reported() -> None:
    leg = TravelLeg(AssistantId("zoe"), TILLEULS, PARC, at(MONDAY, "12:00"), at(MONDAY, "12:20"))
    stray_break = Break(AssistantId("zoe"), at(MONDAY, "12:00"), at(MONDAY, "12:20"))
    bad_place = TravelLeg(
        JULIE, TILLEULS, CabinetId("ailleurs"), at(MONDAY, "12:00"), at(MONDAY, "12:20")
    )
    violations = check_rota(
        make_instance(), make_rota(travel=[leg, bad_place], breaks=[stray_break])
    )
    only(violations, "unknown-id")
    assert len(violations) == 3


# --- weekly targets -------------------------------------------------------------------------------


def test_weekly_targets_normal_week() -> None:
    targets = weekly_targets(make_instance())
    assert targets == {(POOL, MONDAY): (2100, {PARC: 840, TILLEULS: 1260})}


def test_weekly_targets_leave_day_reduced_with_largest_remainder() -> None:
    # 2100 - 420 = 1680; 60 % is 67.2 quarters, 40 % is 44.8: the Parc takes the spare quarter.
    instance = make_instance(assistants=[make_assistant(leave=[whole_days(day(3))])])
    assert weekly_targets(instance)[(POOL, MONDAY)] == (1680, {PARC: 675, TILLEULS: 1005})


def test_weekly_targets_partial_leave_day_not_reduced() -> None:
    instance = make_instance(
        assistants=[make_assistant(leave=[leave_period(day(3), "08:00", "12:00")])]
    )
    assert weekly_targets(instance)[(POOL, MONDAY)][0] == 2100


def test_weekly_targets_leave_periods_joining_cover_a_day() -> None:
    halves = [leave_period(day(3), "00:00", "12:00"), leave_period(day(3), "12:00", "24:00")]
    instance = make_instance(assistants=[make_assistant(leave=halves)])
    assert weekly_targets(instance)[(POOL, MONDAY)][0] == 1680


def test_weekly_targets_holiday_of_every_cabinet_reduced() -> None:
    christmas_week = date(2026, 12, 21)
    targets = weekly_targets(make_instance(start=christmas_week))
    assert targets[(POOL, christmas_week)][0] == 1680


def test_weekly_targets_holiday_of_one_cabinet_not_reduced() -> None:
    targets = weekly_targets(make_instance(start=GOOD_FRIDAY_WEEK))
    assert targets[(POOL, GOOD_FRIDAY_WEEK)][0] == 2100
    alone = make_contract(shares={TILLEULS: 10_000})
    targets = weekly_targets(make_instance(start=GOOD_FRIDAY_WEEK, contracts=[alone]))
    assert targets[(POOL, GOOD_FRIDAY_WEEK)] == (1680, {TILLEULS: 1680})


def test_weekly_targets_partial_weeks_reduce_days_outside_horizon() -> None:
    targets = weekly_targets(make_instance(start=day(2), days=7))
    assert targets[(POOL, MONDAY)][0] == 2100 - 2 * 420
    assert targets[(POOL, day(7))][0] == 2100 - 3 * 420


def test_weekly_targets_round_halves_up_to_grain() -> None:
    # 17 h 30 over 5 days is 210 a day; two leave days leave 630, 10.5 hours: rounded up to 11 h.
    instance = make_instance(
        assistants=[make_assistant(leave=[whole_days(day(0), 2)])],
        contracts=[make_contract(weekly_minutes=1050)],
        slot_minutes=60,
    )
    assert weekly_targets(instance)[(POOL, MONDAY)][0] == 660


def test_weekly_targets_usual_days_exclude_sunday() -> None:
    # Six usual days (Monday to Saturday); Sunday's window does not count.
    availability = windows(weekdays=range(7))
    instance = make_instance(
        assistants=[make_assistant(availability=availability, leave=[whole_days(day(5))])]
    )
    assert weekly_targets(instance)[(POOL, MONDAY)][0] == 1750 + 5  # 1750 rounds to 1755


def test_share_targets_ties_go_to_first_cabinet_id() -> None:
    assert share_targets(15, {PARC: 5000, GARE: 5000}, 15) == {GARE: 15, PARC: 0}


def test_share_targets_thirds_sum_to_target() -> None:
    split = share_targets(60, {GARE: 3333, PARC: 3333, TILLEULS: 3334}, 15)
    assert split == {GARE: 15, PARC: 15, TILLEULS: 30}
    assert sum(split.values()) == 60


# --- credited minutes and soft terms --------------------------------------------------------------


def test_credited_minutes_exclude_travel_paid_beyond_the_contract() -> None:
    assignments, legs = travel_week()
    assert credited_minutes(make_instance(rules=PAID), make_rota(assignments, legs)) == {
        POOL: {PARC: 840, TILLEULS: 1260}
    }


def test_credited_minutes_list_unvisited_member() -> None:
    rota = make_rota([a for a in standard_week() if a.cabinet == TILLEULS])
    assert credited_minutes(make_instance(), rota) == {POOL: {PARC: 0, TILLEULS: 1260}}


def test_objective_counts_standard_week_is_zero() -> None:
    assert set(objective_counts(make_instance(), make_rota()).values()) == {0}


def test_objective_counts_travel_and_site_changes() -> None:
    assignments, legs = counted_travel_week()
    counts = objective_counts(make_instance(), make_rota(assignments, legs))
    assert counts["travel_minutes"] == 40
    assert counts["site_changes"] == 2
    terms = objective_terms(make_instance(), make_rota(assignments, legs))
    assert terms["travel_minutes"] == 80 and terms["site_changes"] == 60
    assert objective_total(make_instance(), make_rota(assignments, legs)) == 140


def test_objective_counts_share_deviation_compensates_balance() -> None:
    contract = make_contract(balance_minutes={TILLEULS: -30, PARC: 15})
    counts = objective_counts(make_instance(contracts=[contract]), make_rota())
    assert counts["share_deviation"] == 45


def test_objective_counts_sessions_and_requests_uncovered() -> None:
    tilleuls = make_cabinet(
        TILLEULS,
        sessions=[Session(0, 11 * 60, 13 * 60 + 30, weight=2), Session(3, 9 * 60, 10 * 60)],
        requests=[DatedRequest(day(1), 15 * 60, 17 * 60, weight=3), DatedRequest(day(9), 600, 660)],
    )
    counts = objective_counts(make_instance(cabinets=[tilleuls, make_cabinet(PARC)]), make_rota())
    # Monday 12:00-13:00 uncovered (x2); Thursday she is at the Parc (60); Tuesday 16:00-17:00 (x3).
    assert counts["session_uncovered"] == 60 * 2 + 60
    assert counts["request_uncovered"] == 60 * 3


def test_objective_counts_preferences() -> None:
    preferences = Preferences(days_off=(0,), earliest_start=9 * 60, latest_end=15 * 60)
    instance = make_instance(assistants=[make_assistant(preferences=preferences)])
    counts = objective_counts(instance, make_rota())
    # Monday 7 h on a day off; Tuesday to Friday 1 h before 09:00 and 1 h after 15:00 each.
    assert counts["preference_violations"] == 420 + 4 * 120


def test_objective_counts_stability_and_pattern_changes() -> None:
    second_week = [
        replace(a, start=a.start + timedelta(days=7), end=a.end + timedelta(days=7))
        for a in standard_week()
    ]
    second_week[0] = replace(second_week[0], cabinet=PARC)
    second_week[1] = replace(second_week[1], cabinet=PARC)
    published = (assign(MONDAY, "08:00", "12:00", PARC),)
    instance = make_instance(days=14, replan=Replan(published=published))
    counts = objective_counts(instance, make_rota([*standard_week(), *second_week]))
    assert counts["stability_changes"] == 240
    assert counts["pattern_changes"] == 1


# --- messages and speed ---------------------------------------------------------------------------


def test_check_rota_thirty_assistants_four_weeks_reports_every_assistant() -> None:
    # Its speed (at most 1 s) is measured by benchmarks/checker_bench.py, not here.
    ids = [f"a{k:02d}" for k in range(30)]
    cabinets = [make_cabinet(f"c{k:02d}") for k in range(60)]
    contracts = [
        make_contract(f"k{k:02d}", a, shares={f"c{2 * k:02d}": 6000, f"c{2 * k + 1:02d}": 4000})
        for k, a in enumerate(ids)
    ]
    rota: list[Assignment] = []
    for k, a in enumerate(ids):
        places = {TILLEULS: CabinetId(f"c{2 * k:02d}"), PARC: CabinetId(f"c{2 * k + 1:02d}")}
        for week in range(4):
            rota += [
                replace(p, cabinet=places[p.cabinet], contract=ContractId(f"k{k:02d}"))
                for p in standard_week(day(7 * week), a)
            ]
    instance = make_instance(
        [make_assistant(a) for a in ids], cabinets, contracts, travel={}, days=28
    )
    violations = check_rota(instance, make_rota(rota))
    # Christmas Day (Friday 25 December) is worked: holiday, contract hours and both shares.
    assert rule_ids(violations) == {"public-holiday", "contract-hours", "share-tolerance"}
    assert {v.assistant for v in violations} == {AssistantId(a) for a in ids}


def test_protected_week_may_fall_short_of_contract_hours_after_leave() -> None:
    # Thursday's leave falls in the frozen window: the week keeps what is left, shares included.
    thursday = split_day(day(3), PARC)
    instance = make_instance(
        assistants=[make_assistant(leave=[whole_days(day(3))])],
        replan=Replan(published=standard_week(), protected_until=at(day(5), "00:00")),
    )
    changes = tuple(Change(JULIE, (PARC,), a, None, "Congé de Julie Martin.") for a in thursday)
    rota = replace(make_rota(replace_assignments(standard_week(), thursday)), changes=changes)
    assert check_rota(instance, rota) == []


def test_protected_week_above_contract_hours_is_reported() -> None:
    replan = Replan(published=standard_week(), protected_until=at(day(2), "00:00"))
    rota = (*standard_week(), assign(day(5), "08:00", "11:00"))
    violations = check_rota(make_instance(replan=replan), make_rota(rota))
    assert "contract-hours" in rule_ids(violations)
    assert "au plus" in next(v.message for v in violations if v.rule == "contract-hours")


# --- travel counted in the contract (Rules.travel_in_contract) ---------------------------------

COUNTED = Rules(travel_in_contract=True)


def test_counted_travel_week_is_valid_and_the_full_one_is_over_the_contract() -> None:
    assignments, legs = counted_travel_week()
    assert check_rota(make_instance(rules=COUNTED), make_rota(assignments, legs)) == []
    # 35 h on site and two legs counted for 30 minutes each: 36 h of the contract's minutes.
    full = check_rota(make_instance(rules=COUNTED), make_rota(*travel_week()))
    only(full, "contract-hours")
    assert "36 h" in full[0].message


def test_counted_contract_minutes_meet_the_target_exactly() -> None:
    assignments, legs = counted_travel_week()
    tuesday = day(1)
    shorter = tuple(
        assign(tuesday, "08:15", "12:00", TILLEULS) if a.start == at(tuesday, "08:00") else a
        for a in assignments
    )
    longer = tuple(
        assign(tuesday, "13:00", "16:15", TILLEULS) if a.start == at(tuesday, "13:00") else a
        for a in assignments
    )
    for rota, words in ((shorter, "34 h 45"), (longer, "35 h 15")):
        violations = check_rota(make_instance(rules=COUNTED), make_rota(rota, legs))
        assert rule_ids(violations) == {"contract-hours"}
        assert words in next(v.message for v in violations if v.rule == "contract-hours")
    # Under a 5-minute grain the same legs count for 20 minutes each: 34 h 40, short of 35 h.
    five_minute = make_instance(rules=COUNTED, slot_minutes=5)
    assert rule_ids(check_rota(five_minute, make_rota(assignments, legs))) == {"contract-hours"}


def test_counted_missing_leg_leaves_the_contract_short() -> None:
    assignments, legs = counted_travel_week()
    violations = check_rota(make_instance(rules=COUNTED), make_rota(assignments, legs[1:]))
    assert rule_ids(violations) == {"travel", "contract-hours"}
    assert "34 h 30" in next(v.message for v in violations if v.rule == "contract-hours")


def test_credited_minutes_add_each_cabinets_part_of_the_travel() -> None:
    # 20 h 30 and 13 h 30 on site; two legs of 20 min, each counted for 30 and split 60/40 on
    # the grain: 15 minutes to each cabinet per leg.
    assignments, legs = counted_travel_week()
    assert credited_minutes(make_instance(rules=COUNTED), make_rota(assignments, legs)) == {
        POOL: {PARC: 810 + 30, TILLEULS: 1230 + 30}
    }
    assert credited_minutes(make_instance(rules=PAID), make_rota(assignments, legs)) == {
        POOL: {PARC: 810, TILLEULS: 1230}
    }


def test_a_leg_counts_for_the_contract_of_the_assignment_it_leads_to() -> None:
    # Monday: the Tilleuls under pool-1, then 20 min of road to the Gare under pool-2 (all its
    # share): the leg is pool-2's, none of it pool-1's, and counts for 30 minutes (rounded up).
    instance = make_instance(
        contracts=[make_contract(), make_contract("pool-2", JULIE, 240, {GARE: 10_000})],
        cabinets=[make_cabinet(c) for c in (TILLEULS, PARC, GARE)],
        travel={(TILLEULS, PARC): 20, (TILLEULS, GARE): 20, (PARC, GARE): 20},
        rules=COUNTED,
    )
    assignments = (
        assign(MONDAY, "08:00", "12:00", TILLEULS),
        assign(MONDAY, "12:20", "16:00", GARE, contract="pool-2"),
    )
    credited = credited_minutes(
        instance, make_rota(assignments, [travel_leg(MONDAY, "12:00", "12:20", TILLEULS, GARE)])
    )
    assert credited == {POOL: {PARC: 0, TILLEULS: 240}, "pool-2": {GARE: 220 + 30}}


def test_travel_credit_rounds_each_leg_up_to_the_grain() -> None:
    halves = {TILLEULS: 5000, PARC: 5000}
    # Below, at and above one grain: 14 and 15 minutes count for one quarter hour (to the Parc,
    # the first id of the tie), 16 for two.
    assert travel_credit(14, halves, 15) == {PARC: 15, TILLEULS: 0}
    assert travel_credit(15, halves, 15) == {PARC: 15, TILLEULS: 0}
    assert travel_credit(16, halves, 15) == {PARC: 15, TILLEULS: 15}
    assert travel_credit(0, halves, 15) == {PARC: 0, TILLEULS: 0}


def test_travel_credit_splits_on_the_grain_by_largest_remainder() -> None:
    # 20 minutes count for 30: 1.2 and 0.8 quarter hours, the second to the larger remainder.
    assert travel_credit(20, {TILLEULS: 6000, PARC: 4000}, 15) == {PARC: 15, TILLEULS: 15}
    # 40 minutes count for 45: 1.8 and 1.2, the third quarter hour to the Tilleuls' 0.8.
    assert travel_credit(40, {TILLEULS: 6000, PARC: 4000}, 15) == {PARC: 15, TILLEULS: 30}
    # 10 minutes in thirds: one quarter hour to the largest remainder, the Gare's 0.3334.
    assert travel_credit(10, {TILLEULS: 3333, PARC: 3333, GARE: 3334}, 15) == {
        GARE: 15,
        PARC: 0,
        TILLEULS: 0,
    }


def test_counted_share_deviation_counts_the_travel_credit() -> None:
    assignments, legs = counted_travel_week()
    rota = make_rota(assignments, legs)
    terms = objective_terms(make_instance(rules=COUNTED), rota)
    # Each cabinet's part of the legs makes up its share exactly.
    assert terms["share_deviation"] == 0
    assert terms["travel_minutes"] == 80 and terms["site_changes"] == 60
    # Paid beyond the contract, the same week leaves each cabinet 30 minutes short.
    assert objective_terms(make_instance(rules=PAID), rota)["share_deviation"] == 6000


# --- complementary hours (travel paid beyond a part-time contract) ------------------------------


def _complementary(instance: Instance, rota: Rota) -> list[Violation]:
    return [v for v in check_rota(instance, rota) if v.rule == "complementary-hours"]


def test_complementary_hours_at_below_and_above_a_tenth() -> None:
    # Four legs of 30 minutes: 2 h, a tenth of 20 h exactly.
    assert check_rota(*trips_weeks(30, 20 * 60)) == []
    assert _complementary(*trips_weeks(30, 20 * 60 + 10)) == []
    above = _complementary(*trips_weeks(30, 20 * 60 - 10))
    assert [(v.assistant, v.day, v.message) for v in above] == [
        (
            JULIE,
            MONDAY,
            (
                "Julie Martin fait 2 h de trajet au titre du contrat « pool-1 » la semaine du "
                "lundi 30 novembre, au-delà de ses 19 h 50 : en heures complémentaires, au plus "
                "1 h 59."
            ),
        )
    ]


def test_complementary_hours_under_an_accord_a_third() -> None:
    accord = replace(PAID, complementary_accord=True)
    # 6 h of travel: over a tenth, within a third of 20 h (6 h 40); 7 h is over a third.
    assert _complementary(*trips_weeks(90, 20 * 60, rules=accord)) == []
    assert _complementary(*trips_weeks(90, 20 * 60))
    assert _complementary(*trips_weeks(105, 20 * 60, rules=accord))


def test_complementary_hours_never_bring_the_week_to_full_time() -> None:
    # 34 h a week: a tenth would be 3 h 24, but 34 h + 59 min is 34 h 59, the most below 35 h.
    assert _complementary(*trips_weeks(59, 34 * 60, leg_days=[0])) == []
    assert _complementary(*trips_weeks(60, 34 * 60, leg_days=[0]))
    # 35 h less one minute rounds to a target of 35 h: no travel at all beyond it.
    assert _complementary(*trips_weeks(1, 2099, leg_days=[0]))


def test_complementary_hours_follow_the_weeks_target_after_leave() -> None:
    # 33 h 20 on four days, Monday on leave: a target of 25 h, so up to a tenth (3 h 20), where
    # the contract's own 33 h 20 would leave only 59 minutes below full time.
    instance, rota = trips_weeks(45, 2000, leave_on=MONDAY)
    assert _complementary(instance, rota) == []


def test_complementary_hours_count_every_week_on_its_own() -> None:
    # The first week's one leg is within the limit, the second week's four are not.
    instance, rota = trips_weeks(45, 20 * 60, weeks=2, leg_days=[0, 7, 8, 9, 10])
    assert [v.day for v in _complementary(instance, rota)] == [day(7)]


def test_counted_travel_is_no_complementary_hour() -> None:
    assert _complementary(*trips_weeks(45, 20 * 60, rules=COUNTED)) == []


def test_counted_contract_minutes_at_and_below_one_grain_under_the_target() -> None:
    # On a 5-minute grain, Monday's Parc cut by `cut` minutes, four legs of `road` minutes.
    def contract_hours(road: int, cut: int) -> list[str]:
        instance, rota = trips_weeks(road, 20 * 60, rules=COUNTED)
        first = next(a for a in rota.assignments if a.cabinet == PARC)
        shortened = tuple(
            replace(a, end=a.end - timedelta(minutes=cut)) if a == first else a
            for a in rota.assignments
        )
        found = check_rota(replace(instance, slot_minutes=5), replace(rota, assignments=shortened))
        return [v.rule for v in found if v.rule == "contract-hours"]

    assert contract_hours(24, 100) == []  # 20 h - 100 min + 96 min: 4 minutes short
    assert contract_hours(26, 110) == ["contract-hours"]  # 20 h - 110 min + 104: 6 short
    assert contract_hours(26, 100) == ["contract-hours"]  # 4 minutes over


def test_paid_beyond_the_contract_its_minutes_are_exact_to_the_minute() -> None:
    # On a one-minute grain, a week one minute short of the contract is reported.
    instance = make_instance(slot_minutes=1)
    week = list(standard_week())
    week[0] = replace(week[0], end=week[0].end - timedelta(minutes=1))
    assert "contract-hours" in rule_ids(check_rota(instance, make_rota(week)))


def test_credited_minutes_add_the_travel_of_every_week() -> None:
    # Two weeks of four 30-minute legs, each split 15/15: 60 minutes a cabinet a week.
    instance, rota = trips_weeks(30, 20 * 60, weeks=2, rules=COUNTED)
    on_site = {TILLEULS: 2 * 4 * 150, PARC: 2 * 4 * 150}
    assert credited_minutes(instance, rota) == {
        POOL: {c: minutes + 2 * 60 for c, minutes in on_site.items()}
    }
