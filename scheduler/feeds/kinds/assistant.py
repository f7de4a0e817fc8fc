"""An assistant's feed: where and when she works, and her trips between cabinets."""

from __future__ import annotations

from scheduler import models
from scheduler.feeds.kinds.base import FeedKindSpec

KIND: FeedKindSpec[models.Assistant] = FeedKindSpec(
    kind=models.FeedKind.ASSISTANT,
    target=models.Assistant,
    label="assistante",
    groupement_of=lambda assistant: assistant.groupement_id,
    targets=lambda directory: sorted(directory.assistants.values(), key=lambda a: a.id),
    name=lambda assistant: f"Planning de {assistant.full_name}",
    description=lambda assistant: f"Vacations et trajets de {assistant.full_name}.",
    shows=lambda event, assistant: event.assistant_id == assistant.id,
    summary=lambda event, directory: (
        directory.trip(event) if event.is_trip else directory.cabinets[event.cabinet_id].name
    ),
    export_name=lambda assistant: f"assistante-{assistant.code}",
)
