"""The assistants and their absences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload
from typing_extensions import override

from scheduler import access, models, planning
from scheduler.errors import InvalidField
from scheduler.services.resources.generic import WINDOW, Edit, Resource
from scheduler.uow import begin_write, committing


def _check_times(earliest: int | None, latest: int | None) -> None:
    if earliest is not None and latest is not None and latest <= earliest:
        raise InvalidField("latest_end_minute", "ordered", "doit suivre earliest_start_minute")


class Assistants(Resource[models.Assistant]):
    """Assistants with their weekly availability, by code or name; one in a contract or a rota
    stays."""

    model = models.Assistant
    entity = "assistant"
    label = "assistante"
    checks_body_first = True
    modified_label = "assistant"
    key = "assistant_id"
    children = {"availability": WINDOW}
    window_kinds = {"availability": models.AvailabilityWindow}

    @override
    def options(self) -> tuple[Any, ...]:
        return (selectinload(models.Assistant.availability),)

    @override
    def filter(
        self, session: Session, actor: models.User, stmt: Select[Any], filters: dict[str, Any]
    ) -> Select[Any]:
        if filters.get("code") is not None:
            stmt = stmt.where(models.Assistant.code == filters["code"])
        if filters.get("q"):
            pattern = f"%{filters['q'].lower()}%"
            stmt = stmt.where(
                func.lower(models.Assistant.first_name).like(pattern)
                | func.lower(models.Assistant.last_name).like(pattern)
            )
        return stmt

    @override
    def build(self, session: Session, actor: models.User, data: dict[str, Any]) -> models.Assistant:
        _check_times(data.get("earliest_start_minute"), data.get("latest_end_minute"))
        return super().build(session, actor, data)

    @override
    def edit(
        self, session: Session, actor: models.User, row: models.Assistant, changes: dict[str, Any]
    ) -> Edit:
        _check_times(
            changes.get("earliest_start_minute", row.earliest_start_minute),
            changes.get("latest_end_minute", row.latest_end_minute),
        )
        return Edit(changes)

    @override
    def in_use(self, key: int) -> Sequence[Select[Any]]:
        return (
            select(models.ContractAssistant.id).where(models.ContractAssistant.assistant_id == key),
            select(models.Assignment.id).where(models.Assignment.assistant_id == key),
        )


class Absences(Resource[models.Absence]):
    """Absences of the assistants; recorded, moved and removed through the planning workflow, so
    that the ledger stops (or starts again) counting the time as delivered."""

    model = models.Absence
    entity = label = "absence"
    checks_body_first = True
    key = "absence_id"
    nullable_changes = frozenset({"reason"})

    @override
    def filter(
        self, session: Session, actor: models.User, stmt: Select[Any], filters: dict[str, Any]
    ) -> Select[Any]:
        """By assistant, kind and overlap with [since, until)."""
        if filters.get("assistant_id") is not None:
            ASSISTANTS.get(session, actor, filters["assistant_id"], field="query.assistant_id")
            stmt = stmt.where(models.Absence.assistant_id == filters["assistant_id"])
        if filters.get("kind") is not None:
            stmt = stmt.where(models.Absence.kind == filters["kind"])
        if filters.get("since") is not None:
            stmt = stmt.where(models.Absence.end_at > filters["since"])
        if filters.get("until") is not None:
            stmt = stmt.where(models.Absence.start_at < filters["until"])
        return stmt

    @override
    def create(self, session: Session, actor: models.User, data: dict[str, Any]) -> models.Absence:
        """Record an absence through the planning workflow (which audits it)."""
        access.require(actor, access.Action.MANAGE)
        begin_write(session)
        ASSISTANTS.get(session, actor, data["assistant_id"], field="body.assistant_id")
        with committing(session, self.label, "new"):
            row = planning.record_absence(
                session,
                data["assistant_id"],
                data["kind"],
                data["start_at"],
                data["end_at"],
                actor=actor,
                reason=data.get("reason"),
                replaced=data.get("replaced", False),
            )
        return row

    @override
    def edit(
        self, session: Session, actor: models.User, row: models.Absence, changes: dict[str, Any]
    ) -> Edit:
        if changes.get("end_at", row.end_at) <= changes.get("start_at", row.start_at):
            raise InvalidField("end_at", "ordered", "doit suivre start_at")
        before = (row.start_at, row.end_at)

        def refresh_delivered() -> None:
            # What was delivered changes over the old span and the new one.
            for start, end in (before, (row.start_at, row.end_at)):
                planning.refresh_ledger_around(session, row.assistant_id, start, end)

        return Edit(changes, after=refresh_delivered)

    @override
    def removing(self, session: Session, row: models.Absence) -> Callable[[], None] | None:
        assistant_id, start, end = row.assistant_id, row.start_at, row.end_at
        return lambda: planning.refresh_ledger_around(session, assistant_id, start, end)


ASSISTANTS = Assistants()
ABSENCES = Absences()
