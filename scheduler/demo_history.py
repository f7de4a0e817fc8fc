"""The demo's delivered history: every week since the first contract's start, planned and
published on time, with a few absences recorded afterwards (`scheduler/data/demo_history.json`).

The weeks were planned once by the solver (`scripts/demo_history.py` writes the file) and are
shipped as data: solving forty weeks again would take the demo well past its two minutes. Each
week is loaded as a published rota with its assignments, trips and breaks, then its ledger is
written as a publication writes it, net of the absences. A test checks every shipped week with
the solver's checker, so the data cannot drift from the rules unseen. A demo loaded after the
shipped weeks end gets the weeks since as well, each a shipped week replayed and checked in its
new week, or planned by the solver where none fits (`_weeks_after_the_shipped`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.planning.instance import public_holidays
from scheduler.planning.ledger import refresh_ledger
from scheduler.planning.plan import evaluate_stored_rota, plan_period

HISTORY_FILE = "demo_history.json"
# A week is published on the Thursday before it, at noon: on time, ahead of its Monday.
PUBLISHED_DAYS_BEFORE = 4
# A week after the shipped ones: the shipped weeks tried as it (checked), then the solver's time.
REPLAY_TRIES = 12
PLAN_SECONDS = 10.0


def published_moment(week: date, zone: ZoneInfo) -> datetime:
    """When a shipped week was published: noon on the Thursday before its Monday."""
    return datetime.combine(week - timedelta(days=PUBLISHED_DAYS_BEFORE), time(12), zone)


def history_data() -> dict[str, Any]:
    text = resources.files("scheduler.data").joinpath(HISTORY_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


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
    codes = _Codes(assistants, cabinets, contracts)
    rotas: list[models.Rota] = []
    for index, week in enumerate(data["weeks"]):
        monday = date.fromisoformat(week["period_start"])
        if monday >= until:
            continue
        rota = _staged(
            week, groupement.id, codes, zone, shift=timedelta(0), uid=f"demo-{index:02d}"
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
        _publish_on_time(session, rota, zone)
    rotas += _weeks_after_the_shipped(session, groupement, data, codes, until=until)
    return rotas


@dataclass(frozen=True)
class _Codes:
    """The demo's codes (as the shipped file names them) to this database's ids."""

    assistants: dict[str, int]
    cabinets: dict[str, int]
    contracts: dict[str, int]


def _at(day: str, clock: str, zone: ZoneInfo, shift: timedelta = timedelta(0)) -> datetime:
    return datetime.combine(date.fromisoformat(day) + shift, time.fromisoformat(clock), zone)


def _staged(
    week: dict[str, Any],
    groupement_id: int,
    codes: _Codes,
    zone: ZoneInfo,
    *,
    shift: timedelta,
    uid: str,
) -> models.Rota:
    """A shipped week as a draft rota with its rows, `shift` days later (whole weeks, so each
    piece keeps its weekday and its wall-clock times)."""
    monday = date.fromisoformat(week["period_start"]) + shift
    return models.Rota(
        groupement_id=groupement_id,
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
                assistant_id=codes.assistants[assistant],
                cabinet_id=codes.cabinets[cabinet],
                contract_id=codes.contracts[contract],
                start_at=_at(day, start, zone, shift),
                end_at=_at(day, end, zone, shift),
                uid=f"{uid}-a{n:03d}",
            )
            for n, (assistant, cabinet, contract, day, start, end) in enumerate(week["assignments"])
        ],
        travel_legs=[
            models.TravelLeg(
                assistant_id=codes.assistants[assistant],
                origin_id=codes.cabinets[origin],
                destination_id=codes.cabinets[destination],
                start_at=_at(day, start, zone, shift),
                end_at=_at(day, end, zone, shift),
                uid=f"{uid}-t{n:03d}",
            )
            for n, (assistant, origin, destination, day, start, end) in enumerate(week["travel"])
        ],
        breaks=[
            models.RotaBreak(
                assistant_id=codes.assistants[assistant],
                start_at=_at(day, start, zone, shift),
                end_at=_at(day, end, zone, shift),
            )
            for assistant, day, start, end in week["breaks"]
        ],
    )


def _publish_on_time(session: Session, rota: models.Rota, zone: ZoneInfo) -> None:
    rota.status = models.RotaStatus.PUBLISHED
    rota.published_at = published_moment(rota.period_start, zone)
    session.flush()
    refresh_ledger(session, rota)


def _weeks_after_the_shipped(
    session: Session,
    groupement: models.Groupement,
    data: dict[str, Any],
    codes: _Codes,
    *,
    until: date,
) -> list[models.Rota]:
    """The weeks between the last shipped one and `until` (a demo loaded after the shipped
    history ends): each a shipped week replayed on the same weekdays, one with the same public
    holidays and no absence that the checker accepts in its new week (`_replayed`); a week no
    shipped one fits is planned by the solver. Each is published on time, so that the figures
    resting on delivered hours have no hole up to the demo's first week."""
    weeks = data["weeks"]
    monday = date.fromisoformat(weeks[-1]["period_start"]) + timedelta(days=7)
    if monday >= until:
        return []
    zone = ZoneInfo(groupement.timezone)
    cabinets = session.scalars(
        select(models.Cabinet).where(models.Cabinet.groupement_id == groupement.id)
    ).all()
    absences = session.scalars(
        select(models.Absence)
        .join(models.Assistant)
        .where(models.Assistant.groupement_id == groupement.id)
    ).all()

    def holidays(start: date) -> frozenset[tuple[int, int]]:
        closed = public_holidays(cabinets, start, 7)
        return frozenset((d.weekday(), c.id) for d, names in closed.items() for c, _ in names)

    def anyone_absent(start: date) -> bool:
        begin = datetime.combine(start, time(0), zone)
        end = begin + timedelta(days=7)
        return any(a.start_at < end and begin < a.end_at for a in absences)

    sources = [
        (date.fromisoformat(w["period_start"]), w)
        for w in weeks
        if not anyone_absent(date.fromisoformat(w["period_start"]))
    ]
    signatures = {start: holidays(start) for start, _ in sources}
    rotas: list[models.Rota] = []
    while monday < until:
        closed = holidays(monday)
        # The same week of a year before first (the same season), then the same week of a
        # quarter before (a quarter's weeks replayed in their order keep the balance the solver
        # gave that quarter; the same week every time would carry its deviation on and on),
        # then the latest.
        fitting = sorted(
            ((start, week) for start, week in sources if signatures[start] == closed),
            key=lambda item: (
                (monday - item[0]).days % 364 != 0,
                (monday - item[0]).days % 91 != 0,
                -item[0].toordinal(),
            ),
        )
        rota = _replayed(session, groupement, codes, zone, monday, fitting[:REPLAY_TRIES])
        if rota is None:
            rota = plan_period(
                session,
                groupement.id,
                monday,
                7,
                time_limit_s=PLAN_SECONDS,
                deterministic=True,
                now=published_moment(monday, zone) - timedelta(minutes=5),
            )
            if rota.solver_status not in ("optimal", "feasible"):
                raise RuntimeError(
                    f"la semaine du {monday} de la démonstration est sans planning "
                    f"({rota.solver_status} : {' ; '.join(map(str, rota.explanation))})"
                )
            rota.created_at = published_moment(monday, zone) - timedelta(minutes=5)
        _publish_on_time(session, rota, zone)
        rotas.append(rota)
        monday += timedelta(days=7)
    return rotas


def _replayed(
    session: Session,
    groupement: models.Groupement,
    codes: _Codes,
    zone: ZoneInfo,
    monday: date,
    sources: list[tuple[date, dict[str, Any]]],
) -> models.Rota | None:
    """Of `sources`, the one the checker accepts on `monday`'s week with the lowest objective
    there (the balances carried from the weeks before count in it, so a week replayed makes up
    what the last ones left over rather than repeating their deviation), staged as a draft with
    that objective and no bound (it was not solved for this week); None if none is accepted."""
    moment = published_moment(monday, zone) - timedelta(minutes=5)
    best: tuple[int, int, dict[str, int]] | None = None
    for index, (start, week) in enumerate(sources):
        rota = _replay(week, groupement.id, codes, zone, monday - start)
        session.add(rota)
        session.flush()
        violations, terms = evaluate_stored_rota(session, rota, now=moment)
        session.delete(rota)
        session.flush()
        if not violations and (best is None or sum(terms.values()) < best[0]):
            best = (sum(terms.values()), index, dict(terms))
    if best is None:
        return None
    objective, index, terms = best
    start, week = sources[index]
    rota = _replay(week, groupement.id, codes, zone, monday - start)
    rota.objective, rota.objective_terms = objective, terms
    session.add(rota)
    session.flush()
    return rota


def _replay(
    week: dict[str, Any], groupement_id: int, codes: _Codes, zone: ZoneInfo, shift: timedelta
) -> models.Rota:
    monday = date.fromisoformat(week["period_start"]) + shift
    rota = _staged(week, groupement_id, codes, zone, shift=shift, uid=f"demo-{monday:%Y%m%d}")
    rota.solver_status = "feasible"
    rota.bound = None
    rota.solve_seconds = 0.0
    rota.explanation = []
    return rota
