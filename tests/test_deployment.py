"""Rules under test (no Docker engine here): docker-compose.yml parses; its services run real
`partagenda` sub-commands with real options; every PARTAGENDA_* variable it sets is a setting;
the app services wait for a healthy database and a completed migration; the Dockerfile copies
files that exist, runs as a non-root user and has a health check."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml  # type: ignore[import-untyped]  # no stubs in the dev set

from api.cli import app
from scheduler.config import Settings

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "api", "scheduler", "worker")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def _dockerfile() -> list[str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_compose_has_the_five_services_and_a_named_database_volume(
    compose: dict[str, Any],
) -> None:
    assert set(compose["services"]) == {"db", *APP_SERVICES}
    db = compose["services"]["db"]
    assert db["image"] == "postgres:15"
    assert db["healthcheck"]["test"]
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_command_is_a_partagenda_sub_command_with_known_options(
    compose: dict[str, Any], service: str
) -> None:
    command: list[str] = compose["services"][service]["command"]
    assert command[0] == "partagenda"
    group = typer.main.get_command(app)
    commands: dict[str, Any] = getattr(group, "commands")  # noqa: B009 - a click-like Group
    sub = commands[command[1]]
    options = {opt for param in sub.params for opt in getattr(param, "opts", [])}
    given = [part for part in command[2:] if part.startswith("--")]
    assert set(given) <= options
    # The values parse: click accepts the whole command line.
    context = sub.make_context(command[1], command[2:])
    assert context.params is not None


def test_every_partagenda_variable_is_a_setting(compose: dict[str, Any]) -> None:
    names: set[str] = set()
    for service in compose["services"].values():
        names |= {n for n in service.get("environment", {}) if n.startswith("PARTAGENDA_")}
    names |= set(re.findall(r"ENV\s+(PARTAGENDA_\w+)=", (ROOT / "Dockerfile").read_text()))
    assert names
    fields = {f"PARTAGENDA_{name.upper()}" for name in Settings.model_fields}
    assert names <= fields, names - fields


@pytest.mark.parametrize("service", ["api", "scheduler", "worker"])
def test_app_services_wait_for_the_database_and_the_migration(
    compose: dict[str, Any], service: str
) -> None:
    depends = compose["services"][service]["depends_on"]
    assert depends["db"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert compose["services"]["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_api_health_check_asks_for_readiness(compose: dict[str, Any]) -> None:
    assert any("/readyz" in part for part in compose["services"]["api"]["healthcheck"]["test"])
    assert compose["services"]["scheduler"]["command"] == ["partagenda", "scheduler"]


def test_the_workers_scale_and_plan_with_one_cp_sat_worker_each(compose: dict[str, Any]) -> None:
    """`--scale worker=N` runs N of them: no fixed name or published port may stand in the way."""
    worker = compose["services"]["worker"]
    assert worker["command"] == ["partagenda", "worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert worker["environment"]["PARTAGENDA_SOLVER_WORKERS"] == "1"


def test_the_dockerfile_copies_existing_files_and_runs_unprivileged() -> None:
    lines = _dockerfile()
    assert lines[0] == "FROM python:3.11-slim"
    for line in lines:
        if line.startswith("COPY"):
            sources = line.split()[1:-1]
            for source in sources:
                assert (ROOT / source).exists(), source
    users = [line for line in lines if line.startswith("USER")]
    assert users and users[-1].split()[1] not in ("root", "0")
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    assert any("pip install -c constraints.txt" in line for line in lines)
    assert any("libpango" in line for line in lines)
