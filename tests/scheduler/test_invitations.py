"""Users invited by e-mail, against a real SMTP server (aiosmtpd on 127.0.0.1).

Rules under test: an invitation creates an inactive user and stages its e-mail in the same unit
of work, and nothing leaves before the jobs process sends it; the e-mail carries, in French, a
one-time link whose token is stored hashed only; the link opens the form until 72 h after it was
sent and not at that moment or after; choosing the password activates the account and spends the
link; inviting again revokes the earlier links; an invitation revoked before it is sent is never
sent; a refused address is retried, then failed with the server's answer, and the coordinator
sees it; deactivating closes the account and its links, never one's own; only a coordinator
invites. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scheduler import models
from scheduler.auth import authenticate, create_access_token, user_from_token
from scheduler.db import make_engine, make_session_factory
from scheduler.errors import (
    AccountStateConflict,
    AuthenticationFailed,
    DuplicateResource,
    Forbidden,
    InvalidField,
    NotFound,
)
from scheduler.jobs import JobContext, send_invitations
from scheduler.migrations import upgrade_to_head
from scheduler.notices.delivery import BATCH
from scheduler.notices.invitation_mail import INVITATION_VALID
from scheduler.security import token_digest
from scheduler.services import invitations
from scheduler.uow import unit_of_work
from tests.conftest import DATABASES, fresh_database_url
from tests.scheduler.planning_world import make_mini
from tests.scheduler.test_notice_emails import REFUSED, Inbox, _settings, smtp

__all__ = ["smtp"]  # the SMTP server fixture, shared with the change notices' tests

SENT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
NEW_MAIL = "nouvelle.assistante@example.fr"


@dataclass
class World:
    ctx: JobContext
    factory: sessionmaker[Session]
    ids: dict[str, int]


@pytest.fixture(params=DATABASES)
def world(
    request: pytest.FixtureRequest, tmp_path: Path, smtp: tuple[Inbox, int]
) -> Iterator[World]:
    """A fresh, migrated database with the tiny groupement and its users."""
    url = fresh_database_url(request.param, "invitations", tmp_path)
    upgrade_to_head(url)
    engine = make_engine(url)
    ctx = JobContext(_settings(url, tmp_path, smtp[1]), engine, make_session_factory(engine))
    with unit_of_work(ctx.factory) as session:
        mini = make_mini(session, "inv")
        ids = {name: user.id for name, user in mini.users.items()}
        ids["x"] = mini.assistants["x"].id
    yield World(ctx, ctx.factory, ids)
    ctx.engine.dispose()


def _actor(session: Session, world: World, name: str = "coordinator") -> models.User:
    user = session.get(models.User, world.ids[name])
    assert user is not None
    return user


def _invite(world: World, address: str = NEW_MAIL) -> int:
    with world.factory() as session:
        user = invitations.invite(
            session,
            _actor(session, world),
            email=address,
            full_name="Inès Garnier",
            role=models.Role.ASSISTANT,
            assistant_id=world.ids["x"],
            now=SENT,
        )
        return user.id


def _rows(world: World) -> list[models.UserInvitation]:
    with world.factory() as session:
        return list(
            session.scalars(select(models.UserInvitation).order_by(models.UserInvitation.id))
        )


def _token(inbox: Inbox, address: str = NEW_MAIL, index: int = -1) -> str:
    body = inbox.to(address)[index].get_content()
    link = re.search(r"(http\S+/invitation\?jeton=\S+)", body)
    assert link is not None, body
    return parse_qs(urlparse(link[1]).query)["jeton"][0]


def test_an_invitation_is_staged_sent_in_french_and_sets_the_password_once(
    world: World, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    user_id = _invite(world)
    (row,) = _rows(world)
    assert (row.user_id, row.recipient, row.state, row.token_hash) == (
        user_id,
        NEW_MAIL,
        models.EmailState.PENDING,
        None,
    )
    with world.factory() as session:
        invited = session.get(models.User, user_id)
        assert invited is not None and not invited.is_active
    assert inbox.messages == []  # nothing leaves before the jobs process sends it

    done = send_invitations(world.ctx, now=SENT)
    assert done.sent == [row.id]
    (message,) = inbox.to(NEW_MAIL)
    assert message["Subject"] == "Invitation à Partagenda – GE inv"
    body = message.get_content()
    assert "Bonjour Inès Garnier," in body
    assert "Il est valable jusqu'au jeudi 10 décembre 2026 à 10:00" in body
    token = _token(inbox)
    (sent,) = _rows(world)
    assert sent.token_hash == token_digest(token) and token not in (sent.token_hash or "")
    assert sent.expires_at == SENT + INVITATION_VALID

    with world.factory() as session:
        with pytest.raises(AuthenticationFailed):
            authenticate(session, NEW_MAIL, "un mot de passe sûr", now=SENT)
    with world.factory() as session:
        person = invitations.accept(
            session, token, "un mot de passe sûr", "un mot de passe sûr", now=SENT
        )
        assert person.id == user_id and person.is_active
    with world.factory() as session:
        assert authenticate(session, NEW_MAIL, "un mot de passe sûr", now=SENT).id == user_id
        with pytest.raises(NotFound):  # spent
            invitations.accept(session, token, "un autre mot", "un autre mot", now=SENT)
        actions = session.scalars(
            select(models.AuditLog.action)
            .where(models.AuditLog.entity == "user", models.AuditLog.entity_id == str(user_id))
            .order_by(models.AuditLog.id)
        ).all()
        assert actions == ["create", "invite", "accept_invitation"]


@pytest.mark.parametrize(
    ("after", "opens"),
    [
        (INVITATION_VALID - timedelta(seconds=1), True),
        (INVITATION_VALID, False),
        (INVITATION_VALID + timedelta(seconds=1), False),
    ],
)
def test_the_link_opens_the_form_until_72_hours_after_it_was_sent(
    world: World, smtp: tuple[Inbox, int], after: timedelta, opens: bool
) -> None:
    _invite(world)
    send_invitations(world.ctx, now=SENT)
    token = _token(smtp[0])
    with world.factory() as session:
        assert (invitations.open_invitation(session, token, now=SENT + after) is not None) is opens
        if not opens:
            with pytest.raises(NotFound):
                invitations.accept(session, token, "motdepasse", "motdepasse", now=SENT + after)


def test_a_password_that_breaks_its_rule_is_named_and_spends_nothing(
    world: World, smtp: tuple[Inbox, int]
) -> None:
    _invite(world)
    send_invitations(world.ctx, now=SENT)
    token = _token(smtp[0])
    with world.factory() as session:
        with pytest.raises(InvalidField) as short:
            invitations.accept(session, token, "7-carac", "7-carac", now=SENT)
        assert (short.value.field, short.value.rule) == ("password", "value")
        with pytest.raises(InvalidField) as differ:
            invitations.accept(session, token, "huit car", "huit cat", now=SENT)
        assert (differ.value.field, differ.value.rule) == ("password_again", "match")
        assert invitations.open_invitation(session, token, now=SENT) is not None
        assert invitations.accept(session, token, "huit car", "huit car", now=SENT).is_active


def test_inviting_again_revokes_the_earlier_link_and_an_active_account_is_refused(
    world: World, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    user_id = _invite(world)
    send_invitations(world.ctx, now=SENT)
    first = _token(inbox)
    with world.factory() as session:
        invitations.invite_again(session, _actor(session, world), user_id, now=SENT)
    send_invitations(world.ctx, now=SENT)
    second = _token(inbox)
    assert first != second and len(inbox.to(NEW_MAIL)) == 2
    with world.factory() as session:
        assert invitations.open_invitation(session, first, now=SENT) is None
        assert invitations.accept(session, second, "motdepasse", "motdepasse", now=SENT)
    with world.factory() as session:
        with pytest.raises(AccountStateConflict):
            invitations.invite_again(session, _actor(session, world), user_id, now=SENT)


def test_an_invitation_revoked_before_it_is_sent_is_never_sent(
    world: World, smtp: tuple[Inbox, int]
) -> None:
    user_id = _invite(world)
    with world.factory() as session:
        invitations.deactivate(session, _actor(session, world), user_id, now=SENT)
    assert send_invitations(world.ctx, now=SENT).sent == []
    assert smtp[0].messages == []
    (row,) = _rows(world)
    assert row.revoked_at is not None and row.state is models.EmailState.PENDING


def test_revoked_invitations_never_fill_a_batch_of_the_sender(
    world: World, smtp: tuple[Inbox, int]
) -> None:
    user_id = _invite(world)
    with world.factory() as session:
        for _ in range(BATCH):
            invitations.invite_again(session, _actor(session, world), user_id, now=SENT)
    assert len(_rows(world)) == BATCH + 1  # all but the last revoked, none sent yet
    (live,) = [row for row in _rows(world) if row.revoked_at is None]
    assert send_invitations(world.ctx, now=SENT).sent == [live.id]
    assert len(smtp[0].to(NEW_MAIL)) == 1


def test_an_address_the_headers_refuse_is_refused_at_the_invitation(world: World) -> None:
    with world.factory() as session:
        with pytest.raises(InvalidField) as refused:
            invitations.invite(
                session,
                _actor(session, world),
                email="a@example.fr\nBcc: b@example.fr",
                full_name="Inès Garnier",
                role=models.Role.COORDINATOR,
            )
        assert (refused.value.field, refused.value.rule) == ("email", "format")
    assert _rows(world) == []


def test_a_refused_address_is_retried_then_failed_and_shown_to_the_coordinator(
    world: World,
) -> None:
    _invite(world, REFUSED)
    (row,) = _rows(world)
    assert send_invitations(world.ctx, now=SENT).retried == [row.id]
    assert send_invitations(world.ctx, now=SENT + timedelta(seconds=60)).retried == [row.id]
    assert send_invitations(world.ctx, now=SENT + timedelta(seconds=180)).failed == [row.id]
    with world.factory() as session:
        (standing,) = [
            s
            for s in invitations.standings(session, _actor(session, world))
            if s.user.email == REFUSED
        ]
        assert standing.status == "invitation_failed"
        assert standing.invitation is not None
        assert "550" in (standing.invitation.last_error or "")


def test_deactivating_closes_the_account_and_its_sessions_even_once_reopened(
    world: World, smtp: tuple[Inbox, int]
) -> None:
    settings = world.ctx.settings
    with world.factory() as session:
        cabinet = _actor(session, world, "cabinet")
        # A session opened when the account was; it is closed two seconds later (a token's
        # `iat` is whole seconds).
        issued = cabinet.created_at
        before = create_access_token(cabinet, settings, now=issued)
        assert user_from_token(session, before, settings).id == world.ids["cabinet"]
    with world.factory() as session:
        invitations.deactivate(
            session, _actor(session, world), world.ids["cabinet"], now=issued + timedelta(seconds=2)
        )
    with world.factory() as session:
        with pytest.raises(AuthenticationFailed):
            user_from_token(session, before, settings)
        invitations.invite_again(session, _actor(session, world), world.ids["cabinet"])
    send_invitations(world.ctx)
    token = _token(smtp[0], "cab@inv.fr")
    with world.factory() as session:
        invitations.accept(
            session, token, "nouveau secret", "nouveau secret", now=issued + timedelta(seconds=3)
        )
    with world.factory() as session:
        assert authenticate(session, "cab@inv.fr", "nouveau secret").is_active
        with pytest.raises(AuthenticationFailed):  # reopened, yet the old session stays dead
            user_from_token(session, before, settings)


def test_deactivating_closes_the_account_and_never_ones_own(world: World) -> None:
    with world.factory() as session:
        coordinator = _actor(session, world)
        invitations.deactivate(session, coordinator, world.ids["cabinet"], now=SENT)
    with world.factory() as session:
        cabinet = session.get(models.User, world.ids["cabinet"])
        assert cabinet is not None and not cabinet.is_active
        with pytest.raises(AuthenticationFailed):
            authenticate(session, "cab@inv.fr", "whatever-it-was", now=SENT)
        with pytest.raises(AccountStateConflict):
            invitations.deactivate(session, _actor(session, world), world.ids["coordinator"])
        statuses = {s.user.id: s.status for s in invitations.standings(session, coordinator)}
        assert statuses[world.ids["cabinet"]] == "deactivated"
        assert statuses[world.ids["coordinator"]] == "active"


def test_a_link_opened_after_its_deactivation_or_expiry_sets_no_password(
    world: World, smtp: tuple[Inbox, int]
) -> None:
    user_id = _invite(world)
    send_invitations(world.ctx, now=SENT)
    token = _token(smtp[0])
    with world.factory() as session:
        # Expired: refused before the password is even read.
        with pytest.raises(NotFound):
            invitations.accept(session, token, "court", "court", now=SENT + INVITATION_VALID)
        invitations.deactivate(session, _actor(session, world), user_id, now=SENT)
    with world.factory() as session:
        with pytest.raises(NotFound):
            invitations.accept(session, token, "motdepasse", "motdepasse", now=SENT)
        invited = session.get(models.User, user_id)
        assert invited is not None and not invited.is_active
        standing = list(invitations.standings(session, _actor(session, world), now=SENT))
        assert {s.user.id: s.status for s in standing}[user_id] == "deactivated"


def test_an_unsent_invitation_expires_in_the_list(world: World, smtp: tuple[Inbox, int]) -> None:
    user_id = _invite(world)
    send_invitations(world.ctx, now=SENT)
    with world.factory() as session:
        coordinator = _actor(session, world)
        at = {
            when: {
                s.user.id: s.status for s in invitations.standings(session, coordinator, now=when)
            }
            for when in (SENT + INVITATION_VALID - timedelta(seconds=1), SENT + INVITATION_VALID)
        }
    assert [status[user_id] for status in at.values()] == ["invited", "invitation_expired"]


def test_a_coordinator_cannot_deactivate_a_national_reader(world: World) -> None:
    with world.factory() as session:
        national = models.User(
            groupement_id=_actor(session, world).groupement_id,
            email="national@ameli.example.fr",
            full_name="Lecture nationale",
            password_hash="x",
            role=models.Role.NATIONAL,
        )
        session.add(national)
        session.commit()
        with pytest.raises(Forbidden):
            invitations.deactivate(session, _actor(session, world), national.id, now=SENT)


def test_only_a_coordinator_invites_and_an_address_is_taken_once(world: World) -> None:
    with world.factory() as session:
        with pytest.raises(Forbidden):
            invitations.invite(
                session,
                _actor(session, world, "cabinet"),
                email=NEW_MAIL,
                full_name="Inès Garnier",
                role=models.Role.COORDINATOR,
            )
    _invite(world)
    with world.factory() as session:
        with pytest.raises(DuplicateResource):
            invitations.invite(
                session,
                _actor(session, world),
                email=NEW_MAIL.upper(),
                full_name="Autre",
                role=models.Role.COORDINATOR,
            )
    assert len(_rows(world)) == 1
