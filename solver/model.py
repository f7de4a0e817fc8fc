"""Planning instance and rota types: what the planner takes in and gives back.

Everything here is immutable and free of I/O. Times of day are integer minutes after local midnight
(0..1440) in the instance's time zone; date-times are aware `datetime`s in that zone. Durations are
integer minutes. Shares are basis points (hundredths of a percent) so that 33.33 % is exact and a
contract's shares sum to exactly 10,000.

The vocabulary follows IDCC 1147: a *vacation* is one continuous work period in a day (work at one or
more cabinets and the travel legs between them); an *interruption* is the gap between two vacations;
a *break* is a declared pause inside a vacation, which is not effective work.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import NewType

AssistantId = NewType("AssistantId", str)
CabinetId = NewType("CabinetId", str)
ContractId = NewType("ContractId", str)

INSTANCE_FORMAT = "partagenda-instance/1"
ROTA_FORMAT = "partagenda-rota/1"
MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
BASIS_POINTS = 10_000
# The years the service can plan, for the API, the command line and the instance files alike:
# the public-holiday table (solver/data) covers them, and the date arithmetic of plans, feeds and
# reports (a week on, a quarter back) stays far from `date`'s limits.
FIRST_YEAR, LAST_YEAR = 2000, 2099
FIRST_DAY, LAST_DAY = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)
MAX_NAME_LENGTH = 200
"""Longest name (of an assistant, a cabinet...), in characters."""


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """A recurring weekly window: `weekday` 0 (Monday) to 6 (Sunday), minutes after midnight."""

    weekday: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Session:
    """A doctors' consultation session at a cabinet, when the assistant is most useful."""

    weekday: int
    start: int
    end: int
    weight: int = 1


@dataclass(frozen=True, slots=True)
class DatedRequest:
    """A member's request for presence on one date (a vaccination or screening session)."""

    date: date
    start: int
    end: int
    weight: int = 1


@dataclass(frozen=True, slots=True)
class Leave:
    """Time off, from `start` to `end` (aware local date-times); a whole day runs 00:00 to 00:00."""

    start: datetime
    end: datetime
    whole_days: bool = True


@dataclass(frozen=True, slots=True)
class Preferences:
    """An assistant's wishes: weekdays she would rather not work, earliest start she likes."""

    days_off: tuple[int, ...] = ()
    earliest_start: int | None = None
    latest_end: int | None = None


@dataclass(frozen=True, slots=True)
class Assistant:
    """A medical assistant, her weekly availability, leave and preferences.

    `worked_minutes_before` lists the effective work of the civil weeks just before the horizon, the
    most recent last; it feeds the 12-week average.
    """

    id: AssistantId
    name: str
    availability: tuple[WeeklyWindow, ...]
    leave: tuple[Leave, ...] = ()
    preferences: Preferences = field(default_factory=Preferences)
    worked_minutes_before: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Cabinet:
    """A medical practice at one address; `places` assistants may work there at once."""

    id: CabinetId
    name: str
    opening: tuple[WeeklyWindow, ...]
    department: str | None = None
    sessions: tuple[Session, ...] = ()
    requests: tuple[DatedRequest, ...] = ()
    places: int = 1


@dataclass(frozen=True, slots=True)
class Contract:
    """A pooled contract: one assistant's weekly minutes shared between cabinets.

    `shares` are basis points summing to 10,000. `balance_minutes` carries earlier periods' surplus
    (positive) or deficit (negative) per cabinet, which the planner compensates.
    """

    id: ContractId
    assistant: AssistantId
    weekly_minutes: int
    shares: Mapping[CabinetId, int]
    balance_minutes: Mapping[CabinetId, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rules:
    """Hard labour rules (IDCC 1147 and Code du travail defaults), overridable per instance."""

    max_daily_minutes: int = 600
    max_amplitude_minutes: int = 600
    max_vacations_per_day: int = 2
    min_vacation_minutes: int = 180
    max_interruption_minutes: int = 120
    break_after_minutes: int = 360
    break_minutes: int = 20
    min_daily_rest_minutes: int = 660
    max_weekly_minutes: int = 2880
    max_average_weekly_minutes: int = 2640
    average_weeks: int = 12
    max_days_per_week: int = 6
    min_weekly_rest_minutes: int = 2100
    sunday_rest: bool = True
    share_tolerance_minutes: int = 30
    notice_days: int = 15
    min_weekly_contract_minutes: int = 960
    max_horizon_days: int = 56
    travel_in_contract: bool = True
    full_time_weekly_minutes: int = 2100
    complementary_accord: bool = False


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the soft goals (docs/rules.md, "Soft goals"), in objective points per unit of each term."""

    share_deviation: int = 100
    session_uncovered: int = 4
    request_uncovered: int = 8
    travel_minutes: int = 2
    site_changes: int = 30
    stability_changes: int = 20
    pattern_changes: int = 5
    preference_violations: int = 3


@dataclass(frozen=True, slots=True)
class Assignment:
    """An assistant at a cabinet, under a contract, from `start` to `end` (aware date-times)."""

    assistant: AssistantId
    contract: ContractId
    cabinet: CabinetId
    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        """Length in minutes."""
        return int((self.end - self.start).total_seconds()) // 60


@dataclass(frozen=True, slots=True)
class TravelLeg:
    """Road travel between two cabinets within a working day: effective work, credited to the
    cabinets of the contract it leads to when travel counts in the contract (docs/rules.md)."""

    assistant: AssistantId
    origin: CabinetId
    destination: CabinetId
    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        """Length in minutes."""
        return int((self.end - self.start).total_seconds()) // 60


@dataclass(frozen=True, slots=True)
class Break:
    """A declared pause inside a vacation (the 20-minute break after 6 h): not effective work."""

    assistant: AssistantId
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Replan:
    """What a re-plan keeps: the published rota, pinned assignments and the protected window.

    Assignments of `published` that start before `protected_until` stay unchanged unless they now
    conflict with leave; `pinned` assignments are kept wherever they are.
    """

    published: tuple[Assignment, ...] = ()
    pinned: tuple[Assignment, ...] = ()
    protected_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Instance:
    """A whole planning problem: who, where, when, under which rules and weights."""

    timezone: str
    start: date
    days: int
    slot_minutes: int
    assistants: tuple[Assistant, ...]
    cabinets: tuple[Cabinet, ...]
    contracts: tuple[Contract, ...]
    travel_minutes: Mapping[tuple[CabinetId, CabinetId], int]
    rules: Rules = field(default_factory=Rules)
    weights: Weights = field(default_factory=Weights)
    replan: Replan = field(default_factory=Replan)

    def travel(self, origin: CabinetId, destination: CabinetId) -> int | None:
        """Road minutes between two cabinets (either direction given), 0 for the same one."""
        if origin == destination:
            return 0
        minutes = self.travel_minutes.get((origin, destination))
        if minutes is None:
            minutes = self.travel_minutes.get((destination, origin))
        return minutes

    def restricted(self, assistants: AbstractSet[str], cabinets: AbstractSet[str]) -> Instance:
        """The same problem for some assistants and cabinets: their contracts, the roads between
        those cabinets, and the re-plan inputs of those assistants."""
        return replace(
            self,
            assistants=tuple(a for a in self.assistants if a.id in assistants),
            cabinets=tuple(c for c in self.cabinets if c.id in cabinets),
            contracts=tuple(k for k in self.contracts if k.assistant in assistants),
            travel_minutes={
                p: t
                for p, t in self.travel_minutes.items()
                if p[0] in cabinets and p[1] in cabinets
            },
            replan=Replan(
                published=tuple(p for p in self.replan.published if p.assistant in assistants),
                pinned=tuple(p for p in self.replan.pinned if p.assistant in assistants),
                protected_until=self.replan.protected_until,
            ),
        )


class Status(StrEnum):
    """Outcome of a solve; `optimal` means proven."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    INVALID = "invalid"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Change:
    """One difference against the published rota, for the people it concerns."""

    assistant: AssistantId
    cabinets: tuple[CabinetId, ...]
    before: Assignment | None
    after: Assignment | None
    description: str


@dataclass(frozen=True, slots=True)
class Rota:
    """The planner's answer.

    `objective_terms` holds each soft goal's weighted contribution; `minutes` the minutes credited per
    contract and cabinet over the horizon; `explanation` the coordinator-facing reasons when the
    instance is infeasible (or invalid); `stopped` that the caller's `should_stop` cut the search
    short (the rota, if any, is then only the best found so far).
    """

    status: Status
    assignments: tuple[Assignment, ...] = ()
    travel: tuple[TravelLeg, ...] = ()
    breaks: tuple[Break, ...] = ()
    objective: int | None = None
    objective_terms: Mapping[str, int] = field(default_factory=dict)
    bound: int | None = None
    solve_seconds: float = 0.0
    minutes: Mapping[ContractId, Mapping[CabinetId, int]] = field(default_factory=dict)
    explanation: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()
    stopped: bool = False
