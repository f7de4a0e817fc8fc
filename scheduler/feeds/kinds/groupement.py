"""The groupement's feed: every published assignment and trip of the groupement."""

from __future__ import annotations

from scheduler import models
from scheduler.feeds.kinds.base import FeedKindSpec, first_name

KIND: FeedKindSpec[models.Groupement] = FeedKindSpec(
    kind=models.FeedKind.GROUPEMENT,
    target=models.Groupement,
    label="groupement",
    groupement_of=lambda groupement: groupement.id,
    targets=lambda directory: (directory.groupement,),
    name=lambda groupement: f"{groupement.name} – planning des assistantes médicales",
    description=lambda _: "Toutes les vacations et tous les trajets publiés du groupement.",
    shows=lambda _event, _groupement: True,
    summary=lambda event, directory: (
        f"{first_name(event, directory)} – "
        + (directory.trip(event) if event.is_trip else directory.cabinets[event.cabinet_id].name)
    ),
    export_name=lambda groupement: f"groupement-{groupement.slug}",
)
