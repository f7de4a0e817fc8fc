"""Small typed builders of a groupement's data for the API tests."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import membership, models
from scheduler.config import Settings
from scheduler.demo import ensure_policies
from scheduler.security import hash_password

PASSWORD = "correct horse battery"
_HASH: list[str] = []


def password_hash() -> str:
    """One Argon2 hash of PASSWORD, computed once (hashing is slow on purpose)."""
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


def make_cabinet(
    session: Session, groupement: models.Groupement, code: str, lat: str, lon: str
) -> models.Cabinet:
    """A cabinet open 08:00-19:00 Monday to Friday."""
    cabinet = models.Cabinet(
        groupement_id=groupement.id,
        code=code,
        name=f"Cabinet {code}",
        address="1 rue de la Gare",
        postcode="57000",
        city="Metz",
        department="57",
        latitude=Decimal(lat),
        longitude=Decimal(lon),
        opening=[
            models.OpeningWindow(weekday=d, start_minute=480, end_minute=1140) for d in range(5)
        ],
    )
    session.add(cabinet)
    session.flush()
    return cabinet


def make_assistant(session: Session, groupement: models.Groupement, code: str) -> models.Assistant:
    """An assistant available 08:00-18:00 Monday to Friday."""
    assistant = models.Assistant(
        groupement_id=groupement.id,
        code=code,
        first_name=code.title(),
        last_name="Martin",
        availability=[
            models.AvailabilityWindow(weekday=d, start_minute=480, end_minute=1080)
            for d in range(5)
        ],
    )
    session.add(assistant)
    session.flush()
    return assistant


def make_contract(
    session: Session,
    groupement: models.Groupement,
    code: str,
    assistant: models.Assistant,
    shares: dict[models.Cabinet, int],
    weekly_minutes: int = 35 * 60,
    start: date = date(2026, 1, 5),
) -> models.PooledContract:
    """A collective contract for one assistant with these shares (basis points)."""
    policy = ensure_policies(session)["collective-2026"]
    contract = models.PooledContract(
        groupement_id=groupement.id,
        code=code,
        name=f"Contrat {code}",
        kind=models.ContractKind.COLLECTIVE,
        start_date=start,
        funded_etp=Decimal("1.00"),
        target_policy_id=policy.id,
        assistants=[
            models.ContractAssistant(assistant_id=assistant.id, weekly_minutes=weekly_minutes)
        ],
        share_plans=[
            models.SharePlan(
                valid_from=start,
                shares=[models.Share(cabinet_id=c.id, share_bp=bp) for c, bp in shares.items()],
            )
        ],
    )
    session.add(contract)
    session.flush()
    return contract


def make_user(
    session: Session,
    groupement: models.Groupement,
    email: str,
    role: models.Role,
    *,
    cabinet: models.Cabinet | None = None,
    assistant: models.Assistant | None = None,
    grants: list[models.PooledContract] | None = None,
) -> models.User:
    """A user with PASSWORD."""
    user = models.User(
        groupement_id=groupement.id,
        email=email,
        full_name=email.split("@")[0],
        password_hash=password_hash(),
        role=role,
        cabinet_id=cabinet.id if cabinet else None,
        assistant_id=assistant.id if assistant else None,
    )
    session.add(user)
    session.flush()
    for contract in grants or []:
        session.add(models.AuditorGrant(user_id=user.id, contract_id=contract.id))
    session.flush()
    return user


@dataclass
class World:
    """One groupement with two cabinets, two assistants, one contract each, and a user per role."""

    groupement: models.Groupement
    cabinets: list[models.Cabinet]
    assistants: list[models.Assistant]
    contracts: list[models.PooledContract]
    doctors: list[models.Doctor]
    consultations: list[models.ConsultationSession]
    absences: list[models.Absence]
    travel: models.TravelTime
    users: dict[str, models.User] = field(default_factory=dict)


def luhn_completed(body: str) -> str:
    """`body` (10 digits) followed by its Luhn key: a valid RPPS number."""
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return body + str((10 - total % 10) % 10)


def make_world(session: Session, slug: str) -> World:
    """Stage a complete small groupement named `slug`."""
    groupement = models.Groupement(slug=slug, name=f"GE {slug}")
    session.add(groupement)
    session.flush()
    a = make_cabinet(session, groupement, f"{slug}-a", "49.119300", "6.175700")
    b = make_cabinet(session, groupement, f"{slug}-b", "49.200000", "6.100000")
    x = make_assistant(session, groupement, f"{slug}-x")
    y = make_assistant(session, groupement, f"{slug}-y")
    c1 = make_contract(session, groupement, f"{slug}-c1", x, {a: 6000, b: 4000})
    c2 = make_contract(session, groupement, f"{slug}-c2", y, {b: 10000})
    stem = str(zlib.crc32(slug.encode())).rjust(9, "1")[-9:]
    doctors = [
        models.Doctor(
            cabinet_id=c.id,
            rpps=luhn_completed(stem + str(i)),
            first_name="Jeanne",
            last_name="Roux",
        )
        for i, c in enumerate((a, b))
    ]
    consultations = [
        models.ConsultationSession(cabinet_id=c.id, weekday=0, start_minute=540, end_minute=720)
        for c in (a, b)
    ]
    absences = [
        models.Absence(
            assistant_id=who.id,
            kind=models.AbsenceKind.LEAVE,
            start_at=datetime(2026, 3, 2, 7, tzinfo=UTC),
            end_at=datetime(2026, 3, 6, 18, tzinfo=UTC),
        )
        for who in (x, y)
    ]
    travel = models.TravelTime(
        groupement_id=groupement.id, origin_id=a.id, destination_id=b.id, minutes=15
    )
    session.add_all([*doctors, *consultations, *absences, travel])
    session.flush()
    for doctor in doctors:
        membership.enrol_new_doctor(session, doctor)
    session.flush()
    world = World(groupement, [a, b], [x, y], [c1, c2], doctors, consultations, absences, travel)
    world.users = {
        "coordinator": make_user(session, groupement, f"coord@{slug}.fr", models.Role.COORDINATOR),
        "cabinet": make_user(session, groupement, f"cab@{slug}.fr", models.Role.CABINET, cabinet=a),
        "other_cabinet": make_user(
            session, groupement, f"cab2@{slug}.fr", models.Role.CABINET, cabinet=b
        ),
        "assistant": make_user(
            session, groupement, f"am@{slug}.fr", models.Role.ASSISTANT, assistant=x
        ),
        "auditor": make_user(
            session, groupement, f"cpam@{slug}.fr", models.Role.AUDITOR, grants=[c1]
        ),
        # The Assurance maladie's reader, kept in this groupement, reading every groupement's.
        "national": make_user(session, groupement, f"cnam@{slug}.fr", models.Role.NATIONAL),
    }
    return world


def user_by_email(session: Session, email: str) -> models.User:
    """A user by e-mail."""
    user = session.scalar(select(models.User).where(models.User.email == email))
    assert user is not None
    return user


def api_settings(database_url: str = "sqlite://") -> Settings:
    """Settings for the tests: a fixed secret."""
    return Settings(
        database_url=database_url, secret_key="test-secret-key-for-the-api-tests-0123456789"
    )
