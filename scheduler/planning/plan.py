"""Planning a period: solve the instance, store the draft rota, read and check stored rotas.

Functions here stage their work in the session and flush; the caller's unit of work (`scheduler.uow`) commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import models, uow
from scheduler.audit import record_audit
from scheduler.errors import (
    NotFound,
    PeriodOverlap,
    PlanningInputsChanged,
    PlanningStopped,
)
from scheduler.planning.instance import (
    PlanningInput,
    build_instance,
    carry_uids,
    identity,
    published_rota,
    to_solver_rota,
)
from solver import FIRST_DAY as FIRST_DAY
from solver import FIRST_YEAR as FIRST_YEAR
from solver import LAST_DAY as LAST_DAY
from solver import LAST_YEAR as LAST_YEAR
from solver import Progress, check_rota, objective_terms, solve
from solver import Violation as Violation  # re-exported for the web edge
from solver import model as sm

# --- Planning ---------------------------------------------------------------------------------------


def _next_revision(session: Session, groupement_id: int, period_start: date) -> int:
    current = session.scalar(
        select(func.max(models.Rota.revision)).where(
            models.Rota.groupement_id == groupement_id, models.Rota.period_start == period_start
        )
    )
    return int(current or 0) + 1


def check_overlap(session: Session, groupement_id: int, period_start: date, days: int) -> None:
    end = period_start + timedelta(days=days)
    for other in session.scalars(
        select(models.Rota).where(
            models.Rota.groupement_id == groupement_id,
            models.Rota.status == models.RotaStatus.PUBLISHED,
            models.Rota.period_start != period_start,
        )
    ):
        other_end = other.period_start + timedelta(days=other.period_days)
        if other.period_start < end and period_start < other_end:
            raise PeriodOverlap(period_start.isoformat(), other.period_start.isoformat())


def plan_period(
    session: Session,
    groupement_id: int,
    period_start: date,
    days: int,
    *,
    time_limit_s: float,
    deterministic: bool = False,
    based_on_id: int | None = None,
    actor: models.User | None = None,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    release_reads: bool = False,
    solved: Callable[[], None] | None = None,
    now: datetime | None = None,
    workers: int | None = None,
) -> models.Rota:
    """Plan a period and stage the result as a new draft revision (`workers`: the solver's CP-SAT
    workers, by default the machine's cores).

    The published rota of the period, if any, is kept stable (its protected window unchanged);
    pinned assignments of `based_on_id` (a draft) are kept as they are. When `should_stop` stops
    the solve, nothing is staged and `PlanningStopped` is raised. With `release_reads` (for a
    session that holds nothing staged, as a plan run's or the CLI's), the read transaction ends
    before the solve and the draft is staged in a new one: a solve of minutes then holds no
    transaction, which on SQLite would keep the single writer's slot from everybody else (a
    report rendered, a coordinator's edit, the jobs process claiming runs) all along. `solved` is
    called when the solver has answered, before anything is read or staged again (a plan run
    stops its heartbeat there, which would otherwise wait on SQLite for the draft's transaction).
    """
    groupement = session.get(models.Groupement, groupement_id)
    if groupement is None:
        raise NotFound("groupement", groupement_id)
    check_overlap(session, groupement_id, period_start, days)
    now = now or datetime.now(UTC)
    published = published_rota(session, groupement_id, period_start)
    based_on = session.get(models.Rota, based_on_id) if based_on_id is not None else published
    if based_on_id is not None and (based_on is None or based_on.groupement_id != groupement_id):
        raise NotFound("planning", based_on_id)
    pinned = [a for a in based_on.assignments if a.pinned] if based_on is not None else []
    notice = sm.Rules().notice_days
    planning = build_instance(
        session,
        groupement,
        period_start,
        days,
        published=published,
        pinned=pinned,
        protected_until=now + timedelta(days=notice),
    )
    hint = to_solver_rota(planning, based_on) if based_on is not None else None
    pinned_keys = {(a.assistant_id, a.cabinet_id, a.start_at, a.end_at) for a in pinned}
    published_id = published.id if published is not None else None
    based_on_key = based_on.id if based_on is not None else None
    if release_reads:
        uow.rollback(session)  # only reads so far
    result = solve(
        planning.instance,
        time_limit_s=time_limit_s,
        deterministic=deterministic,
        progress=progress,
        hint=hint,
        should_stop=should_stop,
        workers=workers,
    )
    if solved is not None:
        solved()
    if result.stopped:
        raise PlanningStopped()
    if release_reads:
        # Read again what the draft hangs on: a publication, or the base draft deleted, while
        # the solver worked would make this draft wrong.
        check_overlap(session, groupement_id, period_start, days)
        now_published = published_rota(session, groupement_id, period_start)
        if (now_published.id if now_published is not None else None) != published_id:
            raise PlanningInputsChanged("le planning publié de la période")
        based_on = session.get(models.Rota, based_on_key) if based_on_key is not None else None
        if based_on_key is not None and based_on is None:
            raise PlanningInputsChanged("le brouillon de départ")
    rota = store_rota(session, planning, result, based_on=based_on, actor=actor)
    for row in rota.assignments:
        row.pinned = (row.assistant_id, row.cabinet_id, row.start_at, row.end_at) in pinned_keys
    record_audit(
        session,
        actor=actor,
        groupement_id=groupement_id,
        action="plan",
        entity="rota",
        entity_id=rota.id,
        after={
            "period_start": period_start.isoformat(),
            "days": days,
            "status": result.status.value,
            "objective": result.objective,
            "bound": result.bound,
        },
    )
    session.flush()
    return rota


def store_rota(
    session: Session,
    planning: PlanningInput,
    result: sm.Rota,
    *,
    based_on: models.Rota | None,
    actor: models.User | None,
) -> models.Rota:
    """Stage a solver answer as a draft rota, carrying feed identities over from `based_on`."""
    groupement = planning.groupement
    instance = planning.instance
    rota = models.Rota(
        groupement_id=groupement.id,
        period_start=instance.start,
        period_days=instance.days,
        revision=_next_revision(session, groupement.id, instance.start),
        status=models.RotaStatus.DRAFT,
        solver_status=result.status.value,
        objective=result.objective,
        bound=result.bound,
        solve_seconds=round(result.solve_seconds, 3),
        objective_terms=dict(result.objective_terms),
        explanation=list(result.explanation),
        based_on_id=based_on.id if based_on is not None else None,
        created_by_id=actor.id if actor is not None else None,
    )
    for item in result.assignments:
        contract, assistant = planning.contracts[item.contract]
        rota.assignments.append(
            models.Assignment(
                assistant_id=assistant.id,
                contract_id=contract.id,
                cabinet_id=planning.cabinets[item.cabinet].id,
                start_at=item.start,
                end_at=item.end,
                uid="",
            )
        )
    for leg in result.travel:
        rota.travel_legs.append(
            models.TravelLeg(
                assistant_id=planning.assistants[leg.assistant].id,
                origin_id=planning.cabinets[leg.origin].id,
                destination_id=planning.cabinets[leg.destination].id,
                start_at=leg.start,
                end_at=leg.end,
                uid="",
            )
        )
    for pause in result.breaks:
        rota.breaks.append(
            models.RotaBreak(
                assistant_id=planning.assistants[pause.assistant].id,
                start_at=pause.start,
                end_at=pause.end,
            )
        )
    _assign_uids(rota, based_on, planning.zone)
    session.add(rota)
    session.flush()
    return rota


def _assign_uids(rota: models.Rota, previous: models.Rota | None, zone: ZoneInfo) -> None:
    carry_uids(
        rota.assignments,
        previous.assignments if previous else (),
        lambda r: identity(r.assistant_id, (r.cabinet_id,), r.start_at, zone),
    )
    carry_uids(
        rota.travel_legs,
        previous.travel_legs if previous else (),
        lambda r: identity(r.assistant_id, (r.origin_id, r.destination_id), r.start_at, zone),
    )


# --- Checking and editing ------------------------------------------------------------------------


def rota_by_id(session: Session, rota_id: int) -> models.Rota:
    rota = session.get(models.Rota, rota_id)
    if rota is None:
        raise NotFound("planning", rota_id)
    return rota


def planning_for(
    session: Session, rota: models.Rota, *, now: datetime | None = None
) -> PlanningInput:
    """The instance a stored rota answers: its period with today's data, its own pins, and the
    period's published rota with the notice window counted from `now`."""
    groupement = session.get(models.Groupement, rota.groupement_id)
    assert groupement is not None
    published = published_rota(session, rota.groupement_id, rota.period_start)
    now = now or datetime.now(UTC)
    return build_instance(
        session,
        groupement,
        rota.period_start,
        rota.period_days,
        published=published if published is not None and published.id != rota.id else None,
        pinned=[a for a in rota.assignments if a.pinned],
        protected_until=now + timedelta(days=sm.Rules().notice_days),
    )


def check_stored_rota(
    session: Session, rota_id: int, *, now: datetime | None = None
) -> list[Violation]:
    """Every hard rule the stored rota breaks, from the independent checker.

    Changes inside the notice window are not rule breaks here: publication refuses them unless
    the coordinator acknowledges them with a reason (`publish_rota`).
    """
    violations, _ = evaluate_stored_rota(session, rota_by_id(session, rota_id), now=now)
    return violations


def evaluate_stored_rota(
    session: Session, rota: models.Rota, *, now: datetime | None = None
) -> tuple[list[Violation], dict[str, int]]:
    """The hard rules the stored rota breaks (as `check_stored_rota`) and its soft terms, each
    weighted as the planner's objective counts it (`solver.objective_terms`)."""
    planning = planning_for(session, rota, now=now)
    answer = to_solver_rota(planning, rota)
    violations = check_rota(planning.instance, answer)
    terms = objective_terms(planning.instance, answer)
    return [v for v in violations if v.rule != "protected-window"], terms


def term_counts(terms: Mapping[str, int]) -> dict[str, int]:
    """The objective's weighted terms back in their own units (minutes, legs, days), by the
    weights the planner is given (`solver.model.Weights`); a term it does not know is left out."""
    weights = sm.Weights()
    return {
        name: int(value) // weight
        for name, value in terms.items()
        if isinstance(weight := getattr(weights, name, None), int) and weight > 0
    }
