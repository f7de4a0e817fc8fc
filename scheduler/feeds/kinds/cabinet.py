"""A cabinet's feed: when an assistant is on site."""

from __future__ import annotations

from scheduler import models
from scheduler.feeds.kinds.base import FeedKindSpec, first_name

KIND: FeedKindSpec[models.Cabinet] = FeedKindSpec(
    kind=models.FeedKind.CABINET,
    target=models.Cabinet,
    label="cabinet",
    groupement_of=lambda cabinet: cabinet.groupement_id,
    targets=lambda directory: sorted(directory.cabinets.values(), key=lambda c: c.id),
    name=lambda cabinet: f"{cabinet.name} – assistante médicale",
    description=lambda cabinet: f"Présence de l'assistante médicale – {cabinet.name}.",
    shows=lambda event, cabinet: event.cabinet_id == cabinet.id and not event.is_trip,
    summary=lambda event, directory: (
        directory.trip(event)
        if event.is_trip
        else f"{first_name(event, directory)} – assistante médicale"
    ),
    export_name=lambda cabinet: f"cabinet-{cabinet.code}",
)
