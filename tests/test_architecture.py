"""Imports point one way, api -> scheduler -> solver: the solver stays a pure model, free of the
database, web, scheduling and calendar libraries, and the core never imports the web edge."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_SOLVER = {
    "sqlalchemy",
    "alembic",
    "psycopg",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "apscheduler",
    "icalendar",
    "jinja2",
    "weasyprint",
    "scheduler",
    "api",
}
FORBIDDEN_IN_SCHEDULER = {"api", "fastapi", "starlette"}
FORBIDDEN_IN_API = {"solver"}  # the edge goes through the core


def imported_roots(path: Path) -> set[str]:
    """The top-level package of every import in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def modules(package: str) -> list[Path]:
    """Every Python file of a top-level package."""
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules("solver"), ids=lambda p: str(p.relative_to(ROOT)))
def test_solver_imports_no_adapter_library(path: Path) -> None:
    assert imported_roots(path) & FORBIDDEN_IN_SOLVER == set()


@pytest.mark.parametrize("path", modules("scheduler"), ids=lambda p: str(p.relative_to(ROOT)))
def test_scheduler_does_not_import_the_web_edge(path: Path) -> None:
    assert imported_roots(path) & FORBIDDEN_IN_SCHEDULER == set()


@pytest.mark.parametrize("path", modules("api"), ids=lambda p: str(p.relative_to(ROOT)))
def test_api_goes_through_the_core_not_the_solver(path: Path) -> None:
    assert imported_roots(path) & FORBIDDEN_IN_API == set()


def test_imported_roots_sees_every_import_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import sqlalchemy.orm\nfrom fastapi import FastAPI\nfrom . import local\n",
        encoding="utf-8",
    )
    assert imported_roots(sample) == {"sqlalchemy", "fastapi"}
