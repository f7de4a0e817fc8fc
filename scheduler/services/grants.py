"""Auditors' grants: the contracts of a groupement that a CPAM auditor may read.

An auditor's account may belong to any groupement (the CPAM audits several); the coordinator of
the contract's groupement grants her one of its contracts by her e-mail address, and revokes it.
Granting and revoking are audited in the contract's groupement (`auditor_grant`, as the CLI's
`grant-contract` writes it). Whether a role reads by grant is the access policy's
(`access.reads_by_grant`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import access, models, uow
from scheduler.audit import record_audit
from scheduler.errors import InvalidField, NotFound
from scheduler.services.first_run import EMAIL
from scheduler.services.resources import CONTRACTS

NO_AUDITOR = "aucun compte actif d'auditeur CPAM n'a cette adresse"


@dataclass(frozen=True)
class Grant:
    """An auditor's access to a contract, as the coordinator sees it."""

    id: int
    contract_id: int
    email: str
    full_name: str
    granted_at: datetime


def contract_grants(session: Session, actor: models.User, contract_id: int) -> list[Grant]:
    """The auditors who read the contract (one of the actor's groupement), by e-mail."""
    access.require(actor, access.Action.MANAGE)
    contract = CONTRACTS.get(session, actor, contract_id)
    rows = session.execute(
        select(models.AuditorGrant, models.User)
        .join(models.User, models.User.id == models.AuditorGrant.user_id)
        .where(models.AuditorGrant.contract_id == contract.id)
        .order_by(func.lower(models.User.email))
    ).all()
    return [
        Grant(grant.id, grant.contract_id, user.email, user.full_name, grant.granted_at)
        for grant, user in rows
    ]


def grant(session: Session, actor: models.User, contract_id: int, email: str) -> Grant:
    """Let the auditor with this e-mail read the contract (one of the actor's groupement).

    Raises:
        NotFound: the contract is not one the actor manages (another groupement's included).
        InvalidField: `email` is no address, names no auditor, or she reads the contract already.
    """
    access.require(actor, access.Action.MANAGE)
    typed = email.strip()
    if len(typed) > 254 or not EMAIL.fullmatch(typed):
        raise InvalidField("email", "format", "ce n'est pas une adresse e-mail")
    uow.begin_write(session)
    contract = CONTRACTS.get(session, actor, contract_id)
    auditor = session.scalar(
        select(models.User).where(func.lower(models.User.email) == typed.lower())
    )
    # A missing account and one of another role get the same answer: the page reveals no
    # account that is not an auditor's.
    if auditor is None or not access.reads_by_grant(auditor.role) or not auditor.is_active:
        raise InvalidField("email", "auditor", NO_AUDITOR)
    exists = session.scalar(
        select(models.AuditorGrant.id).where(
            models.AuditorGrant.user_id == auditor.id,
            models.AuditorGrant.contract_id == contract.id,
        )
    )
    if exists is not None:
        raise InvalidField("email", "unique", "cet auditeur lit déjà ce contrat")
    row = models.AuditorGrant(user_id=auditor.id, contract_id=contract.id)
    with uow.committing(session, "accès d'auditeur", auditor.email):
        session.add(row)
        session.flush()
        record_audit(
            session,
            actor=actor,
            groupement_id=contract.groupement_id,
            action="create",
            entity="auditor_grant",
            entity_id=row.id,
            after={"user_id": auditor.id, "contract_id": contract.id},
        )
    return Grant(row.id, contract.id, auditor.email, auditor.full_name, row.granted_at)


def revoke(session: Session, actor: models.User, contract_id: int, grant_id: int) -> None:
    """Withdraw an auditor's access to the contract (one of the actor's groupement).

    Raises:
        NotFound: the contract is not one the actor manages, or the grant is not one of its.
    """
    access.require(actor, access.Action.MANAGE)
    uow.begin_write(session)
    contract = CONTRACTS.get(session, actor, contract_id)
    row = session.get(models.AuditorGrant, grant_id)
    if row is None or row.contract_id != contract.id:
        raise NotFound("accès d'auditeur", grant_id, field="path.grant_id")
    before = {"user_id": row.user_id, "contract_id": row.contract_id}
    with uow.committing(session, "accès d'auditeur", grant_id):
        session.delete(row)
        session.flush()
        record_audit(
            session,
            actor=actor,
            groupement_id=contract.groupement_id,
            action="delete",
            entity="auditor_grant",
            entity_id=grant_id,
            before=before,
        )
