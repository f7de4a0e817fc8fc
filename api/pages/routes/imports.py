"""The CSV imports on the pages: the coordinator's patientèle statements, the CPAM's reference
group (an auditor for the départements of her granted contracts, the national reader for every
one). A file is uploaded, checked line by line and kept on the server as a preview
(`scheduler.services.import_previews`); its page shows what it would add, and a confirm button
imports it all or nothing while the stored data are those the preview saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep
from api.pages.web import CsrfChecked, PageForbidden, PageUser, render
from scheduler import french, models
from scheduler.errors import ImportPreviewOutdated, ImportRejected
from scheduler.services import import_previews, resources
from scheduler.services.import_previews import PREVIEW_VALID, Kind

router = APIRouter(include_in_schema=False)

UPLOAD_MAX = 1024 * 1024  # the pages' bodies are capped at 1 MiB (api.limits)
ERROR_ROWS = 200
"""The refusals listed on the page (the count says how many more)."""


@dataclass(frozen=True)
class KindPage:
    """How the pages name one kind of import."""

    kind: Kind
    slug: str
    title: str
    columns: tuple[tuple[str, str], ...]  # (row key, French heading), in the file's order
    header: str  # the file's expected header line
    help: str


KINDS: tuple[KindPage, ...] = (
    KindPage(
        Kind.PATIENTELE,
        "patientele",
        "Relevés de patientèle",
        (
            ("rpps", "RPPS"),
            ("doctor", "Médecin"),
            ("date", "Date"),
            ("pmt", "PMT"),
            ("file_active", "File active"),
            ("source", "Source"),
        ),
        "rpps;date;pmt;file_active;source",
        "Le relevé trimestriel de la CPAM : une ligne par médecin du groupement et par date "
        "(AAAA-MM-JJ), patientèle médecin traitant et file active en nombres entiers.",
    ),
    KindPage(
        Kind.REFERENCE_DOCTORS,
        "medecins-reference",
        "Groupe de référence : relevés de médecins non membres",
        (
            ("department", "Département"),
            ("rpps", "RPPS"),
            ("quarter", "Trimestre"),
            ("pmt", "PMT"),
            ("file_active", "File active"),
            ("source", "Source"),
        ),
        "department;rpps;quarter;pmt;file_active;source",
        "Une ligne par médecin non membre et par trimestre (2026-T1 ou 2026-Q1), dans les "
        "départements que vous suivez.",
    ),
    KindPage(
        Kind.REFERENCE_SERIES,
        "serie-reference",
        "Groupe de référence : série publiée",
        (
            ("department", "Département"),
            ("quarter", "Trimestre"),
            ("pmt", "PMT moyenne"),
            ("file_active", "File active moyenne"),
            ("doctors", "Médecins"),
            ("source", "Source"),
        ),
        "department;quarter;pmt;file_active;doctors;source",
        "La moyenne par médecin généraliste du département et par trimestre (deux décimales au "
        "plus), et le nombre de médecins sur lequel elle porte.",
    ),
)
BY_SLUG = {k.slug: k for k in KINDS}
RULES_FR = {
    "encoding": "encodage",
    "csv_format": "format CSV",
    "header": "en-tête",
    "column_count": "nombre de colonnes",
    "rpps_format": "RPPS à 11 chiffres",
    "rpps_checksum": "clé du RPPS",
    "unknown_doctor": "médecin du groupement",
    "date_format": "date AAAA-MM-JJ",
    "integer": "nombre entier",
    "non_negative": "positif ou nul",
    "range": "plage permise",
    "required": "obligatoire",
    "format": "format",
    "duplicate_in_file": "doublon dans le fichier",
    "duplicate_in_db": "déjà enregistré",
    "not_granted": "département suivi",
    "decimal": "nombre décimal",
}


def importer(user: PageUser) -> models.User:
    """A user who imports at least one kind of file (an HTML 403 otherwise)."""
    if not any(import_previews.may_preview(user, k.kind) for k in KINDS):
        raise PageForbidden(user)
    return user


ImporterPage = Annotated[models.User, Depends(importer)]
Slug = Annotated[str, Path(max_length=32)]
Key = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


NUMBERS = frozenset({"pmt", "file_active", "doctors"})


def _cell(key: str, value: object) -> str:
    """A value of a previewed row as the page shows it: French numbers and dates."""
    if value is None:
        return "—"
    if key in NUMBERS:
        return french.plain_number(Decimal(str(value)))
    if key == "date":
        return french.long_date(date.fromisoformat(str(value)))
    return str(value)


def _kind(user: models.User, slug: str) -> KindPage:
    """The kind named in the address, if the user imports it; else a 404 (as a missing page)."""
    found = BY_SLUG.get(slug)
    if found is None or not import_previews.may_preview(user, found.kind):
        raise HTTPException(status_code=404, detail="cette page d'import n'existe pas")
    return found


def _index(
    request: Request,
    user: models.User,
    *,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "nav": "imports",
        "kinds": [k for k in KINDS if import_previews.may_preview(user, k.kind)],
        "refused": None,
        "outdated": None,
        "imported": None,
        "minutes": int(PREVIEW_VALID.total_seconds() // 60),
        **extra,
    }
    return render(request, "imports/index.html", context, user=user, status_code=status_code)


def _refused(
    request: Request, user: models.User, page: KindPage, file_name: str, refusal: ImportRejected
) -> HTMLResponse:
    """The imports page with every refusal of a file, by line, field and rule."""
    refused = {
        "kind": page,
        "file_name": file_name,
        "count": len(refusal.errors),
        "errors": [
            {"line": line, "column": column, "rule": RULES_FR.get(rule, rule), "text": text}
            for line, column, rule, text in refusal.errors[:ERROR_ROWS]
        ],
    }
    return _index(request, user, status_code=422, refused=refused)


@router.get("/imports")
def imports_page(
    request: Request,
    user: ImporterPage,
    importe: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
    fichier: Annotated[str | None, Query(max_length=32)] = None,
) -> HTMLResponse:
    """The upload forms of the imports the user may make."""
    done = BY_SLUG.get(fichier or "")
    imported = {"count": importe, "kind": done} if importe is not None and done else None
    return _index(request, user, imported=imported)


@router.post("/imports/{slug}", dependencies=[CsrfChecked])
async def upload(
    request: Request,
    session: SessionDep,
    user: ImporterPage,
    slug: Slug,
    fichier: Annotated[UploadFile, File()],
) -> Response:
    """Check the uploaded file and keep it as a preview; its page, or the refusals by line."""
    page = _kind(user, slug)
    data = await fichier.read(UPLOAD_MAX + 1)
    try:
        if not data:
            raise ImportRejected([(0, "fichier", "required", "choisissez un fichier CSV non vide")])
        if len(data) > UPLOAD_MAX:
            raise ImportRejected([(0, "fichier", "range", "le fichier dépasse 1 Mio")])
        row = import_previews.preview(
            session, user, page.kind, data, file_name=fichier.filename or ""
        )
    except ImportRejected as refusal:
        return _refused(request, user, page, fichier.filename or "", refusal)
    return RedirectResponse(f"/imports/{page.slug}/{row.key}", status_code=303)


@router.get("/imports/{slug}/{key}")
def preview_page(
    request: Request, session: SessionDep, user: ImporterPage, slug: Slug, key: Key
) -> HTMLResponse:
    """What the kept file would add, until when it may be confirmed, and the confirm button."""
    page = _kind(user, slug)
    row = import_previews.get(session, user, page.kind, key)
    zone = ZoneInfo(resources.GROUPEMENTS.get(session, user, user.groupement_id).timezone)
    expires = row.expires_at.astimezone(zone)
    return render(
        request,
        "imports/preview.html",
        {
            "nav": "imports",
            "page": page,
            "preview": row,
            "expires": f"{french.long_date(expires.date())} à {french.clock_hours(expires)}",
            "cells": [[_cell(key, r.get(key)) for key, _ in page.columns] for r in row.rows],
        },
        user=user,
        headers={"Cache-Control": "no-store"},
    )


@router.post("/imports/{slug}/{key}/confirmation", dependencies=[CsrfChecked])
def confirm(
    request: Request, session: SessionDep, user: ImporterPage, slug: Slug, key: Key
) -> Response:
    """Import the kept file, all or nothing; back to the imports page with the count."""
    page = _kind(user, slug)
    try:
        count = import_previews.confirm(session, user, page.kind, key)
    except ImportRejected as refusal:
        # A rule the stored rows do not decide, checked again (a grant withdrawn meanwhile).
        return _refused(request, user, page, "", refusal)
    except ImportPreviewOutdated as outdated:
        return _index(
            request, user, status_code=409, outdated={"kind": page, "text": str(outdated)}
        )
    return RedirectResponse(f"/imports?fichier={page.slug}&importe={count}", status_code=303)
