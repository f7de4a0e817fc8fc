"""The e-mails of a publication's changes inside the notice window, written to the outbox.

`stage_notice_emails` runs inside `publish_rota`, in the publication's own transaction: the
outbox rows commit with the rota they speak of, or not at all. One message per assistant whose
rota changed (her changes) and one per cabinet the changes concern (the changes at its site),
in French, as plain text with an HTML alternative. A recipient without an address gets a row
marked failed at once, with its reason, so that the coordinator sees who was not told.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.french import clock_digits, weekday_date

SIGNATURE = "La coordination du groupement, via Partagenda"


@dataclass(frozen=True)
class ChangeLine:
    """One change as a message lists it: the day, then the slot before and after (None: no slot)."""

    day: date
    assistant: str
    before: str | None
    after: str | None

    @property
    def what(self) -> str:
        if self.before is not None and self.after is not None:
            return f"avant : {self.before} ; après : {self.after}"
        if self.before is not None:
            return f"supprimé : {self.before}"
        return f"ajouté : {self.after}"

    def text(self, *, with_assistant: bool) -> str:
        who = f"{self.assistant}, " if with_assistant else ""
        return f"- {weekday_date(self.day, year=True)} — {who}{self.what}"


def _slot(
    data: dict[str, Any] | None, cabinets: dict[int, models.Cabinet], zone: ZoneInfo
) -> tuple[date, str] | None:
    if data is None:
        return None
    start = datetime.fromisoformat(data["start"]).astimezone(zone)
    end = datetime.fromisoformat(data["end"]).astimezone(zone)
    cabinet = cabinets.get(int(data["cabinet_id"]))
    place = cabinet.name if cabinet is not None else "cabinet supprimé"
    return start.date(), f"{clock_digits(start)}–{clock_digits(end)} au cabinet {place}"


def change_line(
    notice: models.ChangeNotice,
    assistant: str,
    cabinets: dict[int, models.Cabinet],
    zone: ZoneInfo,
) -> ChangeLine:
    """A change notice as a line of a message, in the groupement's time zone."""
    before = _slot(notice.before, cabinets, zone)
    after = _slot(notice.after, cabinets, zone)
    day = min(slot[0] for slot in (before, after) if slot is not None)
    return ChangeLine(
        day=day,
        assistant=assistant,
        before=before[1] if before else None,
        after=after[1] if after else None,
    )


def _body(
    greeting: str, intro: str, lines: list[str], reason: str | None, closing: str
) -> tuple[str, str]:
    text = [greeting, "", intro, "", *lines, ""]
    if reason:
        text += [f"Motif donné par la coordination : {reason}", ""]
    text += [closing, "", SIGNATURE, ""]
    html = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8"></head><body>',
        f"<p>{escape(greeting)}</p>",
        f"<p>{escape(intro)}</p>",
        "<ul>",
        *(f"<li>{escape(line.removeprefix('- '))}</li>" for line in lines),
        "</ul>",
    ]
    if reason:
        html.append(f"<p>Motif donné par la coordination : {escape(reason)}</p>")
    html += [f"<p>{escape(closing)}</p>", f"<p>{escape(SIGNATURE)}</p>", "</body></html>"]
    return "\n".join(text), "\n".join(html) + "\n"


def stage_notice_emails(
    session: Session,
    rota: models.Rota,
    notices: list[models.ChangeNotice],
    *,
    notice_days: int,
    reason: str | None,
    now: datetime,
) -> list[models.NoticeEmail]:
    """Stage the outbox rows of `notices` (flushed change notices inside the notice window)."""
    if not notices:
        return []
    groupement = session.get(models.Groupement, rota.groupement_id)
    assert groupement is not None
    zone = ZoneInfo(groupement.timezone)
    cabinet_ids = {int(c) for n in notices for c in (n.cabinet_ids or [])}
    for notice in notices:
        for data in (notice.before, notice.after):
            if data is not None:
                cabinet_ids.add(int(data["cabinet_id"]))
    cabinets = {
        c.id: c
        for c in session.scalars(select(models.Cabinet).where(models.Cabinet.id.in_(cabinet_ids)))
    }
    assistants = {
        a.id: a
        for a in session.scalars(
            select(models.Assistant).where(
                models.Assistant.id.in_({n.assistant_id for n in notices})
            )
        )
    }
    week = weekday_date(rota.period_start, year=True)
    window = f"moins de {notice_days} jours"
    by_assistant: dict[int, list[models.ChangeNotice]] = defaultdict(list)
    by_cabinet: dict[int, list[models.ChangeNotice]] = defaultdict(list)
    for notice in notices:
        by_assistant[notice.assistant_id].append(notice)
        for cabinet_id in notice.cabinet_ids or []:
            by_cabinet[int(cabinet_id)].append(notice)

    def lines(
        items: list[models.ChangeNotice], *, with_assistant: bool
    ) -> tuple[list[str], list[int]]:
        rows = sorted(
            (
                (change_line(n, assistants[n.assistant_id].full_name, cabinets, zone), n.id)
                for n in items
            ),
            key=lambda pair: (pair[0].day, pair[0].assistant, pair[1]),
        )
        return [line.text(with_assistant=with_assistant) for line, _ in rows], [i for _, i in rows]

    staged: list[models.NoticeEmail] = []
    for assistant_id, items in sorted(by_assistant.items()):
        assistant = assistants[assistant_id]
        texts, ids = lines(items, with_assistant=False)
        body_text, body_html = _body(
            f"Bonjour {assistant.full_name},",
            f"Votre planning de la semaine du {week} a changé, {window} avant les dates "
            "concernées :",
            texts,
            reason,
            "Merci d'en prendre connaissance et de le confirmer sur votre page « Mon planning » "
            "de Partagenda.",
        )
        staged.append(
            _row(
                rota,
                now,
                audience=models.EmailAudience.ASSISTANT,
                assistant_id=assistant_id,
                recipient=assistant.email,
                missing=f"l'assistante {assistant.full_name} n'a pas d'adresse e-mail",
                subject=f"Changement de votre planning — semaine du {week}",
                body_text=body_text,
                body_html=body_html,
                notice_ids=ids,
            )
        )
    for cabinet_id, items in sorted(by_cabinet.items()):
        cabinet = cabinets[cabinet_id]
        texts, ids = lines(items, with_assistant=True)
        body_text, body_html = _body(
            "Bonjour,",
            f"Les présences de l'assistante médicale au cabinet {cabinet.name} ont changé pour "
            f"la semaine du {week}, {window} avant les dates concernées :",
            texts,
            reason,
            "Vous retrouvez ces changements sur la page de votre cabinet dans Partagenda, et "
            "dans l'agenda du cabinet si vous y êtes abonné.",
        )
        staged.append(
            _row(
                rota,
                now,
                audience=models.EmailAudience.CABINET,
                cabinet_id=cabinet_id,
                recipient=cabinet.contact_email,
                missing=f"le cabinet {cabinet.name} n'a pas d'adresse e-mail de contact",
                subject=f"Changement des présences de l'assistante au cabinet {cabinet.name} — "
                f"semaine du {week}",
                body_text=body_text,
                body_html=body_html,
                notice_ids=ids,
            )
        )
    session.add_all(staged)
    session.flush()
    return staged


def _row(
    rota: models.Rota,
    now: datetime,
    *,
    audience: models.EmailAudience,
    recipient: str | None,
    missing: str,
    subject: str,
    body_text: str,
    body_html: str,
    notice_ids: list[int],
    cabinet_id: int | None = None,
    assistant_id: int | None = None,
) -> models.NoticeEmail:
    address = (recipient or "").strip() or None
    return models.NoticeEmail(
        groupement_id=rota.groupement_id,
        rota_id=rota.id,
        audience=audience,
        cabinet_id=cabinet_id,
        assistant_id=assistant_id,
        notice_ids=notice_ids,
        recipient=address,
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        # No address: nobody to try, failed at once with its reason.
        state=models.EmailState.PENDING if address else models.EmailState.FAILED,
        last_error=None if address else missing,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
