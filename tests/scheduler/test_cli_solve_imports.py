"""`partagenda solve` loads the solver and its file formats, not the service.

Rule under test: solving a file imports no database, web, jobs, calendar, report, settings or
console library, and no module of the core or of the web edge but the command line itself (the
console script in `api.cli`, the core's commands, messages and shared helpers; not the demo's
export), so that it starts about
as fast as CP-SAT is imported (benchmarks/cli_bench.py times the two). The modules are read from
`python -X importtime` of the console script's own entry point, run on a one-assistant,
one-cabinet, one-day instance (tests/data/one_day_instance.json); a command that needs the
service shows that the same reading does see the service's modules.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from solver.instance_io import parse_instance, parse_rota
from solver.validation import check_rota

ROOT = Path(__file__).resolve().parent.parent.parent
ONE_DAY = ROOT / "tests" / "data" / "one_day_instance.json"
SERVICE_LIBRARIES = frozenset(
    {
        "sqlalchemy",
        "alembic",
        "psycopg",
        "fastapi",
        "starlette",
        "uvicorn",
        "httpx",
        "apscheduler",
        "icalendar",
        "weasyprint",
        "reportlab",
        "jinja2",
        "pydantic_settings",
        "prometheus_client",
        "pythonjsonlogger",
        "pwdlib",
        "jwt",
        "limits",
        "holidays",  # the solver reads its own table of public holidays
        "rich",  # the progress bar and the tables, for a terminal or another command
    }
)
# The project's layers above the solver, and the modules of theirs that `solve` may load: the
# packages and the command line, nothing else.
LAYERS = frozenset({"scheduler", "api"})
COMMAND_LINE = frozenset(
    {
        "scheduler",
        "scheduler.cli",
        "scheduler.cli.commands",
        "scheduler.cli.context",
        "scheduler.cli.messages",
        "api",
        "api.cli",
    }
)


def _run_entry_point(*args: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """Run the `partagenda` console script's target with `args`; its stdout and every module
    it imported. Fails when the command does not exit 0."""
    (script,) = entry_points(group="console_scripts", name="partagenda")
    launcher = f"import sys; from {script.module} import {script.attr} as entry; sys.exit(entry())"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", launcher, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    lines = done.stderr.splitlines()
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in lines
        if line.startswith("import time:") and not line.rstrip().endswith("imported package")
    }
    errors = [line for line in lines if not line.startswith("import time:")]
    assert done.returncode == 0, errors
    return done.stdout, imported


def _service_modules(imported: set[str]) -> set[str]:
    """The imported modules that belong to the service rather than to the solver and its I/O."""
    return {
        name
        for name in imported
        if name.split(".")[0] in SERVICE_LIBRARIES
        or (name.split(".")[0] in LAYERS and name not in COMMAND_LINE)
    }


def test_solve_imports_no_service_module_and_writes_a_checked_rota() -> None:
    stdout, imported = _run_entry_point(
        "solve", str(ONE_DAY), "--time-limit", "10", "--deterministic"
    )
    assert {"solver.facade", "api.cli", "scheduler.cli.commands"} <= imported
    assert _service_modules(imported) == set()
    instance = parse_instance(ONE_DAY.read_bytes())
    rota = parse_rota(stdout, instance)
    assert rota.status.value == "optimal"
    assert rota.assignments and check_rota(instance, rota) == []


def test_a_service_command_is_seen_loading_the_service(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'service.db'}"
    env = {**os.environ, "PARTAGENDA_DATABASE_URL": database}
    _, imported = _run_entry_point("migrate", env=env)
    seen = _service_modules(imported)
    assert {"sqlalchemy", "alembic", "pydantic_settings", "scheduler.migrations"} <= seen
