"""French wording of dates, times, durations, numbers and money for everything a person reads.

The functions are those of `solver.french` (the planner's sentences are written with them too),
named here for the web edge, which reaches the solver only through the core. Their forms are
listed in that module's docstring.
"""

from __future__ import annotations

from solver.french import *  # noqa: F403  (every public name, and only those: its `__all__`)
from solver.french import __all__ as __all__
