"""Migrations run upgrade, downgrade to base and upgrade again on SQLite and PostgreSQL, with rows
in the tables, and the migrated schema matches the ORM models (no drift)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from scheduler import models
from scheduler.db import make_engine, make_session_factory
from scheduler.demo import load_demo
from scheduler.migrations import downgrade_to, upgrade_to_head
from scheduler.models import Base
from scheduler.uow import unit_of_work
from tests.conftest import DATABASES, fresh_database_url


@pytest.fixture(params=DATABASES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh empty database of each kind."""
    return fresh_database_url(request.param, "migrations", tmp_path)


def test_migrations_upgrade_downgrade_upgrade_with_rows(empty_url: str) -> None:
    upgrade_to_head(empty_url)
    engine = make_engine(empty_url)
    with unit_of_work(make_session_factory(engine)) as session:
        load_demo(session)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM cabinet")).scalar_one() == 7
    engine.dispose()

    downgrade_to(empty_url, "base")
    engine = make_engine(empty_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()

    upgrade_to_head(empty_url)
    engine = make_engine(empty_url)
    with unit_of_work(make_session_factory(engine)) as session:
        load_demo(session)
    engine.dispose()


def test_migrated_schema_matches_the_models(empty_url: str) -> None:
    upgrade_to_head(empty_url)
    engine = make_engine(empty_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_two_migrations_at_once_on_postgresql_take_turns(empty_url: str) -> None:
    """An operator's `partagenda migrate` beside the compose service's: the second waits for the
    first (an advisory lock), then has nothing left to do; neither fails."""
    if not empty_url.startswith("postgresql"):
        pytest.skip("SQLite deployments have one migrator (the CLI or the demo)")
    code = (
        "import sys; from scheduler.migrations import upgrade_to_head; upgrade_to_head(sys.argv[1])"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", code, empty_url], stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    errors = [run.communicate(timeout=120)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    engine = make_engine(empty_url)
    try:
        with engine.connect() as connection:
            heads = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert len(heads) == 1
        assert "rendered_report" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_one_active_run_migration_settles_rows_that_break_its_rules(empty_url: str) -> None:
    """Runs and links left by the races before the rules existed: the later overlapping active
    runs are cancelled (a running one is kept first), the older duplicate live links revoked."""
    upgrade_to_head(empty_url)
    downgrade_to(empty_url, "c41d7e2a9b53-1")
    engine = make_engine(empty_url)
    monday = date(2027, 1, 4)
    with unit_of_work(make_session_factory(engine)) as session:
        # The groupement as the schema of that revision has it (the model has columns since).
        session.execute(
            text(
                "INSERT INTO groupement (slug, name, timezone, created_at, version) "
                "VALUES ('g', 'G', 'Europe/Paris', CURRENT_TIMESTAMP, 1)"
            )
        )
        groupement = session.scalars(select(models.Groupement.id).where(text("slug = 'g'")))
        groupement_id = groupement.one()
        for state, start, days in [
            (models.RunState.QUEUED, monday, 7),  # overlaps the running one: cancelled
            (models.RunState.RUNNING, monday, 14),
            (models.RunState.QUEUED, monday + timedelta(days=7), 7),  # idem
            (models.RunState.QUEUED, monday + timedelta(days=28), 7),
            (models.RunState.QUEUED, monday + timedelta(days=28), 7),  # overlaps the one above
        ]:
            session.add(
                models.PlanRun(
                    groupement_id=groupement_id, period_start=start, period_days=days, state=state
                )
            )
        for label in ("Accueil", "Accueil", "Secrétariat"):
            session.add(
                models.FeedToken(
                    groupement_id=groupement_id,
                    kind=models.FeedKind.GROUPEMENT,
                    subscriber=label,
                    token_hash=f"{label}{uuid.uuid4().hex}".ljust(64, "0")[:64],
                )
            )
    engine.dispose()

    upgrade_to_head(empty_url)
    engine = make_engine(empty_url)
    with make_session_factory(engine)() as session:
        states = list(session.scalars(select(models.PlanRun.state).order_by(models.PlanRun.id)))
        live = session.execute(
            select(models.FeedToken.subscriber, models.FeedToken.id)
            .where(models.FeedToken.revoked_at.is_(None))
            .order_by(models.FeedToken.id)
        ).all()
    engine.dispose()
    cancelled, running, queued = (
        models.RunState.CANCELLED,
        models.RunState.RUNNING,
        models.RunState.QUEUED,
    )
    assert states == [cancelled, running, cancelled, queued, cancelled]
    assert [(label, token_id) for label, token_id in live] == [("Accueil", 2), ("Secrétariat", 3)]
