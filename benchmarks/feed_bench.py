"""Serving a cached calendar feed: the feed route against a bare route returning the same bytes.

Builds a SQLite database with the demo groupement and two published weeks, renders the feeds,
issues a token, then starts uvicorn (one worker, access log off) on 127.0.0.1 and drives it with
wrk (Debian package `wrk`) for a few seconds per case, 100 connections, one wrk thread: the two
cores are shared by the server and the load generator. Loopback only; the server is stopped at the
end. Targets: feed ≥ 80 % of the bare route's throughput, p99 ≤ 20 ms, 304 at least as fast.

    .venv/bin/python -m benchmarks.feed_bench [--seconds 4] [--connections 100]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
ENV_DB = "FEED_BENCH_DATABASE_URL"
ENV_KEY = "FEED_BENCH_FEED_KEY"


def bench_app() -> FastAPI:
    """The real app plus `/bare.ics`, a plain Starlette route returning the same feed bytes."""
    from api.main import create_app
    from scheduler import models
    from scheduler.config import Settings
    from scheduler.db import make_engine

    url = os.environ[ENV_DB]
    app = create_app(Settings(database_url=url))
    engine = make_engine(url)
    with Session(engine) as session:
        feed = session.scalar(
            select(models.RenderedFeed).where(models.RenderedFeed.feed_key == os.environ[ENV_KEY])
        )
        assert feed is not None
        body, etag = bytes(feed.body), feed.etag
    engine.dispose()

    async def bare(_request: Request) -> Response:
        return Response(body, media_type="text/calendar; charset=utf-8", headers={"ETag": etag})

    app.router.routes.append(Route("/bare.ics", bare, methods=["GET", "HEAD"]))
    return app


def _prepare(directory: Path) -> tuple[str, str, str]:
    """A migrated database with rendered feeds; return its URL, the feed key and a token."""
    from scheduler import models
    from scheduler.db import make_engine
    from scheduler.feeds import create_feed_token, feed_key, refresh_feeds
    from scheduler.migrations import upgrade_to_head
    from tests.scheduler.feed_factories import demo_ids, publish_week

    url = f"sqlite:///{directory / 'bench.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    with Session(engine) as session:
        ids = demo_ids(session)
        for monday in (date(2026, 3, 23), date(2026, 3, 30), date(2026, 4, 6)):
            publish_week(session, ids, monday)
        refresh_feeds(session, ids.groupement_id, now=datetime(2026, 3, 25, 10, tzinfo=UTC))
        assistant = ids.assistants["julie"]
        token = create_feed_token(session, models.FeedKind.ASSISTANT, assistant, "benchmark")
        session.commit()
    engine.dispose()
    return url, feed_key(models.FeedKind.ASSISTANT, assistant), token


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Result:
    """One wrk run."""

    case: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert match is not None, text
    return float(match[1]) * _UNITS[match[2]]


def _wrk(case: str, url: str, seconds: int, connections: int, headers: list[str]) -> Result:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    assert rate and p50 and p99, output
    return Result(case, float(rate[1]), _ms(p50[1]), _ms(p99[1]), int(non_2xx[1]) if non_2xx else 0)


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("uvicorn exited before answering")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("uvicorn did not answer in 30 s")


def main() -> int:
    """Run the benchmark and print the table; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=100)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk")
        return 2

    with tempfile.TemporaryDirectory(prefix="feed-bench-") as tmp:
        url, key, token = _prepare(Path(tmp))
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, ENV_DB: url, ENV_KEY: key, "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "benchmarks.feed_bench:bench_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--no-access-log",  # the feed URL is a capability: never log it
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        try:
            feed_url = f"{base}/feeds/{token}.ics"
            _wait_ready(feed_url, server)
            with urllib.request.urlopen(feed_url, timeout=5) as response:
                etag = response.headers["ETag"]
                size = len(response.read())
            cases = [
                ("bare route, 200", f"{base}/bare.ics", []),
                ("feed route, 200", feed_url, []),
                ("feed route, 304", feed_url, [f"If-None-Match: {etag}"]),
            ]
            _wrk("warm-up", feed_url, 1, args.connections, [])
            results = [
                _wrk(name, target, args.seconds, args.connections, headers)
                for name, target, headers in cases
            ]
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    bare, feed, not_modified = results
    print(f"feed of {size} bytes, {args.connections} connections, {args.seconds} s per case")
    print(f"{'case':<18} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for r in results:
        print(
            f"{r.case:<18} {r.requests_per_s:>9.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f}"
            f" {r.non_2xx:>7}"
        )
    ratio = feed.requests_per_s / bare.requests_per_s
    checks = [
        (f"feed/bare throughput {ratio:.0%} >= 80%", ratio >= 0.8),
        (f"feed p99 {feed.p99_ms:.1f} ms <= 20 ms", feed.p99_ms <= 20.0),
        (
            f"304 {not_modified.requests_per_s:.0f} req/s >= 200 {feed.requests_per_s:.0f} req/s",
            not_modified.requests_per_s >= feed.requests_per_s * 0.97,  # within wrk's noise
        ),
        ("no errors", all(r.non_2xx == 0 for r in results)),
    ]
    for label, ok in checks:
        print(f"{'ok  ' if ok else 'MISS'} {label}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
