"""Plan runs: requested by the API, a job or the national re-plan, executed as tasks of the task
engine (`scheduler.engine`), never in a web worker.

A run is recorded `queued` together with its task (on PostgreSQL, `plan-run` deferred in the
same transaction; on SQLite the queued row is the task, run by the jobs process). An attempt
starts by taking the run (`queued` -> `running`, one more attempt, the figures of any earlier
attempt wiped), reports its progress (best objective, bound, elapsed) while the solver works, and
ends `succeeded` with a draft rota, `failed` with the error, or `cancelled`.

Who runs an attempt, and who takes a run up again when its process died, is the engine's: on
PostgreSQL, one worker holds the task at a time and another retries it once the first stops
sending its heartbeat (`scheduler.engine.recovery`, which puts the run back to `queued` with its
figures wiped, or fails it after `MAX_ATTEMPTS`); on SQLite, the next start of the jobs process
queues again what it was running (`requeue_interrupted`). A run only ends `succeeded` if it still
belongs to the attempt that planned it (its attempt number), in the draft's own transaction, so
at most one draft results and a dead attempt leaves nothing half-written.

The planning holds no transaction while the solver works (`plan_period(release_reads=True)`), so
other writers go on meanwhile, and the progress writer's short transactions (one row updated)
take turns with theirs, on SQLite too: the page's progress panel reads the figures they write. The
writer stops as soon as the solver has answered, before the draft's transaction begins (on SQLite
a write would otherwise wait for the writer's slot that transaction holds, while it waits for the
write).

Whether anything will execute a queued run (`executor_alive`, so that a page can say why a run
stays queued): on PostgreSQL, a worker whose heartbeat is recent; on SQLite, the jobs process,
which moves its `execute-plan-runs` job's next time forward in APScheduler's job store.

Cancelling a running run stops its solver: the solver polls `cancel_requested`, read on a
connection of its own (the planning transaction's snapshot would not see it on SQLite) at most
every `CANCEL_POLL_S` seconds, and the run ends `cancelled` with nothing staged.
"""

from __future__ import annotations

import logging
import threading
import time as clock
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    column,
    inspect,
    select,
    table,
    text,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from scheduler import engine as task_engine
from scheduler import models, uow
from scheduler.audit import record_audit
from scheduler.errors import (
    DataConflict,
    InvalidField,
    NotFound,
    PartagendaError,
    PlanningStopped,
    PlanRunConflict,
)
from scheduler.planning import plan_period
from solver import Progress

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
PROGRESS_EVERY_S = 2.0
CANCEL_POLL_S = 0.5
ACTIVE_STATES = (models.RunState.QUEUED, models.RunState.RUNNING)
EXECUTOR_JOB = "execute-plan-runs"
"""The id of the SQLite jobs process's job that executes queued runs (in APScheduler's job
store)."""
EXECUTOR_LATE_AFTER = timedelta(seconds=10)
"""How far past its next time that job may be before no jobs process is taken to be running."""
UNATTENDED_AFTER = timedelta(seconds=10)
"""How long a run may wait queued, with no jobs process running, before it is said to be stuck."""


def _now() -> datetime:
    return datetime.now(UTC)


def request_plan_run(
    session: Session,
    groupement_id: int,
    period_start: date,
    days: int,
    *,
    actor: models.User | None,
    idempotency_key: str | None = None,
    based_on_id: int | None = None,
    acknowledged_reason: str | None = None,
    time_limit_s: float = 30.0,
) -> models.PlanRun:
    """Queue a plan run; the same idempotency key with the same request gives back the same run.

    A groupement has at most one active run (queued or running) over any day, which the database
    enforces (see `models.PlanRun`): a request whose period overlaps an active run's is refused
    with that run's id, also when the two requests race.

    Raises:
        InvalidField: a bad period, or the key already served another request.
        PlanRunConflict: an active run of the groupement overlaps the period.
    """
    if not 1 <= days <= 56:
        raise InvalidField("days", "range", "la période compte de 1 à 56 jours")
    if period_start.weekday() != 0:
        raise InvalidField("period_start", "monday", "une période commence un lundi")
    request = (groupement_id, period_start, days, based_on_id)
    existing = _replay_or_refuse(session, request, idempotency_key)
    if existing is not None:
        return existing
    run = models.PlanRun(
        groupement_id=groupement_id,
        period_start=period_start,
        period_days=days,
        state=models.RunState.QUEUED,
        based_on_id=based_on_id,
        acknowledged_reason=acknowledged_reason,
        requested_by_id=actor.id if actor is not None else None,
        idempotency_key=idempotency_key,
        time_limit_s=time_limit_s,
    )

    def insert() -> models.PlanRun:
        session.add(run)
        session.flush()
        return run

    if uow.insert_or_none(session, insert) is None:
        # A concurrent request was recorded first (the database waited for it): the same key is
        # replayed, an overlapping period is refused with the run that won.
        existing = _replay_or_refuse(session, request, idempotency_key)
        if existing is not None:
            return existing
        raise DataConflict()
    if task_engine.has_workers(_bind_engine(session)):
        task_engine.defer(
            session,
            task_engine.PLAN_RUN_TASK,
            {"run_id": run.id},
            queue=task_engine.PLANNING_QUEUE,
        )
    record_audit(
        session,
        actor=actor,
        groupement_id=groupement_id,
        action="request",
        entity="plan_run",
        entity_id=run.id,
        after={"period_start": period_start.isoformat(), "days": days},
    )
    return run


def _keyed_run(session: Session, groupement_id: int, key: str) -> models.PlanRun | None:
    return session.scalar(
        select(models.PlanRun).where(
            models.PlanRun.groupement_id == groupement_id, models.PlanRun.idempotency_key == key
        )
    )


def _replayed(
    existing: models.PlanRun, request: tuple[int, date, int, int | None]
) -> models.PlanRun:
    stored = (
        existing.groupement_id,
        existing.period_start,
        existing.period_days,
        existing.based_on_id,
    )
    if stored != request:
        raise InvalidField(
            "Idempotency-Key",
            "reused",
            "cette clé d'idempotence a déjà servi pour une autre demande",
        )
    return existing


def _replay_or_refuse(
    session: Session, request: tuple[int, date, int, int | None], key: str | None
) -> models.PlanRun | None:
    """The run `key` already queued for this request, or None when the period is free; raises
    PlanRunConflict when an active run overlaps it."""
    groupement_id, period_start, days, _ = request
    if key is not None and (existing := _keyed_run(session, groupement_id, key)) is not None:
        return _replayed(existing, request)
    end = period_start + timedelta(days=days)
    for other in session.scalars(
        select(models.PlanRun)
        .where(
            models.PlanRun.groupement_id == groupement_id,
            models.PlanRun.state.in_(ACTIVE_STATES),
            models.PlanRun.period_start < end,
        )
        .order_by(models.PlanRun.id)
    ):
        if period_start < other.period_start + timedelta(days=other.period_days):
            # The key may have been recorded since it was looked up, with the run found here.
            if key is not None and (existing := _keyed_run(session, groupement_id, key)):
                return _replayed(existing, request)
            raise PlanRunConflict(other.id, period_start.isoformat())
    return None


def get_plan_run(session: Session, run_id: int) -> models.PlanRun:
    """A plan run by id."""
    run = session.get(models.PlanRun, run_id)
    if run is None:
        raise NotFound("calcul de planning", run_id)
    return run


def cancel_plan_run(session: Session, run_id: int, *, actor: models.User | None) -> models.PlanRun:
    """Cancel a queued run at once, or ask a running one to stop (its result is then discarded)."""
    run = get_plan_run(session, run_id)
    if run.state == models.RunState.QUEUED:
        run.state = models.RunState.CANCELLED
        run.finished_at = _now()
    elif run.state == models.RunState.RUNNING:
        run.cancel_requested = True
    record_audit(
        session,
        actor=actor,
        groupement_id=run.groupement_id,
        action="cancel",
        entity="plan_run",
        entity_id=run.id,
    )
    session.flush()
    return run


def executor_alive(
    session: Session, *, now: datetime | None = None, late_after: timedelta = EXECUTOR_LATE_AFTER
) -> bool:
    """Whether a process runs to execute queued runs.

    On PostgreSQL, a worker whose heartbeat is at most `late_after` old. On SQLite, the jobs
    process: a running one moves the next time of its `execute-plan-runs` job forward in
    APScheduler's job store after each execution (and each one it skips while a solve lasts); a
    stopped one leaves it behind, and one never started leaves no job (nor, at first, the
    store's table)."""
    now = now or _now()
    if task_engine.has_workers(_bind_engine(session)):
        if not inspect(session.connection()).has_table("procrastinate_workers"):
            return False
        return bool(
            session.scalar(
                text(
                    "SELECT EXISTS (SELECT 1 FROM procrastinate_workers WHERE last_heartbeat >= :t)"
                ),
                {"t": now - late_after},
            )
        )
    if not inspect(session.connection()).has_table(models.APSCHEDULER_JOB_TABLE):
        return False
    jobs = table(models.APSCHEDULER_JOB_TABLE, column("id"), column("next_run_time"))
    next_time = session.scalar(select(jobs.c.next_run_time).where(jobs.c.id == EXECUTOR_JOB))
    return next_time is not None and float(next_time) >= (now - late_after).timestamp()


def unattended(session: Session, run: models.PlanRun, *, now: datetime | None = None) -> bool:
    """Whether `run` has waited queued for `UNATTENDED_AFTER` with no jobs process to execute
    it."""
    now = now or _now()
    if run.state is not models.RunState.QUEUED or run.requested_at > now - UNATTENDED_AFTER:
        return False
    return not executor_alive(session, now=now)


def _bind_engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def _engine(factory: sessionmaker[Session]) -> Engine:
    bind = factory.kw["bind"]
    return bind.engine if isinstance(bind, Connection) else bind


def queued_run_ids(factory: sessionmaker[Session], *, limit: int = 20) -> list[int]:
    """The oldest queued runs' ids (the SQLite jobs process runs them in this order)."""
    with factory() as session:
        return list(
            session.scalars(
                select(models.PlanRun.id)
                .where(models.PlanRun.state == models.RunState.QUEUED)
                .order_by(models.PlanRun.requested_at, models.PlanRun.id)
                .limit(limit)
            )
        )


def requeue(run: models.PlanRun, *, now: datetime) -> models.RunState:
    """Put back in the queue a run whose attempt died, its figures wiped (nothing of the dead
    attempt shows), or fail it when it has had `MAX_ATTEMPTS` attempts."""
    if run.attempts >= MAX_ATTEMPTS:
        run.state = models.RunState.FAILED
        run.error = f"abandonné après {run.attempts} tentatives interrompues"
        run.finished_at = now
    else:
        run.state = models.RunState.QUEUED
        run.started_at = None
        run.heartbeat_at = None
    run.best_objective = None
    run.bound = None
    run.elapsed_seconds = 0.0
    log.warning("plan run %s was interrupted: %s", run.id, run.state.value)
    return run.state


def requeue_interrupted(factory: sessionmaker[Session]) -> list[int]:
    """Queue again the runs left `running` (SQLite: by the last jobs process, the only one that
    runs them, when it stopped); their ids."""
    with uow.unit_of_work(factory) as session:
        interrupted = session.scalars(
            select(models.PlanRun).where(models.PlanRun.state == models.RunState.RUNNING)
        ).all()
        for run in interrupted:
            requeue(run, now=_now())
        return [run.id for run in interrupted]


def start_attempt(
    factory: sessionmaker[Session], run_id: int, *, take_over: bool = False
) -> int | None:
    """Take a queued run for a new attempt: `running`, one more attempt, no figures of an earlier
    one; its attempt number, or None when the run is not to be planned (done, cancelled, taken by
    another attempt). `take_over` also takes a `running` run, whose attempt the engine knows to be
    dead (its task is being retried); at `MAX_ATTEMPTS` it fails instead."""
    states = (
        (models.RunState.QUEUED, models.RunState.RUNNING)
        if take_over
        else (models.RunState.QUEUED,)
    )
    now = _now()
    with uow.unit_of_work(factory) as session:
        run = session.scalar(
            select(models.PlanRun).where(models.PlanRun.id == run_id).with_for_update()
        )
        if run is None or run.state not in states:
            return None
        if run.cancel_requested:
            run.state = models.RunState.CANCELLED
            run.finished_at = now
            return None
        if run.state is models.RunState.RUNNING and run.attempts >= MAX_ATTEMPTS:
            requeue(run, now=now)
            return None
        taken = session.execute(
            update(models.PlanRun)
            .where(models.PlanRun.id == run_id, models.PlanRun.state.in_(states))
            .values(
                state=models.RunState.RUNNING,
                started_at=now,
                heartbeat_at=None,
                attempts=models.PlanRun.attempts + 1,
                best_objective=None,
                bound=None,
                elapsed_seconds=0.0,
                error=None,
            )
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return run.attempts + 1


def _owned(run_id: int, attempt: int) -> ColumnElement[bool]:
    return and_(
        models.PlanRun.id == run_id,
        models.PlanRun.state == models.RunState.RUNNING,
        models.PlanRun.attempts == attempt,
    )


class _Reporter:
    """Keeps the solver's latest figures; the progress writer writes them, and the time spent
    since the run began (the solver reports only on improvements)."""

    def __init__(self, started: float | None = None) -> None:
        self.latest: Progress | None = None
        self.started = clock.monotonic() if started is None else started

    def elapsed_s(self) -> float:
        """Seconds since the run began."""
        return clock.monotonic() - self.started

    def __call__(self, progress: Progress) -> None:
        self.latest = progress


class _ProgressWriter(threading.Thread):
    """Writes the latest figures (and their time, `heartbeat_at`) every `every_s` seconds until
    stopped. It tells the page how the solve goes; whether the attempt is alive is the task
    engine's to know."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        run_id: int,
        attempt: int,
        reporter: _Reporter,
        every_s: float,
    ) -> None:
        super().__init__(name=f"progress-run-{run_id}", daemon=True)
        self.factory = factory
        self.run_id = run_id
        self.attempt = attempt
        self.reporter = reporter
        self.every_s = every_s
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every_s):
            try:
                self.beat()
            except Exception:
                log.warning("progress of plan run %s not written", self.run_id, exc_info=True)

    def stop(self) -> None:
        """Stop writing, and wait for a write under way to end."""
        self.stopped.set()
        if self.is_alive():
            self.join()

    def beat(self) -> None:
        """Write the figures once, while the run still belongs to this attempt."""
        values: dict[str, object] = {
            "heartbeat_at": _now(),
            "elapsed_seconds": round(self.reporter.elapsed_s(), 2),
        }
        progress = self.reporter.latest
        if progress is not None:
            values.update(
                best_objective=round(progress.best_objective), bound=round(progress.bound)
            )
        with uow.unit_of_work(self.factory) as session:
            session.execute(
                update(models.PlanRun).where(_owned(self.run_id, self.attempt)).values(**values)
            )


class _CancelWatch:
    """The solver's `should_stop`: whether the run was asked to stop, read at most every `every_s`
    seconds on a short connection of its own; once seen, it stays true."""

    def __init__(self, engine: Engine, run_id: int, every_s: float) -> None:
        self.engine = engine
        self.run_id = run_id
        self.every_s = every_s
        self.seen = False
        self._read_at: float | None = None
        self._lock = threading.Lock()  # parts solved side by side poll from several threads

    def __call__(self, *, fresh: bool = False) -> bool:
        """Whether the run was asked to stop; `fresh` reads the flag, throttle or not."""
        with self._lock:
            now = clock.monotonic()
            throttled = self._read_at is not None and now - self._read_at < self.every_s
            if self.seen or (throttled and not fresh):
                return self.seen
            self._read_at = now
            try:
                with self.engine.connect() as connection:
                    self.seen = bool(
                        connection.scalar(
                            select(models.PlanRun.cancel_requested).where(
                                models.PlanRun.id == self.run_id
                            )
                        )
                    )
            except Exception as error:
                log.warning(
                    "could not read whether plan run %s is cancelled: %s", self.run_id, error
                )
            return self.seen


def execute_plan_run(
    factory: sessionmaker[Session],
    run_id: int,
    *,
    deterministic: bool = False,
    progress_s: float = PROGRESS_EVERY_S,
    take_over: bool = False,
    solver_workers: int | None = None,
) -> models.RunState | None:
    """Start an attempt at a queued run (`start_attempt`) and plan it; store its draft and final
    figures in one transaction. Its final state, or None when there was nothing to plan."""
    attempt = start_attempt(factory, run_id, take_over=take_over)
    if attempt is None:
        log.info("plan run %s: nothing to plan", run_id)
        return None
    return _execute(
        factory,
        run_id,
        attempt,
        deterministic=deterministic,
        progress_s=progress_s,
        solver_workers=solver_workers,
    )


def _execute(
    factory: sessionmaker[Session],
    run_id: int,
    attempt: int,
    *,
    deterministic: bool,
    progress_s: float,
    solver_workers: int | None,
) -> models.RunState:
    started = clock.monotonic()
    reporter = _Reporter(started)
    should_stop = _CancelWatch(_engine(factory), run_id, CANCEL_POLL_S)
    with uow.unit_of_work(factory) as session:
        run = get_plan_run(session, run_id)
        actor = session.get(models.User, run.requested_by_id) if run.requested_by_id else None
        writer = _ProgressWriter(factory, run_id, attempt, reporter, progress_s)
        # A write may wait (SQLite) for the reads below, which plan_period ends before its solve;
        # it stops once the solver has answered, before the draft's transaction (`solved`).
        writer.start()
        try:
            rota = plan_period(
                session,
                run.groupement_id,
                run.period_start,
                run.period_days,
                time_limit_s=run.time_limit_s,
                deterministic=deterministic,
                based_on_id=run.based_on_id,
                actor=actor,
                progress=reporter,
                should_stop=should_stop,
                release_reads=True,
                solved=writer.stop,
                workers=solver_workers,
            )
        except PlanningStopped:
            uow.rollback(session)
            return _finish(factory, run_id, attempt, models.RunState.CANCELLED, started=started)
        except PartagendaError as error:
            uow.rollback(session)
            return _finish(
                factory,
                run_id,
                attempt,
                models.RunState.FAILED,
                error=str(error),
                started=started,
            )
        except Exception:
            uow.rollback(session)
            if should_stop(fresh=True):
                # A cancel written while the draft was being saved can make the save fail (on
                # SQLite, on the transaction's outdated snapshot): the run was cancelled.
                log.warning("plan run %s cancelled while failing", run_id, exc_info=True)
                return _finish(factory, run_id, attempt, models.RunState.CANCELLED, started=started)
            log.exception("plan run %s failed", run_id)
            return _finish(
                factory,
                run_id,
                attempt,
                models.RunState.FAILED,
                error="erreur interne : le calcul a échoué, voir le journal du serveur",
                started=started,
            )
        finally:
            writer.stop()
        cancel_requested = session.scalar(
            select(models.PlanRun.cancel_requested).where(models.PlanRun.id == run_id)
        )
        if cancel_requested:
            uow.rollback(session)
            return _finish(factory, run_id, attempt, models.RunState.CANCELLED, started=started)
        # Conditional on ownership, in the draft's own transaction: if the run was recovered
        # and handed to another attempt meanwhile, this draft is discarded, never doubled.
        owned = session.execute(
            update(models.PlanRun)
            .where(_owned(run_id, attempt), models.PlanRun.cancel_requested.is_(False))
            .values(
                state=models.RunState.SUCCEEDED,
                rota_id=rota.id,
                best_objective=rota.objective,
                bound=rota.bound,
                elapsed_seconds=round(clock.monotonic() - started, 2),
                finished_at=_now(),
                heartbeat_at=_now(),
            )
        )
        if owned.rowcount != 1:  # type: ignore[attr-defined]
            uow.rollback(session)
            if should_stop(fresh=True):  # cancelled between the check above and the update
                return _finish(factory, run_id, attempt, models.RunState.CANCELLED, started=started)
            log.warning("plan run %s attempt %s lost its claim; draft discarded", run_id, attempt)
            return models.RunState.CANCELLED
        uow.commit(session)
        return models.RunState.SUCCEEDED


def _finish(
    factory: sessionmaker[Session],
    run_id: int,
    attempt: int,
    state: models.RunState,
    *,
    started: float,
    error: str | None = None,
) -> models.RunState:
    with uow.unit_of_work(factory) as session:
        session.execute(
            update(models.PlanRun)
            .where(_owned(run_id, attempt))
            .values(
                state=state,
                error=error,
                finished_at=_now(),
                elapsed_seconds=round(clock.monotonic() - started, 2),
            )
        )
    return state


def run_pending_inline(factory: sessionmaker[Session], *, deterministic: bool = True) -> list[int]:
    """Execute every queued run now, in this process (tests and the CLI); their ids."""
    done: list[int] = []
    while ids := [run_id for run_id in queued_run_ids(factory) if run_id not in done]:
        for run_id in ids:
            execute_plan_run(factory, run_id, deterministic=deterministic)
            done.append(run_id)
    return done
