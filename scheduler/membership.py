"""Doctors' membership of contracts (the bulletin d'adhésion): a doctor is a member of at most one
contract at a time, and only member doctors count in a contract's figures.

A membership runs over [valid_from, valid_to), and never past its contract's end. A doctor of a
cabinet that joins a contract (the contract's first share plan, a later plan naming it, or a doctor
added to a member cabinet) joins with it, unless he is then a member of another contract: he stays
out of this one (an associate may), or joins it once the other has ended. An explicit change (`Contracts.set_member_doctor`) that would
make him a member of two contracts at once is refused, naming the other contract.

In a collective contract a doctor joins and leaves on one of the contract's anniversaries, as
its member cabinets do (`anniversary_refusal`); a membership kept from before the rule that
does not is flagged (`off_anniversary`), not moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.contribution import add_years
from scheduler.errors import InvalidField


def contract_end(contract: models.PooledContract) -> date:
    """The day after the contract's last day."""
    return add_years(contract.start_date, contract.duration_years)


def joined_on(contract: models.PooledContract, cabinet_id: int) -> date | None:
    """The day the cabinet joined the contract (its first share plan naming it), or None."""
    days = [
        plan.valid_from
        for plan in contract.share_plans
        if any(share.cabinet_id == cabinet_id for share in plan.shares)
    ]
    return max(contract.start_date, min(days)) if days else None


def spell_end(contract: models.PooledContract, valid_to: date | None) -> date:
    """Where a membership of `contract` ends: its own end, or the contract's."""
    end = contract_end(contract)
    return end if valid_to is None else min(valid_to, end)


def overlapping(
    session: Session,
    doctor_id: int,
    contract: models.PooledContract,
    valid_from: date,
    valid_to: date | None,
) -> models.ContractMemberDoctor | None:
    """The doctor's membership of another contract that overlaps [valid_from, valid_to) in
    `contract`, if any."""
    end = spell_end(contract, valid_to)
    stmt = select(models.ContractMemberDoctor).where(
        models.ContractMemberDoctor.doctor_id == doctor_id
    )
    if contract.id is not None:
        stmt = stmt.where(models.ContractMemberDoctor.contract_id != contract.id)
    rows = session.scalars(
        stmt.order_by(models.ContractMemberDoctor.valid_from, models.ContractMemberDoctor.id)
    )
    for row in rows:
        if row.valid_from < end and valid_from < spell_end(row.contract, row.valid_to):
            return row
    return None


def enrol(
    session: Session,
    contract: models.PooledContract,
    doctors: Iterable[models.Doctor],
    valid_from: date,
) -> list[models.ContractMemberDoctor]:
    """Memberships of `contract` from `valid_from` for those of `doctors` not yet members of it
    nor, then, of another contract."""
    present = {
        m.doctor_id if m.doctor_id is not None else m.doctor.id for m in contract.member_doctors
    }
    added = []
    for doctor in doctors:
        if doctor.id is not None and doctor.id in present:
            continue
        if doctor.id is not None and overlapping(session, doctor.id, contract, valid_from, None):
            continue  # a member of another contract: he stays out of this one
        row = models.ContractMemberDoctor(doctor=doctor, valid_from=valid_from)
        contract.member_doctors.append(row)
        added.append(row)
    return added


def enrol_new_doctor(session: Session, doctor: models.Doctor) -> None:
    """A doctor added to a cabinet joins the contracts his cabinet is a member of (from the
    cabinet's joining, as the figures always counted him), one at a time: the first joined."""
    cabinet_id = doctor.cabinet_id if doctor.cabinet_id is not None else doctor.cabinet.id
    contracts = session.scalars(
        select(models.PooledContract)
        .where(
            models.PooledContract.id.in_(
                select(models.SharePlan.contract_id)
                .join(models.Share, models.Share.plan_id == models.SharePlan.id)
                .where(models.Share.cabinet_id == cabinet_id)
            )
        )
        .order_by(models.PooledContract.start_date, models.PooledContract.id)
    )
    spells: list[tuple[date, date]] = []
    candidates = []
    for contract in contracts:
        joined = joined_on(contract, cabinet_id)
        if joined is not None:
            candidates.append((joined, contract.id, contract))
    for joined, _, contract in sorted(candidates, key=lambda c: (c[0], c[1])):
        end = contract_end(contract)
        begin = max([joined, *(stop for start, stop in spells if start < end and joined < stop)])
        if begin >= end:
            continue  # a member of an earlier contract for the whole of this one
        spells.append((begin, end))
        contract.member_doctors.append(
            models.ContractMemberDoctor(
                doctor=doctor,
                valid_from=begin,
                # After another contract's end, which need not be one of this one's anniversaries.
                off_anniversary=off_anniversary(contract, begin, None),
            )
        )


def leave_with_cabinets(contract: models.PooledContract) -> None:
    """The doctors of a cabinet absent from the contract's latest share plan leave on its first
    day (a membership already ended before stays as it is)."""
    latest = max(contract.share_plans, key=lambda p: p.valid_from)
    cabinets = {share.cabinet_id for share in latest.shares}
    for row in contract.member_doctors:
        if row.doctor.cabinet_id in cabinets or row.valid_from >= latest.valid_from:
            continue
        if row.valid_to is None or row.valid_to > latest.valid_from:
            row.valid_to = latest.valid_from


def is_anniversary(start: date, day: date) -> bool:
    """Whether `day` is the contract's start or one of its anniversaries."""
    years = day.year - start.year
    return years >= 0 and add_years(start, years) == day


def next_anniversary(start: date, day: date) -> date:
    """The first anniversary of the contract (or its start) on or after `day`."""
    years = max(0, day.year - start.year)
    while add_years(start, years) < day:
        years += 1
    return add_years(start, years)


def anniversary_refusal(
    contract: models.PooledContract, day: date | None, field: str
) -> InvalidField | None:
    """The refusal of `day` (a joining or leaving day, in `field`) when the contract is collective
    and `day` is not one of its anniversaries; None when it may be."""
    if (
        day is None
        or contract.kind is not models.ContractKind.COLLECTIVE
        or is_anniversary(contract.start_date, day)
    ):
        return None
    following = next_anniversary(contract.start_date, day)
    return InvalidField(
        field,
        "anniversary",
        "les membres d'un contrat collectif adhèrent ou se retirent à une date anniversaire du "
        f"contrat (la suivante : {following.isoformat()})",
    )


def off_anniversary(
    contract: models.PooledContract, valid_from: date, valid_to: date | None
) -> bool:
    """Whether a membership of `contract` over [valid_from, valid_to) breaks the anniversary rule."""
    return any(anniversary_refusal(contract, day, "") is not None for day in (valid_from, valid_to))


def withdraw_plan(contract: models.PooledContract, day: date) -> None:
    """Undo what a share plan from `day`, just taken out of the contract's plans, did to its
    doctors: those it brought in that day leave again, those it made leave that day stay."""
    kept = {share.cabinet_id for plan in contract.share_plans for share in plan.shares}
    latest = max(contract.share_plans, key=lambda p: p.valid_from)
    staying = {share.cabinet_id for share in latest.shares}
    for row in list(contract.member_doctors):
        cabinet = row.doctor.cabinet_id
        if row.valid_from == day and (cabinet not in kept or joined_on(contract, cabinet) != day):
            contract.member_doctors.remove(row)
        elif row.valid_to == day and cabinet in staying:
            row.valid_to = None
