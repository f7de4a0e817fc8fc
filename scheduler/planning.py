"""The planning workflow: from the database to the solver and back, edits, publication, ledger.

Functions here stage their work in the session and flush; the caller's unit of work commits once
(`scheduler.db.unit_of_work`, the API's session dependency, the jobs process), so a use case is
all or nothing.

Solver identifiers: an assistant is her `code`, a cabinet its `code`, and a solver contract is one
assistant's part of a pooled contract, `"<contract code>/<assistant code>"`.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from scheduler import models
from scheduler.audit import record_audit
from scheduler.errors import (
    InvalidEdit,
    NotFound,
    NothingToPlan,
    NoticeRequired,
    PeriodOverlap,
    PlanningInputsChanged,
    PlanningStopped,
    RotaNotDraft,
    RotaNotPublishable,
)
from scheduler.french import weekday_date
from scheduler.scheduled import rota_events

# The years the service can plan, re-exported for the web edge's bounds.
from solver import FIRST_DAY as FIRST_DAY
from solver import FIRST_YEAR as FIRST_YEAR
from solver import LAST_DAY as LAST_DAY
from solver import LAST_YEAR as LAST_YEAR
from solver import Progress, check_rota, solve
from solver import Violation as Violation  # re-exported for the web edge
from solver import model as sm

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


def _published_rota(session: Session, groupement_id: int, period_start: date) -> models.Rota | None:
    return session.scalar(
        select(models.Rota).where(
            models.Rota.groupement_id == groupement_id,
            models.Rota.period_start == period_start,
            models.Rota.status == models.RotaStatus.PUBLISHED,
        )
    )


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
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
            slot_minutes=15,
            assistants=tuple(assistant_rows),
            cabinets=tuple(cabinet_rows),
            contracts=tuple(contract_rows),
            travel_minutes=travel,
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
        start, end = _local(absence.start_at, zone), _local(absence.end_at, zone)
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


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _worked_before(
    session: Session, assistant: models.Assistant, start: date, zone: ZoneInfo
) -> tuple[int, ...]:
    """Effective work (assignments and travel) of the 11 civil weeks before `start`, oldest first."""
    first_week = _monday(start) - timedelta(weeks=11)
    since = datetime.combine(first_week, time(0), zone)
    until = datetime.combine(_monday(start), time(0), zone)
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
            totals[_monday(_local(begin, zone).date())] += int((end - begin).total_seconds()) // 60
    if not totals:
        return ()
    return tuple(totals.get(first_week + timedelta(weeks=k), 0) for k in range(11))


def quarter_start(day: date) -> date:
    """First day of the civil quarter of `day` (the balancing period of the shares)."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _balances(
    session: Session,
    contract: models.PooledContract,
    assistant: models.Assistant,
    plan: models.SharePlan,
    start: date,
) -> dict[sm.CabinetId, int]:
    """Per cabinet, minutes delivered minus its share of what was delivered, this quarter so far."""
    rows = session.execute(
        select(models.LedgerEntry.cabinet_id, func.sum(models.LedgerEntry.delivered_minutes))
        .where(
            models.LedgerEntry.contract_id == contract.id,
            models.LedgerEntry.assistant_id == assistant.id,
            models.LedgerEntry.week_start >= _monday(quarter_start(start)),
            models.LedgerEntry.week_start < _monday(start),
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
        start=_local(row.start_at, planning.zone),
        end=_local(row.end_at, planning.zone),
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
                start=_local(t.start_at, planning.zone),
                end=_local(t.end_at, planning.zone),
            )
            for t in rota.travel_legs
        ),
        breaks=tuple(
            sm.Break(
                assistant=sm.AssistantId(planning.assistant_codes[b.assistant_id]),
                start=_local(b.start_at, planning.zone),
                end=_local(b.end_at, planning.zone),
            )
            for b in rota.breaks
        ),
    )


def _identity(
    assistant_id: int, place: tuple[int, ...], start: datetime, zone: ZoneInfo
) -> tuple[Any, ...]:
    return (assistant_id, _local(start, zone).date(), place)


def _carry_uids(
    rows: Iterable[Any], previous: Iterable[Any], key: Callable[[Any], tuple[Any, ...]]
) -> None:
    """Give each new row the uid of the matching previous row (same assistant, day and place)."""
    pool: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for old in sorted(previous, key=lambda r: r.start_at):
        pool[key(old)].append(old)
    for row in sorted(rows, key=lambda r: r.start_at):
        matches = pool.get(key(row))
        row.uid = matches.pop(0).uid if matches else uuid.uuid4().hex


# --- Planning ---------------------------------------------------------------------------------------


def _next_revision(session: Session, groupement_id: int, period_start: date) -> int:
    current = session.scalar(
        select(func.max(models.Rota.revision)).where(
            models.Rota.groupement_id == groupement_id, models.Rota.period_start == period_start
        )
    )
    return int(current or 0) + 1


def _check_overlap(session: Session, groupement_id: int, period_start: date, days: int) -> None:
    end = period_start + timedelta(days=days)
    for other in session.scalars(
        select(models.Rota).where(
            models.Rota.groupement_id == groupement_id,
            models.Rota.status == models.RotaStatus.PUBLISHED,
            models.Rota.period_start != period_start,
        )
    ):
        other_end = other.period_start + timedelta(days=other.period_days)
        if other.period_start < end and period_start < other_end:
            raise PeriodOverlap(period_start.isoformat(), other.period_start.isoformat())


def plan_period(
    session: Session,
    groupement_id: int,
    period_start: date,
    days: int,
    *,
    time_limit_s: float,
    deterministic: bool = False,
    based_on_id: int | None = None,
    actor: models.User | None = None,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    release_reads: bool = False,
    now: datetime | None = None,
) -> models.Rota:
    """Plan a period and stage the result as a new draft revision.

    The published rota of the period, if any, is kept stable (its protected window unchanged);
    pinned assignments of `based_on_id` (a draft) are kept as they are. When `should_stop` stops
    the solve, nothing is staged and `PlanningStopped` is raised. With `release_reads` (for a
    session that holds nothing staged, as a plan run's or the CLI's), the read transaction ends
    before the solve and the draft is staged in a new one: a solve of minutes then holds no
    transaction, which on SQLite would keep the single writer's slot from everybody else (a
    report rendered, a coordinator's edit, the jobs process claiming runs) all along.
    """
    groupement = session.get(models.Groupement, groupement_id)
    if groupement is None:
        raise NotFound("groupement", groupement_id)
    _check_overlap(session, groupement_id, period_start, days)
    now = now or datetime.now(UTC)
    published = _published_rota(session, groupement_id, period_start)
    based_on = session.get(models.Rota, based_on_id) if based_on_id is not None else published
    if based_on_id is not None and (based_on is None or based_on.groupement_id != groupement_id):
        raise NotFound("planning", based_on_id)
    pinned = [a for a in based_on.assignments if a.pinned] if based_on is not None else []
    notice = sm.Rules().notice_days
    planning = build_instance(
        session,
        groupement,
        period_start,
        days,
        published=published,
        pinned=pinned,
        protected_until=now + timedelta(days=notice),
    )
    hint = to_solver_rota(planning, based_on) if based_on is not None else None
    pinned_keys = {(a.assistant_id, a.cabinet_id, a.start_at, a.end_at) for a in pinned}
    published_id = published.id if published is not None else None
    based_on_key = based_on.id if based_on is not None else None
    if release_reads:
        session.rollback()  # only reads so far
    result = solve(
        planning.instance,
        time_limit_s=time_limit_s,
        deterministic=deterministic,
        progress=progress,
        hint=hint,
        should_stop=should_stop,
    )
    if result.stopped:
        raise PlanningStopped()
    if release_reads:
        # Read again what the draft hangs on: a publication, or the base draft deleted, while
        # the solver worked would make this draft wrong.
        _check_overlap(session, groupement_id, period_start, days)
        now_published = _published_rota(session, groupement_id, period_start)
        if (now_published.id if now_published is not None else None) != published_id:
            raise PlanningInputsChanged("le planning publié de la période")
        based_on = session.get(models.Rota, based_on_key) if based_on_key is not None else None
        if based_on_key is not None and based_on is None:
            raise PlanningInputsChanged("le brouillon de départ")
    rota = store_rota(session, planning, result, based_on=based_on, actor=actor)
    for row in rota.assignments:
        row.pinned = (row.assistant_id, row.cabinet_id, row.start_at, row.end_at) in pinned_keys
    record_audit(
        session,
        actor=actor,
        groupement_id=groupement_id,
        action="plan",
        entity="rota",
        entity_id=rota.id,
        after={
            "period_start": period_start.isoformat(),
            "days": days,
            "status": result.status.value,
            "objective": result.objective,
            "bound": result.bound,
        },
    )
    session.flush()
    return rota


def store_rota(
    session: Session,
    planning: PlanningInput,
    result: sm.Rota,
    *,
    based_on: models.Rota | None,
    actor: models.User | None,
) -> models.Rota:
    """Stage a solver answer as a draft rota, carrying feed identities over from `based_on`."""
    groupement = planning.groupement
    instance = planning.instance
    rota = models.Rota(
        groupement_id=groupement.id,
        period_start=instance.start,
        period_days=instance.days,
        revision=_next_revision(session, groupement.id, instance.start),
        status=models.RotaStatus.DRAFT,
        solver_status=result.status.value,
        objective=result.objective,
        bound=result.bound,
        solve_seconds=round(result.solve_seconds, 3),
        objective_terms=dict(result.objective_terms),
        explanation=list(result.explanation),
        based_on_id=based_on.id if based_on is not None else None,
        created_by_id=actor.id if actor is not None else None,
    )
    for item in result.assignments:
        contract, assistant = planning.contracts[item.contract]
        rota.assignments.append(
            models.Assignment(
                assistant_id=assistant.id,
                contract_id=contract.id,
                cabinet_id=planning.cabinets[item.cabinet].id,
                start_at=item.start,
                end_at=item.end,
                uid="",
            )
        )
    for leg in result.travel:
        rota.travel_legs.append(
            models.TravelLeg(
                assistant_id=planning.assistants[leg.assistant].id,
                origin_id=planning.cabinets[leg.origin].id,
                destination_id=planning.cabinets[leg.destination].id,
                start_at=leg.start,
                end_at=leg.end,
                uid="",
            )
        )
    for pause in result.breaks:
        rota.breaks.append(
            models.RotaBreak(
                assistant_id=planning.assistants[pause.assistant].id,
                start_at=pause.start,
                end_at=pause.end,
            )
        )
    _assign_uids(rota, based_on, planning.zone)
    session.add(rota)
    session.flush()
    return rota


def _assign_uids(rota: models.Rota, previous: models.Rota | None, zone: ZoneInfo) -> None:
    _carry_uids(
        rota.assignments,
        previous.assignments if previous else (),
        lambda r: _identity(r.assistant_id, (r.cabinet_id,), r.start_at, zone),
    )
    _carry_uids(
        rota.travel_legs,
        previous.travel_legs if previous else (),
        lambda r: _identity(r.assistant_id, (r.origin_id, r.destination_id), r.start_at, zone),
    )


# --- Checking and editing ------------------------------------------------------------------------


def _rota(session: Session, rota_id: int) -> models.Rota:
    rota = session.get(models.Rota, rota_id)
    if rota is None:
        raise NotFound("planning", rota_id)
    return rota


def planning_for(
    session: Session, rota: models.Rota, *, now: datetime | None = None
) -> PlanningInput:
    """The instance a stored rota answers: its period with today's data, its own pins, and the
    period's published rota with the notice window counted from `now`."""
    groupement = session.get(models.Groupement, rota.groupement_id)
    assert groupement is not None
    published = _published_rota(session, rota.groupement_id, rota.period_start)
    now = now or datetime.now(UTC)
    return build_instance(
        session,
        groupement,
        rota.period_start,
        rota.period_days,
        published=published if published is not None and published.id != rota.id else None,
        pinned=[a for a in rota.assignments if a.pinned],
        protected_until=now + timedelta(days=sm.Rules().notice_days),
    )


def check_stored_rota(
    session: Session, rota_id: int, *, now: datetime | None = None
) -> list[Violation]:
    """Every hard rule the stored rota breaks, from the independent checker.

    Changes inside the notice window are not rule breaks here: publication refuses them unless
    the coordinator acknowledges them with a reason (`publish_rota`).
    """
    rota = _rota(session, rota_id)
    planning = planning_for(session, rota, now=now)
    violations = check_rota(planning.instance, to_solver_rota(planning, rota))
    return [v for v in violations if v.rule != "protected-window"]


@dataclass(frozen=True)
class MoveAssignment:
    """Move an assignment to other times, and optionally another cabinet."""

    assignment_id: int
    start: datetime
    end: datetime
    cabinet_id: int | None = None


@dataclass(frozen=True)
class AddAssignment:
    """Add an assignment."""

    assistant_id: int
    contract_id: int
    cabinet_id: int
    start: datetime
    end: datetime
    pinned: bool = False


@dataclass(frozen=True)
class DeleteAssignment:
    """Remove an assignment."""

    assignment_id: int


@dataclass(frozen=True)
class PinAssignment:
    """Pin (or unpin) an assignment so that re-planning keeps it."""

    assignment_id: int
    pinned: bool = True


Edit = MoveAssignment | AddAssignment | DeleteAssignment | PinAssignment


def _snapshot(row: models.Assignment) -> dict[str, Any]:
    return {
        "assistant_id": row.assistant_id,
        "contract_id": row.contract_id,
        "cabinet_id": row.cabinet_id,
        "start": row.start_at.isoformat(),
        "end": row.end_at.isoformat(),
        "pinned": row.pinned,
    }


def edit_rota(
    session: Session, rota_id: int, edit: Edit, *, actor: models.User | None
) -> list[Violation]:
    """Apply one edit to a draft, re-derive the day's travel legs and breaks, and check the rota."""
    rota = _rota(session, rota_id)
    if rota.status != models.RotaStatus.DRAFT:
        raise RotaNotDraft(rota.id, rota.status.value)
    planning = planning_for(session, rota)
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    touched: set[tuple[int, date]] = set()
    if isinstance(edit, AddAssignment):
        _edit_times(planning, edit.start, edit.end)
        if (edit.contract_id, edit.assistant_id) not in planning.contract_codes:
            raise InvalidEdit("cette assistante n'a pas de part dans ce contrat sur la période")
        if edit.cabinet_id not in planning.cabinet_codes:
            raise InvalidEdit("ce cabinet n'est membre d'aucun contrat planifié sur la période")
        row = models.Assignment(
            assistant_id=edit.assistant_id,
            contract_id=edit.contract_id,
            cabinet_id=edit.cabinet_id,
            start_at=edit.start,
            end_at=edit.end,
            pinned=edit.pinned,
            uid=uuid.uuid4().hex,
        )
        rota.assignments.append(row)
        after = _snapshot(row)
        touched.add((row.assistant_id, _local(row.start_at, planning.zone).date()))
    else:
        row = _assignment_of(rota, edit.assignment_id)
        before = _snapshot(row)
        touched.add((row.assistant_id, _local(row.start_at, planning.zone).date()))
        if isinstance(edit, MoveAssignment):
            _edit_times(planning, edit.start, edit.end)
            if edit.cabinet_id is not None:
                if edit.cabinet_id not in planning.cabinet_codes:
                    raise InvalidEdit(
                        "ce cabinet n'est membre d'aucun contrat planifié sur la période"
                    )
                row.cabinet_id = edit.cabinet_id
            row.start_at, row.end_at = edit.start, edit.end
            after = _snapshot(row)
            touched.add((row.assistant_id, _local(row.start_at, planning.zone).date()))
        elif isinstance(edit, DeleteAssignment):
            rota.assignments.remove(row)
            session.delete(row)
        else:
            row.pinned = edit.pinned
            after = _snapshot(row)
    rota.solver_status = "edited"
    session.flush()
    for assistant_id, day in sorted(touched):
        _rederive_day(session, rota, planning, assistant_id, day)
    record_audit(
        session,
        actor=actor,
        groupement_id=rota.groupement_id,
        action=f"edit:{type(edit).__name__}",
        entity="rota",
        entity_id=rota.id,
        before=before,
        after=after,
    )
    session.flush()
    return check_stored_rota(session, rota.id)  # pins are the rota's own, so check after the edit


def _assignment_of(rota: models.Rota, assignment_id: int) -> models.Assignment:
    for row in rota.assignments:
        if row.id == assignment_id:
            return row
    raise NotFound("affectation", assignment_id)


def _edit_times(planning: PlanningInput, start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidEdit("les heures doivent porter leur décalage UTC")
    if end <= start:
        raise InvalidEdit("la fin doit suivre le début")
    first = datetime.combine(planning.instance.start, time(0), planning.zone)
    if start < first or end > first + timedelta(days=planning.instance.days):
        raise InvalidEdit("l'affectation sort de la période du planning")
    if (
        _local(start, planning.zone).date()
        != _local(end - timedelta(microseconds=1), planning.zone).date()
    ):
        raise InvalidEdit("une affectation ne passe pas minuit")


def _rederive_day(
    session: Session, rota: models.Rota, planning: PlanningInput, assistant_id: int, day: date
) -> None:
    """Rebuild an assistant's travel legs and breaks for one day from her assignments."""
    zone = planning.zone

    def on_day(start: datetime) -> bool:
        return _local(start, zone).date() == day

    old_legs = [
        t for t in rota.travel_legs if t.assistant_id == assistant_id and on_day(t.start_at)
    ]
    for leg in old_legs:
        rota.travel_legs.remove(leg)
        session.delete(leg)
    for pause in [b for b in rota.breaks if b.assistant_id == assistant_id and on_day(b.start_at)]:
        rota.breaks.remove(pause)
        session.delete(pause)
    session.flush()  # the old legs' rows go before new ones may take their uids
    day_rows = sorted(
        (a for a in rota.assignments if a.assistant_id == assistant_id and on_day(a.start_at)),
        key=lambda a: a.start_at,
    )
    new_legs: list[models.TravelLeg] = []
    rules = planning.instance.rules
    for first, second in zip(day_rows, day_rows[1:], strict=False):
        gap = int((second.start_at - first.end_at).total_seconds()) // 60
        if first.cabinet_id != second.cabinet_id:
            minutes = planning.instance.travel(
                sm.CabinetId(planning.cabinet_codes[first.cabinet_id]),
                sm.CabinetId(planning.cabinet_codes[second.cabinet_id]),
            )
            if minutes is not None and 0 < minutes <= gap:
                leg = models.TravelLeg(
                    assistant_id=assistant_id,
                    origin_id=first.cabinet_id,
                    destination_id=second.cabinet_id,
                    start_at=second.start_at - timedelta(minutes=minutes),
                    end_at=second.start_at,
                    uid="",
                )
                new_legs.append(leg)
                rota.travel_legs.append(leg)
        elif rules.break_minutes <= gap <= MAX_PAUSE_MINUTES:
            rota.breaks.append(
                models.RotaBreak(
                    assistant_id=assistant_id, start_at=first.end_at, end_at=second.start_at
                )
            )
    _carry_uids(
        new_legs,
        old_legs,
        lambda r: _identity(r.assistant_id, (r.origin_id, r.destination_id), r.start_at, zone),
    )
    session.flush()


# --- Publication, notices and the ledger ---------------------------------------------------------


def _describe(
    row: models.Assignment | models.TravelLeg | models.CancelledEvent,
    session: Session,
    zone: ZoneInfo,
) -> str:
    start, end = _local(row.start_at, zone), _local(row.end_at, zone)
    cabinet_id = getattr(row, "cabinet_id", None) or getattr(row, "origin_id", None)
    cabinet = session.get(models.Cabinet, cabinet_id) if cabinet_id is not None else None
    place = cabinet.name if cabinet is not None else "trajet"
    return f"{weekday_date(start.date())}, {place} {start:%H:%M}–{end:%H:%M}"


@dataclass(frozen=True)
class _Change:
    assistant_id: int
    cabinet_ids: tuple[int, ...]
    before: models.Assignment | None
    after: models.Assignment | None
    earliest: datetime
    description: str


def _diff(session: Session, old: models.Rota, new: models.Rota, zone: ZoneInfo) -> list[_Change]:
    old_rows = {a.uid: a for a in old.assignments}
    new_rows = {a.uid: a for a in new.assignments}
    changes: list[_Change] = []
    names = {
        a.id: a.full_name
        for a in session.scalars(
            select(models.Assistant).where(models.Assistant.groupement_id == new.groupement_id)
        )
    }
    for uid in sorted(old_rows.keys() | new_rows.keys()):
        before, after = old_rows.get(uid), new_rows.get(uid)
        if before is not None and after is not None:
            if (before.cabinet_id, before.start_at, before.end_at) == (
                after.cabinet_id,
                after.start_at,
                after.end_at,
            ):
                continue
            text = (
                f"{_describe(before, session, zone)} remplacé par {_describe(after, session, zone)}"
            )
        elif before is not None:
            text = f"{_describe(before, session, zone)} supprimé"
        else:
            assert after is not None
            text = f"{_describe(after, session, zone)} ajouté"
        rows = [r for r in (before, after) if r is not None]
        changes.append(
            _Change(
                assistant_id=rows[0].assistant_id,
                cabinet_ids=tuple(sorted({r.cabinet_id for r in rows})),
                before=before,
                after=after,
                earliest=min(r.start_at for r in rows),
                description=f"{names.get(rows[0].assistant_id, '')} : {text}",
            )
        )
    return changes


def publish_rota(
    session: Session,
    rota_id: int,
    *,
    actor: models.User | None,
    acknowledged_reason: str | None = None,
    now: datetime | None = None,
) -> models.Rota:
    """Publish a valid draft: it becomes immutable, the previous version is superseded, change
    notices are written, the ledger and the calendar feeds are brought up to date.

    Raises:
        RotaNotDraft: the rota is already published or superseded.
        RotaNotPublishable: it has no valid solution or breaks a hard rule.
        NoticeRequired: a change falls inside the notice window and no reason was given.
    """
    from scheduler.feeds import refresh_feeds  # feeds render from published rotas only

    now = now or datetime.now(UTC)
    rota = _rota(session, rota_id)
    if rota.status != models.RotaStatus.DRAFT:
        raise RotaNotDraft(rota.id, rota.status.value)
    if rota.solver_status not in PUBLISHABLE:
        raise RotaNotPublishable(
            rota.id, list(rota.explanation) or [f"statut du solveur : {rota.solver_status}"]
        )
    violations = check_stored_rota(session, rota.id, now=now)
    if violations:
        raise RotaNotPublishable(rota.id, [v.message for v in violations])
    _check_overlap(session, rota.groupement_id, rota.period_start, rota.period_days)
    groupement = session.get(models.Groupement, rota.groupement_id)
    assert groupement is not None
    zone = ZoneInfo(groupement.timezone)
    previous = _published_rota(session, rota.groupement_id, rota.period_start)
    notice_days = sm.Rules().notice_days
    cutoff = now + timedelta(days=notice_days)
    changes = _diff(session, previous, rota, zone) if previous is not None else []
    # Everything that starts before the end of the notice window, past hours included.
    urgent = [c for c in changes if c.earliest < cutoff]
    if urgent and not (acknowledged_reason and acknowledged_reason.strip()):
        raise NoticeRequired([c.description for c in urgent], notice_days)

    if previous is not None:
        _bump_sequences(rota, previous)
        _cancel_withdrawn(session, rota, previous)
        previous.status = models.RotaStatus.SUPERSEDED
        session.flush()
        for change in changes:
            session.add(
                models.ChangeNotice(
                    groupement_id=rota.groupement_id,
                    rota_id=rota.id,
                    assistant_id=change.assistant_id,
                    cabinet_ids=list(change.cabinet_ids),
                    before=_snapshot(change.before) if change.before else None,
                    after=_snapshot(change.after) if change.after else None,
                    description=change.description,
                    within_notice=change in urgent,
                    acknowledged_reason=acknowledged_reason.strip()
                    if change in urgent and acknowledged_reason
                    else None,
                    created_by_id=actor.id if actor is not None else None,
                )
            )
    session.execute(
        delete(models.CancelledEvent).where(
            models.CancelledEvent.uid.in_(
                [a.uid for a in rota.assignments] + [t.uid for t in rota.travel_legs]
            )
        )
    )
    rota.status = models.RotaStatus.PUBLISHED
    rota.published_at = now
    rota.published_by_id = actor.id if actor is not None else None
    session.flush()
    refresh_ledger(session, rota)
    record_audit(
        session,
        actor=actor,
        groupement_id=rota.groupement_id,
        action="publish",
        entity="rota",
        entity_id=rota.id,
        before={"superseded": previous.id} if previous is not None else None,
        after={
            "period_start": rota.period_start.isoformat(),
            "revision": rota.revision,
            "changes": len(changes),
        },
        reason=acknowledged_reason,
    )
    refresh_feeds(session, rota.groupement_id, now=now)
    session.flush()
    return rota


def _bump_sequences(rota: models.Rota, previous: models.Rota) -> None:
    old_assignments = {a.uid: a for a in previous.assignments}
    for row in rota.assignments:
        old = old_assignments.get(row.uid)
        if old is not None:
            changed = (old.cabinet_id, old.start_at, old.end_at) != (
                row.cabinet_id,
                row.start_at,
                row.end_at,
            )
            row.sequence = old.sequence + (1 if changed else 0)
    old_legs = {t.uid: t for t in previous.travel_legs}
    for leg in rota.travel_legs:
        old_leg = old_legs.get(leg.uid)
        if old_leg is not None:
            changed = (old_leg.start_at, old_leg.end_at) != (leg.start_at, leg.end_at)
            leg.sequence = old_leg.sequence + (1 if changed else 0)


def _cancel_withdrawn(session: Session, rota: models.Rota, previous: models.Rota) -> None:
    kept = {event.uid for event in rota_events(rota)}
    for event in rota_events(previous):
        if event.uid not in kept:
            session.add(event.withdrawn(groupement_id=rota.groupement_id, rota_id=rota.id))


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
            _monday(_local(row.start_at, zone).date()),
        )
        minutes = int((row.end_at - row.start_at).total_seconds()) // 60
        planned[key] += minutes
        delivered[key] += minutes - _overlap_minutes(
            row.start_at, row.end_at, absences[row.assistant_id]
        )
    weeks = {_monday(rota.period_start + timedelta(days=k)) for k in range(rota.period_days)}
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
                rota_id=rota.id,
            )
        )
    session.flush()


def refresh_ledger_around(
    session: Session, assistant_id: int, start: datetime, end: datetime
) -> None:
    """Rewrite the ledger of the published rotas where the assistant works between `start` and
    `end` (an absence was recorded, moved or withdrawn there)."""
    session.flush()
    overlapping = select(models.Assignment.rota_id).where(
        models.Assignment.assistant_id == assistant_id,
        models.Assignment.start_at < end,
        models.Assignment.end_at > start,
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
    groupement_id: int,
    *,
    contract_id: int | None = None,
    cabinet_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[models.LedgerEntry]:
    """The hours ledger of a groupement, filtered, ordered by week, contract and cabinet."""
    query = (
        select(models.LedgerEntry)
        .join(models.PooledContract, models.PooledContract.id == models.LedgerEntry.contract_id)
        .where(models.PooledContract.groupement_id == groupement_id)
    )
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
