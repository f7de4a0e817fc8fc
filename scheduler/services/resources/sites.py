"""The member cabinets, their doctors and the doctors' weekly consultation sessions."""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload
from typing_extensions import override

from scheduler import membership, models
from scheduler.errors import DuplicateResource, InvalidField
from scheduler.patientele import rpps_is_valid
from scheduler.services.resources.generic import WINDOW, Edit, Resource

EMAIL_PATTERN = re.compile(
    r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\.[^@\s\x00-\x1f\x7f-\x9f]+$"
)
"""One `@` between a local part and a dotted domain, no space or control character: what the
change notices can be sent to (the API's `Email` says the same)."""
EMAIL_MAX = 254


def check_contact_email(value: object) -> str | None:
    """A cabinet's contact address, trimmed (None or blank: none), or `InvalidField`."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidField("contact_email", "email", "doit être une adresse e-mail")
    address = value.strip()
    if not address:
        return None
    if len(address) > EMAIL_MAX:
        raise InvalidField(
            "contact_email", "string_too_long", f"est trop longue ({EMAIL_MAX} caractères au plus)"
        )
    if not EMAIL_PATTERN.fullmatch(address):
        raise InvalidField(
            "contact_email",
            "email",
            "n'est pas une adresse e-mail valide (attendu : nom@domaine.fr)",
        )
    return address


class Cabinets(Resource[models.Cabinet]):
    """Member cabinets with their opening hours and the contact address their change notices
    go to; one that holds a share or an assignment stays."""

    model = models.Cabinet
    entity = label = "cabinet"
    key = "cabinet_id"
    children = {"opening": WINDOW}
    window_kinds = {"opening": models.OpeningWindow}

    @override
    def options(self) -> tuple[Any, ...]:
        return (selectinload(models.Cabinet.opening),)

    @override
    def filter(
        self, session: Session, actor: models.User, stmt: Select[Any], filters: dict[str, Any]
    ) -> Select[Any]:
        if filters.get("code") is not None:
            stmt = stmt.where(models.Cabinet.code == filters["code"])
        if filters.get("city") is not None:
            stmt = stmt.where(func.lower(models.Cabinet.city) == filters["city"].lower())
        if filters.get("department") is not None:
            stmt = stmt.where(models.Cabinet.department == filters["department"])
        if filters.get("q"):
            # Part of the name, the city or the code, in any case; `%` and `_` stand for themselves.
            typed = filters["q"].strip().lower()
            stmt = stmt.where(
                func.lower(models.Cabinet.name).contains(typed, autoescape=True)
                | func.lower(models.Cabinet.city).contains(typed, autoescape=True)
                | func.lower(models.Cabinet.code).contains(typed, autoescape=True)
            )
        return stmt

    @override
    def build(self, session: Session, actor: models.User, data: dict[str, Any]) -> models.Cabinet:
        if "contact_email" in data:
            data = {**data, "contact_email": check_contact_email(data["contact_email"])}
        return super().build(session, actor, data)

    @override
    def edit(
        self, session: Session, actor: models.User, row: models.Cabinet, changes: dict[str, Any]
    ) -> Edit:
        if "contact_email" in changes:
            changes = {**changes, "contact_email": check_contact_email(changes["contact_email"])}
        return super().edit(session, actor, row, changes)

    @override
    def in_use(self, key: int) -> Sequence[Select[Any]]:
        return (
            select(models.Share.id).where(models.Share.cabinet_id == key),
            select(models.Assignment.id).where(models.Assignment.cabinet_id == key),
        )


def _by_cabinet(
    session: Session, actor: models.User, stmt: Select[Any], column: Any, cabinet_id: int | None
) -> Select[Any]:
    if cabinet_id is None:
        return stmt
    CABINETS.get(session, actor, cabinet_id, field="query.cabinet_id")
    return stmt.where(column == cabinet_id)


class Doctors(Resource[models.Doctor]):
    """Doctors of the member cabinets, by cabinet; the RPPS number is unique."""

    model = models.Doctor
    entity = "doctor"
    label = "médecin"
    checks_body_first = True
    modified_label = "doctor"
    key = "doctor_id"
    nullable_changes = frozenset({"installed_on"})

    @override
    def filter(
        self, session: Session, actor: models.User, stmt: Select[Any], filters: dict[str, Any]
    ) -> Select[Any]:
        return _by_cabinet(
            session, actor, stmt, models.Doctor.cabinet_id, filters.get("cabinet_id")
        )

    @override
    def build(self, session: Session, actor: models.User, data: dict[str, Any]) -> models.Doctor:
        CABINETS.get(session, actor, data["cabinet_id"], field="body.cabinet_id")
        _checked_rpps(data["rpps"])
        _unique_rpps(session, data["rpps"])
        doctor = models.Doctor(**data)
        # He joins the contracts his cabinet is a member of, as every doctor of it counted.
        membership.enrol_new_doctor(session, doctor)
        return doctor

    @override
    def natural_key(self, row: models.Doctor) -> object:
        return row.rpps

    @override
    def edit(
        self, session: Session, actor: models.User, row: models.Doctor, changes: dict[str, Any]
    ) -> Edit:
        if changes.get("cabinet_id") is not None:
            CABINETS.get(session, actor, changes["cabinet_id"], field="body.cabinet_id")
        if changes.get("rpps") is not None:
            _checked_rpps(changes["rpps"])
            _unique_rpps(session, changes["rpps"], exclude=row.id)
        return Edit(changes)


def _checked_rpps(rpps: str) -> None:
    """The RPPS number's last digit is the Luhn key of the others, as the patientèle statements
    that name the doctor will be checked (`scheduler.patientele`)."""
    if not rpps_is_valid(rpps):
        raise InvalidField("body.rpps", "rpps_checksum", f"clé de contrôle du RPPS {rpps} invalide")


def _unique_rpps(session: Session, rpps: str, exclude: int | None = None) -> None:
    stmt = select(models.Doctor.id).where(models.Doctor.rpps == rpps)
    if exclude is not None:
        stmt = stmt.where(models.Doctor.id != exclude)
    if session.scalar(stmt) is not None:
        raise DuplicateResource("médecin", f"RPPS {rpps}")


def session_version(row: models.ConsultationSession) -> int:
    """A content digest standing for the version of a consultation session."""
    content = json.dumps(
        [row.cabinet_id, row.doctor_id, row.weekday, row.start_minute, row.end_minute, row.weight]
    )
    return zlib.crc32(content.encode()) % 1_000_000_000 + 1


class ConsultationSessions(Resource[models.ConsultationSession]):
    """Weekly consultation sessions of the cabinets; no version column: the ETag is a digest of
    the content."""

    model = models.ConsultationSession
    entity = "consultation_session"
    label = "séance"
    key = "consultation_session_id"
    nullable_changes = frozenset({"doctor_id"})
    versioned = False

    @override
    def version(self, row: models.ConsultationSession) -> int:
        return session_version(row)

    @override
    def filter(
        self, session: Session, actor: models.User, stmt: Select[Any], filters: dict[str, Any]
    ) -> Select[Any]:
        column = models.ConsultationSession.cabinet_id
        stmt = _by_cabinet(session, actor, stmt, column, filters.get("cabinet_id"))
        if filters.get("weekday") is not None:
            stmt = stmt.where(models.ConsultationSession.weekday == filters["weekday"])
        return stmt

    @override
    def build(
        self, session: Session, actor: models.User, data: dict[str, Any]
    ) -> models.ConsultationSession:
        CABINETS.get(session, actor, data["cabinet_id"], field="body.cabinet_id")
        _check_doctor(session, actor, data["cabinet_id"], data.get("doctor_id"))
        return models.ConsultationSession(**data)

    @override
    def natural_key(self, row: models.ConsultationSession) -> object:
        return "new"

    @override
    def edit(
        self,
        session: Session,
        actor: models.User,
        row: models.ConsultationSession,
        changes: dict[str, Any],
    ) -> Edit:
        start = changes.get("start_minute", row.start_minute)
        end = changes.get("end_minute", row.end_minute)
        if end <= start:
            raise InvalidField("end_minute", "ordered", "doit suivre start_minute")
        _check_doctor(session, actor, row.cabinet_id, changes.get("doctor_id", row.doctor_id))
        return Edit(changes)


def _check_doctor(
    session: Session, actor: models.User, cabinet_id: int, doctor_id: int | None
) -> None:
    if doctor_id is None:
        return
    doctor = DOCTORS.get(session, actor, doctor_id, field="body.doctor_id")
    if doctor.cabinet_id != cabinet_id:
        raise InvalidField("doctor_id", "exists", "pas un médecin de ce cabinet")


CABINETS = Cabinets()
DOCTORS = Doctors()
CONSULTATION_SESSIONS = ConsultationSessions()
