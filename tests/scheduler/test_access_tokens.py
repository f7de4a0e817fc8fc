"""A signed token names the account it was issued to, not only its id: once that account is gone
and its id serves another one (SQLite reuses the largest rowid), the token opens nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.auth import create_access_token, user_from_token
from scheduler.errors import AuthenticationFailed
from tests.api.factories import World, api_settings, make_world

SETTINGS = api_settings()


@pytest.fixture
def worlds(session: Session) -> tuple[World, World]:
    """Two groupements with one user of each role."""
    return make_world(session, "alpha"), make_world(session, "beta")


def _a_minute_ago() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


def _reuse_id(session: Session, gone: models.User, groupement: models.Groupement) -> models.User:
    """Delete `gone` and create a coordinator of `groupement` under its id, now."""
    user_id = gone.id
    session.delete(gone)
    session.flush()
    heir = models.User(
        id=user_id,
        groupement_id=groupement.id,
        email=f"heir-{groupement.slug}@example.fr",
        full_name="Héritière",
        password_hash="x",
        role=models.Role.COORDINATOR,
    )
    session.add(heir)
    session.flush()
    return heir


def test_a_token_still_opens_its_own_account(session: Session, worlds: tuple[World, World]) -> None:
    user = worlds[0].users["cabinet"]
    assert user_from_token(session, create_access_token(user, SETTINGS), SETTINGS) is user


def test_a_deleted_accounts_token_does_not_open_another_groupements_account_with_its_id(
    session: Session, worlds: tuple[World, World]
) -> None:
    alpha, beta = worlds
    gone = alpha.users["coordinator"]
    token = create_access_token(gone, SETTINGS, now=_a_minute_ago())
    heir = _reuse_id(session, gone, beta.groupement)
    with pytest.raises(AuthenticationFailed):
        user_from_token(session, token, SETTINGS)
    assert user_from_token(session, create_access_token(heir, SETTINGS), SETTINGS) is heir


def test_a_deleted_accounts_token_does_not_open_a_later_account_of_its_groupement_and_role(
    session: Session, worlds: tuple[World, World]
) -> None:
    alpha, _ = worlds
    gone = alpha.users["coordinator"]
    token = create_access_token(gone, SETTINGS, now=_a_minute_ago())
    _reuse_id(session, gone, alpha.groupement)
    with pytest.raises(AuthenticationFailed):
        user_from_token(session, token, SETTINGS)
