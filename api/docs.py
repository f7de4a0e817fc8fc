"""The API docs (Swagger UI) served from this origin: `install_docs(app, ...)`.

FastAPI's own docs page loads Swagger UI from a CDN and starts it with an inline script, which
neither works offline nor passes the Content-Security-Policy (`api.headers`). Here the Swagger
UI files come from the `fastapi-offline` package and our `static/docs/swagger-init.js` starts
it, reading the OpenAPI address from the page.
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="icon" href="{assets}/favicon.png" type="image/png">
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="{assets}/swagger-init.js"></script>
</body>
</html>
"""


def install_docs(app: FastAPI, *, docs_url: str, openapi_url: str) -> None:
    """Serve the docs page at `docs_url` and its files under `<docs_url>/assets`."""
    assets = f"{docs_url}/assets"
    app.mount(
        assets,
        StaticFiles(packages=[("api", "static/docs"), ("fastapi_offline", "static")]),
        name="docs-assets",
    )
    page = _PAGE.format(
        title=escape(f"{app.title} — API"),
        assets=escape(assets),
        openapi_url=escape(openapi_url),
    )

    @app.get(docs_url, include_in_schema=False)
    def docs() -> HTMLResponse:
        """The Swagger UI page."""
        return HTMLResponse(page)
