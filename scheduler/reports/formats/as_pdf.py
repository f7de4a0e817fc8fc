"""The report as a French PDF, laid out by WeasyPrint from an HTML template; same inputs, same bytes
(the PDF's dates come from the data, never from the clock).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, Template, select_autoescape

from scheduler.evaluation.charts import data_uri, event_study_data_uri
from scheduler.french import clock_digits, duration, euros, long_date, number, percent, short_date
from scheduler.reports.build import AllocationReport
from scheduler.reports.charts import hours_chart, progress_chart
from scheduler.reports.content import report_digest
from scheduler.reports.evaluation_text import (
    METHOD_FR,
    METHOD_TITLE,
    indicator_fr,
    interval_fr,
    method_fr,
    pretrend_fr,
)
from scheduler.reports.formats.base import ReportFormat
from scheduler.reports.wording import STATUS_FR, fr_period, status_basis

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "report"


@lru_cache(maxsize=1)
def _template() -> Template:
    # Compiled once per process (compiling took 30 ms, a third of a JSON report); rendering a
    # compiled Jinja template is thread-safe.
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"])
    )
    env.filters.update(
        number=number,
        percent=percent,
        euros=euros,
        hours=duration,
        long_date=long_date,
        short_date=short_date,
        clock_digits=clock_digits,
    )
    return env.get_template("allocation.html")


def render_html(report: AllocationReport, *, digest: str | None = None) -> str:
    """The report as the HTML the PDF is printed from (`digest`: the report's, if known)."""
    f = report.figures
    names = {m.cabinet_id: m.name for m in f.members}
    ev = report.evaluation
    return _template().render(
        ev=ev,
        event_charts=[
            event_study_data_uri(i.events, f"Étude d’événement — {indicator_fr(i)}")
            for i in (ev.indicators if ev is not None else ())
            if i.events
        ],
        indicator_fr=indicator_fr,
        interval_fr=interval_fr,
        pretrend_fr=pretrend_fr,
        method_name_fr=method_fr,
        method_title=METHOD_TITLE,
        method_fr=METHOD_FR,
        r=report,
        h=report.header,
        f=f,
        names=names,
        status_fr=STATUS_FR,
        status_basis=status_basis,
        period_fr=fr_period(report.period),
        digest=digest or report_digest(report),
        created=report.data_as_of.isoformat().replace("+00:00", "Z"),
        hours_svg=data_uri(hours_chart(f.members)),
        progress_svg=data_uri(progress_chart(f)),
        cost_split_fr="au prorata des parts contractuelles"
        if report.header.cost_split == "by_share"
        else "au prorata des heures reçues",
        split_fr={"by_share": "parts contractuelles", "by_hours": "heures reçues"},
        rota_status_fr={"published": "publié", "superseded": "remplacé", "draft": "brouillon"},
        band_level=percent(report.header.band_level, 0),
        basis_fr={"none": "—", "projected": "projetée", "reached": "constatée"},
    )


def render_pdf(report: AllocationReport) -> bytes:
    """The French PDF (WeasyPrint); identical inputs give identical bytes."""
    from weasyprint import HTML  # imported late: WeasyPrint is slow to import

    digest = report_digest(report)
    pdf: bytes = HTML(string=render_html(report, digest=digest)).write_pdf(
        pdf_identifier=digest[:32].encode(), uncompressed_pdf=False
    )
    return pdf


def carries_digest(body: bytes, digest: str) -> bool:
    """Whether a PDF was rendered for `digest`: `render_pdf` makes its /ID the digest's first
    128 bits, written in the trailer at the end of the file."""
    return f"({digest[:32]})".encode() in body[-2048:]


FORMAT = ReportFormat(
    name="pdf",
    media_type="application/pdf",
    extension="pdf",
    render=render_pdf,
    prerendered=True,
    page_label="PDF",
    carries_digest=carries_digest,
)
