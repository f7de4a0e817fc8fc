"""The coordinator's set-up pages: the groupement's settings, and the cabinets with their
opening hours and consultation sessions.

Every write goes through the resource services, under the version the page was read at (a
stale form is refused with a message, never written over a newer change); every refusal is
shown next to the input it concerns, with what was typed kept in the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.pages import forms
from api.pages.web import CoordinatorPage, CsrfChecked, render
from api.schemas import CabinetCreate, ConsultationSessionCreate, GroupementUpdate
from scheduler import french, models
from scheduler.services import resources
from scheduler.services.resources.generic import Resource

router = APIRouter(include_in_schema=False)

PER_PAGE = 20
"""The rows a list page shows."""

INFO = {
    "enregistre": "Modifications enregistrées.",
    "cree": "Cabinet créé.",
    "supprime": "Cabinet supprimé.",
    "seance": "Séance de consultation ajoutée.",
    "seance-supprimee": "Séance de consultation supprimée.",
}

Info = Annotated[str | None, Query(max_length=20)]
Search = Annotated[str, Query(max_length=100)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


async def _posted(request: Request) -> dict[str, str]:
    """The posted form's text fields (the CSRF check has read the form already)."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


Posted = Annotated[dict[str, str], Depends(_posted)]


def expected_version(form: dict[str, str]) -> int:
    """The version the form was read at; 0 (no row has it) when the form lost it."""
    text = form.get("version", "").strip()
    return int(text) if text.isdigit() and len(text) <= 10 else 0


ShowForm = Callable[[Any, dict[str, str], dict[str, str], int, int], Response]
"""A row's form page: the row, the form's fields, its messages, the version, the status."""


def save_edit(
    resource: Resource[Any],
    session: Session,
    user: models.User,
    key: int,
    changes: dict[str, Any] | None,
    posted: dict[str, str],
    refusals: tuple[forms.Labels, forms.Wording],
    *,
    saved: str,
    show: ShowForm,
) -> Response:
    """Store `changes` (None: the form was refused already) under the version the form was read
    at: to `saved` once stored, else the form again with its messages and what was typed (409
    when the row changed meanwhile, 422 for a refused input)."""
    errors: dict[str, str] = {}
    if changes is not None:
        _, errors = forms.attempt(
            lambda: resource.update(session, user, key, changes, expected=expected_version(posted)),
            *refusals,
        )
        if not errors:
            return RedirectResponse(saved, status_code=303)
    return errors_shown(resource, session, user, key, posted, errors, show)


def errors_shown(
    resource: Resource[Any],
    session: Session,
    user: models.User,
    key: int,
    posted: dict[str, str],
    errors: dict[str, str],
    show: ShowForm,
) -> Response:
    """The form again, as posted, with its messages."""
    row = resource.get(session, user, key)
    status = 409 if forms.FORM in errors else 422
    return show(row, posted, errors, expected_version(posted), status)


def delete_row(
    resource: Resource[Any],
    session: Session,
    user: models.User,
    key: int,
    posted: dict[str, str],
    refusals: tuple[forms.Labels, forms.Wording],
    *,
    done: str,
    show: ShowForm,
    form_of: Callable[[Any], dict[str, str]],
) -> Response:
    """Delete a row under the version its form was read at: to `done`, or its form again with
    the refusal (409: in use, or changed meanwhile)."""
    _, errors = forms.attempt(
        lambda: resource.delete(session, user, key, expected=expected_version(posted)), *refusals
    )
    if not errors:
        return RedirectResponse(done, status_code=303)
    row = resource.get(session, user, key)
    return show(row, form_of(row), errors, resource.version(row), 409)


def paging(total: int, page: int) -> dict[str, Any]:
    """Which page of a list is shown, and whether there are others."""
    pages = max(1, -(-total // PER_PAGE))
    return {"page": page, "pages": pages, "total": total}


# --- Groupement settings -----------------------------------------------------------------------------

GROUPEMENT_LABELS = forms.Labels(
    {
        "name": "Nom du groupement",
        "timezone": "Fuseau horaire",
        "travel_in_contract": "Trajets comptés dans les heures des contrats",
        "complementary_accord": "Accord sur les heures complémentaires",
    }
)
GROUPEMENT_WORDING = forms.Wording(stale="Le groupement a été modifié")


def _groupement_page(
    request: Request,
    user: models.User,
    row: models.Groupement,
    form: dict[str, Any],
    errors: dict[str, str],
    *,
    version: int,
    info: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "nav": "parametres",
        "groupement": row,
        "form": form,
        "errors": errors,
        "version": version,
        "info": INFO.get(info or ""),
    }
    return render(request, "setup/groupement.html", context, user=user, status_code=status_code)


@router.get("/parametres")
def groupement_page(
    request: Request, session: SessionDep, user: CoordinatorPage, info: Info = None
) -> HTMLResponse:
    """The groupement's name, time zone and the rules its contracts share."""
    row = resources.GROUPEMENTS.get(session, user, user.groupement_id)
    form = {
        "name": row.name,
        "timezone": row.timezone,
        "travel_in_contract": row.travel_in_contract,
        "complementary_accord": row.complementary_accord,
    }
    version = resources.GROUPEMENTS.version(row)
    return _groupement_page(request, user, row, form, {}, version=version, info=info)


@router.post("/parametres", dependencies=[CsrfChecked])
def groupement_submit(
    request: Request, session: SessionDep, user: CoordinatorPage, posted: Posted
) -> Response:
    """Change the groupement's settings under the version the page was read at."""
    data = {
        "name": posted.get("name", ""),
        "timezone": posted.get("timezone", "").strip(),
        "travel_in_contract": posted.get("travel_in_contract") == "on",
        "complementary_accord": posted.get("complementary_accord") == "on",
    }
    body, errors = forms.validate(GroupementUpdate, data, GROUPEMENT_LABELS)
    if body is not None:
        changes = body.model_dump()
        _, errors = forms.attempt(
            lambda: resources.GROUPEMENTS.update(
                session,
                user,
                user.groupement_id,
                changes,
                expected=expected_version(posted),
            ),
            GROUPEMENT_LABELS,
            GROUPEMENT_WORDING,
        )
        if not errors:
            return RedirectResponse("/parametres?info=enregistre", status_code=303)
    row = resources.GROUPEMENTS.get(session, user, user.groupement_id)
    status = 409 if forms.FORM in errors else 422
    return _groupement_page(
        request, user, row, data, errors, version=expected_version(posted), status_code=status
    )


# --- Cabinets ------------------------------------------------------------------------------------

CABINET_LABELS = forms.Labels(
    {
        "code": "Code",
        "name": "Nom",
        "address": "Adresse",
        "postcode": "Code postal",
        "city": "Commune",
        "department": "Département",
        "latitude": "Latitude",
        "longitude": "Longitude",
        "places": "Postes de travail",
        "contact_email": "E-mail de contact",
        "opening": "Horaires d'ouverture",
        **forms.day_labels("opening"),
    },
    patterns={
        "code": "doit commencer par une lettre ou un chiffre, puis lettres, chiffres, « _ », "
        "« . » ou « - » seulement (par exemple cab-nancy-1)",
        "postcode": "doit compter 5 chiffres (par exemple 57000 ; 20000 à 20999 s'écrivent "
        "2A… ou 2B… en Corse)",
        "department": "doit être un numéro de département : 2 chiffres, 2A, 2B ou 3 chiffres "
        "outre-mer (par exemple 57 ou 971)",
        "contact_email": "n'est pas une adresse e-mail valide (attendu : nom@domaine.fr)",
        "name": "ne doit pas contenir de caractère de contrôle",
        "address": "ne doit pas contenir de caractère de contrôle",
        "city": "ne doit pas contenir de caractère de contrôle",
    },
)
CABINET_FIELDS = ("code", "name", "address", "postcode", "city", "department")
CABINET_WORDING = forms.Wording(
    stale="Ce cabinet a été modifié",
    in_use="Ce cabinet ne peut pas être supprimé : il a encore une part dans un contrat ou des "
    "affectations dans un planning. Retirez-le d'abord des contrats.",
)
SESSION_LABELS = forms.Labels(
    {
        "weekday": "Jour",
        "start_minute": "Début",
        "end_minute": "Fin",
        "doctor_id": "Médecin",
        "weight": "Poids",
    },
    aliases={"form": "end_minute"},
)
SESSION_WORDING = forms.Wording(stale="Cette séance a été modifiée")


def _decimal_shown(value: object) -> str:
    text = str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _cabinet_form(row: models.Cabinet) -> dict[str, str]:
    form = {name: str(getattr(row, name)) for name in CABINET_FIELDS}
    form |= {
        "latitude": _decimal_shown(row.latitude),
        "longitude": _decimal_shown(row.longitude),
        "places": str(row.places),
        "contact_email": row.contact_email or "",
    }
    for weekday in forms.WEEKDAYS:
        form[f"opening_{weekday}"] = forms.windows_text(row.opening, weekday)
    return form


def _cabinet_data(
    posted: dict[str, str],
) -> tuple[dict[str, Any], list[str], dict[str, str]]:
    """The form as the API's `CabinetCreate` reads it, the input each window came from, and the
    windows that do not read as such."""
    windows, inputs, errors = forms.read_windows(posted, "opening", CABINET_LABELS)
    data: dict[str, Any] = {name: posted.get(name, "").strip() for name in CABINET_FIELDS}
    for name in ("latitude", "longitude"):
        typed = forms.decimal_text(posted.get(name, ""))
        if typed:
            data[name] = typed
    data["places"] = forms.whole_number(posted.get("places", "") or "1")
    data["contact_email"] = posted.get("contact_email", "").strip() or None
    data["opening"] = windows
    return data, inputs, errors


def _cabinet_page(
    request: Request,
    session: SessionDep,
    user: models.User,
    row: models.Cabinet | None,
    form: dict[str, str],
    errors: dict[str, str],
    *,
    version: int = 0,
    info: str | None = None,
    session_form: dict[str, str] | None = None,
    session_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    sessions: list[dict[str, Any]] = []
    doctors: list[models.Doctor] = []
    if row is not None:
        doctors = resources.DOCTORS.list(
            session, user, limit=200, offset=0, cabinet_id=row.id
        ).items
        names = {d.id: f"{d.first_name} {d.last_name}" for d in doctors}
        found = resources.CONSULTATION_SESSIONS.list(
            session, user, limit=200, offset=0, cabinet_id=row.id
        ).items
        sessions = [
            {
                "id": item.id,
                "day": french.weekday_name(item.weekday).capitalize(),
                "hours": f"{french.clock_hours(item.start_minute)} – "
                f"{french.clock_hours(item.end_minute)}",
                "doctor": names.get(item.doctor_id or 0, "tous les médecins"),
                "weight": item.weight,
                "version": resources.session_version(item),
            }
            for item in sorted(found, key=lambda s: (s.weekday, s.start_minute))
        ]
    context = {
        "nav": "cabinets",
        "cabinet": row,
        "form": form,
        "errors": errors,
        "version": version,
        "info": INFO.get(info or ""),
        "weekdays": [(d, french.weekday_name(d).capitalize()) for d in forms.WEEKDAYS],
        "sessions": sessions,
        "doctor_options": [(d.id, f"{d.first_name} {d.last_name}") for d in doctors],
        "session_form": session_form or {"weight": "1"},
        "session_errors": session_errors or {},
    }
    return render(request, "setup/cabinet.html", context, user=user, status_code=status_code)


@router.get("/cabinets")
def cabinets_page(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    q: Search = "",
    page: PageNumber = 1,
    info: Info = None,
) -> HTMLResponse:
    """The groupement's cabinets, searched by name, city or code, a page at a time."""
    found = resources.CABINETS.list(
        session, user, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, q=q.strip() or None
    )
    context = {
        "nav": "cabinets",
        "cabinets": found.items,
        "q": q.strip(),
        "paging": paging(found.total, page),
        "info": INFO.get(info or ""),
        "opening": {c.id: forms.week_summary(c.opening) for c in found.items},
    }
    return render(request, "setup/cabinets.html", context, user=user)


@router.get("/cabinets/nouveau")
def new_cabinet_page(request: Request, session: SessionDep, user: CoordinatorPage) -> HTMLResponse:
    """The form of a new cabinet."""
    return _cabinet_page(request, session, user, None, {"places": "1"}, {})


@router.post("/cabinets/nouveau", dependencies=[CsrfChecked])
def create_cabinet(
    request: Request, session: SessionDep, user: CoordinatorPage, posted: Posted
) -> Response:
    """Create a cabinet; a refused input is shown next to its field, with what was typed."""
    data, inputs, errors = _cabinet_data(posted)
    body, schema_errors = forms.validate(CabinetCreate, data, CABINET_LABELS, {"opening": inputs})
    errors = schema_errors | errors
    if body is not None and not errors:
        row, errors = forms.attempt(
            lambda: resources.CABINETS.create(session, user, body.model_dump()),
            CABINET_LABELS,
            CABINET_WORDING,
        )
        if row is not None:
            return RedirectResponse(f"/cabinets/{row.id}?info=cree", status_code=303)
    return _cabinet_page(request, session, user, None, posted, errors, status_code=422)


@router.get("/cabinets/{cabinet_id}")
def cabinet_page(
    request: Request, session: SessionDep, user: CoordinatorPage, cabinet_id: int, info: Info = None
) -> HTMLResponse:
    """A cabinet's form, its consultation sessions and its deletion."""
    row = resources.CABINETS.get(session, user, cabinet_id)
    version = resources.CABINETS.version(row)
    return _cabinet_page(
        request, session, user, row, _cabinet_form(row), {}, version=version, info=info
    )


@router.post("/cabinets/{cabinet_id}", dependencies=[CsrfChecked])
def update_cabinet(
    request: Request, session: SessionDep, user: CoordinatorPage, cabinet_id: int, posted: Posted
) -> Response:
    """Change a cabinet under the version its form was read at."""
    resources.CABINETS.get(session, user, cabinet_id)  # another groupement's: 404, as a missing one
    data, inputs, errors = _cabinet_data(posted)
    body, schema_errors = forms.validate(CabinetCreate, data, CABINET_LABELS, {"opening": inputs})
    errors = schema_errors | errors
    show = _cabinet_shown(request, session, user)
    if body is None or errors:
        return errors_shown(resources.CABINETS, session, user, cabinet_id, posted, errors, show)
    return save_edit(
        resources.CABINETS,
        session,
        user,
        cabinet_id,
        body.model_dump(),
        posted,
        (CABINET_LABELS, CABINET_WORDING),
        saved=f"/cabinets/{cabinet_id}?info=enregistre",
        show=show,
    )


@router.post("/cabinets/{cabinet_id}/supprimer", dependencies=[CsrfChecked])
def delete_cabinet(
    request: Request, session: SessionDep, user: CoordinatorPage, cabinet_id: int, posted: Posted
) -> Response:
    """Delete a cabinet that holds no share and no assignment."""
    return delete_row(
        resources.CABINETS,
        session,
        user,
        cabinet_id,
        posted,
        (CABINET_LABELS, CABINET_WORDING),
        done="/cabinets?info=supprime",
        show=_cabinet_shown(request, session, user),
        form_of=_cabinet_form,
    )


def _cabinet_shown(request: Request, session: Session, user: models.User) -> ShowForm:
    def show(
        row: models.Cabinet, form: dict[str, str], errors: dict[str, str], version: int, status: int
    ) -> Response:
        return _cabinet_page(
            request, session, user, row, form, errors, version=version, status_code=status
        )

    return show


@router.post("/cabinets/{cabinet_id}/seances", dependencies=[CsrfChecked])
def add_session(
    request: Request, session: SessionDep, user: CoordinatorPage, cabinet_id: int, posted: Posted
) -> Response:
    """Add a weekly consultation session to a cabinet."""
    row = resources.CABINETS.get(session, user, cabinet_id)
    data: dict[str, Any] = {"cabinet_id": cabinet_id}
    errors: dict[str, str] = {}
    data["weekday"] = forms.whole_number(posted.get("weekday", ""))
    for name in ("start_minute", "end_minute"):
        typed = posted.get(name, "").strip()
        minutes = forms.clock_minutes(typed) if typed else None
        if not typed:
            errors[name] = f"« {SESSION_LABELS.label(name)} » est obligatoire."
        elif minutes is None:
            errors[name] = (
                f"« {SESSION_LABELS.label(name)} » n'est pas une heure valide "
                "(attendu : HH:MM, par exemple 08:30)."
            )
        data[name] = minutes
    doctor = posted.get("doctor_id", "").strip()
    data["doctor_id"] = forms.whole_number(doctor) if doctor else None
    data["weight"] = forms.whole_number(posted.get("weight", "") or "1")
    body, schema_errors = forms.validate(ConsultationSessionCreate, data, SESSION_LABELS)
    errors = {**schema_errors, **errors}
    if body is not None and not errors:
        _, errors = forms.attempt(
            lambda: resources.CONSULTATION_SESSIONS.create(session, user, body.model_dump()),
            SESSION_LABELS,
            SESSION_WORDING,
        )
        if not errors:
            return RedirectResponse(f"/cabinets/{cabinet_id}?info=seance#seances", status_code=303)
    return _cabinet_page(
        request,
        session,
        user,
        row,
        _cabinet_form(row),
        {},
        version=resources.CABINETS.version(row),
        session_form=posted,
        session_errors=errors,
        status_code=422,
    )


@router.post("/cabinets/{cabinet_id}/seances/{session_id}/supprimer", dependencies=[CsrfChecked])
def delete_session(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    cabinet_id: int,
    session_id: int,
    posted: Posted,
) -> Response:
    """Remove a consultation session of the cabinet."""
    row = resources.CABINETS.get(session, user, cabinet_id)
    found = resources.CONSULTATION_SESSIONS.get(session, user, session_id)
    if found.cabinet_id != row.id:
        raise HTTPException(status_code=404, detail="séance introuvable dans ce cabinet")
    _, errors = forms.attempt(
        lambda: resources.CONSULTATION_SESSIONS.delete(
            session, user, session_id, expected=expected_version(posted)
        ),
        SESSION_LABELS,
        SESSION_WORDING,
    )
    if not errors:
        return RedirectResponse(
            f"/cabinets/{cabinet_id}?info=seance-supprimee#seances", status_code=303
        )
    row = resources.CABINETS.get(session, user, cabinet_id)
    return _cabinet_page(
        request,
        session,
        user,
        row,
        _cabinet_form(row),
        {},
        version=resources.CABINETS.version(row),
        session_errors=errors,
        status_code=409,
    )
