"""The append-only audit log: who changed what, when, from what to what, and why.

`record_change` stages the row in the caller's session, so it commits (or rolls back) with the
change it describes.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from scheduler import models


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return None
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(obj: object, *, children: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The column values of an ORM object as JSON-ready data, with chosen child collections."""
    mapper = inspect(type(obj))
    data: dict[str, Any] = {
        column.key: _plain(getattr(obj, column.key)) for column in mapper.column_attrs
    }
    for name, fields in (children or {}).items():
        data[name] = [
            {field: _plain(getattr(item, field)) for field in fields} for item in getattr(obj, name)
        ]
    return data


def record_audit(
    session: Session,
    *,
    actor: models.User | None,
    groupement_id: int | None,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> models.AuditLog:
    """Stage one audit row in the current transaction."""
    row = models.AuditLog(
        groupement_id=groupement_id,
        actor_id=actor.id if actor is not None else None,
        actor=actor.email if actor is not None else "system",
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
        reason=reason,
    )
    session.add(row)
    return row
