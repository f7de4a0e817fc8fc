"""A live Partagenda for the browser tests: uvicorn on 127.0.0.1 and a free port, in a thread, on
a fresh SQLite file with the demo loaded, with a second thread that executes queued plan runs (the
jobs process's part); and Debian's headless Chromium driven by Playwright's sync API."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from api.main import create_app
from api.pages import install_pages
from scheduler.config import Settings
from scheduler.db import make_engine, make_session_factory
from scheduler.demo import load_demo
from scheduler.migrations import upgrade_to_head
from scheduler.runs import run_pending_inline
from scheduler.uow import unit_of_work
from tests.conftest import missing_tool
from tests.live import free_port

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class LiveServer:
    """Where the app under test answers, and its database (to stage data the pages read)."""

    base_url: str
    database_url: str = ""
    app: FastAPI | None = None


@contextmanager
def serving(app: FastAPI, settings: Settings, factory: sessionmaker[Session]) -> Iterator[None]:
    """uvicorn serving `app` on the settings' port in a thread, and a thread executing the plan
    runs as a jobs process would; both stopped on leaving."""
    import uvicorn

    port = int((settings.public_base_url or "").rsplit(":", 1)[-1])
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none"
        )
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    stop = threading.Event()

    def execute_runs() -> None:
        while not stop.is_set():
            # Deterministic: the pages' tests read the rota they get (its travel, its blocks).
            run_pending_inline(factory)
            stop.wait(0.3)

    worker = threading.Thread(target=execute_runs, name="plan-runs", daemon=True)
    worker.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield
    finally:
        stop.set()
        server.should_exit = True
        thread.join(timeout=10)
        worker.join(timeout=60)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with its pages, served by uvicorn, and a worker thread running plan runs."""
    if not Path(CHROMIUM).exists():
        missing_tool(f"{CHROMIUM} is absent (apt-get install chromium): no browser to drive")

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'partagenda.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        load_demo(session)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=url,
        secret_key="browser-test-secret-key-0123456789abcdef",
        solver_time_limit_s=3.0,
        public_base_url=base_url,
        log_json=False,
    )
    app = create_app(settings)
    install_pages(app)
    with serving(app, settings, factory):
        yield LiveServer(base_url, url, app)
    engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_sign_in_limit(live_server: LiveServer) -> None:
    """Each test starts with no sign-in attempt counted for 127.0.0.1: the suite signs in far
    more than 20 times a minute from that one address."""
    if live_server.app is not None:
        live_server.app.state.sign_in_limiter = None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, with the flags a closed network needs."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        missing_tool(f"{CHROMIUM} is absent: no browser to drive")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder of the page screenshots (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


DESKTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


def _page(browser: Browser, viewport: ViewportSize) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def desktop(chromium: Browser) -> Iterator[Page]:
    """A 1366 px wide tab."""
    yield from _page(chromium, DESKTOP)


@pytest.fixture
def phone(chromium: Browser) -> Iterator[Page]:
    """A 390 px wide tab (a phone)."""
    yield from _page(chromium, PHONE)
