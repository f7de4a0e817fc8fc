"""Pooled contracts, their assistants and their share plans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload
from typing_extensions import override

from scheduler import access, membership, models
from scheduler.audit import snapshot
from scheduler.demo import ensure_policies
from scheduler.errors import DoctorInAnotherContract, InvalidField, NotFound, ShareTotalInvalid
from scheduler.services.resources.generic import Edit, Resource
from scheduler.services.resources.sites import CABINETS
from scheduler.services.resources.staff import ASSISTANTS
from scheduler.uow import begin_write


def _shares(
    session: Session, actor: models.User, shares: list[dict[str, Any]]
) -> list[models.Share]:
    """The shares of a plan, each cabinet once, totalling 100 %."""
    seen: set[int] = set()
    for index, share in enumerate(shares):
        cabinet_id = share["cabinet_id"]
        if cabinet_id in seen:
            raise InvalidField(f"shares.{index}.cabinet_id", "unique", "ce cabinet a déjà une part")
        seen.add(cabinet_id)
        CABINETS.get(session, actor, cabinet_id, field=f"body.shares.{index}.cabinet_id")
    total = sum(share["share_bp"] for share in shares)
    if total != models.SHARE_TOTAL_BP:
        raise ShareTotalInvalid(total, "shares")
    return [models.Share(cabinet_id=s["cabinet_id"], share_bp=s["share_bp"]) for s in shares]


def _assistants(
    session: Session, actor: models.User, items: list[dict[str, Any]]
) -> list[models.ContractAssistant]:
    seen: set[int] = set()
    rows = []
    for index, item in enumerate(items):
        if item["assistant_id"] in seen:
            raise InvalidField(f"assistants.{index}.assistant_id", "unique", "assistante en double")
        seen.add(item["assistant_id"])
        field = f"body.assistants.{index}.assistant_id"
        ASSISTANTS.get(session, actor, item["assistant_id"], field=field)
        rows.append(
            models.ContractAssistant(
                assistant_id=item["assistant_id"], weekly_minutes=item["weekly_minutes"]
            )
        )
    return rows


def _doctors_of(session: Session, cabinet_ids: Sequence[int]) -> list[models.Doctor]:
    return list(
        session.scalars(
            select(models.Doctor)
            .where(models.Doctor.cabinet_id.in_(cabinet_ids))
            .order_by(models.Doctor.id)
        )
    )


@dataclass(frozen=True)
class ContractSummary:
    """A contract as its allocation report shows it (`access.ContractView.FIGURES`): no
    assistant, no cabinet id, no cost; the member cabinets by name, as the report names them."""

    id: int
    code: str
    name: str
    kind: models.ContractKind
    start_date: date
    duration_years: int
    funded_etp: Decimal
    weekly_minutes: int
    target_policy_code: str
    target_policy_version: int
    members: tuple[str, ...]


def summary(contract: models.PooledContract) -> ContractSummary:
    """What the allocation report shows of `contract` (`scheduler.reports.build`'s header, and
    the cabinets of its share plans by name, in the order they joined)."""
    members: dict[int, str] = {}
    for plan in sorted(contract.share_plans, key=lambda p: p.valid_from):
        for share in sorted(plan.shares, key=lambda s: s.cabinet_id):
            members.setdefault(share.cabinet_id, share.cabinet.name)
    policy = contract.target_policy
    return ContractSummary(
        id=contract.id,
        code=contract.code,
        name=contract.name,
        kind=contract.kind,
        start_date=contract.start_date,
        duration_years=contract.duration_years,
        funded_etp=Decimal(contract.funded_etp),
        weekly_minutes=sum(a.weekly_minutes for a in contract.assistants),
        target_policy_code=policy.code,
        target_policy_version=policy.policy_version,
        members=tuple(members.values()),
    )


class Contracts(Resource[models.PooledContract]):
    """Contracts the actor may see (a cabinet: those it is a member of; an auditor: granted), by
    code or kind; a given `assistants` list replaces the contract's assistants; one a rota refers
    to stays."""

    model = models.PooledContract
    entity = "contract"
    label = "contrat"
    key = "contract_id"
    children = {"assistants": ["assistant_id", "weekly_minutes"]}
    nullable_changes = frozenset[str]()

    @override
    def options(self) -> tuple[Any, ...]:
        return (
            selectinload(models.PooledContract.assistants),
            selectinload(models.PooledContract.share_plans).selectinload(models.SharePlan.shares),
        )

    @override
    def filter(
        self, session: Session, actor: models.User, stmt: Select[Any], filters: dict[str, Any]
    ) -> Select[Any]:
        if filters.get("code") is not None:
            stmt = stmt.where(models.PooledContract.code == filters["code"])
        if filters.get("kind") is not None:
            stmt = stmt.where(models.PooledContract.kind == filters["kind"])
        if filters.get("q"):
            # Part of the name or the code, in any case; `%` and `_` stand for themselves.
            typed = filters["q"].strip().lower()
            stmt = stmt.where(
                func.lower(models.PooledContract.name).contains(typed, autoescape=True)
                | func.lower(models.PooledContract.code).contains(typed, autoescape=True)
            )
        return stmt

    @override
    def snapshot(self, row: models.PooledContract) -> dict[str, Any]:
        data = snapshot(row, children=self.children)
        data["share_plans"] = [
            {
                "valid_from": plan.valid_from.isoformat(),
                "shares": {str(s.cabinet_id): s.share_bp for s in plan.shares},
            }
            for plan in row.share_plans
        ]
        return data

    @override
    def changed_snapshot(self, row: models.PooledContract) -> dict[str, Any]:
        # A change (of the contract or by a new share plan) is audited without the share plans,
        # as it always was; a create and a delete with them.
        return snapshot(row, children=self.children)

    @override
    def modified_name(self, step: Literal["check", "update", "delete"]) -> str:
        # The names these problems have always had: the commit of a change says "contract".
        return self.entity if step == "update" else self.label

    @override
    def build(
        self, session: Session, actor: models.User, data: dict[str, Any]
    ) -> models.PooledContract:
        """A contract, its assistants and its first share plan (validated before the database)."""
        ensure_policies(session)  # the shipped target rules, inserted on first use
        policy = session.scalar(
            select(models.TargetPolicy)
            .where(models.TargetPolicy.code == data["target_policy_code"])
            .order_by(models.TargetPolicy.policy_version.desc())
            .limit(1)
        )
        if policy is None:
            raise InvalidField("target_policy_code", "exists", "règle d'objectif inconnue")
        shares = _shares(session, actor, data["shares"])
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
            balancing_period=models.BalancingPeriod(
                data.get("balancing_period", models.BalancingPeriod.QUARTER)
            ).value,
            training_site=bool(data.get("training_site", False)),
            assistants=_assistants(session, actor, data["assistants"]),
            share_plans=[models.SharePlan(valid_from=data["start_date"], shares=shares)],
        )
        # The member cabinets' doctors join with them (each may leave by his own change).
        membership.enrol(
            session,
            contract,
            _doctors_of(session, [s.cabinet_id for s in shares]),
            contract.start_date,
        )
        return contract

    @override
    def edit(
        self,
        session: Session,
        actor: models.User,
        row: models.PooledContract,
        changes: dict[str, Any],
    ) -> Edit:
        if changes.get("balancing_period") is not None:
            changes = {
                **changes,
                "balancing_period": models.BalancingPeriod(changes["balancing_period"]).value,
            }
        if changes.get("assistants") is None:
            return Edit(changes)
        new_assistants = _assistants(session, actor, changes["assistants"])

        def replace() -> None:
            row.assistants.clear()
            session.flush()
            row.assistants.extend(new_assistants)

        return Edit(changes, apply=replace)

    @override
    def in_use(self, key: int) -> Sequence[Select[Any]]:
        return (select(models.Assignment.id).where(models.Assignment.contract_id == key),)

    def shown(
        self, actor: models.User, row: models.PooledContract
    ) -> models.PooledContract | ContractSummary:
        """`row` as the actor reads it: in full, or its report's figures only (the access
        policy's `contract_view`)."""
        if access.contract_view(actor, row) is access.ContractView.FIGURES:
            return summary(row)
        return row

    def add_share_plan(
        self,
        session: Session,
        actor: models.User,
        key: int,
        data: dict[str, Any],
        *,
        expected: int | None,
    ) -> models.PooledContract:
        """A new share plan from `valid_from` (a member joins or leaves); shares must total
        100 %."""
        access.require(actor, access.Action.MANAGE)
        begin_write(session)
        contract = self.get(session, actor, key)
        self.check_version(contract, expected)
        shares = _shares(session, actor, data["shares"])
        if data["valid_from"] < contract.start_date:
            raise InvalidField("valid_from", "after_start", "avant le début du contrat")
        refused = membership.anniversary_refusal(contract, data["valid_from"], "valid_from")
        if refused is not None:
            raise refused
        if any(plan.valid_from == data["valid_from"] for plan in contract.share_plans):
            raise InvalidField(
                "valid_from", "unique", "un plan de parts commence déjà à cette date"
            )
        plan = models.SharePlan(valid_from=data["valid_from"], shares=shares)
        reason = f"plan de parts à partir du {data['valid_from'].isoformat()}"
        doctors = _doctors_of(session, [s.cabinet_id for s in shares])

        def add() -> None:
            contract.share_plans.append(plan)
            # The doctors of a cabinet that joins now join with it; those of one that leaves
            # (absent from the latest plan) leave with it.
            membership.enrol(session, contract, doctors, data["valid_from"])
            membership.leave_with_cabinets(contract)

        self.apply(session, actor, contract, Edit({}, apply=add, reason=reason))
        return contract

    def set_member_doctor(
        self,
        session: Session,
        actor: models.User,
        key: int,
        doctor_id: int,
        data: dict[str, Any],
        *,
        expected: int | None,
    ) -> models.ContractMemberDoctor:
        """A doctor's membership of the contract over [valid_from, valid_to) (his bulletin
        d'adhésion): his cabinet must be a member, and he a member of no other contract then."""
        access.require(actor, access.Action.MANAGE)
        begin_write(session)
        contract = self.get(session, actor, key)
        self.check_version(contract, expected)
        doctor = session.get(models.Doctor, doctor_id)
        if doctor is None or doctor.cabinet.groupement_id != contract.groupement_id:
            raise NotFound("médecin", doctor_id, field="path.doctor_id")
        valid_from: date = data["valid_from"]
        valid_to: date | None = data.get("valid_to")
        joined = membership.joined_on(contract, doctor.cabinet_id)
        if joined is None:
            raise InvalidField(
                "path.doctor_id", "member_cabinet", "son cabinet n'est pas membre du contrat"
            )
        if valid_from < joined:
            raise InvalidField(
                "body.valid_from",
                "after_join",
                f"avant l'adhésion de son cabinet au contrat ({joined.isoformat()})",
            )
        if valid_to is not None and valid_to <= valid_from:
            raise InvalidField("body.valid_to", "after_start", "doit suivre le début d'adhésion")
        # A doctor joins and leaves a collective contract on its anniversaries, as cabinets do.
        for day, field in ((valid_from, "body.valid_from"), (valid_to, "body.valid_to")):
            refused = membership.anniversary_refusal(contract, day, field)
            if refused is not None:
                raise refused
        other = membership.overlapping(session, doctor.id, contract, valid_from, valid_to)
        if other is not None:
            raise DoctorInAnotherContract(
                f"{doctor.first_name} {doctor.last_name} (RPPS {doctor.rpps})",
                other.contract.code,
                other.valid_from,
                other.valid_to,
                "path.doctor_id",
            )
        row = next((m for m in contract.member_doctors if m.doctor_id == doctor.id), None)

        def put() -> None:
            nonlocal row
            if row is None:
                row = models.ContractMemberDoctor(doctor_id=doctor.id)
                contract.member_doctors.append(row)
            row.valid_from = valid_from
            row.valid_to = valid_to
            row.off_anniversary = False  # refused above otherwise

        reason = f"adhésion du médecin {doctor.rpps} du {valid_from.isoformat()}" + (
            "" if valid_to is None else f" au {valid_to.isoformat()}"
        )
        self.apply(session, actor, contract, Edit({}, apply=put, reason=reason))
        assert row is not None
        return row

    def remove_member_doctor(
        self,
        session: Session,
        actor: models.User,
        key: int,
        doctor_id: int,
        *,
        expected: int | None,
    ) -> None:
        """The doctor stays out of the contract (an associate may): he no longer counts in it."""
        access.require(actor, access.Action.MANAGE)
        begin_write(session)
        contract = self.get(session, actor, key)
        self.check_version(contract, expected)
        row = next((m for m in contract.member_doctors if m.doctor_id == doctor_id), None)
        if row is None:
            raise NotFound("adhésion du médecin", doctor_id, field="path.doctor_id")
        reason = f"retrait du médecin {row.doctor.rpps}"
        self.apply(
            session,
            actor,
            contract,
            Edit({}, apply=lambda: contract.member_doctors.remove(row), reason=reason),
        )

    def delete_share_plan(
        self,
        session: Session,
        actor: models.User,
        key: int,
        plan_id: int,
        *,
        expected: int | None,
        today: date | None = None,
    ) -> models.PooledContract:
        """Withdraw a share plan that has not yet come into force (`valid_from` after `today`,
        the groupement's day by default); the plan from the contract's start stays, as does any
        plan in force or past (the hours already shared were shared by it)."""
        access.require(actor, access.Action.MANAGE)
        begin_write(session)
        contract = self.get(session, actor, key)
        plan = next((p for p in contract.share_plans if p.id == plan_id), None)
        if plan is None:
            raise NotFound("plan de parts", plan_id, field="path.plan_id")
        self.check_version(contract, expected)
        if plan.valid_from <= contract.start_date:
            raise InvalidField(
                "valid_from", "first_plan", "le plan du début du contrat ne peut pas être retiré"
            )
        day = today if today is not None else _local_today(session, contract.groupement_id)
        if plan.valid_from <= day:
            raise InvalidField(
                "valid_from",
                "in_force",
                "ce plan est déjà en vigueur : seul un plan à venir peut être retiré",
            )
        reason = f"plan de parts du {plan.valid_from.isoformat()} retiré"

        def withdraw() -> None:
            contract.share_plans.remove(plan)
            membership.withdraw_plan(contract, plan.valid_from)

        self.apply(session, actor, contract, Edit({}, apply=withdraw, reason=reason))
        return contract


def _local_today(session: Session, groupement_id: int) -> date:
    groupement = session.get(models.Groupement, groupement_id)
    zone = ZoneInfo(groupement.timezone if groupement is not None else "Europe/Paris")
    return datetime.now(UTC).astimezone(zone).date()


CONTRACTS = Contracts()
