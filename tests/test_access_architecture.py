"""One access policy: no module of the core or the web edge but `scheduler/access.py` takes a
role-based decision. A decision on a role is a comparison (`==`, `!=`, `is`, `is not`, `in`,
`not in`) or a `match` that reads a role: a user's `.role`, a member of `Role` (`Role.AUDITOR`,
`models.Role.AUDITOR`) or a role held in a variable named `role`. Reading a role otherwise (its
French name, the page a role lands on, the value written into a token) decides nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "scheduler" / "access.py"


def _reads_a_role(node: ast.AST) -> bool:
    """Whether an expression reads a role (anywhere inside it)."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Attribute) and inner.attr == "role":
            return True
        if isinstance(inner, ast.Name) and inner.id == "role":
            return True
        if isinstance(inner, ast.Attribute) and (
            (isinstance(inner.value, ast.Name) and inner.value.id == "Role")
            or (isinstance(inner.value, ast.Attribute) and inner.value.attr == "Role")
        ):
            return True
    return False


def role_decisions(source: str) -> list[int]:
    """The lines of `source` that take a decision on a role."""
    lines: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            if any(_reads_a_role(side) for side in (node.left, *node.comparators)):
                lines.append(node.lineno)
        elif isinstance(node, ast.Match) and _reads_a_role(node.subject):
            lines.append(node.lineno)
    return sorted(lines)


def _modules() -> list[Path]:
    return sorted(
        path
        for package in ("scheduler", "api")
        for path in (ROOT / package).rglob("*.py")
        if path != POLICY
    )


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_access_policy_decides_on_roles(path: Path) -> None:
    found = role_decisions(path.read_text(encoding="utf-8"))
    assert not found, (
        f"{path.relative_to(ROOT)} decides on a role at lines {found}: ask scheduler.access "
        "(allowed, require, visible or one of its filters) instead"
    )


@pytest.mark.parametrize(
    "source",
    [
        "if actor.role is not Role.COORDINATOR:\n    raise Forbidden()",
        "ok = user.role in allowed",
        "ok = user.role.value == claimed",
        "query = select(User).where(models.User.role == models.Role.COORDINATOR)",
        "ok = kind in (Role.CABINET, Role.ASSISTANT)",
        "ok = role is models.Role.CABINET",
        "match actor.role:\n    case _:\n        pass",
    ],
)
def test_a_decision_on_a_role_is_found(source: str) -> None:
    assert role_decisions(source) == [1]


@pytest.mark.parametrize(
    "source",
    [
        "home = ROLE_HOME.get(user.role)",
        "words = f'le rôle {actor.role.value}'",
        "access.require(actor, Action.PLAN)",
        "ok = actor.cabinet_id == cabinet_id",
        "user = models.User(role=Role.COORDINATOR)",
    ],
)
def test_reading_a_role_without_deciding_is_not_a_decision(source: str) -> None:
    assert role_decisions(source) == []


def test_the_policy_is_where_the_decisions_are() -> None:
    # The scan sees the decisions where they are: a scan that sees none anywhere proves nothing.
    assert len(role_decisions(POLICY.read_text(encoding="utf-8"))) >= 10
