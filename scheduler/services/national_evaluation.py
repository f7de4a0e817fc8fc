"""The national evaluation for the Assurance maladie: every contract's effect pooled nationally,
by département and by size, and its exports with their SHA-256 digests, for the API, the pages
and the CLI. Served as computed ahead (`scheduler.evaluation_cache`), with the time it was
computed; computed and stored on the spot when no current one is stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scheduler import access, models
from scheduler.access import Action
from scheduler.errors import InvalidField
from scheduler.evaluation.national import RENDERERS, digest_line, export_name
from scheduler.evaluation_cache import StoredEvaluation, evaluation_for
from scheduler.planning import FIRST_YEAR, LAST_YEAR

EXPORT_FORMATS = tuple(RENDERERS)
ZONE = ZoneInfo("Europe/Paris")  # the Assurance maladie's day


def as_of_day(as_of: date | None, field: str = "as_of") -> date:
    """The day the evaluation reads the statements up to: `as_of`, else today in Paris; within
    the years the service plans."""
    day = as_of if as_of is not None else datetime.now(UTC).astimezone(ZONE).date()
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidField(field, "as_of_range", f"année hors de {FIRST_YEAR} à {LAST_YEAR}")
    return day


@dataclass(frozen=True, slots=True)
class EvaluationExport:
    """One rendering of the national evaluation and its digest."""

    body: bytes
    media_type: str
    filename: str
    computed_at: datetime

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def digest_line(self) -> str:
        """`sha256sum`'s line for the file, as written beside it."""
        return digest_line(self.body, self.filename)


def read_national_evaluation(
    session: Session, actor: models.User | None, *, as_of: date | None
) -> StoredEvaluation:
    """The national evaluation as of `as_of` (`actor` None: the CLI), as computed ahead."""
    if actor is not None:
        access.require(actor, Action.READ_NATIONAL_EVALUATION)
    return evaluation_for(session, as_of_day(as_of))


def export_national_evaluation(
    session: Session,
    actor: models.User | None,
    *,
    as_of: date | None,
    fmt: str,
    field: str = "format",
    as_of_field: str = "as_of",
) -> EvaluationExport:
    """The national evaluation rendered as `fmt` (`csv` or `json`)."""
    if actor is not None:
        access.require(actor, Action.READ_NATIONAL_EVALUATION)
    if fmt not in RENDERERS:
        raise InvalidField(
            field, "export_format", f"format « {fmt} » inconnu : {' ou '.join(EXPORT_FORMATS)}"
        )
    day = as_of_day(as_of, as_of_field)
    from scheduler.reports.formats import FORMATS  # the media types are the registry's

    stored = evaluation_for(session, day)
    return EvaluationExport(
        stored.body(fmt), FORMATS[fmt].media_type, export_name(day, fmt), stored.computed_at
    )
