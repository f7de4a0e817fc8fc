"""The demo's evaluation data: two years of quarterly statements before the contracts began, and
a reference group (non-member doctors of Meurthe-et-Moselle, a published series for Moselle).

Drawn from a fixed seed, so that every load gives the same rows. The members' doctors get one
statement a quarter from eight quarters before the earliest contract's start to the quarter
before their first monthly statement, on the reference group's trend (+4 PMT a quarter) plus
noise: before the contracts, members and reference doctors move in parallel, as the evaluation
supposes, and the members' steeper growth since the starts is what it measures.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.evaluation.stored import first_day, quarter_of_day
from scheduler.evaluation.summary import QUARTERS_BEFORE

SEED = 20260302
REFERENCE_DOCTORS = 30
REFERENCE_DEPARTMENT = "54"
SERIES_DEPARTMENT = "57"
LAST_QUARTER = date(2026, 12, 31)  # the demo's statements run to the end of 2026
PMT_TREND, FA_TREND = 4, 6  # per quarter, the reference group's growth
SOURCE = "relevé CPAM (démo)"


def _luhn_completed(digits: str) -> str:
    """`digits` followed by its Luhn check digit."""
    for check in "0123456789":
        candidate = digits + check
        total = 0
        for index, char in enumerate(reversed(candidate)):
            digit = int(char)
            if index % 2 == 1:
                digit = digit * 2 - 9 if digit > 4 else digit * 2
            total += digit
        if total % 10 == 0:
            return candidate
    raise AssertionError("a Luhn digit always exists")


def _middle_day(quarter: int) -> date:
    first = first_day(quarter)
    return date(first.year, first.month + 1, 1)


def add_evaluation_history(session: Session, contracts: list[models.PooledContract]) -> None:
    """Stage the members' earlier quarterly statements and the reference group."""
    rng = random.Random(SEED)
    first = min(quarter_of_day(c.start_date) for c in contracts) - QUARTERS_BEFORE
    last = quarter_of_day(LAST_QUARTER)
    doctors = session.scalars(select(models.Doctor).order_by(models.Doctor.id)).all()
    for doctor in doctors:
        earliest = session.scalars(
            select(models.PatienteleSnapshot)
            .where(models.PatienteleSnapshot.doctor_id == doctor.id)
            .order_by(models.PatienteleSnapshot.snapshot_date)
            .limit(1)
        ).first()
        if earliest is None:
            continue
        known = quarter_of_day(earliest.snapshot_date)
        for quarter in range(first, known):
            back = known - quarter
            session.add(
                models.PatienteleSnapshot(
                    doctor_id=doctor.id,
                    snapshot_date=_middle_day(quarter),
                    pmt=earliest.pmt - PMT_TREND * back + rng.randint(-3, 3),
                    file_active=earliest.file_active - FA_TREND * back + rng.randint(-5, 5),
                    source=SOURCE,
                )
            )
    for index in range(REFERENCE_DOCTORS):
        rpps = _luhn_completed(f"1099900{index:03d}")
        pmt = rng.randint(700, 1600)
        file_active = round(pmt * rng.uniform(1.3, 1.6))
        pmt_trend = PMT_TREND + rng.uniform(-1.5, 1.5)
        for step, quarter in enumerate(range(first, last + 1)):
            session.add(
                models.ReferenceStatement(
                    department=REFERENCE_DEPARTMENT,
                    rpps=rpps,
                    year=quarter // 4,
                    quarter=quarter % 4 + 1,
                    pmt=round(pmt + pmt_trend * step + rng.gauss(0, 3)),
                    file_active=round(file_active + FA_TREND * step + rng.gauss(0, 5)),
                    source=SOURCE,
                )
            )
    for step, quarter in enumerate(range(first, last + 1)):
        session.add(
            models.ReferenceSeries(
                department=SERIES_DEPARTMENT,
                year=quarter // 4,
                quarter=quarter % 4 + 1,
                pmt=Decimal(f"{1150 + PMT_TREND * step + rng.uniform(-1, 1):.2f}"),
                file_active=Decimal(f"{1720 + FA_TREND * step + rng.uniform(-1, 1):.2f}"),
                doctors=612,
                source="moyenne par médecin généraliste, Moselle (démo)",
            )
        )
