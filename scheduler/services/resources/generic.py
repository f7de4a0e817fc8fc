"""One service for every resource of the groupement's reference data.

A resource is a subclass of `Resource` that declares its model and names, and overrides only the
hooks where it differs: its filters, how a row is built from a request, how a change is checked,
what still refers to a row. Every decision on who may read or write goes through
`scheduler.access`; every commit through `scheduler.uow.committing`, which turns the database's
refusals into domain errors. Reads outside what the actor may see are reported as not found, so
nothing leaks; writes check the caller's version (If-Match) and write the audit row in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Literal, TypeVar

from sqlalchemy import Select, func, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from scheduler import access, models
from scheduler.audit import record_audit, snapshot
from scheduler.errors import InvalidField, PreconditionFailed, ResourceInUse
from scheduler.uow import begin_write, committing

E = TypeVar("E", bound=models.Base)
T = TypeVar("T")


@dataclass(frozen=True)
class PageResult(Generic[T]):
    """Items of one page and the total count."""

    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class Edit:
    """A checked change of a row: the column values to set, what else to apply (child rows), what
    to run once the change is flushed, and the reason written to the audit log."""

    changes: dict[str, Any]
    apply: Callable[[], None] | None = None
    after: Callable[[], None] | None = None
    reason: str | None = None


def page(
    session: Session, stmt: Select[Any], order: Any, limit: int, offset: int
) -> PageResult[Any]:
    """One page of `stmt` in `order`, with the count of the whole."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(session.scalars(stmt.order_by(order).limit(limit).offset(offset)).unique())
    return PageResult(items=items, total=total, limit=limit, offset=offset)


def audit(
    session: Session,
    actor: models.User,
    action: str,
    entity: str,
    key: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None = None,
) -> None:
    """The audit row of an actor's change in her groupement."""
    record_audit(
        session,
        actor=actor,
        groupement_id=actor.groupement_id,
        action=action,
        entity=entity,
        entity_id=key,
        before=before,
        after=after,
        reason=reason,
    )


def windows(items: Sequence[Mapping[str, Any]], kind: type[Any]) -> list[Any]:
    """Weekly windows (availability, opening) from request data."""
    return [
        kind(weekday=w["weekday"], start_minute=w["start_minute"], end_minute=w["end_minute"])
        for w in items
    ]


WINDOW = ["weekday", "start_minute", "end_minute"]
"""The columns of a weekly window, as they are written to the audit log."""


class Resource(Generic[E]):
    """List, read, create, change and delete the rows of one model.

    Subclasses set the class attributes and override the hooks (`filter`, `build`, `edit`,
    `in_use`, `removing`, ...) where the resource has rules of its own.
    """

    model: type[E]
    entity: ClassVar[str]
    """The name of the resource in the audit log (English)."""
    label: ClassVar[str]
    """The name of the resource in the problems shown to people (French)."""
    key: ClassVar[str]
    """The name of the resource's id in a request (`cabinet_id`)."""
    children: ClassVar[dict[str, list[str]]] = {}
    """Child collections written to the audit log with the row, by the columns that count."""
    window_kinds: ClassVar[dict[str, type[Any]]] = {}
    """Child collections of weekly windows that a request gives whole (and a change replaces)."""
    nullable_changes: ClassVar[frozenset[str] | None] = None
    """None: a change keeps every value it names (a null on a required column is refused);
    otherwise a null is dropped from the change, except for the columns named here."""
    versioned: ClassVar[bool] = True
    """False when the row has no version column (its version is then a digest of its content)."""
    checks_body_first: ClassVar[bool] = False
    """True when a change's body is checked before its If-Match version: a stale and invalid
    change is then refused as invalid (422, 404 or 409 for what it names), not as stale (412)."""
    modified_label: ClassVar[str | None] = None
    """The resource's name in the problems of a change or a deletion (stale version, row changed
    or referred to meanwhile) when it is not `label`: the name these problems have always had."""

    # --- Hooks --------------------------------------------------------------------------------

    def options(self) -> tuple[Any, ...]:
        """Loader options for the reads (child collections)."""
        return ()

    def order(self) -> Any:
        """The order of a list."""
        return self.model.id  # type: ignore[attr-defined]

    def filter(
        self, session: Session, actor: models.User, stmt: Select[Any], filters: dict[str, Any]
    ) -> Select[Any]:
        """`stmt` narrowed by the list's filters (None: not given)."""
        del session, actor, filters
        return stmt

    def version(self, row: E) -> int:
        """The version of a row that an ETag and an If-Match carry."""
        return int(row.version)  # type: ignore[attr-defined]

    def snapshot(self, row: E) -> dict[str, Any]:
        """The row as it is written to the audit log."""
        return snapshot(row, children=self.children or None)

    def build(self, session: Session, actor: models.User, data: dict[str, Any]) -> E:
        """A new row from checked request data (not yet added to the session)."""
        del session
        row = self.model()
        if "groupement_id" in inspect(self.model).columns:
            row.groupement_id = actor.groupement_id  # type: ignore[attr-defined]
        for name, value in data.items():
            if name not in self.window_kinds:
                setattr(row, name, value)
        for name, kind in self.window_kinds.items():
            setattr(row, name, windows(data.get(name, []), kind))
        return row

    def natural_key(self, row: E) -> object:
        """What names a new row in the problem of a refused create."""
        return getattr(row, "code", "new")

    def edit(self, session: Session, actor: models.User, row: E, changes: dict[str, Any]) -> Edit:
        """The checked change of `row` that a request asks for."""
        del session, actor, row
        return Edit(changes)

    def in_use(self, key: int) -> Sequence[Select[Any]]:
        """Queries that find what still refers to row `key` (checked here rather than left to
        the foreign keys: the schema cascades some of these deletes)."""
        del key
        return ()

    def removing(self, session: Session, row: E) -> Callable[[], None] | None:
        """What to run once `row` is deleted (captured before it goes)."""
        del session, row
        return None

    def changed_snapshot(self, row: E) -> dict[str, Any]:
        """The row as a change writes it to the audit log (before and after)."""
        return self.snapshot(row)

    def modified_name(self, step: Literal["check", "update", "delete"]) -> str:
        """The resource's name in the problems of a step of a change: the If-Match `check`, the
        commit of an `update` or of a `delete`."""
        del step
        return self.modified_label or self.label

    # --- Use cases ----------------------------------------------------------------------------

    def list(
        self, session: Session, actor: models.User, *, limit: int, offset: int, **filters: Any
    ) -> PageResult[E]:
        """The rows the actor may see, filtered, one page."""
        stmt = select(self.model).where(access.visible(actor, self.model)).options(*self.options())
        return page(
            session, self.filter(session, actor, stmt, filters), self.order(), limit, offset
        )

    def get(self, session: Session, actor: models.User, key: int, *, field: str | None = None) -> E:
        """One row the actor may see (`field` names where the id came from)."""
        return access.resolve(
            session,
            actor,
            self.model,
            key,
            field=field or f"path.{self.key}",
            options=self.options(),
        )

    def create(self, session: Session, actor: models.User, data: dict[str, Any]) -> E:
        """Add a row from request data, audited."""
        access.require(actor, access.Action.MANAGE)
        begin_write(session)
        row = self.build(session, actor, data)
        with committing(session, self.label, self.natural_key(row)):
            session.add(row)
            session.flush()
            audit(session, actor, "create", self.entity, row.id, None, self.snapshot(row))  # type: ignore[attr-defined]
        return row

    def update(
        self,
        session: Session,
        actor: models.User,
        key: int,
        changes: dict[str, Any],
        *,
        expected: int | None,
    ) -> E:
        """Change a row under If-Match, audited."""
        access.require(actor, access.Action.MANAGE)
        begin_write(session)
        row = self.get(session, actor, key)
        if not self.checks_body_first:
            self.check_version(row, expected)
        if self.nullable_changes is not None:
            keep = self.nullable_changes
            changes = {k: v for k, v in changes.items() if v is not None or k in keep}
        edit = self.edit(session, actor, row, changes)
        if self.checks_body_first:
            self.check_version(row, expected)
        self.apply(session, actor, row, edit)
        return row

    def delete(
        self, session: Session, actor: models.User, key: int, *, expected: int | None
    ) -> None:
        """Delete a row that nothing refers to, under If-Match, audited."""
        access.require(actor, access.Action.MANAGE)
        begin_write(session)
        row = self.get(session, actor, key)
        self.check_version(row, expected)
        for use in self.in_use(key):
            if session.scalar(use.limit(1)) is not None:
                raise ResourceInUse(self.label, key)
        before = self.snapshot(row)
        after = self.removing(session, row)
        with committing(session, self.modified_name("delete"), key):
            session.delete(row)
            session.flush()
            if after is not None:
                after()
            audit(session, actor, "delete", self.entity, key, before, None)

    # --- Shared steps -------------------------------------------------------------------------

    def check_version(self, row: E, expected: int | None) -> None:
        """`PreconditionFailed` unless the caller's version (None: any) is the row's."""
        if expected is not None and self.version(row) != expected:
            raise PreconditionFailed(self.modified_name("check"), row.id)  # type: ignore[attr-defined]

    def apply(self, session: Session, actor: models.User, row: E, edit: Edit) -> None:
        """Apply a checked change to a row whose version was checked, audit it, commit."""
        columns = inspect(self.model).columns
        for name, value in edit.changes.items():
            if value is None and name in columns and not columns[name].nullable:
                raise InvalidField(name, "not_null", "ne peut pas être vide")
        before = self.changed_snapshot(row)
        key = row.id  # type: ignore[attr-defined]
        with committing(session, self.modified_name("update"), key):
            for name, value in edit.changes.items():
                if name not in self.children and name not in self.window_kinds:
                    setattr(row, name, value)
            for name, kind in self.window_kinds.items():
                if edit.changes.get(name) is not None:
                    setattr(row, name, windows(edit.changes[name], kind))
            if edit.apply is not None:
                edit.apply()
            if self.versioned and not session.is_modified(row, include_collections=False):
                # A change only to child rows still bumps the version of the resource.
                flag_modified(row, "id")
            session.flush()
            if edit.after is not None:
                edit.after()
            audit(
                session,
                actor,
                "update",
                self.entity,
                key,
                before,
                self.changed_snapshot(row),
                edit.reason,
            )
