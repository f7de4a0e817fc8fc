"""Report PDFs rendered ahead and served by content digest, as the calendar feeds are.

Building a report (the JSON path) takes about ten milliseconds; laying its PDF out with WeasyPrint
takes about half a second. So a report's PDF is rendered once and stored in `rendered_report`
under the SHA-256 of the report's content (`reports.report_digest`) and the renderer's
fingerprint. A request builds the report, computes its digest and serves the stored bytes when
they match; on a miss it renders, stores and serves (correct, just slower). Whatever changes the
content (a publication, a ledger edit, a statement, a contract edit, a member's restricted view)
changes the digest, so a stale PDF is never served. The jobs process (`render-reports`) renders
each contract's current periods ahead, so that requests normally hit.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from scheduler import models, reports, uow
from scheduler.contribution import add_years
from scheduler.reports import AllocationReport, ReportFormat, build_report, parse_period, render_pdf
from scheduler.uow import begin_write
from solver import french as wording

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def renderer_fingerprint() -> str:
    """SHA-256 (hex) of what lays a PDF out: the template, the report code (every module of
    `scheduler.reports`), its French wording (`solver.french` and Babel's data), WeasyPrint, pydyf.

    Part of the key of a stored PDF: after an upgrade the PDFs are rendered again rather than
    served as the old code laid them out.
    """
    digest = hashlib.sha256()
    package = Path(reports.__file__).parent
    for path in (
        *sorted(package.rglob("*.py")),
        reports.TEMPLATES / "allocation.html",
        Path(wording.__file__),
    ):
        digest.update(path.read_bytes())
    for distribution in ("weasyprint", "pydyf", "babel"):
        digest.update(f"\n{distribution}=={version(distribution)}".encode())
    return digest.hexdigest()


def carries_digest(body: bytes, digest: str) -> bool:
    """Whether a PDF was rendered for `digest`: `render_pdf` makes its /ID the digest's first
    128 bits, written in the trailer at the end of the file."""
    return f"({digest[:32]})".encode() in body[-2048:]


@dataclass(frozen=True)
class ReportPdf:
    """A report's PDF, its content digest and whether it came from the store."""

    body: bytes
    digest: str
    cached: bool


def stored_pdf(session: Session, digest: str) -> bytes | None:
    """The stored PDF of the report whose content digest is `digest`, if any (reads only)."""
    body = session.scalar(
        select(models.RenderedReport.body).where(
            models.RenderedReport.content_digest == digest,
            models.RenderedReport.renderer == renderer_fingerprint(),
        )
    )
    if body is None:
        return None
    body = bytes(body)
    if not carries_digest(body, digest):
        log.error("stored PDF under digest %s was rendered for another report: ignored", digest)
        return None
    return body


def store_pdf(session: Session, report: AllocationReport, digest: str, body: bytes) -> None:
    """Stage `body` as the PDF of `report` (whose digest is `digest`), replacing the stale ones
    of the same contract, period and audience; stages, never commits.

    In its own SAVEPOINT: when another process stored the same digest meanwhile, its row (the
    same bytes) is kept and this one dropped.
    """
    if not carries_digest(body, digest):
        raise ValueError(f"this PDF was not rendered for the report {digest}")
    audience = report.visible_to_cabinet
    stored = models.RenderedReport

    def replace() -> bool:
        session.execute(
            delete(stored).where(
                stored.contract_id == report.header.contract_id,
                stored.period_label == report.period.label,
                stored.cabinet_id.is_(None) if audience is None else stored.cabinet_id == audience,
                or_(stored.content_digest != digest, stored.renderer != renderer_fingerprint()),
            )
        )
        session.add(
            stored(
                contract_id=report.header.contract_id,
                period_label=report.period.label,
                cabinet_id=audience,
                content_digest=digest,
                renderer=renderer_fingerprint(),
                body=body,
            )
        )
        session.flush()
        return True

    if uow.insert_or_none(session, replace) is None:
        log.info("PDF of report %s stored meanwhile by another process", digest)


def report_body(session: Session, report: AllocationReport, fmt: ReportFormat) -> bytes:
    """The bytes of `report` in `fmt`, as a request serves them: a format rendered ahead (the
    PDF, `prerendered`) from the store by content digest, any other rendered now."""
    if fmt.prerendered:
        return report_pdf(session, report).body
    return fmt.render(report)


def report_pdf(session: Session, report: AllocationReport) -> ReportPdf:
    """The PDF of `report`: the stored one when its content digest matches, else rendered, stored
    and committed (same inputs, same bytes, so either way the bytes are the same). For a
    session that stages nothing (a request's): the store takes the write lock first
    (`begin_write`), as on SQLite another writer may have committed since the report was read.

    A store the database refuses all the same is only a missed cache: the PDF is served, and
    `render-reports` stores it on its next run.
    """
    digest = reports.report_digest(report)
    body = stored_pdf(session, digest)
    if body is not None:
        return ReportPdf(body, digest, cached=True)
    body = render_pdf(report)
    refused = uow.refusal(lambda: begin_write(session))
    if refused is not None:
        log.warning("PDF of report %s not stored: %s", digest, refused.orig)
        uow.rollback(session)
        return ReportPdf(body, digest, cached=False)
    _store(session, report, digest, body)
    return ReportPdf(body, digest, cached=False)


def _store(session: Session, report: AllocationReport, digest: str, body: bytes) -> bool:
    """Store and commit a PDF; False (logged) when the database refused it. `store_pdf` works in
    a SAVEPOINT, so a refusal leaves the session's transaction as it was."""
    refused = uow.refusal(lambda: store_pdf(session, report, digest, body))
    if refused is not None:
        log.warning("PDF of report %s not stored: %s", digest, refused.orig)
        return False
    uow.commit(session)
    return True


def current_periods(contract: models.PooledContract, today: date) -> tuple[str, ...]:
    """The periods rendered ahead for `contract` on `today`: the contract year the pages link to,
    and the calendar quarter."""
    return (
        contract_year(contract.start_date, contract.duration_years, today),
        f"{today.year:04d}-Q{(today.month + 2) // 3}",
    )


def contract_year(start: date, duration_years: int, today: date) -> str:
    """The contract year (`Y1`...) containing `today`, clamped to the contract's duration."""
    years = (today.year - start.year) - ((today.month, today.day) < (start.month, start.day))
    return f"Y{min(max(years + 1, 1), duration_years)}"


def inputs_stamp(session: Session) -> tuple[object, ...]:
    """A cheap fingerprint of everything a report is built from, deployment-wide: the audit log
    (every edit, publication and import writes to it), the hours ledger, the statements and the
    absences, by last id or update and row count (so that a deletion shows too), and the stored
    PDFs themselves (a database emptied or restored under the same URL differs there). Equal
    stamps on the same day mean no report changed and nothing stored went away; a run that
    stores PDFs changes it, so the next run looks once more and finds nothing to do."""
    stamp: list[object] = []
    for table, column in (
        (models.AuditLog, models.AuditLog.id),
        (models.LedgerEntry, models.LedgerEntry.updated_at),
        (models.PatienteleSnapshot, models.PatienteleSnapshot.id),
        (models.Absence, models.Absence.id),
        (models.RenderedReport, models.RenderedReport.id),
    ):
        stamp.extend(
            session.execute(select(func.max(column), func.count()).select_from(table)).one()
        )
    return tuple(stamp)


def is_current(contract: models.PooledContract, today: date) -> bool:
    """Whether `today` lies within the contract's years (rendering ahead is for those only)."""
    return contract.start_date <= today < add_years(contract.start_date, contract.duration_years)


def prerender_contract(
    session: Session, contract: models.PooledContract, *, today: date, release_reads: bool = False
) -> list[str]:
    """Render and store the missing PDFs of the contract's current periods (full reports), each
    committed on its own, and drop the stored PDFs of periods no longer current; return the
    period labels rendered.

    With `release_reads` (for a session that holds nothing staged, as the job's), the read
    transaction ends before each half-second render, so that no snapshot is held through it.
    """
    labels = current_periods(contract, today)
    contract_id = contract.id
    session.execute(
        delete(models.RenderedReport).where(
            models.RenderedReport.contract_id == contract_id,
            models.RenderedReport.period_label.not_in(labels),
        )
    )
    uow.commit(session)
    rendered: list[str] = []
    for label in labels:
        contract = session.get_one(models.PooledContract, contract_id)
        period = parse_period(
            label, contract_start=contract.start_date, duration_years=contract.duration_years
        )
        report = build_report(session, contract, period, today=today)
        digest = reports.report_digest(report)
        if stored_pdf(session, digest) is not None:
            continue
        if release_reads:
            uow.rollback(session)
        if _store(session, report, digest, render_pdf(report)):
            rendered.append(label)
    return rendered
