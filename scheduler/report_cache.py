"""Reports rendered ahead and served by content digest, as the calendar feeds are: the formats
whose registry entry says `prerendered` (the PDF).

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
from scheduler.reports import FORMATS, AllocationReport, ReportFormat, build_report, parse_period
from scheduler.reports.formats import as_pdf
from scheduler.uow import begin_write
from solver import french as wording

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _fingerprint_files() -> str:
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


@lru_cache(maxsize=16)
def renderer_fingerprint(format_name: str = "pdf") -> str:
    """SHA-256 (hex) of what renders a format: the template, the report code (every module of
    `scheduler.reports`, the formats' included), its French wording (`solver.french` and Babel's
    data), WeasyPrint, pydyf, and the format's name.

    Part of the key of a stored rendering: after an upgrade the reports are rendered again rather
    than served as the old code laid them out, and each format has its own key.
    """
    return hashlib.sha256(f"{_fingerprint_files()}\nformat={format_name}".encode()).hexdigest()


def carries_digest(body: bytes, digest: str) -> bool:
    """Whether a PDF was rendered for `digest` (its /ID: `reports.formats.as_pdf`)."""
    return as_pdf.carries_digest(body, digest)


@dataclass(frozen=True)
class ReportPdf:
    """A report's rendering in a prerendered format (the PDF), its content digest and whether
    it came from the store."""

    body: bytes
    digest: str
    cached: bool


def prerendered_formats() -> tuple[ReportFormat, ...]:
    """The registered formats rendered ahead and served from the store (`prerendered`)."""
    return tuple(fmt for fmt in FORMATS.values() if fmt.prerendered)


def stored_rendering(session: Session, digest: str, fmt: ReportFormat) -> bytes | None:
    """The stored bytes in `fmt` of the report whose content digest is `digest` (reads only)."""
    body = session.scalar(
        select(models.RenderedReport.body).where(
            models.RenderedReport.content_digest == digest,
            models.RenderedReport.renderer == renderer_fingerprint(fmt.name),
        )
    )
    if body is None:
        return None
    body = bytes(body)
    if fmt.carries_digest is not None and not fmt.carries_digest(body, digest):
        log.error(
            "stored %s under digest %s was rendered for another report: ignored", fmt.name, digest
        )
        return None
    return body


def stored_pdf(session: Session, digest: str) -> bytes | None:
    """The stored PDF of the report whose content digest is `digest`, if any (reads only)."""
    return stored_rendering(session, digest, FORMATS["pdf"])


def store_rendering(
    session: Session, report: AllocationReport, digest: str, body: bytes, fmt: ReportFormat
) -> None:
    """Stage `body` as the rendering in `fmt` of `report` (whose digest is `digest`), replacing
    the stale ones of the same contract, period, audience and format; stages, never commits.

    In its own SAVEPOINT: when another process stored the same digest meanwhile, its row (the
    same bytes) is kept and this one dropped. The current renderings in the other prerendered
    formats stay (each format has its own renderer fingerprint).
    """
    if fmt.carries_digest is not None and not fmt.carries_digest(body, digest):
        raise ValueError(f"this {fmt.name} was not rendered for the report {digest}")
    audience = report.visible_to_cabinet
    stored = models.RenderedReport
    renderer = renderer_fingerprint(fmt.name)
    others = [renderer_fingerprint(f.name) for f in prerendered_formats() if f.name != fmt.name]

    def replace() -> bool:
        session.execute(
            delete(stored).where(
                stored.contract_id == report.header.contract_id,
                stored.period_label == report.period.label,
                stored.cabinet_id.is_(None) if audience is None else stored.cabinet_id == audience,
                stored.renderer.not_in(others),
                or_(stored.content_digest != digest, stored.renderer != renderer),
            )
        )
        session.add(
            stored(
                contract_id=report.header.contract_id,
                period_label=report.period.label,
                cabinet_id=audience,
                content_digest=digest,
                renderer=renderer,
                body=body,
            )
        )
        session.flush()
        return True

    if uow.insert_or_none(session, replace) is None:
        log.info("%s of report %s stored meanwhile by another process", fmt.name, digest)


def store_pdf(session: Session, report: AllocationReport, digest: str, body: bytes) -> None:
    """`store_rendering` of a PDF."""
    store_rendering(session, report, digest, body, FORMATS["pdf"])


def report_body(session: Session, report: AllocationReport, fmt: ReportFormat) -> bytes:
    """The bytes of `report` in `fmt`, as a request serves them: a format rendered ahead
    (`prerendered`, the PDF) from the store by content digest, any other rendered now."""
    if fmt.prerendered:
        return rendered(session, report, fmt).body
    return fmt.render(report)


def report_pdf(session: Session, report: AllocationReport) -> ReportPdf:
    """`rendered` in PDF."""
    return rendered(session, report, FORMATS["pdf"])


def rendered(session: Session, report: AllocationReport, fmt: ReportFormat) -> ReportPdf:
    """`report` in the prerendered `fmt`: the stored bytes when its content digest matches,
    else rendered, stored and committed (same inputs, same bytes, so either way the bytes are
    the same). For a session that stages nothing (a request's): the store takes the write lock
    first (`begin_write`), as on SQLite another writer may have committed since the report was
    read.

    A store the database refuses all the same is only a missed cache: the bytes are served, and
    `render-reports` stores them on its next run.
    """
    digest = reports.report_digest(report)
    body = stored_rendering(session, digest, fmt)
    if body is not None:
        return ReportPdf(body, digest, cached=True)
    body = fmt.render(report)
    refused = uow.refusal(lambda: begin_write(session))
    if refused is not None:
        log.warning("%s of report %s not stored: %s", fmt.name, digest, refused.orig)
        uow.rollback(session)
        return ReportPdf(body, digest, cached=False)
    _store(session, report, digest, body, fmt)
    return ReportPdf(body, digest, cached=False)


def _store(
    session: Session, report: AllocationReport, digest: str, body: bytes, fmt: ReportFormat
) -> bool:
    """Store and commit a rendering; False (logged) when the database refused it.
    `store_rendering` works in a SAVEPOINT, so a refusal leaves the session's transaction as it
    was."""
    refused = uow.refusal(lambda: store_rendering(session, report, digest, body, fmt))
    if refused is not None:
        log.warning("%s of report %s not stored: %s", fmt.name, digest, refused.orig)
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
    """Render and store the missing renderings, in every prerendered format, of the contract's
    current periods (full reports), each committed on its own, and drop the stored renderings of
    periods no longer current; return the period labels that had one rendered.

    With `release_reads` (for a session that holds nothing staged, as the job's), the read
    transaction ends before each render, so that no snapshot is held through it.
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
    rendered_labels: list[str] = []
    for label in labels:
        contract = session.get_one(models.PooledContract, contract_id)
        period = parse_period(
            label, contract_start=contract.start_date, duration_years=contract.duration_years
        )
        report = build_report(session, contract, period, today=today)
        digest = reports.report_digest(report)
        for fmt in prerendered_formats():
            if stored_rendering(session, digest, fmt) is not None:
                continue
            if release_reads:
                uow.rollback(session)
            if _store(session, report, digest, fmt.render(report), fmt) and (
                label not in rendered_labels
            ):
                rendered_labels.append(label)
    return rendered_labels
