"""The national re-plan (scheduler.services.national_replan and `partagenda replan-national`):
one run per groupement for the week, with the same idempotency key, queued once however often it
is asked; a groupement whose week is already being planned is left to its run and named; on
PostgreSQL each run is a task of the engine, deferred with it; the figures count the runs by
state and their throughput once one ended. The command runs them on SQLite (no worker there),
follows them to their end and prints the figures; a week that is no ISO week exits 2."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from scheduler import models
from scheduler.cli import app
from scheduler.config import get_settings
from scheduler.db import make_engine, make_session_factory
from scheduler.demo import load_demo
from scheduler.engine import has_workers
from scheduler.migrations import upgrade_to_head
from scheduler.runs import request_plan_run, run_pending_inline
from scheduler.services.national_replan import replan_figures, request_national_replan
from scheduler.uow import unit_of_work
from tests.conftest import DATABASES, fresh_database_url

WEEK = date(2026, 12, 14)


@pytest.fixture(params=DATABASES)
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh database holding the demo and two more groupements, one of which
    already plans the week."""
    url = fresh_database_url(request.param, "national_replan", tmp_path)
    upgrade_to_head(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as session:
        load_demo(session)
        for slug in ("libre", "occupe"):
            session.add(models.Groupement(slug=slug, name=f"Groupement {slug}"))
        session.flush()
        busy = session.scalars(
            select(models.Groupement).where(models.Groupement.slug == "occupe")
        ).one()
        request_plan_run(session, busy.id, WEEK, 7, actor=None)
    yield sessions
    engine.dispose()


def test_every_free_groupement_gets_one_run_and_the_busy_one_is_named(
    factory: sessionmaker[Session],
) -> None:
    with unit_of_work(factory) as session:
        first = request_national_replan(session, WEEK, actor=None, time_limit_s=1.0)
    with unit_of_work(factory) as session:
        again = request_national_replan(session, WEEK, actor=None, time_limit_s=1.0)
    assert (first.total, first.queued, first.busy_elsewhere) == (2, 2, ["occupe"])
    assert (again.total, again.busy_elsewhere) == (2, ["occupe"])  # nothing queued twice
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(models.PlanRun)) == 3
        if has_workers(factory.kw["bind"]):
            tasks = session.execute(
                text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'plan-run'")
            ).scalar_one()
            assert tasks == 3  # the busy groupement's own run, and one per re-planned groupement


def test_the_figures_count_the_runs_by_state_and_their_throughput(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session:
        assert replan_figures(session, WEEK).total == 0
    with unit_of_work(factory) as session:
        request_national_replan(session, WEEK, actor=None, time_limit_s=1.0)
    # On the clock (1 s each), as a worker plans: the figures count runs, whatever their rotas.
    run_pending_inline(factory, deterministic=False)
    with factory() as session:
        figures = replan_figures(session, WEEK)
    assert (figures.total, figures.succeeded + figures.failed, figures.queued) == (2, 2, 0)
    assert figures.throughput_per_s is not None and figures.throughput_per_s > 0


def test_a_week_that_is_no_monday_is_refused(factory: sessionmaker[Session]) -> None:
    from scheduler.errors import InvalidField

    with unit_of_work(factory) as session, pytest.raises(InvalidField) as refused:
        request_national_replan(session, date(2026, 12, 15), actor=None)
    assert refused.value.field == "week"


def test_the_command_plans_every_groupement_and_prints_the_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fresh_database_url("sqlite", "replan_command", tmp_path)
    upgrade_to_head(url)
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        load_demo(session)
    engine.dispose()
    monkeypatch.setenv("PARTAGENDA_DATABASE_URL", url)
    get_settings.cache_clear()  # settings read by an earlier test in this process are cached
    try:
        runner = CliRunner()
        answer = runner.invoke(app, ["replan-national", "--week", "2026-W51", "--time-limit", "1"])
        assert answer.exit_code == 0, answer.output
        assert "1 calcul(s) demandé(s)" in answer.output
        assert "faits 1, échoués 0" in answer.output
        wrong = runner.invoke(app, ["replan-national", "--week", "2026-W5x"])
        assert wrong.exit_code == 2
    finally:
        get_settings.cache_clear()
