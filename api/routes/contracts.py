"""Pooled contracts, their assistants and share plans."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import (
    Coordinator,
    CurrentUser,
    IdPath,
    IfMatch,
    JsonBody,
    Limit,
    Offset,
    SessionDep,
    etag_of,
    expected_version,
)
from api.errors import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, problem_responses
from api.idempotency import IdempotentRoute
from api.schemas import ContractCreate, ContractPage, ContractRead, ContractUpdate, SharePlanCreate
from scheduler.models import ContractKind
from scheduler.services import resources

router = APIRouter(
    prefix="/contracts", tags=["contracts"], dependencies=[JsonBody], route_class=IdempotentRoute
)


@router.get("", responses=problem_responses(*READ_ERRORS))
def list_contracts(
    session: SessionDep,
    user: CurrentUser,
    limit: Limit = 50,
    offset: Offset = 0,
    code: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")] = None,
    kind: ContractKind | None = None,
) -> ContractPage:
    """Contracts the caller may see: a cabinet those it is a member of, an auditor those granted."""
    page = resources.list_contracts(session, user, limit=limit, offset=offset, code=code, kind=kind)
    return ContractPage.model_validate(page, from_attributes=True)


@router.post("", status_code=201, responses=problem_responses(*CREATE_ERRORS))
def create_contract(
    body: ContractCreate, session: SessionDep, user: Coordinator, response: Response
) -> ContractRead:
    """Create a contract with its assistants and first share plan (shares must total 10000)."""
    row = resources.create_contract(session, user, body.model_dump())
    response.headers["ETag"] = etag_of(row.id, row.version)
    response.headers["Location"] = f"/api/v1/contracts/{row.id}"
    return ContractRead.model_validate(row)


@router.get("/{contract_id}", responses=problem_responses(*READ_ERRORS))
def read_contract(
    contract_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> ContractRead:
    """One contract."""
    row = resources.get_contract(session, user, contract_id)
    response.headers["ETag"] = etag_of(row.id, row.version)
    return ContractRead.model_validate(row)


@router.patch("/{contract_id}", responses=problem_responses(*WRITE_ERRORS))
def update_contract(
    contract_id: IdPath,
    body: ContractUpdate,
    session: SessionDep,
    user: Coordinator,
    if_match: IfMatch,
    response: Response,
) -> ContractRead:
    """Change a contract (If-Match); a given `assistants` list replaces them."""
    row = resources.update_contract(
        session,
        user,
        contract_id,
        body.model_dump(exclude_unset=True),
        expected=expected_version(if_match, "contrat", contract_id),
    )
    response.headers["ETag"] = etag_of(row.id, row.version)
    return ContractRead.model_validate(row)


@router.delete("/{contract_id}", status_code=204, responses=problem_responses(*WRITE_ERRORS))
def delete_contract(
    contract_id: IdPath, session: SessionDep, user: Coordinator, if_match: IfMatch
) -> None:
    """Remove a contract no rota refers to (If-Match)."""
    resources.delete_contract(
        session, user, contract_id, expected=expected_version(if_match, "contrat", contract_id)
    )


@router.post(
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
    row = resources.add_share_plan(
        session,
        user,
        contract_id,
        body.model_dump(),
        expected=expected_version(if_match, "contrat", contract_id),
    )
    response.headers["ETag"] = etag_of(row.id, row.version)
    return ContractRead.model_validate(row)
