"""The planning workflow: from the database to the solver and back, edits, publication, ledger.

Functions here stage their work in the session and flush; the caller commits once, through the
unit of work (`scheduler.uow`: opened by the API's session dependency, the CLI, the jobs process
and the plan runs), so a use case is all or nothing.

The package's public API, one module per seam:

- `instance`: reading the database into a solver instance, and stored rotas back into solver rotas;
- `plan`: planning a period and storing its draft, reading and checking stored rotas;
- `edits`: hand edits of a rota (move, add, delete, pin);
- `publication`: publishing a rota, with its changes, notices and withdrawn events;
- `ledger`: the minutes each member received, and absences recorded against them.
"""

from scheduler.planning.edits import (
    AddAssignment,
    DeleteAssignment,
    Edit,
    MoveAssignment,
    PinAssignment,
    contract_cabinets,
    edit_rota,
)
from scheduler.planning.instance import (
    PUBLISHABLE,
    PlanningInput,
    active_contracts,
    build_instance,
    contract_end,
    public_holidays,
    quarter_start,
    share_plan_at,
    to_solver_assignment,
    to_solver_rota,
)
from scheduler.planning.ledger import ledger, record_absence, refresh_ledger, refresh_ledger_around
from scheduler.planning.plan import (
    check_stored_rota,
    evaluate_stored_rota,
    plan_period,
    planning_for,
    store_rota,
    term_counts,
)
from scheduler.planning.publication import publish_rota

# The years the service can plan, re-exported for the web edge's bounds, and the checker's finding.
from solver import FIRST_DAY, FIRST_YEAR, LAST_DAY, LAST_YEAR, Violation

__all__ = [
    "FIRST_DAY",
    "FIRST_YEAR",
    "LAST_DAY",
    "LAST_YEAR",
    "PUBLISHABLE",
    "AddAssignment",
    "DeleteAssignment",
    "Edit",
    "MoveAssignment",
    "PinAssignment",
    "PlanningInput",
    "Violation",
    "active_contracts",
    "build_instance",
    "check_stored_rota",
    "contract_cabinets",
    "contract_end",
    "edit_rota",
    "evaluate_stored_rota",
    "ledger",
    "plan_period",
    "planning_for",
    "public_holidays",
    "publish_rota",
    "quarter_start",
    "record_absence",
    "refresh_ledger",
    "refresh_ledger_around",
    "share_plan_at",
    "store_rota",
    "term_counts",
    "to_solver_assignment",
    "to_solver_rota",
]
