"""Idempotency records: the key of a write, its request's fingerprint and its answer, kept in the
write's own transaction so that a retry of a write whose outcome was lost finds the answer if, and
only if, the write committed. The HTTP side (when, what answer) is `api.idempotency`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from scheduler import models, uow
from scheduler.errors import IdempotencyInFlight, IdempotencyKeyReused
from scheduler.locks import advisory_key

UNANSWERED = 0
"""`status_code` of a record whose write has not answered yet."""


def lock_key(session: Session, user_id: int, key: str) -> None:
    """Hold the key until the transaction ends; 409 while another transaction holds it.

    PostgreSQL only: a second request with the key while the first runs must neither wait for it
    nor write. On SQLite the write lock the transaction began with already queues the second one,
    which then finds the first one's answer.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    lock_id = advisory_key(f"idempotency\x00{user_id}\x00{key}")
    if not session.scalar(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": lock_id}):
        raise IdempotencyInFlight(key)


def answered(
    session: Session, user_id: int, key: str, fingerprint: str
) -> models.IdempotencyRecord | None:
    """The answered record of this key when it served the same request; None when the key is new.

    422 when the key served another request, 409 when its request has not answered yet.
    """
    record = session.scalar(
        select(models.IdempotencyRecord).where(
            models.IdempotencyRecord.user_id == user_id, models.IdempotencyRecord.key == key
        )
    )
    if record is None:
        return None
    if record.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused(key)
    if record.status_code == UNANSWERED:
        raise IdempotencyInFlight(key)
    return record


def record_key(
    session: Session, user_id: int, key: str, fingerprint: str
) -> models.IdempotencyRecord:
    """Add the key's record, unanswered, to the session's transaction (409 if another has it)."""
    record = models.IdempotencyRecord(
        key=key,
        user_id=user_id,
        request_fingerprint=fingerprint,
        status_code=UNANSWERED,
        response_body={},
    )
    session.add(record)
    uow.flush(session, on_conflict=lambda: IdempotencyInFlight(key))
    return record


def store_answer(
    record: models.IdempotencyRecord, status: int, body: Any, headers: dict[str, str]
) -> None:
    """Keep the answer in the record; it commits with the write."""
    record.status_code = status
    record.response_body = body
    record.response_headers = headers
