"""The report as indented JSON, its digest in `sha256`."""

from __future__ import annotations

import json

from scheduler.reports.build import AllocationReport
from scheduler.reports.content import report_content, report_digest
from scheduler.reports.formats.base import ReportFormat


def render_json(report: AllocationReport) -> bytes:
    """The report as indented JSON, its digest in `sha256`."""
    document = report_content(report)
    document["sha256"] = report_digest(report)
    return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


FORMAT = ReportFormat(
    name="json", media_type="application/json", extension="json", render=render_json
)
