"""The groupement itself, its users and its audit log."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from typing_extensions import override

from scheduler import models
from scheduler.audit import record_audit, snapshot
from scheduler.errors import DuplicateResource, InvalidField
from scheduler.services.resources.generic import Edit, Resource
from scheduler.uow import committing

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def create_groupement(
    session: Session,
    slug: str,
    name: str,
    timezone: str = "Europe/Paris",
    *,
    actor: models.User | None = None,
    commit: bool = True,
) -> models.Groupement:
    """Create a groupement (the bootstrap step: the CLI and the first-run page, not the API, call
    this); `commit=False` stages it in the caller's unit of work."""
    slug, name = slug.strip(), name.strip()
    if not SLUG.fullmatch(slug):
        raise InvalidField(
            "slug",
            "format",
            f"« {slug} » : 1 à 64 caractères parmi a-z, 0-9 et « - », en commençant par une "
            "lettre ou un chiffre",
        )
    if not 1 <= len(name) <= 200 or any(ord(char) < 32 for char in name):
        raise InvalidField(
            "name", "format", "un nom de 1 à 200 caractères, sans caractère de contrôle"
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidField(
            "timezone", "zone", f"fuseau horaire « {timezone} » inconnu (ex. Europe/Paris)"
        ) from error
    if (
        session.scalar(select(models.Groupement.id).where(models.Groupement.slug == slug))
        is not None
    ):
        raise DuplicateResource("groupement", slug)
    groupement = models.Groupement(slug=slug, name=name, timezone=timezone)

    def stage() -> None:
        session.add(groupement)
        session.flush()
        record_audit(
            session,
            actor=actor,
            groupement_id=groupement.id,
            action="create",
            entity="groupement",
            entity_id=groupement.id,
            after=snapshot(groupement),
        )

    if commit:
        with committing(session, "groupement", slug):
            stage()
    else:
        stage()
    return groupement


class Groupements(Resource[models.Groupement]):
    """The groupements the actor belongs to (one); deleting one deletes everything in it (the
    audit log stays). Created by `create_groupement`, not through the API."""

    model = models.Groupement
    entity = label = "groupement"
    key = "groupement_id"
    checks_body_first = True

    @override
    def edit(
        self, session: Session, actor: models.User, row: models.Groupement, changes: dict[str, Any]
    ) -> Edit:
        if "timezone" in changes:
            try:
                ZoneInfo(changes["timezone"])
            except (ZoneInfoNotFoundError, ValueError) as error:
                raise InvalidField("timezone", "zone", "fuseau horaire inconnu") from error
        return Edit(changes)


class Users(Resource[models.User]):
    """The groupement's users (coordinators only); created and unlocked by `scheduler.auth`."""

    model = models.User
    entity = "user"
    label = "utilisateur"
    key = "user_id"


class AuditLog(Resource[models.AuditLog]):
    """The groupement's audit log, newest first, by entity."""

    model = models.AuditLog
    entity = "audit"
    label = "journal"
    key = "audit_id"

    @override
    def order(self) -> Any:
        return models.AuditLog.id.desc()

    @override
    def filter(
        self, session: Session, actor: models.User, stmt: Select[Any], filters: dict[str, Any]
    ) -> Select[Any]:
        if filters.get("entity") is not None:
            stmt = stmt.where(models.AuditLog.entity == filters["entity"])
        if filters.get("entity_id") is not None:
            stmt = stmt.where(models.AuditLog.entity_id == filters["entity_id"])
        return stmt


GROUPEMENTS = Groupements()
USERS = Users()
AUDIT = AuditLog()
