"""The evaluation's reference group: the CPAM's imports (non-member doctors' statements, a
published series), all lines or none, each committing once, for the API and the CLI."""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlalchemy.orm import Session

from scheduler import access, models, reference_group, uow
from scheduler.access import Action
from scheduler.audit import record_audit
from scheduler.uow import begin_write

Importer = Callable[..., int]


def _import(
    session: Session,
    actor: models.User | None,
    data: bytes | str,
    importer: Importer,
    entity: str,
) -> int:
    if actor is not None:
        access.require(actor, Action.IMPORT_REFERENCE)
    begin_write(session)
    departments: Collection[str] | None = access.reference_departments(session, actor)
    count = importer(session, data, departments=departments)
    record_audit(
        session,
        actor=actor,
        groupement_id=actor.groupement_id if actor is not None else None,
        action="import",
        entity=entity,
        entity_id=f"{count} lignes",
    )
    uow.commit(session)
    return count


def import_reference_doctors(session: Session, actor: models.User | None, data: bytes | str) -> int:
    """Import reference doctors' quarterly statements (`actor` None: the CLI)."""
    return _import(
        session,
        actor,
        data,
        reference_group.import_reference_doctors_csv,
        "reference_statement",
    )


def import_reference_series(session: Session, actor: models.User | None, data: bytes | str) -> int:
    """Import a published reference series (`actor` None: the CLI)."""
    return _import(
        session, actor, data, reference_group.import_reference_series_csv, "reference_series"
    )
