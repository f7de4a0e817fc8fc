"""The `partagenda` console script: the core's commands and `serve`, which only the outer layer
has; `serve` hands uvicorn the factory it imported (by the name read from it, for the workers)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

import api.cli
import scheduler.cli
from api.main import create_app
from scheduler.db import make_engine, make_session_factory
from scheduler.services.first_run import first_run_open

runner = CliRunner()


def _names(app: typer.Typer) -> set[str]:
    commands: dict[str, Any] = getattr(typer.main.get_command(app), "commands")  # noqa: B009
    return set(commands)


def test_the_console_script_is_the_core_s_commands_and_serve() -> None:
    core = _names(scheduler.cli.app)
    assert "serve" not in core and {"solve", "migrate", "demo", "scheduler"} <= core
    assert _names(api.cli.app) == core | {"serve"}
    result = runner.invoke(scheduler.cli.app, ["serve"])
    assert result.exit_code == 2
    assert result.stderr.startswith("partagenda: commande inconnue : serve")


def test_serve_runs_uvicorn_on_the_imported_factory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from scheduler.config import get_settings

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.setenv("PARTAGENDA_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("PARTAGENDA_SECRET_KEY", "s" * 40)
    get_settings.cache_clear()
    try:
        assert runner.invoke(api.cli.app, ["migrate"]).exit_code == 0
        result = runner.invoke(api.cli.app, ["serve", "--port", "8123", "--workers", "2"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    # No user yet: the first-run page's address with a one-time token that opens it.
    link = re.search(r"http://127\.0\.0\.1:8123/premiere-connexion\?jeton=(\S+) ", result.stderr)
    assert link is not None, result.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'serve.db'}")
    with make_session_factory(engine)() as session:
        assert first_run_open(session, link.group(1))
    engine.dispose()
    ((target,), options) = calls[0]
    module, _, name = target.partition(":")
    assert getattr(importlib.import_module(module), name) is create_app
    assert options["factory"] is True
    assert (options["port"], options["workers"]) == (8123, 2)


def test_serve_refuses_a_database_without_its_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scheduler.config import get_settings

    monkeypatch.setenv("PARTAGENDA_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    try:
        result = runner.invoke(api.cli.app, ["serve"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("n'a pas de schéma : lancez partagenda migrate")


def test_a_bad_serve_option_is_one_french_line() -> None:
    result = runner.invoke(api.cli.app, ["serve", "--port", "0"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "partagenda: --port : « 0 » : doit être entre 1 et 65535"
