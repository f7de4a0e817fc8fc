"""Metrics and logs: Prometheus counters shared by the API and the jobs process, JSON log lines.

Metrics live in the default registry. With `PROMETHEUS_MULTIPROC_DIR` set (uvicorn with several
workers, and the jobs process when it shares the directory) prometheus-client writes them to files
in that directory and `metrics_payload` aggregates every process's files.

Logs are one JSON object per line, carrying the request id of the request being served. Feed
tokens (`/feeds/<token>`) and credentials (`Authorization` values, `token=` parameters) are
redacted from every message: a token in a log is a leaked calendar.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess

HTTP_REQUESTS = Counter(
    "partagenda_http_requests",
    "HTTP requests served, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "partagenda_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PLAN_RUNS = Counter(
    "partagenda_plan_runs",
    "Plan runs executed by the jobs process, by final state.",
    ["state"],
)
SOLVE_SECONDS = Histogram(
    "partagenda_plan_run_solve_seconds",
    "Wall-clock seconds of an executed plan run.",
    buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300, 600),
)
FEED_HITS = Counter(
    "partagenda_feed_requests",
    "Calendar feed requests, by status (200, 304, 404).",
    ["status"],
)
JOB_RUNS = Counter(
    "partagenda_job_runs",
    "Scheduled job executions, by job id and outcome.",
    ["job", "outcome"],
)

request_id_var: ContextVar[str | None] = ContextVar("partagenda_request_id", default=None)


def record_feed_hit(status: int) -> None:
    """Count one calendar feed request (called by the feed route)."""
    FEED_HITS.labels(status=str(status)).inc()


def metrics_payload() -> tuple[bytes, str]:
    """The Prometheus text exposition of every metric, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


# --- Logs ----------------------------------------------------------------------------------------

_FEED_PATH = re.compile(r"(/feeds/)(?!\{)[^/\s?\"']+")
_AUTHORIZATION = re.compile(
    r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(bearer\s+|basic\s+)?[^\s,\"'}]+"
)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+")
_TOKEN_PARAM = re.compile(r"(?i)([?&](?:token|access_token|password)=)[^&\s\"']+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """`text` without feed tokens, authorization values or token parameters."""
    text = _FEED_PATH.sub(rf"\1{REDACTED}", text)
    text = _AUTHORIZATION.sub(rf"\1{REDACTED}", text)
    text = _BEARER.sub(rf"\1{REDACTED}", text)
    return _TOKEN_PARAM.sub(rf"\1{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and string extras) with `redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            entry["request_id"] = request_id
        entry.update(
            {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
        )
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(*, json_lines: bool = True, level: int = logging.INFO) -> None:
    """Send the root logger to stderr, as JSON lines (or plain text), with redaction."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_partagenda", False):
            root.removeHandler(existing)
    handler._partagenda = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's access log prints raw paths (feed tokens): requests are logged by our middleware.
    logging.getLogger("uvicorn.access").disabled = True
