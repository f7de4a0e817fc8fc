"""The planner's domain errors: a document that breaks the interchange format.

Rule encoded: an instance or rota file that does not follow `partagenda-instance/1` or
`partagenda-rota/1` is rejected as a whole, with every problem named by its field path and rule id
(docs: docs/instance-format-v1.md, "Unknown or malformed fields are rejected with a
message that names the field path").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a document: its field path (`contracts[0].shares`), rule id and message."""

    path: str
    rule: str
    message: str


class InvalidDocument(ValueError):
    """A document breaks its format; `problems` lists every field at fault, first one first."""

    problems: tuple[Problem, ...]

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        if not self.problems:
            raise ValueError("InvalidDocument needs at least one problem")
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{first.path} [{first.rule}]: {first.message}{more}")


class InvalidInstance(InvalidDocument):
    """A planning instance breaks `partagenda-instance/1`."""


class InvalidRota(InvalidDocument):
    """A rota breaks `partagenda-rota/1`."""
