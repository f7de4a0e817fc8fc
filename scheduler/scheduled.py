"""One shape for what a published rota puts in someone's calendar: a scheduled event.

An assignment (an assistant at a cabinet) and a travel leg (her trip from one cabinet to
another) are handled alike wherever they become calendar events: both have a uid that stays
with the event across versions, a sequence, an assistant, a place and a time. A trip is the
event with an origin; a withdrawn one (a `CancelledEvent`) is either, marked cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler import models


@dataclass(frozen=True, slots=True)
class ScheduledEvent:
    """An assignment or a trip between two cabinets, published or withdrawn.

    Attributes:
        uid, sequence: the event's identity and revision in the calendars.
        assistant_id: whose time it is.
        cabinet_id: the cabinet of an assignment, the destination of a trip.
        origin_id: where a trip starts; None for an assignment.
        contract_id: the pooled contract an assignment serves (None for trips and withdrawals).
        start, end: aware date-times.
        cancelled: withdrawn after publication.
    """

    uid: str
    sequence: int
    assistant_id: int
    cabinet_id: int
    origin_id: int | None
    contract_id: int | None
    start: datetime
    end: datetime
    cancelled: bool = False

    @property
    def is_trip(self) -> bool:
        return self.origin_id is not None

    @classmethod
    def of_assignment(cls, row: models.Assignment) -> ScheduledEvent:
        return cls(
            uid=row.uid,
            sequence=row.sequence,
            assistant_id=row.assistant_id,
            cabinet_id=row.cabinet_id,
            origin_id=None,
            contract_id=row.contract_id,
            start=row.start_at,
            end=row.end_at,
        )

    @classmethod
    def of_leg(cls, row: models.TravelLeg) -> ScheduledEvent:
        return cls(
            uid=row.uid,
            sequence=row.sequence,
            assistant_id=row.assistant_id,
            cabinet_id=row.destination_id,
            origin_id=row.origin_id,
            contract_id=None,
            start=row.start_at,
            end=row.end_at,
        )

    @classmethod
    def of_cancelled(cls, row: models.CancelledEvent) -> ScheduledEvent:
        """The withdrawn event `row`, which must name its cabinet (or a trip's destination)."""
        if row.cabinet_id is None:
            raise ValueError(f"withdrawn event {row.uid} has no cabinet")
        return cls(
            uid=row.uid,
            sequence=row.sequence,
            assistant_id=row.assistant_id,
            cabinet_id=row.cabinet_id,
            origin_id=row.origin_id,
            contract_id=None,
            start=row.start_at,
            end=row.end_at,
            cancelled=True,
        )

    def withdrawn(self, *, groupement_id: int, rota_id: int) -> models.CancelledEvent:
        """The record of this published event's withdrawal by the rota `rota_id`: shown as
        cancelled, one revision later (a trip keeps its origin, its destination is the cabinet)."""
        return models.CancelledEvent(
            groupement_id=groupement_id,
            uid=self.uid,
            assistant_id=self.assistant_id,
            cabinet_id=self.cabinet_id,
            origin_id=self.origin_id,
            start_at=self.start,
            end_at=self.end,
            sequence=self.sequence + 1,
            rota_id=rota_id,
        )


def rota_events(rota: models.Rota) -> list[ScheduledEvent]:
    """The events of a rota: its assignments, then its travel legs."""
    return [ScheduledEvent.of_assignment(a) for a in rota.assignments] + [
        ScheduledEvent.of_leg(t) for t in rota.travel_legs
    ]
