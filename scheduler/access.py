"""What each role may read, and the one way an id sent by a caller becomes a row.

`visible` is the filter of the rows of a kind the actor may read (it raises `Forbidden` when the
role reads none of that kind). `resolve` turns an id found in a request (its path, body or query
string) into that row, or raises `NotFound` naming the field: a row of another groupement, a row
the role may not see and an id that exists nowhere all get the same answer, so no answer reveals
that a row exists.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.errors import Forbidden, NotFound

Role = models.Role
E = TypeVar("E", bound=models.Base)
MAX_INT = 2_147_483_647

# The French name of each kind of row, as error messages name it.
ENTITY_NAMES: dict[type[models.Base], str] = {
    models.Groupement: "groupement",
    models.Assistant: "assistante",
    models.Cabinet: "cabinet",
    models.Doctor: "médecin",
    models.ConsultationSession: "séance",
    models.PooledContract: "contrat",
    models.TravelTime: "trajet",
    models.Absence: "absence",
    models.Rota: "planning",
    models.PlanRun: "calcul de planning",
    models.User: "utilisateur",
}


def _cabinets_of_groupement(groupement_id: int) -> Select[int]:
    return select(models.Cabinet.id).where(models.Cabinet.groupement_id == groupement_id)


def _assistants_of_groupement(groupement_id: int) -> Select[int]:
    return select(models.Assistant.id).where(models.Assistant.groupement_id == groupement_id)


def _member_contracts(cabinet_id: int) -> Select[int]:
    return (
        select(models.SharePlan.contract_id)
        .join(models.Share, models.Share.plan_id == models.SharePlan.id)
        .where(models.Share.cabinet_id == cabinet_id)
    )


def _granted_contracts(user_id: int) -> Select[int]:
    return select(models.AuditorGrant.contract_id).where(models.AuditorGrant.user_id == user_id)


def visible(actor: models.User, model: type[models.Base]) -> ColumnElement[bool]:
    """The rows of `model` the actor may read (raises `Forbidden` when the role reads none)."""
    gid = actor.groupement_id
    role = actor.role
    coordinator = role is Role.COORDINATOR
    if model is models.Groupement:
        return models.Groupement.id == gid
    if model is models.Assistant:
        if coordinator:
            return models.Assistant.groupement_id == gid
        if role is Role.ASSISTANT:
            return (models.Assistant.groupement_id == gid) & (
                models.Assistant.id == actor.assistant_id
            )
    if model is models.Cabinet:
        if coordinator:
            return models.Cabinet.groupement_id == gid
        if role is Role.CABINET:
            return (models.Cabinet.groupement_id == gid) & (models.Cabinet.id == actor.cabinet_id)
    if model is models.Doctor:
        if coordinator:
            return models.Doctor.cabinet_id.in_(_cabinets_of_groupement(gid))
        if role is Role.CABINET:
            return models.Doctor.cabinet_id == (actor.cabinet_id or 0)
    if model is models.ConsultationSession:
        if coordinator:
            return models.ConsultationSession.cabinet_id.in_(_cabinets_of_groupement(gid))
        if role is Role.CABINET:
            return models.ConsultationSession.cabinet_id == (actor.cabinet_id or 0)
    if model is models.PooledContract:
        own = models.PooledContract.groupement_id == gid
        if coordinator:
            return own
        if role is Role.CABINET:
            return own & models.PooledContract.id.in_(_member_contracts(actor.cabinet_id or 0))
        if role is Role.AUDITOR:
            return own & models.PooledContract.id.in_(_granted_contracts(actor.id))
    if model is models.TravelTime and coordinator:
        return models.TravelTime.groupement_id == gid
    if model is models.Absence:
        if coordinator:
            return models.Absence.assistant_id.in_(_assistants_of_groupement(gid))
        if role is Role.ASSISTANT:
            return models.Absence.assistant_id == (actor.assistant_id or 0)
    if model is models.Rota:
        if role is Role.AUDITOR:
            raise Forbidden("les auditeurs lisent les rapports, pas les plannings")
        own_rota = models.Rota.groupement_id == gid
        # Drafts are the coordinators' work in progress.
        return (
            own_rota
            if coordinator
            else own_rota & (models.Rota.status == models.RotaStatus.PUBLISHED)
        )
    if model is models.PlanRun and coordinator:
        return models.PlanRun.groupement_id == gid
    if model is models.User and coordinator:
        return models.User.groupement_id == gid
    if model is models.AuditLog and role in (Role.COORDINATOR, Role.AUDITOR):
        return models.AuditLog.groupement_id == gid if coordinator else false()
    raise Forbidden(f"le rôle {role.value} n'a pas accès à ces données")


def resolve(
    session: Session,
    actor: models.User,
    model: type[E],
    key: int,
    *,
    field: str,
    options: tuple[Any, ...] = (),
    for_update: bool = False,
) -> E:
    """The row `key` of `model` if the actor may read it, else `NotFound` naming `field` (the
    same answer whether the row is another groupement's, hidden from the role or missing);
    `Forbidden` when the role reads no row of this kind.

    `for_update` locks the row until the commit (PostgreSQL; SQLite writers already take turns)
    and reads it afresh: a concurrent writer of the same row waits, then sees this one's work.
    """
    condition = visible(actor, model)
    entity = ENTITY_NAMES[model]
    if not 1 <= key <= MAX_INT:
        raise NotFound(entity, key, field=field)
    stmt = select(model).where(model.id == key, condition)  # type: ignore[attr-defined]
    stmt = stmt.options(*options)
    if for_update:
        stmt = stmt.with_for_update(of=model).execution_options(populate_existing=True)
    row = session.scalar(stmt)
    if row is None:
        raise NotFound(entity, key, field=field)
    return row
