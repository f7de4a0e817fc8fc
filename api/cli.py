"""The `partagenda` console script: the core's commands (`scheduler.cli`) and `serve`, which
starts the web edge. It sits in the outermost layer so that nothing below starts the edge.

Only the core's command line is imported here: `serve` imports the web application when it
runs, so that the other commands, `solve` above all, load none of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from scheduler.cli import with_core_commands
from scheduler.cli.context import load_settings
from scheduler.cli.messages import fail, os_reason, stderr_console

if TYPE_CHECKING:
    from scheduler.config import Settings

app = with_core_commands()
"""Every `partagenda` command: the core's and `serve`."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Serve the API and the web pages with uvicorn."""
    import uvicorn

    from api.main import create_app
    from scheduler.config import Settings
    from scheduler.observability import logging_config

    settings = load_settings()
    if settings.secret_key == Settings.model_fields["secret_key"].default:
        stderr_console().print(
            "partagenda: attention : PARTAGENDA_SECRET_KEY n'est pas défini ; les jetons sont "
            "signés avec la clé de développement. Définissez-la avant toute mise en service.",
            markup=False,
            highlight=False,
        )

    _announce_first_run(settings, host, port)
    if settings.metrics_address is not None:
        from scheduler.observability import serve_metrics

        try:
            serve_metrics(settings.metrics_address)
        except OSError as error:
            fail(f"PARTAGENDA_METRICS_ADDRESS : {settings.metrics_address} : {os_reason(error)}")
    # Each worker process builds its own application: uvicorn takes the factory by name, the
    # name read from the factory imported above (a renamed one fails here, not in a worker).
    uvicorn.run(
        f"{create_app.__module__}:{create_app.__qualname__}",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        proxy_headers=True,
        log_config=logging_config(json_lines=settings.log_json),
    )


def _announce_first_run(settings: Settings, host: str, port: int) -> None:
    """While the database holds no user, print the first-run page's address with a new one-time
    token: only who started the service may create the first groupement and coordinator."""
    from scheduler.cli.context import command_session
    from scheduler.services.first_run import issue_first_run_token

    with command_session(settings) as session:
        token = issue_first_run_token(session)
    if token is not None:
        shown = "localhost" if host in ("0.0.0.0", "::") else host
        stderr_console().print(
            f"partagenda: première mise en route : ouvrez http://{shown}:{port}/premiere-connexion"
            f"?jeton={token} pour créer le groupement et son coordinateur (lien à usage unique).",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def main() -> None:
    """The console script's entry point (never a traceback for a domain error)."""
    app()
