"""The checker's every rule broken on its own, read in full: rule, assistant, day and French message.

Rule under test: each hard rule of docs/rules.md (and the rota's own consistency), one case per
way of breaking it, at, below and above each limit. The default scenario is the one of
`tests.solver.builders` (Julie Martin, the Tilleuls in Moselle and the Parc, 20 minutes apart,
35 h a week at 60/40 %, the week of Monday 30 November 2026, `standard_week()` 08:00-12:00 and
13:00-16:00 each weekday). Every expected list is the whole answer of `check_rota`, so a wrong
rule id, assistant, day or wording, or one violation too many, fails the case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from solver.model import (
    Assignment,
    AssistantId,
    CabinetId,
    Change,
    ContractId,
    DatedRequest,
    Instance,
    Leave,
    Replan,
    Rota,
    Rules,
    Session,
)
from solver.validation import (
    check_rota,
    horizon_weeks,
    leave_days,
    objective_counts,
    protected_week,
    weekly_targets,
)
from tests.solver.builders import (
    MARIE,
    MONDAY,
    PAID,
    PARC,
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
    make_rota,
    pause,
    replace_assignments,
    split_day,
    standard_week,
    travel_leg,
    travel_week,
    whole_days,
    window,
    windows,
)

Case = Callable[[], tuple[Instance, Rota]]
Row = tuple[str, str | None, date | None, str]

TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = (day(k) for k in range(1, 7))
KOLKATA = ZoneInfo("Asia/Kolkata")
NAIVE_START = datetime(2026, 12, 5, 9)  # noqa: DTZ001 - without a time zone on purpose
NAIVE_END = datetime(2026, 12, 5, 10)  # noqa: DTZ001 - without a time zone on purpose


def _week(*changes: tuple[list[object], list[object]]) -> Rota:
    """The standard week with pieces removed and added."""
    assignments = standard_week()
    for removed, added in changes:
        assignments = replace_assignments(assignments, removed, added)  # type: ignore[arg-type]
    return make_rota(assignments)


def _with_rules(**limits: int) -> Instance:
    return make_instance(rules=Rules(**limits))  # type: ignore[arg-type]


def _monday_as(*pieces: tuple[str, str]) -> Rota:
    """The standard week with Monday's day made of `pieces` at the Tilleuls."""
    return _week((list(split_day(MONDAY)), [assign(MONDAY, s, e) for s, e in pieces]))


def _kolkata(on: date, start: str, end: str) -> Assignment:
    """Julie at the Tilleuls under pool-1, in Asia/Kolkata time (UTC+05:30)."""
    return Assignment(
        AssistantId("julie"),
        ContractId("pool-1"),
        CabinetId(TILLEULS),
        at(on, start, KOLKATA),
        at(on, end, KOLKATA),
    )


def _monday(*pieces: tuple[str, str]) -> tuple[Instance, Rota]:
    """The default instance and `_monday_as(*pieces)`."""
    return make_instance(), _monday_as(*pieces)


def _marie(places: int) -> tuple[Instance, Rota]:
    marie = make_assistant(MARIE, availability=[window(0, "08:00", "19:00")])
    contract = make_contract("pool-2", MARIE, weekly_minutes=240, shares={TILLEULS: 10_000})
    instance = make_instance(
        assistants=[make_assistant(), marie],
        cabinets=[make_cabinet(TILLEULS, places=places), make_cabinet(PARC)],
        contracts=[make_contract(), contract],
    )
    # Marie at the Tilleuls 11:00-15:00 on Monday: with Julie 11:00-12:00 and 13:00-15:00.
    return instance, make_rota(
        [*standard_week(), assign(MONDAY, "11:00", "15:00", TILLEULS, MARIE, "pool-2")]
    )


def _travel_week(legs: list[object] | None = None, **instance: object) -> tuple[Instance, Rota]:
    """`travel_week`, travel paid beyond the contract unless `rules` are given: a leg missing or
    moved changes no contract's minutes."""
    assignments, default_legs = travel_week()
    chosen = default_legs if legs is None else tuple(legs)
    return make_instance(**{"rules": PAID, **instance}), make_rota(assignments, chosen)  # type: ignore[arg-type]


def _julie(**fields: object) -> Instance:
    return make_instance(assistants=[make_assistant(**fields)])  # type: ignore[arg-type]


def _replan(**fields: object) -> Instance:
    return make_instance(replan=Replan(**fields))  # type: ignore[arg-type]


MOVED = assign(WEDNESDAY, "08:00", "12:00")
"""Published Wednesday morning, moved to 08:15-12:15 in the cases below."""

CASES: dict[str, Case] = {
    # availability: Monday from 09:00 (work from 08:00); a travel leg outside; windows that touch.
    "availability-work": lambda: (
        _julie(availability=(window(0, "09:00", "19:00"), *windows(weekdays=range(1, 5)))),
        make_rota(),
    ),
    "availability-travel": lambda: _travel_week(
        assistants=[
            make_assistant(
                availability=(
                    window(0, "08:00", "12:30"),
                    window(0, "13:00", "19:00"),
                    *windows(weekdays=range(1, 5)),
                )
            )
        ]
    ),
    "availability-ends-at-the-work-end": lambda: (
        _julie(availability=(window(0, "08:00", "16:00"), *windows(weekdays=range(1, 5)))),
        make_rota(),
    ),
    "availability-ends-before-the-work-end": lambda: (
        _julie(availability=(window(0, "08:00", "15:45"), *windows(weekdays=range(1, 5)))),
        make_rota(),
    ),
    # opening hours: the Tilleuls open on Monday 08:15-19:00, then 08:00-16:00, then until 15:45.
    "opening-late": lambda: (
        make_instance(
            cabinets=[
                make_cabinet(
                    TILLEULS, opening=(window(0, "08:15", "19:00"), *windows(weekdays=range(1, 6)))
                ),
                make_cabinet(PARC),
            ]
        ),
        make_rota(),
    ),
    "opening-at-the-work-end": lambda: (
        make_instance(
            cabinets=[
                make_cabinet(
                    TILLEULS, opening=(window(0, "08:00", "16:00"), *windows(weekdays=range(1, 6)))
                ),
                make_cabinet(PARC),
            ]
        ),
        make_rota(),
    ),
    "opening-closes-early": lambda: (
        make_instance(
            cabinets=[
                make_cabinet(
                    TILLEULS, opening=(window(0, "08:00", "15:45"), *windows(weekdays=range(1, 6)))
                ),
                make_cabinet(PARC),
            ]
        ),
        make_rota(),
    ),
    # cabinet places: Marie joins Julie at the Tilleuls on Monday 11:00-15:00.
    "places-one": lambda: _marie(1),
    "places-two": lambda: _marie(2),
    # leave: overlapping work, overlapping travel, touching the start and the end of work.
    "leave-over-work": lambda: (
        _julie(leave=[leave_period(MONDAY, "14:00", "16:00")]),
        make_rota(),
    ),
    "leave-over-travel": lambda: _travel_week(
        assistants=[make_assistant(leave=[leave_period(MONDAY, "12:30", "12:45")])]
    ),
    "leave-ends-at-the-start": lambda: (
        _julie(leave=[leave_period(MONDAY, "06:00", "08:00")]),
        make_rota(),
    ),
    "leave-starts-at-the-end": lambda: (
        _julie(leave=[leave_period(MONDAY, "16:00", "18:00")]),
        make_rota(),
    ),
    "leave-one-minute-in": lambda: (
        _julie(leave=[leave_period(MONDAY, "15:59", "18:00")]),
        make_rota(),
    ),
    # public holidays: Good Friday 2026 (3 April) at the Tilleuls (Moselle), then at the Parc.
    "holiday-moselle": lambda: (
        make_instance(start=date(2026, 3, 30)),
        make_rota(
            [
                p
                for k, c in enumerate((TILLEULS, TILLEULS, PARC, PARC, TILLEULS))
                for p in split_day(day(k, date(2026, 3, 30)), c)
            ]
        ),
    ),
    # overlap: 11:00-11:30 overlaps 08:00-12:00 though it follows the shorter 09:00-10:00.
    "overlap-behind-a-longer-piece": lambda: _monday(
        ("08:00", "12:00"), ("09:00", "10:00"), ("11:00", "11:30"), ("13:00", "15:30")
    ),
    "overlap-touching": lambda: _monday(("08:00", "10:00"), ("10:00", "12:00"), ("13:00", "16:00")),
    # travel: missing, longer and shorter than the road time, ending early, without road, stray.
    "travel-missing": lambda: _travel_week(legs=[travel_week()[1][1]]),
    "travel-longer": lambda: _travel_week(
        legs=[travel_leg(MONDAY, "12:35", "13:00"), travel_week()[1][1]]
    ),
    "travel-shorter": lambda: _travel_week(
        legs=[travel_leg(MONDAY, "12:45", "13:00"), travel_week()[1][1]]
    ),
    "travel-starts-at-the-work-end": lambda: _travel_week(
        legs=[travel_leg(MONDAY, "12:00", "12:20"), travel_week()[1][1]]
    ),
    "travel-no-road": lambda: _travel_week(travel={}),
    "travel-stray": lambda: (
        make_instance(),
        make_rota(travel=[travel_leg(TUESDAY, "12:00", "12:20")]),
    ),
    "travel-back-to-back": lambda: (
        make_instance(),
        _week(
            (
                list(split_day(TUESDAY)),
                [assign(TUESDAY, "08:00", "12:00"), assign(TUESDAY, "12:15", "15:15", PARC)],
            )
        ),
    ),
    # daily work at, below and above 7 h (travel counts: 7 h 20 on Monday of the travel week).
    "daily-work-at-limit": lambda: (_with_rules(max_daily_minutes=420), make_rota()),
    "daily-work-above": lambda: (_with_rules(max_daily_minutes=419), make_rota()),
    "daily-work-with-travel": lambda: _travel_week(rules=replace(PAID, max_daily_minutes=439)),
    # amplitude: 08:00-16:00 is 8 h.
    "amplitude-at-limit": lambda: (_with_rules(max_amplitude_minutes=480), make_rota()),
    "amplitude-above": lambda: (_with_rules(max_amplitude_minutes=479), make_rota()),
    # vacations: three on Monday.
    "three-vacations": lambda: _monday(("08:00", "10:00"), ("10:30", "13:00"), ("13:30", "16:00")),
    "vacations-at-limit": lambda: (_with_rules(max_vacations_per_day=2), make_rota()),
    # interruption: 12:00-13:00 is 1 h.
    "interruption-at-limit": lambda: (_with_rules(max_interruption_minutes=60), make_rota()),
    "interruption-above": lambda: (_with_rules(max_interruption_minutes=59), make_rota()),
    # shorter vacation: the 3 h afternoon.
    "shorter-vacation-at-limit": lambda: (_with_rules(min_vacation_minutes=180), make_rota()),
    "shorter-vacation-below": lambda: (_with_rules(min_vacation_minutes=181), make_rota()),
    # break: 6 h 15 in a row; a declared pause of exactly 20 min, of 15 min; a pause not touching.
    "break-run-too-long": lambda: _monday(("08:00", "14:15"), ("15:15", "16:00")),
    "break-run-at-limit": lambda: _monday(("08:00", "14:00"), ("15:00", "16:00")),
    "break-declared-at-minimum": lambda: (
        _with_rules(break_minutes=30),
        replace(
            _monday_as(("08:00", "12:00"), ("12:30", "15:30")),
            breaks=(pause(MONDAY, "12:00", "12:30"),),
        ),
    ),
    "break-declared-too-short": lambda: (
        _with_rules(break_minutes=31),
        replace(
            _monday_as(("08:00", "12:00"), ("12:30", "15:30")),
            breaks=(pause(MONDAY, "12:00", "12:30"),),
        ),
    ),
    "break-gap-below-minimum-joins-the-run": lambda: _monday(
        ("08:00", "12:00"), ("12:15", "15:15")
    ),
    "break-not-touching": lambda: (
        make_instance(),
        make_rota(breaks=[pause(MONDAY, "12:10", "12:40")]),
    ),
    # daily rest: 16:00 to 08:00 is 16 h; from Monday 16:00 to Wednesday 08:00 over a day off, 40 h.
    "daily-rest-at-limit": lambda: (_with_rules(min_daily_rest_minutes=960), make_rota()),
    "daily-rest-below": lambda: (_with_rules(min_daily_rest_minutes=961), make_rota()),
    "daily-rest-over-a-day-off": lambda: (
        _with_rules(min_daily_rest_minutes=2400),
        _week((list(split_day(TUESDAY)), [])),
    ),
    "daily-rest-over-a-day-off-short": lambda: (
        _with_rules(min_daily_rest_minutes=2401),
        _week((list(split_day(TUESDAY)), [])),
    ),
    # weekly maximum: 35 h.
    "weekly-max-at-limit": lambda: (_with_rules(max_weekly_minutes=2100), make_rota()),
    "weekly-max-above": lambda: (_with_rules(max_weekly_minutes=2099), make_rota()),
    # 12-week average: 11 weeks before, then the 35 h week.
    "average-at-limit": lambda: (
        make_instance(
            assistants=[
                make_assistant(worked_minutes_before=[2640] * 10 + [2640 * 12 - 2100 - 26400])
            ],
        ),
        make_rota(),
    ),
    "average-above": lambda: (
        make_instance(
            assistants=[
                make_assistant(worked_minutes_before=[2640] * 10 + [2640 * 12 - 2100 - 26400 + 1])
            ],
        ),
        make_rota(),
    ),
    "average-oldest-week-dropped": lambda: (
        make_instance(assistants=[make_assistant(worked_minutes_before=[9999] + [2640] * 11)]),
        make_rota(),
    ),
    # days per week: five.
    "days-per-week-at-limit": lambda: (_with_rules(max_days_per_week=5), make_rota()),
    "days-per-week-above": lambda: (_with_rules(max_days_per_week=4), make_rota()),
    # Sunday rest, and Sunday work allowed.
    "sunday-work": lambda: (make_instance(), _week(([], [assign(SUNDAY, "09:00", "10:00")]))),
    "sunday-work-allowed": lambda: (
        make_instance(
            rules=Rules(sunday_rest=False),
            cabinets=[
                make_cabinet(TILLEULS, opening=windows(weekdays=range(7))),
                make_cabinet(PARC),
            ],
            assistants=[make_assistant(availability=windows(weekdays=range(7)))],
        ),
        _week(([], [assign(SUNDAY, "09:00", "10:00")])),
    ),
    # weekly rest: Friday 16:00 to the week's end is 56 h.
    "weekly-rest-at-limit": lambda: (_with_rules(min_weekly_rest_minutes=3360), make_rota()),
    "weekly-rest-below": lambda: (_with_rules(min_weekly_rest_minutes=3361), make_rota()),
    # contract hours and shares.
    "contract-short": lambda: (
        make_instance(),
        _week(([split_day(MONDAY)[0]], [assign(MONDAY, "08:15", "12:00")])),
    ),
    "contract-long": lambda: (
        make_instance(),
        _week(([split_day(MONDAY)[0]], [assign(MONDAY, "07:45", "12:00")])),
    ),
    # pinned and protected window.
    "pinned-missing": lambda: (
        _replan(pinned=(assign(MONDAY, "08:00", "12:00", PARC),)),
        make_rota(),
    ),
    "protected-moved": lambda: (
        _replan(published=standard_week(), protected_until=at(THURSDAY, "00:00")),
        _week(([MOVED], [assign(WEDNESDAY, "08:15", "12:15")])),
    ),
    "protected-moved-after-the-window": lambda: (
        _replan(published=standard_week(), protected_until=at(WEDNESDAY, "08:00")),
        _week(([MOVED], [assign(WEDNESDAY, "08:15", "12:15")])),
    ),
    "protected-moved-at-the-window": lambda: (
        _replan(published=standard_week(), protected_until=at(WEDNESDAY, "08:15")),
        _week(([MOVED], [assign(WEDNESDAY, "08:15", "12:15")])),
    ),
    "protected-leave-unreported": lambda: (
        make_instance(
            assistants=[make_assistant(leave=[whole_days(WEDNESDAY)])],
            replan=Replan(published=standard_week(), protected_until=at(THURSDAY, "00:00")),
        ),
        _week((list(split_day(WEDNESDAY)), [])),
    ),
    "protected-leave-reported": lambda: (
        make_instance(
            assistants=[make_assistant(leave=[whole_days(WEDNESDAY)])],
            replan=Replan(published=standard_week(), protected_until=at(THURSDAY, "00:00")),
        ),
        replace(
            _week((list(split_day(WEDNESDAY)), [])),
            changes=tuple(
                Change(AssistantId("julie"), (CabinetId(TILLEULS),), piece, None, "congé")
                for piece in split_day(WEDNESDAY)
            ),
        ),
    ),
    # A protected week's contract hours are capped at the contract, not held to the target.
    "protected-week-at-the-cap": lambda: (
        _replan(
            published=standard_week(), protected_until=at(MONDAY, "00:00") + timedelta(minutes=1)
        ),
        _week(([split_day(MONDAY)[0]], [assign(MONDAY, "09:00", "12:00")])),
    ),
    "protected-week-above-the-cap": lambda: (
        _replan(published=standard_week(), protected_until=at(MONDAY, "00:01")),
        _week(([split_day(MONDAY)[0]], [assign(MONDAY, "07:45", "12:00")])),
    ),
    "protected-window-ends-on-monday": lambda: (
        _replan(published=standard_week(), protected_until=at(MONDAY, "00:00")),
        _week(([split_day(MONDAY)[0]], [assign(MONDAY, "09:00", "12:00")])),
    ),
    # Two places taken on two days: each cabinet-day is reported.
    "places-two-days": lambda: (
        make_instance(
            assistants=[make_assistant(), make_assistant(MARIE, availability=windows())],
            cabinets=[make_cabinet(TILLEULS), make_cabinet(PARC)],
            contracts=[
                make_contract(),
                make_contract(
                    "pool-2", MARIE, weekly_minutes=480, shares={TILLEULS: 5000, PARC: 5000}
                ),
            ],
        ),
        _week(
            (
                [],
                [
                    assign(MONDAY, "09:00", "13:00", TILLEULS, MARIE, "pool-2"),
                    assign(THURSDAY, "09:00", "13:00", PARC, MARIE, "pool-2"),
                ],
            )
        ),
    ),
    # A travel leg on a public holiday is not work at a closed cabinet (only a stray leg here).
    "holiday-travel-leg": lambda: (
        make_instance(start=date(2026, 3, 30)),
        make_rota(
            list(standard_week(date(2026, 3, 30))),
            [travel_leg(date(2026, 4, 3), "17:00", "17:20", TILLEULS, PARC)],
        ),
    ),
    # breaks: one touching only the work after it; two pauses in a row.
    "break-touching-only-after": lambda: (
        make_instance(),
        replace(make_rota(), breaks=(pause(MONDAY, "12:10", "13:00"),)),
    ),
    "break-two-pauses-in-a-row": lambda: (
        make_instance(),
        replace(
            _monday_as(("08:00", "12:00"), ("12:45", "15:45")),
            breaks=(pause(MONDAY, "12:00", "12:20"), pause(MONDAY, "12:20", "12:45")),
        ),
    ),
    # Missing weeks of history count 0: 35 h against an average of 175 min over 12 weeks.
    "average-missing-weeks-count-zero": lambda: (
        _with_rules(max_average_weekly_minutes=175),
        make_rota(),
    ),
    "average-later-week-not-counted": lambda: (
        make_instance(days=14, rules=Rules(max_average_weekly_minutes=175, average_weeks=12)),
        make_rota([*standard_week(), *standard_week(day(7))]),
    ),
    # Days per week and weekly rest: the next week's Monday is not part of this week.
    "days-per-week-two-weeks": lambda: (
        make_instance(days=14, rules=Rules(max_days_per_week=5)),
        make_rota([*standard_week(), *standard_week(day(7))]),
    ),
    "weekly-rest-two-weeks": lambda: (
        make_instance(days=14, rules=Rules(min_weekly_rest_minutes=3360)),
        make_rota([*standard_week(), *standard_week(day(7))]),
    ),
    # Weekly rest counted from the week's start: Monday's work from 08:00 leaves 8 h before it.
    "weekly-rest-saturday-evening": lambda: (
        make_instance(
            assistants=[make_assistant(availability=windows(weekdays=range(6)))],
            rules=Rules(min_weekly_rest_minutes=2160),
        ),
        _week(([], [assign(SATURDAY, "18:00", "19:00")])),
    ),
    # A protected week is skipped, the next one still checked.
    "protected-first-week-only": lambda: (
        make_instance(
            days=14,
            replan=Replan(published=standard_week(), protected_until=at(MONDAY, "00:01")),
        ),
        make_rota([*standard_week(), *standard_week(day(7))[1:]]),
    ),
    # Published after the window first in the list, then a moved one inside it.
    "protected-moved-listed-after-a-later-one": lambda: (
        _replan(
            published=(assign(FRIDAY, "08:00", "12:00", PARC), MOVED),
            protected_until=at(THURSDAY, "00:00"),
        ),
        _week(([MOVED], [assign(WEDNESDAY, "08:15", "12:15")])),
    ),
    "protected-moved-with-leave-on-friday": lambda: (
        make_instance(
            assistants=[make_assistant(leave=[leave_period(FRIDAY, "17:00", "18:00")])],
            replan=Replan(published=standard_week(), protected_until=at(THURSDAY, "00:00")),
        ),
        _week(([MOVED], [assign(WEDNESDAY, "08:15", "12:15")])),
    ),
    "protected-moved-leave-ends-at-its-start": lambda: (
        make_instance(
            assistants=[make_assistant(leave=[leave_period(WEDNESDAY, "06:00", "08:00")])],
            replan=Replan(published=standard_week(), protected_until=at(THURSDAY, "00:00")),
        ),
        _week(([MOVED], [assign(WEDNESDAY, "08:15", "12:15")])),
    ),
    "protected-moved-leave-starts-at-its-end": lambda: (
        make_instance(
            assistants=[make_assistant(leave=[leave_period(WEDNESDAY, "12:00", "12:10")])],
            replan=Replan(published=standard_week(), protected_until=at(THURSDAY, "00:00")),
        ),
        _week(([MOVED], [])),
    ),
    # Pinned at an unknown cabinet: named by its id.
    "pinned-unknown-cabinet": lambda: (
        _replan(pinned=(assign(MONDAY, "08:00", "12:00", "gare"),)),
        make_rota(),
    ),
    # A zone half an hour off UTC: the grid and the day are the zone's own.
    "zone-half-hour-off-utc": lambda: (
        make_instance(
            timezone="Asia/Kolkata",
            slot_minutes=60,
            contracts=[make_contract(weekly_minutes=60, shares={TILLEULS: 10_000})],
            replan=Replan(pinned=(_kolkata(TUESDAY, "02:00", "03:00"),)),
        ),
        make_rota([_kolkata(MONDAY, "09:00", "10:00")]),
    ),
    # Pieces without a time zone.
    "interval-naive-end": lambda: (
        make_instance(),
        _week(([], [replace(assign(SATURDAY, "09:00", "10:00"), end=NAIVE_END)])),
    ),
    "interval-naive-start": lambda: (
        make_instance(),
        _week(([], [replace(assign(SATURDAY, "09:00", "10:00"), start=NAIVE_START)])),
    ),
    "interval-ends-at-midnight": lambda: (
        make_instance(
            assistants=[make_assistant(availability=(*windows(), window(5, "23:00", "24:00")))],
            cabinets=[
                make_cabinet(
                    TILLEULS, opening=(*windows(weekdays=range(5)), window(5, "23:00", "24:00"))
                ),
                make_cabinet(PARC),
            ],
        ),
        _week(([], [replace(assign(SATURDAY, "23:00", "23:45"), end=at(SUNDAY, "00:00"))])),
    ),
    "weekly-rest-two-weeks-below": lambda: (
        make_instance(days=14, rules=Rules(min_weekly_rest_minutes=3361)),
        make_rota([*standard_week(), *standard_week(day(7))]),
    ),
    "weekly-max-two-weeks": lambda: (
        make_instance(days=14, rules=Rules(max_weekly_minutes=2100)),
        make_rota([*standard_week(), *standard_week(day(7))]),
    ),
    # Weekly rest between working days: Monday 16:00 to Friday 08:00 is 88 h.
    "weekly-rest-midweek-gap": lambda: (
        _with_rules(min_weekly_rest_minutes=4800),
        make_rota([*split_day(MONDAY), *split_day(FRIDAY, PARC)]),
    ),
    # From the week's start (Monday 00:00) to Thursday 08:00 is 80 h.
    "weekly-rest-from-the-week-start": lambda: (
        _with_rules(min_weekly_rest_minutes=4800),
        make_rota([*split_day(THURSDAY, PARC), *split_day(FRIDAY, PARC)]),
    ),
    # Each piece on leave is reported, over two days.
    "leave-two-days": lambda: (_julie(leave=[whole_days(MONDAY, 2)]), make_rota()),
    # Declared breaks are neither availability nor leave nor opening.
    "breaks-ignore-availability-and-leave": lambda: (
        make_instance(
            assistants=[
                make_assistant(
                    availability=(
                        window(0, "08:00", "12:00"),
                        window(0, "12:30", "19:00"),
                        *windows(weekdays=range(1, 5)),
                    ),
                    leave=[leave_period(MONDAY, "12:00", "12:30")],
                )
            ]
        ),
        replace(
            _monday_as(("08:00", "12:00"), ("12:30", "15:30")),
            breaks=(pause(MONDAY, "12:00", "12:30"),),
        ),
    ),
    # Travel legs are neither work at their origin's opening hours nor one of its places.
    "opening-ignores-travel": lambda: _travel_week(
        cabinets=[
            make_cabinet(
                TILLEULS,
                opening=(
                    window(0, "08:00", "12:30"),
                    window(0, "13:00", "19:00"),
                    *windows(weekdays=range(1, 6)),
                ),
            ),
            make_cabinet(PARC),
        ]
    ),
    "places-ignore-travel": lambda: (
        make_instance(
            assistants=[
                make_assistant(),
                make_assistant(MARIE, availability=[window(0, "08:00", "19:00")]),
            ],
            contracts=[
                make_contract(),
                make_contract("pool-2", MARIE, weekly_minutes=240, shares={TILLEULS: 10_000}),
            ],
            rules=PAID,
        ),
        make_rota(
            [*travel_week()[0], assign(MONDAY, "12:00", "16:00", TILLEULS, MARIE, "pool-2")],
            travel_week()[1],
        ),
    ),
    # Overlaps behind pieces ending together: the first of them stays the reference.
    "overlap-same-end": lambda: _monday(
        ("08:00", "12:00"), ("10:00", "12:00"), ("11:00", "11:30"), ("13:00", "15:30")
    ),
    # Two cabinets back to back, no travel leg.
    "travel-touching": lambda: (
        make_instance(),
        _week(
            (
                list(split_day(TUESDAY)),
                [assign(TUESDAY, "08:00", "12:00"), assign(TUESDAY, "12:00", "15:00", PARC)],
            )
        ),
    ),
    # A malformed pinned assignment is still named.
    "pinned-malformed": lambda: (
        _replan(pinned=(assign(MONDAY, "12:00", "08:00"),)),
        make_rota(),
    ),
    # A week worked round the clock has no rest at all.
    "weekly-rest-none": lambda: (
        make_instance(
            assistants=[make_assistant(availability=windows("00:00", "24:00", range(7)))],
            cabinets=[
                make_cabinet(TILLEULS, opening=windows("00:00", "24:00", range(7))),
                make_cabinet(PARC),
            ],
            contracts=[make_contract(shares={TILLEULS: 10_000})],
        ),
        make_rota([assign(day(k), "00:00", "24:00") for k in range(7)]),
    ),
    # Violations without an assistant come first, whatever the assistants' ids.
    "sort-places-before-assistants": lambda: (
        make_instance(
            assistants=[
                make_assistant(),
                make_assistant("Bea", availability=[window(0, "09:00", "19:00")]),
            ],
            cabinets=[make_cabinet(TILLEULS), make_cabinet(PARC)],
            contracts=[
                make_contract(),
                make_contract("pool-2", "Bea", weekly_minutes=240, shares={TILLEULS: 10_000}),
            ],
        ),
        make_rota([*standard_week(), assign(MONDAY, "08:00", "12:00", TILLEULS, "Bea", "pool-2")]),
    ),
    # grain, interval, horizon, ids.
    "grain-end-off": lambda: (
        make_instance(),
        _week(([split_day(MONDAY)[1]], [assign(MONDAY, "13:00", "16:05")])),
    ),
    "grain-start-off": lambda: (
        make_instance(),
        _week(([split_day(MONDAY)[1]], [assign(MONDAY, "12:55", "16:00")])),
    ),
    "interval-zero-length": lambda: (
        make_instance(),
        _week(([], [assign(SATURDAY, "09:00", "09:00")])),
    ),
    "interval-two-days": lambda: (
        make_instance(),
        _week(([], [replace(assign(SATURDAY, "22:00", "23:00"), end=at(SUNDAY, "01:00"))])),
    ),
    "horizon-before": lambda: (make_instance(), _week(([], [assign(day(-1), "09:00", "10:00")]))),
    "horizon-after": lambda: (make_instance(), _week(([], [assign(day(7), "09:00", "10:00")]))),
    "unknown-contract": lambda: (
        make_instance(),
        _week(([], [assign(SATURDAY, "09:00", "10:00", contract="pool-9")])),
    ),
    "unknown-cabinet": lambda: (
        make_instance(),
        _week(([], [assign(SATURDAY, "09:00", "10:00", cabinet="gare")])),
    ),
    "unknown-assistant": lambda: (
        make_instance(),
        _week(([], [assign(SATURDAY, "09:00", "10:00", assistant=MARIE)])),
    ),
    "foreign-contract": lambda: (
        make_instance(
            assistants=[
                make_assistant(),
                make_assistant(MARIE, availability=windows(weekdays=range(6))),
            ],
            contracts=[make_contract(), make_contract("pool-2", MARIE, shares={PARC: 10_000})],
        ),
        _week(
            (
                [],
                [
                    assign(SATURDAY, "09:00", "10:00", TILLEULS, MARIE, "pool-1"),
                    assign(SATURDAY, "10:00", "11:00", TILLEULS, MARIE, "pool-2"),
                ],
            )
        ),
    ),
}

EXPECTED: dict[str, list[Row]] = {
    "availability-work": [
        (
            "availability",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille le lundi 30 novembre de 8 h à 12 h, hors de ses disponibilités.",
        ),
    ],
    "availability-travel": [
        (
            "availability",
            "julie",
            date(2026, 11, 30),
            "Julie Martin est en trajet le lundi 30 novembre de 12 h 40 à 13 h, hors de ses disponibilités.",
        ),
    ],
    "availability-ends-at-the-work-end": [],
    "availability-ends-before-the-work-end": [
        (
            "availability",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille le lundi 30 novembre de 13 h à 16 h, hors de ses disponibilités.",
        ),
    ],
    "opening-late": [
        (
            "opening-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin est placée au Cabinet des Tilleuls le lundi 30 novembre de 8 h à 12 h, hors des heures d'ouverture du cabinet.",
        ),
    ],
    "opening-at-the-work-end": [],
    "opening-closes-early": [
        (
            "opening-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin est placée au Cabinet des Tilleuls le lundi 30 novembre de 13 h à 16 h, hors des heures d'ouverture du cabinet.",
        ),
    ],
    "places-one": [
        (
            "cabinet-places",
            None,
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 2 assistantes (Julie Martin, Marie Dubois) le lundi 30 novembre de 11 h à 12 h : il n'a que 1 place(s).",
        ),
    ],
    "places-two": [],
    "leave-over-work": [
        (
            "leave",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille le lundi 30 novembre de 13 h à 16 h alors qu'elle est en congé.",
        ),
    ],
    "leave-over-travel": [
        (
            "leave",
            "julie",
            date(2026, 11, 30),
            "Julie Martin est en trajet le lundi 30 novembre de 12 h 40 à 13 h alors qu'elle est en congé.",
        ),
    ],
    "leave-ends-at-the-start": [],
    "leave-starts-at-the-end": [],
    "leave-one-minute-in": [
        (
            "leave",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille le lundi 30 novembre de 13 h à 16 h alors qu'elle est en congé.",
        ),
    ],
    "holiday-moselle": [
        (
            "public-holiday",
            "julie",
            date(2026, 4, 3),
            "Julie Martin est placée au Cabinet des Tilleuls le vendredi 3 avril, jour férié (Vendredi saint).",
        ),
        (
            "public-holiday",
            "julie",
            date(2026, 4, 3),
            "Julie Martin est placée au Cabinet des Tilleuls le vendredi 3 avril, jour férié (Vendredi saint).",
        ),
    ],
    "overlap-behind-a-longer-piece": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 36 h au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "overlap",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a deux occupations en même temps le lundi 30 novembre : de 8 h à 12 h et de 11 h à 11 h 30.",
        ),
        (
            "overlap",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a deux occupations en même temps le lundi 30 novembre : de 8 h à 12 h et de 9 h à 10 h.",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 22 h de Julie Martin la semaine du lundi 30 novembre au lieu de 21 h (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "shorter-vacation",
            "julie",
            date(2026, 11, 30),
            "La vacation de Julie Martin le lundi 30 novembre de 13 h à 15 h 30 ne dure que 2 h 30 : au moins 3 h quand la journée est coupée.",
        ),
    ],
    "overlap-touching": [],
    "travel-missing": [
        (
            "travel",
            "julie",
            date(2026, 11, 30),
            "Julie Martin va du Cabinet des Tilleuls au Cabinet du Parc le lundi 30 novembre sans trajet prévu entre 12 h et 13 h (20 min de route).",
        ),
    ],
    "travel-longer": [
        (
            "travel",
            "julie",
            date(2026, 11, 30),
            "Le trajet de Julie Martin du Cabinet des Tilleuls au Cabinet du Parc le lundi 30 novembre dure 25 min au lieu de 20 min de route.",
        ),
    ],
    "travel-shorter": [
        (
            "travel",
            "julie",
            date(2026, 11, 30),
            "Le trajet de Julie Martin du Cabinet des Tilleuls au Cabinet du Parc le lundi 30 novembre dure 15 min au lieu de 20 min de route.",
        ),
    ],
    "travel-starts-at-the-work-end": [
        (
            "travel",
            "julie",
            date(2026, 11, 30),
            "Julie Martin va du Cabinet des Tilleuls au Cabinet du Parc le lundi 30 novembre sans trajet prévu entre 12 h et 13 h (20 min de route).",
        ),
        (
            "travel",
            "julie",
            date(2026, 11, 30),
            "Le trajet de Julie Martin du Cabinet des Tilleuls au Cabinet du Parc le lundi 30 novembre de 12 h à 12 h 20 ne relie pas deux affectations consécutives dans ces deux cabinets.",
        ),
    ],
    "travel-no-road": [
        (
            "travel",
            "julie",
            date(2026, 11, 30),
            "Julie Martin va du Cabinet des Tilleuls au Cabinet du Parc le lundi 30 novembre : aucun temps de trajet n'est connu entre ces cabinets, ils ne peuvent pas s'enchaîner le même jour.",
        ),
        (
            "travel",
            "julie",
            date(2026, 12, 4),
            "Julie Martin va du Cabinet du Parc au Cabinet des Tilleuls le vendredi 4 décembre : aucun temps de trajet n'est connu entre ces cabinets, ils ne peuvent pas s'enchaîner le même jour.",
        ),
    ],
    "travel-stray": [
        (
            "travel",
            "julie",
            date(2026, 12, 1),
            "Le trajet de Julie Martin du Cabinet des Tilleuls au Cabinet du Parc le mardi 1er décembre de 12 h à 12 h 20 ne relie pas deux affectations consécutives dans ces deux cabinets.",
        ),
    ],
    "travel-back-to-back": [
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 18 h de Julie Martin la semaine du lundi 30 novembre au lieu de 21 h (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet du Parc reçoit 17 h de Julie Martin la semaine du lundi 30 novembre au lieu de 14 h (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "break",
            "julie",
            date(2026, 12, 1),
            "Julie Martin travaille 7 h sans pause d'au moins 20 min le mardi 1er décembre (de 8 h à 15 h 15) : pause obligatoire après 6 h.",
        ),
        (
            "travel",
            "julie",
            date(2026, 12, 1),
            "Julie Martin va du Cabinet des Tilleuls au Cabinet du Parc le mardi 1er décembre sans trajet prévu entre 12 h et 12 h 15 (20 min de route).",
        ),
    ],
    "daily-work-at-limit": [],
    "daily-work-above": [
        (
            "daily-work",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille 7 h le lundi 30 novembre : au plus 6 h 59 par jour.",
        ),
        (
            "daily-work",
            "julie",
            date(2026, 12, 1),
            "Julie Martin travaille 7 h le mardi 1er décembre : au plus 6 h 59 par jour.",
        ),
        (
            "daily-work",
            "julie",
            date(2026, 12, 2),
            "Julie Martin travaille 7 h le mercredi 2 décembre : au plus 6 h 59 par jour.",
        ),
        (
            "daily-work",
            "julie",
            date(2026, 12, 3),
            "Julie Martin travaille 7 h le jeudi 3 décembre : au plus 6 h 59 par jour.",
        ),
        (
            "daily-work",
            "julie",
            date(2026, 12, 4),
            "Julie Martin travaille 7 h le vendredi 4 décembre : au plus 6 h 59 par jour.",
        ),
    ],
    "daily-work-with-travel": [
        (
            "daily-work",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille 7 h 20 le lundi 30 novembre : au plus 7 h 19 par jour.",
        ),
        (
            "daily-work",
            "julie",
            date(2026, 12, 4),
            "Julie Martin travaille 7 h 20 le vendredi 4 décembre : au plus 7 h 19 par jour.",
        ),
    ],
    "amplitude-at-limit": [],
    "amplitude-above": [
        (
            "amplitude",
            "julie",
            date(2026, 11, 30),
            "La journée de Julie Martin le lundi 30 novembre s'étend sur 8 h (amplitude) : au plus 7 h 59.",
        ),
        (
            "amplitude",
            "julie",
            date(2026, 12, 1),
            "La journée de Julie Martin le mardi 1er décembre s'étend sur 8 h (amplitude) : au plus 7 h 59.",
        ),
        (
            "amplitude",
            "julie",
            date(2026, 12, 2),
            "La journée de Julie Martin le mercredi 2 décembre s'étend sur 8 h (amplitude) : au plus 7 h 59.",
        ),
        (
            "amplitude",
            "julie",
            date(2026, 12, 3),
            "La journée de Julie Martin le jeudi 3 décembre s'étend sur 8 h (amplitude) : au plus 7 h 59.",
        ),
        (
            "amplitude",
            "julie",
            date(2026, 12, 4),
            "La journée de Julie Martin le vendredi 4 décembre s'étend sur 8 h (amplitude) : au plus 7 h 59.",
        ),
    ],
    "three-vacations": [
        (
            "max-vacations",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 3 vacations le lundi 30 novembre : au plus 2 par jour.",
        ),
        (
            "shorter-vacation",
            "julie",
            date(2026, 11, 30),
            "La vacation de Julie Martin le lundi 30 novembre de 10 h 30 à 13 h ne dure que 2 h 30 : au moins 3 h quand la journée est coupée.",
        ),
        (
            "shorter-vacation",
            "julie",
            date(2026, 11, 30),
            "La vacation de Julie Martin le lundi 30 novembre de 13 h 30 à 16 h ne dure que 2 h 30 : au moins 3 h quand la journée est coupée.",
        ),
        (
            "shorter-vacation",
            "julie",
            date(2026, 11, 30),
            "La vacation de Julie Martin le lundi 30 novembre de 8 h à 10 h ne dure que 2 h : au moins 3 h quand la journée est coupée.",
        ),
    ],
    "vacations-at-limit": [],
    "interruption-at-limit": [],
    "interruption-above": [
        (
            "interruption",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a une coupure de 1 h le lundi 30 novembre (de 12 h à 13 h) : au plus 59 min.",
        ),
        (
            "interruption",
            "julie",
            date(2026, 12, 1),
            "Julie Martin a une coupure de 1 h le mardi 1er décembre (de 12 h à 13 h) : au plus 59 min.",
        ),
        (
            "interruption",
            "julie",
            date(2026, 12, 2),
            "Julie Martin a une coupure de 1 h le mercredi 2 décembre (de 12 h à 13 h) : au plus 59 min.",
        ),
        (
            "interruption",
            "julie",
            date(2026, 12, 3),
            "Julie Martin a une coupure de 1 h le jeudi 3 décembre (de 12 h à 13 h) : au plus 59 min.",
        ),
        (
            "interruption",
            "julie",
            date(2026, 12, 4),
            "Julie Martin a une coupure de 1 h le vendredi 4 décembre (de 12 h à 13 h) : au plus 59 min.",
        ),
    ],
    "shorter-vacation-at-limit": [],
    "shorter-vacation-below": [
        (
            "shorter-vacation",
            "julie",
            date(2026, 11, 30),
            "La vacation de Julie Martin le lundi 30 novembre de 13 h à 16 h ne dure que 3 h : au moins 3 h 01 quand la journée est coupée.",
        ),
        (
            "shorter-vacation",
            "julie",
            date(2026, 12, 1),
            "La vacation de Julie Martin le mardi 1er décembre de 13 h à 16 h ne dure que 3 h : au moins 3 h 01 quand la journée est coupée.",
        ),
        (
            "shorter-vacation",
            "julie",
            date(2026, 12, 2),
            "La vacation de Julie Martin le mercredi 2 décembre de 13 h à 16 h ne dure que 3 h : au moins 3 h 01 quand la journée est coupée.",
        ),
        (
            "shorter-vacation",
            "julie",
            date(2026, 12, 3),
            "La vacation de Julie Martin le jeudi 3 décembre de 13 h à 16 h ne dure que 3 h : au moins 3 h 01 quand la journée est coupée.",
        ),
        (
            "shorter-vacation",
            "julie",
            date(2026, 12, 4),
            "La vacation de Julie Martin le vendredi 4 décembre de 13 h à 16 h ne dure que 3 h : au moins 3 h 01 quand la journée est coupée.",
        ),
    ],
    "break-run-too-long": [
        (
            "break",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille 6 h 15 sans pause d'au moins 20 min le lundi 30 novembre (de 8 h à 14 h 15) : pause obligatoire après 6 h.",
        ),
        (
            "shorter-vacation",
            "julie",
            date(2026, 11, 30),
            "La vacation de Julie Martin le lundi 30 novembre de 15 h 15 à 16 h ne dure que 45 min : au moins 3 h quand la journée est coupée.",
        ),
    ],
    "break-run-at-limit": [
        (
            "shorter-vacation",
            "julie",
            date(2026, 11, 30),
            "La vacation de Julie Martin le lundi 30 novembre de 15 h à 16 h ne dure que 1 h : au moins 3 h quand la journée est coupée.",
        ),
    ],
    "break-declared-at-minimum": [],
    "break-declared-too-short": [
        (
            "break",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille 7 h sans pause d'au moins 31 min le lundi 30 novembre (de 8 h à 15 h 30) : pause obligatoire après 6 h.",
        ),
        (
            "break",
            "julie",
            date(2026, 11, 30),
            "La pause de Julie Martin le lundi 30 novembre de 12 h à 12 h 30 doit durer au moins 31 min et se placer entre deux périodes de travail qui la touchent.",
        ),
    ],
    "break-gap-below-minimum-joins-the-run": [
        (
            "break",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille 7 h sans pause d'au moins 20 min le lundi 30 novembre (de 8 h à 15 h 15) : pause obligatoire après 6 h.",
        ),
    ],
    "break-not-touching": [
        (
            "break",
            "julie",
            date(2026, 11, 30),
            "La pause de Julie Martin le lundi 30 novembre de 12 h 10 à 12 h 40 doit durer au moins 20 min et se placer entre deux périodes de travail qui la touchent.",
        ),
        (
            "max-vacations",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 3 vacations le lundi 30 novembre : au plus 2 par jour.",
        ),
        (
            "shorter-vacation",
            "julie",
            date(2026, 11, 30),
            "La vacation de Julie Martin le lundi 30 novembre de 12 h 10 à 12 h 40 ne dure que 30 min : au moins 3 h quand la journée est coupée.",
        ),
    ],
    "daily-rest-at-limit": [],
    "daily-rest-below": [
        (
            "daily-rest",
            "julie",
            date(2026, 12, 1),
            "Julie Martin ne se repose que 16 h entre le lundi 30 novembre (16 h) et le mardi 1er décembre (8 h) : au moins 16 h 01.",
        ),
        (
            "daily-rest",
            "julie",
            date(2026, 12, 2),
            "Julie Martin ne se repose que 16 h entre le mardi 1er décembre (16 h) et le mercredi 2 décembre (8 h) : au moins 16 h 01.",
        ),
        (
            "daily-rest",
            "julie",
            date(2026, 12, 3),
            "Julie Martin ne se repose que 16 h entre le mercredi 2 décembre (16 h) et le jeudi 3 décembre (8 h) : au moins 16 h 01.",
        ),
        (
            "daily-rest",
            "julie",
            date(2026, 12, 4),
            "Julie Martin ne se repose que 16 h entre le jeudi 3 décembre (16 h) et le vendredi 4 décembre (8 h) : au moins 16 h 01.",
        ),
    ],
    "daily-rest-over-a-day-off": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 28 h au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 14 h de Julie Martin la semaine du lundi 30 novembre au lieu de 21 h (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "daily-rest",
            "julie",
            date(2026, 12, 3),
            "Julie Martin ne se repose que 16 h entre le mercredi 2 décembre (16 h) et le jeudi 3 décembre (8 h) : au moins 40 h.",
        ),
        (
            "daily-rest",
            "julie",
            date(2026, 12, 4),
            "Julie Martin ne se repose que 16 h entre le jeudi 3 décembre (16 h) et le vendredi 4 décembre (8 h) : au moins 40 h.",
        ),
    ],
    "daily-rest-over-a-day-off-short": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 28 h au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 14 h de Julie Martin la semaine du lundi 30 novembre au lieu de 21 h (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "daily-rest",
            "julie",
            date(2026, 12, 2),
            "Julie Martin ne se repose que 40 h entre le lundi 30 novembre (16 h) et le mercredi 2 décembre (8 h) : au moins 40 h 01.",
        ),
        (
            "daily-rest",
            "julie",
            date(2026, 12, 3),
            "Julie Martin ne se repose que 16 h entre le mercredi 2 décembre (16 h) et le jeudi 3 décembre (8 h) : au moins 40 h 01.",
        ),
        (
            "daily-rest",
            "julie",
            date(2026, 12, 4),
            "Julie Martin ne se repose que 16 h entre le jeudi 3 décembre (16 h) et le vendredi 4 décembre (8 h) : au moins 40 h 01.",
        ),
    ],
    "weekly-max-at-limit": [],
    "weekly-max-above": [
        (
            "weekly-max",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille 35 h la semaine du lundi 30 novembre : au plus 34 h 59 par semaine.",
        ),
    ],
    "average-at-limit": [],
    "average-above": [
        (
            "twelve-week-average",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille 528 h 01 sur les 12 semaines finissant la semaine du lundi 30 novembre : au plus 44 h par semaine en moyenne.",
        ),
    ],
    "average-oldest-week-dropped": [],
    "days-per-week-at-limit": [],
    "days-per-week-above": [
        (
            "days-per-week",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille 5 jours la semaine du lundi 30 novembre : au plus 4.",
        ),
    ],
    "sunday-work": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 36 h au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 22 h de Julie Martin la semaine du lundi 30 novembre au lieu de 21 h (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "availability",
            "julie",
            date(2026, 12, 6),
            "Julie Martin travaille le dimanche 6 décembre de 9 h à 10 h, hors de ses disponibilités.",
        ),
        (
            "opening-hours",
            "julie",
            date(2026, 12, 6),
            "Julie Martin est placée au Cabinet des Tilleuls le dimanche 6 décembre de 9 h à 10 h, hors des heures d'ouverture du cabinet.",
        ),
        (
            "sunday-rest",
            "julie",
            date(2026, 12, 6),
            "Julie Martin travaille le dimanche 6 décembre : le dimanche est le jour de repos hebdomadaire.",
        ),
    ],
    "sunday-work-allowed": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 36 h au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 22 h de Julie Martin la semaine du lundi 30 novembre au lieu de 21 h (contrat « pool-1 », tolérance 30 min).",
        ),
    ],
    "weekly-rest-at-limit": [],
    "weekly-rest-below": [
        (
            "weekly-rest",
            "julie",
            date(2026, 11, 30),
            "Julie Martin n'a que 56 h de repos d'affilée la semaine du lundi 30 novembre : au moins 56 h 01.",
        ),
    ],
    "contract-short": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 34 h 45 au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
    ],
    "contract-long": [
        (
            "availability",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille le lundi 30 novembre de 7 h 45 à 12 h, hors de ses disponibilités.",
        ),
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 35 h 15 au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "opening-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin est placée au Cabinet des Tilleuls le lundi 30 novembre de 7 h 45 à 12 h, hors des heures d'ouverture du cabinet.",
        ),
    ],
    "pinned-missing": [
        (
            "pinned",
            "julie",
            date(2026, 11, 30),
            "L'affectation imposée de Julie Martin au Cabinet du Parc le lundi 30 novembre de 8 h à 12 h manque au planning.",
        ),
    ],
    "protected-moved": [
        (
            "protected-window",
            "julie",
            date(2026, 12, 2),
            "L'affectation publiée de Julie Martin au Cabinet des Tilleuls le mercredi 2 décembre de 8 h à 12 h est modifiée alors qu'elle est dans le délai de prévenance.",
        ),
    ],
    "protected-moved-after-the-window": [],
    "protected-moved-at-the-window": [
        (
            "protected-window",
            "julie",
            date(2026, 12, 2),
            "L'affectation publiée de Julie Martin au Cabinet des Tilleuls le mercredi 2 décembre de 8 h à 12 h est modifiée alors qu'elle est dans le délai de prévenance.",
        ),
    ],
    "protected-leave-unreported": [
        (
            "protected-window",
            "julie",
            date(2026, 12, 2),
            "L'affectation publiée de Julie Martin au Cabinet des Tilleuls le mercredi 2 décembre de 13 h à 16 h est retirée pour congé sans que le changement soit signalé.",
        ),
        (
            "protected-window",
            "julie",
            date(2026, 12, 2),
            "L'affectation publiée de Julie Martin au Cabinet des Tilleuls le mercredi 2 décembre de 8 h à 12 h est retirée pour congé sans que le changement soit signalé.",
        ),
    ],
    "protected-leave-reported": [],
    "protected-week-at-the-cap": [],
    "protected-week-above-the-cap": [
        (
            "availability",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille le lundi 30 novembre de 7 h 45 à 12 h, hors de ses disponibilités.",
        ),
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 35 h 15 au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit au plus 35 h.",
        ),
        (
            "opening-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin est placée au Cabinet des Tilleuls le lundi 30 novembre de 7 h 45 à 12 h, hors des heures d'ouverture du cabinet.",
        ),
    ],
    "protected-window-ends-on-monday": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 34 h au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 20 h de Julie Martin la semaine du lundi 30 novembre au lieu de 21 h (contrat « pool-1 », tolérance 30 min).",
        ),
    ],
    "places-two-days": [
        (
            "cabinet-places",
            None,
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 2 assistantes (Julie Martin, Marie Dubois) le lundi 30 novembre de 9 h à 12 h : il n'a que 1 place(s).",
        ),
        (
            "cabinet-places",
            None,
            date(2026, 12, 3),
            "Le Cabinet du Parc reçoit 2 assistantes (Julie Martin, Marie Dubois) le jeudi 3 décembre de 9 h à 12 h : il n'a que 1 place(s).",
        ),
    ],
    "holiday-travel-leg": [
        (
            "max-vacations",
            "julie",
            date(2026, 4, 3),
            "Julie Martin a 3 vacations le vendredi 3 avril : au plus 2 par jour.",
        ),
        (
            "shorter-vacation",
            "julie",
            date(2026, 4, 3),
            "La vacation de Julie Martin le vendredi 3 avril de 17 h à 17 h 20 ne dure que 20 min : au moins 3 h quand la journée est coupée.",
        ),
        (
            "travel",
            "julie",
            date(2026, 4, 3),
            "Le trajet de Julie Martin du Cabinet des Tilleuls au Cabinet du Parc le vendredi 3 avril de 17 h à 17 h 20 ne relie pas deux affectations consécutives dans ces deux cabinets.",
        ),
    ],
    "break-touching-only-after": [
        (
            "break",
            "julie",
            date(2026, 11, 30),
            "La pause de Julie Martin le lundi 30 novembre de 12 h 10 à 13 h doit durer au moins 20 min et se placer entre deux périodes de travail qui la touchent.",
        ),
    ],
    "break-two-pauses-in-a-row": [
        (
            "break",
            "julie",
            date(2026, 11, 30),
            "La pause de Julie Martin le lundi 30 novembre de 12 h 20 à 12 h 45 doit durer au moins 20 min et se placer entre deux périodes de travail qui la touchent.",
        ),
        (
            "break",
            "julie",
            date(2026, 11, 30),
            "La pause de Julie Martin le lundi 30 novembre de 12 h à 12 h 20 doit durer au moins 20 min et se placer entre deux périodes de travail qui la touchent.",
        ),
    ],
    "average-missing-weeks-count-zero": [],
    "average-later-week-not-counted": [
        (
            "twelve-week-average",
            "julie",
            date(2026, 12, 7),
            "Julie Martin travaille 70 h sur les 12 semaines finissant la semaine du lundi 7 décembre : au plus 2 h 55 par semaine en moyenne.",
        ),
    ],
    "days-per-week-two-weeks": [],
    "weekly-rest-two-weeks": [],
    "weekly-rest-saturday-evening": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 36 h au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 22 h de Julie Martin la semaine du lundi 30 novembre au lieu de 21 h (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "weekly-rest",
            "julie",
            date(2026, 11, 30),
            "Julie Martin n'a que 29 h de repos d'affilée la semaine du lundi 30 novembre : au moins 36 h.",
        ),
    ],
    "protected-first-week-only": [
        (
            "contract-hours",
            "julie",
            date(2026, 12, 7),
            "Julie Martin a 31 h au titre du contrat « pool-1 » la semaine du lundi 7 décembre : le contrat en prévoit 35 h.",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 12, 7),
            "Le Cabinet des Tilleuls reçoit 17 h de Julie Martin la semaine du lundi 7 décembre au lieu de 21 h (contrat « pool-1 », tolérance 30 min).",
        ),
    ],
    "protected-moved-listed-after-a-later-one": [
        (
            "protected-window",
            "julie",
            date(2026, 12, 2),
            "L'affectation publiée de Julie Martin au Cabinet des Tilleuls le mercredi 2 décembre de 8 h à 12 h est modifiée alors qu'elle est dans le délai de prévenance.",
        ),
    ],
    "protected-moved-with-leave-on-friday": [
        (
            "protected-window",
            "julie",
            date(2026, 12, 2),
            "L'affectation publiée de Julie Martin au Cabinet des Tilleuls le mercredi 2 décembre de 8 h à 12 h est modifiée alors qu'elle est dans le délai de prévenance.",
        ),
    ],
    "protected-moved-leave-ends-at-its-start": [
        (
            "protected-window",
            "julie",
            date(2026, 12, 2),
            "L'affectation publiée de Julie Martin au Cabinet des Tilleuls le mercredi 2 décembre de 8 h à 12 h est modifiée alors qu'elle est dans le délai de prévenance.",
        ),
    ],
    "protected-moved-leave-starts-at-its-end": [
        (
            "protected-window",
            "julie",
            date(2026, 12, 2),
            "L'affectation publiée de Julie Martin au Cabinet des Tilleuls le mercredi 2 décembre de 8 h à 12 h est modifiée alors qu'elle est dans le délai de prévenance.",
        ),
    ],
    "pinned-unknown-cabinet": [
        (
            "pinned",
            "julie",
            date(2026, 11, 30),
            "L'affectation imposée de Julie Martin au gare le lundi 30 novembre de 8 h à 12 h manque au planning.",
        ),
    ],
    "zone-half-hour-off-utc": [
        (
            "pinned",
            "julie",
            date(2026, 12, 1),
            "L'affectation imposée de Julie Martin au Cabinet des Tilleuls le mardi 1er décembre de 2 h à 3 h manque au planning.",
        ),
    ],
    "interval-naive-end": [
        (
            "interval",
            "julie",
            None,
            "L'affectation de Julie Martin du 2026-12-05T09:00:00+01:00 au 2026-12-05T10:00:00 doit commencer avant de finir, porter un fuseau horaire et tenir dans une seule journée.",
        ),
    ],
    "interval-naive-start": [
        (
            "interval",
            "julie",
            None,
            "L'affectation de Julie Martin du 2026-12-05T09:00:00 au 2026-12-05T10:00:00+01:00 doit commencer avant de finir, porter un fuseau horaire et tenir dans une seule journée.",
        ),
    ],
    "interval-ends-at-midnight": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 36 h au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 22 h de Julie Martin la semaine du lundi 30 novembre au lieu de 21 h (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "weekly-rest",
            "julie",
            date(2026, 11, 30),
            "Julie Martin n'a que 31 h de repos d'affilée la semaine du lundi 30 novembre : au moins 35 h.",
        ),
    ],
    "weekly-rest-two-weeks-below": [
        (
            "weekly-rest",
            "julie",
            date(2026, 11, 30),
            "Julie Martin n'a que 56 h de repos d'affilée la semaine du lundi 30 novembre : au moins 56 h 01.",
        ),
        (
            "weekly-rest",
            "julie",
            date(2026, 12, 7),
            "Julie Martin n'a que 56 h de repos d'affilée la semaine du lundi 7 décembre : au moins 56 h 01.",
        ),
    ],
    "weekly-max-two-weeks": [],
    "weekly-rest-midweek-gap": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 14 h au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 7 h de Julie Martin la semaine du lundi 30 novembre au lieu de 21 h (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet du Parc reçoit 7 h de Julie Martin la semaine du lundi 30 novembre au lieu de 14 h (contrat « pool-1 », tolérance 30 min).",
        ),
    ],
    "weekly-rest-from-the-week-start": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 14 h au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 0 min de Julie Martin la semaine du lundi 30 novembre au lieu de 21 h (contrat « pool-1 », tolérance 30 min).",
        ),
    ],
    "leave-two-days": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 35 h au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 21 h.",
        ),
        (
            "leave",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille le lundi 30 novembre de 13 h à 16 h alors qu'elle est en congé.",
        ),
        (
            "leave",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille le lundi 30 novembre de 8 h à 12 h alors qu'elle est en congé.",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 21 h de Julie Martin la semaine du lundi 30 novembre au lieu de 12 h 30 (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet du Parc reçoit 14 h de Julie Martin la semaine du lundi 30 novembre au lieu de 8 h 30 (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "leave",
            "julie",
            date(2026, 12, 1),
            "Julie Martin travaille le mardi 1er décembre de 13 h à 16 h alors qu'elle est en congé.",
        ),
        (
            "leave",
            "julie",
            date(2026, 12, 1),
            "Julie Martin travaille le mardi 1er décembre de 8 h à 12 h alors qu'elle est en congé.",
        ),
    ],
    "breaks-ignore-availability-and-leave": [],
    "opening-ignores-travel": [],
    "places-ignore-travel": [],
    "overlap-same-end": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 37 h au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "overlap",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a deux occupations en même temps le lundi 30 novembre : de 8 h à 12 h et de 10 h à 12 h.",
        ),
        (
            "overlap",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a deux occupations en même temps le lundi 30 novembre : de 8 h à 12 h et de 11 h à 11 h 30.",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 23 h de Julie Martin la semaine du lundi 30 novembre au lieu de 21 h (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "shorter-vacation",
            "julie",
            date(2026, 11, 30),
            "La vacation de Julie Martin le lundi 30 novembre de 13 h à 15 h 30 ne dure que 2 h 30 : au moins 3 h quand la journée est coupée.",
        ),
    ],
    "travel-touching": [
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 18 h de Julie Martin la semaine du lundi 30 novembre au lieu de 21 h (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet du Parc reçoit 17 h de Julie Martin la semaine du lundi 30 novembre au lieu de 14 h (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "break",
            "julie",
            date(2026, 12, 1),
            "Julie Martin travaille 7 h sans pause d'au moins 20 min le mardi 1er décembre (de 8 h à 15 h) : pause obligatoire après 6 h.",
        ),
        (
            "travel",
            "julie",
            date(2026, 12, 1),
            "Julie Martin va du Cabinet des Tilleuls au Cabinet du Parc le mardi 1er décembre sans trajet prévu entre 12 h et 12 h (20 min de route).",
        ),
    ],
    "pinned-malformed": [
        (
            "pinned",
            "julie",
            date(2026, 11, 30),
            "L'affectation imposée de Julie Martin au Cabinet des Tilleuls (2026-11-30T12:00:00+01:00) manque au planning.",
        ),
    ],
    "weekly-rest-none": [
        (
            "amplitude",
            "julie",
            date(2026, 11, 30),
            "La journée de Julie Martin le lundi 30 novembre s'étend sur 24 h (amplitude) : au plus 10 h.",
        ),
        (
            "break",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille 24 h sans pause d'au moins 20 min le lundi 30 novembre (de 0 h à 24 h) : pause obligatoire après 6 h.",
        ),
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 168 h au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "daily-work",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille 24 h le lundi 30 novembre : au plus 10 h par jour.",
        ),
        (
            "days-per-week",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille 7 jours la semaine du lundi 30 novembre : au plus 6.",
        ),
        (
            "share-tolerance",
            "julie",
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 168 h de Julie Martin la semaine du lundi 30 novembre au lieu de 35 h (contrat « pool-1 », tolérance 30 min).",
        ),
        (
            "weekly-max",
            "julie",
            date(2026, 11, 30),
            "Julie Martin travaille 168 h la semaine du lundi 30 novembre : au plus 48 h par semaine.",
        ),
        (
            "weekly-rest",
            "julie",
            date(2026, 11, 30),
            "Julie Martin n'a que 0 min de repos d'affilée la semaine du lundi 30 novembre : au moins 35 h.",
        ),
        (
            "amplitude",
            "julie",
            date(2026, 12, 1),
            "La journée de Julie Martin le mardi 1er décembre s'étend sur 24 h (amplitude) : au plus 10 h.",
        ),
        (
            "break",
            "julie",
            date(2026, 12, 1),
            "Julie Martin travaille 24 h sans pause d'au moins 20 min le mardi 1er décembre (de 0 h à 24 h) : pause obligatoire après 6 h.",
        ),
        (
            "daily-rest",
            "julie",
            date(2026, 12, 1),
            "Julie Martin ne se repose que 0 min entre le lundi 30 novembre (24 h) et le mardi 1er décembre (0 h) : au moins 11 h.",
        ),
        (
            "daily-work",
            "julie",
            date(2026, 12, 1),
            "Julie Martin travaille 24 h le mardi 1er décembre : au plus 10 h par jour.",
        ),
        (
            "amplitude",
            "julie",
            date(2026, 12, 2),
            "La journée de Julie Martin le mercredi 2 décembre s'étend sur 24 h (amplitude) : au plus 10 h.",
        ),
        (
            "break",
            "julie",
            date(2026, 12, 2),
            "Julie Martin travaille 24 h sans pause d'au moins 20 min le mercredi 2 décembre (de 0 h à 24 h) : pause obligatoire après 6 h.",
        ),
        (
            "daily-rest",
            "julie",
            date(2026, 12, 2),
            "Julie Martin ne se repose que 0 min entre le mardi 1er décembre (24 h) et le mercredi 2 décembre (0 h) : au moins 11 h.",
        ),
        (
            "daily-work",
            "julie",
            date(2026, 12, 2),
            "Julie Martin travaille 24 h le mercredi 2 décembre : au plus 10 h par jour.",
        ),
        (
            "amplitude",
            "julie",
            date(2026, 12, 3),
            "La journée de Julie Martin le jeudi 3 décembre s'étend sur 24 h (amplitude) : au plus 10 h.",
        ),
        (
            "break",
            "julie",
            date(2026, 12, 3),
            "Julie Martin travaille 24 h sans pause d'au moins 20 min le jeudi 3 décembre (de 0 h à 24 h) : pause obligatoire après 6 h.",
        ),
        (
            "daily-rest",
            "julie",
            date(2026, 12, 3),
            "Julie Martin ne se repose que 0 min entre le mercredi 2 décembre (24 h) et le jeudi 3 décembre (0 h) : au moins 11 h.",
        ),
        (
            "daily-work",
            "julie",
            date(2026, 12, 3),
            "Julie Martin travaille 24 h le jeudi 3 décembre : au plus 10 h par jour.",
        ),
        (
            "amplitude",
            "julie",
            date(2026, 12, 4),
            "La journée de Julie Martin le vendredi 4 décembre s'étend sur 24 h (amplitude) : au plus 10 h.",
        ),
        (
            "break",
            "julie",
            date(2026, 12, 4),
            "Julie Martin travaille 24 h sans pause d'au moins 20 min le vendredi 4 décembre (de 0 h à 24 h) : pause obligatoire après 6 h.",
        ),
        (
            "daily-rest",
            "julie",
            date(2026, 12, 4),
            "Julie Martin ne se repose que 0 min entre le jeudi 3 décembre (24 h) et le vendredi 4 décembre (0 h) : au moins 11 h.",
        ),
        (
            "daily-work",
            "julie",
            date(2026, 12, 4),
            "Julie Martin travaille 24 h le vendredi 4 décembre : au plus 10 h par jour.",
        ),
        (
            "amplitude",
            "julie",
            date(2026, 12, 5),
            "La journée de Julie Martin le samedi 5 décembre s'étend sur 24 h (amplitude) : au plus 10 h.",
        ),
        (
            "break",
            "julie",
            date(2026, 12, 5),
            "Julie Martin travaille 24 h sans pause d'au moins 20 min le samedi 5 décembre (de 0 h à 24 h) : pause obligatoire après 6 h.",
        ),
        (
            "daily-rest",
            "julie",
            date(2026, 12, 5),
            "Julie Martin ne se repose que 0 min entre le vendredi 4 décembre (24 h) et le samedi 5 décembre (0 h) : au moins 11 h.",
        ),
        (
            "daily-work",
            "julie",
            date(2026, 12, 5),
            "Julie Martin travaille 24 h le samedi 5 décembre : au plus 10 h par jour.",
        ),
        (
            "amplitude",
            "julie",
            date(2026, 12, 6),
            "La journée de Julie Martin le dimanche 6 décembre s'étend sur 24 h (amplitude) : au plus 10 h.",
        ),
        (
            "break",
            "julie",
            date(2026, 12, 6),
            "Julie Martin travaille 24 h sans pause d'au moins 20 min le dimanche 6 décembre (de 0 h à 24 h) : pause obligatoire après 6 h.",
        ),
        (
            "daily-rest",
            "julie",
            date(2026, 12, 6),
            "Julie Martin ne se repose que 0 min entre le samedi 5 décembre (24 h) et le dimanche 6 décembre (0 h) : au moins 11 h.",
        ),
        (
            "daily-work",
            "julie",
            date(2026, 12, 6),
            "Julie Martin travaille 24 h le dimanche 6 décembre : au plus 10 h par jour.",
        ),
        (
            "sunday-rest",
            "julie",
            date(2026, 12, 6),
            "Julie Martin travaille le dimanche 6 décembre : le dimanche est le jour de repos hebdomadaire.",
        ),
    ],
    "sort-places-before-assistants": [
        (
            "cabinet-places",
            None,
            date(2026, 11, 30),
            "Le Cabinet des Tilleuls reçoit 2 assistantes (Bea, Julie Martin) le lundi 30 novembre de 8 h à 12 h : il n'a que 1 place(s).",
        ),
        (
            "availability",
            "Bea",
            date(2026, 11, 30),
            "Bea travaille le lundi 30 novembre de 8 h à 12 h, hors de ses disponibilités.",
        ),
    ],
    "grain-end-off": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 35 h 05 au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "grain",
            "julie",
            date(2026, 11, 30),
            "L'affectation de Julie Martin le lundi 30 novembre de 13 h à 16 h 05 ne tombe pas sur la grille de 15 min.",
        ),
    ],
    "grain-start-off": [
        (
            "contract-hours",
            "julie",
            date(2026, 11, 30),
            "Julie Martin a 35 h 05 au titre du contrat « pool-1 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "grain",
            "julie",
            date(2026, 11, 30),
            "L'affectation de Julie Martin le lundi 30 novembre de 12 h 55 à 16 h ne tombe pas sur la grille de 15 min.",
        ),
    ],
    "interval-zero-length": [
        (
            "interval",
            "julie",
            None,
            "L'affectation de Julie Martin du 2026-12-05T09:00:00+01:00 au 2026-12-05T09:00:00+01:00 doit commencer avant de finir, porter un fuseau horaire et tenir dans une seule journée.",
        ),
    ],
    "interval-two-days": [
        (
            "interval",
            "julie",
            None,
            "L'affectation de Julie Martin du 2026-12-05T22:00:00+01:00 au 2026-12-06T01:00:00+01:00 doit commencer avant de finir, porter un fuseau horaire et tenir dans une seule journée.",
        ),
    ],
    "horizon-before": [
        (
            "horizon",
            "julie",
            date(2026, 11, 29),
            "L'affectation de Julie Martin le dimanche 29 novembre est hors de la période planifiée (du lundi 30 novembre au dimanche 6 décembre).",
        ),
    ],
    "horizon-after": [
        (
            "horizon",
            "julie",
            date(2026, 12, 7),
            "L'affectation de Julie Martin le lundi 7 décembre est hors de la période planifiée (du lundi 30 novembre au dimanche 6 décembre).",
        ),
    ],
    "unknown-contract": [
        (
            "unknown-id",
            "julie",
            None,
            "L'affectation de Julie Martin désigne un contrat inconnu « pool-9 ».",
        ),
    ],
    "unknown-cabinet": [
        (
            "unknown-id",
            "julie",
            None,
            "L'affectation de Julie Martin désigne un cabinet inconnu « gare ».",
        ),
    ],
    "unknown-assistant": [
        (
            "unknown-id",
            None,
            None,
            "L'affectation de marie désigne une assistante inconnue « marie ».",
        ),
    ],
    "foreign-contract": [
        (
            "unknown-id",
            "marie",
            None,
            "L'affectation de Marie Dubois au Cabinet des Tilleuls relève du contrat « pool-2 », dont ce cabinet n'est pas membre.",
        ),
        (
            "unknown-id",
            "marie",
            None,
            "L'affectation de Marie Dubois relève du contrat « pool-1 », qui est celui de « julie ».",
        ),
        (
            "contract-hours",
            "marie",
            date(2026, 11, 30),
            "Marie Dubois a 0 min au titre du contrat « pool-2 » la semaine du lundi 30 novembre : le contrat en prévoit 35 h.",
        ),
        (
            "share-tolerance",
            "marie",
            date(2026, 11, 30),
            "Le Cabinet du Parc reçoit 0 min de Marie Dubois la semaine du lundi 30 novembre au lieu de 35 h (contrat « pool-2 », tolérance 30 min).",
        ),
    ],
}


def test_every_case_has_its_expected_answer() -> None:
    assert sorted(CASES) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(CASES))
def test_check_rota_answers_in_full(name: str) -> None:
    instance, rota = CASES[name]()
    got = [(v.rule, v.assistant, v.day, v.message) for v in check_rota(instance, rota)]
    assert got == EXPECTED[name]


# --- Soft terms: a balance's sign, holidays' sessions ----------------------------------------------


def test_share_deviation_compensates_a_balance_of_either_sign() -> None:
    """Tilleuls receive 21 h 30 (target 21 h) and the Parc 13 h 30 (target 14 h); a balance of
    -30 min at the Tilleuls and +30 min at the Parc makes up for it: |1290 - 30 - 1260| +
    |810 + 30 - 840| = 0. Without balance, 30 + 30 = 60; with the signs the other way, 120."""
    rota = _week(
        (
            [split_day(WEDNESDAY)[1], split_day(FRIDAY, PARC)[0]],
            [assign(WEDNESDAY, "13:00", "16:30"), assign(FRIDAY, "08:30", "12:00", PARC)],
        )
    )
    balanced = make_instance(contracts=[make_contract(balance_minutes={TILLEULS: -30, PARC: 30})])
    assert objective_counts(balanced, rota)["share_deviation"] == 0
    assert objective_counts(make_instance(), rota)["share_deviation"] == 60
    doubled = make_instance(contracts=[make_contract(balance_minutes={TILLEULS: 30, PARC: -30})])
    assert objective_counts(doubled, rota)["share_deviation"] == 120


def test_sessions_on_a_cabinets_public_holiday_are_not_uncovered() -> None:
    """Good Friday 2026 (3 April) closes the Tilleuls (Moselle), not the Parc: the Tilleuls'
    Friday session 09:00-10:00 (weight 2) counts nothing; the Parc's 17:00-18:00 (weight 1),
    after Julie's 16:00 end, counts 60, and the Tilleuls' Saturday session 09:00-10:00 60 more:
    120. Dated requests at the Parc on Monday 16:00-16:15 (weight 1) and Friday 16:00-16:30
    (weight 3) count 15 + 3 x 30 = 105; one at the Tilleuls on Good Friday, nothing."""
    friday = date(2026, 4, 3)
    instance = make_instance(
        start=date(2026, 3, 30),
        cabinets=[
            make_cabinet(
                TILLEULS,
                sessions=[Session(4, 540, 600, 2), Session(5, 540, 600, 1)],
                requests=[DatedRequest(friday, 600, 660, 5)],
            ),
            make_cabinet(
                PARC,
                sessions=[Session(4, 1020, 1080, 1)],
                requests=[
                    DatedRequest(date(2026, 3, 30), 960, 975, 1),
                    DatedRequest(friday, 960, 990, 3),
                ],
            ),
        ],
    )
    rota = make_rota(standard_week(date(2026, 3, 30)))
    counts = objective_counts(instance, rota)
    assert (counts["session_uncovered"], counts["request_uncovered"]) == (120, 105)


# --- Helpers read on their own ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "days", "weeks"),
    [(MONDAY, 7, 1), (MONDAY, 8, 2), (WEDNESDAY, 5, 1), (WEDNESDAY, 6, 2), (MONDAY, 14, 2)],
)
def test_horizon_weeks_meet_the_horizon(first: date, days: int, weeks: int) -> None:
    expected = [MONDAY + timedelta(weeks=k) for k in range(weeks)]
    assert horizon_weeks(make_instance(start=first, days=days)) == expected


def test_leave_days_are_the_whole_local_days() -> None:
    """Leave from Monday 12:00 to Thursday 12:00 covers Tuesday and Wednesday wholly; leave
    from Friday 00:00 to Saturday 00:00 covers Friday."""
    julie = make_assistant(
        leave=[
            Leave(at(MONDAY, "12:00"), at(THURSDAY, "12:00"), whole_days=False),
            whole_days(FRIDAY),
        ]
    )
    assert leave_days(julie, ZONE) == {TUESDAY, WEDNESDAY, FRIDAY}


def test_weekly_targets_of_a_contract_without_its_assistant_or_with_a_week_of_leave() -> None:
    """A contract whose assistant is unknown is not reduced (no usual days); a week of leave
    brings the target to 0."""
    ghost = make_contract("pool-9", "ghost", weekly_minutes=600, shares={TILLEULS: 10_000})
    instance = make_instance(
        assistants=[make_assistant(leave=[whole_days(MONDAY, 7)])],
        contracts=[make_contract(), ghost],
    )
    targets = weekly_targets(instance)
    assert targets[(ContractId("pool-9"), MONDAY)] == (600, {CabinetId(TILLEULS): 600})
    assert targets[(ContractId("pool-1"), MONDAY)] == (
        0,
        {CabinetId(PARC): 0, CabinetId(TILLEULS): 0},
    )


def test_protected_week_needs_a_published_rota_and_a_window_past_its_monday() -> None:
    published = standard_week()
    half_past = at(MONDAY, "00:30")
    assert protected_week(_replan(published=published, protected_until=half_past), MONDAY)
    assert not protected_week(
        _replan(published=published, protected_until=at(MONDAY, "00:00")), MONDAY
    )
    assert not protected_week(_replan(published=(), protected_until=half_past), MONDAY)
    assert not protected_week(_replan(published=published), MONDAY)


def test_pattern_changes_count_each_weekday_whose_cabinets_differ() -> None:
    """Week 1 is the standard week; in week 2 Monday moves to the Parc and Thursday to the
    Tilleuls: 2 pattern changes, the other days keep their cabinet."""
    week_two = [
        *split_day(day(7), PARC),
        *split_day(day(8)),
        *split_day(day(9)),
        *split_day(day(10)),
        *split_day(day(11), PARC),
    ]
    rota = make_rota([*standard_week(), *week_two])
    assert objective_counts(make_instance(days=14), rota)["pattern_changes"] == 2


def test_stability_changes_count_published_minutes_no_longer_there() -> None:
    """Published: a day of the week before the horizon (ignored), then the standard week.
    The rota moves Wednesday morning to 08:15-12:15 (15 min of 08:00-12:00 uncovered) and puts
    Friday afternoon at the Tilleuls (the Parc's 13:00-16:00, 180 min, uncovered): 195."""
    before = assign(day(-3), "08:00", "12:00")
    instance = _replan(published=(before, *standard_week()))
    rota = _week(
        ([MOVED], [assign(WEDNESDAY, "08:15", "12:15")]),
        ([split_day(FRIDAY, PARC)[1]], [assign(FRIDAY, "13:00", "16:00")]),
    )
    assert objective_counts(instance, rota)["stability_changes"] == 195
    assert objective_counts(instance, make_rota())["stability_changes"] == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [
        # 02:30 summer time (00:30 UTC), then 01:15 UTC, i.e. 02:15 winter time: 45 min later,
        # but the wall clock runs back.
        (
            datetime(2026, 10, 25, 2, 30, fold=0, tzinfo=ZONE),
            datetime(2026, 10, 25, 1, 15, tzinfo=UTC),
        ),
        # 02:30 summer time, then 01:30 UTC, i.e. 02:30 winter time: an hour later, the same
        # wall-clock minute.
        (
            datetime(2026, 10, 25, 2, 30, fold=0, tzinfo=ZONE),
            datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        ),
    ],
)
def test_interval_across_the_clock_change_is_malformed(start: datetime, end: datetime) -> None:
    piece = replace(
        assign(date(2026, 10, 25), "09:00", "10:00"),
        start=start,
        end=end,
    )
    instance = make_instance(start=date(2026, 10, 19))
    rules = {
        v.rule for v in check_rota(instance, make_rota([*standard_week(date(2026, 10, 19)), piece]))
    }
    assert "interval" in rules
