"""Run the Alembic migrations from code (the CLI, the demo and the tests use this)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic.config import Config
from sqlalchemy import text

from alembic import command
from scheduler.db import make_engine
from scheduler.locks import advisory_key
from scheduler.uow import connection_unit

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the project's migrations and `url`."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(url: str) -> None:
    """Bring the database at `url` to the latest schema."""
    _run(url, lambda config: command.upgrade(config, "head"))


def downgrade_to(url: str, revision: str) -> None:
    """Take the database at `url` down to `revision` (`base` empties it)."""
    _run(url, lambda config: command.downgrade(config, revision))


def _run(url: str, action: Callable[[Config], None]) -> None:
    engine = make_engine(url)
    try:
        with connection_unit(engine) as connection:
            if connection.dialect.name == "postgresql":
                # Two processes migrating at once (an operator beside the compose service) take
                # turns: the second waits for the first's commit, then finds nothing left to do.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key("migrations")}
                )
            config = alembic_config(url)
            config.attributes["connection"] = connection
            action(config)
    finally:
        engine.dispose()
