"""The national re-plan: one plan run per groupement for one week, requested at once (after a
rule change, say), each a task of the engine that any worker takes; and its figures (queued,
running, done, failed, throughput) for the terminal's progress bar, the API and the page.

The runs of a re-plan are those of its week that carry its idempotency key (`replan_key`), one
per groupement: asking again for the same week queues nothing twice. A groupement whose week is
already being planned (an active run overlaps it) is left to that run and named in the answer.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import access, models, uow
from scheduler.errors import InvalidField, PlanRunConflict
from scheduler.runs import request_plan_run

DAYS = 7


def replan_key(week: date) -> str:
    """The idempotency key of the national re-plan of `week` (the same for every groupement)."""
    return f"national-replan:{week.isoformat()}"


@dataclass(frozen=True)
class ReplanFigures:
    """Where the national re-plan of a week stands."""

    week: date
    queued: int = 0
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    cancelled: int = 0
    first_requested_at: datetime | None = None
    last_finished_at: datetime | None = None
    busy_elsewhere: list[str] = field(default_factory=list)
    """The groupements left to a run of theirs already active over the week (slugs)."""

    @property
    def total(self) -> int:
        """The runs of the re-plan."""
        return self.queued + self.running + self.succeeded + self.failed + self.cancelled

    @property
    def finished(self) -> int:
        """The runs that ended, well or not."""
        return self.succeeded + self.failed + self.cancelled

    @property
    def throughput_per_s(self) -> float | None:
        """Runs ended per second, from the request to the last end (None before the first)."""
        if self.first_requested_at is None or self.last_finished_at is None:
            return None
        elapsed = (self.last_finished_at - self.first_requested_at).total_seconds()
        return round(self.finished / elapsed, 2) if elapsed > 0 else None


def check_week(week: date, field_name: str = "week") -> date:
    """`week`, a Monday; else InvalidField."""
    if week.weekday() != 0:
        raise InvalidField(field_name, "monday", "une semaine commence un lundi")
    return week


def request_national_replan(
    session: Session,
    week: date,
    *,
    actor: models.User | None,
    time_limit_s: float = 30.0,
    field_name: str = "week",
) -> ReplanFigures:
    """Queue one plan run per groupement for `week` (the national role's, or the operator's on
    the command line: `actor` None); the re-plan's figures, with the groupements left aside."""
    if actor is not None:
        access.require(actor, access.Action.NATIONAL_REPLAN)
    check_week(week, field_name)
    key = replan_key(week)
    busy: list[str] = []
    for groupement_id, slug in session.execute(
        select(models.Groupement.id, models.Groupement.slug).order_by(models.Groupement.id)
    ).all():
        try:
            with uow.savepoint(session):
                request_plan_run(
                    session,
                    groupement_id,
                    week,
                    DAYS,
                    actor=actor,
                    idempotency_key=key,
                    time_limit_s=time_limit_s,
                )
        except PlanRunConflict:
            busy.append(slug)
    figures = replan_figures(session, week)
    return dataclasses.replace(figures, busy_elsewhere=busy)


def read_national_replan(session: Session, actor: models.User, week: date) -> ReplanFigures:
    """The figures of the national re-plan of `week`, for the national role."""
    access.require(actor, access.Action.NATIONAL_REPLAN)
    return replan_figures(session, check_week(week))


def replan_figures(session: Session, week: date) -> ReplanFigures:
    """The figures of the national re-plan of `week` (zero everywhere when there was none)."""
    run = models.PlanRun
    mine = (run.idempotency_key == replan_key(week), run.period_start == week)
    counts = dict(
        session.execute(select(run.state, func.count()).where(*mine).group_by(run.state)).all()
    )
    first, last = session.execute(
        select(func.min(run.requested_at), func.max(run.finished_at)).where(*mine)
    ).one()
    state = models.RunState
    return ReplanFigures(
        week=week,
        queued=counts.get(state.QUEUED, 0),
        running=counts.get(state.RUNNING, 0),
        succeeded=counts.get(state.SUCCEEDED, 0),
        failed=counts.get(state.FAILED, 0),
        cancelled=counts.get(state.CANCELLED, 0),
        first_requested_at=_aware(first),
        last_finished_at=_aware(last),
    )


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)  # SQLite gives back naive UTC
