"""Users, sign-in and access tokens (HS256 JWT signed with `settings.secret_key`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.access import resolve
from scheduler.audit import record_audit, snapshot
from scheduler.config import Settings
from scheduler.errors import AuthenticationFailed, DuplicateResource, InvalidField, NotFound
from scheduler.security import hash_password, verify_password

ALGORITHM = "HS256"
# Verifying against a fixed hash when the e-mail is unknown keeps the timing of both failures alike.
_DUMMY_HASH = hash_password("not-a-real-password")


def create_user(
    session: Session,
    groupement_slug: str,
    email: str,
    full_name: str,
    password: str,
    role: models.Role | str = models.Role.COORDINATOR,
    *,
    cabinet_id: int | None = None,
    assistant_id: int | None = None,
    granted_contract_ids: list[int] | None = None,
    actor: models.User | None = None,
    commit: bool = True,
) -> models.User:
    """Create a user of the groupement `groupement_slug` (the CLI's `create-coordinator` uses it)."""
    role = models.Role(role)
    groupement = session.scalar(
        select(models.Groupement).where(models.Groupement.slug == groupement_slug)
    )
    if groupement is None:
        raise NotFound("groupement", groupement_slug)
    if actor is not None:
        # Every id the request names must be a row the actor sees: another groupement's answers
        # as a missing one does.
        if cabinet_id is not None:
            resolve(session, actor, models.Cabinet, cabinet_id, field="body.cabinet_id")
        if assistant_id is not None:
            resolve(session, actor, models.Assistant, assistant_id, field="body.assistant_id")
        for index, contract_id in enumerate(granted_contract_ids or []):
            field = f"body.granted_contract_ids.{index}"
            resolve(session, actor, models.PooledContract, contract_id, field=field)
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidField("email", "value", "ce n'est pas une adresse e-mail")
    if len(password) < 8:
        raise InvalidField("password", "value", "au moins 8 caractères")
    if role is models.Role.CABINET:
        cabinet = session.get(models.Cabinet, cabinet_id) if cabinet_id is not None else None
        if cabinet is None or cabinet.groupement_id != groupement.id:
            raise InvalidField("cabinet_id", "value", "un cabinet de ce groupement est attendu")
    if role is models.Role.ASSISTANT:
        assistant = (
            session.get(models.Assistant, assistant_id) if assistant_id is not None else None
        )
        if assistant is None or assistant.groupement_id != groupement.id:
            raise InvalidField(
                "assistant_id", "value", "une assistante de ce groupement est attendue"
            )
    exists = session.scalar(select(func.count()).where(func.lower(models.User.email) == email))
    if exists:
        raise DuplicateResource("user", f"e-mail {email}")
    user = models.User(
        groupement_id=groupement.id,
        email=email,
        full_name=full_name,
        password_hash=hash_password(password),
        role=role,
        cabinet_id=cabinet_id if role is models.Role.CABINET else None,
        assistant_id=assistant_id if role is models.Role.ASSISTANT else None,
    )
    session.add(user)
    session.flush()
    for contract_id in granted_contract_ids or []:
        contract = session.get(models.PooledContract, contract_id)
        if contract is None or contract.groupement_id != groupement.id:
            raise InvalidField("granted_contract_ids", "value", f"contrat {contract_id} inconnu")
        session.add(models.AuditorGrant(user_id=user.id, contract_id=contract_id))
    after = snapshot(user)
    after.pop("password_hash", None)
    record_audit(
        session,
        actor=actor,
        groupement_id=groupement.id,
        action="create",
        entity="user",
        entity_id=user.id,
        before=None,
        after=after,
    )
    if commit:
        session.commit()
    return user


def authenticate(session: Session, email: str, password: str) -> models.User:
    """The active user with this e-mail and password, or `AuthenticationFailed`."""
    user = session.scalar(
        select(models.User).where(func.lower(models.User.email) == email.strip().lower())
    )
    if user is None:
        verify_password(password, _DUMMY_HASH)
        raise AuthenticationFailed("e-mail ou mot de passe incorrect")
    if not verify_password(password, user.password_hash) or not user.is_active:
        raise AuthenticationFailed("e-mail ou mot de passe incorrect")
    return user


def create_access_token(
    user: models.User, settings: Settings, *, now: datetime | None = None
) -> str:
    """A signed token naming the user, valid `settings.access_token_minutes`."""
    issued = now or datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "gid": user.groupement_id,
        "role": user.role.value,
        "iat": issued,
        "exp": issued + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def user_from_token(session: Session, token: str, settings: Settings) -> models.User:
    """The active user a valid token names, or `AuthenticationFailed`."""
    try:
        claims = jwt.decode(
            token, settings.secret_key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
        )
        user_id = int(claims["sub"])
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise AuthenticationFailed("jeton invalide ou expiré") from error
    user = session.get(models.User, user_id)
    if user is None or not user.is_active:
        raise AuthenticationFailed("jeton invalide ou expiré")
    return user
