"""Use cases on the groupement's reference data: list, read, create, change, delete.

One generic service (`generic.Resource`) does what every resource does alike; each resource is
a subclass in the module of its seam that keeps only what is its own (its filters, its checks,
what still refers to a row, its special use cases):

- `groupements`: the groupement (and its bootstrap, `create_groupement`), users, audit log;
- `staff`: assistants and their absences;
- `sites`: cabinets, doctors and consultation sessions;
- `travel`: travel times between cabinets and their estimates;
- `contracts`: pooled contracts and their share plans.
"""

from __future__ import annotations

from scheduler.services.resources.contracts import CONTRACTS, ContractSummary
from scheduler.services.resources.generic import Edit, PageResult, Resource
from scheduler.services.resources.groupements import AUDIT, GROUPEMENTS, USERS, create_groupement
from scheduler.services.resources.sites import (
    CABINETS,
    CONSULTATION_SESSIONS,
    DOCTORS,
    session_version,
)
from scheduler.services.resources.staff import ABSENCES, ASSISTANTS
from scheduler.services.resources.travel import TRAVEL_TIMES, estimate_minutes

__all__ = [
    "ABSENCES",
    "ASSISTANTS",
    "AUDIT",
    "CABINETS",
    "CONSULTATION_SESSIONS",
    "CONTRACTS",
    "DOCTORS",
    "GROUPEMENTS",
    "TRAVEL_TIMES",
    "USERS",
    "ContractSummary",
    "Edit",
    "PageResult",
    "Resource",
    "create_groupement",
    "estimate_minutes",
    "session_version",
]
