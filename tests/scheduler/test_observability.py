"""Rules under test: the served API writes JSON log lines with one access line per request, by
route template, never a feed token; database errors reach the logs without their SQL parameters
or the row data the driver quotes (PostgreSQL's `DETAIL: Key (...)=(...)`); APScheduler's own
table is not taken for drift by `alembic check`."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alembic import command
from scheduler import models
from scheduler.migrations import alembic_config, upgrade_to_head
from scheduler.observability import JsonFormatter, RedactingFilter, describe_database_error
from tests.conftest import DATABASES, fresh_database_url
from tests.live import free_port

PRIVATE_NAME = "Groupement de Mme Perrine Quenouille"


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_served_api_writes_a_json_access_log_without_tokens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'served.db'}"
    upgrade_to_head(url)
    port = free_port()
    env = {**os.environ, "PARTAGENDA_DATABASE_URL": url, "PARTAGENDA_LOG_JSON": "true"}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("partagenda")), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(f"http://127.0.0.1:{port}/livez") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
            time.sleep(0.1)
        assert _get(f"http://127.0.0.1:{port}/feeds/secret-feed-token-4242.ics") == 404
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert "secret-feed-token-4242" not in stderr
    access = [line for line in lines if line.get("logger") == "api.access"]
    assert {(line["method"], line["route"], line["status"]) for line in access} >= {
        ("GET", "/livez", 200),
        ("GET", "/feeds/{token}.ics", 404),
    }
    assert all(line["level"] == "info" and line["time"].endswith("+00:00") for line in access)
    assert all("T" in line["time"] for line in access)
    # uvicorn's own lines come through the same JSON handler.
    assert any(line["logger"].startswith("uvicorn") for line in lines)


@pytest.fixture(params=DATABASES)
def logged_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    from scheduler.db import make_engine

    url = fresh_database_url(request.param, "logs", tmp_path)
    upgrade_to_head(url)
    return make_engine(url)


def _log_through_the_service_handler(error: IntegrityError) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.observability")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("integrity error reached the edge: %s", error)
        logger.error("unhandled", exc_info=error)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return stream.getvalue()


def test_database_errors_are_logged_without_parameters_or_row_data(
    logged_engine: Engine,
) -> None:
    with Session(logged_engine) as session:
        session.add(models.Groupement(slug="quenouille", name=PRIVATE_NAME))
        session.commit()
        session.add(models.Groupement(slug="quenouille", name=PRIVATE_NAME))
        with pytest.raises(IntegrityError) as caught:
            session.commit()
    logged_engine.dispose()
    text = _log_through_the_service_handler(caught.value)
    for secret in (PRIVATE_NAME, "Quenouille", "quenouille"):
        assert secret not in text, text
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["message"].startswith("integrity error reached the edge: IntegrityError")
    assert lines[1]["exception"].startswith("Traceback")
    described = describe_database_error(caught.value)
    if logged_engine.dialect.name == "postgresql":
        assert "constraint=uq_groupement_slug" in described
        assert "sqlstate=23505" in described
    else:
        assert "reason=UNIQUE constraint failed" in described


def test_an_engine_without_hidden_parameters_would_leak_them(tmp_path: Path) -> None:
    # The check above has teeth: a plain engine's error carries the row's values.
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    upgrade_to_head(url)
    engine = create_engine(url)
    with Session(engine) as session:
        session.add(models.Groupement(slug="quenouille", name=PRIVATE_NAME))
        session.commit()
        session.add(models.Groupement(slug="quenouille", name=PRIVATE_NAME))
        with pytest.raises(IntegrityError) as caught:
            session.commit()
    engine.dispose()
    assert PRIVATE_NAME in str(caught.value)
    assert PRIVATE_NAME not in _log_through_the_service_handler(caught.value)


@pytest.mark.parametrize("database", DATABASES)
def test_alembic_check_ignores_the_job_store_table(database: str, tmp_path: Path) -> None:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    from scheduler.db import make_engine
    from scheduler.jobs import JOB_TABLE

    url = fresh_database_url(database, "check", tmp_path)
    upgrade_to_head(url)
    engine = make_engine(url)
    store = SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)
    store.start(None, "default")  # creates APScheduler's table, as the jobs process does
    store.shutdown()
    engine.dispose()
    command.check(alembic_config(url))  # raises AutogenerateDiffsDetected on drift
