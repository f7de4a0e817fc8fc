"""Users invited by e-mail: how a coordinator adds a user, and how that user sets her password.

The coordinator names the person (e-mail, name, role and the row she acts for); the user is
created inactive, with a password nobody knows, and an invitation is staged in the same unit of
work (`models.UserInvitation`, the invitations' outbox). The jobs process sends it
(`scheduler.notices.delivery`): the link's one-time token is issued at that moment, only its hash
is kept, and it is valid for `INVITATION_VALID`. Opening the link shows a form to choose a
password; submitting it spends the token and activates the account. Inviting again revokes the
earlier links; deactivating a user closes her account and revokes her links.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from scheduler import access, models, uow
from scheduler.audit import record_audit
from scheduler.auth import create_user
from scheduler.errors import AccountStateConflict, Forbidden, InvalidField, NotFound
from scheduler.security import hash_password, token_digest
from scheduler.services.first_run import EMAIL


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def invite(
    session: Session,
    actor: models.User,
    *,
    email: str,
    full_name: str,
    role: models.Role | str,
    cabinet_id: int | None = None,
    assistant_id: int | None = None,
    granted_contract_ids: list[int] | None = None,
    now: datetime | None = None,
) -> models.User:
    """Create an inactive user of the actor's groupement and stage her invitation, in one unit
    of work.

    Raises:
        Forbidden: the actor does not manage the groupement's users, or the role is created by
            the CLI only.
        InvalidField: a field breaks its rule (`email`, `full_name`, `cabinet_id`...).
        DuplicateResource: a user has that e-mail address.
    """
    access.require(actor, access.Action.MANAGE)
    full_name = full_name.strip()
    if not 1 <= len(full_name) <= 200 or any(ord(char) < 32 for char in full_name):
        raise InvalidField("full_name", "format", "un nom de 1 à 200 caractères")
    email = email.strip()
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise InvalidField("email", "format", "ce n'est pas une adresse e-mail")
    uow.begin_write(session)
    groupement = session.get(models.Groupement, actor.groupement_id)
    if groupement is None:
        raise NotFound("groupement", actor.groupement_id)
    try:
        user = create_user(
            session,
            groupement.slug,
            email,
            full_name,
            secrets.token_urlsafe(32),  # known to nobody: the invitation sets the real one
            role,
            cabinet_id=cabinet_id,
            assistant_id=assistant_id,
            granted_contract_ids=granted_contract_ids,
            actor=actor,
            active=False,
            commit=False,
        )
        _stage(session, actor, user, _now(now))
        uow.commit(session)
    except BaseException:
        uow.rollback(session)
        raise
    return user


def invite_again(
    session: Session, actor: models.User, user_id: int, *, now: datetime | None = None
) -> models.UserInvitation:
    """A new invitation for a user who has not set her password yet, or who was deactivated;
    her earlier links stop working.

    Raises:
        NotFound: no such user in the actor's view (`path.user_id`).
        AccountStateConflict: the account is active: its owner signs in with her password.
    """
    user = _managed(session, actor, user_id)
    if user.is_active:
        raise AccountStateConflict("ce compte est actif : sa titulaire se connecte déjà")
    row = _stage(session, actor, user, _now(now))
    uow.commit(session)
    return row


def deactivate(
    session: Session, actor: models.User, user_id: int, *, now: datetime | None = None
) -> models.User:
    """Close a user's account: she can no longer sign in, her sessions and links stop working.

    Raises:
        NotFound: no such user in the actor's view (`path.user_id`).
        AccountStateConflict: the actor's own account (a groupement keeps a coordinator).
    """
    user = _managed(session, actor, user_id)
    if user.id == actor.id:
        raise AccountStateConflict("vous ne pouvez pas désactiver votre propre compte")
    moment = _now(now)
    was_active = user.is_active
    user.is_active = False
    user.sessions_valid_after = moment
    revoked = _revoke_links(session, user.id, moment)
    record_audit(
        session,
        actor=actor,
        groupement_id=user.groupement_id,
        action="deactivate",
        entity="user",
        entity_id=user.id,
        before={"is_active": was_active},
        after={"is_active": False, "invitations_revoked": revoked},
    )
    uow.commit(session)
    return user


def _managed(session: Session, actor: models.User, user_id: int) -> models.User:
    # The user row locked: an acceptance of her link and this change take turns.
    access.require(actor, access.Action.MANAGE)
    uow.begin_write(session)
    user = access.resolve(
        session, actor, models.User, user_id, field="path.user_id", for_update=True
    )
    if not access.may_create_user(actor, user.role):
        raise Forbidden("ce compte se gère en ligne de commande")
    return user


def _revoke_links(session: Session, user_id: int, moment: datetime) -> int:
    done = session.execute(
        update(models.UserInvitation)
        .where(
            models.UserInvitation.user_id == user_id,
            models.UserInvitation.used_at.is_(None),
            models.UserInvitation.revoked_at.is_(None),
        )
        .values(revoked_at=moment)
    )
    return int(getattr(done, "rowcount", 0) or 0)


def _stage(
    session: Session, actor: models.User, user: models.User, moment: datetime
) -> models.UserInvitation:
    revoked = _revoke_links(session, user.id, moment)
    row = models.UserInvitation(
        groupement_id=user.groupement_id,
        user_id=user.id,
        recipient=user.email,
        next_attempt_at=moment,
        created_at=moment,
    )
    session.add(row)
    session.flush()
    record_audit(
        session,
        actor=actor,
        groupement_id=user.groupement_id,
        action="invite",
        entity="user",
        entity_id=user.id,
        after={"recipient": user.email, "invitation_id": row.id, "earlier_revoked": revoked},
    )
    return row


def open_invitation(
    session: Session, token: str, *, now: datetime | None = None
) -> models.UserInvitation | None:
    """The invitation whose link carries `token`, if it still opens the form: sent, not
    expired, not spent, not revoked."""
    if not token:
        return None
    return session.scalar(
        select(models.UserInvitation).where(
            models.UserInvitation.token_hash == token_digest(token),
            models.UserInvitation.used_at.is_(None),
            models.UserInvitation.revoked_at.is_(None),
            models.UserInvitation.expires_at > _now(now),
        )
    )


def accept(
    session: Session,
    token: str,
    password: str,
    password_again: str,
    *,
    now: datetime | None = None,
) -> models.User:
    """Set the invited user's password, activate her account and spend the token; the tokens
    issued to her before stop working.

    Raises:
        NotFound: the link is unknown, expired, spent or revoked (checked first).
        InvalidField: `password` (at least 8 characters) or `password_again` (the same).
    """
    moment = _now(now)
    uow.begin_write(session)
    row = open_invitation(session, token, now=moment)
    if row is None:
        raise NotFound("invitation", "de ce lien")
    if len(password) < 8:
        raise InvalidField("password", "value", "au moins 8 caractères")
    if password != password_again:
        raise InvalidField("password_again", "match", "les deux mots de passe diffèrent")
    user = session.get(models.User, row.user_id, with_for_update=True)
    # Spend it first, if it is still live: of two submissions at once, or a submission and a
    # deactivation, one finds it spent or revoked.
    spent = session.execute(
        update(models.UserInvitation)
        .where(
            models.UserInvitation.id == row.id,
            models.UserInvitation.used_at.is_(None),
            models.UserInvitation.revoked_at.is_(None),
            models.UserInvitation.expires_at > moment,
        )
        .values(used_at=moment)
    )
    if getattr(spent, "rowcount", 0) != 1 or user is None:
        uow.rollback(session)
        raise NotFound("invitation", "de ce lien")
    user.password_hash = hash_password(password)
    user.is_active = True
    user.sessions_valid_after = moment
    record_audit(
        session,
        actor=user,
        groupement_id=user.groupement_id,
        action="accept_invitation",
        entity="user",
        entity_id=user.id,
        before={"is_active": False},
        after={"is_active": True, "invitation_id": row.id},
    )
    uow.commit(session)
    return user


# --- For the coordinator's page ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserStanding:
    """A user and where her account stands: active, invited (and how the e-mail fared), or
    deactivated."""

    user: models.User
    invitation: models.UserInvitation | None
    now: datetime

    @property
    def status(self) -> str:
        """`active`, `invited`, `invitation_failed`, `invitation_expired` or `deactivated`."""
        if self.user.is_active:
            return "active"
        row = self.invitation
        if row is None or row.revoked_at is not None or row.used_at is not None:
            return "deactivated"
        if row.state is models.EmailState.FAILED:
            return "invitation_failed"
        if row.expires_at is not None and row.expires_at <= self.now:
            return "invitation_expired"
        return "invited"


def standings(
    session: Session,
    actor: models.User,
    *,
    now: datetime | None = None,
    q: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Sequence[UserStanding]:
    """The groupement's users, each with her latest invitation, by name; with `q`, those whose
    name or e-mail holds it (any case), and with `limit`, a page of them from `offset`."""
    access.require(actor, access.Action.MANAGE)
    stmt = _users(actor, q).order_by(models.User.full_name, models.User.id).offset(offset)
    users = session.scalars(stmt if limit is None else stmt.limit(limit)).all()
    latest: dict[int, models.UserInvitation] = {}
    for row in session.scalars(
        select(models.UserInvitation)
        .where(
            models.UserInvitation.groupement_id == actor.groupement_id,
            models.UserInvitation.user_id.in_([user.id for user in users]),
        )
        .order_by(models.UserInvitation.id)
    ):
        latest[row.user_id] = row
    moment = _now(now)
    return [UserStanding(user, latest.get(user.id), moment) for user in users]


def count_users(session: Session, actor: models.User, q: str | None = None) -> int:
    """How many users `standings` lists with the same search."""
    access.require(actor, access.Action.MANAGE)
    return session.scalar(select(func.count()).select_from(_users(actor, q).subquery())) or 0


def _users(actor: models.User, q: str | None) -> Select[Any]:
    stmt = select(models.User).where(models.User.groupement_id == actor.groupement_id)
    if q:
        typed = q.lower()
        stmt = stmt.where(
            func.lower(models.User.full_name).contains(typed, autoescape=True)
            | func.lower(models.User.email).contains(typed, autoescape=True)
        )
    return stmt
