"""Builders of published rotas for the feed tests, written straight with the ORM.

`publish` stages a new published revision of a period (superseding the previous one), the way the
planning service leaves the database after a publication; `demo_weeks` publishes two realistic
weeks of the demo groupement around the spring change to summer time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.demo import load_demo

PARIS = ZoneInfo("Europe/Paris")


def paris(day: date, clock: str) -> datetime:
    """`day` at `clock` ("HH:MM") in Paris, as an aware date-time."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=PARIS)


@dataclass(frozen=True)
class AssignmentSpec:
    """An assignment to publish."""

    uid: str
    assistant_id: int
    cabinet_id: int
    contract_id: int
    start: datetime
    end: datetime
    sequence: int = 0


@dataclass(frozen=True)
class LegSpec:
    """A trip between two cabinets to publish."""

    uid: str
    assistant_id: int
    origin_id: int
    destination_id: int
    start: datetime
    end: datetime
    sequence: int = 0


def assignment_rows(specs: Sequence[AssignmentSpec]) -> list[models.Assignment]:
    """The rows of these assignments, for a rota being staged."""
    return [
        models.Assignment(
            assistant_id=a.assistant_id,
            contract_id=a.contract_id,
            cabinet_id=a.cabinet_id,
            start_at=a.start,
            end_at=a.end,
            uid=a.uid,
            sequence=a.sequence,
        )
        for a in specs
    ]


def leg_rows(specs: Sequence[LegSpec]) -> list[models.TravelLeg]:
    """The rows of these travel legs, for a rota being staged."""
    return [
        models.TravelLeg(
            assistant_id=t.assistant_id,
            origin_id=t.origin_id,
            destination_id=t.destination_id,
            start_at=t.start,
            end_at=t.end,
            uid=t.uid,
            sequence=t.sequence,
        )
        for t in specs
    ]


def publish(
    session: Session,
    groupement_id: int,
    period_start: date,
    assignments: Sequence[AssignmentSpec],
    legs: Sequence[LegSpec] = (),
    *,
    published_at: datetime | None = None,
    period_days: int = 7,
) -> models.Rota:
    """Stage a published rota for the period; the one published before becomes superseded."""
    previous = session.scalar(
        select(models.Rota).where(
            models.Rota.groupement_id == groupement_id,
            models.Rota.period_start == period_start,
            models.Rota.status == models.RotaStatus.PUBLISHED,
        )
    )
    revision = previous.revision + 1 if previous is not None else 1
    # Rows of a published rota are immutable (database triggers): fill a draft, then publish it.
    rota = models.Rota(
        groupement_id=groupement_id,
        period_start=period_start,
        period_days=period_days,
        revision=revision,
        status=models.RotaStatus.DRAFT,
        solver_status="optimal",
        based_on_id=previous.id if previous is not None else None,
        published_at=published_at or datetime(2026, 3, 20, 9, tzinfo=UTC),
        assignments=assignment_rows(assignments),
        travel_legs=leg_rows(legs),
    )
    session.add(rota)
    session.flush()
    if previous is not None:
        previous.status = models.RotaStatus.SUPERSEDED
        session.flush()
    rota.status = models.RotaStatus.PUBLISHED
    session.flush()
    return rota


def cancel(
    session: Session,
    groupement_id: int,
    rota: models.Rota,
    withdrawn: AssignmentSpec | LegSpec,
) -> models.CancelledEvent:
    """Stage the withdrawal of a published event, as the planning service records it (sequence
    already bumped; a trip keeps its origin, its destination goes in `cabinet_id`)."""
    row = models.CancelledEvent(
        groupement_id=groupement_id,
        uid=withdrawn.uid,
        assistant_id=withdrawn.assistant_id,
        cabinet_id=(
            withdrawn.destination_id if isinstance(withdrawn, LegSpec) else withdrawn.cabinet_id
        ),
        origin_id=withdrawn.origin_id if isinstance(withdrawn, LegSpec) else None,
        start_at=withdrawn.start,
        end_at=withdrawn.end,
        sequence=withdrawn.sequence + 1,
        rota_id=rota.id,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class DemoIds:
    """Ids of the demo groupement's rows, by code."""

    groupement_id: int
    cabinets: dict[str, int]
    assistants: dict[str, int]
    contracts: dict[str, int]


def demo_ids(session: Session) -> DemoIds:
    """Load the demo groupement and return its ids by code."""
    groupement = load_demo(session)
    gid = groupement.id
    return DemoIds(
        groupement_id=gid,
        cabinets={
            c.code: c.id
            for c in session.scalars(
                select(models.Cabinet).where(models.Cabinet.groupement_id == gid)
            )
        },
        assistants={
            a.code: a.id
            for a in session.scalars(
                select(models.Assistant).where(models.Assistant.groupement_id == gid)
            )
        },
        contracts={
            c.code: c.id
            for c in session.scalars(
                select(models.PooledContract).where(models.PooledContract.groupement_id == gid)
            )
        },
    )


# (assistant, weekday, start, end, cabinet, contract) and (assistant, weekday, start, end, from, to)
_WEEK_ASSIGNMENTS = (
    ("julie", 0, "08:30", "12:00", "tilleuls", "pool-val-moselle"),
    ("julie", 0, "13:30", "17:30", "parc", "pool-val-moselle"),
    ("julie", 1, "08:30", "12:30", "gare", "pool-val-moselle"),
    ("julie", 2, "08:30", "12:00", "tilleuls", "pool-val-moselle"),
    ("julie", 2, "14:00", "18:00", "gare", "pool-val-moselle"),
    ("julie", 3, "08:30", "12:30", "moselle", "pool-corny"),
    ("julie", 3, "14:00", "17:00", "vignes", "pool-corny"),
    ("julie", 4, "08:30", "12:00", "tilleuls", "pool-val-moselle"),
    ("sophie", 0, "08:30", "12:30", "centre", "pool-seille"),
    ("sophie", 1, "09:00", "12:00", "saint-martin", "pool-seille"),
    ("sophie", 1, "14:00", "18:00", "parc", "pool-seille"),
    ("sophie", 3, "08:30", "12:30", "centre", "pool-seille"),
    ("sophie", 4, "08:30", "12:00", "parc", "pool-seille"),
    ("camille", 0, "08:30", "12:30", "moselle", "pool-corny"),
    ("camille", 1, "08:30", "12:30", "vignes", "pool-corny"),
    ("camille", 2, "14:00", "18:00", "moselle", "pool-corny"),
    ("camille", 4, "08:30", "12:30", "vignes", "pool-corny"),
)
_WEEK_LEGS = (
    ("julie", 0, "12:00", "12:13", "tilleuls", "parc"),
    ("julie", 2, "12:00", "12:16", "tilleuls", "gare"),
    ("julie", 3, "12:30", "12:56", "moselle", "vignes"),
    ("sophie", 1, "12:00", "12:21", "saint-martin", "parc"),
)


@dataclass(frozen=True)
class DemoWeek:
    """A published week: its rota and what it holds."""

    monday: date
    rota: models.Rota
    assignments: tuple[AssignmentSpec, ...]
    legs: tuple[LegSpec, ...]


def week_specs(ids: DemoIds, monday: date) -> tuple[list[AssignmentSpec], list[LegSpec]]:
    """The realistic week starting `monday`, with uids made of who, when and where."""
    assignments = [
        AssignmentSpec(
            uid=f"asg-{who}-{(monday + timedelta(days=day)):%Y%m%d}-{start.replace(':', '')}",
            assistant_id=ids.assistants[who],
            cabinet_id=ids.cabinets[where],
            contract_id=ids.contracts[contract],
            start=paris(monday + timedelta(days=day), start),
            end=paris(monday + timedelta(days=day), end),
        )
        for who, day, start, end, where, contract in _WEEK_ASSIGNMENTS
    ]
    legs = [
        LegSpec(
            uid=f"leg-{who}-{(monday + timedelta(days=day)):%Y%m%d}-{start.replace(':', '')}",
            assistant_id=ids.assistants[who],
            origin_id=ids.cabinets[origin],
            destination_id=ids.cabinets[destination],
            start=paris(monday + timedelta(days=day), start),
            end=paris(monday + timedelta(days=day), end),
        )
        for who, day, start, end, origin, destination in _WEEK_LEGS
    ]
    return assignments, legs


def publish_week(
    session: Session, ids: DemoIds, monday: date, *, drop: Sequence[str] = (), sequence: int = 0
) -> DemoWeek:
    """Publish the realistic week starting `monday`, without the events whose uid is in `drop`."""
    assignments, legs = week_specs(ids, monday)
    assignments = [replace(a, sequence=sequence) for a in assignments if a.uid not in drop]
    legs = [replace(t, sequence=sequence) for t in legs if t.uid not in drop]
    rota = publish(session, ids.groupement_id, monday, assignments, legs)
    return DemoWeek(monday, rota, tuple(assignments), tuple(legs))
