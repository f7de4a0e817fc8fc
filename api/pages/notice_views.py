"""What the pages show of the change notices sent by e-mail and their acknowledgement (no queries)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from scheduler import models
from scheduler.french import clock_hours, weekday_date
from scheduler.services.notices import Acknowledgement

# --- Change notices by e-mail and their acknowledgement -------------------------------------------

EMAIL_STATE_FR = {
    models.EmailState.PENDING: "en attente d'envoi",
    models.EmailState.SENT: "envoyé",
    models.EmailState.FAILED: "échec",
}
EMAIL_STATE_BADGE = {
    models.EmailState.PENDING: "draft",
    models.EmailState.SENT: "published",
    models.EmailState.FAILED: "failed",
}


def _moment(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{weekday_date(local.date())} à {clock_hours(local)}"


def email_rows(
    emails: Sequence[models.NoticeEmail],
    cabinets: dict[int, models.Cabinet],
    assistants: dict[int, models.Assistant],
    zone: ZoneInfo,
) -> list[dict[str, Any]]:
    """The outbox's e-mails as the pages list them: to whom, what, their state in French, the
    attempts, the reason of a failure and when the next attempt is due."""
    rows = []
    for e in emails:
        if e.audience is models.EmailAudience.CABINET:
            cabinet = cabinets.get(e.cabinet_id or 0)
            who, audience = (cabinet.name if cabinet is not None else ""), "cabinet"
        else:
            assistant = assistants.get(e.assistant_id or 0)
            who, audience = (assistant.full_name if assistant is not None else ""), "assistante"
        if e.state is models.EmailState.SENT and e.sent_at is not None:
            detail = f"envoyé le {_moment(e.sent_at, zone)}"
        elif e.state is models.EmailState.PENDING and e.attempts:
            detail = f"nouvel essai le {_moment(e.next_attempt_at, zone)}"
        else:
            detail = ""
        rows.append(
            {
                "id": e.id,
                "who": who,
                "audience": audience,
                "address": e.recipient or "aucune adresse",
                "subject": e.subject,
                "created": _moment(e.created_at, zone),
                "state": e.state.value,
                "state_fr": EMAIL_STATE_FR[e.state],
                "badge": EMAIL_STATE_BADGE[e.state],
                "attempts": e.attempts,
                "error": e.last_error or "",
                "detail": detail,
            }
        )
    return rows


def acknowledgement_rows(
    items: Sequence[Acknowledgement], cabinets: dict[int, models.Cabinet], zone: ZoneInfo
) -> list[dict[str, Any]]:
    """The changes inside the notice window with whether the assistant took note (when, under
    which account), for the coordinator and the cabinet."""
    rows = []
    for item in items:
        notice = item.notice
        prefix = f"{item.assistant} : "
        text = notice.description.removeprefix(prefix)
        rows.append(
            {
                "id": notice.id,
                "assistant": item.assistant,
                "text": text[:1].upper() + text[1:],
                "cabinets": ", ".join(
                    cabinets[int(c)].name for c in notice.cabinet_ids or [] if int(c) in cabinets
                ),
                "created": _moment(notice.created_at, zone),
                "acknowledged": notice.acknowledged_at is not None,
                "acknowledged_fr": f"confirmé le {_moment(notice.acknowledged_at, zone)} "
                f"par {item.by}"
                if notice.acknowledged_at is not None
                else "pas encore confirmé",
            }
        )
    return rows
