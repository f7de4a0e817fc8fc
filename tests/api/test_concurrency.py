"""No lost update: 50 threads, each request with its own session on a real committed database,
PATCH one contract with the same If-Match: exactly one wins and 49 get 412. Then writers retry
with the fresh ETag: every change lands once, one per version, with one audit row per win."""

from __future__ import annotations

import threading
import warnings
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.main import create_app
from scheduler import models
from scheduler.db import make_engine, make_session_factory
from scheduler.migrations import upgrade_to_head
from tests.api.conftest import bearer
from tests.api.factories import World, api_settings, make_world
from tests.conftest import DATABASES, fresh_database_url

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

THREADS = 50
RETRYING = 12  # round 2 costs O(n^2) attempts; a dozen writers show that nothing is lost
API = "/api/v1"


@pytest.fixture(params=DATABASES)
def committed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, World]]:
    """A fresh migrated database holding a committed world; its URL and the world."""
    url = fresh_database_url(request.param, "concurrency", tmp_path)
    upgrade_to_head(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        world = make_world(session, "alpha")
        session.commit()
    yield url, world
    engine.dispose()


def _audit_versions(url: str, contract_id: int) -> list[int]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            rows = session.scalars(
                select(models.AuditLog).where(
                    models.AuditLog.entity == "contract",
                    models.AuditLog.entity_id == str(contract_id),
                    models.AuditLog.action == "update",
                )
            ).all()
            return [row.before["version"] for row in rows if row.before]
    finally:
        engine.dispose()


@pytest.mark.slow
def test_concurrent_updates_lose_nothing(committed: tuple[str, World]) -> None:
    url, world = committed
    contract = world.contracts[0]
    headers = bearer(world.users["coordinator"])
    app = create_app(api_settings(url))
    path = f"{API}/contracts/{contract.id}"
    with TestClient(app) as client:
        first = client.get(path, headers=headers)
        assert first.status_code == 200
        etag, version = first.headers["ETag"], first.json()["version"]

        # Round 1: everybody holds the same ETag; exactly one may win.
        barrier = threading.Barrier(THREADS)

        def same_etag(i: int) -> int:
            barrier.wait()
            response = client.patch(
                path, json={"name": f"Premier {i}"}, headers={**headers, "If-Match": etag}
            )
            status: int = response.status_code
            return status

        with ThreadPoolExecutor(THREADS) as pool:
            statuses = Counter(pool.map(same_etag, range(THREADS)))
        assert statuses == Counter({200: 1, 412: THREADS - 1})

        # Round 2: everybody retries with the ETag it reads until its change lands.
        def until_it_lands(i: int) -> tuple[int, int]:
            refused = 0
            for _ in range(500):
                read = client.get(path, headers=headers)
                response = client.patch(
                    path,
                    json={"name": f"Contrat {i}"},
                    headers={**headers, "If-Match": read.headers["ETag"]},
                )
                if response.status_code == 200:
                    return response.json()["version"], refused
                assert response.status_code == 412, response.text
                refused += 1
            raise AssertionError("never landed")

        with ThreadPoolExecutor(RETRYING) as pool:
            results = list(pool.map(until_it_lands, range(RETRYING)))

        won = sorted(v for v, _ in results)
        assert won == list(range(version + 2, version + 2 + RETRYING))
        final = client.get(path, headers=headers).json()
        assert final["version"] == version + 1 + RETRYING
        assert final["name"] in {f"Contrat {i}" for i in range(RETRYING)}

    # One audit row per win, each from a distinct version: no update went unrecorded or twice.
    before_versions = _audit_versions(url, contract.id)
    assert sorted(before_versions) == list(range(version, version + 1 + RETRYING))
