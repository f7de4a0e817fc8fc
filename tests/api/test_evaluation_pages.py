"""A contract's evaluation on the auditor's review page (/controle) and the coordinator's
contract dashboard (/contrats): the figures with their reference, interval and pre-trend check,
the event-study charts, the method in French; "pas de chiffre" and its reason when data is thin."""

from __future__ import annotations

import html
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from scheduler import models
from tests.api.factories import World
from tests.api.test_pages import sign_in_as
from tests.scheduler.test_evaluation_service import (
    MEMBERS,
    QUARTERS,
    REFERENCE_RPPS,
    REFERENCES,
    charts_in,
)

PAGES = (("/controle", "auditor"), ("/contrats", "coordinator"))


def _statements(session: Session, world: World) -> None:
    """The hand case of tests/scheduler/test_evaluation_service.py on the world's first
    contract (started 2026-01-05, members in 57): an effect of 71/3 = 23,7 PMT."""
    for doctor, values in zip(world.doctors, MEMBERS, strict=True):
        for (year, q), value in zip(QUARTERS, values, strict=True):
            session.add(
                models.PatienteleSnapshot(
                    doctor_id=doctor.id,
                    snapshot_date=date(year, q * 3, 1),
                    pmt=value,
                    file_active=2 * value,
                    source="CPAM",
                )
            )
    for rpps, values in zip(REFERENCE_RPPS, REFERENCES, strict=True):
        for (year, q), value in zip(QUARTERS, values, strict=True):
            session.add(
                models.ReferenceStatement(
                    department="57",
                    rpps=rpps,
                    year=year,
                    quarter=q,
                    pmt=value,
                    file_active=2 * value,
                    source="CPAM 57",
                )
            )
    session.flush()


@pytest.mark.parametrize(("path", "role"), PAGES)
def test_the_evaluation_is_shown_with_its_reference_and_method(
    web: TestClient, world: World, session: Session, path: str, role: str
) -> None:
    _statements(session, world)
    sign_in_as(web, world.users[role])
    page = web.get(path)
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert "Effet du contrat sur la patientèle" in text
    assert "médecins non membres du même département (relevés trimestriels), département 57" in text
    assert "23,7" in text  # 71/3 PMT per member doctor
    assert "Étude d’événement — PMT" in charts_in(page.text)  # drawn by matplotlib
    assert "Méthode de l’évaluation de l’effet du contrat" in text
    assert "Bell-McCaffrey" in text


@pytest.mark.parametrize(("path", "role"), PAGES)
def test_thin_data_says_why_there_is_no_figure(
    web: TestClient, world: World, path: str, role: str
) -> None:
    sign_in_as(web, world.users[role])
    text = html.unescape(web.get(path).text)
    assert "Pas de chiffre : données insuffisantes" in text
