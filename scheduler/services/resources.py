"""Use cases on the groupement's reference data: create, read, update, delete, list.

Every function takes the acting user; reads are filtered by what the actor's role may see (a row
outside it is reported as not found, so nothing leaks), writes are for coordinators of the same
groupement, check the caller's version (If-Match), write the audit row in the same transaction and
commit once at the end, through `scheduler.uow.committing` (which turns the database's refusals
into domain errors).
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, false, func, inspect, select, true
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from scheduler import access, models, planning
from scheduler.access import resolve, visible
from scheduler.audit import record_audit, snapshot
from scheduler.demo import ensure_policies
from scheduler.errors import (
    DuplicateResource,
    InvalidField,
    PreconditionFailed,
    ResourceInUse,
    ShareTotalInvalid,
)
from scheduler.uow import begin_write as begin_write  # the services' write transactions
from scheduler.uow import committing as _committing

E = TypeVar("E", bound=models.Base)
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


T = TypeVar("T")


@dataclass(frozen=True)
class PageResult(Generic[T]):
    """Items of one page and the total count."""

    items: list[T]
    total: int
    limit: int
    offset: int


# --- Transactions -------------------------------------------------------------------------------


def _check_version(current: int, expected: int | None, entity: str, key: object) -> None:
    if expected is not None and current != expected:
        raise PreconditionFailed(entity, key)


def _require_coordinator(actor: models.User) -> None:
    access.require(actor, access.Action.MANAGE)


def _page(session: Session, stmt: Select[E], order: Any, limit: int, offset: int) -> PageResult[E]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(session.scalars(stmt.order_by(order).limit(limit).offset(offset)).unique())
    return PageResult(items=items, total=total, limit=limit, offset=offset)


# --- Visibility ---------------------------------------------------------------------------------
# Which rows each role reads, and how an id of a request becomes a row: `scheduler.access`.


def _refuse_if_used(session: Session, entity: str, key: int, *uses: Select[int]) -> None:
    for use in uses:
        if session.scalar(use.limit(1)) is not None:
            raise ResourceInUse(entity, key)


def _apply(obj: object, changes: dict[str, Any], skip: Sequence[str] = ()) -> None:
    for name, value in changes.items():
        if name not in skip:
            setattr(obj, name, value)


def _audit(
    session: Session,
    actor: models.User,
    action: str,
    entity: str,
    key: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None = None,
) -> None:
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


def _update(
    session: Session,
    actor: models.User,
    obj: Any,
    entity: str,
    expected: int | None,
    changes: dict[str, Any],
    *,
    children: dict[str, list[str]] | None = None,
    apply: Callable[[], None] | None = None,
    after: Callable[[], None] | None = None,
    reason: str | None = None,
) -> None:
    """Apply `changes` (and `apply`) to a versioned row under If-Match, run `after` once the
    change is flushed, audit, commit."""
    _check_version(obj.version, expected, entity, obj.id)
    columns = inspect(type(obj)).columns
    for name, value in changes.items():
        if value is None and name in columns and not columns[name].nullable:
            raise InvalidField(name, "not_null", "ne peut pas être vide")
    before = snapshot(obj, children=children)
    with _committing(session, entity, obj.id):
        _apply(obj, changes, skip=tuple((children or {}).keys()))
        if apply is not None:
            apply()
        if not session.is_modified(obj, include_collections=False):
            # A change only to child rows still bumps the version of the resource.
            flag_modified(obj, "id")
        session.flush()
        if after is not None:
            after()
        _audit(
            session,
            actor,
            "update",
            entity,
            obj.id,
            before,
            snapshot(obj, children=children),
            reason,
        )


def _delete(
    session: Session,
    actor: models.User,
    obj: Any,
    entity: str,
    expected: int | None,
    children: dict[str, list[str]] | None = None,
    after: Callable[[], None] | None = None,
) -> None:
    """Delete a versioned row under If-Match, run `after` once it is gone, audit, commit."""
    _check_version(obj.version, expected, entity, obj.id)
    before = snapshot(obj, children=children)
    key = obj.id
    with _committing(session, entity, key):
        session.delete(obj)
        session.flush()
        if after is not None:
            after()
        _audit(session, actor, "delete", entity, key, before, None)


# --- Groupements --------------------------------------------------------------------------------


def create_groupement(
    session: Session,
    slug: str,
    name: str,
    timezone: str = "Europe/Paris",
    *,
    actor: models.User | None = None,
) -> models.Groupement:
    """Create a groupement (the bootstrap step: the CLI, not the API, calls this)."""
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
    with _committing(session, "groupement", slug):
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
    return groupement


def list_groupements(
    session: Session, actor: models.User, *, limit: int, offset: int
) -> PageResult[models.Groupement]:
    """The groupements the actor belongs to (one)."""
    stmt = select(models.Groupement).where(visible(actor, models.Groupement))
    return _page(session, stmt, models.Groupement.id, limit, offset)


def get_groupement(
    session: Session, actor: models.User, groupement_id: int, *, field: str = "path.groupement_id"
) -> models.Groupement:
    """The actor's groupement."""
    return resolve(session, actor, models.Groupement, groupement_id, field=field)


def update_groupement(
    session: Session,
    actor: models.User,
    groupement_id: int,
    changes: dict[str, Any],
    *,
    expected: int | None,
) -> models.Groupement:
    """Rename the groupement or change its time zone."""
    _require_coordinator(actor)
    begin_write(session)
    groupement = get_groupement(session, actor, groupement_id)
    if "timezone" in changes:
        try:
            ZoneInfo(changes["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise InvalidField("timezone", "zone", "fuseau horaire inconnu") from error
    _update(session, actor, groupement, "groupement", expected, changes)
    return groupement


def delete_groupement(
    session: Session, actor: models.User, groupement_id: int, *, expected: int | None
) -> None:
    """Delete the groupement and everything in it (the audit log stays)."""
    _require_coordinator(actor)
    begin_write(session)
    groupement = get_groupement(session, actor, groupement_id)
    _delete(session, actor, groupement, "groupement", expected)


# --- Assistants ---------------------------------------------------------------------------------

_WINDOW = ["weekday", "start_minute", "end_minute"]


def _windows(items: list[dict[str, Any]], kind: type[Any]) -> list[Any]:
    return [
        kind(weekday=w["weekday"], start_minute=w["start_minute"], end_minute=w["end_minute"])
        for w in items
    ]


def _check_assistant_times(earliest: int | None, latest: int | None) -> None:
    if earliest is not None and latest is not None and latest <= earliest:
        raise InvalidField("latest_end_minute", "ordered", "doit suivre earliest_start_minute")


def list_assistants(
    session: Session,
    actor: models.User,
    *,
    limit: int,
    offset: int,
    code: str | None = None,
    q: str | None = None,
) -> PageResult[models.Assistant]:
    """Assistants the actor may see, filtered by code or name."""
    stmt = (
        select(models.Assistant)
        .where(visible(actor, models.Assistant))
        .options(selectinload(models.Assistant.availability))
    )
    if code is not None:
        stmt = stmt.where(models.Assistant.code == code)
    if q:
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(
            func.lower(models.Assistant.first_name).like(pattern)
            | func.lower(models.Assistant.last_name).like(pattern)
        )
    return _page(session, stmt, models.Assistant.id, limit, offset)


def get_assistant(
    session: Session, actor: models.User, assistant_id: int, *, field: str = "path.assistant_id"
) -> models.Assistant:
    """One assistant the actor may see (`field` names where the id came from)."""
    return resolve(session, actor, models.Assistant, assistant_id, field=field)


def create_assistant(
    session: Session, actor: models.User, data: dict[str, Any]
) -> models.Assistant:
    """Add an assistant with her availability."""
    _require_coordinator(actor)
    begin_write(session)
    _check_assistant_times(data.get("earliest_start_minute"), data.get("latest_end_minute"))
    assistant = models.Assistant(groupement_id=actor.groupement_id)
    _apply(assistant, data, skip=("availability",))
    assistant.availability = _windows(data.get("availability", []), models.AvailabilityWindow)
    with _committing(session, "assistante", data["code"]):
        session.add(assistant)
        session.flush()
        _audit(
            session,
            actor,
            "create",
            "assistant",
            assistant.id,
            None,
            snapshot(assistant, children={"availability": _WINDOW}),
        )
    return assistant


def update_assistant(
    session: Session,
    actor: models.User,
    assistant_id: int,
    changes: dict[str, Any],
    *,
    expected: int | None,
) -> models.Assistant:
    """Change an assistant; a given `availability` replaces her windows."""
    _require_coordinator(actor)
    begin_write(session)
    assistant = get_assistant(session, actor, assistant_id)
    _check_assistant_times(
        changes.get("earliest_start_minute", assistant.earliest_start_minute),
        changes.get("latest_end_minute", assistant.latest_end_minute),
    )

    def replace_windows() -> None:
        if changes.get("availability") is not None:
            assistant.availability = _windows(changes["availability"], models.AvailabilityWindow)

    _update(
        session,
        actor,
        assistant,
        "assistant",
        expected,
        changes,
        children={"availability": _WINDOW},
        apply=replace_windows,
    )
    return assistant


def delete_assistant(
    session: Session, actor: models.User, assistant_id: int, *, expected: int | None
) -> None:
    """Remove an assistant who is in no contract and no rota."""
    _require_coordinator(actor)
    begin_write(session)
    assistant = get_assistant(session, actor, assistant_id)
    _check_version(assistant.version, expected, "assistant", assistant_id)
    # Checked here, not left to the foreign keys: the schema cascades some of these deletes.
    _refuse_if_used(
        session,
        "assistante",
        assistant_id,
        select(models.ContractAssistant.id).where(
            models.ContractAssistant.assistant_id == assistant_id
        ),
        select(models.Assignment.id).where(models.Assignment.assistant_id == assistant_id),
    )
    _delete(session, actor, assistant, "assistant", expected, children={"availability": _WINDOW})


# --- Cabinets -----------------------------------------------------------------------------------


def list_cabinets(
    session: Session,
    actor: models.User,
    *,
    limit: int,
    offset: int,
    code: str | None = None,
    city: str | None = None,
    department: str | None = None,
) -> PageResult[models.Cabinet]:
    """Cabinets the actor may see, filtered."""
    stmt = (
        select(models.Cabinet)
        .where(visible(actor, models.Cabinet))
        .options(selectinload(models.Cabinet.opening))
    )
    if code is not None:
        stmt = stmt.where(models.Cabinet.code == code)
    if city is not None:
        stmt = stmt.where(func.lower(models.Cabinet.city) == city.lower())
    if department is not None:
        stmt = stmt.where(models.Cabinet.department == department)
    return _page(session, stmt, models.Cabinet.id, limit, offset)


def get_cabinet(
    session: Session, actor: models.User, cabinet_id: int, *, field: str = "path.cabinet_id"
) -> models.Cabinet:
    """One cabinet the actor may see (`field` names where the id came from)."""
    return resolve(session, actor, models.Cabinet, cabinet_id, field=field)


def create_cabinet(session: Session, actor: models.User, data: dict[str, Any]) -> models.Cabinet:
    """Add a member cabinet with its opening hours."""
    _require_coordinator(actor)
    begin_write(session)
    cabinet = models.Cabinet(groupement_id=actor.groupement_id)
    _apply(cabinet, data, skip=("opening",))
    cabinet.opening = _windows(data.get("opening", []), models.OpeningWindow)
    with _committing(session, "cabinet", data["code"]):
        session.add(cabinet)
        session.flush()
        _audit(
            session,
            actor,
            "create",
            "cabinet",
            cabinet.id,
            None,
            snapshot(cabinet, children={"opening": _WINDOW}),
        )
    return cabinet


def update_cabinet(
    session: Session,
    actor: models.User,
    cabinet_id: int,
    changes: dict[str, Any],
    *,
    expected: int | None,
) -> models.Cabinet:
    """Change a cabinet; a given `opening` replaces its windows."""
    _require_coordinator(actor)
    begin_write(session)
    cabinet = get_cabinet(session, actor, cabinet_id)

    def replace_windows() -> None:
        if changes.get("opening") is not None:
            cabinet.opening = _windows(changes["opening"], models.OpeningWindow)

    _update(
        session,
        actor,
        cabinet,
        "cabinet",
        expected,
        changes,
        children={"opening": _WINDOW},
        apply=replace_windows,
    )
    return cabinet


def delete_cabinet(
    session: Session, actor: models.User, cabinet_id: int, *, expected: int | None
) -> None:
    """Remove a cabinet that holds no share and no assignment."""
    _require_coordinator(actor)
    begin_write(session)
    cabinet = get_cabinet(session, actor, cabinet_id)
    _check_version(cabinet.version, expected, "cabinet", cabinet_id)
    _refuse_if_used(
        session,
        "cabinet",
        cabinet_id,
        select(models.Share.id).where(models.Share.cabinet_id == cabinet_id),
        select(models.Assignment.id).where(models.Assignment.cabinet_id == cabinet_id),
    )
    _delete(session, actor, cabinet, "cabinet", expected, children={"opening": _WINDOW})


# --- Doctors ------------------------------------------------------------------------------------


def list_doctors(
    session: Session, actor: models.User, *, limit: int, offset: int, cabinet_id: int | None = None
) -> PageResult[models.Doctor]:
    """Doctors the actor may see."""
    stmt = select(models.Doctor).where(visible(actor, models.Doctor))
    if cabinet_id is not None:
        get_cabinet(session, actor, cabinet_id, field="query.cabinet_id")
        stmt = stmt.where(models.Doctor.cabinet_id == cabinet_id)
    return _page(session, stmt, models.Doctor.id, limit, offset)


def get_doctor(
    session: Session, actor: models.User, doctor_id: int, *, field: str = "path.doctor_id"
) -> models.Doctor:
    """One doctor the actor may see (`field` names where the id came from)."""
    return resolve(session, actor, models.Doctor, doctor_id, field=field)


def _unique_rpps(session: Session, rpps: str, exclude: int | None = None) -> None:
    stmt = select(models.Doctor.id).where(models.Doctor.rpps == rpps)
    if exclude is not None:
        stmt = stmt.where(models.Doctor.id != exclude)
    if session.scalar(stmt) is not None:
        raise DuplicateResource("médecin", f"RPPS {rpps}")


def create_doctor(session: Session, actor: models.User, data: dict[str, Any]) -> models.Doctor:
    """Add a doctor to a member cabinet."""
    _require_coordinator(actor)
    begin_write(session)
    get_cabinet(session, actor, data["cabinet_id"], field="body.cabinet_id")
    _unique_rpps(session, data["rpps"])
    doctor = models.Doctor(**data)
    with _committing(session, "médecin", data["rpps"]):
        session.add(doctor)
        session.flush()
        _audit(session, actor, "create", "doctor", doctor.id, None, snapshot(doctor))
    return doctor


def update_doctor(
    session: Session,
    actor: models.User,
    doctor_id: int,
    changes: dict[str, Any],
    *,
    expected: int | None,
) -> models.Doctor:
    """Change a doctor."""
    _require_coordinator(actor)
    begin_write(session)
    doctor = get_doctor(session, actor, doctor_id)
    if changes.get("cabinet_id") is not None:
        get_cabinet(session, actor, changes["cabinet_id"], field="body.cabinet_id")
    if changes.get("rpps") is not None:
        _unique_rpps(session, changes["rpps"], exclude=doctor.id)
    changes = {k: v for k, v in changes.items() if v is not None or k == "installed_on"}
    _update(session, actor, doctor, "doctor", expected, changes)
    return doctor


def delete_doctor(
    session: Session, actor: models.User, doctor_id: int, *, expected: int | None
) -> None:
    """Remove a doctor."""
    _require_coordinator(actor)
    begin_write(session)
    doctor = get_doctor(session, actor, doctor_id)
    _delete(session, actor, doctor, "doctor", expected)


# --- Contracts ----------------------------------------------------------------------------------

_CONTRACT_CHILDREN = {"assistants": ["assistant_id", "weekly_minutes"]}


def _contract_options() -> tuple[Any, ...]:
    return (
        selectinload(models.PooledContract.assistants),
        selectinload(models.PooledContract.share_plans).selectinload(models.SharePlan.shares),
    )


def _contract_snapshot(contract: models.PooledContract) -> dict[str, Any]:
    data = snapshot(contract, children=_CONTRACT_CHILDREN)
    data["share_plans"] = [
        {
            "valid_from": plan.valid_from.isoformat(),
            "shares": {str(s.cabinet_id): s.share_bp for s in plan.shares},
        }
        for plan in contract.share_plans
    ]
    return data


def _validate_shares(
    session: Session, actor: models.User, shares: list[dict[str, Any]], field: str
) -> None:
    seen: set[int] = set()
    for index, share in enumerate(shares):
        cabinet_id = share["cabinet_id"]
        if cabinet_id in seen:
            raise InvalidField(
                f"{field}.{index}.cabinet_id", "unique", "ce cabinet a déjà une part"
            )
        seen.add(cabinet_id)
        get_cabinet(session, actor, cabinet_id, field=f"body.{field}.{index}.cabinet_id")
    total = sum(share["share_bp"] for share in shares)
    if total != models.SHARE_TOTAL_BP:
        raise ShareTotalInvalid(total, field)


def _contract_assistants(
    session: Session, actor: models.User, items: list[dict[str, Any]]
) -> list[models.ContractAssistant]:
    seen: set[int] = set()
    rows = []
    for index, item in enumerate(items):
        if item["assistant_id"] in seen:
            raise InvalidField(f"assistants.{index}.assistant_id", "unique", "assistante en double")
        seen.add(item["assistant_id"])
        get_assistant(
            session, actor, item["assistant_id"], field=f"body.assistants.{index}.assistant_id"
        )
        rows.append(
            models.ContractAssistant(
                assistant_id=item["assistant_id"], weekly_minutes=item["weekly_minutes"]
            )
        )
    return rows


def list_contracts(
    session: Session,
    actor: models.User,
    *,
    limit: int,
    offset: int,
    code: str | None = None,
    kind: models.ContractKind | None = None,
) -> PageResult[models.PooledContract]:
    """Contracts the actor may see (a cabinet: those it is a member of; an auditor: granted)."""
    stmt = (
        select(models.PooledContract)
        .where(visible(actor, models.PooledContract))
        .options(*_contract_options())
    )
    if code is not None:
        stmt = stmt.where(models.PooledContract.code == code)
    if kind is not None:
        stmt = stmt.where(models.PooledContract.kind == kind)
    return _page(session, stmt, models.PooledContract.id, limit, offset)


def get_contract(
    session: Session, actor: models.User, contract_id: int, *, field: str = "path.contract_id"
) -> models.PooledContract:
    """One contract with its assistants and share plans (`field` names where the id came from)."""
    return resolve(
        session, actor, models.PooledContract, contract_id, field=field, options=_contract_options()
    )


def create_contract(
    session: Session, actor: models.User, data: dict[str, Any]
) -> models.PooledContract:
    """A pooled contract, its assistants and its first share plan (validated before the database)."""
    _require_coordinator(actor)
    begin_write(session)
    ensure_policies(session)  # the shipped target rules, inserted on first use
    policy = session.scalar(
        select(models.TargetPolicy)
        .where(models.TargetPolicy.code == data["target_policy_code"])
        .order_by(models.TargetPolicy.policy_version.desc())
        .limit(1)
    )
    if policy is None:
        raise InvalidField("target_policy_code", "exists", "règle d'objectif inconnue")
    _validate_shares(session, actor, data["shares"], "shares")
    contract = models.PooledContract(
        groupement_id=actor.groupement_id,
        code=data["code"],
        name=data["name"],
        kind=data["kind"],
        start_date=data["start_date"],
        duration_years=data["duration_years"],
        funded_etp=data["funded_etp"],
        target_policy_id=policy.id,
        cost_split=data["cost_split"],
        annual_employer_cost_eur=data["annual_employer_cost_eur"],
        assistants=_contract_assistants(session, actor, data["assistants"]),
        share_plans=[
            models.SharePlan(
                valid_from=data["start_date"],
                shares=[
                    models.Share(cabinet_id=s["cabinet_id"], share_bp=s["share_bp"])
                    for s in data["shares"]
                ],
            )
        ],
    )
    with _committing(session, "contrat", data["code"]):
        session.add(contract)
        session.flush()
        _audit(
            session, actor, "create", "contract", contract.id, None, _contract_snapshot(contract)
        )
    return contract


def update_contract(
    session: Session,
    actor: models.User,
    contract_id: int,
    changes: dict[str, Any],
    *,
    expected: int | None,
) -> models.PooledContract:
    """Change a contract; a given `assistants` list replaces its assistants."""
    _require_coordinator(actor)
    begin_write(session)
    contract = get_contract(session, actor, contract_id)
    _check_version(contract.version, expected, "contrat", contract_id)
    new_assistants = (
        _contract_assistants(session, actor, changes["assistants"])
        if changes.get("assistants") is not None
        else None
    )
    changes = {k: v for k, v in changes.items() if v is not None}

    def replace() -> None:
        if new_assistants is not None:
            contract.assistants.clear()
            session.flush()
            contract.assistants.extend(new_assistants)

    _update(
        session,
        actor,
        contract,
        "contract",
        expected,
        changes,
        children=_CONTRACT_CHILDREN,
        apply=replace,
    )
    return contract


def add_share_plan(
    session: Session,
    actor: models.User,
    contract_id: int,
    data: dict[str, Any],
    *,
    expected: int | None,
) -> models.PooledContract:
    """A new share plan from `valid_from` (a member joins or leaves); shares must total 100 %."""
    _require_coordinator(actor)
    begin_write(session)
    contract = get_contract(session, actor, contract_id)
    _check_version(contract.version, expected, "contrat", contract_id)
    _validate_shares(session, actor, data["shares"], "shares")
    if data["valid_from"] < contract.start_date:
        raise InvalidField("valid_from", "after_start", "avant le début du contrat")
    if any(plan.valid_from == data["valid_from"] for plan in contract.share_plans):
        raise InvalidField("valid_from", "unique", "un plan de parts commence déjà à cette date")
    plan = models.SharePlan(
        valid_from=data["valid_from"],
        shares=[
            models.Share(cabinet_id=s["cabinet_id"], share_bp=s["share_bp"]) for s in data["shares"]
        ],
    )

    def add() -> None:
        contract.share_plans.append(plan)

    _update(
        session,
        actor,
        contract,
        "contract",
        expected,
        {},
        children=_CONTRACT_CHILDREN,
        apply=add,
        reason=f"plan de parts à partir du {data['valid_from'].isoformat()}",
    )
    return contract


def delete_contract(
    session: Session, actor: models.User, contract_id: int, *, expected: int | None
) -> None:
    """Remove a contract that no rota refers to."""
    _require_coordinator(actor)
    begin_write(session)
    contract = get_contract(session, actor, contract_id)
    _check_version(contract.version, expected, "contrat", contract_id)
    _refuse_if_used(
        session,
        "contrat",
        contract_id,
        select(models.Assignment.id).where(models.Assignment.contract_id == contract_id),
    )
    before = _contract_snapshot(contract)
    with _committing(session, "contrat", contract_id):
        session.delete(contract)
        session.flush()
        _audit(session, actor, "delete", "contract", contract_id, before, None)


# --- Travel times -------------------------------------------------------------------------------

ROAD_FACTOR = 1.3
SPEED_KMH = 50.0
PARKING_MINUTES = 5


def estimate_minutes(a: models.Cabinet, b: models.Cabinet) -> int:
    """Road minutes from coordinates: haversine distance x road factor / speed + parking, rounded."""
    lat1, lon1, lat2, lon2 = (
        math.radians(float(v)) for v in (a.latitude, a.longitude, b.latitude, b.longitude)
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    km = 2 * 6371.0 * math.asin(math.sqrt(h))
    minutes = round(km * ROAD_FACTOR / SPEED_KMH * 60 + PARKING_MINUTES)
    return max(1, min(240, minutes))


def list_travel_times(
    session: Session,
    actor: models.User,
    *,
    limit: int,
    offset: int,
    cabinet_id: int | None = None,
    estimated: bool | None = None,
) -> PageResult[models.TravelTime]:
    """Travel times between the groupement's cabinets."""
    stmt = select(models.TravelTime).where(visible(actor, models.TravelTime))
    if cabinet_id is not None:
        get_cabinet(session, actor, cabinet_id, field="query.cabinet_id")
        stmt = stmt.where(
            (models.TravelTime.origin_id == cabinet_id)
            | (models.TravelTime.destination_id == cabinet_id)
        )
    if estimated is not None:
        stmt = stmt.where(models.TravelTime.estimated == (true() if estimated else false()))
    return _page(session, stmt, models.TravelTime.id, limit, offset)


def get_travel_time(session: Session, actor: models.User, travel_id: int) -> models.TravelTime:
    """One travel time."""
    return resolve(session, actor, models.TravelTime, travel_id, field="path.travel_time_id")


def create_travel_time(
    session: Session, actor: models.User, data: dict[str, Any]
) -> models.TravelTime:
    """Record confirmed road minutes between two cabinets (stored lower id first)."""
    _require_coordinator(actor)
    begin_write(session)
    if data["origin_id"] == data["destination_id"]:
        raise InvalidField("destination_id", "two_sites", "deux cabinets différents")
    get_cabinet(session, actor, data["origin_id"], field="body.origin_id")
    get_cabinet(session, actor, data["destination_id"], field="body.destination_id")
    a, b = sorted((data["origin_id"], data["destination_id"]))
    exists = session.scalar(
        select(models.TravelTime.id).where(
            models.TravelTime.origin_id == a, models.TravelTime.destination_id == b
        )
    )
    if exists is not None:
        raise DuplicateResource("trajet", f"{a}-{b} (id {exists})")
    travel = models.TravelTime(
        groupement_id=actor.groupement_id,
        origin_id=a,
        destination_id=b,
        minutes=data["minutes"],
        estimated=False,
    )
    with _committing(session, "trajet", f"{a}-{b}"):
        session.add(travel)
        session.flush()
        _audit(session, actor, "create", "travel_time", travel.id, None, snapshot(travel))
    return travel


def estimate_missing_travel_times(session: Session, actor: models.User) -> list[models.TravelTime]:
    """Store an estimate (marked `estimated`) for every pair of cabinets that has none."""
    _require_coordinator(actor)
    begin_write(session)
    cabinets = list(
        session.scalars(
            select(models.Cabinet).where(visible(actor, models.Cabinet)).order_by(models.Cabinet.id)
        )
    )
    known: set[tuple[int, int]] = set(
        session.execute(
            select(models.TravelTime.origin_id, models.TravelTime.destination_id).where(
                visible(actor, models.TravelTime)
            )
        ).all()
    )
    created: list[models.TravelTime] = []
    with _committing(session, "trajet", "estimations"):
        for i, a in enumerate(cabinets):
            for b in cabinets[i + 1 :]:
                if (a.id, b.id) in known:
                    continue
                travel = models.TravelTime(
                    groupement_id=actor.groupement_id,
                    origin_id=a.id,
                    destination_id=b.id,
                    minutes=estimate_minutes(a, b),
                    estimated=True,
                )
                session.add(travel)
                created.append(travel)
        session.flush()
        for travel in created:
            _audit(session, actor, "estimate", "travel_time", travel.id, None, snapshot(travel))
    return created


def update_travel_time(
    session: Session,
    actor: models.User,
    travel_id: int,
    changes: dict[str, Any],
    *,
    expected: int | None,
) -> models.TravelTime:
    """Set the minutes of a pair; a coordinator's value is confirmed (`estimated` false)."""
    _require_coordinator(actor)
    begin_write(session)
    travel = get_travel_time(session, actor, travel_id)
    changes = {k: v for k, v in changes.items() if v is not None}
    changes["estimated"] = False
    _update(
        session,
        actor,
        travel,
        "travel_time",
        expected,
        changes,
        reason="confirmé par la coordination",
    )
    return travel


def delete_travel_time(
    session: Session, actor: models.User, travel_id: int, *, expected: int | None
) -> None:
    """Remove a travel time."""
    _require_coordinator(actor)
    begin_write(session)
    travel = get_travel_time(session, actor, travel_id)
    _delete(session, actor, travel, "travel_time", expected)


# --- Consultation sessions (no version column: the ETag is a digest of the content) ------------


def session_version(row: models.ConsultationSession) -> int:
    """A content digest standing for the version of a consultation session."""
    content = json.dumps(
        [row.cabinet_id, row.doctor_id, row.weekday, row.start_minute, row.end_minute, row.weight]
    )
    return zlib.crc32(content.encode()) % 1_000_000_000 + 1


def list_consultation_sessions(
    session: Session,
    actor: models.User,
    *,
    limit: int,
    offset: int,
    cabinet_id: int | None = None,
    weekday: int | None = None,
) -> PageResult[models.ConsultationSession]:
    """Consultation sessions the actor may see."""
    stmt = select(models.ConsultationSession).where(visible(actor, models.ConsultationSession))
    if cabinet_id is not None:
        get_cabinet(session, actor, cabinet_id, field="query.cabinet_id")
        stmt = stmt.where(models.ConsultationSession.cabinet_id == cabinet_id)
    if weekday is not None:
        stmt = stmt.where(models.ConsultationSession.weekday == weekday)
    return _page(session, stmt, models.ConsultationSession.id, limit, offset)


def get_consultation_session(
    session: Session, actor: models.User, session_id: int
) -> models.ConsultationSession:
    """One consultation session."""
    return resolve(
        session, actor, models.ConsultationSession, session_id, field="path.consultation_session_id"
    )


def _check_doctor(
    session: Session, actor: models.User, cabinet_id: int, doctor_id: int | None
) -> None:
    if doctor_id is None:
        return
    doctor = get_doctor(session, actor, doctor_id, field="body.doctor_id")
    if doctor.cabinet_id != cabinet_id:
        raise InvalidField("doctor_id", "exists", "pas un médecin de ce cabinet")


def create_consultation_session(
    session: Session, actor: models.User, data: dict[str, Any]
) -> models.ConsultationSession:
    """Add a weekly consultation session to a cabinet."""
    _require_coordinator(actor)
    begin_write(session)
    get_cabinet(session, actor, data["cabinet_id"], field="body.cabinet_id")
    _check_doctor(session, actor, data["cabinet_id"], data.get("doctor_id"))
    row = models.ConsultationSession(**data)
    with _committing(session, "séance", "new"):
        session.add(row)
        session.flush()
        _audit(session, actor, "create", "consultation_session", row.id, None, snapshot(row))
    return row


def update_consultation_session(
    session: Session,
    actor: models.User,
    session_id: int,
    changes: dict[str, Any],
    *,
    expected: int | None,
) -> models.ConsultationSession:
    """Change a consultation session (If-Match on its content digest)."""
    _require_coordinator(actor)
    begin_write(session)
    row = get_consultation_session(session, actor, session_id)
    _check_version(session_version(row), expected, "séance", session_id)
    changes = {k: v for k, v in changes.items() if v is not None or k == "doctor_id"}
    start = changes.get("start_minute", row.start_minute)
    end = changes.get("end_minute", row.end_minute)
    if end <= start:
        raise InvalidField("end_minute", "ordered", "doit suivre start_minute")
    _check_doctor(session, actor, row.cabinet_id, changes.get("doctor_id", row.doctor_id))
    before = snapshot(row)
    with _committing(session, "séance", session_id):
        _apply(row, changes)
        session.flush()
        _audit(session, actor, "update", "consultation_session", row.id, before, snapshot(row))
    return row


def delete_consultation_session(
    session: Session, actor: models.User, session_id: int, *, expected: int | None
) -> None:
    """Remove a consultation session."""
    _require_coordinator(actor)
    begin_write(session)
    row = get_consultation_session(session, actor, session_id)
    _check_version(session_version(row), expected, "séance", session_id)
    before = snapshot(row)
    with _committing(session, "séance", session_id):
        session.delete(row)
        session.flush()
        _audit(session, actor, "delete", "consultation_session", session_id, before, None)


# --- Absences -----------------------------------------------------------------------------------


def list_absences(
    session: Session,
    actor: models.User,
    *,
    limit: int,
    offset: int,
    assistant_id: int | None = None,
    kind: models.AbsenceKind | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> PageResult[models.Absence]:
    """Absences the actor may see, filtered by assistant, kind and overlap with [since, until)."""
    stmt = select(models.Absence).where(visible(actor, models.Absence))
    if assistant_id is not None:
        get_assistant(session, actor, assistant_id, field="query.assistant_id")
        stmt = stmt.where(models.Absence.assistant_id == assistant_id)
    if kind is not None:
        stmt = stmt.where(models.Absence.kind == kind)
    if since is not None:
        stmt = stmt.where(models.Absence.end_at > since)
    if until is not None:
        stmt = stmt.where(models.Absence.start_at < until)
    return _page(session, stmt, models.Absence.id, limit, offset)


def get_absence(session: Session, actor: models.User, absence_id: int) -> models.Absence:
    """One absence."""
    return resolve(session, actor, models.Absence, absence_id, field="path.absence_id")


def create_absence(session: Session, actor: models.User, data: dict[str, Any]) -> models.Absence:
    """Record an absence through the planning workflow (the ledger stops counting it as delivered)."""
    _require_coordinator(actor)
    begin_write(session)
    get_assistant(session, actor, data["assistant_id"], field="body.assistant_id")
    with _committing(session, "absence", "new"):
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


def update_absence(
    session: Session,
    actor: models.User,
    absence_id: int,
    changes: dict[str, Any],
    *,
    expected: int | None,
) -> models.Absence:
    """Change an absence."""
    _require_coordinator(actor)
    begin_write(session)
    row = get_absence(session, actor, absence_id)
    changes = {k: v for k, v in changes.items() if v is not None or k == "reason"}
    if changes.get("end_at", row.end_at) <= changes.get("start_at", row.start_at):
        raise InvalidField("end_at", "ordered", "doit suivre start_at")
    before = (row.start_at, row.end_at)

    def refresh_delivered() -> None:
        # What was delivered changes over the old span and the new one.
        for start, end in (before, (row.start_at, row.end_at)):
            planning.refresh_ledger_around(session, row.assistant_id, start, end)

    _update(session, actor, row, "absence", expected, changes, after=refresh_delivered)
    return row


def delete_absence(
    session: Session, actor: models.User, absence_id: int, *, expected: int | None
) -> None:
    """Remove an absence."""
    _require_coordinator(actor)
    begin_write(session)
    row = get_absence(session, actor, absence_id)
    assistant_id, start, end = row.assistant_id, row.start_at, row.end_at
    _delete(
        session,
        actor,
        row,
        "absence",
        expected,
        after=lambda: planning.refresh_ledger_around(session, assistant_id, start, end),
    )


# --- Users and audit ----------------------------------------------------------------------------


def list_users(
    session: Session, actor: models.User, *, limit: int, offset: int
) -> PageResult[models.User]:
    """The groupement's users (coordinators only)."""
    stmt = select(models.User).where(visible(actor, models.User))
    return _page(session, stmt, models.User.id, limit, offset)


def list_audit(
    session: Session,
    actor: models.User,
    *,
    limit: int,
    offset: int,
    entity: str | None = None,
    entity_id: str | None = None,
) -> PageResult[models.AuditLog]:
    """The groupement's audit log, newest first."""
    stmt = select(models.AuditLog).where(visible(actor, models.AuditLog))
    if entity is not None:
        stmt = stmt.where(models.AuditLog.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(models.AuditLog.entity_id == entity_id)
    return _page(session, stmt, models.AuditLog.id.desc(), limit, offset)
