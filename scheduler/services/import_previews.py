"""CSV imports previewed before they are stored: the patientèle statements and the evaluation's
reference group, uploaded on the pages, checked line by line, kept on the server, then confirmed.

`preview` checks every line by the rules of the import itself (`scheduler.patientele`,
`scheduler.reference_group`): a file with a bad line is refused whole (`ImportRejected`, every
line, column and rule in French) and nothing is kept. A good file is kept as an
`models.ImportPreview` for `PREVIEW_VALID`, with the rows it would add and the digest of the
stored rows the import would change (the statements already on file for its doctors, its
départements' series). `confirm` imports all of it or nothing, and only:

- within `PREVIEW_VALID` of the preview (at `PREVIEW_VALID` it has expired), by its uploader in
  her groupement: any other preview is answered as a missing one (`NotFound`), as is one already
  confirmed (two confirms of one preview at once: the first one imports, the other finds none);
- while the stored rows are those the preview saw (`ImportPreviewOutdated` otherwise, nothing
  stored): the coordinator looks again at what the file would now do.

Expired previews are deleted by the jobs process (`purge_expired`, in `purge-expired-records`)
and by every preview or confirm, which deletes those it comes across.
"""

from __future__ import annotations

import csv
import hashlib
import json
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from scheduler import access, models, patientele, reference_group, uow
from scheduler.access import Action
from scheduler.audit import record_audit
from scheduler.errors import Forbidden, ImportPreviewOutdated, ImportRejected, NotFound

CENT = Decimal("0.01")
PREVIEW_VALID = timedelta(minutes=30)
"""How long a preview is kept for its confirmation."""
FILE_NAME_MAX = 255
ENTITY = "aperçu d'import"

Kind = models.ImportKind


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _digest(rows: Sequence[Sequence[object]]) -> str:
    """SHA-256 of rows (sorted, as JSON text): equal rows give equal digests."""
    text = json.dumps(sorted([[str(value) for value in row] for row in rows]), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# --- Each kind: its check, what it shows, the stored rows it would change --------------------------


def _patientele_check(session: Session, actor: models.User, data: str) -> list[Any]:
    if not access.may_import_patientele(actor, actor.groupement_id):
        raise Forbidden("seul le coordinateur importe les relevés de patientèle")
    return patientele.check_snapshots_csv(session, data, groupement_id=actor.groupement_id)


def _patientele_rows(session: Session, entries: Sequence[Any]) -> list[dict[str, Any]]:
    doctors = {
        d.id: d
        for d in session.scalars(
            select(models.Doctor).where(models.Doctor.id.in_({e.doctor_id for e in entries}))
        )
    }
    return [
        {
            "rpps": doctors[e.doctor_id].rpps,
            "doctor": f"{doctors[e.doctor_id].first_name} {doctors[e.doctor_id].last_name}",
            "date": e.snapshot_date.isoformat(),
            "pmt": e.pmt,
            "file_active": e.file_active,
            "source": e.source,
        }
        for e in entries
    ]


def _patientele_stored(
    session: Session, rows: Sequence[dict[str, Any]]
) -> list[tuple[object, ...]]:
    """The doctors of the RPPS the file names (with their cabinet) and their statements."""
    table = models.PatienteleSnapshot
    doctors = session.execute(
        select(models.Doctor.id, models.Doctor.rpps, models.Doctor.cabinet_id).where(
            models.Doctor.rpps.in_(sorted({str(r["rpps"]) for r in rows}))
        )
    ).all()
    snapshots = session.execute(
        select(
            table.doctor_id, table.snapshot_date, table.pmt, table.file_active, table.source
        ).where(table.doctor_id.in_([d.id for d in doctors]))
    ).all()
    return [("doctor", *row) for row in doctors] + [("snapshot", *row) for row in snapshots]


def _reference_departments(session: Session, actor: models.User) -> Collection[str] | None:
    access.require(actor, Action.IMPORT_REFERENCE)
    return access.reference_departments(session, actor)


def _doctors_check(session: Session, actor: models.User, data: str) -> list[Any]:
    departments = _reference_departments(session, actor)
    return reference_group.check_reference_doctors_csv(session, data, departments=departments)


def _doctors_rows(_session: Session, entries: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "department": e.department,
            "rpps": e.rpps,
            "quarter": f"{e.year}-T{e.quarter}",
            "pmt": e.pmt,
            "file_active": e.file_active,
            "source": e.source,
        }
        for e in entries
    ]


def _doctors_stored(session: Session, rows: Sequence[dict[str, Any]]) -> list[tuple[object, ...]]:
    """The statements on file of the RPPS the file names."""
    table = models.ReferenceStatement
    found: list[tuple[object, ...]] = []
    rpps = sorted({str(r["rpps"]) for r in rows})
    for start in range(0, len(rpps), 500):
        found += [
            tuple(row)
            for row in session.execute(
                select(
                    table.department,
                    table.rpps,
                    table.year,
                    table.quarter,
                    table.pmt,
                    table.file_active,
                    table.source,
                ).where(table.rpps.in_(rpps[start : start + 500]))
            )
        ]
    return found


def _series_check(session: Session, actor: models.User, data: str) -> list[Any]:
    departments = _reference_departments(session, actor)
    return reference_group.check_reference_series_csv(session, data, departments=departments)


def _series_rows(_session: Session, entries: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "department": e.department,
            "quarter": f"{e.year}-T{e.quarter}",
            "pmt": str(e.pmt.quantize(CENT)),
            "file_active": str(e.file_active.quantize(CENT)),
            "doctors": e.doctors,
            "source": e.source,
        }
        for e in entries
    ]


def _series_stored(session: Session, rows: Sequence[dict[str, Any]]) -> list[tuple[object, ...]]:
    """The series on file of the départements the file names."""
    table = models.ReferenceSeries
    return [
        tuple(row)
        for row in session.execute(
            select(
                table.department,
                table.year,
                table.quarter,
                table.pmt,
                table.file_active,
                table.doctors,
                table.source,
            ).where(table.department.in_(sorted({str(r["department"]) for r in rows})))
        )
    ]


@dataclass(frozen=True)
class _Importer:
    check: Callable[[Session, models.User, str], list[Any]]
    shown: Callable[[Session, Sequence[Any]], list[dict[str, Any]]]
    stored: Callable[[Session, Sequence[dict[str, Any]]], list[tuple[object, ...]]]
    entity: str  # the audit log's name of the rows imported


_IMPORTERS: dict[Kind, _Importer] = {
    Kind.PATIENTELE: _Importer(
        _patientele_check, _patientele_rows, _patientele_stored, "patientele_snapshot"
    ),
    Kind.REFERENCE_DOCTORS: _Importer(
        _doctors_check, _doctors_rows, _doctors_stored, "reference_statement"
    ),
    Kind.REFERENCE_SERIES: _Importer(
        _series_check, _series_rows, _series_stored, "reference_series"
    ),
}


def may_preview(actor: models.User, kind: Kind) -> bool:
    """Whether the actor's role imports files of `kind` (the pages offer those only)."""
    if kind is Kind.PATIENTELE:
        return access.may_import_patientele(actor, actor.groupement_id)
    return access.allowed(actor, Action.IMPORT_REFERENCE)


def _text(data: bytes | str) -> str:
    return patientele._decode(data)


def _checked(session: Session, actor: models.User, importer: _Importer, text: str) -> list[Any]:
    try:
        return importer.check(session, actor, text)
    except csv.Error as error:
        # The csv module refuses some files outright (a cell over its size limit...).
        raise ImportRejected([(0, "fichier", "csv_format", f"CSV illisible : {error}")]) from error


# --- The use cases ---------------------------------------------------------------------------------


def purge_expired(session: Session, *, now: datetime | None = None) -> int:
    """Delete the previews expired at `now` (stages the delete; the caller commits)."""
    result = session.execute(
        delete(models.ImportPreview).where(models.ImportPreview.expires_at <= _now(now))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def preview(
    session: Session,
    actor: models.User,
    kind: Kind,
    data: bytes | str,
    *,
    file_name: str = "",
    now: datetime | None = None,
) -> models.ImportPreview:
    """Check every line of a file of `kind` and keep what it would add, for `PREVIEW_VALID`.

    Raises:
        Forbidden: the actor's role does not import files of this kind.
        ImportRejected: a line breaks a rule (all of them listed), or the file is unreadable.
    """
    importer = _IMPORTERS[kind]
    moment = _now(now)
    text = _text(data)
    uow.begin_write(session)
    entries = _checked(session, actor, importer, text)
    shown = importer.shown(session, entries)
    digest = _digest(importer.stored(session, shown))
    purge_expired(session, now=moment)
    row = models.ImportPreview(
        key=secrets.token_urlsafe(24),
        groupement_id=actor.groupement_id,
        user_id=actor.id,
        kind=kind,
        file_name="".join(c for c in file_name if ord(c) >= 32)[:FILE_NAME_MAX],
        payload=text,
        rows=shown,
        row_count=len(entries),
        digest=digest,
        created_at=moment,
        expires_at=moment + PREVIEW_VALID,
    )
    session.add(row)
    session.flush()
    uow.commit(session)
    return row


def _own(actor: models.User, kind: Kind, moment: datetime) -> ColumnElement[bool]:
    """The previews of `kind` the actor made in her groupement that are still valid."""
    table = models.ImportPreview
    return (
        (table.user_id == actor.id)
        & (table.groupement_id == actor.groupement_id)
        & (table.kind == kind)
        & (table.expires_at > moment)
    )


def get(
    session: Session,
    actor: models.User,
    kind: Kind,
    key: str,
    *,
    now: datetime | None = None,
) -> models.ImportPreview:
    """The actor's own preview of `kind`, while it is valid; else `NotFound` (expired, another
    user's or groupement's, of another kind, confirmed or never made: the same answer)."""
    if not may_preview(actor, kind):
        raise NotFound(ENTITY, key, field="path.key")
    row = session.scalar(
        select(models.ImportPreview).where(
            models.ImportPreview.key == key, _own(actor, kind, _now(now))
        )
    )
    if row is None:
        raise NotFound(ENTITY, key, field="path.key")
    return row


def confirm(
    session: Session,
    actor: models.User,
    kind: Kind,
    key: str,
    *,
    now: datetime | None = None,
) -> int:
    """Import the rows of the actor's preview, all or none, and forget the preview; the count.

    Raises:
        NotFound: no valid preview of the actor's with that key (see `get`).
        ImportPreviewOutdated: the stored rows the import would change are no longer those the
            preview saw; nothing is stored, the preview is forgotten.
        ImportRejected: a line no longer passes its rules (a doctor removed, a grant withdrawn).
    """
    importer = _IMPORTERS[kind]
    moment = _now(now)
    if not may_preview(actor, kind):
        raise NotFound(ENTITY, key, field="path.key")
    uow.begin_write(session)
    row = get(session, actor, kind, key, now=moment)
    text, digest, shown = row.payload, row.digest, list(row.rows)
    # Claim the preview: of two confirms at once, the second waits for the first one's commit
    # (PostgreSQL's row lock, SQLite's write lock), then deletes nothing and stops here.
    claimed = session.execute(
        delete(models.ImportPreview).where(
            models.ImportPreview.key == key, _own(actor, kind, moment)
        )
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise NotFound(ENTITY, key, field="path.key")
    session.expunge(row)
    purge_expired(session, now=moment)
    if _digest(importer.stored(session, shown)) != digest:
        # Forget the preview (its data are stale); nothing of the file was staged.
        uow.commit(session)
        raise ImportPreviewOutdated(key)
    # The same rules again, under the same stored rows: a withdrawn grant still refuses.
    entries = _checked(session, actor, importer, text)
    session.add_all(entries)
    session.flush()
    record_audit(
        session,
        actor=actor,
        groupement_id=actor.groupement_id,
        action="import",
        entity=importer.entity,
        entity_id=f"{len(entries)} lignes",
    )
    uow.commit(session)
    return len(entries)
