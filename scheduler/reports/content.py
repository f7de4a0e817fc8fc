"""A report's canonical content and its digest, printed in every format.

`report_content` is the report's canonical JSON-able content, whose SHA-256 (`report_digest`,
over compact sorted-key UTF-8 JSON) every format prints.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from scheduler.contribution import round_to
from scheduler.reports.build import AllocationReport

REPORT_FORMAT_VERSION = 1


def _plain(value: Any) -> Any:
    """JSON-able form: Decimals as strings (at most 4 decimals), dates ISO, sorted containers."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        shown = round_to(value, 4) if isinstance(exponent, int) and exponent < -4 else value
        return f"{shown:f}"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    return value


def report_content(report: AllocationReport) -> dict[str, Any]:
    """The report's canonical content (what the digest covers)."""
    content: dict[str, Any] = _plain(report)
    content["format_version"] = REPORT_FORMAT_VERSION
    return content


def _canonical(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def report_digest(report: AllocationReport) -> str:
    """SHA-256 (hex) of the canonical JSON of the report's content."""
    return hashlib.sha256(_canonical(report_content(report))).hexdigest()


def verify_json(body: bytes) -> bool:
    """True when a JSON report's `sha256` matches its content."""
    document = json.loads(body)
    digest = document.pop("sha256")
    return bool(hashlib.sha256(_canonical(document)).hexdigest() == digest)
