"""The reference data of the groupement, as declarations of `api.resource_router`.

Each resource names its service, schemas, list filters and the descriptions of its operations;
the routes alike for all are built by `resource_router`, and a resource's special endpoints
(a contract's share plans and auditors, the estimates of travel times) are added to its router here.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime, BaseModel

from api.deps import Coordinator, IdPath, IfMatch, SessionDep, etag_of, expected_version
from api.errors import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, problem_responses
from api.resource_router import Docs, Schemas, resource_router
from api.schemas import (
    AbsenceCreate,
    AbsencePage,
    AbsenceRead,
    AbsenceUpdate,
    AssistantCreate,
    AssistantPage,
    AssistantRead,
    AssistantUpdate,
    AuditorGrantCreate,
    AuditorGrantList,
    AuditorGrantRead,
    CabinetCreate,
    CabinetPage,
    CabinetRead,
    CabinetUpdate,
    ConsultationSessionCreate,
    ConsultationSessionPage,
    ConsultationSessionRead,
    ConsultationSessionUpdate,
    ContractCreate,
    ContractFiguresRead,
    ContractPage,
    ContractRead,
    ContractShown,
    ContractUpdate,
    DoctorCreate,
    DoctorPage,
    DoctorRead,
    DoctorUpdate,
    GroupementPage,
    GroupementRead,
    GroupementUpdate,
    MemberDoctorRead,
    MemberDoctorSet,
    SharePlanCreate,
    TravelEstimateResult,
    TravelTimeCreate,
    TravelTimePage,
    TravelTimeRead,
    TravelTimeUpdate,
)
from scheduler.audit import snapshot
from scheduler.models import AbsenceKind, ConsultationSession, ContractKind, PooledContract, User
from scheduler.services import grants, resources

_TEXT = r"^[^\x00]*$"
Code = Annotated[str | None, Query(max_length=64, pattern=_TEXT)]
Name = Annotated[str | None, Query(max_length=100, pattern=_TEXT)]
Id = Annotated[int | None, Query(ge=1, le=2_147_483_647)]

groupements = resource_router(
    resources.GROUPEMENTS,
    Schemas(GroupementRead, GroupementPage, GroupementUpdate),
    Docs(
        list="The groupements the caller belongs to.",
        read="One groupement (the caller's own).",
        update="Rename the groupement or change its time zone.",
        delete="Delete the groupement and all its data (the audit log stays).",
    ),
    update_drops_none=True,
)

assistants = resource_router(
    resources.ASSISTANTS,
    Schemas(AssistantRead, AssistantPage, AssistantUpdate, AssistantCreate),
    Docs(
        list="Assistants the caller may see, filtered by code or name.",
        create="Add an assistant with her availability windows.",
        read="One assistant.",
        update="Change an assistant (If-Match); a given `availability` replaces her windows.",
        delete="Remove an assistant who is in no contract and no rota (If-Match).",
    ),
    filters={"code": Code, "q": Name},
)

cabinets = resource_router(
    resources.CABINETS,
    Schemas(CabinetRead, CabinetPage, CabinetUpdate, CabinetCreate),
    Docs(
        list="Cabinets the caller may see, filtered.",
        create="Add a member cabinet with its opening windows.",
        read="One cabinet.",
        update="Change a cabinet (If-Match); a given `opening` replaces its windows.",
        delete="Remove a cabinet that holds no share and no assignment (If-Match).",
    ),
    filters={
        "code": Code,
        "city": Name,
        "department": Annotated[str | None, Query(max_length=3, pattern=_TEXT)],
    },
)

doctors = resource_router(
    resources.DOCTORS,
    Schemas(DoctorRead, DoctorPage, DoctorUpdate, DoctorCreate),
    Docs(
        list="Doctors the caller may see, by cabinet.",
        create="Add a doctor to a cabinet.",
        read="One doctor.",
        update="Change a doctor (If-Match).",
        delete="Remove a doctor (If-Match).",
    ),
    filters={"cabinet_id": Id},
)


def _contract_shown(user: User, row: PooledContract) -> BaseModel:
    shown = resources.CONTRACTS.shown(user, row)
    if isinstance(shown, resources.ContractSummary):
        return ContractFiguresRead.model_validate(shown)
    return ContractRead.model_validate(shown)


contracts = resource_router(
    resources.CONTRACTS,
    Schemas(ContractRead, ContractPage, ContractUpdate, ContractCreate, shown=ContractShown),
    Docs(
        list="Contracts the caller may see: a cabinet those it is a member of, an auditor "
        "those granted. Each reads in full (`view: full`) within the caller's groupement, and "
        "as its reports show it (`view: figures`) to an auditor from another groupement and "
        "to the national reader.",
        create="Create a contract with its assistants and first share plan (shares must "
        "total 10000).",
        read="One contract: in full (`view: full`), or as its reports show it (`view: "
        "figures`) to an auditor from another groupement and to the national reader.",
        update="Change a contract (If-Match); a given `assistants` list replaces them.",
        delete="Remove a contract no rota refers to (If-Match).",
    ),
    filters={"code": Code, "kind": ContractKind | None},
    shown=_contract_shown,
)


@contracts.post(
    "/{contract_id}/share-plans", status_code=201, responses=problem_responses(*WRITE_ERRORS)
)
def add_share_plan(
    contract_id: IdPath,
    body: SharePlanCreate,
    session: SessionDep,
    user: Coordinator,
    if_match: IfMatch,
    response: Response,
) -> ContractRead:
    """Add a share plan from `valid_from` on (If-Match on the contract); shares must total 10000."""
    row = resources.CONTRACTS.add_share_plan(
        session,
        user,
        contract_id,
        body.model_dump(),
        expected=expected_version(if_match, "contrat", contract_id),
    )
    response.headers["ETag"] = etag_of(row.id, row.version)
    return ContractRead.model_validate(row)


@contracts.delete(
    "/{contract_id}/share-plans/{plan_id}",
    status_code=204,
    responses=problem_responses(*WRITE_ERRORS),
)
def delete_share_plan(
    contract_id: IdPath,
    plan_id: IdPath,
    session: SessionDep,
    user: Coordinator,
    if_match: IfMatch,
) -> None:
    """Withdraw a share plan that has not yet come into force (If-Match on the contract); the
    plan from the contract's start and a plan in force or past stay (422)."""
    resources.CONTRACTS.delete_share_plan(
        session,
        user,
        contract_id,
        plan_id,
        expected=expected_version(if_match, "contrat", contract_id),
    )


@contracts.get("/{contract_id}/auditor-grants", responses=problem_responses(*READ_ERRORS))
def list_auditor_grants(
    contract_id: IdPath, session: SessionDep, user: Coordinator
) -> AuditorGrantList:
    """The CPAM auditors who read the contract's reports."""
    rows = grants.contract_grants(session, user, contract_id)
    return AuditorGrantList(items=[AuditorGrantRead.model_validate(row) for row in rows])


@contracts.post(
    "/{contract_id}/auditor-grants", status_code=201, responses=problem_responses(*CREATE_ERRORS)
)
def grant_auditor(
    contract_id: IdPath, body: AuditorGrantCreate, session: SessionDep, user: Coordinator
) -> AuditorGrantRead:
    """Let the auditor with this e-mail (an account of whatever groupement) read the contract
    (422 when the address is no active auditor's, or she reads it already)."""
    return AuditorGrantRead.model_validate(grants.grant(session, user, contract_id, body.email))


@contracts.delete(
    "/{contract_id}/auditor-grants/{grant_id}",
    status_code=204,
    responses=problem_responses(*WRITE_ERRORS),
)
def revoke_auditor(
    contract_id: IdPath, grant_id: IdPath, session: SessionDep, user: Coordinator
) -> None:
    """Withdraw an auditor's access to the contract."""
    grants.revoke(session, user, contract_id, grant_id)


@contracts.put("/{contract_id}/doctors/{doctor_id}", responses=problem_responses(*WRITE_ERRORS))
def set_member_doctor(
    contract_id: IdPath,
    doctor_id: IdPath,
    body: MemberDoctorSet,
    session: SessionDep,
    user: Coordinator,
    if_match: IfMatch,
    response: Response,
) -> MemberDoctorRead:
    """Record a doctor's membership of the contract (his bulletin d'adhésion; If-Match on the
    contract): his cabinet must be a member, and he a member of no other contract over these
    dates (409 naming the other contract)."""
    row = resources.CONTRACTS.set_member_doctor(
        session,
        user,
        contract_id,
        doctor_id,
        body.model_dump(),
        expected=expected_version(if_match, "contrat", contract_id),
    )
    response.headers["ETag"] = etag_of(row.contract.id, row.contract.version)
    return MemberDoctorRead.model_validate(row)


@contracts.delete(
    "/{contract_id}/doctors/{doctor_id}",
    status_code=204,
    responses=problem_responses(*WRITE_ERRORS),
)
def remove_member_doctor(
    contract_id: IdPath,
    doctor_id: IdPath,
    session: SessionDep,
    user: Coordinator,
    if_match: IfMatch,
) -> Response:
    """The doctor stays out of the contract (If-Match on the contract): he no longer counts in
    its figures."""
    resources.CONTRACTS.remove_member_doctor(
        session,
        user,
        contract_id,
        doctor_id,
        expected=expected_version(if_match, "contrat", contract_id),
    )
    return Response(status_code=204)


travel_times = resource_router(
    resources.TRAVEL_TIMES,
    Schemas(TravelTimeRead, TravelTimePage, TravelTimeUpdate, TravelTimeCreate),
    Docs(
        list="Travel times of the groupement, by cabinet or by `estimated`.",
        create="Record confirmed minutes between two cabinets.",
        read="One travel time.",
        update="Set the minutes of a pair (If-Match); this confirms it (`estimated` false).",
        delete="Remove a travel time (If-Match).",
    ),
    filters={"cabinet_id": Id, "estimated": bool | None},
)


@travel_times.post("-estimates", status_code=201, responses=problem_responses(*CREATE_ERRORS))
def estimate_travel_times(session: SessionDep, user: Coordinator) -> TravelEstimateResult:
    """Estimate the missing pairs from coordinates (haversine x road factor / speed + parking)."""
    rows = resources.TRAVEL_TIMES.estimate_missing(session, user)
    return TravelEstimateResult(created=[TravelTimeRead.model_validate(row) for row in rows])


def _with_digest(row: ConsultationSession) -> dict[str, object]:
    """A consultation session has no version column: its version is a digest of its content."""
    return {**snapshot(row), "version": resources.session_version(row)}


consultation_sessions = resource_router(
    resources.CONSULTATION_SESSIONS,
    Schemas(
        ConsultationSessionRead,
        ConsultationSessionPage,
        ConsultationSessionUpdate,
        ConsultationSessionCreate,
    ),
    Docs(
        list="Sessions the caller may see.",
        create="Add a weekly consultation session.",
        read="One consultation session.",
        update="Change a session (If-Match on its content digest).",
        delete="Remove a session (If-Match).",
    ),
    filters={"cabinet_id": Id, "weekday": Annotated[int | None, Query(ge=0, le=6)]},
    present=_with_digest,
)

absences = resource_router(
    resources.ABSENCES,
    Schemas(AbsenceRead, AbsencePage, AbsenceUpdate, AbsenceCreate),
    Docs(
        list="Absences the caller may see, by assistant, kind and period.",
        create="Record an absence.",
        read="One absence.",
        update="Change an absence (If-Match).",
        delete="Remove an absence (If-Match).",
    ),
    filters={
        "assistant_id": Id,
        "kind": AbsenceKind | None,
        "since": AwareDatetime | None,
        "until": AwareDatetime | None,
    },
)

ROUTERS: list[APIRouter] = [
    groupements,
    assistants,
    cabinets,
    doctors,
    contracts,
    travel_times,
    consultation_sessions,
    absences,
]
