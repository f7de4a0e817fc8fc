"""Imports point one way, api -> scheduler -> solver: the solver stays a pure model, free of the
database, web, scheduling and calendar libraries, and the core never imports the web edge, not
even by name (a string such as `"api.main:create_app"` given to uvicorn or `importlib`)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import solver

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


# A string that names a module: `api.main`, `api.main:create_app`, or `api.` (an f-string's start).
MODULE_NAME = re.compile(r"(?P<root>[A-Za-z_]\w*)(?:\.[A-Za-z_]\w*)*(?:\.|:[A-Za-z_][\w.]*)?")
# Calls that import the module named by their first argument, a bare package name included.
IMPORT_BY_NAME = frozenset({"import_module", "__import__", "find_spec", "run_module"})


def named_roots(path: Path) -> set[str]:
    """The top-level package of every module a string names: a dotted name or `module:attribute`
    anywhere (uvicorn's factory, a plugin list), and a bare package name given to an importing
    call (`importlib.import_module("api")`). Prose (a docstring that mentions `api.deps`) is no
    name: the whole string must be one."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = MODULE_NAME.fullmatch(node.value.strip())
            if match and ("." in match[0] or ":" in match[0]):
                roots.add(match["root"])
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name in IMPORT_BY_NAME and isinstance(first, ast.Constant):
                match = MODULE_NAME.fullmatch(str(first.value).strip())
                if match:
                    roots.add(match["root"])
    return roots


def layer_violations(path: Path, forbidden: set[str]) -> set[str]:
    """The forbidden packages a module imports, by statement or by name."""
    return (imported_roots(path) | named_roots(path)) & forbidden


def modules(package: str) -> list[Path]:
    """Every Python file of a top-level package."""
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules("solver"), ids=lambda p: str(p.relative_to(ROOT)))
def test_solver_imports_no_adapter_library(path: Path) -> None:
    assert layer_violations(path, FORBIDDEN_IN_SOLVER) == set()


@pytest.mark.parametrize("path", modules("scheduler"), ids=lambda p: str(p.relative_to(ROOT)))
def test_scheduler_does_not_import_the_web_edge(path: Path) -> None:
    assert layer_violations(path, FORBIDDEN_IN_SCHEDULER) == set()


@pytest.mark.parametrize("path", modules("api"), ids=lambda p: str(p.relative_to(ROOT)))
def test_api_goes_through_the_core_not_the_solver(path: Path) -> None:
    assert layer_violations(path, FORBIDDEN_IN_API) == set()


def test_imported_roots_sees_every_import_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import sqlalchemy.orm\nfrom fastapi import FastAPI\nfrom . import local\n",
        encoding="utf-8",
    )
    assert imported_roots(sample) == {"sqlalchemy", "fastapi"}


def test_a_module_named_by_a_string_breaks_the_direction_too(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'import importlib\nimport uvicorn\nuvicorn.run("api.main:create_app", factory=True)\n',
        encoding="utf-8",
    )
    assert imported_roots(sample) & FORBIDDEN_IN_SCHEDULER == set()  # no import statement
    assert layer_violations(sample, FORBIDDEN_IN_SCHEDULER) == {"api"}
    for line in (
        'importlib.import_module("api")',
        '__import__("api.routes")',
        'importlib.util.find_spec("api.pages")',
        'name = f"api.{kind}"',
        'PLUGINS = ["demo", "api.main"]',
    ):
        sample.write_text(f"import importlib\n{line}\n", encoding="utf-8")
        assert named_roots(sample) == {"api"}, line
    sample.write_text(
        '"""The session comes from `api.deps.get_session`."""\n'
        'LABEL = "api"\nFILE = "scheduler.data"\nSENTENCE = "e.g. this"\n',
        encoding="utf-8",
    )
    assert layer_violations(sample, FORBIDDEN_IN_SCHEDULER) == set()


def solver_imports(path: Path) -> set[str]:
    """What a module takes from the solver: each `solver.<module>` it imports, and `solver.<name>`
    for each name it imports from the package itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    taken: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            taken.update(alias.name for alias in node.names if alias.name.startswith("solver."))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "solver":
                taken.update(f"solver.{alias.name}" for alias in node.names)
            elif node.module.startswith("solver."):
                taken.add(node.module)
    return taken


@pytest.mark.parametrize(
    "path", modules("scheduler") + modules("api"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_the_core_and_the_edge_use_only_the_solver_packages_public_names(path: Path) -> None:
    """The solver's modules are free to move: only the names of `solver.__all__` are its API."""
    public = {f"solver.{name}" for name in solver.__all__}
    assert solver_imports(path) - public == set()


def test_solver_imports_tells_a_public_name_from_a_submodule(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import solver\nimport solver.model\nfrom solver import solve, model\n"
        "from solver.facade import split_parts\nfrom solverlike import x\n",
        encoding="utf-8",
    )
    taken = solver_imports(sample)
    assert taken == {"solver.model", "solver.solve", "solver.facade"}
    public = {f"solver.{name}" for name in solver.__all__}
    assert taken - public == {"solver.facade"}  # `solver.model` and `solver.solve` are public
    sample.write_text("from solver.strategies import blocks\nimport solver.patterns\n")
    assert solver_imports(sample) - public == {"solver.strategies", "solver.patterns"}


def test_every_public_name_of_the_solver_resolves() -> None:
    for name in solver.__all__:
        assert getattr(solver, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'patterns_of'"):
        _ = solver.patterns_of


def _loaded_after(statement: str) -> set[str]:
    """The top-level packages loaded by a fresh interpreter that runs `statement`."""
    done = subprocess.run(
        [sys.executable, "-c", f"{statement}\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    return {name.split(".")[0] for name in done.stdout.split()}


def test_the_model_the_checker_and_the_files_load_no_cp_sat() -> None:
    light = (
        "from solver import model, check_rota, Violation, credited_minutes, parse_instance, "
        "dump_rota, InvalidInstance, FIRST_YEAR, LAST_DAY"
    )
    assert "ortools" not in _loaded_after(light)
    assert "ortools" in _loaded_after("from solver import solve")
