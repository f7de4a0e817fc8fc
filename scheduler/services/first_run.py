"""The first run of a service: its first groupement and coordinator, created in the browser.

While the database holds no user, `partagenda serve` issues a one-time token (stored hashed) and
prints the address of the first-run page with it: only the operator who started the service can
open it. The page creates the groupement and its coordinator in one unit of work and spends the
token; once a user exists, the page is gone (there is no open sign-up).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from scheduler import models, uow
from scheduler.auth import create_user
from scheduler.errors import InvalidField, NotFound
from scheduler.security import token_digest
from scheduler.services.resources.groupements import create_groupement

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def no_user_yet(session: Session) -> bool:
    """True while the database holds no user: the first run is open."""
    return not session.scalar(select(func.count()).select_from(models.User))


def issue_first_run_token(session: Session) -> str | None:
    """A new one-time token while no user exists (the earlier ones still valid), committed; None
    once a user exists."""
    if not no_user_yet(session):
        return None
    token = secrets.token_urlsafe(32)
    session.add(models.FirstRunToken(token_hash=token_digest(token)))
    uow.commit(session)
    return token


def first_run_open(session: Session, token: str) -> bool:
    """Whether `token` opens the first run: no user yet and an unspent token of that value."""
    if not token or not no_user_yet(session):
        return False
    return (
        session.scalar(
            select(models.FirstRunToken.id).where(
                models.FirstRunToken.token_hash == token_digest(token),
                models.FirstRunToken.used_at.is_(None),
            )
        )
        is not None
    )


@dataclass(frozen=True, slots=True)
class FirstRun:
    """What the first-run form asks."""

    groupement_name: str
    slug: str
    timezone: str
    full_name: str
    email: str
    password: str
    password_again: str


def complete_first_run(
    session: Session, token: str, form: FirstRun, *, now: datetime | None = None
) -> models.User:
    """Create the groupement and its coordinator, and spend the token, in one unit of work.

    Raises:
        NotFound: the first run is over (a user exists) or the token is unknown or spent.
        InvalidField: a field breaks its rule (`full_name`, `email`, `password`,
            `password_again`, and the groupement's `slug`, `name`, `timezone`).
    """
    email = form.email.strip()
    full_name = form.full_name.strip()
    if not 1 <= len(full_name) <= 200 or any(ord(char) < 32 for char in full_name):
        raise InvalidField("full_name", "format", "un nom de 1 à 200 caractères")
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise InvalidField("email", "format", "ce n'est pas une adresse e-mail")
    if len(form.password) < 8:
        raise InvalidField("password", "value", "au moins 8 caractères")
    if form.password != form.password_again:
        raise InvalidField("password_again", "match", "les deux mots de passe diffèrent")
    # Spend the token first: of two submissions at once, one finds it spent.
    spent = session.execute(
        update(models.FirstRunToken)
        .where(
            models.FirstRunToken.token_hash == token_digest(token),
            models.FirstRunToken.used_at.is_(None),
        )
        .values(used_at=now or datetime.now(UTC))
    )
    if getattr(spent, "rowcount", 0) != 1 or not no_user_yet(session):
        uow.rollback(session)
        raise NotFound("première mise en route", "terminée")
    try:
        groupement = create_groupement(
            session, form.slug, form.groupement_name, form.timezone, commit=False
        )
        user = create_user(
            session,
            groupement.slug,
            email,
            full_name,
            form.password,
            models.Role.COORDINATOR,
            commit=False,
        )
        uow.commit(session)
    except BaseException:
        uow.rollback(session)
        raise
    return user
