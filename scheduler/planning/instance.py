"""Reading the database into a solver instance, and stored rotas back into solver rotas.

Solver identifiers: an assistant is her `code`, a cabinet its `code`, and a solver contract is one
assistant's part of a pooled contract, `"<contract code>/<assistant code>"`.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from scheduler import models
from scheduler.contribution import add_years, monday_of
from scheduler.errors import (
    NotFound,
    NothingToPlan,
)
from solver import FIRST_DAY as FIRST_DAY
from solver import FIRST_YEAR as FIRST_YEAR
from solver import LAST_DAY as LAST_DAY
from solver import LAST_YEAR as LAST_YEAR
from solver import Violation as Violation  # re-exported for the web edge
from solver import model as sm
from solver import public_holiday

PUBLISHABLE = {"optimal", "feasible", "edited"}
MAX_PAUSE_MINUTES = 30


@dataclass(frozen=True)
class PlanningInput:
    """A solver instance and the maps back from its identifiers to database rows."""

    instance: sm.Instance
    groupement: models.Groupement
    zone: ZoneInfo
    assistants: dict[str, models.Assistant]
    cabinets: dict[str, models.Cabinet]
    contracts: dict[str, tuple[models.PooledContract, models.Assistant]]
    assistant_codes: dict[int, str] = field(default_factory=dict)
    cabinet_codes: dict[int, str] = field(default_factory=dict)
    contract_codes: dict[tuple[int, int], str] = field(default_factory=dict)


SLOT_MINUTES = 15
"""The service's planning grain: assignments start and end on the quarter hour, and a travel leg
that counts in a contract is credited rounded up to it."""


# --- Reading the database into an instance --------------------------------------------------------


def _window(weekday: int, start: int, end: int) -> sm.WeeklyWindow:
    return sm.WeeklyWindow(weekday=weekday, start=start, end=end)


def active_contracts(
    session: Session, groupement_id: int, start: date, days: int
) -> list[models.PooledContract]:
    """Contracts of the groupement that run over the whole period."""
    end = start + timedelta(days=days)
    contracts = session.scalars(
        select(models.PooledContract)
        .where(
            models.PooledContract.groupement_id == groupement_id,
            models.PooledContract.start_date <= start,
        )
        .options(
            selectinload(models.PooledContract.assistants).selectinload(
                models.ContractAssistant.assistant
            ),
            selectinload(models.PooledContract.share_plans).selectinload(models.SharePlan.shares),
        )
        .order_by(models.PooledContract.code)
    ).all()
    return [c for c in contracts if contract_end(c) >= end]


def contract_end(contract: models.PooledContract) -> date:
    """The day after the contract's last day (start plus its duration in years)."""
    start = contract.start_date
    try:
        return start.replace(year=start.year + contract.duration_years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + contract.duration_years, day=28)


def share_plan_at(contract: models.PooledContract, day: date) -> models.SharePlan:
    """The share plan in force on `day`."""
    plans = [p for p in contract.share_plans if p.valid_from <= day]
    if not plans:
        raise NotFound("plan de parts en vigueur pour le contrat", contract.code)
    return max(plans, key=lambda p: p.valid_from)


def published_rota(session: Session, groupement_id: int, period_start: date) -> models.Rota | None:
    return session.scalar(
        select(models.Rota).where(
            models.Rota.groupement_id == groupement_id,
            models.Rota.period_start == period_start,
            models.Rota.status == models.RotaStatus.PUBLISHED,
        )
    )


def local_time(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def build_instance(
    session: Session,
    groupement: models.Groupement,
    period_start: date,
    days: int,
    *,
    published: models.Rota | None = None,
    pinned: Sequence[models.Assignment] = (),
    protected_until: datetime | None = None,
) -> PlanningInput:
    """The solver instance for a groupement's period, with the published rota to keep stable."""
    zone = ZoneInfo(groupement.timezone)
    contracts = active_contracts(session, groupement.id, period_start, days)
    if not contracts:
        raise NothingToPlan(f"{period_start.isoformat()} (+{days} j)")

    assistants: dict[str, models.Assistant] = {}
    cabinets: dict[str, models.Cabinet] = {}
    solver_contracts: dict[str, tuple[models.PooledContract, models.Assistant]] = {}
    contract_rows: list[sm.Contract] = []
    for contract in contracts:
        plan = share_plan_at(contract, period_start)
        for link in contract.assistants:
            assistant = link.assistant
            assistants[assistant.code] = assistant
            cid = f"{contract.code}/{assistant.code}"
            solver_contracts[cid] = (contract, assistant)
            shares = {}
            for share in plan.shares:
                cabinet = session.get(models.Cabinet, share.cabinet_id)
                assert cabinet is not None
                cabinets[cabinet.code] = cabinet
                shares[sm.CabinetId(cabinet.code)] = share.share_bp
            contract_rows.append(
                sm.Contract(
                    id=sm.ContractId(cid),
                    assistant=sm.AssistantId(assistant.code),
                    weekly_minutes=link.weekly_minutes,
                    shares=shares,
                    balance_minutes=_balances(session, contract, assistant, plan, period_start),
                )
            )

    horizon_start = datetime.combine(period_start, time(0), zone)
    horizon_end = horizon_start + timedelta(days=days)
    assistant_rows = [
        _assistant(session, a, zone, horizon_start, horizon_end)
        for a in sorted(assistants.values(), key=lambda a: a.code)
    ]
    cabinet_rows = [
        _cabinet(session, c, period_start, days)
        for c in sorted(cabinets.values(), key=lambda c: c.code)
    ]

    ids = [c.id for c in cabinets.values()]
    travel: dict[tuple[sm.CabinetId, sm.CabinetId], int] = {}
    by_id = {c.id: c for c in cabinets.values()}
    for row in session.scalars(
        select(models.TravelTime).where(
            models.TravelTime.origin_id.in_(ids), models.TravelTime.destination_id.in_(ids)
        )
    ):
        travel[
            (sm.CabinetId(by_id[row.origin_id].code), sm.CabinetId(by_id[row.destination_id].code))
        ] = row.minutes

    planning = PlanningInput(
        instance=sm.Instance(
            timezone=groupement.timezone,
            start=period_start,
            days=days,
            slot_minutes=SLOT_MINUTES,
            assistants=tuple(assistant_rows),
            cabinets=tuple(cabinet_rows),
            contracts=tuple(contract_rows),
            travel_minutes=travel,
            rules=sm.Rules(
                travel_in_contract=groupement.travel_in_contract,
                complementary_accord=groupement.complementary_accord,
            ),
        ),
        groupement=groupement,
        zone=zone,
        assistants=assistants,
        cabinets=cabinets,
        contracts=solver_contracts,
        assistant_codes={a.id: code for code, a in assistants.items()},
        cabinet_codes={c.id: code for code, c in cabinets.items()},
        contract_codes={(c.id, a.id): cid for cid, (c, a) in solver_contracts.items()},
    )
    replan = sm.Replan(
        published=tuple(to_solver_assignment(planning, a) for a in published.assignments)
        if published
        else (),
        pinned=tuple(to_solver_assignment(planning, a) for a in pinned),
        protected_until=protected_until if published is not None else None,
    )
    return dataclasses.replace(
        planning, instance=dataclasses.replace(planning.instance, replan=replan)
    )


def _assistant(
    session: Session,
    assistant: models.Assistant,
    zone: ZoneInfo,
    horizon_start: datetime,
    horizon_end: datetime,
) -> sm.Assistant:
    leave = []
    absences = session.scalars(
        select(models.Absence)
        .where(
            models.Absence.assistant_id == assistant.id,
            models.Absence.end_at > horizon_start,
            models.Absence.start_at < horizon_end,
        )
        .order_by(models.Absence.start_at)
    )
    for absence in absences:
        start, end = local_time(absence.start_at, zone), local_time(absence.end_at, zone)
        whole = start.time() == time(0) and end.time() == time(0)
        leave.append(sm.Leave(start=start, end=end, whole_days=whole))
    return sm.Assistant(
        id=sm.AssistantId(assistant.code),
        name=assistant.full_name,
        availability=tuple(
            _window(w.weekday, w.start_minute, w.end_minute) for w in assistant.availability
        ),
        leave=tuple(leave),
        preferences=sm.Preferences(
            days_off=tuple(int(d) for d in assistant.preferred_days_off),
            earliest_start=assistant.earliest_start_minute,
            latest_end=assistant.latest_end_minute,
        ),
        worked_minutes_before=_worked_before(session, assistant, horizon_start.date(), zone),
    )


def _cabinet(
    session: Session, cabinet: models.Cabinet, period_start: date, days: int
) -> sm.Cabinet:
    requests = session.scalars(
        select(models.PresenceRequest).where(
            models.PresenceRequest.cabinet_id == cabinet.id,
            models.PresenceRequest.request_date >= period_start,
            models.PresenceRequest.request_date < period_start + timedelta(days=days),
        )
    ).all()
    return sm.Cabinet(
        id=sm.CabinetId(cabinet.code),
        name=cabinet.name,
        opening=tuple(_window(w.weekday, w.start_minute, w.end_minute) for w in cabinet.opening),
        department=cabinet.department,
        sessions=tuple(
            sm.Session(s.weekday, s.start_minute, s.end_minute, s.weight) for s in cabinet.sessions
        ),
        requests=tuple(
            sm.DatedRequest(r.request_date, r.start_minute, r.end_minute, r.weight)
            for r in requests
        ),
        places=cabinet.places,
    )


def _worked_before(
    session: Session, assistant: models.Assistant, start: date, zone: ZoneInfo
) -> tuple[int, ...]:
    """Effective work (assignments and travel) of the 11 civil weeks before `start`, oldest first."""
    first_week = monday_of(start) - timedelta(weeks=11)
    since = datetime.combine(first_week, time(0), zone)
    until = datetime.combine(monday_of(start), time(0), zone)
    totals: dict[date, int] = defaultdict(int)
    for model_ in (models.Assignment, models.TravelLeg):
        rows = session.execute(
            select(model_.start_at, model_.end_at)
            .join(models.Rota, models.Rota.id == model_.rota_id)
            .where(
                model_.assistant_id == assistant.id,
                models.Rota.status == models.RotaStatus.PUBLISHED,
                model_.start_at >= since,
                model_.start_at < until,
            )
        ).all()
        for begin, end in rows:
            totals[monday_of(local_time(begin, zone).date())] += (
                int((end - begin).total_seconds()) // 60
            )
    if not totals:
        return ()
    return tuple(totals.get(first_week + timedelta(weeks=k), 0) for k in range(11))


def quarter_start(day: date) -> date:
    """First day of the civil quarter of `day` (the balancing period of the shares)."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def balancing_start(contract: models.PooledContract, day: date) -> date:
    """The first day of the balancing period holding `day`: its civil quarter, its half-year
    (1 January or 1 July), or its contract year (the contract's last anniversary on or before
    it)."""
    period = models.BalancingPeriod(contract.balancing_period)
    if period is models.BalancingPeriod.QUARTER:
        return quarter_start(day)
    if period is models.BalancingPeriod.HALF_YEAR:
        return date(day.year, 1 if day.month <= 6 else 7, 1)
    years = day.year - contract.start_date.year
    anniversary = add_years(contract.start_date, years)
    return anniversary if anniversary <= day else add_years(contract.start_date, years - 1)


def _balances(
    session: Session,
    contract: models.PooledContract,
    assistant: models.Assistant,
    plan: models.SharePlan,
    start: date,
) -> dict[sm.CabinetId, int]:
    """Per cabinet, minutes delivered minus its share of what was delivered, in the contract's
    balancing period so far (`balancing_start`)."""
    rows = session.execute(
        select(models.LedgerEntry.cabinet_id, func.sum(models.LedgerEntry.delivered_minutes))
        .where(
            models.LedgerEntry.contract_id == contract.id,
            models.LedgerEntry.assistant_id == assistant.id,
            models.LedgerEntry.week_start >= monday_of(balancing_start(contract, start)),
            models.LedgerEntry.week_start < monday_of(start),
        )
        .group_by(models.LedgerEntry.cabinet_id)
    ).all()
    delivered = {cabinet_id: int(total or 0) for cabinet_id, total in rows}
    total = sum(delivered.values())
    if total == 0:
        return {}
    balances: dict[sm.CabinetId, int] = {}
    for share in plan.shares:
        cabinet = session.get(models.Cabinet, share.cabinet_id)
        assert cabinet is not None
        balances[sm.CabinetId(cabinet.code)] = delivered.get(share.cabinet_id, 0) - round(
            total * share.share_bp / 10_000
        )
    return balances


# --- Converting rotas ------------------------------------------------------------------------------


def to_solver_assignment(planning: PlanningInput, row: models.Assignment) -> sm.Assignment:
    """A stored assignment in the solver's terms."""
    return sm.Assignment(
        assistant=sm.AssistantId(planning.assistant_codes[row.assistant_id]),
        contract=sm.ContractId(planning.contract_codes[(row.contract_id, row.assistant_id)]),
        cabinet=sm.CabinetId(planning.cabinet_codes[row.cabinet_id]),
        start=local_time(row.start_at, planning.zone),
        end=local_time(row.end_at, planning.zone),
    )


def to_solver_rota(planning: PlanningInput, rota: models.Rota) -> sm.Rota:
    """A stored rota in the solver's terms (for the checker and for hints)."""
    return sm.Rota(
        status=sm.Status.FEASIBLE,
        assignments=tuple(to_solver_assignment(planning, a) for a in rota.assignments),
        travel=tuple(
            sm.TravelLeg(
                assistant=sm.AssistantId(planning.assistant_codes[t.assistant_id]),
                origin=sm.CabinetId(planning.cabinet_codes[t.origin_id]),
                destination=sm.CabinetId(planning.cabinet_codes[t.destination_id]),
                start=local_time(t.start_at, planning.zone),
                end=local_time(t.end_at, planning.zone),
            )
            for t in rota.travel_legs
        ),
        breaks=tuple(
            sm.Break(
                assistant=sm.AssistantId(planning.assistant_codes[b.assistant_id]),
                start=local_time(b.start_at, planning.zone),
                end=local_time(b.end_at, planning.zone),
            )
            for b in rota.breaks
        ),
    )


def identity(
    assistant_id: int, place: tuple[int, ...], start: datetime, zone: ZoneInfo
) -> tuple[Any, ...]:
    return (assistant_id, local_time(start, zone).date(), place)


def carry_uids(
    rows: Iterable[Any], previous: Iterable[Any], key: Callable[[Any], tuple[Any, ...]]
) -> None:
    """Give each new row the uid of the matching previous row (same assistant, day and place)."""
    pool: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for old in sorted(previous, key=lambda r: r.start_at):
        pool[key(old)].append(old)
    for row in sorted(rows, key=lambda r: r.start_at):
        matches = pool.get(key(row))
        row.uid = matches.pop(0).uid if matches else uuid.uuid4().hex


def public_holidays(
    cabinets: Iterable[models.Cabinet], start: date, days: int
) -> dict[date, list[tuple[models.Cabinet, str]]]:
    """The cabinets closed for a public holiday of their département on each day of the period
    that has one, with the holiday's French name."""
    closed: dict[date, list[tuple[models.Cabinet, str]]] = {}
    for offset in range(days):
        day = start + timedelta(days=offset)
        if not FIRST_DAY <= day <= LAST_DAY:
            continue
        for cabinet in cabinets:
            name = public_holiday(day, cabinet.department)
            if name is not None:
                closed.setdefault(day, []).append((cabinet, name))
    return closed
