"""What a report format is: one entry of the registry (`scheduler.reports.formats`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scheduler.reports.build import AllocationReport


@dataclass(frozen=True)
class ReportFormat:
    """A rendering of the allocation report, as the API, the pages, the CLI, the jobs and the
    settings know it.

    - `name`: the value of `?format=`, of `--format`, of the `report_formats` setting, and the
      last part of a page download's path (`rapport.pdf`).
    - `media_type`: the response's Content-Type (the one place it is written).
    - `extension`: of the files written and downloaded (`rapport-{code}-{period}.{extension}`).
    - `render`: the bytes of a report; same report, same bytes.
    - `prerendered`: rendered ahead by the jobs and served from the store by content digest
      (`scheduler.report_cache`), because rendering is slow (the PDF); a format sets it in its
      entry, and the store, the job and the requests take it.
    - `carries_digest`: whether bytes were rendered for the report of a content digest (the
      PDF's /ID), checked on what the store serves; None: the store's key is enough.
    - `page_label`: the download offered on the auditor's page ("Télécharger le PDF"), None
      when the pages do not offer it.
    """

    name: str
    media_type: str
    extension: str
    render: Callable[[AllocationReport], bytes]
    prerendered: bool = False
    page_label: str | None = None
    carries_digest: Callable[[bytes, str], bool] | None = None
