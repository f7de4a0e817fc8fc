"""Assignments, travel legs and withdrawn events as one scheduled-event shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduler import models
from scheduler.scheduled import ScheduledEvent, rota_events

START = datetime(2026, 3, 23, 7, 30, tzinfo=UTC)
END = datetime(2026, 3, 23, 11, tzinfo=UTC)


def test_an_assignment_is_an_event_at_its_cabinet_for_its_contract() -> None:
    row = models.Assignment(
        uid="a1",
        sequence=2,
        assistant_id=3,
        cabinet_id=4,
        contract_id=5,
        start_at=START,
        end_at=END,
    )
    event = ScheduledEvent.of_assignment(row)
    assert event == ScheduledEvent("a1", 2, 3, 4, None, 5, START, END, cancelled=False)
    assert not event.is_trip


def test_a_travel_leg_is_a_trip_to_its_destination() -> None:
    row = models.TravelLeg(
        uid="t1",
        sequence=1,
        assistant_id=3,
        origin_id=4,
        destination_id=6,
        start_at=START,
        end_at=END,
    )
    event = ScheduledEvent.of_leg(row)
    assert (event.cabinet_id, event.origin_id, event.contract_id) == (6, 4, None)
    assert event.is_trip and not event.cancelled


def test_a_withdrawn_event_is_cancelled_and_must_name_its_cabinet() -> None:
    row = models.CancelledEvent(
        uid="t1", sequence=2, assistant_id=3, cabinet_id=6, origin_id=4, start_at=START, end_at=END
    )
    event = ScheduledEvent.of_cancelled(row)
    assert event.cancelled and event.is_trip and event.cabinet_id == 6
    row.cabinet_id = None
    with pytest.raises(ValueError, match="t1"):
        ScheduledEvent.of_cancelled(row)


def test_withdrawing_an_event_records_it_one_revision_later_as_it_was() -> None:
    trip = ScheduledEvent("t1", 2, 3, 6, 4, None, START, END)
    row = trip.withdrawn(groupement_id=9, rota_id=12)
    assert (row.groupement_id, row.rota_id, row.sequence) == (9, 12, 3)
    assert ScheduledEvent.of_cancelled(row) == ScheduledEvent(
        "t1", 3, 3, 6, 4, None, START, END, cancelled=True
    )


def test_a_rota_lists_its_assignments_then_its_legs() -> None:
    rota = models.Rota(
        assignments=[
            models.Assignment(
                uid="a1",
                sequence=0,
                assistant_id=3,
                cabinet_id=4,
                contract_id=5,
                start_at=START,
                end_at=END,
            )
        ],
        travel_legs=[
            models.TravelLeg(
                uid="t1",
                sequence=0,
                assistant_id=3,
                origin_id=4,
                destination_id=6,
                start_at=START,
                end_at=END,
            )
        ],
    )
    assert [(e.uid, e.is_trip) for e in rota_events(rota)] == [("a1", False), ("t1", True)]
