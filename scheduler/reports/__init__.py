"""Allocation reports for the CPAM and the members: load, compute (scheduler/contribution), render.

- `periods`: `parse_period` reads `2026-11`, `2026-Q4`, `Y1`, `2026-Y`.
- `build`: `load_contract_input` reads the database (never writes); `build_report` makes an
  `AllocationReport`; `report_for` applies the access rules.
- `content`: `report_content` is the report's canonical JSON-able content, whose SHA-256
  (`report_digest`) is printed in every format.
- `formats`: the registry of formats (`FORMATS`), one module each: `render_json`, `render_csv`,
  `render_pdf`; same inputs, same bytes (the PDF's dates come from the data, never the clock).
- `wording`, `charts`: the French wording and the SVG charts the formats share.
- `national`: `national_export_lines` streams the national CSV in constant memory, every week of
  every contract; `NationalExport` adds the SHA-256 of its bytes.
- `write_report` (here) is the CLI's and the jobs' entry point.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from scheduler.errors import InvalidPeriod
from scheduler.reports.build import (
    AllocationReport,
    ContractHeader,
    RotaVersion,
    build_report,
    find_contract,
    load_contract_input,
    local_today,
    policy_params,
    report_for,
    restrict_to_cabinet,
)
from scheduler.reports.charts import hours_chart, progress_chart
from scheduler.reports.content import (
    REPORT_FORMAT_VERSION,
    report_content,
    report_digest,
    verify_json,
)
from scheduler.reports.formats import FORMATS, ReportFormat, either_of, format_names
from scheduler.reports.formats.as_csv import CSV_COLUMNS, render_csv
from scheduler.reports.formats.as_json import render_json
from scheduler.reports.formats.as_pdf import TEMPLATES, render_html, render_pdf
from scheduler.reports.national import NATIONAL_COLUMNS, NationalExport, national_export_lines
from scheduler.reports.periods import Period, parse_period
from scheduler.reports.wording import STATUS_FR, fr_period, status_basis


def write_report(session: Session, contract_code_or_id: str | int, period: str, fmt: str) -> bytes:
    """The full report of a contract (by code or id) for `period` in the format named `fmt`.

    For the CLI (`partagenda report CONTRACT --period 2026-Q4 --format pdf`) and the jobs; no
    access check.
    """
    if fmt not in FORMATS:
        raise InvalidPeriod(fmt, f"format inconnu : {either_of(format_names())}")
    contract = find_contract(session, contract_code_or_id)
    parsed = parse_period(
        period, contract_start=contract.start_date, duration_years=contract.duration_years
    )
    return FORMATS[fmt].render(build_report(session, contract, parsed))


__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "NATIONAL_COLUMNS",
    "REPORT_FORMAT_VERSION",
    "STATUS_FR",
    "TEMPLATES",
    "AllocationReport",
    "ContractHeader",
    "Period",
    "ReportFormat",
    "RotaVersion",
    "build_report",
    "either_of",
    "find_contract",
    "format_names",
    "fr_period",
    "hours_chart",
    "load_contract_input",
    "local_today",
    "NationalExport",
    "national_export_lines",
    "parse_period",
    "policy_params",
    "progress_chart",
    "render_csv",
    "render_html",
    "render_json",
    "render_pdf",
    "report_content",
    "report_digest",
    "report_for",
    "restrict_to_cabinet",
    "status_basis",
    "verify_json",
    "write_report",
]
