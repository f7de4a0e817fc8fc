"""Server memory under concurrent oversized request bodies, with the body caps off and on.

Starts uvicorn (one process, access log off) on 127.0.0.1 for each case, reads its resident
memory from /proc (VmRSS) once idle, then sends `--posts` concurrent POSTs of `--megabytes` MB
each to a JSON route with a valid bearer token, streamed from a generator in 1 MiB pieces (the
body is never held whole by the client), announced by Content-Length or sent chunked. A sampler
reads the server's VmRSS every 20 ms; each client stops when the server answers, or after
`--seconds`. "off" is the same app without `api.limits.BodyLimitMiddleware`: as the code was.
Loopback only; every server is stopped at the end.

    .venv/bin/python -m benchmarks.body_bench [--posts 4] [--megabytes 100] [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from fastapi import FastAPI

ROOT = Path(__file__).resolve().parent.parent
ENV_DB = "BODY_BENCH_DATABASE_URL"
SECRET = "body-bench-secret-key-0123456789abcdef"
PIECE = 1024 * 1024
MIB = 1024 * 1024


def _app() -> FastAPI:
    from api.main import create_app
    from scheduler.config import Settings

    return create_app(Settings(database_url=os.environ[ENV_DB], secret_key=SECRET))


def capped_app() -> FastAPI:
    """The app as it ships."""
    return _app()


def uncapped_app() -> FastAPI:
    """The app without the body middleware: bodies are read whole, as before the caps."""
    from api.limits import BodyLimitMiddleware

    app = _app()
    kept = [m for m in app.user_middleware if m.cls is not cast(object, BodyLimitMiddleware)]
    app.user_middleware = kept
    return app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _token() -> str:
    from scheduler import models
    from scheduler.auth import create_access_token
    from scheduler.config import Settings

    user = models.User(id=1, groupement_id=1, role=models.Role.COORDINATOR)
    return create_access_token(user, Settings(secret_key=SECRET))


def _body(size: int) -> Iterator[bytes]:
    """A JSON object whose one string fills `size` bytes, a piece at a time."""
    head, tail = b'{"code": "', b'"}'
    yield head
    left = size - len(head) - len(tail)
    piece = b"a" * PIECE
    while left > 0:
        yield piece[: min(left, PIECE)]
        left -= PIECE
    yield tail


@dataclass
class Post:
    """One client's outcome."""

    status: int = 0
    sent_mib: float = 0.0
    seconds: float = 0.0


def _post(port: int, size: int, chunked: bool, limit_s: float, token: str, out: Post) -> None:
    started = time.monotonic()
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = (
        "POST /api/v1/assistants HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    ).encode()
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=limit_s) as sock:
        sock.sendall(head)
        try:
            for piece in _body(size):
                if select.select([sock], [], [], 0)[0] or time.monotonic() - started > limit_s:
                    break  # the server answered (or time is up): stop sending
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            else:
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(max(1.0, limit_s - (time.monotonic() - started)))
        try:
            answer = sock.recv(256)
            out.status = int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0
        except (TimeoutError, ConnectionResetError):
            out.status = 0
    out.sent_mib = sent / MIB
    out.seconds = time.monotonic() - started


@dataclass
class Case:
    """The figures of one case."""

    caps: str
    framing: str
    idle_mib: float
    peak_mib: float
    statuses: list[int]
    sent_mib: float
    seconds: float


def _run_case(factory: str, chunked: bool, args: argparse.Namespace, database: str) -> Case:
    port = _free_port()
    env = {**os.environ, ENV_DB: database, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            f"benchmarks.body_bench:{factory}",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "error",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.2)
        time.sleep(0.5)
        idle = _rss_mib(server.pid)
        peak = idle
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, _rss_mib(server.pid))
                stop.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        token = _token()
        size = args.megabytes * 1000 * 1000
        posts = [Post() for _ in range(args.posts)]
        started = time.monotonic()
        clients = [
            threading.Thread(target=_post, args=(port, size, chunked, args.seconds, token, post))
            for post in posts
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        elapsed = time.monotonic() - started
        time.sleep(0.3)
        stop.set()
        sampler.join()
        return Case(
            "on" if factory == "capped_app" else "off",
            "chunked" if chunked else "Content-Length",
            idle,
            peak,
            sorted(post.status for post in posts),
            sum(post.sent_mib for post in posts),
            elapsed,
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> int:
    """Run the four cases and print them side by side."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=4, choices=range(1, 9))
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="body-bench-") as tmp:
        from scheduler.migrations import upgrade_to_head

        database = f"sqlite:///{Path(tmp) / 'partagenda.db'}"
        upgrade_to_head(database)
        cases = [
            _run_case(factory, chunked, args, database)
            for chunked in (False, True)
            for factory in ("uncapped_app", "capped_app")
        ]
    print(f"{args.posts} concurrent POSTs of {args.megabytes} MB to /api/v1/assistants")
    print(
        f"{'caps':<5} {'framing':<15} {'idle RSS MiB':>12} {'peak RSS MiB':>12} "
        f"{'sent MiB':>9} {'seconds':>8}  statuses"
    )
    for case in cases:
        print(
            f"{case.caps:<5} {case.framing:<15} {case.idle_mib:>12.0f} {case.peak_mib:>12.0f} "
            f"{case.sent_mib:>9.0f} {case.seconds:>8.2f}  {case.statuses}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
