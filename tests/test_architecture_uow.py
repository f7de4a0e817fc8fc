"""Only the unit of work (`scheduler/uow.py`) ends a transaction: nothing else in `scheduler/` or
`api/` commits or rolls back, the bookkeeping on its own connection included.

What counts as ending a transaction, found in the syntax tree of every module:

- an attribute `commit` or `rollback`, called or not (a session, a connection, a transaction or a
  SAVEPOINT's, or one handed over as a callback), and `getattr(..., "commit")`;
- an attribute `begin` or `begin_nested`: `engine.begin()` and `session.begin()` commit at the end
  of their block, a SAVEPOINT's release commits its part; `uow.savepoint`, `uow.unit_of_work` and
  `uow.connection_unit` do these;
- `AUTOCOMMIT` (an isolation level that commits every statement) or an `autocommit=` argument;
- SQL that ends a transaction itself (`COMMIT`, `ROLLBACK`, `END TRANSACTION`, `RELEASE`).

The unit of work's own functions are called as `uow.commit(session)` (the module imported as
`uow`) or imported by name; a `.commit` on anything else is a finding.

Catching the database's refusals is the unit of work's too: an `except` clause (or a
`contextlib.suppress`) naming an error of SQLAlchemy's (any exception class of `sqlalchemy.exc`
or `sqlalchemy.orm.exc`, by its name or as an attribute) is a finding; the unit of work turns
them into the service's own errors (`committing`, `commit_version`, `flush`, `insert_or_none`,
`refusal`, `translate`). Registering a handler of the web framework for them (`api/errors.py`)
or reading an error's class is no catching.

`BEGIN` in SQL stays allowed (the SQLite engine emits its own BEGIN, `scheduler.db`), and so does
closing a session or a connection, which rolls back what is left. There is no allowlist: the one
module exempt is the unit of work itself.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest
import sqlalchemy.exc
import sqlalchemy.orm.exc

ROOT = Path(__file__).resolve().parent.parent
UNIT_OF_WORK = ROOT / "scheduler" / "uow.py"
ENDING_ATTRIBUTES = frozenset({"commit", "rollback", "begin", "begin_nested"})
ENDING_SQL = re.compile(r"^\s*(commit|rollback|end\s+(transaction|work)|release)\b", re.IGNORECASE)
UNIT_OF_WORK_NAME = "uow"  # `from scheduler import uow`: `uow.commit(session)` is the rule kept


def transaction_endings(source: str, filename: str = "<snippet>") -> list[str]:
    """Where `source` ends a transaction itself: `line: what`, one per finding."""
    tree = ast.parse(source, filename=filename)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ENDING_ATTRIBUTES:
            if isinstance(node.value, ast.Name) and node.value.id == UNIT_OF_WORK_NAME:
                continue
            found.append(f"{node.lineno}: .{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in ENDING_ATTRIBUTES
        ):
            found.append(f"{node.lineno}: getattr {node.args[1].value!r}")
        elif isinstance(node, ast.keyword) and node.arg == "autocommit":
            found.append(f"{node.value.lineno}: autocommit=")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if "autocommit" in node.value.lower():
                found.append(f"{node.lineno}: {node.value!r}")
            elif ENDING_SQL.match(node.value):
                found.append(f"{node.lineno}: SQL {node.value!r}")
    return sorted(found, key=lambda item: int(item.split(":")[0]))


SQLALCHEMY_ERRORS = frozenset(
    name
    for module in (sqlalchemy.exc, sqlalchemy.orm.exc)
    for name, value in vars(module).items()
    if inspect.isclass(value)
    and issubclass(value, BaseException)
    and value.__module__.startswith("sqlalchemy")
)


def _names_an_sqlalchemy_error(node: ast.expr | None) -> bool:
    return node is not None and any(
        (isinstance(part, ast.Name) and part.id in SQLALCHEMY_ERRORS)
        or (isinstance(part, ast.Attribute) and part.attr in SQLALCHEMY_ERRORS)
        for part in ast.walk(node)
    )


def database_error_catches(source: str, filename: str = "<snippet>") -> list[str]:
    """Where `source` catches an error of SQLAlchemy's itself: `line: what`, one per finding."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.ExceptHandler) and _names_an_sqlalchemy_error(node.type):
            found.append(f"{node.lineno}: except {ast.unparse(node.type)}")  # type: ignore[arg-type]
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Name) and node.func.id == "suppress")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "suppress")
            )
            and any(_names_an_sqlalchemy_error(arg) for arg in node.args)
        ):
            found.append(f"{node.lineno}: suppress")
    return sorted(found, key=lambda item: int(item.split(":")[0]))


def service_modules() -> list[Path]:
    """Every module of the core and of the web edge."""
    return sorted([*(ROOT / "scheduler").rglob("*.py"), *(ROOT / "api").rglob("*.py")])


@pytest.mark.parametrize(
    "path",
    [path for path in service_modules() if path != UNIT_OF_WORK],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_the_unit_of_work_ends_a_transaction(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert transaction_endings(source, str(path)) == [], (
        f"{path.relative_to(ROOT)} ends a transaction itself: go through scheduler.uow"
    )


def test_the_unit_of_work_is_where_transactions_end() -> None:
    # The scan reads the real module: the one exemption is where the commits are.
    found = transaction_endings(UNIT_OF_WORK.read_text(encoding="utf-8"))
    assert {item.split(": ", 1)[1] for item in found} >= {
        ".commit",
        ".rollback",
        ".begin",
        ".begin_nested",
        "'AUTOCOMMIT'",
    }


@pytest.mark.parametrize(
    "snippet",
    [
        "session.commit()",
        "self.session.rollback()",
        "connection.commit()",
        "outer = connection.begin()\nouter.commit()",
        "with engine.begin() as connection:\n    pass",
        "with factory.begin() as session:\n    pass",
        "with session.begin_nested():\n    pass",
        "savepoint = session.begin_nested()",
        "finish = session.commit\nfinish()",
        "getattr(session, 'commit')()",
        "engine.execution_options(isolation_level='AUTOCOMMIT')",
        "create_engine(url, isolation_level='autocommit')",
        "Session(engine, autocommit=True)",
        "connection.exec_driver_sql('COMMIT')",
        "session.execute(text('release savepoint sp'))",
        "connection.exec_driver_sql('ROLLBACK')",
        "connection.exec_driver_sql('end transaction;')",
        "scheduler.uow.session.commit()",
    ],
)
def test_the_rule_catches_every_way_of_ending_a_transaction(snippet: str) -> None:
    assert transaction_endings(snippet) != []


@pytest.mark.parametrize(
    "snippet",
    [
        "uow.commit(session)",
        "with uow.savepoint(session):\n    pass",
        "with unit_of_work(factory) as session:\n    session.add(row)",
        "session.close()\nconnection.close()",
        "connection.exec_driver_sql(f'BEGIN {begin}')",
        "session.flush()",
        "note = 'the commitment of a cabinet'",
        "slot = {'start': 1, 'end': 2}",
    ],
)
def test_the_rule_lets_the_unit_of_works_callers_be(snippet: str) -> None:
    assert transaction_endings(snippet) == []


@pytest.mark.parametrize(
    "path",
    [path for path in service_modules() if path != UNIT_OF_WORK],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_the_unit_of_work_catches_the_database_s_refusals(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert database_error_catches(source, str(path)) == [], (
        f"{path.relative_to(ROOT)} catches an error of SQLAlchemy's: go through scheduler.uow"
    )


def test_the_unit_of_work_is_where_the_refusals_are_caught() -> None:
    found = database_error_catches(UNIT_OF_WORK.read_text(encoding="utf-8"))
    assert {"IntegrityError", "DBAPIError", "StaleDataError", "ArgumentError"} <= {
        name for item in found for name in SQLALCHEMY_ERRORS if name in item
    }


@pytest.mark.parametrize(
    "snippet",
    [
        "try:\n    session.flush()\nexcept IntegrityError:\n    pass",
        "try:\n    go()\nexcept sqlalchemy.exc.IntegrityError as error:\n    raise Mine() from error",
        "try:\n    go()\nexcept exc.DBAPIError:\n    pass",
        "try:\n    go()\nexcept (ValueError, OperationalError):\n    pass",
        "try:\n    go()\nexcept StaleDataError:\n    pass",
        "try:\n    go()\nexcept ArgumentError:\n    pass",
        "try:\n    go()\nexcept* IntegrityError:\n    pass",
        "with suppress(IntegrityError):\n    go()",
        "with contextlib.suppress(sqlalchemy.exc.SQLAlchemyError):\n    go()",
    ],
)
def test_the_rule_catches_every_way_of_catching_a_database_error(snippet: str) -> None:
    assert database_error_catches(snippet) != []


@pytest.mark.parametrize(
    "snippet",
    [
        "if uow.insert_or_none(session, insert) is None:\n    pass",
        "refused = uow.refusal(step)",
        "try:\n    go()\nexcept ValueError:\n    pass",
        "try:\n    go()\nexcept Exception:\n    log.exception('failed')",
        "try:\n    go()\nexcept DatabaseUnavailable:\n    pass",
        "app.add_exception_handler(DBAPIError, handler)",
        "if isinstance(error, StatementError):\n    pass",
        "with suppress(OSError):\n    go()",
    ],
)
def test_the_rule_lets_the_refusals_the_unit_of_work_named_be_caught(snippet: str) -> None:
    assert database_error_catches(snippet) == []
