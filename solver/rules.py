"""The rule catalogue: every rule of docs/rules.md, and what each planning strategy does with it.

One entry per hard rule (the table of docs/rules.md, by its name there) and per soft goal (by its
`Weights` field). Each entry names the checker that re-checks it (`solver.validation`, or
`solver.instance_io` for what is checked when the instance is read), the tests that test it, and,
for each strategy, a `Handling`: the functions that encode the rule, the reasons for which the
strategy steps aside where the rule could bind (exactly as its gate gives them:
`patterns.unsuitable`, `coupled.unsuitable`; the constructive rota gives None), and whether the
rota it gives is returned only once the checker accepts it.

A rule that no strategy encodes nor refuses would silently send every part to the slow model, or
worse, let a rota through unchecked: tests/solver/test_rule_catalogue.py holds this catalogue
against docs/rules.md, the block model's registry and the strategies' gates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from solver import coupled, explain, greedy, instance_io, patterns, validation
from solver.constraints import hard, soft
from solver.strategies import blocks, days


class Strategy(StrEnum):
    """The ways a part is planned or judged, as `solver.strategies` lists them."""

    BLOCKS = "block model"
    """`solver.strategies.blocks`: CP-SAT over the registry of `solver.constraints`."""
    DAYS = "day patterns"
    """`solver.strategies.days` alone, and per assistant in `solver.strategies.assistants` (whose
    integer master joins the assistants at the cabinets they share)."""
    CONSTRUCTIVE = "constructive rota"
    """`solver.greedy`: the first rota of every part, and of each assistant in the decomposition."""
    PRECHECK = "pre-checks"
    """`solver.explain.precheck`: capacity conflicts found without search (sound, not complete:
    what it leaves is found by `explain.explain` in the block model)."""


Encoding = Callable[..., object]

# The reasons of the strategies' gates, as they give them.
SEVERAL = "several assistants"
REPLAN = "re-plan inputs"
VACATIONS = "more than two vacations a day"
NO_PLACES = "a cabinet without places"
DAILY_REST = "the daily rest could bind"
WEEKLY_REST = "the weekly rest could bind"
NOT_PRECHECKED = "not pre-checked"
"""The pre-checks judge capacities only; the conflicts of this rule are left to `explain.explain`."""


@dataclass(frozen=True, slots=True)
class Handling:
    """What one strategy does with one rule."""

    encoded: tuple[Encoding, ...] = ()
    """The functions that encode it."""
    refused: tuple[str, ...] = ()
    """Why the strategy steps aside where the rule could bind (its gate's own words)."""
    checked: bool = False
    """The strategy does not encode it but returns a rota only once `check_rota` accepts it."""


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule of docs/rules.md, its checker, its tests and each strategy's handling of it."""

    name: str
    """Its name in docs/rules.md (the hard rules' table, or the soft goal's `Weights` field)."""
    id: str
    """Its id in the checker's violations (hard), or its `Weights` field (soft)."""
    kind: Literal["hard", "soft"]
    checker: Encoding
    tests: tuple[str, ...]
    """Test files, relative to the repository."""
    strategies: Mapping[Strategy, Handling]


def _enc(*functions: Encoding) -> Handling:
    return Handling(encoded=functions)


_CONSTRUCTED = Handling(checked=True)
_LEFT = Handling(refused=(NOT_PRECHECKED,))
_REPLAN_ONLY = Handling(refused=(REPLAN,))


def _hard(
    name: str,
    rule_id: str,
    checker: Encoding,
    block: Encoding,
    day: Handling,
    constructive: Handling = _CONSTRUCTED,
    precheck: Handling = _LEFT,
    tests: tuple[str, ...] | None = None,
) -> Rule:
    return Rule(
        name,
        rule_id,
        "hard",
        checker,
        tests or (f"tests/solver/test_rule_{rule_id.replace('-', '_')}.py",),
        {
            Strategy.BLOCKS: _enc(block),
            Strategy.DAYS: day,
            Strategy.CONSTRUCTIVE: constructive,
            Strategy.PRECHECK: precheck,
        },
    )


def _soft(
    name: str,
    checker: Encoding,
    count: Encoding,
    day: Handling,
    tests: str = "tests/solver/test_soft_goals.py",
) -> Rule:
    return Rule(
        name,
        name,
        "soft",
        checker,
        ("tests/solver/test_constraints_soft.py", tests),
        {
            Strategy.BLOCKS: _enc(count),
            Strategy.DAYS: day,
            # The constructive rota aims at the shares and the sessions; every term of its rota is
            # then counted by the checker (`objective_terms`) like any other rota's.
            Strategy.CONSTRUCTIVE: Handling(encoded=(greedy.plan_assistant,), checked=True),
            Strategy.PRECHECK: Handling(refused=(NOT_PRECHECKED,)),
        },
    )


# What the day-pattern model reads of each day: the windows of `constraints.data.build` (the
# options), listed day by day (`patterns.day_columns`); the rules joining days are the master's rows.
_DOMAIN_DAY = _enc(patterns.day_columns)
_DOMAIN_GREEDY = _enc(greedy._windows)
_DOMAIN_PRECHECK = _enc(explain.precheck)

RULES: tuple[Rule, ...] = (
    # Hard
    _hard(
        "availability",
        "availability",
        validation._check_availability,
        hard.domains,
        _DOMAIN_DAY,
        _DOMAIN_GREEDY,
        _DOMAIN_PRECHECK,
    ),
    _hard(
        "opening hours",
        "opening-hours",
        validation._check_opening,
        hard.domains,
        _DOMAIN_DAY,
        _DOMAIN_GREEDY,
        _DOMAIN_PRECHECK,
    ),
    _hard(
        "cabinet places",
        "cabinet-places",
        validation._check_places,
        hard.cabinet_places,
        Handling(encoded=(coupled.integer_master,), refused=(NO_PLACES,)),
        _enc(greedy.full_times),
        _enc(explain._places_check),
    ),
    _hard(
        "leave",
        "leave",
        validation._check_leave,
        hard.domains,
        _DOMAIN_DAY,
        _DOMAIN_GREEDY,
        _DOMAIN_PRECHECK,
    ),
    _hard(
        "public holidays",
        "public-holiday",
        validation._check_public_holidays,
        hard.domains,
        _DOMAIN_DAY,
        _DOMAIN_GREEDY,
        _DOMAIN_PRECHECK,
    ),
    _hard("no overlap", "overlap", validation._check_overlap, hard.no_overlap, _DOMAIN_DAY),
    _hard("travel", "travel", validation._check_travel, hard.travel, _DOMAIN_DAY),
    _hard(
        "daily work",
        "daily-work",
        validation._check_days,
        hard.daily_work,
        _DOMAIN_DAY,
        _enc(greedy._capacity),
        _enc(explain._day_cap),
    ),
    _hard(
        "amplitude",
        "amplitude",
        validation._check_days,
        hard.amplitude,
        _DOMAIN_DAY,
        _enc(greedy._capacity),
        _enc(explain._day_cap),
    ),
    _hard(
        "vacations",
        "max-vacations",
        validation._check_days,
        hard.vacations,
        Handling(encoded=(patterns.day_columns,), refused=(VACATIONS,)),
    ),
    _hard("interruption", "interruption", validation._check_days, hard.interruption, _DOMAIN_DAY),
    _hard(
        "shorter vacation",
        "shorter-vacation",
        validation._check_days,
        hard.shorter_vacation,
        _DOMAIN_DAY,
    ),
    _hard(
        "break",
        "break",
        validation._check_breaks,
        hard.break_rule,
        _DOMAIN_DAY,
        _enc(greedy._capacity),
    ),
    _hard(
        "daily rest",
        "daily-rest",
        validation._check_daily_rest,
        hard.daily_rest,
        Handling(refused=(DAILY_REST,)),
    ),
    _hard(
        "weekly maximum",
        "weekly-max",
        validation._check_weeks,
        hard.weekly_max,
        _enc(patterns.build_master),
        precheck=_enc(explain.precheck),
    ),
    _hard(
        "12-week average",
        "twelve-week-average",
        validation._check_average,
        hard.average_weeks,
        _enc(patterns.build_master),
        precheck=_enc(explain._average_check),
    ),
    _hard(
        "days per week",
        "days-per-week",
        validation._check_weeks,
        hard.days_per_week,
        _enc(patterns.build_master),
        precheck=_enc(explain.precheck),
    ),
    _hard(
        "Sunday rest",
        "sunday-rest",
        validation._check_weeks,
        hard.domains,
        _DOMAIN_DAY,
        _DOMAIN_GREEDY,
        _DOMAIN_PRECHECK,
    ),
    _hard(
        "weekly rest",
        "weekly-rest",
        validation._check_weeks,
        hard.weekly_rest,
        Handling(refused=(WEEKLY_REST,)),
    ),
    _hard(
        "contract hours",
        "contract-hours",
        validation._check_contracts,
        hard.contract_hours,
        _enc(patterns.build_master),
        _enc(greedy.plan_assistant),
        _enc(explain.precheck),
    ),
    _hard(
        "shares",
        "share-tolerance",
        validation._check_contracts,
        hard.shares,
        _enc(patterns.build_master),
        _enc(greedy.plan_assistant),
        _enc(explain.precheck),
    ),
    _hard(
        "complementary hours",
        "complementary-hours",
        validation._check_complementary,
        hard.complementary_hours,
        _enc(patterns.build_master),
        _enc(greedy.plan_assistant),
    ),
    Rule(
        "part-time minimum",
        "part-time-minimum",
        "hard",
        instance_io._check_part_time,
        ("tests/solver/test_instance_io.py",),
        # An instance that breaks it is refused when it is read: no strategy ever sees one.
        {strategy: _enc(instance_io.parse_instance) for strategy in Strategy},
    ),
    _hard(
        "pinned",
        "pinned",
        validation._check_replan,
        hard.fixed_assignments,
        _REPLAN_ONLY,
        _REPLAN_ONLY,
    ),
    Rule(
        "protected window",
        "protected-window",
        "hard",
        validation._check_replan,
        ("tests/solver/test_replan.py",),
        {
            Strategy.BLOCKS: _enc(hard.fixed_assignments, blocks.build_model),
            Strategy.DAYS: _REPLAN_ONLY,
            Strategy.CONSTRUCTIVE: _REPLAN_ONLY,
            Strategy.PRECHECK: _LEFT,
        },
    ),
    # Soft
    _soft(
        "share_deviation",
        validation._share_deviation,
        soft.share_deviation,
        _enc(patterns.build_master, days.Horizon),
    ),
    _soft(
        "session_uncovered",
        validation._uncovered_presence,
        soft.session_uncovered,
        _enc(patterns.cover_slots, coupled.integer_master),
    ),
    _soft(
        "request_uncovered",
        validation._uncovered_presence,
        soft.request_uncovered,
        _enc(patterns.cover_slots, coupled.integer_master),
    ),
    _soft(
        "travel_minutes",
        validation.objective_counts,
        soft.travel_minutes,
        _DOMAIN_DAY,
        "tests/solver/test_rule_travel.py",
    ),
    _soft("site_changes", validation.objective_counts, soft.site_changes, _DOMAIN_DAY),
    _soft(
        "stability_changes",
        validation._stability_changes,
        soft.stability_changes,
        _REPLAN_ONLY,
        "tests/solver/test_replan.py",
    ),
    _soft(
        "pattern_changes",
        validation._pattern_changes,
        soft.pattern_changes,
        _enc(patterns.build_master),
    ),
    _soft(
        "preference_violations",
        validation._preference_violations,
        soft.preference_violations,
        _DOMAIN_DAY,
    ),
)


def rule(name: str) -> Rule:
    """The catalogue's entry of a rule, by its name in docs/rules.md."""
    for entry in RULES:
        if entry.name == name:
            return entry
    raise KeyError(f"no rule named {name!r} in the catalogue")
