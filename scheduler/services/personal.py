"""What an assistant reads about herself on her page: her published week (assignments with the
cabinets' addresses, travel legs and breaks), her absences and the change notices about her.

Read-only and scoped to the acting assistant: every query is filtered by her own assistant id
and groupement, and drafts are never read, so another assistant's rota or another groupement's
data cannot come back from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from scheduler import access, models
from scheduler.access import Action
from scheduler.errors import Forbidden, NotFound

# Published rotas last at most 56 days (a CHECK on `rota.period_days`).
MAX_PERIOD_DAYS = 56


@dataclass(frozen=True)
class AssistantWeek:
    """One week of an assistant's published rota, in her groupement's time zone."""

    assistant: models.Assistant
    week_start: date
    zone: ZoneInfo
    # The published rotas covering the week (usually one), even when she works none of it.
    rotas: list[models.Rota]
    assignments: list[models.Assignment]
    travel_legs: list[models.TravelLeg]
    breaks: list[models.RotaBreak]
    # The cabinets named by her assignments and legs, with their addresses.
    cabinets: dict[int, models.Cabinet]
    absences: list[models.Absence]
    # The Monday of her next published week with work after this one, if any.
    next_published_week: date | None

    @property
    def published(self) -> bool:
        """Whether a published rota covers the week."""
        return bool(self.rotas)


def own_assistant(session: Session, actor: models.User) -> models.Assistant:
    """The assistant the signed-in user is (assistants only)."""
    access.require(actor, Action.OWN_ROTA)
    if actor.assistant_id is None:
        raise Forbidden("seule une assistante consulte son propre planning")
    assistant = session.get(models.Assistant, actor.assistant_id)
    if assistant is None or assistant.groupement_id != actor.groupement_id:
        raise NotFound("assistante", actor.assistant_id)
    return assistant


def _published_rota_ids(groupement_id: int) -> Select[int]:
    return select(models.Rota.id).where(
        models.Rota.groupement_id == groupement_id,
        models.Rota.status == models.RotaStatus.PUBLISHED,
    )


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def assistant_week(session: Session, actor: models.User, week: date) -> AssistantWeek:
    """The signed-in assistant's published rota for the week of `week` (Monday to Sunday, local
    time): her assignments, travel legs and breaks only, never a draft's."""
    assistant = own_assistant(session, actor)
    groupement = session.get(models.Groupement, actor.groupement_id)
    if groupement is None:
        raise NotFound("groupement", actor.groupement_id)
    zone = ZoneInfo(groupement.timezone)
    monday = _monday(week)
    start = datetime.combine(monday, time(), zone)
    end = datetime.combine(monday + timedelta(days=7), time(), zone)
    published = _published_rota_ids(actor.groupement_id)

    def mine(
        model: type[models.Assignment] | type[models.TravelLeg] | type[models.RotaBreak],
    ) -> tuple[ColumnElement[bool], ...]:
        return (
            model.rota_id.in_(published),
            model.assistant_id == assistant.id,
            model.start_at >= start,
            model.start_at < end,
        )

    assignments = list(
        session.scalars(
            select(models.Assignment)
            .where(*mine(models.Assignment))
            .order_by(models.Assignment.start_at)
        )
    )
    legs = list(
        session.scalars(
            select(models.TravelLeg)
            .where(*mine(models.TravelLeg))
            .order_by(models.TravelLeg.start_at)
        )
    )
    breaks = list(
        session.scalars(
            select(models.RotaBreak)
            .where(*mine(models.RotaBreak))
            .order_by(models.RotaBreak.start_at)
        )
    )
    rotas = [
        rota
        for rota in session.scalars(
            select(models.Rota)
            .where(
                access.visible(actor, models.Rota),  # her groupement's published rotas
                models.Rota.period_start > monday - timedelta(days=MAX_PERIOD_DAYS),
                models.Rota.period_start < monday + timedelta(days=7),
            )
            .order_by(models.Rota.period_start)
        )
        if rota.period_start + timedelta(days=rota.period_days) > monday
    ]
    cabinet_ids = {a.cabinet_id for a in assignments} | {
        c for leg in legs for c in (leg.origin_id, leg.destination_id)
    }
    cabinets = {
        cabinet.id: cabinet
        for cabinet in session.scalars(
            select(models.Cabinet).where(
                models.Cabinet.id.in_(cabinet_ids),
                models.Cabinet.groupement_id == actor.groupement_id,
            )
        )
    }
    absences = absences_between(session, actor, start, end)
    following = session.scalar(
        select(func.min(models.Assignment.start_at)).where(
            models.Assignment.rota_id.in_(published),
            models.Assignment.assistant_id == assistant.id,
            models.Assignment.start_at >= end,
        )
    )
    next_week = _monday(following.astimezone(zone).date()) if following is not None else None
    return AssistantWeek(
        assistant=assistant,
        week_start=monday,
        zone=zone,
        rotas=rotas,
        assignments=assignments,
        travel_legs=legs,
        breaks=breaks,
        cabinets=cabinets,
        absences=absences,
        next_published_week=next_week,
    )


def absences_between(
    session: Session, actor: models.User, since: datetime, until: datetime
) -> list[models.Absence]:
    """The signed-in assistant's absences overlapping [since, until), by start."""
    assistant = own_assistant(session, actor)
    return list(
        session.scalars(
            select(models.Absence)
            .where(
                models.Absence.assistant_id == assistant.id,
                models.Absence.end_at > since,
                models.Absence.start_at < until,
            )
            .order_by(models.Absence.start_at, models.Absence.id)
        )
    )


def upcoming_absences(
    session: Session, actor: models.User, *, weeks: int = 8, now: datetime | None = None
) -> list[models.Absence]:
    """The signed-in assistant's absences not yet over, starting within `weeks` weeks."""
    now = now or datetime.now(UTC)
    return absences_between(session, actor, now, now + timedelta(weeks=weeks))


def own_change_notices(
    session: Session, actor: models.User, *, limit: int = 10
) -> list[tuple[models.ChangeNotice, date]]:
    """The latest change notices about the signed-in assistant, newest first, each with the
    first day of the rota it came with."""
    own_assistant(session, actor)  # anyone but an assistant is refused
    rows = session.execute(
        select(models.ChangeNotice, models.Rota.period_start)
        .join(models.Rota, models.Rota.id == models.ChangeNotice.rota_id)
        .where(
            access.visible(actor, models.ChangeNotice),  # hers, in her groupement
        )
        .order_by(models.ChangeNotice.created_at.desc(), models.ChangeNotice.id.desc())
        .limit(limit)
    )
    return [(notice, period_start) for notice, period_start in rows]
