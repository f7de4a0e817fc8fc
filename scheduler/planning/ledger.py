"""The ledger: minutes each member received week by week, and absences recorded against it.

Functions here stage their work in the session and flush; the caller's unit of work (`scheduler.uow`) commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, select, union
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.audit import record_audit
from scheduler.contribution import monday_of
from scheduler.errors import (
    InvalidEdit,
    NotFound,
)
from scheduler.planning.instance import SLOT_MINUTES, local_time, share_plan_at
from solver import FIRST_DAY as FIRST_DAY
from solver import FIRST_YEAR as FIRST_YEAR
from solver import LAST_DAY as LAST_DAY
from solver import LAST_YEAR as LAST_YEAR
from solver import Violation as Violation  # re-exported for the web edge
from solver import model as sm
from solver import travel_credit


def _overlap_minutes(start: datetime, end: datetime, absences: Iterable[models.Absence]) -> int:
    total = 0
    for absence in absences:
        begin, finish = max(start, absence.start_at), min(end, absence.end_at)
        if finish > begin:
            total += int((finish - begin).total_seconds()) // 60
    return total


def refresh_ledger(session: Session, rota: models.Rota) -> None:
    """Rewrite the ledger of a published rota's weeks: planned minutes, and delivered ones net of
    the absences recorded since (for a week still to come, a forecast: the reports count it as
    delivered once the week is over)."""
    groupement = session.get(models.Groupement, rota.groupement_id)
    assert groupement is not None
    zone = ZoneInfo(groupement.timezone)
    planned: dict[tuple[int, int, int, date], int] = defaultdict(int)
    delivered: dict[tuple[int, int, int, date], int] = defaultdict(int)
    period_start = datetime.combine(rota.period_start, time(0), zone)
    period_end = period_start + timedelta(days=rota.period_days)
    absences: dict[int, list[models.Absence]] = defaultdict(list)
    for absence in session.scalars(
        select(models.Absence).where(
            models.Absence.assistant_id.in_({a.assistant_id for a in rota.assignments}),
            models.Absence.start_at < period_end,
            models.Absence.end_at > period_start,
        )
    ):
        absences[absence.assistant_id].append(absence)
    for row in rota.assignments:
        key = (
            row.contract_id,
            row.cabinet_id,
            row.assistant_id,
            monday_of(local_time(row.start_at, zone).date()),
        )
        minutes = int((row.end_at - row.start_at).total_seconds()) // 60
        planned[key] += minutes
        delivered[key] += minutes - _overlap_minutes(
            row.start_at, row.end_at, absences[row.assistant_id]
        )
    travel = _travel_credit(session, groupement, rota, zone, absences)
    for key, (credited, delivered_credit) in travel.items():
        planned[key] += credited
        delivered[key] += delivered_credit
    weeks = {monday_of(rota.period_start + timedelta(days=k)) for k in range(rota.period_days)}
    contract_ids = select(models.PooledContract.id).where(
        models.PooledContract.groupement_id == rota.groupement_id
    )
    session.execute(
        delete(models.LedgerEntry).where(
            models.LedgerEntry.week_start.in_(sorted(weeks)),
            models.LedgerEntry.contract_id.in_(contract_ids),
        )
    )
    for key in sorted(planned):
        contract_id, cabinet_id, assistant_id, week = key
        session.add(
            models.LedgerEntry(
                contract_id=contract_id,
                cabinet_id=cabinet_id,
                assistant_id=assistant_id,
                week_start=week,
                planned_minutes=planned[key],
                delivered_minutes=max(0, delivered[key]),
                travel_minutes=travel.get(key, (0, 0))[0],
                published_late=rota.published_at is not None
                and datetime.combine(week, time(0), zone) <= rota.published_at,
                rota_id=rota.id,
            )
        )
    session.flush()


def _travel_credit(
    session: Session,
    groupement: models.Groupement,
    rota: models.Rota,
    zone: ZoneInfo,
    absences: dict[int, list[models.Absence]],
) -> dict[tuple[int, int, int, date], tuple[int, int]]:
    """The members' parts of the travel, planned and delivered, per (contract, cabinet, assistant,
    week), when the groupement counts travel in the contracts (docs/rules.md): each leg counts
    for the contract of the assignment it leads to, rounded up to the grain and split by its share
    plan on the grain; what an absence covers of a leg is not delivered."""
    out: dict[tuple[int, int, int, date], tuple[int, int]] = {}
    if not groupement.travel_in_contract:
        return out
    arriving = {(a.assistant_id, a.cabinet_id, a.start_at): a for a in rota.assignments}
    for leg in rota.travel_legs:
        led_to = arriving.get((leg.assistant_id, leg.destination_id, leg.end_at))
        if led_to is None:
            continue
        contract = session.get(models.PooledContract, led_to.contract_id)
        assert contract is not None
        # Split as the planner splits it: its cabinet ids are the codes, which break the ties.
        plan = share_plan_at(contract, rota.period_start)
        ids = {s.cabinet.code: s.cabinet_id for s in plan.shares}
        shares = {sm.CabinetId(s.cabinet.code): s.share_bp for s in plan.shares}
        minutes = int((leg.end_at - leg.start_at).total_seconds()) // 60
        done = minutes - _overlap_minutes(leg.start_at, leg.end_at, absences[leg.assistant_id])
        week = monday_of(local_time(leg.start_at, zone).date())
        planned_split = travel_credit(minutes, shares, SLOT_MINUTES)
        delivered_split = travel_credit(max(0, done), shares, SLOT_MINUTES)
        for code, credit in planned_split.items():
            key = (contract.id, ids[code], leg.assistant_id, week)
            before = out.get(key, (0, 0))
            out[key] = (before[0] + credit, before[1] + delivered_split.get(code, 0))
    return out


def refresh_ledger_around(
    session: Session, assistant_id: int, start: datetime, end: datetime
) -> None:
    """Rewrite the ledger of the published rotas where the assistant works or travels between
    `start` and `end` (an absence was recorded, moved or withdrawn there)."""
    session.flush()
    overlapping = union(
        select(models.Assignment.rota_id).where(
            models.Assignment.assistant_id == assistant_id,
            models.Assignment.start_at < end,
            models.Assignment.end_at > start,
        ),
        select(models.TravelLeg.rota_id).where(
            models.TravelLeg.assistant_id == assistant_id,
            models.TravelLeg.start_at < end,
            models.TravelLeg.end_at > start,
        ),
    )
    affected = session.scalars(
        select(models.Rota)
        .where(models.Rota.status == models.RotaStatus.PUBLISHED, models.Rota.id.in_(overlapping))
        .order_by(models.Rota.id)
    ).all()
    for rota in affected:
        refresh_ledger(session, rota)


def record_absence(
    session: Session,
    assistant_id: int,
    kind: models.AbsenceKind,
    start: datetime,
    end: datetime,
    *,
    actor: models.User | None,
    reason: str | None = None,
    replaced: bool = False,
) -> models.Absence:
    """Record an absence; what published rotas planned in it is no longer counted as delivered."""
    assistant = session.get(models.Assistant, assistant_id)
    if assistant is None:
        raise NotFound("assistante", assistant_id)
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidEdit("les dates de l'absence doivent porter leur décalage UTC")
    if end <= start:
        raise InvalidEdit("la fin de l'absence doit suivre son début")
    absence = models.Absence(
        assistant_id=assistant_id,
        kind=kind,
        start_at=start,
        end_at=end,
        reason=reason,
        replaced=replaced,
    )
    session.add(absence)
    session.flush()
    refresh_ledger_around(session, assistant_id, start, end)
    record_audit(
        session,
        actor=actor,
        groupement_id=assistant.groupement_id,
        action="create",
        entity="absence",
        entity_id=absence.id,
        after={
            "assistant_id": assistant_id,
            "kind": kind.value,
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
        reason=reason,
    )
    return absence


def ledger(
    session: Session,
    groupement_id: int | None,
    *,
    contracts: ColumnElement[bool] | None = None,
    contract_id: int | None = None,
    cabinet_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[models.LedgerEntry]:
    """The hours ledger of a groupement (`None`: of every one), of the `contracts` only when
    given (a condition on `PooledContract`), filtered, ordered by week, contract and cabinet."""
    query = select(models.LedgerEntry).join(
        models.PooledContract, models.PooledContract.id == models.LedgerEntry.contract_id
    )
    if groupement_id is not None:
        query = query.where(models.PooledContract.groupement_id == groupement_id)
    if contracts is not None:
        query = query.where(contracts)
    if contract_id is not None:
        query = query.where(models.LedgerEntry.contract_id == contract_id)
    if cabinet_id is not None:
        query = query.where(models.LedgerEntry.cabinet_id == cabinet_id)
    if since is not None:
        query = query.where(models.LedgerEntry.week_start >= since)
    if until is not None:
        query = query.where(models.LedgerEntry.week_start < until)
    return list(
        session.scalars(
            query.order_by(
                models.LedgerEntry.week_start,
                models.LedgerEntry.contract_id,
                models.LedgerEntry.cabinet_id,
            )
        )
    )
