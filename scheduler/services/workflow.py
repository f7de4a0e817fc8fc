"""The planning workflow as the API offers it: plan runs, rotas, edits, publication, notices and
the hours ledger, scoped to what the acting user may see, each use case committing once.

The planning itself lives in `scheduler.planning` and `scheduler.runs`; this module adds access
rules, If-Match on rotas (`lock_version`), and ends each use case with the unit of work's commit
(`scheduler.uow.commit_version`: a concurrent change of a rota answers 412).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from scheduler import access, models, planning, runs
from scheduler.access import Action, resolve
from scheduler.errors import (
    IdempotencyInFlight,
    NotFound,
    PreconditionFailed,
)
from scheduler.uow import begin_write
from scheduler.uow import commit_version as _commit
from solver import Violation


def _coordinator(actor: models.User) -> None:
    access.require(actor, Action.PLAN)


# --- Plan runs ----------------------------------------------------------------------------------


def request_run(
    session: Session,
    actor: models.User,
    *,
    period_start: date,
    days: int,
    time_limit_s: float,
    idempotency_key: str | None = None,
    based_on_id: int | None = None,
    acknowledged_reason: str | None = None,
) -> models.PlanRun:
    """Queue a plan run of the actor's groupement (replayed for the same Idempotency-Key)."""
    _coordinator(actor)
    begin_write(session)
    if based_on_id is not None:
        get_rota(session, actor, based_on_id, field="body.based_on_id")
    run = runs.request_plan_run(
        session,
        actor.groupement_id,
        period_start,
        days,
        actor=actor,
        idempotency_key=idempotency_key,
        based_on_id=based_on_id,
        acknowledged_reason=acknowledged_reason,
        time_limit_s=time_limit_s,
    )
    # Two requests raced with the same key: the other one is being recorded.
    _commit(
        session, "calcul", run.id, on_conflict=lambda: IdempotencyInFlight(idempotency_key or "")
    )
    return run


def get_run(
    session: Session, actor: models.User, run_id: int, *, field: str = "path.run_id"
) -> models.PlanRun:
    """A plan run of the actor's groupement (coordinators)."""
    _coordinator(actor)
    return resolve(session, actor, models.PlanRun, run_id, field=field)


def list_runs(
    session: Session, actor: models.User, *, limit: int, offset: int
) -> tuple[list[models.PlanRun], int]:
    """The groupement's plan runs, newest first."""
    _coordinator(actor)
    stmt = select(models.PlanRun).where(access.visible(actor, models.PlanRun))
    total = len(session.scalars(stmt.with_only_columns(models.PlanRun.id)).all())
    items = list(
        session.scalars(stmt.order_by(models.PlanRun.id.desc()).limit(limit).offset(offset))
    )
    return items, total


def run_unattended(session: Session, actor: models.User, run: models.PlanRun) -> bool:
    """Whether the run has waited queued for a while with no jobs process running to execute it
    (`scheduler.runs.unattended`)."""
    _coordinator(actor)
    return runs.unattended(session, run)


def cancel_run(session: Session, actor: models.User, run_id: int) -> models.PlanRun:
    """Cancel a queued run, or ask a running one to stop."""
    begin_write(session)
    get_run(session, actor, run_id)
    run = runs.cancel_plan_run(session, run_id, actor=actor)
    _commit(session, "calcul", run_id)
    return run


# --- Rotas --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CabinetMinutes:
    """One cabinet's planned minutes under a contract against its contracted share."""

    contract_id: int
    cabinet_id: int
    share_bp: int
    planned_minutes: int
    target_minutes: int


@dataclass(frozen=True)
class RotaView:
    """A rota as the actor may see it: its assignments filtered, and the share balance."""

    rota: models.Rota
    assignments: list[models.Assignment]
    travel_legs: list[models.TravelLeg]
    cabinet_minutes: list[CabinetMinutes]
    # The solver's figures and explanation name every assistant: coordinators only.
    objective_terms: dict[str, Any]
    explanation: list[Any]


def get_rota(
    session: Session,
    actor: models.User,
    rota_id: int,
    *,
    field: str = "path.rota_id",
    for_update: bool = False,
) -> models.Rota:
    """A rota of the actor's groupement (any role of it but auditors may read a published one,
    filtered by `view_rota`; coordinators drafts too). `for_update` locks its row until the
    commit and reads it afresh (`access.resolve`): concurrent edits of one rota take turns."""
    options = (selectinload(models.Rota.assignments), selectinload(models.Rota.travel_legs))
    return resolve(
        session, actor, models.Rota, rota_id, field=field, options=options, for_update=for_update
    )


def list_rotas(
    session: Session,
    actor: models.User,
    *,
    limit: int,
    offset: int,
    period_start: date | None = None,
    status: models.RotaStatus | None = None,
) -> tuple[list[models.Rota], int]:
    """Rotas of the groupement (drafts for coordinators only)."""
    stmt = select(models.Rota).where(access.visible(actor, models.Rota))
    if period_start is not None:
        stmt = stmt.where(models.Rota.period_start == period_start)
    if status is not None:
        stmt = stmt.where(models.Rota.status == status)
    total = len(session.scalars(stmt.with_only_columns(models.Rota.id)).all())
    items = list(
        session.scalars(
            stmt.order_by(models.Rota.period_start.desc(), models.Rota.revision.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    return items, total


def cabinet_minutes(session: Session, rota: models.Rota) -> list[CabinetMinutes]:
    """Each member's planned minutes per contract against its share of the contract's total."""
    planned: dict[tuple[int, int], int] = defaultdict(int)
    totals: dict[int, int] = defaultdict(int)
    for row in rota.assignments:
        minutes = int((row.end_at - row.start_at).total_seconds() // 60)
        planned[(row.contract_id, row.cabinet_id)] += minutes
        totals[row.contract_id] += minutes
    out: list[CabinetMinutes] = []
    for contract_id in sorted(totals):
        contract = session.get(models.PooledContract, contract_id)
        if contract is None:
            continue
        try:
            plan = planning.share_plan_at(contract, rota.period_start)
        except NotFound:
            plan = None
        shares = {s.cabinet_id: s.share_bp for s in plan.shares} if plan is not None else {}
        for cabinet_id in sorted(set(shares) | {c for (k, c) in planned if k == contract_id}):
            share = shares.get(cabinet_id, 0)
            out.append(
                CabinetMinutes(
                    contract_id=contract_id,
                    cabinet_id=cabinet_id,
                    share_bp=share,
                    planned_minutes=planned.get((contract_id, cabinet_id), 0),
                    target_minutes=round(totals[contract_id] * share / models.SHARE_TOTAL_BP),
                )
            )
    return out


def view_rota(session: Session, actor: models.User, rota_id: int) -> RotaView:
    """A rota with only the rows the actor may see (a cabinet: its own; an assistant: hers)."""
    rota = get_rota(session, actor, rota_id)
    assignments = [
        a for a in rota.assignments if access.sees_event(actor, a.assistant_id, {a.cabinet_id})
    ]
    legs = [
        leg
        for leg in rota.travel_legs
        if access.sees_event(actor, leg.assistant_id, {leg.origin_id, leg.destination_id})
    ]
    balance = [
        b for b in cabinet_minutes(session, rota) if access.sees_balance(actor, b.cabinet_id)
    ]
    if access.sees_plan_reasons(actor):
        return RotaView(rota, assignments, legs, balance, rota.objective_terms, rota.explanation)
    return RotaView(rota, assignments, legs, balance, {}, [])


@dataclass(frozen=True)
class ContractCabinets:
    """The cabinets a contract shares an assistant between over a rota's period: the only ones
    her assignments under it may go to (`scheduler.planning.edits`)."""

    contract_id: int
    assistant_id: int
    cabinet_ids: tuple[int, ...]


def contract_cabinets(
    session: Session, actor: models.User, rota: models.Rota
) -> list[ContractCabinets]:
    """For each contract running over the rota's period and each assistant it employs, the
    cabinets of its share plan then (coordinators)."""
    _coordinator(actor)
    out: list[ContractCabinets] = []
    contracts = planning.active_contracts(
        session, rota.groupement_id, rota.period_start, rota.period_days
    )
    for contract in contracts:
        try:
            plan = planning.share_plan_at(contract, rota.period_start)
        except NotFound:
            continue
        cabinets = tuple(share.cabinet_id for share in plan.shares)
        out.extend(
            ContractCabinets(contract.id, link.assistant_id, cabinets)
            for link in contract.assistants
        )
    return out


def week_closures(
    session: Session, actor: models.User, rota: models.Rota
) -> tuple[list[models.Absence], dict[date, list[tuple[models.Cabinet, str]]]]:
    """What keeps people or cabinets off work in the rota's period (coordinators): the
    assistants' absences that overlap it, and each day's public holidays by cabinet."""
    _coordinator(actor)
    groupement = session.get(models.Groupement, rota.groupement_id)
    assert groupement is not None
    zone = ZoneInfo(groupement.timezone)
    first = datetime.combine(rota.period_start, time(0), zone)
    last = first + timedelta(days=rota.period_days)
    absences = list(
        session.scalars(
            select(models.Absence)
            .where(
                access.visible(actor, models.Absence),
                models.Absence.end_at > first,
                models.Absence.start_at < last,
            )
            .order_by(models.Absence.start_at, models.Absence.id)
        )
    )
    cabinets = session.scalars(
        select(models.Cabinet).where(access.visible(actor, models.Cabinet))
    ).all()
    return absences, planning.public_holidays(cabinets, rota.period_start, rota.period_days)


def check(session: Session, actor: models.User, rota_id: int) -> list[Violation]:
    """The hard rules the rota breaks (coordinators)."""
    _coordinator(actor)
    get_rota(session, actor, rota_id)
    return planning.check_stored_rota(session, rota_id)


def edit(
    session: Session,
    actor: models.User,
    rota_id: int,
    change: planning.Edit,
    *,
    expected: int | None,
) -> tuple[models.Rota, list[Violation]]:
    """Apply one edit to a draft (If-Match on the rota) and answer the checker's violations."""
    _coordinator(actor)
    begin_write(session)
    # Edits of one rota take turns: each re-derives travel legs from the rows the one before
    # committed (two at once would both carry the same leg's uid over, a unique-key conflict).
    rota = get_rota(session, actor, rota_id, for_update=True)
    if expected is not None and rota.lock_version != expected:
        raise PreconditionFailed("planning", rota_id)
    _check_edit_scope(session, actor, rota, change)
    violations = planning.edit_rota(session, rota_id, change, actor=actor)
    flag_modified(rota, "status")  # every edit makes a new version (lock_version) of the draft
    _commit(session, "planning", rota_id)
    return rota, violations


def _check_edit_scope(
    session: Session, actor: models.User, rota: models.Rota, change: planning.Edit
) -> None:
    references: tuple[tuple[type[models.Base], str], ...] = (
        (models.Cabinet, "cabinet_id"),
        (models.Assistant, "assistant_id"),
        (models.PooledContract, "contract_id"),
    )
    for model, name in references:
        key = getattr(change, name, None)
        if key is not None:
            resolve(session, actor, model, key, field=f"body.{name}")
    assignment_id = getattr(change, "assignment_id", None)
    if assignment_id is not None and assignment_id not in {a.id for a in rota.assignments}:
        raise NotFound("affectation", assignment_id, field="body.assignment_id")


def publish(
    session: Session,
    actor: models.User,
    rota_id: int,
    *,
    acknowledged_reason: str | None,
    expected: int | None,
    now: datetime | None = None,
) -> models.Rota:
    """Publish a draft (If-Match on the rota). At the API, a retry with the same Idempotency-Key
    gets the first answer back (`api.idempotency`)."""
    _coordinator(actor)
    begin_write(session)
    rota = get_rota(session, actor, rota_id, for_update=True)  # after the edits under way
    if expected is not None and rota.lock_version != expected:
        raise PreconditionFailed("planning", rota_id)
    published = planning.publish_rota(
        session, rota_id, actor=actor, acknowledged_reason=acknowledged_reason, now=now
    )
    _commit(session, "planning", rota_id)
    return published


# --- Notices, absences and ledger ---------------------------------------------------------------


def change_notices(
    session: Session, actor: models.User, *, rota_id: int | None = None, limit: int, offset: int
) -> tuple[list[models.ChangeNotice], int]:
    """Change notices: an assistant's own, a cabinet's own, all for coordinators."""
    stmt = select(models.ChangeNotice).where(access.visible(actor, models.ChangeNotice))
    if rota_id is not None:
        get_rota(session, actor, rota_id, field="query.rota_id")
        stmt = stmt.where(models.ChangeNotice.rota_id == rota_id)
    rows = list(session.scalars(stmt.order_by(models.ChangeNotice.id.desc())))
    rows = [row for row in rows if access.shows_notice(actor, row)]
    return rows[offset : offset + limit], len(rows)


@dataclass(frozen=True)
class LedgerView:
    """Ledger rows the actor may see, and the group's totals per week."""

    entries: list[models.LedgerEntry]
    totals: list[tuple[date, int, int]]


def ledger(
    session: Session,
    actor: models.User,
    *,
    contract_id: int | None = None,
    cabinet_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> LedgerView:
    """The hours ledger: a cabinet sees its rows and the group's totals, an assistant hers, an
    auditor those of granted contracts, a coordinator everything. A filter names a contract or
    a cabinet the actor may read, else the answer is 404 as for a missing one."""
    if contract_id is not None:
        resolve(session, actor, models.PooledContract, contract_id, field="query.contract_id")
    if cabinet_id is not None:
        resolve(session, actor, models.Cabinet, cabinet_id, field="query.cabinet_id")
    read = planning.ledger(
        session,
        None,
        contracts=access.ledger_contracts(actor),
        contract_id=contract_id,
        cabinet_id=cabinet_id,
        since=since,
        until=until,
    )
    rows = [row for row in read if access.shows_ledger_row(actor, row)]
    counted = {
        access.LedgerTotals.GROUP: read,
        access.LedgerTotals.SHOWN: rows,
        access.LedgerTotals.NONE: [],
    }[access.ledger_totals(actor)]
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for row in counted:
        totals[row.week_start][0] += row.planned_minutes
        totals[row.week_start][1] += row.delivered_minutes
    return LedgerView(rows, [(week, p, d) for week, (p, d) in sorted(totals.items())])
