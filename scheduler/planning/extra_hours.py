"""Travel paid beyond the contracts: heures complémentaires and supplémentaires, week by week.

When a groupement pays travel between cabinets beyond the contracts (`Groupement.
travel_in_contract` false, its choice: by default travel counts in the contracts), each leg
leading to an assignment of a contract is work beyond that contract's hours (docs/rules.md, "complementary hours"): for a part-time contract
(under 35 h) heures complémentaires, which the planner keeps within a tenth of its hours (a third
under an accord); for a full-time one heures supplémentaires. Code du travail L3123-13: when, over
12 consecutive weeks, a part-time assistant has worked on average at least 2 hours a week beyond
her contract, the contract is to be rewritten; the weeks where that average is reached are
flagged here for the coordinator.

Read-only: the published rotas' assignments and legs, nothing stored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.contribution import monday_of
from scheduler.planning.instance import local_time

FULL_TIME_MINUTES = 35 * 60
"""The legal full time (Code du travail L3121-27), as `solver.model.Rules.full_time_weekly_minutes`."""
AVERAGE_WEEKS = 12
"""The run of weeks L3123-13 averages over."""
ALERT_AVERAGE_MINUTES = 2 * 60
"""The average a week beyond the contract that L3123-13 holds to rewrite it."""


class ExtraKind(StrEnum):
    """What travel beyond a contract is, for the payslip."""

    COMPLEMENTARY = "complementary"
    OVERTIME = "overtime"


@dataclass(frozen=True, slots=True)
class ExtraWeek:
    """One civil week of an assistant under a contract."""

    week_start: date
    minutes: int
    """Travel leading to the contract's assignments that week, beyond its hours."""
    average: int
    """Average of those minutes over the 12 weeks ending with this one (weeks with none count
    as 0), rounded down."""
    alert: bool
    """A part-time contract whose 12-week average reaches 2 hours (L3123-13)."""


@dataclass(frozen=True, slots=True)
class ExtraHours:
    """An assistant's travel beyond one contract, week by week."""

    assistant_id: int
    assistant_name: str
    weekly_minutes: int
    kind: ExtraKind
    limit: int | None
    """The most heures complémentaires a week (a tenth, or a third under an accord), None for
    heures supplémentaires."""
    weeks: tuple[ExtraWeek, ...]

    @property
    def alerts(self) -> tuple[ExtraWeek, ...]:
        """The weeks that reach the L3123-13 average."""
        return tuple(w for w in self.weeks if w.alert)


def extra_hours(
    session: Session, contract: models.PooledContract, *, first: date, last: date
) -> list[ExtraHours]:
    """Each assistant's travel beyond `contract` in the civil weeks from `first`'s to `last`'s,
    from the published rotas; empty when the groupement counts travel in the contracts."""
    groupement = session.get_one(models.Groupement, contract.groupement_id)
    if groupement.travel_in_contract:
        return []
    zone = ZoneInfo(groupement.timezone)
    start, end = monday_of(first), monday_of(last)
    history = start - timedelta(weeks=AVERAGE_WEEKS - 1)
    published = select(models.Rota.id).where(
        models.Rota.groupement_id == groupement.id,
        models.Rota.status == models.RotaStatus.PUBLISHED,
    )
    mine = {link.assistant_id for link in contract.assistants}
    arriving = {
        (a.assistant_id, a.cabinet_id, a.start_at)
        for a in session.scalars(
            select(models.Assignment).where(
                models.Assignment.rota_id.in_(published),
                models.Assignment.contract_id == contract.id,
                models.Assignment.assistant_id.in_(mine),
            )
        )
    }
    beyond: dict[tuple[int, date], int] = defaultdict(int)
    for leg in session.scalars(
        select(models.TravelLeg).where(
            models.TravelLeg.rota_id.in_(published), models.TravelLeg.assistant_id.in_(mine)
        )
    ):
        if (leg.assistant_id, leg.destination_id, leg.end_at) not in arriving:
            continue
        week = monday_of(local_time(leg.start_at, zone).date())
        if history <= week <= end:
            beyond[(leg.assistant_id, week)] += (
                int((leg.end_at - leg.start_at).total_seconds()) // 60
            )
    out: list[ExtraHours] = []
    for link in sorted(contract.assistants, key=lambda link: link.assistant_id):
        part_time = link.weekly_minutes < FULL_TIME_MINUTES
        divisor = 3 if groupement.complementary_accord else 10
        weeks: list[ExtraWeek] = []
        week = start
        while week <= end:
            run = [
                beyond.get((link.assistant_id, week - timedelta(weeks=k)), 0)
                for k in range(AVERAGE_WEEKS)
            ]
            average = sum(run) // AVERAGE_WEEKS
            weeks.append(
                ExtraWeek(
                    week,
                    beyond.get((link.assistant_id, week), 0),
                    average,
                    part_time and sum(run) >= ALERT_AVERAGE_MINUTES * AVERAGE_WEEKS,
                )
            )
            week += timedelta(weeks=1)
        assistant = link.assistant
        out.append(
            ExtraHours(
                link.assistant_id,
                f"{assistant.first_name} {assistant.last_name}",
                link.weekly_minutes,
                ExtraKind.COMPLEMENTARY if part_time else ExtraKind.OVERTIME,
                link.weekly_minutes // divisor if part_time else None,
                tuple(weeks),
            )
        )
    return out
