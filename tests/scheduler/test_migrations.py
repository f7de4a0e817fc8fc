"""Migrations run upgrade, downgrade to base and upgrade again on SQLite and PostgreSQL, with rows
in the tables, and the migrated schema matches the ORM models (no drift)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from scheduler.db import make_engine, make_session_factory, unit_of_work
from scheduler.demo import load_demo
from scheduler.migrations import downgrade_to, upgrade_to_head
from scheduler.models import Base
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
