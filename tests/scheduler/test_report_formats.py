"""The registry of report formats: each format is one entry that every caller reads. A throwaway
format registered here (a Markdown summary) is offered by the CLI, the settings and the monthly
snapshot job without any of them changing; tests/api/test_reports_api.py sees it through the API
and the auditor's page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from scheduler import jobs, models
from scheduler.cli import app
from scheduler.config import Settings
from scheduler.report_cache import (
    prerender_contract,
    prerendered_formats,
    rendered,
    renderer_fingerprint,
    report_body,
)
from scheduler.reports import (
    FORMATS,
    AllocationReport,
    ReportFormat,
    build_report,
    either_of,
    format_names,
    parse_period,
    render_csv,
    render_json,
    render_pdf,
    report_digest,
)
from tests.scheduler.test_cli import cli_db  # noqa: F401 - registers the shared fixture
from tests.scheduler.test_jobs import NOW, ctx  # noqa: F401 - idem
from tests.scheduler.test_reports import Scenario, scenario  # noqa: F401 - idem

runner = CliRunner()


def render_markdown(report: AllocationReport) -> bytes:
    """A one-paragraph summary: enough to tell the report and its digest apart."""
    return f"# {report.header.name}\n\n{report.period.label} · {report_digest(report)}\n".encode()


MARKDOWN = ReportFormat(
    name="md",
    media_type="text/markdown; charset=utf-8",
    extension="md",
    render=render_markdown,
    page_label="résumé",
)


@pytest.fixture
def markdown(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReportFormat]:
    """The Markdown summary registered as a new format is: one entry in `FORMATS`."""
    monkeypatch.setitem(FORMATS, MARKDOWN.name, MARKDOWN)
    yield MARKDOWN


def test_the_registry_holds_each_format_once_with_its_media_type() -> None:
    # The formats of today, first and in this order; a format added later follows them.
    assert format_names()[:3] == ("pdf", "csv", "json")
    pdf, csv, json = (FORMATS[name] for name in ("pdf", "csv", "json"))
    assert (pdf.media_type, pdf.extension, pdf.render) == ("application/pdf", "pdf", render_pdf)
    assert (csv.media_type, csv.extension, csv.render) == (
        "text/csv; charset=utf-8",
        "csv",
        render_csv,
    )
    assert (json.media_type, json.extension, json.render) == (
        "application/json",
        "json",
        render_json,
    )
    assert [f.name for f in FORMATS.values() if f.prerendered] == ["pdf"]
    assert (pdf.page_label, csv.page_label, json.page_label) == ("PDF", "CSV", None)
    assert either_of(("pdf", "csv", "json")) == "pdf, csv ou json"
    assert either_of(("pdf", "csv"), "or") == "pdf or csv"
    assert either_of(("pdf",)) == "pdf"


def test_the_media_types_are_written_in_the_registry_only() -> None:
    root = Path(__file__).resolve().parents[2]
    formats = root / "scheduler" / "reports" / "formats"
    for media in ("application/pdf", "text/csv; charset=utf-8"):
        holders = [
            path.relative_to(root).as_posix()
            for folder in ("scheduler", "api")
            for path in sorted((root / folder).rglob("*.py"))
            if media in path.read_text(encoding="utf-8") and formats not in path.parents
        ]
        assert holders == [], media


def test_a_new_format_is_offered_by_the_cli(
    markdown: ReportFormat,
    cli_db: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    target = tmp_path / "summary.md"
    args = ["--period", "2026-Q4", "--format", "md", "-o", str(target)]
    result = runner.invoke(app, ["report", "pool-corny", *args])
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8").startswith("# ")
    refused = runner.invoke(app, ["report", "pool-corny", "--period", "2026-Q4", "--format", "x"])
    assert refused.exit_code == 2
    assert "« x » n'est pas pdf, csv, json ou md" in refused.stderr


def test_a_new_format_is_a_setting_and_the_snapshot_job_writes_it(
    markdown: ReportFormat,
    ctx: jobs.JobContext,  # noqa: F811
) -> None:
    assert Settings(report_formats=["md"]).report_formats == ["md"]
    with pytest.raises(ValidationError, match="pdf, csv, json or md"):
        Settings(report_formats=["xls"])
    ctx.settings.report_formats.append("md")
    assert jobs.snapshot_monthly_reports(ctx, now=NOW).outcome == "succeeded"
    written = ctx.settings.output_dir / "reports" / "2026-10"
    summaries = sorted(written.glob("*.md"))
    assert summaries and all(s.read_text(encoding="utf-8").startswith("# ") for s in summaries)


def test_an_unregistered_format_is_refused_by_the_setting() -> None:
    with pytest.raises(ValidationError, match="unknown report formats \\['xls'\\]: pdf, csv"):
        Settings(report_formats=["xls"])


def test_a_format_whose_entry_says_prerendered_is_rendered_ahead_and_served_from_the_store(
    session: Session, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`prerendered` in its entry is all a format needs to be rendered ahead by the job, stored
    by content digest beside the other prerendered formats, and served from the store. Here two
    throwaway formats (the Markdown summary and a text one) are; the PDF is left to be rendered
    on request, so that this test lays no PDF out."""
    case: Scenario = request.getfixturevalue("scenario")
    renders: list[str] = []

    def counted(name: str) -> ReportFormat:
        def render(report: AllocationReport) -> bytes:
            renders.append(name)
            return f"{name}: ".encode() + render_markdown(report)

        return replace(MARKDOWN, name=name, extension=name, render=render, prerendered=True)

    md, txt = counted("md"), counted("txt")
    for fmt in (md, txt):
        monkeypatch.setitem(FORMATS, fmt.name, fmt)
    monkeypatch.setitem(FORMATS, "pdf", replace(FORMATS["pdf"], prerendered=False))
    assert [f.name for f in prerendered_formats()] == ["md", "txt"]

    today = date(2026, 5, 20)
    assert prerender_contract(session, case.contract, today=today) == ["Y1", "2026-Q2"]
    assert renders == ["md", "txt", "md", "txt"]
    stored = session.execute(
        select(models.RenderedReport.period_label, models.RenderedReport.renderer)
    ).all()
    assert sorted(stored) == sorted(
        (label, renderer_fingerprint(name)) for label in ("Y1", "2026-Q2") for name in ("md", "txt")
    )
    assert renderer_fingerprint("md") != renderer_fingerprint("txt") != renderer_fingerprint()
    assert prerender_contract(session, case.contract, today=today) == []

    year = parse_period("Y1", contract_start=date(2026, 1, 5), duration_years=5)
    report = build_report(session, case.contract, year, today=today)
    renders.clear()
    assert report_body(session, report, md) == b"md: " + render_markdown(report)
    assert report_body(session, report, txt).startswith(b"txt: # ")
    assert renders == []  # both from the store
    assert rendered(session, report, md).cached

    # A format not prerendered is rendered at each request, and nothing of it is stored.
    plain = replace(md, name="plain", prerendered=False)
    assert report_body(session, report, plain) == b"md: " + render_markdown(report)
    assert renders == ["md"]
    assert len(session.scalars(select(models.RenderedReport.id)).all()) == 4
