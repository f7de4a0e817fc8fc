"""The invitation's e-mail: its one-time link and its words (sent by `delivery`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scheduler import models
from scheduler.french import clock_digits, weekday_date
from scheduler.security import token_digest

INVITATION_VALID = timedelta(hours=72)
"""How long an invitation's link opens the password form, from when it was sent."""

INVITATION_PATH = "/invitation"
"""The page the link opens (the token in its `jeton` query parameter)."""


# --- The link --------------------------------------------------------------------------------


def issue_link(row: models.UserInvitation, base_url: str, moment: datetime) -> str:
    """A new one-time token for `row`, valid `INVITATION_VALID` from `moment`; only its hash is
    stored (the caller's unit of work commits it before the message leaves). The link to send."""
    token = secrets.token_urlsafe(32)
    row.token_hash = token_digest(token)
    row.expires_at = moment + INVITATION_VALID
    return f"{base_url.rstrip('/')}{INVITATION_PATH}?{urlencode({'jeton': token})}"


@dataclass(frozen=True, slots=True)
class InvitationText:
    """The invitation's message."""

    subject: str
    body: str


def invitation_text(session: Session, row: models.UserInvitation, link: str) -> InvitationText:
    """The invitation's message in French: who invites, to what, the link and until when."""
    user = session.get(models.User, row.user_id)
    groupement = session.get(models.Groupement, row.groupement_id)
    assert user is not None and groupement is not None and row.expires_at is not None
    until = row.expires_at.astimezone(ZoneInfo(groupement.timezone))
    body = (
        f"Bonjour {user.full_name},\n\n"
        f"Le groupement « {groupement.name} » vous invite à utiliser Partagenda, son service de "
        "planning des assistantes médicales partagées.\n\n"
        "Pour choisir votre mot de passe, ouvrez ce lien :\n"
        f"{link}\n\n"
        f"Il est valable jusqu'au {weekday_date(until.date(), year=True)} à "
        f"{clock_digits(until)} et ne sert qu'une fois. Votre identifiant : {user.email}\n\n"
        "Si vous n'attendiez pas cette invitation, ignorez ce message : sans mot de passe "
        "choisi, le compte reste fermé.\n"
    )
    return InvitationText(f"Invitation à Partagenda – {groupement.name}", body)
