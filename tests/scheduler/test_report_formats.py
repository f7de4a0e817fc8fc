"""The registry of report formats: each format is one entry that every caller reads. A throwaway
format registered here (a Markdown summary) is offered by the CLI, the settings and the monthly
snapshot job without any of them changing; tests/api/test_reports_api.py sees it through the API
and the auditor's page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from scheduler import jobs
from scheduler.cli import app
from scheduler.config import Settings
from scheduler.reports import (
    FORMATS,
    AllocationReport,
    ReportFormat,
    either_of,
    format_names,
    render_csv,
    render_json,
    render_pdf,
    report_digest,
)
from tests.scheduler.test_cli import cli_db  # noqa: F401 - registers the shared fixture
from tests.scheduler.test_jobs import NOW, ctx  # noqa: F401 - idem

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
