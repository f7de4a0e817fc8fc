"""The web pages (French, server-rendered): `install_pages(app)` mounts them on the API's app."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.pages.routes import router
from api.pages.web import STATIC_DIR, install_page_errors


def install_pages(app: FastAPI) -> None:
    """Mount `/static` (CSS, vendored htmx and Chart.js) and the page routes on `app` (once)."""
    if getattr(app.state, "pages_installed", False):
        return
    app.state.pages_installed = True
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.include_router(router)
    install_page_errors(app, router.routes)
