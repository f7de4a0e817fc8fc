"""The demo groupement is realistic and complete: at least 3 assistants, 7 cabinets and 3 pooled
contracts, one assistant in two contracts, a cabinet in Moselle, Saturday mornings, consultation
sessions, a year of monthly patientèle snapshots per doctor, valid RPPS numbers."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.demo import demo_loaded, load_demo


def luhn_valid(number: str) -> bool:
    """The Luhn check that RPPS numbers carry in their last digit."""
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def test_demo_loads_a_complete_groupement(session: Session) -> None:
    assert not demo_loaded(session)
    groupement = load_demo(session)
    assert demo_loaded(session)
    assert groupement.timezone == "Europe/Paris"
    assert groupement.travel_in_contract, "the demo plans with travel counted in the contracts"

    def count(model: type[models.Base]) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    assert count(models.Assistant) >= 3
    assert count(models.Cabinet) >= 7
    assert count(models.PooledContract) >= 3
    assert count(models.ConsultationSession) > 0


def test_demo_has_an_assistant_in_two_contracts(session: Session) -> None:
    load_demo(session)
    links = Counter(session.scalars(select(models.ContractAssistant.assistant_id)))
    assert max(links.values()) >= 2


def test_demo_has_a_moselle_cabinet_and_saturday_mornings(session: Session) -> None:
    load_demo(session)
    departments = set(session.scalars(select(models.Cabinet.department)))
    assert "57" in departments
    saturdays = session.scalars(
        select(models.OpeningWindow).where(models.OpeningWindow.weekday == 5)
    ).all()
    assert saturdays and all(w.end_minute <= 13 * 60 for w in saturdays)


def test_demo_has_a_year_of_monthly_snapshots_per_doctor(session: Session) -> None:
    load_demo(session)
    doctors = session.scalars(select(models.Doctor)).all()
    assert len(doctors) >= 14
    for doctor in doctors:
        assert luhn_valid(doctor.rpps), doctor.rpps
        months = session.scalars(
            select(models.PatienteleSnapshot.snapshot_date).where(
                models.PatienteleSnapshot.doctor_id == doctor.id
            )
        ).all()
        assert len({(d.year, d.month) for d in months}) >= 12
        pmt = session.scalars(
            select(models.PatienteleSnapshot.pmt).where(
                models.PatienteleSnapshot.doctor_id == doctor.id
            )
        ).all()
        assert all(500 <= value <= 2500 for value in pmt)
