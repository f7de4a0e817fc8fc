"""Patientèle statements (scheduler/patientele.py): one validated entry, and the all-or-nothing
CSV import with its line-by-line error report (line, column, rule, French message)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.errors import ImportRejected, SnapshotRejected
from scheduler.patientele import add_snapshot, import_snapshots_csv, rpps_is_valid

# Valid RPPS (Luhn): 10198864158, 10830776943; 10547879162 belongs to another groupement.
OURS_1, OURS_2, THEIRS = "10198864158", "10830776943", "10547879162"


@dataclass
class Setup:
    """Two groupements, one doctor of ours with a statement on 2026-01-01."""

    groupement: models.Groupement
    doctor: models.Doctor
    doctor_2: models.Doctor


def _cabinet(session: Session, groupement: models.Groupement, code: str) -> models.Cabinet:
    cabinet = models.Cabinet(
        groupement_id=groupement.id,
        code=code,
        name=code,
        address="1 rue",
        postcode="54000",
        city="Nancy",
        department="54",
        latitude=Decimal(48),
        longitude=Decimal(6),
    )
    session.add(cabinet)
    session.flush()
    return cabinet


@pytest.fixture
def setup(session: Session) -> Setup:
    """The rows the import checks against."""
    ours = models.Groupement(slug="ours", name="Ours")
    theirs = models.Groupement(slug="theirs", name="Theirs")
    session.add_all([ours, theirs])
    session.flush()
    cabinet, other = _cabinet(session, ours, "a"), _cabinet(session, theirs, "b")
    doctors = [
        models.Doctor(cabinet=cabinet, rpps=OURS_1, first_name="Hélène", last_name="Lambert"),
        models.Doctor(cabinet=cabinet, rpps=OURS_2, first_name="Pierre", last_name="Girard"),
        models.Doctor(cabinet=other, rpps=THEIRS, first_name="Anne", last_name="Roux"),
    ]
    session.add_all(doctors)
    session.flush()
    session.add(
        models.PatienteleSnapshot(
            doctor_id=doctors[0].id,
            snapshot_date=date(2026, 1, 1),
            pmt=1000,
            file_active=1500,
            source="relevé CPAM",
        )
    )
    session.flush()
    return Setup(ours, doctors[0], doctors[1])


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(models.PatienteleSnapshot)) or 0


def test_rpps_luhn() -> None:
    assert rpps_is_valid(OURS_1)
    assert not rpps_is_valid("10198864159")  # last digit changed
    assert not rpps_is_valid("1019886415")  # 10 digits
    assert not rpps_is_valid("1019886415a")


def test_add_snapshot_validated(session: Session, setup: Setup) -> None:
    snap = add_snapshot(
        session,
        doctor_id=setup.doctor.id,
        snapshot_date=date(2026, 2, 1),
        pmt=1010,
        file_active=1510,
        source="saisie",
    )
    assert snap.id is not None
    with pytest.raises(SnapshotRejected) as duplicate:
        add_snapshot(
            session,
            doctor_id=setup.doctor.id,
            snapshot_date=date(2026, 2, 1),
            pmt=1,
            file_active=1,
            source="x",
        )
    assert duplicate.value.rule == "duplicate"
    with pytest.raises(SnapshotRejected) as negative:
        add_snapshot(
            session,
            doctor_id=setup.doctor.id,
            snapshot_date=date(2026, 3, 1),
            pmt=-1,
            file_active=1,
            source="x",
        )
    assert negative.value.rule == "non_negative"
    with pytest.raises(SnapshotRejected) as unknown:
        add_snapshot(
            session,
            doctor_id=999_999,
            snapshot_date=date(2026, 3, 1),
            pmt=1,
            file_active=1,
            source="x",
        )
    assert unknown.value.rule == "unknown_doctor"
    with pytest.raises(SnapshotRejected) as foreign:
        add_snapshot(
            session,
            doctor_id=setup.doctor.id,
            snapshot_date=date(2026, 3, 1),
            pmt=1,
            file_active=1,
            source="x",
            groupement_id=setup.groupement.id + 1,
        )
    # Another groupement's doctor is answered as an unknown one, without its RPPS.
    assert foreign.value.rule == "unknown_doctor"
    assert str(foreign.value) == f"doctor_id : médecin {setup.doctor.id} inconnu"


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (
            f"rpps;date;pmt;file_active;source\n{OURS_1};2026-02-01;1010;1510;relevé CPAM\n{OURS_2};2026-02-01;800;1200;relevé CPAM\n",
            "semicolon",
        ),
        (
            f'\ufeffrpps,date,pmt,file_active,source\r\n{OURS_1},2026-02-01,1010,1510,relevé CPAM\r\n{OURS_2},2026-02-01,800,1200,"relevé CPAM, février"\r\n',
            "comma with BOM",
        ),
    ],
)
def test_import_accepts_both_separators_and_bom(
    session: Session, setup: Setup, data: str, label: str
) -> None:
    before = _count(session)
    assert (
        import_snapshots_csv(session, data.encode("utf-8"), groupement_id=setup.groupement.id) == 2
    ), label
    assert _count(session) == before + 2


def test_import_is_all_or_nothing_with_every_error_listed(session: Session, setup: Setup) -> None:
    data = "\n".join(
        [
            "rpps;date;pmt;file_active;source",
            f"{OURS_2};2026-02-01;800;1200;relevé CPAM",  # 2: fine
            "10198864159;2026-02-01;1;1;relevé CPAM",  # 3: bad check digit
            "123;2026-02-01;1;1;relevé CPAM",  # 4: not 11 digits
            f"{OURS_2};01/02/2026;1;1;relevé CPAM",  # 5: not ISO
            f"{OURS_2};2026-03-01;4;1;relevé;CPAM",  # 6: six columns
            f"{OURS_2};2026-03-01;-4;abc;relevé CPAM",  # 7: negative PMT, FA not a number
            f"{OURS_2};2026-02-01;801;1201;relevé CPAM",  # 8: duplicate of line 2
            f"{OURS_1};2026-01-01;1000;1500;relevé CPAM",  # 9: already in the database
            "10000000009;2026-02-01;1;1;relevé CPAM",  # 10: valid RPPS, unknown doctor
            f"{THEIRS};2026-02-01;1;1;relevé CPAM",  # 11: another groupement's doctor
            f"{OURS_2};2026-04-01;1;1;",  # 12: no source
        ]
    )
    before = _count(session)
    with pytest.raises(ImportRejected) as caught:
        import_snapshots_csv(session, data, groupement_id=setup.groupement.id)
    assert _count(session) == before  # nothing staged
    found = [(line, column, rule) for line, column, rule, _ in caught.value.errors]
    assert found == [
        (3, "rpps", "rpps_checksum"),
        (4, "rpps", "rpps_format"),
        (5, "date", "date_format"),
        (6, "ligne", "column_count"),
        (7, "pmt", "non_negative"),
        (7, "file_active", "integer"),
        (8, "date", "duplicate_in_file"),
        (9, "date", "duplicate_in_db"),
        (10, "rpps", "unknown_doctor"),
        (11, "rpps", "unknown_doctor"),
        (12, "source", "required"),
    ]
    messages = {line: message for line, _, _, message in caught.value.errors}
    assert messages[11] == f"aucun médecin de RPPS {THEIRS}"
    assert messages[8] == f"relevé {OURS_2} au 2026-02-01 déjà présent ligne 2"
    assert messages[3] == "clé de contrôle du RPPS 10198864159 invalide"
    assert "rien n'a été importé" in str(caught.value)


def test_import_rejects_a_wrong_header_and_bad_encoding(session: Session, setup: Setup) -> None:
    with pytest.raises(ImportRejected) as header:
        import_snapshots_csv(
            session, "rpps;jour;pmt;fa;source\n", groupement_id=setup.groupement.id
        )
    assert header.value.errors[0][2] == "header"
    with pytest.raises(ImportRejected) as encoding:
        import_snapshots_csv(
            session, b"rpps;date;pmt;file_active;source\n\xff\xfe", groupement_id=1
        )
    assert encoding.value.errors[0][2] == "encoding"
