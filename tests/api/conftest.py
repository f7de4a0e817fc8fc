"""API fixtures: an app whose session is the test's rolled-back session, a world of two
groupements, and bearer headers per role."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    # Starlette 1.10 asks for httpx2 in its test client; httpx 0.28 still works (see the report).
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.deps import get_session
from api.main import create_app
from api.pages import install_pages
from scheduler import models
from scheduler.auth import create_access_token
from tests.api.factories import World, api_settings, make_world

SETTINGS = api_settings()


@pytest.fixture(scope="session")
def shared_app() -> FastAPI:
    """One app for the whole run: its first request compiles the routes, which is slow."""
    return create_app(SETTINGS)


@pytest.fixture
def app(shared_app: FastAPI, session: Session) -> Iterator[FastAPI]:
    """The app, reading and writing through the test's session."""
    shared_app.dependency_overrides[get_session] = lambda: session
    shared_app.state.sign_in_limiter = None  # each test starts with no sign-in attempt counted
    yield shared_app
    shared_app.dependency_overrides.pop(get_session, None)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client of the app that raises no server exception (they must become 500 problems)."""
    with TestClient(app, raise_server_exceptions=True) as test_client:
        yield test_client


@pytest.fixture
def world(session: Session) -> World:
    """The groupement the tests act in."""
    return make_world(session, "alpha")


@pytest.fixture
def other_world(session: Session) -> World:
    """Another groupement, whose data must never leak."""
    return make_world(session, "beta")


def bearer(user: models.User) -> dict[str, str]:
    """Authorization header for `user`."""
    return {"Authorization": f"Bearer {create_access_token(user, SETTINGS)}"}


@pytest.fixture
def coordinator(world: World) -> dict[str, str]:
    """Headers of the world's coordinator."""
    return bearer(world.users["coordinator"])


@pytest.fixture(scope="module")
def pages_app() -> FastAPI:
    """The API's app with the pages installed."""
    app = create_app(SETTINGS)
    install_pages(app)
    return app


@pytest.fixture
def web(pages_app: FastAPI, session: Session) -> Iterator[TestClient]:
    """A browser-like client (cookies kept, redirects not followed) on the test's session."""
    pages_app.dependency_overrides[get_session] = lambda: session
    pages_app.state.sign_in_limiter = None
    with TestClient(pages_app, follow_redirects=False) as client:
        yield client
    pages_app.dependency_overrides.pop(get_session, None)
