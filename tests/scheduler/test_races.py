"""Races between concurrent writers, each thread with its own session on a committed database
(SQLite and PostgreSQL): concurrent edits of one rota take turns instead of colliding on a travel
leg's uid, concurrent subscriptions with one label leave one live link, concurrent plan-run
requests for overlapping periods leave one active run (the others are told its id), and a run put
back in the queue shows nothing of its dead attempt."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from scheduler import jobs, models, planning, runs
from scheduler.config import Settings
from scheduler.db import make_engine, make_session_factory
from scheduler.engine.recovery import recover_stalled_tasks
from scheduler.errors import PartagendaError, PlanRunConflict
from scheduler.migrations import upgrade_to_head
from scheduler.planning import edits as planning_edits
from scheduler.services import subscriptions, workflow
from scheduler.uow import unit_of_work
from tests.conftest import DATABASES, fresh_database_url
from tests.scheduler.feed_factories import (
    DemoIds,
    assignment_rows,
    demo_ids,
    leg_rows,
    week_specs,
)

T = TypeVar("T")

ROTA_WEEK = date(2026, 6, 8)  # every demo contract is active
RUN_MONDAY = date(2027, 1, 4)
EDITORS = 20
SUBSCRIBERS = 50
REQUESTERS = 30


@dataclass(frozen=True)
class Committed:
    """Sessions on a fresh migrated database holding the committed demo groupement."""

    factory: sessionmaker[Session]
    ids: DemoIds
    coordinator_id: int


@pytest.fixture(scope="module", params=DATABASES)
def committed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Committed]:
    url = fresh_database_url(request.param, "races", tmp_path_factory.mktemp("races"))
    upgrade_to_head(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        ids = demo_ids(session)
        coordinator_id = session.scalars(
            select(models.User.id).where(models.User.role == models.Role.COORDINATOR)
        ).one()
    yield Committed(factory, ids, coordinator_id)
    engine.dispose()


def _all_at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """`work(i)` for i in 0..count-1, each on its own thread, released together."""
    barrier = threading.Barrier(count)

    def released(i: int) -> T:
        barrier.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(released, range(count), timeout=120))


def _coordinator(session: Session, world: Committed) -> models.User:
    user = session.get(models.User, world.coordinator_id)
    assert user is not None
    return user


def _outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except IntegrityError:
        return "unique-key conflict"
    except PartagendaError as error:
        return type(error).__name__
    return "ok"


# --- Rota edits ----------------------------------------------------------------------------------


def _draft_monday(session: Session, ids: DemoIds) -> models.Rota:
    """A draft of one Monday: Julie at two cabinets and the trip between them."""
    julie = ids.assistants["julie"]
    assignments, legs = week_specs(ids, ROTA_WEEK)
    assignments = [
        a for a in assignments if a.assistant_id == julie and a.start.date() == ROTA_WEEK
    ]
    legs = [t for t in legs if t.assistant_id == julie and t.start.date() == ROTA_WEEK]
    rota = models.Rota(
        groupement_id=ids.groupement_id,
        period_start=ROTA_WEEK,
        period_days=1,
        revision=1,
        solver_status="optimal",
        assignments=assignment_rows(assignments),
        travel_legs=leg_rows(legs),
    )
    session.add(rota)
    session.flush()
    return rota


def _no_violation(
    _session: Session, _rota: models.Rota, **_: object
) -> tuple[list[object], dict[str, int]]:
    return [], {}


def test_concurrent_edits_of_a_rota_without_if_match_take_turns(
    committed: Committed, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race is in re-deriving the day's trip; the checker's verdict after it is not under test.
    monkeypatch.setattr(planning_edits, "evaluate_stored_rota", _no_violation)
    with unit_of_work(committed.factory) as session:
        rota = _draft_monday(session, committed.ids)
        rota_id, version = rota.id, rota.lock_version
        julie = committed.ids.assistants["julie"]
        # Every edit of the morning re-derives the day's trip, keeping its uid.
        assignment_id = min(rota.assignments, key=lambda a: a.start_at).id
        assert len(rota.travel_legs) == 1

    def edit(i: int) -> str:
        with committed.factory() as session:
            change = planning.PinAssignment(assignment_id=assignment_id, pinned=i % 2 == 0)
            return _outcome(
                lambda: workflow.edit(
                    session, _coordinator(session, committed), rota_id, change, expected=None
                )
            )

    outcomes = Counter(_all_at_once(EDITORS, edit))
    assert outcomes == Counter({"ok": EDITORS})
    with committed.factory() as session:
        edited = session.get(models.Rota, rota_id)
        assert edited is not None
        assert edited.lock_version >= version + EDITORS  # a new version per edit
        edits = session.scalars(
            select(models.AuditLog).where(
                models.AuditLog.entity == "rota", models.AuditLog.entity_id == str(rota_id)
            )
        ).all()
        assert len(edits) == EDITORS
        legs = [
            leg
            for leg in edited.travel_legs
            if leg.assistant_id == julie and leg.start_at.date() == ROTA_WEEK
        ]
        assert len(legs) == 1


# --- Subscriptions -------------------------------------------------------------------------------


def test_concurrent_subscriptions_with_one_label_leave_one_live_link(
    committed: Committed,
) -> None:
    cabinet = committed.ids.cabinets["tilleuls"]

    def subscribe(_: int) -> str:
        with committed.factory() as session:
            return _outcome(
                lambda: subscriptions.subscribe(
                    session,
                    _coordinator(session, committed),
                    models.FeedKind.CABINET,
                    cabinet,
                    "Accueil",
                    base_url="https://partagenda.example",
                    calendar_name="Les Tilleuls",
                )
            )

    outcomes = Counter(_all_at_once(SUBSCRIBERS, subscribe))
    assert outcomes == Counter({"ok": SUBSCRIBERS})
    with committed.factory() as session:
        tokens = session.scalars(
            select(models.FeedToken).where(
                models.FeedToken.kind == "cabinet",
                models.FeedToken.target_id == cabinet,
                models.FeedToken.subscriber == "Accueil",
            )
        ).all()
    assert len(tokens) == SUBSCRIBERS
    assert len([t for t in tokens if t.revoked_at is None]) == 1


# --- Plan runs -----------------------------------------------------------------------------------


def _request(world: Committed, start: date, days: int, key: str | None = None) -> int:
    with world.factory() as session:
        run = workflow.request_run(
            session,
            _coordinator(session, world),
            period_start=start,
            days=days,
            time_limit_s=5.0,
            idempotency_key=key,
        )
        return run.id


def _active_runs(world: Committed, start: date, end: date) -> list[models.PlanRun]:
    with world.factory() as session:
        query = select(models.PlanRun).where(
            models.PlanRun.groupement_id == world.ids.groupement_id,
            models.PlanRun.state.in_(runs.ACTIVE_STATES),
            models.PlanRun.period_start >= start,
            models.PlanRun.period_start < end,
        )
        return list(session.scalars(query))


def test_concurrent_requests_for_overlapping_periods_leave_one_active_run(
    committed: Committed,
) -> None:
    # Every two of these periods overlap: [M, M+14), [M+7, M+14), [M, M+21).
    periods = [(RUN_MONDAY, 14), (RUN_MONDAY + timedelta(days=7), 7), (RUN_MONDAY, 21)]

    def request(i: int) -> int | str:
        start, days = periods[i % len(periods)]
        try:
            return _request(committed, start, days)
        except PlanRunConflict as conflict:
            return f"conflict with {conflict.run_id}"
        except IntegrityError:
            return "unique-key conflict"

    answers = _all_at_once(REQUESTERS, request)
    queued = [answer for answer in answers if isinstance(answer, int)]
    assert len(queued) == 1
    (winner,) = queued
    assert Counter(answers)[f"conflict with {winner}"] == REQUESTERS - 1
    active = _active_runs(committed, RUN_MONDAY, RUN_MONDAY + timedelta(days=14))
    assert [run.id for run in active] == [winner]


def test_concurrent_replays_of_one_key_give_back_one_run(committed: Committed) -> None:
    start = RUN_MONDAY + timedelta(days=28)

    def request(_: int) -> int | str:
        try:
            return _request(committed, start, 7, key="semaine-du-1er-fevrier")
        except PartagendaError as error:
            return type(error).__name__
        except IntegrityError:
            return "unique-key conflict"

    answers = Counter(_all_at_once(REQUESTERS, request))
    assert len(answers) == 1 and isinstance(next(iter(answers)), int), answers
    assert len(_active_runs(committed, start, start + timedelta(days=7))) == 1


def test_runs_for_periods_that_do_not_overlap_are_all_queued(committed: Committed) -> None:
    start = RUN_MONDAY + timedelta(days=56)
    weeks = [start + timedelta(days=7 * i) for i in range(4)]
    ids = _all_at_once(len(weeks), lambda i: _request(committed, weeks[i], 7))
    assert len(set(ids)) == len(weeks)
    # Once the first is over, its period may be planned again.
    with unit_of_work(committed.factory) as session:
        session.execute(
            update(models.PlanRun)
            .where(models.PlanRun.id == ids[0])
            .values(state=models.RunState.CANCELLED)
        )
    assert _request(committed, weeks[0], 7) not in ids


def test_the_weekly_job_leaves_a_week_already_being_planned_alone(committed: Committed) -> None:
    now = datetime(2027, 9, 2, 6, tzinfo=UTC)  # a Thursday
    week = jobs.upcoming_week(now)
    run_id = _request(committed, week, 7)
    engine = committed.factory.kw["bind"]
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    outcome = jobs.plan_upcoming_week(jobs.JobContext(settings, engine, committed.factory), now=now)
    assert (outcome.outcome, outcome.errors) == ("succeeded", [])
    active = _active_runs(committed, week, week + timedelta(days=7))
    assert [run.id for run in active] == [run_id]


def test_the_database_refuses_a_second_active_run_over_a_day(committed: Committed) -> None:
    start = RUN_MONDAY + timedelta(days=112)
    first = _request(committed, start, 14)
    with committed.factory() as session:
        # Written straight, past the service's check: the constraint (or trigger) refuses it.
        session.add(
            models.PlanRun(
                groupement_id=committed.ids.groupement_id,
                period_start=start + timedelta(days=13),
                period_days=7,
                state=models.RunState.QUEUED,
            )
        )
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
        other = models.PlanRun(
            groupement_id=committed.ids.groupement_id,
            period_start=start + timedelta(days=13),
            period_days=7,
            state=models.RunState.CANCELLED,
        )
        session.add(other)
        session.commit()
        other.state = models.RunState.QUEUED
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
        # The day after the first run's period is free.
        session.add(
            models.PlanRun(
                groupement_id=committed.ids.groupement_id,
                period_start=start + timedelta(days=14),
                period_days=7,
                state=models.RunState.QUEUED,
            )
        )
        session.commit()
        assert runs.get_plan_run(session, first).state is models.RunState.QUEUED


def test_a_requeued_run_shows_nothing_of_its_dead_attempt(committed: Committed) -> None:
    """The attempt's process died with figures written: the engine (PostgreSQL: the pass that
    retries a dead worker's tasks; SQLite: the jobs process's next start) queues the run again
    with none of them."""
    start = RUN_MONDAY + timedelta(days=168)
    run_id = _request(committed, start, 7)
    dead = datetime.now(UTC) - timedelta(minutes=5)
    engine = committed.factory.kw["bind"]
    on_postgresql = engine.dialect.name == "postgresql"
    with unit_of_work(committed.factory) as session:
        # Its first attempt reported figures, then its process died.
        session.execute(
            update(models.PlanRun)
            .where(models.PlanRun.id == run_id)
            .values(
                state=models.RunState.RUNNING,
                attempts=1,
                started_at=dead - timedelta(seconds=20),
                heartbeat_at=dead,
                best_objective=1200,
                bound=1100,
                elapsed_seconds=12.5,
            )
        )
        if on_postgresql:
            worker = session.execute(
                text(
                    "INSERT INTO procrastinate_workers (last_heartbeat)"
                    " VALUES (now() - interval '5 minutes') RETURNING id"
                )
            ).scalar_one()
            session.execute(
                text(
                    "UPDATE procrastinate_jobs SET status = 'doing', worker_id = :worker"
                    " WHERE task_name = 'plan-run' AND (args->>'run_id')::int = :run"
                ),
                {"worker": worker, "run": run_id},
            )
    if on_postgresql:
        recovered = recover_stalled_tasks(engine, committed.factory, stalled_after_s=1)
        assert list(recovered.values()) == ["retried"]
        with committed.factory() as session:
            job = session.execute(
                text(
                    "SELECT status, attempts FROM procrastinate_jobs"
                    " WHERE (args->>'run_id')::int = :run"
                ),
                {"run": run_id},
            ).one()
            assert tuple(job) == ("todo", 1)
    else:
        assert run_id in runs.requeue_interrupted(committed.factory)
    with committed.factory() as session:
        run = runs.get_plan_run(session, run_id)
        assert (run.state, run.attempts) == (models.RunState.QUEUED, 1)
        assert (run.best_objective, run.bound, run.elapsed_seconds) == (None, None, 0.0)
        assert (run.started_at, run.heartbeat_at) == (None, None)
