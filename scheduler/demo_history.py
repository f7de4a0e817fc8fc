"""The demo's delivered history: every week since the first contract's start, planned and
published on time, with a few absences recorded afterwards (`scheduler/data/demo_history.json`).

The weeks were planned once by the solver (`scripts/demo_history.py` writes the file) and are
shipped as data: solving forty weeks again would take the demo well past its two minutes. Each
week is loaded as a published rota with its assignments, trips and breaks, then its ledger is
written as a publication writes it, net of the absences. A test checks every shipped week with
the solver's checker, so the data cannot drift from the rules unseen.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.planning.ledger import refresh_ledger

HISTORY_FILE = "demo_history.json"
# A week is published on the Thursday before it, at noon: on time, ahead of its Monday.
PUBLISHED_DAYS_BEFORE = 4


def published_moment(week: date, zone: ZoneInfo) -> datetime:
    """When a shipped week was published: noon on the Thursday before its Monday."""
    return datetime.combine(week - timedelta(days=PUBLISHED_DAYS_BEFORE), time(12), zone)


def history_data() -> dict[str, Any]:
    text = resources.files("scheduler.data").joinpath(HISTORY_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _at(day: str, clock: str, zone: ZoneInfo) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), zone)


def add_delivered_history(
    session: Session, groupement: models.Groupement, *, until: date
) -> list[models.Rota]:
    """Stage the shipped weeks that begin before `until` as published rotas, the absences
    recorded in them, and their ledger; return the rotas."""
    data = history_data()
    zone = ZoneInfo(groupement.timezone)
    assistants = {
        a.code: a.id
        for a in session.scalars(
            select(models.Assistant).where(models.Assistant.groupement_id == groupement.id)
        )
    }
    cabinets = {
        c.code: c.id
        for c in session.scalars(
            select(models.Cabinet).where(models.Cabinet.groupement_id == groupement.id)
        )
    }
    contracts = {
        c.code: c.id
        for c in session.scalars(
            select(models.PooledContract).where(
                models.PooledContract.groupement_id == groupement.id
            )
        )
    }
    rotas: list[models.Rota] = []
    for index, week in enumerate(data["weeks"]):
        monday = date.fromisoformat(week["period_start"])
        if monday >= until:
            continue
        rota = models.Rota(
            groupement_id=groupement.id,
            period_start=monday,
            period_days=week["period_days"],
            revision=1,
            # Staged as a draft with its rows, then published: the database keeps a published
            # rota's rows as they are (a trigger refuses a row added to it).
            status=models.RotaStatus.DRAFT,
            solver_status=week["solver_status"],
            objective=week["objective"],
            bound=week["bound"],
            solve_seconds=week["solve_seconds"],
            objective_terms=week["objective_terms"],
            explanation=week["explanation"],
            created_at=published_moment(monday, zone) - timedelta(minutes=5),
            published_late=False,
            assignments=[
                models.Assignment(
                    assistant_id=assistants[assistant],
                    cabinet_id=cabinets[cabinet],
                    contract_id=contracts[contract],
                    start_at=_at(day, start, zone),
                    end_at=_at(day, end, zone),
                    uid=f"demo-{index:02d}-a{n:03d}",
                )
                for n, (assistant, cabinet, contract, day, start, end) in enumerate(
                    week["assignments"]
                )
            ],
            travel_legs=[
                models.TravelLeg(
                    assistant_id=assistants[assistant],
                    origin_id=cabinets[origin],
                    destination_id=cabinets[destination],
                    start_at=_at(day, start, zone),
                    end_at=_at(day, end, zone),
                    uid=f"demo-{index:02d}-t{n:03d}",
                )
                for n, (assistant, origin, destination, day, start, end) in enumerate(
                    week["travel"]
                )
            ],
            breaks=[
                models.RotaBreak(
                    assistant_id=assistants[assistant],
                    start_at=_at(day, start, zone),
                    end_at=_at(day, end, zone),
                )
                for assistant, day, start, end in week["breaks"]
            ],
        )
        session.add(rota)
        rotas.append(rota)
    for item in data["absences"]:
        start = datetime.fromisoformat(item["start"]).replace(tzinfo=zone)
        if start.date() >= until:
            continue
        session.add(
            models.Absence(
                assistant_id=assistants[item["assistant"]],
                kind=models.AbsenceKind(item["kind"]),
                start_at=start,
                end_at=datetime.fromisoformat(item["end"]).replace(tzinfo=zone),
                reason=item["reason"],
                recorded_at=datetime.fromisoformat(item["recorded"]).replace(tzinfo=zone),
            )
        )
    session.flush()
    for rota in rotas:
        rota.status = models.RotaStatus.PUBLISHED
        rota.published_at = published_moment(rota.period_start, zone)
    session.flush()
    for rota in rotas:
        refresh_ledger(session, rota)
    return rotas
