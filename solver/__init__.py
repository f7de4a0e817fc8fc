"""Partagenda's planner: a pure model, instance in, rota out.

The public API, the only names the core (`scheduler/`) and the web edge (`api/`) may import:
`solve` and its `Progress`, the checker (`check_rota`, `Violation`, `credited_minutes`, and
`objective_terms`, the soft terms of any rota), `public_holiday` (a département's holiday on a
day, by its French name), the model
types as `model`, the instance and rota files (`parse_instance`, `load_instance`,
`read_document_file`, `dump_instance`, `dump_rota`, `parse_rota`), `InvalidInstance` and
`InvalidRota`, the years and days the service can plan, and `french`, the French wording of dates,
times, durations, numbers and money that the planner's sentences use too.
The modules behind them are free to change.

Each name is imported on first use (PEP 562), so that `from solver import model` does not load
CP-SAT: only `solve` and `Progress` do.

`solve` lives in `solver.facade`, which tries the strategies of `solver.strategies` part by part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solver import french, model
    from solver.errors import InvalidInstance, InvalidRota
    from solver.facade import Progress, solve
    from solver.instance_io import (
        dump_instance,
        dump_rota,
        load_instance,
        parse_instance,
        parse_rota,
        read_document_file,
    )
    from solver.model import FIRST_DAY, FIRST_YEAR, LAST_DAY, LAST_YEAR
    from solver.public_holidays import public_holiday
    from solver.validation import (
        Violation,
        check_rota,
        credited_minutes,
        objective_terms,
        travel_credit,
    )

_HOMES: dict[str, str] = {
    "solve": "solver.facade",
    "Progress": "solver.facade",
    "check_rota": "solver.validation",
    "Violation": "solver.validation",
    "credited_minutes": "solver.validation",
    "travel_credit": "solver.validation",
    "objective_terms": "solver.validation",
    "public_holiday": "solver.public_holidays",
    "model": "solver.model",
    "FIRST_DAY": "solver.model",
    "FIRST_YEAR": "solver.model",
    "LAST_DAY": "solver.model",
    "LAST_YEAR": "solver.model",
    "InvalidInstance": "solver.errors",
    "InvalidRota": "solver.errors",
    "dump_instance": "solver.instance_io",
    "dump_rota": "solver.instance_io",
    "load_instance": "solver.instance_io",
    "parse_instance": "solver.instance_io",
    "parse_rota": "solver.instance_io",
    "read_document_file": "solver.instance_io",
    "french": "solver.french",
}
"""Each public name and the module that defines it (`model` and `french` are the modules
themselves)."""

__all__ = [
    "FIRST_DAY",
    "FIRST_YEAR",
    "LAST_DAY",
    "LAST_YEAR",
    "InvalidInstance",
    "InvalidRota",
    "Progress",
    "Violation",
    "check_rota",
    "credited_minutes",
    "dump_instance",
    "dump_rota",
    "french",
    "load_instance",
    "model",
    "objective_terms",
    "parse_instance",
    "parse_rota",
    "public_holiday",
    "read_document_file",
    "solve",
    "travel_credit",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and keep the name on the package."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'solver' has no attribute {name!r}")
    # The import statement's own machinery (rather than `importlib.import_module`), so that
    # `python -X importtime` lists the module like any other import.
    module = __import__(home, fromlist=[name])
    value = module if home == f"{__name__}.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
