"""Metrics and logs: Prometheus counters shared by the API and the jobs process, JSON log lines.

Metrics live in the default registry. With `PROMETHEUS_MULTIPROC_DIR` set (uvicorn with several
workers, and the jobs process when it shares the directory) prometheus-client writes them to files
in that directory and `metrics_payload` aggregates every process's files.

Logs are one JSON object per line, carrying the request id of the request being served. Feed
tokens (`/feeds/<token>`) and credentials (`Authorization` values, `token=` parameters) are
redacted from every message: a token in a log is a leaked calendar.
"""

from __future__ import annotations

import logging
import logging.config
import os
import re
import sqlite3
import traceback
from collections.abc import Callable
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
    start_http_server,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter
from sqlalchemy.exc import StatementError

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


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def serve_metrics(address: str) -> Callable[[], None]:
    """Serve the metrics (every process's, with `PROMETHEUS_MULTIPROC_DIR`) over plain HTTP on
    `address` (`host:port`, as `Settings.metrics_address` checks it) in a daemon thread; returns
    the function that stops it."""
    host, _, port = address.rpartition(":")
    server, thread = start_http_server(int(port), addr=host.strip("[]"), registry=_registry())

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop


def metrics_payload() -> tuple[bytes, str]:
    """The Prometheus text exposition of every metric, and its content type."""
    return generate_latest(_registry()), CONTENT_TYPE_LATEST


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
        if isinstance(record.args, tuple):
            record.args = tuple(_scrub(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _scrub(arg) for key, arg in record.args.items()}
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


def describe_database_error(error: BaseException) -> str:
    """A database error told without its SQL parameters or row data.

    A driver's message carries the values it refused (PostgreSQL's `DETAIL: Key (email)=(...)`)
    and SQLAlchemy's adds the statement: personal data has no place in a log. What is kept is
    enough to act on: the error's class, the driver's class and SQLSTATE, and the constraint.
    """
    if not isinstance(error, StatementError):
        return type(error).__name__
    original = getattr(error, "orig", None)
    parts = [type(error).__name__]
    if original is not None:
        parts.append(type(original).__name__)
        sqlstate = getattr(original, "sqlstate", None)
        if sqlstate:
            parts.append(f"sqlstate={sqlstate}")
        diagnostic = getattr(original, "diag", None)
        constraint = getattr(diagnostic, "constraint_name", None)
        if constraint:
            parts.append(f"constraint={constraint}")
        elif isinstance(original, sqlite3.Error) and original.args:
            # SQLite names the columns of the broken constraint, never the values.
            parts.append(f"reason={str(original.args[0]).split(':', 1)[0]}")
    return " ".join(parts)


def _scrub(value: object) -> object:
    return describe_database_error(value) if isinstance(value, StatementError) else value


class JsonFormatter(_LibraryJsonFormatter):
    """One JSON object per line: time, level, logger, message, request id, extras, exception.

    Built on python-json-logger; the exception text is redacted and a database error's
    traceback ends with `describe_database_error` instead of the driver's message.
    """

    def __init__(self) -> None:
        super().__init__(
            "{message}",
            style="{",
            json_default=str,
            json_ensure_ascii=False,
            reserved_attrs=sorted(_STANDARD - {"message"}),
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        """Time, level, logger and request id first, then the message and the extras."""
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"
        )
        log_data["level"] = record.levelname.lower()
        log_data["logger"] = record.name
        request_id = request_id_var.get()
        if request_id is not None:
            log_data["request_id"] = request_id
        super().add_fields(log_data, record, message_dict)
        log_data.pop("exc_info", None)
        if "exc_info" in message_dict:
            log_data["exception"] = message_dict["exc_info"]
        for key in [key for key in log_data if key.startswith("_")]:
            del log_data[key]

    def formatException(self, ei: Any) -> str:
        """The traceback, redacted; a database error's last line told without its data."""
        _kind, error, trace = ei
        if isinstance(error, StatementError):
            stack = "".join(traceback.format_tb(trace))
            text = f"Traceback (most recent call last):\n{stack}{describe_database_error(error)}"
            return redact(text)
        # python-json-logger's array form is off (`exc_info_as_array`): this is a string.
        return redact(str(super().formatException(ei)))


def logging_config(*, json_lines: bool = True, level: str = "INFO") -> dict[str, Any]:
    """The `logging.config.dictConfig` of every process of the service (uvicorn's `log_config`).

    The root logger writes to stderr through the redacting filter, as JSON lines or plain text;
    uvicorn's loggers pass their records up to it. uvicorn's own access log stays off: it prints
    raw paths (feed tokens), and the API's middleware logs each request by its route template.
    """
    plain = "%(asctime)s %(levelname)s %(name)s %(message)s"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactingFilter}},
        "formatters": {"json": {"()": JsonFormatter}, "plain": {"format": plain}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["redact"],
                "formatter": "json" if json_lines else "plain",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "CRITICAL"},
        },
    }


def configure_logging(*, json_lines: bool = True, level: str = "INFO") -> None:
    """Configure this process's logging with `logging_config` (the jobs process, the CLI)."""
    logging.config.dictConfig(logging_config(json_lines=json_lines, level=level))
