"""The planning workflow: plan runs, rotas, edits, publication, change notices, hours ledger."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from api.deps import (
    Coordinator,
    CurrentUser,
    IdempotencyKey,
    IdPath,
    JsonBody,
    Limit,
    Offset,
    SessionDep,
    SettingsDep,
    etag_of,
    expected_version,
)
from api.errors import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, problem_responses
from api.idempotency import IdempotentRoute, answer_not_stored
from api.schemas import (
    AddEdit,
    ChangeNoticePage,
    Day,
    DeleteEdit,
    LedgerRead,
    LedgerWeekTotal,
    MoveEdit,
    PinEdit,
    PlanRunCreate,
    PlanRunPage,
    PlanRunRead,
    PublishRequest,
    RotaEdit,
    RotaEditResult,
    RotaPage,
    RotaRead,
    ViolationRead,
)
from scheduler import models, planning
from scheduler.planning import Violation
from scheduler.services import workflow

router = APIRouter(tags=["planning"], dependencies=[JsonBody], route_class=IdempotentRoute)

OptionalIfMatch = Annotated[
    str | None,
    Header(alias="If-Match", max_length=200, description="The rota's ETag; optional here."),
]


def _rota_body(view: workflow.RotaView) -> RotaRead:
    rota = view.rota
    data: dict[str, Any] = {
        name: getattr(rota, name)
        for name in (
            "id",
            "period_start",
            "period_days",
            "revision",
            "status",
            "solver_status",
            "objective",
            "bound",
            "based_on_id",
            "created_at",
            "published_at",
            "published_late",
            "late_reason",
            "lock_version",
        )
    }
    data["objective_terms"] = view.objective_terms
    data["explanation"] = view.explanation
    data["assignments"] = view.assignments
    data["travel_legs"] = view.travel_legs
    data["cabinet_minutes"] = view.cabinet_minutes
    return RotaRead.model_validate(data, from_attributes=True)


def _violation(item: Violation) -> ViolationRead:
    return ViolationRead(
        rule=item.rule,
        assistant=str(item.assistant) if item.assistant is not None else None,
        day=item.day,
        message=item.message,
    )


def _expected(if_match: str | None, rota_id: int) -> int | None:
    return expected_version(if_match, "planning", rota_id) if if_match else None


# --- Plan runs ----------------------------------------------------------------------------------


@router.post("/plan-runs", status_code=202, responses=problem_responses(*CREATE_ERRORS))
@answer_not_stored  # the run keeps its own key: a retry gets the run as it is now, not as queued
def request_plan_run(
    body: PlanRunCreate,
    session: SessionDep,
    user: Coordinator,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> PlanRunRead:
    """Queue a plan run; a worker (the jobs process on SQLite) solves it. Same Idempotency-Key and
    body: same run."""
    run = workflow.request_run(
        session,
        user,
        period_start=body.period_start,
        days=body.days,
        time_limit_s=body.time_limit_s or settings.solver_time_limit_s,
        idempotency_key=idempotency_key,
        based_on_id=body.based_on_id,
        acknowledged_reason=body.acknowledged_reason,
    )
    return PlanRunRead.model_validate(run)


@router.get("/plan-runs", responses=problem_responses(*READ_ERRORS))
def list_plan_runs(
    session: SessionDep, user: CurrentUser, limit: Limit = 50, offset: Offset = 0
) -> PlanRunPage:
    """The groupement's plan runs, newest first."""
    items, total = workflow.list_runs(session, user, limit=limit, offset=offset)
    return PlanRunPage.model_validate(
        {"items": items, "total": total, "limit": limit, "offset": offset}, from_attributes=True
    )


@router.get("/plan-runs/{run_id}", responses=problem_responses(*READ_ERRORS))
def read_plan_run(run_id: IdPath, session: SessionDep, user: CurrentUser) -> PlanRunRead:
    """A run's progress: state, best objective, bound, elapsed seconds."""
    return PlanRunRead.model_validate(workflow.get_run(session, user, run_id))


@router.post("/plan-runs/{run_id}/cancel", responses=problem_responses(*WRITE_ERRORS))
def cancel_plan_run(run_id: IdPath, session: SessionDep, user: Coordinator) -> PlanRunRead:
    """Cancel a queued run, or ask a running one to stop."""
    return PlanRunRead.model_validate(workflow.cancel_run(session, user, run_id))


# --- Rotas --------------------------------------------------------------------------------------


@router.get("/rotas", responses=problem_responses(*READ_ERRORS))
def list_rotas(
    session: SessionDep,
    user: CurrentUser,
    limit: Limit = 50,
    offset: Offset = 0,
    period_start: Day | None = None,
    status: models.RotaStatus | None = None,
) -> RotaPage:
    """Rota versions of the groupement (drafts for coordinators only)."""
    items, total = workflow.list_rotas(
        session, user, limit=limit, offset=offset, period_start=period_start, status=status
    )
    return RotaPage.model_validate(
        {"items": items, "total": total, "limit": limit, "offset": offset}, from_attributes=True
    )


@router.get("/rotas/{rota_id}", responses=problem_responses(*READ_ERRORS))
def read_rota(
    rota_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> RotaRead:
    """A rota: objective term by term, the rows the caller may see, each cabinet's minutes vs share."""
    view = workflow.view_rota(session, user, rota_id)
    response.headers["ETag"] = etag_of(view.rota.id, view.rota.lock_version)
    return _rota_body(view)


@router.get("/rotas/{rota_id}/violations", responses=problem_responses(*READ_ERRORS))
def check_rota(rota_id: IdPath, session: SessionDep, user: CurrentUser) -> list[ViolationRead]:
    """The hard rules the rota breaks, from the independent checker."""
    return [_violation(v) for v in workflow.check(session, user, rota_id)]


def _to_edit(body: MoveEdit | AddEdit | DeleteEdit | PinEdit) -> planning.Edit:
    if isinstance(body, MoveEdit):
        return planning.MoveAssignment(body.assignment_id, body.start, body.end, body.cabinet_id)
    if isinstance(body, AddEdit):
        return planning.AddAssignment(
            body.assistant_id, body.contract_id, body.cabinet_id, body.start, body.end, body.pinned
        )
    if isinstance(body, DeleteEdit):
        return planning.DeleteAssignment(body.assignment_id)
    return planning.PinAssignment(body.assignment_id, body.pinned)


@router.post("/rotas/{rota_id}/edits", responses=problem_responses(*WRITE_ERRORS))
def edit_rota(
    rota_id: IdPath,
    body: RotaEdit,
    session: SessionDep,
    user: Coordinator,
    response: Response,
    if_match: OptionalIfMatch = None,
) -> RotaEditResult:
    """Move, add, delete or pin an assignment of a draft; answers the checker's violations."""
    rota, violations = workflow.edit(
        session, user, rota_id, _to_edit(body), expected=_expected(if_match, rota_id)
    )
    response.headers["ETag"] = etag_of(rota.id, rota.lock_version)
    return RotaEditResult(
        rota_id=rota.id,
        lock_version=rota.lock_version,
        violations=[_violation(v) for v in violations],
    )


@router.post("/rotas/{rota_id}/publish", responses=problem_responses(*WRITE_ERRORS))
def publish_rota(
    rota_id: IdPath,
    body: PublishRequest,
    session: SessionDep,
    user: Coordinator,
    response: Response,
    if_match: OptionalIfMatch = None,
) -> RotaRead:
    """Publish a draft. Inside the 15-day notice window, or for a period already begun (after the
    fact), an `acknowledged_reason` is required (409)."""
    rota = workflow.publish(
        session,
        user,
        rota_id,
        acknowledged_reason=body.acknowledged_reason,
        expected=_expected(if_match, rota_id),
    )
    view = workflow.view_rota(session, user, rota.id)
    response.headers["ETag"] = etag_of(view.rota.id, view.rota.lock_version)
    return _rota_body(view)


# --- Notices and ledger -------------------------------------------------------------------------


@router.get("/change-notices", responses=problem_responses(*READ_ERRORS))
def list_change_notices(
    session: SessionDep,
    user: CurrentUser,
    limit: Limit = 50,
    offset: Offset = 0,
    rota_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> ChangeNoticePage:
    """Change notices: an assistant reads hers, a cabinet its own, a coordinator all."""
    items, total = workflow.change_notices(
        session, user, rota_id=rota_id, limit=limit, offset=offset
    )
    return ChangeNoticePage.model_validate(
        {"items": items, "total": total, "limit": limit, "offset": offset}, from_attributes=True
    )


@router.get("/ledger", responses=problem_responses(*READ_ERRORS))
def read_ledger(
    session: SessionDep,
    user: CurrentUser,
    contract_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    cabinet_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    since: Day | None = None,
    until: Day | None = None,
) -> LedgerRead:
    """Minutes planned and delivered per week (a cabinet: its rows and the group's totals)."""
    view = workflow.ledger(
        session, user, contract_id=contract_id, cabinet_id=cabinet_id, since=since, until=until
    )
    return LedgerRead.model_validate(
        {
            "entries": view.entries,
            "totals": [
                LedgerWeekTotal(week_start=w, planned_minutes=p, delivered_minutes=d)
                for w, p, d in view.totals
            ],
        },
        from_attributes=True,
    )
