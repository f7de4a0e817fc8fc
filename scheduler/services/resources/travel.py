"""Road minutes between the member cabinets: confirmed by the coordination, or estimated from
the coordinates until then."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Select, false, select, true
from sqlalchemy.orm import Session
from typing_extensions import override

from scheduler import access, models
from scheduler.audit import snapshot
from scheduler.errors import DuplicateResource, InvalidField
from scheduler.services.resources.generic import Edit, Resource, audit
from scheduler.services.resources.sites import CABINETS
from scheduler.uow import begin_write, committing

ROAD_FACTOR = 1.3
SPEED_KMH = 50.0
PARKING_MINUTES = 5


def estimate_minutes(a: models.Cabinet, b: models.Cabinet) -> int:
    """Road minutes from coordinates: haversine distance x road factor / speed + parking, rounded."""
    lat1, lon1, lat2, lon2 = (
        math.radians(float(v)) for v in (a.latitude, a.longitude, b.latitude, b.longitude)
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    km = 2 * 6371.0 * math.asin(math.sqrt(h))
    minutes = round(km * ROAD_FACTOR / SPEED_KMH * 60 + PARKING_MINUTES)
    return max(1, min(240, minutes))


class TravelTimes(Resource[models.TravelTime]):
    """Travel times between the groupement's cabinets, by cabinet or by `estimated`; a pair is
    stored lower id first, and a coordinator's value is confirmed (`estimated` false)."""

    model = models.TravelTime
    entity = "travel_time"
    label = "trajet"
    modified_label = "travel_time"
    key = "travel_time_id"
    nullable_changes = frozenset[str]()

    @override
    def filter(
        self, session: Session, actor: models.User, stmt: Select[Any], filters: dict[str, Any]
    ) -> Select[Any]:
        cabinet_id = filters.get("cabinet_id")
        if cabinet_id is not None:
            CABINETS.get(session, actor, cabinet_id, field="query.cabinet_id")
            stmt = stmt.where(
                (models.TravelTime.origin_id == cabinet_id)
                | (models.TravelTime.destination_id == cabinet_id)
            )
        if filters.get("estimated") is not None:
            estimated = true() if filters["estimated"] else false()
            stmt = stmt.where(models.TravelTime.estimated == estimated)
        return stmt

    @override
    def build(
        self, session: Session, actor: models.User, data: dict[str, Any]
    ) -> models.TravelTime:
        if data["origin_id"] == data["destination_id"]:
            raise InvalidField("destination_id", "two_sites", "deux cabinets différents")
        CABINETS.get(session, actor, data["origin_id"], field="body.origin_id")
        CABINETS.get(session, actor, data["destination_id"], field="body.destination_id")
        a, b = sorted((data["origin_id"], data["destination_id"]))
        exists = session.scalar(
            select(models.TravelTime.id).where(
                models.TravelTime.origin_id == a, models.TravelTime.destination_id == b
            )
        )
        if exists is not None:
            raise DuplicateResource("trajet", f"{a}-{b} (id {exists})")
        return models.TravelTime(
            groupement_id=actor.groupement_id,
            origin_id=a,
            destination_id=b,
            minutes=data["minutes"],
            estimated=False,
        )

    @override
    def natural_key(self, row: models.TravelTime) -> object:
        return f"{row.origin_id}-{row.destination_id}"

    @override
    def edit(
        self, session: Session, actor: models.User, row: models.TravelTime, changes: dict[str, Any]
    ) -> Edit:
        return Edit({**changes, "estimated": False}, reason="confirmé par la coordination")

    def estimate_missing(self, session: Session, actor: models.User) -> list[models.TravelTime]:
        """Store an estimate (marked `estimated`) for every pair of cabinets that has none."""
        access.require(actor, access.Action.MANAGE)
        begin_write(session)
        cabinets = list(
            session.scalars(
                select(models.Cabinet)
                .where(access.visible(actor, models.Cabinet))
                .order_by(models.Cabinet.id)
            )
        )
        known: set[tuple[int, int]] = set(
            session.execute(
                select(models.TravelTime.origin_id, models.TravelTime.destination_id).where(
                    access.visible(actor, models.TravelTime)
                )
            ).all()
        )
        created: list[models.TravelTime] = []
        with committing(session, self.label, "estimations"):
            for i, a in enumerate(cabinets):
                for b in cabinets[i + 1 :]:
                    if (a.id, b.id) in known:
                        continue
                    travel = models.TravelTime(
                        groupement_id=actor.groupement_id,
                        origin_id=a.id,
                        destination_id=b.id,
                        minutes=estimate_minutes(a, b),
                        estimated=True,
                    )
                    session.add(travel)
                    created.append(travel)
            session.flush()
            for travel in created:
                audit(session, actor, "estimate", self.entity, travel.id, None, snapshot(travel))
        return created


TRAVEL_TIMES = TravelTimes()
