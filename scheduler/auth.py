"""Users, sign-in and access tokens (HS256 JWT signed with `settings.secret_key`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from math import ceil, floor
from typing import Any

import jwt
from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from scheduler import access, models, uow
from scheduler.access import resolve
from scheduler.audit import record_audit, snapshot
from scheduler.config import Settings
from scheduler.errors import (
    AccountLocked,
    AuthenticationFailed,
    DuplicateResource,
    Forbidden,
    InvalidField,
    NotFound,
)
from scheduler.security import hash_password, token_digest, verify_password

ALGORITHM = "HS256"
# Verifying against a fixed hash when the e-mail is unknown keeps the timing of both failures alike.
_DUMMY_HASH = hash_password("not-a-real-password")

# Account lockout: MAX_FAILURES failed sign-ins within any FAILURE_WINDOW (a moving window: a
# failure counts for FAILURE_WINDOW after it) lock the account for FIRST_LOCK, and the locking
# failure already answers 429. Each new lock lasts twice the previous one (at most LONGEST_LOCK);
# the doubling starts again after a successful sign-in. A coordinator's unlock lifts the lock and
# clears the failures but keeps the count of locks: whoever keeps guessing meets longer ones.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
FIRST_LOCK = timedelta(minutes=15)
LONGEST_LOCK = timedelta(hours=24)


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
    active: bool = True,
    commit: bool = True,
) -> models.User:
    """Create a user of the groupement `groupement_slug` (the CLI's `create-coordinator` uses it);
    `active=False` for one who cannot sign in until she has set her password (an invitation)."""
    role = models.Role(role)
    if not access.may_create_user(actor, role):
        raise Forbidden(f"un compte du rôle {role.value} se crée en ligne de commande")
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
    if access.acts_for_cabinet(role):
        cabinet = session.get(models.Cabinet, cabinet_id) if cabinet_id is not None else None
        if cabinet is None or cabinet.groupement_id != groupement.id:
            raise InvalidField("cabinet_id", "value", "un cabinet de ce groupement est attendu")
    if access.acts_for_assistant(role):
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
        cabinet_id=cabinet_id if access.acts_for_cabinet(role) else None,
        assistant_id=assistant_id if access.acts_for_assistant(role) else None,
        is_active=active,
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
        uow.commit(session)
    return user


def grant_contract(
    session: Session, email: str, groupement_slug: str, contract_code: str
) -> models.AuditorGrant:
    """Grant an auditor the contract `contract_code` of the groupement `groupement_slug`, which
    need not be hers (the CLI's `grant-contract`); audited in the contract's groupement. The
    caller's unit of work commits. Granting it again changes nothing."""
    user = find_user_by_email(session, email)
    if not access.reads_by_grant(user.role):
        raise InvalidField("email", "value", "seul un auditeur reçoit des contrats")
    contract = session.scalar(
        select(models.PooledContract)
        .join(models.Groupement, models.Groupement.id == models.PooledContract.groupement_id)
        .where(
            models.Groupement.slug == groupement_slug,
            models.PooledContract.code == contract_code,
        )
    )
    if contract is None:
        raise NotFound("contrat", f"{contract_code} du groupement {groupement_slug}")
    grant = session.scalar(
        select(models.AuditorGrant).where(
            models.AuditorGrant.user_id == user.id,
            models.AuditorGrant.contract_id == contract.id,
        )
    )
    if grant is not None:
        return grant
    grant = models.AuditorGrant(user_id=user.id, contract_id=contract.id)
    session.add(grant)
    session.flush()
    record_audit(
        session,
        actor=None,
        groupement_id=contract.groupement_id,
        action="create",
        entity="auditor_grant",
        entity_id=grant.id,
        after={"user_id": user.id, "contract_id": contract.id},
    )
    return grant


def account_key(email: str) -> str:
    """The key of an account's sign-in throttle: the SHA-256 of its normalised e-mail."""
    return token_digest(email.strip().lower())


def lock_duration(lock_count: int) -> timedelta:
    """How long the lock after `lock_count` earlier ones lasts: 15 min, 30, 60... at most 24 h."""
    return min(FIRST_LOCK * (1 << min(lock_count, 16)), LONGEST_LOCK)


def _seconds_until(moment: datetime, now: datetime) -> int:
    return ceil((moment - now).total_seconds())


def authenticate(
    session: Session, email: str, password: str, *, now: datetime | None = None
) -> models.User:
    """The active user with this e-mail and password, or `AuthenticationFailed`.

    A locked account answers `AccountLocked` (with the seconds left), even to the right password.
    Each failure is counted in the database, so that every API process sees it, and the
    `MAX_FAILURES`-th within `FAILURE_WINDOW` locks the account. An e-mail that names no account
    is counted and locked alike, and costs one password hash too: the answers never tell whether
    an account exists. Commits its own transactions, through the unit of work (`scheduler.uow`): a
    failure must be counted although the caller's request fails.
    """
    now = now or models.utcnow()
    key = account_key(email)
    known = session.execute(
        select(models.SignInThrottle.locked_until).where(models.SignInThrottle.account_key == key)
    ).one_or_none()
    if known is not None and known.locked_until is not None and known.locked_until > now:
        uow.commit(session)
        raise AccountLocked(_seconds_until(known.locked_until, now))
    # No account's e-mail holds a NUL, and PostgreSQL would refuse the lookup (uncounted).
    user = (
        None
        if "\x00" in email
        else session.scalar(
            select(models.User).where(func.lower(models.User.email) == email.strip().lower())
        )
    )
    # End the read before hashing and writing: on SQLite a write that follows a read in one
    # transaction can fail at once instead of waiting for another process's write.
    uow.commit(session)
    if user is None:
        verify_password(password, _DUMMY_HASH)
        succeeded = False
    else:
        succeeded = verify_password(password, user.password_hash) and user.is_active
    if not succeeded:
        _count_failure(session, key, now)
        raise AuthenticationFailed("e-mail ou mot de passe incorrect")
    assert user is not None
    if known is not None:
        # A successful sign-in forgets the failures and the locks (the doubling starts again).
        session.execute(
            delete(models.SignInThrottle).where(
                models.SignInThrottle.account_key == key,
                or_(
                    models.SignInThrottle.locked_until.is_(None),
                    models.SignInThrottle.locked_until <= now,
                ),
            )
        )
        uow.commit(session)
    return user


def _count_failure(session: Session, key: str, now: datetime) -> None:
    """Count one failed sign-in of the account `key`, and lock it when it is the
    `MAX_FAILURES`-th within the moving `FAILURE_WINDOW` (`AccountLocked`); commits.

    The upsert takes the row's write lock until commit (created if missing): concurrent failures
    of two processes are counted one after the other, none is lost.
    """
    table = models.SignInThrottle
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(table)
        .values(account_key=key, recent_failures=[], lock_count=0)
        .on_conflict_do_update(
            index_elements=[table.account_key], set_={"lock_count": table.lock_count}
        )
    )
    row = session.scalars(
        select(table).where(table.account_key == key).execution_options(populate_existing=True)
    ).one()
    if row.locked_until is not None and row.locked_until > now:
        # Another process locked the account while this password was being checked.
        locked_until: datetime | None = row.locked_until
    else:
        since = now - FAILURE_WINDOW
        recent = [moment for moment in failure_moments(row.recent_failures) if moment > since]
        recent.append(now)
        if len(recent) >= MAX_FAILURES:
            locked_until = now + lock_duration(row.lock_count)
            row.recent_failures = []
            row.locked_until = locked_until
            row.lock_count += 1
        else:
            locked_until = None
            row.recent_failures = [moment.isoformat() for moment in recent]
    uow.commit(session)
    if locked_until is not None:
        raise AccountLocked(_seconds_until(locked_until, now))


def failure_moments(stored: list[Any]) -> list[datetime]:
    """The failure times stored in `recent_failures` (UTC)."""
    moments = [datetime.fromisoformat(str(text)) for text in stored]
    return [moment if moment.tzinfo else moment.replace(tzinfo=UTC) for moment in moments]


def unlock_user(
    session: Session,
    user_id: int,
    *,
    actor: models.User | None = None,
    commit: bool = True,
) -> models.User:
    """Lift the sign-in lock of a user and clear the failures (a coordinator of the user's
    groupement, or the CLI without `actor`); audited. `NotFound` for another groupement's user."""
    if actor is not None:
        user = resolve(session, actor, models.User, user_id, field="path.user_id")
    else:
        found = session.get(models.User, user_id)
        if found is None:
            raise NotFound("utilisateur", user_id)
        user = found
    key = account_key(user.email)
    throttle = session.get(models.SignInThrottle, key, populate_existing=True)
    before: dict[str, Any] | None = snapshot(throttle) if throttle is not None else None
    if before is not None:
        before.pop("account_key", None)
    if throttle is not None:
        throttle.recent_failures = []
        throttle.locked_until = None
        session.flush()
    record_audit(
        session,
        actor=actor,
        groupement_id=user.groupement_id,
        action="unlock",
        entity="user",
        entity_id=user.id,
        before=before,
        after={"recent_failures": [], "locked_until": None},
    )
    if commit:
        uow.commit(session)
    return user


def find_user_by_email(session: Session, email: str) -> models.User:
    """The user with this e-mail (any case), or `NotFound`."""
    user = session.scalar(
        select(models.User).where(func.lower(models.User.email) == email.strip().lower())
    )
    if user is None:
        raise NotFound("utilisateur", email.strip())
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


def _claims(token: str, settings: Settings) -> tuple[int, dict[str, Any]]:
    try:
        claims = jwt.decode(
            token, settings.secret_key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
        )
        return int(claims["sub"]), claims
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise AuthenticationFailed("jeton invalide ou expiré") from error


def token_user_id(token: str, settings: Settings) -> int:
    """The user id a well-signed, unexpired token names, or `AuthenticationFailed`.

    Checks the token alone, without the database: whether the user still exists and is active
    is `user_from_token`'s part.
    """
    return _claims(token, settings)[0]


def user_from_token(session: Session, token: str, settings: Settings) -> models.User:
    """The active user a valid token was issued to, or `AuthenticationFailed`.

    The id alone is not enough: SQLite gives a deleted user's id (the largest) to the next user
    created, so the token must also have been issued after that user was created, to the
    groupement and role that user has.
    """
    user_id, claims = _claims(token, settings)
    user = session.get(models.User, user_id)
    if (
        user is None
        or not user.is_active
        or claims.get("gid") != user.groupement_id
        or not access.holds_claimed_role(user, claims.get("role"))
        or not isinstance(claims.get("iat"), int | float)
        # `iat` is whole seconds: a token issued within the user's first second counts.
        or claims["iat"] < floor(user.created_at.timestamp())
        # Deactivated since, or reopened by an invitation: the sessions before are over.
        or (
            user.sessions_valid_after is not None
            and claims["iat"] < floor(user.sessions_valid_after.timestamp())
        )
    ):
        raise AuthenticationFailed("jeton invalide ou expiré")
    return user
