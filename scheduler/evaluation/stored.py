"""A contract's evaluation read from the database: the members' doctors' patientèle statements,
the reference group of their départements, the hours delivered (reads only).

The members' doctors are those of every cabinet the contract ever counted as a member; a
doctor's value in a quarter is his latest statement dated in it. The reference doctors are the
non-member doctors of the members' départements whose quarterly statements the CPAM imported; an
RPPS on file as a member cabinet's doctor is never a reference (his cabinet has an assistant).
The quarters read run from `QUARTERS_BEFORE` before the start quarter to the one holding
`until`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.evaluation.summary import (
    QUARTERS_BEFORE,
    ContractEvaluation,
    Observation,
    evaluate,
    quarter_of,
)


def quarter_of_day(day: date) -> int:
    """The absolute quarter holding `day`."""
    return quarter_of(day.year, (day.month - 1) // 3 + 1)


def first_day(quarter: int) -> date:
    """The first day of an absolute quarter."""
    return date(quarter // 4, quarter % 4 * 3 + 1, 1)


def member_cabinets(contract: models.PooledContract) -> list[int]:
    return sorted({s.cabinet_id for plan in contract.share_plans for s in plan.shares})


def contract_evaluation(
    session: Session, contract: models.PooledContract, *, until: date, hours_delivered: float
) -> ContractEvaluation:
    """The contract's evaluation with the statements dated up to `until` and the hours
    delivered given (the ledger's, as the report counts them)."""
    start = quarter_of_day(contract.start_date)
    first, last = start - QUARTERS_BEFORE, quarter_of_day(until)
    cabinet_ids = member_cabinets(contract)
    departments = sorted(
        set(
            session.scalars(
                select(models.Cabinet.department).where(models.Cabinet.id.in_(cabinet_ids))
            )
        )
    )
    latest: dict[tuple[int, int], tuple[date, int, int]] = {}
    for doctor_id, day, pmt, file_active in session.execute(
        select(
            models.PatienteleSnapshot.doctor_id,
            models.PatienteleSnapshot.snapshot_date,
            models.PatienteleSnapshot.pmt,
            models.PatienteleSnapshot.file_active,
        )
        .join(models.Doctor, models.Doctor.id == models.PatienteleSnapshot.doctor_id)
        .where(
            models.Doctor.cabinet_id.in_(cabinet_ids),
            models.PatienteleSnapshot.snapshot_date >= first_day(first),
            models.PatienteleSnapshot.snapshot_date <= until,
        )
    ):
        key = (doctor_id, quarter_of_day(day))
        if key not in latest or latest[key][0] < day:
            latest[key] = (day, pmt, file_active)
    members = [
        Observation(doctor_id, quarter, float(pmt), float(fa), True)
        for (doctor_id, quarter), (_, pmt, fa) in sorted(latest.items())
    ]
    in_window = (
        models.ReferenceStatement.year * 4 + models.ReferenceStatement.quarter - 1 >= first
    ) & (models.ReferenceStatement.year * 4 + models.ReferenceStatement.quarter - 1 <= last)
    statements = session.execute(
        select(
            models.ReferenceStatement.rpps,
            models.ReferenceStatement.year,
            models.ReferenceStatement.quarter,
            models.ReferenceStatement.pmt,
            models.ReferenceStatement.file_active,
        )
        .where(
            models.ReferenceStatement.department.in_(departments),
            in_window,
            models.ReferenceStatement.rpps.not_in(select(models.Doctor.rpps)),
        )
        .order_by(models.ReferenceStatement.rpps)
    ).all()
    unit_of = {rpps: -(i + 1) for i, rpps in enumerate(sorted({r[0] for r in statements}))}
    reference_doctors = [
        Observation(unit_of[rpps], quarter_of(year, q), float(pmt), float(fa), False)
        for rpps, year, q, pmt, fa in statements
    ]
    series_rows = session.execute(
        select(
            models.ReferenceSeries.department,
            models.ReferenceSeries.year,
            models.ReferenceSeries.quarter,
            models.ReferenceSeries.pmt,
            models.ReferenceSeries.file_active,
        ).where(models.ReferenceSeries.department.in_(departments))
    ).all()
    series_unit = {d: -(i + 1) for i, d in enumerate(departments)}
    reference_series = [
        Observation(series_unit[d], quarter_of(year, q), float(pmt), float(fa), False)
        for d, year, q, pmt, fa in series_rows
        if first <= quarter_of(year, q) <= last
    ]
    return evaluate(
        start=start,
        members=members,
        reference_doctors=reference_doctors,
        reference_series=reference_series,
        departments=departments,
        hours_delivered=hours_delivered,
    )
