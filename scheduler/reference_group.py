"""The reference group of the contracts' evaluation, imported by the CPAM from CSV files.

Two kinds, per département and quarter (`2026-Q1`, or `2026-T1` as French tables write it):

- non-member doctors' statements, `department;rpps;quarter;pmt;file_active;source`: one line
  per doctor and quarter (counts, as in the patientèle statements);
- a published reference series, `department;quarter;pmt;file_active;doctors;source`: the
  département's average PMT and file active per general practitioner (decimals, a dot or a
  comma) and how many doctors the averages are over.

Validated like the patientèle statements (`scheduler.patientele`): `;` or `,`, UTF-8 with or
without a BOM, every line checked (département, RPPS with its Luhn key, quarter, counts or
averages, source, no duplicate within the file or against the database, a département the
importer may feed), and all or nothing: one bad line and nothing is staged,
`ImportRejected.errors` lists every problem as (line, column, rule, message in French).
Functions stage and flush; the caller's service commits.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.errors import ImportRejected
from scheduler.patientele import (
    MAX_COUNT,
    SOURCE_MAX,
    LineError,
    _count_problem,
    _decode,
    rpps_is_valid,
)

DOCTOR_COLUMNS = ("department", "rpps", "quarter", "pmt", "file_active", "source")
SERIES_COLUMNS = ("department", "quarter", "pmt", "file_active", "doctors", "source")
MAX_DOCTORS = 1_000_000
_DEPARTMENT = re.compile(r"[0-9][0-9AB][0-9]?")
_QUARTER = re.compile(r"(\d{4})-[QT]([1-4])")


def _rows(data: bytes | str, columns: tuple[str, ...]) -> list[list[str]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ImportRejected([(0, "fichier", "csv_format", f"CSV illisible : {error}")]) from error
    if not rows or [c.strip().lower() for c in rows[0]] != list(columns):
        raise ImportRejected([(1, "en-tête", "header", f"en-tête attendu : {';'.join(columns)}")])
    return rows


def _department(
    number: int, value: str, allowed: Collection[str] | None, errors: list[LineError]
) -> str | None:
    if not _DEPARTMENT.fullmatch(value):
        errors.append(
            LineError(
                number,
                "department",
                "format",
                f"« {value} » n'est pas un département (54, 2A, 971)",
            )
        )
        return None
    if allowed is not None and value not in allowed:
        errors.append(
            LineError(
                number,
                "department",
                "not_granted",
                f"département {value} : aucun contrat qui vous est confié n'y a de membre",
            )
        )
        return None
    return value


def _quarter(number: int, value: str, errors: list[LineError]) -> tuple[int, int] | None:
    match = _QUARTER.fullmatch(value)
    if match is None:
        errors.append(
            LineError(
                number, "quarter", "format", f"« {value} » n'est pas un trimestre AAAA-Qn (2026-Q1)"
            )
        )
        return None
    year = int(match[1])
    if not 2000 <= year <= 2099:
        errors.append(LineError(number, "quarter", "range", f"année {year} hors de 2000 à 2099"))
        return None
    return year, int(match[2])


def _source(number: int, value: str, errors: list[LineError]) -> None:
    if not value:
        errors.append(LineError(number, "source", "required", "source du relevé manquante"))
    elif len(value) > SOURCE_MAX or any(ord(char) < 32 for char in value):
        errors.append(
            LineError(
                number,
                "source",
                "format",
                f"source de {SOURCE_MAX} caractères au plus, sans caractère de contrôle",
            )
        )


def _average(number: int, column: str, value: str, errors: list[LineError]) -> Decimal | None:
    text = value.replace(",", ".")
    try:
        if not re.fullmatch(r"-?\d+(\.\d{1,2})?", text):
            raise InvalidOperation(text)
        amount = Decimal(text)
    except InvalidOperation:
        errors.append(
            LineError(
                number,
                column,
                "decimal",
                f"« {value} » n'est pas un nombre à deux décimales au plus",
            )
        )
        return None
    if amount < 0:
        errors.append(LineError(number, column, "non_negative", f"{value} est négatif"))
        return None
    if amount > MAX_COUNT:
        errors.append(LineError(number, column, "range", f"{value} dépasse {MAX_COUNT}"))
        return None
    return amount


def _check(
    data: bytes | str,
    columns: tuple[str, ...],
    check_line: Callable[
        [int, list[str], list[LineError]], tuple[tuple[str, ...], models.Base | None]
    ],
    existing: Callable[[list[tuple[str, ...]]], set[tuple[str, ...]]],
    describe: Callable[[tuple[str, ...]], str],
) -> list[Any]:
    rows = _rows(data, columns)
    errors: list[LineError] = []
    seen: dict[tuple[str, ...], int] = {}
    staged: list[tuple[int, tuple[str, ...], models.Base]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue  # blank lines are allowed
        if len(row) != len(columns):
            errors.append(
                LineError(
                    number,
                    "ligne",
                    "column_count",
                    f"{len(row)} colonnes au lieu de {len(columns)}",
                )
            )
            continue
        line_errors: list[LineError] = []
        key, entry = check_line(number, [cell.strip() for cell in row], line_errors)
        if key:
            if key in seen:
                line_errors.append(
                    LineError(
                        number,
                        "quarter",
                        "duplicate_in_file",
                        f"{describe(key)} déjà présent ligne {seen[key]}",
                    )
                )
            else:
                seen[key] = number
        errors.extend(line_errors)
        if not line_errors and entry is not None:
            staged.append((number, key, entry))
    already = existing([key for _, key, _ in staged]) if staged else set()
    for number, key, _ in staged:
        if key in already:
            errors.append(
                LineError(number, "quarter", "duplicate_in_db", f"{describe(key)} déjà importé")
            )
    if errors:
        errors.sort(key=lambda e: e.line)
        raise ImportRejected([(e.line, e.column, e.rule, e.message) for e in errors])
    return [entry for _, _, entry in staged]


def _stage(session: Session, entries: list[Any]) -> int:
    session.add_all(entries)
    session.flush()
    return len(entries)


def import_reference_doctors_csv(
    session: Session, data: bytes | str, *, departments: Collection[str] | None
) -> int:
    """Check every line of a CSV of reference doctors' statements; stage all or none.

    `departments`: those the importer may feed (`None`: every one). Returns the count."""
    return _stage(session, check_reference_doctors_csv(session, data, departments=departments))


def check_reference_doctors_csv(
    session: Session, data: bytes | str, *, departments: Collection[str] | None
) -> list[models.ReferenceStatement]:
    """Check every line of a CSV of reference doctors' statements: the statements it holds, not
    staged, or `ImportRejected` listing every bad line."""

    def check(
        number: int, cells: list[str], errors: list[LineError]
    ) -> tuple[tuple[str, ...], Any]:
        department_text, rpps, quarter_text, pmt_text, fa_text, source = cells
        department = _department(number, department_text, departments, errors)
        if len(rpps) != 11 or not rpps.isascii() or not rpps.isdigit():
            errors.append(
                LineError(
                    number, "rpps", "rpps_format", f"« {rpps} » n'est pas un RPPS à 11 chiffres"
                )
            )
        elif not rpps_is_valid(rpps):
            errors.append(
                LineError(
                    number, "rpps", "rpps_checksum", f"clé de contrôle du RPPS {rpps} invalide"
                )
            )
        quarter = _quarter(number, quarter_text, errors)
        for column, value in (("pmt", pmt_text), ("file_active", fa_text)):
            problem = _count_problem(value)
            if problem is not None:
                errors.append(LineError(number, column, *problem))
        _source(number, source, errors)
        key: tuple[str, ...] = ()
        if quarter is not None and len(rpps) == 11:
            key = (rpps, str(quarter[0]), str(quarter[1]))
        if errors or department is None or quarter is None:
            return key, None
        return key, models.ReferenceStatement(
            department=department,
            rpps=rpps,
            year=quarter[0],
            quarter=quarter[1],
            pmt=int(pmt_text),
            file_active=int(fa_text),
            source=source,
        )

    def existing(keys: list[tuple[str, ...]]) -> set[tuple[str, ...]]:
        found: set[tuple[str, ...]] = set()
        table = models.ReferenceStatement
        for chunk in range(0, len(keys), 500):
            part = [(k[0], int(k[1]), int(k[2])) for k in keys[chunk : chunk + 500]]
            found |= {
                (rpps, str(year), str(q))
                for rpps, year, q in session.execute(
                    select(table.rpps, table.year, table.quarter).where(
                        tuple_(table.rpps, table.year, table.quarter).in_(part)
                    )
                )
            }
        return found

    return _check(
        data,
        DOCTOR_COLUMNS,
        check,
        existing,
        lambda key: f"relevé du RPPS {key[0]} au trimestre {key[1]}-Q{key[2]}",
    )


def import_reference_series_csv(
    session: Session, data: bytes | str, *, departments: Collection[str] | None
) -> int:
    """Check every line of a CSV of a published reference series; stage all or none.

    `departments`: those the importer may feed (`None`: every one). Returns the count."""
    return _stage(session, check_reference_series_csv(session, data, departments=departments))


def check_reference_series_csv(
    session: Session, data: bytes | str, *, departments: Collection[str] | None
) -> list[models.ReferenceSeries]:
    """Check every line of a CSV of a published reference series: the averages it holds, not
    staged, or `ImportRejected` listing every bad line."""

    def check(
        number: int, cells: list[str], errors: list[LineError]
    ) -> tuple[tuple[str, ...], Any]:
        department_text, quarter_text, pmt_text, fa_text, doctors_text, source = cells
        department = _department(number, department_text, departments, errors)
        quarter = _quarter(number, quarter_text, errors)
        pmt = _average(number, "pmt", pmt_text, errors)
        file_active = _average(number, "file_active", fa_text, errors)
        doctors: int | None = None
        if not doctors_text.isascii() or not doctors_text.isdigit():
            errors.append(
                LineError(
                    number, "doctors", "integer", f"« {doctors_text} » n'est pas un nombre entier"
                )
            )
        elif not 1 <= int(doctors_text) <= MAX_DOCTORS:
            errors.append(
                LineError(
                    number,
                    "doctors",
                    "range",
                    f"{doctors_text} : entre 1 et {MAX_DOCTORS} médecins",
                )
            )
        else:
            doctors = int(doctors_text)
        _source(number, source, errors)
        key: tuple[str, ...] = ()
        if quarter is not None and department is not None:
            key = (department, str(quarter[0]), str(quarter[1]))
        if errors or department is None or quarter is None or pmt is None:
            return key, None
        assert file_active is not None and doctors is not None
        return key, models.ReferenceSeries(
            department=department,
            year=quarter[0],
            quarter=quarter[1],
            pmt=pmt,
            file_active=file_active,
            doctors=doctors,
            source=source,
        )

    def existing(keys: list[tuple[str, ...]]) -> set[tuple[str, ...]]:
        table = models.ReferenceSeries
        wanted = {k[0] for k in keys}
        return {
            (department, str(year), str(q))
            for department, year, q in session.execute(
                select(table.department, table.year, table.quarter).where(
                    table.department.in_(wanted)
                )
            )
        }

    return _check(
        data,
        SERIES_COLUMNS,
        check,
        existing,
        lambda key: f"série du département {key[0]} au trimestre {key[1]}-Q{key[2]}",
    )
