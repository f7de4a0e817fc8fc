"""Editing a draft or published rota by hand: move, add, delete and pin assignments.

Functions here stage their work in the session and flush; the caller's unit of work (`scheduler.uow`) commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from scheduler import models
from scheduler.audit import record_audit
from scheduler.errors import (
    InvalidEdit,
    NotFound,
    RotaNotDraft,
)
from scheduler.planning.instance import (
    MAX_PAUSE_MINUTES,
    PlanningInput,
    carry_uids,
    identity,
    local_time,
)
from scheduler.planning.plan import evaluate_stored_rota, planning_for, rota_by_id
from solver import FIRST_DAY as FIRST_DAY
from solver import FIRST_YEAR as FIRST_YEAR
from solver import LAST_DAY as LAST_DAY
from solver import LAST_YEAR as LAST_YEAR
from solver import Violation as Violation  # re-exported for the web edge
from solver import model as sm


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


def snapshot(row: models.Assignment) -> dict[str, Any]:
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
    rota = rota_by_id(session, rota_id)
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
        _check_contract_cabinet(planning, edit.contract_id, edit.assistant_id, edit.cabinet_id)
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
        after = snapshot(row)
        touched.add((row.assistant_id, local_time(row.start_at, planning.zone).date()))
    else:
        row = _assignment_of(rota, edit.assignment_id)
        before = snapshot(row)
        touched.add((row.assistant_id, local_time(row.start_at, planning.zone).date()))
        if isinstance(edit, MoveAssignment):
            _edit_times(planning, edit.start, edit.end)
            if edit.cabinet_id is not None:
                if edit.cabinet_id not in planning.cabinet_codes:
                    raise InvalidEdit(
                        "ce cabinet n'est membre d'aucun contrat planifié sur la période"
                    )
                _check_contract_cabinet(
                    planning, row.contract_id, row.assistant_id, edit.cabinet_id
                )
                row.cabinet_id = edit.cabinet_id
            row.start_at, row.end_at = edit.start, edit.end
            after = snapshot(row)
            touched.add((row.assistant_id, local_time(row.start_at, planning.zone).date()))
        elif isinstance(edit, DeleteAssignment):
            rota.assignments.remove(row)
            session.delete(row)
        else:
            row.pinned = edit.pinned
            after = snapshot(row)
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
    # Pins are the rota's own, so check after the edit; the objective is the edited plan's.
    violations, terms = evaluate_stored_rota(session, rota)
    rota.objective_terms = dict(terms)
    rota.objective = sum(terms.values())
    if rota.bound is not None and rota.bound > rota.objective:
        # A plan that breaks a rule can score below what any valid plan reaches: the solver's
        # bound says nothing of it.
        rota.bound = None
    session.flush()
    return violations


def contract_cabinets(planning: PlanningInput, contract_id: int, assistant_id: int) -> list[int]:
    """The ids of the cabinets a contract shares the assistant between over the planned period
    (its share plan then), the only cabinets her assignments under it may go to."""
    code = planning.contract_codes.get((contract_id, assistant_id))
    contract = next((c for c in planning.instance.contracts if c.id == code), None)
    if contract is None:
        return []
    return [planning.cabinets[str(cabinet)].id for cabinet in contract.shares]


def _check_contract_cabinet(
    planning: PlanningInput, contract_id: int, assistant_id: int, cabinet_id: int
) -> None:
    allowed = contract_cabinets(planning, contract_id, assistant_id)
    if cabinet_id in allowed:
        return
    code = planning.contract_codes.get((contract_id, assistant_id))
    if code is None:
        raise InvalidEdit("cette assistante n'a pas de part dans ce contrat sur la période")
    contract, _ = planning.contracts[code]
    names = {c.id: c.name for c in planning.cabinets.values()}
    raise InvalidEdit(
        f"le cabinet « {names.get(cabinet_id, cabinet_id)} » n'est pas membre du contrat "
        f"« {contract.name} » de cette affectation ; cabinets possibles : "
        + ", ".join(sorted(names[c] for c in allowed)),
        field="body.cabinet_id",
        rule="contract_member",
    )


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
        local_time(start, planning.zone).date()
        != local_time(end - timedelta(microseconds=1), planning.zone).date()
    ):
        raise InvalidEdit("une affectation ne passe pas minuit")


def _rederive_day(
    session: Session, rota: models.Rota, planning: PlanningInput, assistant_id: int, day: date
) -> None:
    """Rebuild an assistant's travel legs and breaks for one day from her assignments."""
    zone = planning.zone

    def on_day(start: datetime) -> bool:
        return local_time(start, zone).date() == day

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
    carry_uids(
        new_legs,
        old_legs,
        lambda r: identity(r.assistant_id, (r.origin_id, r.destination_id), r.start_at, zone),
    )
    session.flush()
