"""Plan-run requests are idempotent per groupement: the same key gives back the same run there,
a different request under that key is refused, and another groupement's use of the key is its own.
Cancelling a running run stops its solver at once: the run ends cancelled, with no draft. An
attempt takes a queued run only (a running one only when the engine says its attempt is dead),
starts from no figures, and a run whose attempts all died fails at the third."""

from __future__ import annotations

import threading
import time as clock
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from scheduler import models, runs
from scheduler.db import make_engine, make_session_factory
from scheduler.demo import load_demo
from scheduler.errors import InvalidField
from scheduler.migrations import upgrade_to_head
from scheduler.runs import cancel_plan_run, request_plan_run
from scheduler.uow import unit_of_work
from tests.conftest import DATABASES, fresh_database_url

MONDAY = date(2026, 12, 7)


def test_same_key_same_request_gives_the_same_run(session: Session) -> None:
    groupement = load_demo(session)
    first = request_plan_run(session, groupement.id, MONDAY, 7, actor=None, idempotency_key="k1")
    again = request_plan_run(session, groupement.id, MONDAY, 7, actor=None, idempotency_key="k1")
    assert again.id == first.id


def test_same_key_other_request_is_refused(session: Session) -> None:
    groupement = load_demo(session)
    request_plan_run(session, groupement.id, MONDAY, 7, actor=None, idempotency_key="k1")
    with pytest.raises(InvalidField) as refused:
        request_plan_run(session, groupement.id, MONDAY, 14, actor=None, idempotency_key="k1")
    assert refused.value.field == "Idempotency-Key"


def test_another_groupement_may_use_the_same_key(session: Session) -> None:
    demo = load_demo(session)
    other = models.Groupement(slug="autre", name="Autre groupement")
    session.add(other)
    session.flush()
    mine = request_plan_run(session, demo.id, MONDAY, 7, actor=None, idempotency_key="weekly")
    theirs = request_plan_run(session, other.id, MONDAY, 7, actor=None, idempotency_key="weekly")
    assert mine.id != theirs.id and theirs.groupement_id == other.id


def test_a_period_must_start_on_a_monday(session: Session) -> None:
    groupement = load_demo(session)
    with pytest.raises(InvalidField) as refused:
        request_plan_run(session, groupement.id, date(2026, 12, 8), 7, actor=None)
    assert refused.value.field == "period_start"


@pytest.fixture(params=DATABASES)
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh, migrated database holding the demo groupement."""
    url = fresh_database_url(request.param, "runs", tmp_path)
    upgrade_to_head(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as session:
        load_demo(session)
    yield sessions
    engine.dispose()


def test_cancelling_a_running_run_stops_its_solver(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    time_limit_s = 120.0
    with unit_of_work(factory) as session:
        groupement = session.scalars(select(models.Groupement)).one()
        run_id = request_plan_run(
            session, groupement.id, MONDAY, 28, actor=None, time_limit_s=time_limit_s
        ).id
    answers: list[bool] = []
    polled = threading.Event()
    ask = runs._CancelWatch.__call__

    def spy(watch: runs._CancelWatch, *, fresh: bool = False) -> bool:
        answers.append(ask(watch, fresh=fresh))
        polled.set()
        return answers[-1]

    monkeypatch.setattr(runs._CancelWatch, "__call__", spy)

    def cancel_once_solving() -> None:
        assert polled.wait(60), "the solver never polled for a stop"
        with unit_of_work(factory) as session:
            cancel_plan_run(session, run_id, actor=None)

    canceller = threading.Thread(target=cancel_once_solving)
    canceller.start()
    started = clock.monotonic()
    state = runs.execute_plan_run(factory, run_id)
    elapsed = clock.monotonic() - started
    canceller.join()
    assert state == models.RunState.CANCELLED
    assert answers[-1] is True  # the solver saw the request, rather than running out its time
    assert elapsed < time_limit_s / 2
    with factory() as session:
        run = runs.get_plan_run(session, run_id)
        assert (run.state, run.rota_id, run.cancel_requested) == (
            models.RunState.CANCELLED,
            None,
            True,
        )
        assert session.scalar(select(func.count()).select_from(models.Rota)) == 0


def test_a_save_that_fails_after_a_cancel_ends_cancelled(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save that fails after a cancel landed during the solve ends the run cancelled, not
    failed."""
    with unit_of_work(factory) as session:
        groupement = session.scalars(select(models.Groupement)).one()
        run_id = request_plan_run(session, groupement.id, MONDAY, 7, actor=None).id

    def cancelled_while_saving(session: Session, *args: object, **kwargs: object) -> models.Rota:
        session.rollback()  # as plan_period(release_reads=True) before its solve
        with unit_of_work(factory) as other:
            cancel_plan_run(other, run_id, actor=None)
        raise RuntimeError("snapshot outdated while saving the draft")

    monkeypatch.setattr(runs, "plan_period", cancelled_while_saving)
    assert runs.execute_plan_run(factory, run_id) == models.RunState.CANCELLED
    with factory() as session:
        run = runs.get_plan_run(session, run_id)
        assert (run.state, run.rota_id, run.error) == (models.RunState.CANCELLED, None, None)


def test_a_run_survives_other_writers_during_its_solve(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report rendered or an edit committed while the solver works does not break the run (on
    SQLite it used to: the planning transaction's snapshot went stale, "database is locked")."""
    with unit_of_work(factory) as session:
        groupement = session.scalars(select(models.Groupement)).one()
        run_id = request_plan_run(
            session, groupement.id, MONDAY, 7, actor=None, time_limit_s=3.0
        ).id
    ask = runs._CancelWatch.__call__
    wrote: list[str] = []

    def write_meanwhile(watch: runs._CancelWatch, *, fresh: bool = False) -> bool:
        if not wrote:
            with unit_of_work(factory) as other:
                cabinet = other.scalars(select(models.Cabinet).order_by(models.Cabinet.id)).first()
                assert cabinet is not None
                cabinet.name = cabinet.name + " (renommé)"
                wrote.append(cabinet.name)
        return ask(watch, fresh=fresh)

    monkeypatch.setattr(runs._CancelWatch, "__call__", write_meanwhile)
    assert runs.execute_plan_run(factory, run_id) == models.RunState.SUCCEEDED
    assert wrote
    with factory() as session:
        run = runs.get_plan_run(session, run_id)
        assert run.state == models.RunState.SUCCEEDED and run.rota_id is not None


def test_a_run_whose_base_draft_goes_during_its_solve_fails_with_the_reason(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The draft a run starts from is deleted while the solver works: no draft is stored on a
    base that no longer exists, and the run says why, in French."""
    with unit_of_work(factory) as session:
        groupement = session.scalars(select(models.Groupement)).one()
        first = request_plan_run(session, groupement.id, MONDAY, 7, actor=None, time_limit_s=2.0)
        first_id = first.id
    assert runs.execute_plan_run(factory, first_id) == models.RunState.SUCCEEDED
    with unit_of_work(factory) as session:
        base_id = runs.get_plan_run(session, first_id).rota_id
        assert base_id is not None
        run_id = request_plan_run(
            session, groupement.id, MONDAY, 7, actor=None, based_on_id=base_id, time_limit_s=2.0
        ).id
    ask = runs._CancelWatch.__call__

    def delete_base_meanwhile(watch: runs._CancelWatch, *, fresh: bool = False) -> bool:
        with unit_of_work(factory) as other:
            base = other.get(models.Rota, base_id)
            if base is not None:
                other.delete(base)
        return ask(watch, fresh=fresh)

    monkeypatch.setattr(runs._CancelWatch, "__call__", delete_base_meanwhile)
    assert runs.execute_plan_run(factory, run_id) == models.RunState.FAILED
    with factory() as session:
        run = runs.get_plan_run(session, run_id)
        assert run.rota_id is None
        assert run.error is not None and "le brouillon de départ a changé" in run.error


def test_a_running_run_shows_its_progress_before_it_ends(factory: sessionmaker[Session]) -> None:
    """While the solver works, the run's figures are written (on SQLite as on PostgreSQL): the
    best objective appears and the elapsed time grows before the run ends; cancelled then, it
    stores no draft."""
    with unit_of_work(factory) as session:
        groupement = session.scalars(select(models.Groupement)).one()
        run_id = request_plan_run(
            session, groupement.id, MONDAY, 7, actor=None, time_limit_s=60.0
        ).id
    ended: list[models.RunState | None] = []
    executor = threading.Thread(
        target=lambda: ended.append(runs.execute_plan_run(factory, run_id, progress_s=0.1))
    )
    executor.start()
    seen: list[tuple[int | None, float]] = []
    try:
        deadline = clock.monotonic() + 90
        while clock.monotonic() < deadline and not ended:
            with factory() as session:
                run = runs.get_plan_run(session, run_id)
                if run.state is models.RunState.RUNNING:
                    seen.append((run.best_objective, run.elapsed_seconds))
            objectives = [o for o, _ in seen if o is not None]
            if objectives and seen[-1][1] > seen[0][1] and seen[-1][0] is not None:
                break
            clock.sleep(0.05)
    finally:
        with unit_of_work(factory) as session:
            cancel_plan_run(session, run_id, actor=None)
        executor.join(120)
    assert ended == [models.RunState.CANCELLED]
    assert seen and seen[0][0] is None  # nothing found yet when the run was first read
    assert any(objective is not None for objective, _ in seen), seen
    assert seen[-1][1] > seen[0][1]  # the elapsed time moved while the run was running
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(models.Rota)) == 0


def _dead_attempt(factory: sessionmaker[Session], attempts: int) -> int:
    """A run left `running` by its `attempts`-th attempt, with the figures it had written."""
    with unit_of_work(factory) as session:
        groupement = session.scalars(select(models.Groupement)).one()
        run = request_plan_run(session, groupement.id, MONDAY, 7, actor=None, time_limit_s=1.0)
        run.state = models.RunState.RUNNING
        run.attempts = attempts
        run.best_objective, run.bound, run.elapsed_seconds = 1200, 1100, 12.5
        session.flush()
        return run.id


def test_a_running_run_is_taken_over_only_when_its_attempt_is_dead(
    factory: sessionmaker[Session],
) -> None:
    run_id = _dead_attempt(factory, 1)
    assert runs.start_attempt(factory, run_id) is None  # a live attempt may hold it
    assert runs.start_attempt(factory, run_id, take_over=True) == 2
    with factory() as session:
        run = runs.get_plan_run(session, run_id)
        assert (run.state, run.attempts) == (models.RunState.RUNNING, 2)
        # Nothing of the dead attempt's figures shows.
        assert (run.best_objective, run.bound, run.elapsed_seconds) == (None, None, 0.0)
    assert runs.start_attempt(factory, run_id) is None  # now another attempt's


@pytest.mark.parametrize(("attempts", "state"), [(2, "running"), (3, "failed")])
def test_a_run_fails_once_its_third_attempt_died(
    factory: sessionmaker[Session], attempts: int, state: str
) -> None:
    run_id = _dead_attempt(factory, attempts)
    taken = runs.start_attempt(factory, run_id, take_over=True)
    assert taken == (attempts + 1 if state == "running" else None)
    with factory() as session:
        run = runs.get_plan_run(session, run_id)
        assert run.state.value == state
        if state == "failed":
            assert run.error == "abandonné après 3 tentatives interrompues"


def test_requeue_interrupted_queues_again_what_was_running_without_its_figures(
    factory: sessionmaker[Session],
) -> None:
    run_id = _dead_attempt(factory, 1)
    assert runs.requeue_interrupted(factory) == [run_id]
    with factory() as session:
        run = runs.get_plan_run(session, run_id)
        assert (run.state, run.attempts, run.started_at) == (models.RunState.QUEUED, 1, None)
        assert (run.best_objective, run.bound, run.elapsed_seconds) == (None, None, 0.0)
    assert runs.execute_plan_run(factory, run_id) == models.RunState.SUCCEEDED
    with factory() as session:
        assert runs.get_plan_run(session, run_id).attempts == 2
