"""The national evaluation computed ahead and kept, as the report PDFs are (`report_cache`).

Computing it reads every statement on file and estimates every contract: about twenty seconds
of CPU at 3,000 contracts. So it is computed once per day and set of inputs, and its CSV and
JSON exports are stored in `rendered_national_evaluation` with two fingerprints: the inputs'
(`inputs_digest`: for each table it reads, the row count, the last id and, for the rows that
are edited in place, the sum of their versions; statements and reference data are only ever
inserted or deleted)
and the code's (`renderer_fingerprint`). A request serves the stored exports while both match,
and shows when they were computed; when an input changed (a statement imported, a contract
edited), the stored row no longer matches and is never served: the jobs process
(`render-national-evaluation`, `render_ahead`) computes it again within
`evaluation_render_interval_s`, and a request that comes first computes and stores it itself
(correct, just slower). The exports are byte for byte those computed on the spot (same day,
same data, same bytes), so their digests do not depend on where they came from.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from scheduler import evaluation, models, uow
from scheduler.evaluation.national import (
    NationalEvaluation,
    evaluation_from_json,
    national_evaluation,
    render_csv,
    render_json,
)
from scheduler.locks import job_lock
from scheduler.uow import begin_write

log = logging.getLogger(__name__)

RENDER_NATIONAL_EVALUATION = "render-national-evaluation"
KEPT_DAYS = 31  # the evaluations of other days than today are dropped once older than this


@lru_cache(maxsize=1)
def renderer_fingerprint() -> str:
    """SHA-256 (hex) of what computes and renders the evaluation: every module of
    `scheduler.evaluation` and the numerical libraries' versions. After an upgrade the stored
    evaluation is computed again rather than served as the old code computed it."""
    digest = hashlib.sha256()
    for path in sorted(Path(evaluation.__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    for distribution in ("numpy", "scipy"):
        digest.update(f"\n{distribution}=={version(distribution)}".encode())
    return digest.hexdigest()


def inputs_digest(session: Session) -> str:
    """SHA-256 (hex) of a cheap fingerprint of everything the evaluation reads (contracts, share
    plans, cabinets, doctors, statements, reference data): equal digests mean the same
    evaluation (reads only; one aggregate query per table)."""
    parts: list[object] = []
    # Not the audit log: a publication or an edit of a rota writes to it, and the evaluation
    # reads no hours; it would be computed again every few minutes for nothing.
    appended_only = (
        models.SharePlan,
        models.Share,
        models.PatienteleSnapshot,
        models.ReferenceStatement,
        models.ReferenceSeries,
    )
    for table in appended_only:
        parts.extend(session.execute(select(func.max(table.id), func.count(table.id))).one())
    for versioned in (models.PooledContract, models.Cabinet, models.Doctor):
        parts.extend(
            session.execute(
                select(
                    func.max(versioned.id),
                    func.count(versioned.id),
                    func.coalesce(func.sum(versioned.version), 0),
                )
            ).one()
        )
    return hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()


@dataclass(frozen=True)
class StoredEvaluation:
    """A day's national evaluation as computed ahead: its exports and when it was computed."""

    as_of: date
    csv: bytes
    json: bytes
    computed_at: datetime
    compute_seconds: float
    cached: bool  # served from the store (False: computed for this request)

    @cached_property
    def evaluation(self) -> NationalEvaluation:
        """The evaluation itself, read back from the JSON export (for the pages)."""
        return evaluation_from_json(self.json)

    def body(self, fmt: str) -> bytes:
        return {"csv": self.csv, "json": self.json}[fmt]


def _current_row(
    session: Session, as_of: date, digest: str
) -> models.RenderedNationalEvaluation | None:
    return session.scalar(
        select(models.RenderedNationalEvaluation).where(
            models.RenderedNationalEvaluation.as_of == as_of,
            models.RenderedNationalEvaluation.inputs_digest == digest,
            models.RenderedNationalEvaluation.renderer == renderer_fingerprint(),
        )
    )


def _stored(row: models.RenderedNationalEvaluation, *, cached: bool) -> StoredEvaluation:
    return StoredEvaluation(
        as_of=row.as_of,
        csv=bytes(row.csv_body),
        json=bytes(row.json_body),
        computed_at=row.computed_at,
        compute_seconds=row.compute_seconds,
        cached=cached,
    )


def stored_evaluation(session: Session, as_of: date) -> StoredEvaluation | None:
    """The stored evaluation of `as_of` if its inputs and code are still those of today
    (reads only)."""
    row = _current_row(session, as_of, inputs_digest(session))
    return None if row is None else _stored(row, cached=True)


def _compute(session: Session, as_of: date) -> tuple[str, models.RenderedNationalEvaluation]:
    digest = inputs_digest(session)
    began = time.process_time()
    computed = national_evaluation(session, as_of=as_of)
    row = models.RenderedNationalEvaluation(
        as_of=as_of,
        inputs_digest=digest,
        renderer=renderer_fingerprint(),
        csv_body=render_csv(computed),
        json_body=render_json(computed),
        compute_seconds=round(time.process_time() - began, 3),
    )
    return digest, row


def _store(session: Session, row: models.RenderedNationalEvaluation) -> bool:
    """Replace the day's stored evaluation by `row` and commit; False (logged) when the database
    refused it (another process stored the same day meanwhile: its row is kept)."""

    def replace() -> bool:
        session.execute(
            delete(models.RenderedNationalEvaluation).where(
                models.RenderedNationalEvaluation.as_of == row.as_of
            )
        )
        session.add(row)
        session.flush()
        return True

    stored: list[bool | None] = []
    refused = uow.refusal(lambda: stored.append(uow.insert_or_none(session, replace)))
    if refused is not None or stored != [True]:
        log.warning(
            "national evaluation of %s not stored: %s",
            row.as_of,
            "stored meanwhile by another process" if refused is None else refused.orig,
        )
        uow.rollback(session)
        return False
    uow.commit(session)
    return True


def evaluation_for(session: Session, as_of: date) -> StoredEvaluation:
    """The national evaluation of `as_of`, as a request serves it: the stored one when it is
    current, else computed now, stored and committed (for a session that stages nothing, as a
    request's: the store takes the write lock first, `begin_write`)."""
    found = stored_evaluation(session, as_of)
    if found is not None:
        return found
    _, row = _compute(session, as_of)
    served = StoredEvaluation(
        as_of=as_of,
        csv=row.csv_body,
        json=row.json_body,
        computed_at=models.utcnow(),
        compute_seconds=row.compute_seconds,
        cached=False,
    )
    row.computed_at = served.computed_at
    refused = uow.refusal(lambda: begin_write(session))
    if refused is not None:
        log.warning("national evaluation of %s not stored: %s", as_of, refused.orig)
        uow.rollback(session)
        return served
    _store(session, row)
    return served


def render_ahead(engine: Engine, factory: sessionmaker[Session], *, today: date) -> bool:
    """Compute and store today's national evaluation when the stored one is missing or no longer
    current, and drop those of other days older than `KEPT_DAYS`; return whether it computed.
    Under the job's lock: two processes never compute it at once."""
    with job_lock(engine, f"job-{RENDER_NATIONAL_EVALUATION}") as acquired:
        if not acquired:
            log.info("job %s skipped: another process runs it", RENDER_NATIONAL_EVALUATION)
            return False
        with uow.unit_of_work(factory) as session:
            session.execute(
                delete(models.RenderedNationalEvaluation).where(
                    models.RenderedNationalEvaluation.as_of < today - timedelta(days=KEPT_DAYS)
                )
            )
        with factory() as session:
            if stored_evaluation(session, today) is not None:
                return False
            _, row = _compute(session, today)
            # The read transaction ends before the write: no snapshot is held while storing.
            uow.rollback(session)
            begin_write(session)
            stored = _store(session, row)
        log.info(
            "national evaluation of %s computed ahead in %.1f s of CPU%s",
            today,
            row.compute_seconds,
            "" if stored else " (not stored)",
        )
        return stored
