"""The names and places a groupement's feeds are phrased with, loaded once per rendering."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import access, models
from scheduler.errors import NotFound
from scheduler.ical import Organizer
from scheduler.scheduled import ScheduledEvent

FALLBACK_ORGANIZER_EMAIL = "coordination@partagenda.invalid"


@dataclass(frozen=True, slots=True)
class Directory:
    """The groupement, its cabinets, assistants and contracts, and the events' organizer."""

    groupement: models.Groupement
    cabinets: dict[int, models.Cabinet]
    assistants: dict[int, models.Assistant]
    contracts: dict[int, models.PooledContract]
    organizer: Organizer

    def trip(self, event: ScheduledEvent) -> str:
        """« Trajet <origin> → <destination> » for a trip."""
        assert event.origin_id is not None
        origin, destination = self.cabinets[event.origin_id], self.cabinets[event.cabinet_id]
        return f"Trajet {origin.name} → {destination.name}"


_Row = TypeVar("_Row", models.Cabinet, models.Assistant, models.PooledContract)


def _by_id(session: Session, model: type[_Row], groupement_id: int) -> dict[int, _Row]:
    rows = session.scalars(select(model).where(model.groupement_id == groupement_id))
    return {row.id: row for row in rows}


def load_directory(session: Session, groupement_id: int) -> Directory:
    """Everything the feeds of `groupement_id` name.

    Raises:
        NotFound: no such groupement.
    """
    groupement = session.get(models.Groupement, groupement_id)
    if groupement is None:
        raise NotFound("groupement", groupement_id)
    coordinator_email = session.scalar(
        select(models.User.email)
        .where(
            models.User.groupement_id == groupement_id,
            access.answers_for_groupement(),
            models.User.is_active.is_(True),
        )
        .order_by(models.User.id)
        .limit(1)
    )
    organizer = Organizer(
        email=coordinator_email or FALLBACK_ORGANIZER_EMAIL,
        name=f"Coordination – {groupement.name}",
    )
    return Directory(
        groupement,
        _by_id(session, models.Cabinet, groupement_id),
        _by_id(session, models.Assistant, groupement_id),
        _by_id(session, models.PooledContract, groupement_id),
        organizer,
    )
