"""A real server for the tests that need one: a free port on 127.0.0.1, and uvicorn serving an app
in a thread (raw sockets, keep-alive, subscription clients and browsers talk to it)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(
    app: Any,
    *,
    port: int | None = None,
    lifespan: Literal["on", "off"] = "off",
    log_level: str = "warning",
    start_within_s: float = 20,
) -> Iterator[int]:
    """Serve `app` with uvicorn on 127.0.0.1 (on `port`, else a free one) in a daemon thread;
    yields the port once it listens, and stops the server when the block ends."""
    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level=log_level,
            access_log=False,
            lifespan=lifespan,
            ws="none",
        )
    )
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_within_s
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
