"""Patientèle statements (PMT and file active per doctor and date): one entry, or a CSV import.

The CSV has the columns `rpps;date;pmt;file_active;source` (`;` or `,`, UTF-8 with or without a
BOM). Every line is checked — RPPS of 11 digits with its Luhn check digit, ISO date, counts that
are non-negative integers, no duplicate within the file or against the database, a known doctor of
the importing groupement — and the import is all or nothing: one bad line and nothing is staged,
`ImportRejected.errors` lists every problem as (line, column, rule, message in French).
Functions stage and flush; the caller's service commits.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.errors import ImportRejected, SnapshotRejected

COLUMNS = ("rpps", "date", "pmt", "file_active", "source")
MAX_COUNT = 100_000
SOURCE_MAX = 100  # the column's length


def rpps_is_valid(rpps: str) -> bool:
    """True for 11 digits whose last one is the Luhn check digit of the others."""
    if len(rpps) != 11 or not rpps.isascii() or not rpps.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(rpps)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _count_problem(value: str) -> tuple[str, str] | None:
    text = value.strip()
    if not text.lstrip("-").isdigit() or not text.isascii():
        return "integer", f"« {value} » n'est pas un nombre entier"
    if int(text) < 0:
        return "non_negative", f"{text} est négatif"
    if int(text) > MAX_COUNT:
        return "range", f"{text} dépasse {MAX_COUNT}"
    return None


def add_snapshot(
    session: Session,
    *,
    doctor_id: int,
    snapshot_date: date,
    pmt: int,
    file_active: int,
    source: str,
    groupement_id: int | None = None,
) -> models.PatienteleSnapshot:
    """Stage one validated snapshot (the doctor exists, in `groupement_id` when given)."""
    doctor = session.get(models.Doctor, doctor_id)
    if doctor is None or (
        groupement_id is not None and doctor.cabinet.groupement_id != groupement_id
    ):
        # Another groupement's doctor is answered as an unknown one (never with its RPPS).
        raise SnapshotRejected("doctor_id", "unknown_doctor", f"médecin {doctor_id} inconnu")
    for name, value in (("pmt", pmt), ("file_active", file_active)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise SnapshotRejected(name, "integer", f"{value!r} n'est pas un nombre entier")
        if value < 0:
            raise SnapshotRejected(name, "non_negative", f"{value} est négatif")
        if value > MAX_COUNT:
            raise SnapshotRejected(name, "range", f"{value} dépasse {MAX_COUNT}")
    if not source.strip():
        raise SnapshotRejected("source", "required", "la source du relevé est obligatoire")
    exists = session.scalar(
        select(models.PatienteleSnapshot.id).where(
            models.PatienteleSnapshot.doctor_id == doctor_id,
            models.PatienteleSnapshot.snapshot_date == snapshot_date,
        )
    )
    if exists is not None:
        raise SnapshotRejected(
            "snapshot_date",
            "duplicate",
            f"un relevé existe déjà pour {doctor.rpps} au {snapshot_date.isoformat()}",
        )
    snapshot = models.PatienteleSnapshot(
        doctor_id=doctor_id,
        snapshot_date=snapshot_date,
        pmt=pmt,
        file_active=file_active,
        source=source.strip(),
    )
    session.add(snapshot)
    session.flush()
    return snapshot


@dataclass(frozen=True)
class LineError:
    """One problem of an import: line number (the header is line 1), column, rule, message."""

    line: int
    column: str
    rule: str
    message: str


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRejected(
            [(0, "fichier", "encoding", f"le fichier n'est pas en UTF-8 (octet {error.start})")]
        ) from error


def import_snapshots_csv(session: Session, data: bytes | str, *, groupement_id: int) -> int:
    """Check every line of a CSV of snapshots; stage all of them or none. Returns the count."""
    staged = check_snapshots_csv(session, data, groupement_id=groupement_id)
    session.add_all(staged)
    session.flush()
    return len(staged)


def check_snapshots_csv(
    session: Session, data: bytes | str, *, groupement_id: int
) -> list[models.PatienteleSnapshot]:
    """Check every line of a CSV of snapshots: the snapshots it holds, not staged (the preview
    of an import shows them), or `ImportRejected` listing every bad line."""
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows or [c.strip().lower() for c in rows[0]] != list(COLUMNS):
        raise ImportRejected(
            [(1, "en-tête", "header", "en-tête attendu : rpps;date;pmt;file_active;source")]
        )
    doctors = {
        d.rpps: d
        for d in session.scalars(
            select(models.Doctor).where(
                models.Doctor.rpps.in_({r[0].strip() for r in rows[1:] if r})
            )
        )
    }
    cabinets = {
        c.id: c.groupement_id
        for c in session.scalars(
            select(models.Cabinet).where(
                models.Cabinet.id.in_({d.cabinet_id for d in doctors.values()})
            )
        )
    }
    existing = {
        (doctor_id, day)
        for doctor_id, day in session.execute(
            select(
                models.PatienteleSnapshot.doctor_id, models.PatienteleSnapshot.snapshot_date
            ).where(models.PatienteleSnapshot.doctor_id.in_([d.id for d in doctors.values()]))
        )
    }
    errors: list[LineError] = []
    seen: dict[tuple[str, date], int] = {}
    staged: list[models.PatienteleSnapshot] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue  # blank lines are allowed (a trailing newline, an empty line between blocks)
        if len(row) != len(COLUMNS):
            errors.append(
                LineError(number, "ligne", "column_count", f"{len(row)} colonnes au lieu de 5")
            )
            continue
        rpps, day_text, pmt_text, fa_text, source = (cell.strip() for cell in row)
        line_errors: list[LineError] = []
        doctor = None
        if len(rpps) != 11 or not rpps.isdigit():
            line_errors.append(
                LineError(
                    number, "rpps", "rpps_format", f"« {rpps} » n'est pas un RPPS à 11 chiffres"
                )
            )
        elif not rpps_is_valid(rpps):
            line_errors.append(
                LineError(
                    number, "rpps", "rpps_checksum", f"clé de contrôle du RPPS {rpps} invalide"
                )
            )
        elif rpps not in doctors or cabinets.get(doctors[rpps].cabinet_id) != groupement_id:
            # Another groupement's doctor is answered as an unknown one: nothing tells that
            # the RPPS is on file elsewhere.
            line_errors.append(
                LineError(number, "rpps", "unknown_doctor", f"aucun médecin de RPPS {rpps}")
            )
        else:
            doctor = doctors[rpps]
        day: date | None = None
        try:
            if len(day_text) != 10:
                raise ValueError(day_text)
            day = date.fromisoformat(day_text)
        except ValueError:
            line_errors.append(
                LineError(
                    number, "date", "date_format", f"« {day_text} » n'est pas une date AAAA-MM-JJ"
                )
            )
        for column, value in (("pmt", pmt_text), ("file_active", fa_text)):
            problem = _count_problem(value)
            if problem is not None:
                line_errors.append(LineError(number, column, *problem))
        if not source:
            line_errors.append(
                LineError(number, "source", "required", "source du relevé manquante")
            )
        elif len(source) > SOURCE_MAX or any(ord(char) < 32 for char in source):
            line_errors.append(
                LineError(
                    number,
                    "source",
                    "format",
                    f"source de {SOURCE_MAX} caractères au plus, sans caractère de contrôle",
                )
            )
        if day is not None and len(rpps) == 11:
            key = (rpps, day)
            if key in seen:
                line_errors.append(
                    LineError(
                        number,
                        "date",
                        "duplicate_in_file",
                        f"relevé {rpps} au {day.isoformat()} déjà présent ligne {seen[key]}",
                    )
                )
            else:
                seen[key] = number
            if doctor is not None and (doctor.id, day) in existing:
                line_errors.append(
                    LineError(
                        number,
                        "date",
                        "duplicate_in_db",
                        f"un relevé existe déjà pour {rpps} au {day.isoformat()}",
                    )
                )
        errors.extend(line_errors)
        if not line_errors and doctor is not None and day is not None:
            staged.append(
                models.PatienteleSnapshot(
                    doctor_id=doctor.id,
                    snapshot_date=day,
                    pmt=int(pmt_text),
                    file_active=int(fa_text),
                    source=source,
                )
            )
    if errors:
        raise ImportRejected([(e.line, e.column, e.rule, e.message) for e in errors])
    return staged
