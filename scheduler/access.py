"""The access policy: the one place that decides who may do what and read which rows.

Every role-based decision of the service is taken here, for the API, the web pages, the reports
and the subscriptions alike (`tests/test_access_architecture.py` fails when another module
compares a role). A principal is a signed-in `models.User`: a role, a groupement, the cabinet or assistant
it acts for and, for an auditor, the contracts granted to her.

- `allowed` / `require`: whether the role may take an `Action` (`require` raises `Forbidden`).
- `visible`: the filter of the rows of a kind the principal may read (it raises `Forbidden` when
  the role reads none of that kind); `resolve` turns an id found in a request (its path, body or
  query string) into that row, or raises `NotFound` naming the field: a row of another
  groupement, a row the role may not see and an id that exists nowhere all get the same answer,
  so no answer reveals that a row exists.
- the finer filters of what a role sees inside a row it may read: the events of a rota, a
  rota's balance, a change notice and the e-mails that told of it (a coordinator all of her
  groupement's, a cabinet and an assistant those sent to them), the ledger's rows and totals, a report's members, a feed.

The roles:

- a coordinator runs her groupement: she reads and writes all of it, plans and publishes;
- a cabinet reads its own rows, its contracts, the published rotas (its own events) and its
  figures in the reports of its contracts;
- an assistant reads her own rows, the published rotas (her own events) and her ledger;
- a CPAM auditor reads the contracts granted to her, in whatever groupement, their reports,
  ledger and audit trail (the audit log's rows about those contracts): no rota, no person;
- the national reader (Assurance maladie) reads every contract's figures (the contracts, their
  reports and ledger) and the national evaluation, and may launch a national re-plan; she sees no personal data beyond what
  the reports show: no assistant, absence, rota, user or audit log. Only the CLI creates one.
"""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, String, cast, select, true
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
    models.ChangeNotice: "avis de changement",
    models.NoticeEmail: "avis envoyé",
}


class Action(enum.StrEnum):
    """What a principal may ask for, beyond reading rows (`visible`)."""

    MANAGE = "manage"  # write the groupement's rows, its users; read its plan runs and audit log
    PLAN = "plan"  # plan runs, edits, publication, violations
    READ_ROTAS = "read_rotas"  # the published rotas of the groupement (drafts: `MANAGE`)
    READ_NOTICES = "read_notices"  # change notices
    READ_REPORTS = "read_reports"  # allocation reports of the contracts the principal reads
    REVIEW_CONTRACTS = "review_contracts"  # the review pages: every readable contract's report
    ENTER_PATIENTELE = "enter_patientele"  # patientèle statements
    IMPORT_REFERENCE = "import_reference"  # the evaluation's reference group (CPAM data)
    OWN_CABINET = "own_cabinet"  # the cabinet's own page and feed
    OWN_ROTA = "own_rota"  # the assistant's own week and feed
    ACKNOWLEDGE_NOTICE = "acknowledge_notice"  # take note of a change of one's own rota
    NATIONAL_REPLAN = "national_replan"  # re-plan every groupement at once
    READ_NATIONAL_EVALUATION = "read_national_evaluation"  # every contract's effect, pooled


_ROLES: dict[Action, frozenset[Role]] = {
    Action.MANAGE: frozenset({Role.COORDINATOR}),
    Action.PLAN: frozenset({Role.COORDINATOR}),
    Action.READ_ROTAS: frozenset({Role.COORDINATOR, Role.CABINET, Role.ASSISTANT}),
    Action.READ_NOTICES: frozenset({Role.COORDINATOR, Role.CABINET, Role.ASSISTANT}),
    Action.READ_REPORTS: frozenset({Role.COORDINATOR, Role.CABINET, Role.AUDITOR, Role.NATIONAL}),
    Action.REVIEW_CONTRACTS: frozenset({Role.AUDITOR, Role.NATIONAL}),
    Action.ENTER_PATIENTELE: frozenset({Role.COORDINATOR}),
    # The CPAM's data: a coordinator would choose the group her own contract is measured against.
    Action.IMPORT_REFERENCE: frozenset({Role.AUDITOR, Role.NATIONAL}),
    Action.OWN_CABINET: frozenset({Role.CABINET}),
    Action.OWN_ROTA: frozenset({Role.ASSISTANT}),
    Action.ACKNOWLEDGE_NOTICE: frozenset({Role.ASSISTANT}),
    Action.NATIONAL_REPLAN: frozenset({Role.NATIONAL}),
    # Every contract's figures of every groupement: the Assurance maladie's alone.
    Action.READ_NATIONAL_EVALUATION: frozenset({Role.NATIONAL}),
}

# The refusal of each action, in French; `{role}` is the principal's role.
_REFUSALS: dict[Action, str] = {
    Action.MANAGE: "le rôle {role} ne peut pas modifier ces données",
    Action.PLAN: "le rôle {role} ne peut pas planifier",
    Action.READ_ROTAS: "les auditeurs et le niveau national lisent les rapports, pas les plannings",
    Action.READ_NOTICES: "les auditeurs et le niveau national n'ont pas accès aux avis de changement",
    Action.READ_REPORTS: "votre rôle ne donne pas accès aux rapports d'allocation",
    Action.REVIEW_CONTRACTS: "le rôle {role} ne relit pas les rapports des contrats",
    Action.ENTER_PATIENTELE: "seul le coordinateur saisit les relevés de patientèle",
    Action.IMPORT_REFERENCE: "seuls l'auditeur de la CPAM et le niveau national importent le "
    "groupe de référence",
    Action.OWN_CABINET: "seul un cabinet s'abonne à son agenda",
    Action.OWN_ROTA: "seule une assistante consulte son propre planning",
    Action.ACKNOWLEDGE_NOTICE: "seule l'assistante concernée confirme avoir pris connaissance "
    "d'un changement",
    Action.NATIONAL_REPLAN: "seul le niveau national relance la planification nationale",
    Action.READ_NATIONAL_EVALUATION: "seul le niveau national lit l'évaluation nationale",
}


def allowed(actor: models.User, action: Action) -> bool:
    """Whether the principal's role may take `action`."""
    return actor.role in _ROLES[action]


def require(actor: models.User, action: Action, refusal: str | None = None) -> None:
    """Raise `Forbidden` (with `refusal`, else the action's own words) unless `allowed`."""
    if not allowed(actor, action):
        words = refusal if refusal is not None else _REFUSALS[action]
        raise Forbidden(words.format(role=actor.role.value))


def may_create_user(actor: models.User | None, role: Role) -> bool:
    """Whether `actor` may create a user of `role` (`None`: the CLI, which creates any role).

    A coordinator creates the users of her groupement; a national reader is created by the CLI
    only, since she reads every groupement's figures."""
    if actor is None:
        return True
    return allowed(actor, Action.MANAGE) and role is not Role.NATIONAL


def reads_by_grant(role: Role) -> bool:
    """Whether a user of `role` reads the contracts granted to her (in whatever groupement)."""
    return role is Role.AUDITOR


def invited_on_pages(actor: models.User) -> tuple[Role, ...]:
    """The roles the actor may invite from the users page: those she may create, but the
    auditor's (her account is made elsewhere; a coordinator opens a contract to her on the
    contract's page, `services.grants`, or the CLI's `partagenda grant-contract`)."""
    return tuple(role for role in Role if may_create_user(actor, role) and role is not Role.AUDITOR)


def acts_for_cabinet(role: Role) -> bool:
    """Whether a user of `role` acts for one cabinet (and must name it)."""
    return role is Role.CABINET


def acts_for_assistant(role: Role) -> bool:
    """Whether a user of `role` acts for one assistant (and must name her)."""
    return role is Role.ASSISTANT


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


CONTRACT_ENTITIES = ("contract", "pooled_contract")
"""The audit log's names of a pooled contract (its resource's and its table's)."""


def reads_contract_trail(actor: models.User) -> bool:
    """Whether the review pages show each contract's audit trail (an auditor's)."""
    return actor.role is Role.AUDITOR


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
            # The contracts granted to her, in whatever groupement.
            return models.PooledContract.id.in_(_granted_contracts(actor.id))
        if role is Role.NATIONAL:
            return true()
    if model is models.TravelTime and coordinator:
        return models.TravelTime.groupement_id == gid
    if model is models.Absence:
        if coordinator:
            return models.Absence.assistant_id.in_(_assistants_of_groupement(gid))
        if role is Role.ASSISTANT:
            return models.Absence.assistant_id == (actor.assistant_id or 0)
    if model is models.Rota:
        require(actor, Action.READ_ROTAS)
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
    if model is models.ChangeNotice:
        require(actor, Action.READ_NOTICES)
        own_notice = models.ChangeNotice.groupement_id == gid
        if role is Role.ASSISTANT:
            return own_notice & (models.ChangeNotice.assistant_id == actor.assistant_id)
        return own_notice  # a cabinet's: `shows_notice`, the cabinets being a JSON list
    if model is models.NoticeEmail:
        require(actor, Action.READ_NOTICES)
        own_email = models.NoticeEmail.groupement_id == gid
        if coordinator:
            return own_email
        if role is Role.CABINET:
            return own_email & (models.NoticeEmail.cabinet_id == (actor.cabinet_id or 0))
        if role is Role.ASSISTANT:
            return own_email & (models.NoticeEmail.assistant_id == (actor.assistant_id or 0))
    if model is models.AuditLog and coordinator:
        return models.AuditLog.groupement_id == gid
    if model is models.AuditLog and role is Role.AUDITOR:
        # The trail of the contracts granted to her: what was done to them, by whom and why.
        return models.AuditLog.entity.in_(CONTRACT_ENTITIES) & models.AuditLog.entity_id.in_(
            select(cast(models.AuditorGrant.contract_id, String)).where(
                models.AuditorGrant.user_id == actor.id
            )
        )
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


# --- What a role sees inside the rows it reads ---------------------------------------------------


def sees_event(actor: models.User, assistant_id: int, cabinet_ids: set[int]) -> bool:
    """Whether an event of a rota (an assignment, a travel leg) is shown to the principal: all
    to a coordinator, hers to an assistant, those at its site to a cabinet."""
    if actor.role is Role.COORDINATOR:
        return True
    if actor.role is Role.ASSISTANT:
        return assistant_id == actor.assistant_id
    if actor.role is Role.CABINET:
        return actor.cabinet_id in cabinet_ids
    return False


def sees_balance(actor: models.User, cabinet_id: int) -> bool:
    """Whether a cabinet's planned minutes against its share in a rota are shown: all to a
    coordinator, its own to a cabinet, none to anyone else."""
    if actor.role is Role.COORDINATOR:
        return True
    return actor.role is Role.CABINET and cabinet_id == actor.cabinet_id


def sees_plan_reasons(actor: models.User) -> bool:
    """Whether the planner's objective terms and explanations of a rota are shown."""
    return actor.role is Role.COORDINATOR


def shows_notice(actor: models.User, notice: models.ChangeNotice) -> bool:
    """Whether a change notice of the rows `visible` lets through is the principal's: a
    cabinet's are those naming it (the others are filtered in SQL)."""
    if actor.role is Role.CABINET:
        return actor.cabinet_id in (notice.cabinet_ids or [])
    return True


class LedgerTotals(enum.Enum):
    """Which rows a ledger's weekly totals add up."""

    GROUP = "group"  # every row of the contracts read (a cabinet sees the group's totals)
    SHOWN = "shown"  # the rows shown
    NONE = "none"  # no totals


def ledger_contracts(actor: models.User) -> ColumnElement[bool]:
    """The contracts whose ledger rows the principal reads (before `shows_ledger_row`): those
    of her groupement; an auditor's granted ones; every one for the national reader."""
    if actor.role in (Role.AUDITOR, Role.NATIONAL):
        return visible(actor, models.PooledContract)
    return models.PooledContract.groupement_id == actor.groupement_id


def shows_ledger_row(actor: models.User, row: models.LedgerEntry) -> bool:
    """Whether a ledger row is shown: a cabinet's own, an assistant's own, all otherwise."""
    if actor.role is Role.CABINET:
        return row.cabinet_id == actor.cabinet_id
    if actor.role is Role.ASSISTANT:
        return row.assistant_id == actor.assistant_id
    return True


def ledger_totals(actor: models.User) -> LedgerTotals:
    """Which rows the ledger's weekly totals add up for the principal."""
    if actor.role is Role.ASSISTANT:
        return LedgerTotals.NONE
    if actor.role in (Role.AUDITOR, Role.NATIONAL):
        return LedgerTotals.SHOWN
    return LedgerTotals.GROUP


def report_cabinet(actor: models.User) -> int | None:
    """The cabinet a report is cut down to for the principal (its own figures and the group's
    totals), or `None` for the whole report."""
    if actor.role is Role.CABINET:
        return actor.cabinet_id or 0
    return None


class ContractView(enum.StrEnum):
    """How much of a contract a principal who sees it reads."""

    FULL = "full"  # the contract as it is managed: its assistants and their weekly minutes, its
    # share plans by cabinet id, its costs
    FIGURES = "figures"  # what its allocation report shows: names, dates, funded ETP and target
    # figures, its member cabinets' names


def contract_view(actor: models.User, contract: models.PooledContract) -> ContractView:
    """How the principal reads a contract she sees (`visible`): in full within her groupement (a
    coordinator, a member cabinet, an auditor of the groupement), its figures only from outside
    it (an auditor reading a contract granted to her in another groupement, the national
    reader), as its reports show it."""
    if actor.role is Role.NATIONAL:
        return ContractView.FIGURES
    if actor.role is Role.AUDITOR and contract.groupement_id != actor.groupement_id:
        return ContractView.FIGURES
    return ContractView.FULL


def may_subscribe(actor: models.User, kind: str, target_id: int) -> bool:
    """Whether the principal may take a link to the feed `kind` of the row `target_id` (one it
    reads, `resolve`): a coordinator to any, a cabinet or an assistant to its own only."""
    if actor.role is Role.COORDINATOR:
        return True
    if actor.role is Role.CABINET and kind == models.FeedKind.CABINET:
        return actor.cabinet_id == target_id
    if actor.role is Role.ASSISTANT and kind == models.FeedKind.ASSISTANT:
        return actor.assistant_id == target_id
    return False


def shows_token(actor: models.User, token: models.FeedToken) -> bool:
    """Whether a live feed link of the principal's groupement is listed to her: all to a
    coordinator, a cabinet's or an assistant's own feed's, none to anyone else."""
    if actor.role is Role.COORDINATOR:
        return True
    if actor.role is Role.CABINET:
        return token.kind == models.FeedKind.CABINET and token.target_id == actor.cabinet_id
    if actor.role is Role.ASSISTANT:
        return token.kind == models.FeedKind.ASSISTANT and token.target_id == actor.assistant_id
    return False


def may_import_patientele(actor: models.User | None, groupement_id: int) -> bool:
    """Whether `actor` (`None`: the CLI) may import the statements of `groupement_id`."""
    if actor is None:
        return True
    return allowed(actor, Action.ENTER_PATIENTELE) and actor.groupement_id == groupement_id


def reference_departments(session: Session, actor: models.User | None) -> set[str] | None:
    """The départements whose reference group `actor` may import (`require` IMPORT_REFERENCE
    first): `None`, every one, for the CLI and the national reader; an auditor's are those of the
    member cabinets of the contracts granted to her."""
    if actor is None or actor.role is Role.NATIONAL:
        return None
    require(actor, Action.IMPORT_REFERENCE)
    return set(
        session.scalars(
            select(models.Cabinet.department)
            .join(models.Share, models.Share.cabinet_id == models.Cabinet.id)
            .join(models.SharePlan, models.SharePlan.id == models.Share.plan_id)
            .where(models.SharePlan.contract_id.in_(_granted_contracts(actor.id)))
            .distinct()
        )
    )


def holds_claimed_role(actor: models.User, claimed: object) -> bool:
    """Whether the role a token was issued for is still the user's (a changed role withdraws
    every token issued before)."""
    return claimed == actor.role.value


def answers_for_groupement() -> ColumnElement[bool]:
    """The users who answer for their groupement (its reminders, the organiser of its feeds):
    its coordinators."""
    return models.User.role == Role.COORDINATOR
