"""Migrations run upgrade, downgrade to base and upgrade again on SQLite and PostgreSQL, with rows
in the tables, and the migrated schema matches the ORM models (no drift)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, select, text
from sqlalchemy.exc import IntegrityError

from scheduler import models
from scheduler.db import make_engine, make_session_factory
from scheduler.demo import load_demo
from scheduler.migrations import downgrade_to, upgrade_to_head
from scheduler.models import Base
from scheduler.uow import unit_of_work
from tests.conftest import DATABASES, POSTGRES_URL, fresh_database_url


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
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": _not_the_task_engines}
        )
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def _not_the_task_engines(name: str | None, type_: str, _parents: object) -> bool:
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


@pytest.mark.postgresql
@pytest.mark.skipif(POSTGRES_URL is None, reason="TEST_DATABASE_URL is not set")
def test_the_task_engine_schema_comes_and_goes_with_the_migrations(tmp_path: Path) -> None:
    """On PostgreSQL the head holds procrastinate's tables, functions and types; a downgrade
    before its migration leaves none of them, and upgrading again restores them."""
    url = fresh_database_url("postgresql", "engine_schema", tmp_path)

    def engine_objects() -> tuple[int, int, int]:
        engine = make_engine(url)
        with engine.connect() as connection:
            counts = tuple(
                connection.execute(text(query)).scalar_one()
                for query in (
                    "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'procrastinate%'",
                    "SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%'",
                    "SELECT count(*) FROM pg_type WHERE typname LIKE 'procrastinate%'",
                )
            )
        engine.dispose()
        return counts

    upgrade_to_head(url)
    tables, functions, types = engine_objects()
    assert tables == 4 and functions > 10 and types >= 3
    downgrade_to(url, "a7b8c9d0e1f2")
    assert engine_objects() == (0, 0, 0)
    upgrade_to_head(url)
    assert engine_objects() == (tables, functions, types)


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
            # The table as it was then (one column per kind of target): written in SQL.
            session.execute(
                text(
                    "INSERT INTO feed_token (groupement_id, kind, subscriber, token_hash,"
                    " created_at) VALUES (:groupement, 'groupement', :label, :hash, :now)"
                ),
                {
                    "groupement": groupement_id,
                    "label": label,
                    "hash": f"{label}{uuid.uuid4().hex}".ljust(64, "0")[:64],
                    "now": datetime(2026, 12, 1, tzinfo=UTC),
                },
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


_OLD_TOKEN = text(
    "INSERT INTO feed_token (groupement_id, kind, cabinet_id, assistant_id, subscriber,"
    " token_hash, created_at, revoked_at)"
    " VALUES (:groupement, :kind, :cabinet, :assistant, :subscriber, :hash, :now, :revoked)"
)


def _old_tokens(connection: Connection) -> list[tuple[object, ...]]:
    return [
        tuple(row)
        for row in connection.execute(
            text(
                "SELECT id, groupement_id, kind, cabinet_id, assistant_id, subscriber, token_hash,"
                " revoked_at IS NULL FROM feed_token ORDER BY id"
            )
        )
    ]


def test_feed_token_target_migration_moves_each_kinds_target_and_back(empty_url: str) -> None:
    """The tokens of every kind keep their feed through the migration to `target_id` and back:
    the cabinet's and assistant's ids move to `target_id` (the groupement's feed's target is its
    groupement), then back to their own columns; a token of a kind the old table cannot hold
    (per contract) goes on the way down, and the cascades of the old foreign keys hold again."""
    upgrade_to_head(empty_url)
    engine = make_engine(empty_url)
    with unit_of_work(make_session_factory(engine)) as session:
        load_demo(session)
    engine.dispose()
    downgrade_to(empty_url, "8d41f0b6c2a9-1")
    engine = make_engine(empty_url)
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    with engine.begin() as connection:
        groupement = connection.execute(text("SELECT min(id) FROM groupement")).scalar_one()
        cabinets = connection.execute(text("SELECT id FROM cabinet ORDER BY id")).scalars().all()
        assistant = connection.execute(text("SELECT min(id) FROM assistant")).scalar_one()
        rows = [
            ("cabinet", cabinets[0], None, "Accueil", None),
            ("cabinet", cabinets[1], None, "Accueil", now),  # revoked
            ("assistant", None, assistant, "Julie", None),
            ("groupement", None, None, "Secrétariat", None),
        ]
        for number, (kind, cabinet, assistant_id, subscriber, revoked) in enumerate(rows):
            connection.execute(
                _OLD_TOKEN,
                {
                    "groupement": groupement,
                    "kind": kind,
                    "cabinet": cabinet,
                    "assistant": assistant_id,
                    "subscriber": subscriber,
                    "hash": f"{number}".ljust(64, "a"),
                    "now": now,
                    "revoked": revoked,
                },
            )
        before = _old_tokens(connection)
    engine.dispose()

    upgrade_to_head(empty_url)
    engine = make_engine(empty_url)
    with make_session_factory(engine)() as session:
        moved = session.execute(
            select(
                models.FeedToken.id,
                models.FeedToken.kind,
                models.FeedToken.target_id,
                models.FeedToken.subscriber,
            ).order_by(models.FeedToken.id)
        ).all()
    assert [tuple(row) for row in moved] == [
        (before[0][0], "cabinet", cabinets[0], "Accueil"),
        (before[1][0], "cabinet", cabinets[1], "Accueil"),
        (before[2][0], "assistant", assistant, "Julie"),
        (before[3][0], "groupement", groupement, "Secrétariat"),
    ]
    with engine.begin() as connection:
        # A kind the old table does not know, as a registered kind per contract would write.
        connection.execute(
            text(
                "INSERT INTO feed_token (groupement_id, kind, target_id, subscriber, token_hash,"
                " created_at) VALUES (:groupement, 'contract', 1, 'Comptable', :hash, :now)"
            ),
            {"groupement": groupement, "hash": "c" * 64, "now": now},
        )
        # The live token of a feed and subscriber is still one.
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(
                text(
                    "INSERT INTO feed_token (groupement_id, kind, target_id, subscriber,"
                    " token_hash, created_at) VALUES (:groupement, 'cabinet', :cabinet,"
                    " 'Accueil', :hash, :now)"
                ),
                {"groupement": groupement, "cabinet": cabinets[0], "hash": "d" * 64, "now": now},
            )
    engine.dispose()

    downgrade_to(empty_url, "8d41f0b6c2a9-1")
    engine = make_engine(empty_url)
    with engine.begin() as connection:
        assert _old_tokens(connection) == before
    # The old foreign keys are back, cascading.
    keys = {
        (key["referred_table"], tuple(key["constrained_columns"]), key["options"].get("ondelete"))
        for key in inspect(engine).get_foreign_keys("feed_token")
    }
    assert keys == {
        ("groupement", ("groupement_id",), "CASCADE"),
        ("cabinet", ("cabinet_id",), "CASCADE"),
        ("assistant", ("assistant_id",), "CASCADE"),
    }
    engine.dispose()
    upgrade_to_head(empty_url)
