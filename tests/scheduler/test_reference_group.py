"""The evaluation's reference group imported from the CPAM's CSV files (scheduler/reference_group.py
and scheduler/services/evaluation.py): every line checked, every problem listed as (line, column,
rule, message), nothing stored unless every line is good; who may import which départements."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.errors import Forbidden, ImportRejected
from scheduler.reference_group import import_reference_doctors_csv, import_reference_series_csv
from scheduler.services.evaluation import import_reference_doctors, import_reference_series
from tests.api.factories import World, make_world

DOCTORS = "department;rpps;quarter;pmt;file_active;source\n"
SERIES = "department;quarter;pmt;file_active;doctors;source\n"
GOOD, OTHER = "10547879162", "10000000009"  # Luhn-valid RPPS


def _count(session: Session, model: type[models.Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _rules(error: pytest.ExceptionInfo[ImportRejected]) -> list[tuple[int, str, str]]:
    return [(line, column, rule) for line, column, rule, _ in error.value.errors]


def test_a_good_file_of_reference_doctors_is_stored_whole(session: Session) -> None:
    data = (
        "\ufeff"
        + DOCTORS.replace(";", ",")
        + f"57,{GOOD},2025-Q4,1012,1630,CPAM 57\n\n57,{GOOD},2026-T1,1020,1641,CPAM 57\n"
    )
    assert import_reference_doctors_csv(session, data, departments=None) == 2
    rows = session.scalars(
        select(models.ReferenceStatement).order_by(models.ReferenceStatement.year)
    ).all()
    assert [(r.department, r.year, r.quarter, r.pmt) for r in rows] == [
        ("57", 2025, 4, 1012),
        ("57", 2026, 1, 1020),
    ]


def test_every_bad_line_is_listed_and_nothing_is_stored(session: Session) -> None:
    session.add(
        models.ReferenceStatement(
            department="57", rpps=OTHER, year=2025, quarter=1, pmt=1, file_active=1, source="x"
        )
    )
    session.flush()
    before = _count(session, models.ReferenceStatement)
    data = DOCTORS + "\n".join(
        [
            f"57;{GOOD};2025-Q4;1012;1630;CPAM",  # 2: good
            f"5;{GOOD};2025-Q3;1012;1630;CPAM",  # 3: département
            "57;10547879163;2025-Q3;1012;1630;CPAM",  # 4: Luhn key
            f"57;{GOOD};2025-Q5;1012;1630;CPAM",  # 5: quarter
            f"57;{GOOD};2025-Q2;-3;douze;CPAM",  # 6: counts
            f"57;{GOOD};2025-Q1;1;1;",  # 7: source
            f"57;{GOOD};2025-Q4;1;1;CPAM",  # 8: same doctor and quarter as line 2
            f"57;{OTHER};2025-Q1;1;1;CPAM",  # 9: already on file
            "57;1;2",  # 10: columns
        ]
    )
    with pytest.raises(ImportRejected) as rejected:
        import_reference_doctors_csv(session, data, departments=None)
    assert _rules(rejected) == [
        (3, "department", "format"),
        (4, "rpps", "rpps_checksum"),
        (5, "quarter", "format"),
        (6, "pmt", "non_negative"),
        (6, "file_active", "integer"),
        (7, "source", "required"),
        (8, "quarter", "duplicate_in_file"),
        (9, "quarter", "duplicate_in_db"),
        (10, "ligne", "column_count"),
    ]
    assert "rien n'a été importé" in str(rejected.value)
    assert _count(session, models.ReferenceStatement) == before


def test_a_wrong_header_is_refused(session: Session) -> None:
    with pytest.raises(ImportRejected) as rejected:
        import_reference_series_csv(session, DOCTORS, departments=None)
    assert _rules(rejected) == [(1, "en-tête", "header")]


def test_a_published_series_with_decimal_commas(session: Session) -> None:
    data = SERIES + "57;2025-Q4;812,5;1204.25;640;CPAM 57, moyenne par MG\n".replace(
        "CPAM 57, moyenne", '"CPAM 57, moyenne'
    ).replace("MG\n", 'MG"\n')
    assert import_reference_series_csv(session, data, departments=None) == 1
    row = session.scalars(select(models.ReferenceSeries)).one()
    assert (row.pmt, row.file_active, row.doctors) == (Decimal("812.50"), Decimal("1204.25"), 640)
    with pytest.raises(ImportRejected) as rejected:
        import_reference_series_csv(
            session,
            SERIES + "57;2025-Q4;1;1;640;CPAM\n57;2026-Q1;1.234;-2;0;CPAM\n54;1999-Q1;1;1;1;CPAM\n",
            departments=None,
        )
    assert _rules(rejected) == [
        (2, "quarter", "duplicate_in_db"),
        (3, "pmt", "decimal"),
        (3, "file_active", "non_negative"),
        (3, "doctors", "range"),
        (4, "quarter", "range"),
    ]


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session, "ref")


def test_an_auditor_imports_the_departements_of_her_contracts_only(
    session: Session, world: World
) -> None:
    auditor = world.users["auditor"]  # granted the first contract, whose members are in 57
    line = f"{GOOD};2025-Q4;1012;1630;CPAM"
    assert import_reference_doctors(session, auditor, f"{DOCTORS}57;{line}\n") == 1
    with pytest.raises(ImportRejected) as rejected:
        import_reference_doctors(session, auditor, f"{DOCTORS}54;{line.replace('Q4', 'Q3')}\n")
    assert _rules(rejected) == [(2, "department", "not_granted")]
    national = world.users["national"]
    assert import_reference_series(session, national, f"{SERIES}54;2025-Q4;800;1200;10;x\n") == 1
    audit = session.scalars(
        select(models.AuditLog).where(models.AuditLog.entity.like("reference_%"))
    ).all()
    assert {(row.entity, row.actor) for row in audit} == {
        ("reference_statement", auditor.email),
        ("reference_series", national.email),
    }


@pytest.mark.parametrize("role", ["coordinator", "cabinet", "assistant"])
def test_the_groupement_s_own_users_import_no_reference(
    session: Session, world: World, role: str
) -> None:
    with pytest.raises(Forbidden):
        import_reference_doctors(session, world.users[role], f"{DOCTORS}57;{GOOD};2025-Q4;1;1;x\n")
    assert _count(session, models.ReferenceStatement) == 0
