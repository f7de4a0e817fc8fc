"""Test helper: solve deterministically and re-check every rota with the independent checker.

Rule under test: every rota the planner returns keeps every hard rule of docs/rules.md
(`solver.validation.check_rota` finds no violation) and reports the soft terms the checker
recomputes (`objective_terms`), with an objective equal to their sum and not below the bound.
"""

from __future__ import annotations

from solver.facade import solve
from solver.model import Instance, Rota, Status
from solver.validation import check_rota, objective_terms

TIME_LIMIT_S = 1.5


def solve_checked(
    instance: Instance, *, time_limit_s: float = TIME_LIMIT_S, hint: Rota | None = None
) -> Rota:
    """Solve in deterministic mode; a feasible rota must pass the checker and match its terms."""
    rota = solve(instance, time_limit_s=time_limit_s, deterministic=True, hint=hint)
    if rota.status in (Status.OPTIMAL, Status.FEASIBLE):
        violations = check_rota(instance, rota)
        assert violations == [], "\n".join(f"{v.rule}: {v.message}" for v in violations)
        assert dict(rota.objective_terms) == objective_terms(instance, rota)
        assert rota.objective == sum(rota.objective_terms.values())
        assert rota.bound is not None and rota.bound <= rota.objective
    else:
        assert rota.explanation, "a rota without assignments always says why"
    return rota


def explanation_text(rota: Rota) -> str:
    """The explanation as one lower-case string, for `in` checks."""
    return " ".join(rota.explanation).lower()
