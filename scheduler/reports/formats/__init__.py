"""The registry of report formats: each format is one module here and one entry in `FORMATS`.

Everything that offers a format reads this registry: the API's `?format=`, the auditor page's
downloads, `partagenda report --format`, the demo export, the `report_formats` setting and the
monthly snapshot job, and the PDF store (`prerendered`). A new format is a module defining its
`FORMAT` (a `ReportFormat`) and one line below.
"""

from __future__ import annotations

from scheduler.reports.formats import as_csv, as_json, as_pdf
from scheduler.reports.formats.base import ReportFormat

FORMATS: dict[str, ReportFormat] = {
    f.name: f
    for f in (
        as_pdf.FORMAT,
        as_csv.FORMAT,
        as_json.FORMAT,
    )
}
"""The formats by name, in the order they are offered (pdf, csv, json)."""


def format_names() -> tuple[str, ...]:
    """The names of the registered formats, in their order."""
    return tuple(FORMATS)


def either_of(names: tuple[str, ...], conjunction: str = "ou") -> str:
    """`pdf, csv ou json`: the names, for a message."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


__all__ = ["FORMATS", "ReportFormat", "either_of", "format_names"]
