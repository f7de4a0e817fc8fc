"""The coordinator's set-up pages for people: the cabinets' doctors, and the assistants with
their weekly availability.

As in `setup`: writes through the resource services under the version the page was read at,
each refusal next to its input with what was typed kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.pages import forms
from api.pages.routes.setup import (
    Info,
    PageNumber,
    Posted,
    Search,
    ShowForm,
    delete_row,
    errors_shown,
    paging,
    save_edit,
)
from api.pages.routes.shared import MAX_ROWS
from api.pages.web import CoordinatorPage, CsrfChecked, render
from api.schemas import AssistantCreate, DoctorCreate
from scheduler import french, models
from scheduler.services import resources

router = APIRouter(include_in_schema=False)

PER_PAGE = 20

INFO = {
    "enregistre": "Modifications enregistrées.",
    "cree": "Fiche créée.",
    "supprime": "Fiche supprimée.",
}

_NO_CONTROL = "ne doit pas contenir de caractère de contrôle"

# --- Doctors ---------------------------------------------------------------------------------------

DOCTOR_LABELS = forms.Labels(
    {
        "cabinet_id": "Cabinet",
        "rpps": "Numéro RPPS",
        "first_name": "Prénom",
        "last_name": "Nom",
        "specialty": "Spécialité",
        "installed_on": "Installé le",
    },
    patterns={
        "rpps": "doit compter 11 chiffres",
        "first_name": _NO_CONTROL,
        "last_name": _NO_CONTROL,
        "specialty": _NO_CONTROL,
    },
)
DOCTOR_WORDING = forms.Wording(
    stale="Cette fiche de médecin a été modifiée", duplicate_field="rpps"
)
DOCTOR_FIELDS = ("rpps", "first_name", "last_name", "specialty", "installed_on")


def _cabinet_options(session: SessionDep, user: models.User) -> list[tuple[int, str]]:
    cabinets = resources.CABINETS.list(session, user, limit=MAX_ROWS, offset=0).items
    return sorted(((c.id, c.name) for c in cabinets), key=lambda option: option[1])


def _doctor_page(
    request: Request,
    session: SessionDep,
    user: models.User,
    row: models.Doctor | None,
    form: dict[str, str],
    errors: dict[str, str],
    *,
    version: int = 0,
    info: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "nav": "medecins",
        "doctor": row,
        "form": form,
        "errors": errors,
        "version": version,
        "info": INFO.get(info or ""),
        "cabinets": _cabinet_options(session, user),
    }
    return render(request, "setup/doctor.html", context, user=user, status_code=status_code)


def _doctor_data(posted: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {name: posted.get(name, "").strip() for name in DOCTOR_FIELDS}
    data["cabinet_id"] = forms.whole_number(posted.get("cabinet_id", "")) or None
    if not data["specialty"]:
        del data["specialty"]  # the schema's default: médecine générale
    data["installed_on"] = data["installed_on"] or None
    return data


@router.get("/medecins")
def doctors_page(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    cabinet: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    page: PageNumber = 1,
    info: Info = None,
) -> HTMLResponse:
    """The doctors of the groupement's cabinets, by cabinet, a page at a time."""
    found = resources.DOCTORS.list(
        session, user, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, cabinet_id=cabinet
    )
    options = _cabinet_options(session, user)
    context = {
        "nav": "medecins",
        "doctors": found.items,
        "cabinets": options,
        "cabinet_names": dict(options),
        "chosen": cabinet,
        "paging": paging(found.total, page),
        "info": INFO.get(info or ""),
    }
    return render(request, "setup/doctors.html", context, user=user)


@router.get("/medecins/nouveau")
def new_doctor_page(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    cabinet: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> HTMLResponse:
    """The form of a new doctor."""
    form = {"cabinet_id": str(cabinet or ""), "specialty": "médecine générale"}
    return _doctor_page(request, session, user, None, form, {})


@router.post("/medecins/nouveau", dependencies=[CsrfChecked])
def create_doctor(
    request: Request, session: SessionDep, user: CoordinatorPage, posted: Posted
) -> Response:
    """Add a doctor to a cabinet."""
    body, errors = forms.validate(DoctorCreate, _doctor_data(posted), DOCTOR_LABELS)
    if body is not None:
        row, errors = forms.attempt(
            lambda: resources.DOCTORS.create(session, user, body.model_dump()),
            DOCTOR_LABELS,
            DOCTOR_WORDING,
        )
        if row is not None:
            return RedirectResponse(f"/medecins/{row.id}?info=cree", status_code=303)
    return _doctor_page(request, session, user, None, posted, errors, status_code=422)


def _doctor_form(row: models.Doctor) -> dict[str, str]:
    form = {name: str(getattr(row, name) or "") for name in DOCTOR_FIELDS}
    form["installed_on"] = row.installed_on.isoformat() if row.installed_on else ""
    form["cabinet_id"] = str(row.cabinet_id)
    return form


@router.get("/medecins/{doctor_id}")
def doctor_page(
    request: Request, session: SessionDep, user: CoordinatorPage, doctor_id: int, info: Info = None
) -> HTMLResponse:
    """A doctor's form and deletion."""
    row = resources.DOCTORS.get(session, user, doctor_id)
    version = resources.DOCTORS.version(row)
    return _doctor_page(
        request, session, user, row, _doctor_form(row), {}, version=version, info=info
    )


@router.post("/medecins/{doctor_id}", dependencies=[CsrfChecked])
def update_doctor(
    request: Request, session: SessionDep, user: CoordinatorPage, doctor_id: int, posted: Posted
) -> Response:
    """Change a doctor under the version the form was read at."""
    resources.DOCTORS.get(session, user, doctor_id)  # another groupement's: 404, as a missing one
    body, errors = forms.validate(DoctorCreate, _doctor_data(posted), DOCTOR_LABELS)
    show = _doctor_shown(request, session, user)
    if body is None:
        return errors_shown(resources.DOCTORS, session, user, doctor_id, posted, errors, show)
    return save_edit(
        resources.DOCTORS,
        session,
        user,
        doctor_id,
        body.model_dump(),
        posted,
        (DOCTOR_LABELS, DOCTOR_WORDING),
        saved=f"/medecins/{doctor_id}?info=enregistre",
        show=show,
    )


@router.post("/medecins/{doctor_id}/supprimer", dependencies=[CsrfChecked])
def delete_doctor(
    request: Request, session: SessionDep, user: CoordinatorPage, doctor_id: int, posted: Posted
) -> Response:
    """Remove a doctor."""
    return delete_row(
        resources.DOCTORS,
        session,
        user,
        doctor_id,
        posted,
        (DOCTOR_LABELS, DOCTOR_WORDING),
        done="/medecins?info=supprime",
        show=_doctor_shown(request, session, user),
        form_of=_doctor_form,
    )


def _doctor_shown(request: Request, session: Session, user: models.User) -> ShowForm:
    def show(
        row: models.Doctor, form: dict[str, str], errors: dict[str, str], version: int, status: int
    ) -> Response:
        return _doctor_page(
            request, session, user, row, form, errors, version=version, status_code=status
        )

    return show


# --- Assistants ------------------------------------------------------------------------------------

ASSISTANT_LABELS = forms.Labels(
    {
        "code": "Code",
        "first_name": "Prénom",
        "last_name": "Nom",
        "email": "Adresse e-mail",
        "preferred_days_off": "Jours de repos souhaités",
        "earliest_start_minute": "Début au plus tôt",
        "latest_end_minute": "Fin au plus tard",
        "availability": "Disponibilités",
        **forms.day_labels("availability"),
    },
    patterns={
        "code": "doit commencer par une lettre ou un chiffre, puis lettres, chiffres, « _ », "
        "« . » ou « - » seulement (par exemple am-julie)",
        "email": "n'est pas une adresse e-mail valide (attendu : nom@domaine.fr)",
        "first_name": _NO_CONTROL,
        "last_name": _NO_CONTROL,
    },
)
ASSISTANT_WORDING = forms.Wording(
    stale="Cette fiche d'assistante a été modifiée",
    in_use="Cette assistante ne peut pas être supprimée : elle est encore dans un contrat ou "
    "dans un planning. Retirez-la d'abord de ses contrats.",
)
ASSISTANT_FIELDS = ("code", "first_name", "last_name", "email")
TIMES = ("earliest_start_minute", "latest_end_minute")


def _assistant_form(row: models.Assistant) -> dict[str, str]:
    form = {name: str(getattr(row, name) or "") for name in ASSISTANT_FIELDS}
    for name in TIMES:
        form[name] = forms.clock_text(getattr(row, name))
    for weekday in forms.WEEKDAYS:
        form[f"availability_{weekday}"] = forms.windows_text(row.availability, weekday)
        if weekday in row.preferred_days_off:
            form[f"off_{weekday}"] = "on"
    return form


def _assistant_data(
    posted: dict[str, str],
) -> tuple[dict[str, Any], list[str], dict[str, str]]:
    windows, inputs, errors = forms.read_windows(posted, "availability", ASSISTANT_LABELS)
    data: dict[str, Any] = {name: posted.get(name, "").strip() for name in ASSISTANT_FIELDS}
    data["email"] = data["email"] or None
    data["preferred_days_off"] = [d for d in forms.WEEKDAYS if posted.get(f"off_{d}") == "on"]
    for name in TIMES:
        typed = posted.get(name, "").strip()
        data[name] = forms.clock_minutes(typed) if typed else None
        if typed and data[name] is None:
            errors[name] = (
                f"« {ASSISTANT_LABELS.label(name)} » n'est pas une heure valide "
                "(attendu : HH:MM, par exemple 08:30)."
            )
    data["availability"] = windows
    return data, inputs, errors


def _assistant_page(
    request: Request,
    user: models.User,
    row: models.Assistant | None,
    form: dict[str, str],
    errors: dict[str, str],
    *,
    version: int = 0,
    info: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "nav": "assistantes",
        "assistant": row,
        "form": form,
        "errors": errors,
        "version": version,
        "info": INFO.get(info or ""),
        "weekdays": [(d, french.weekday_name(d).capitalize()) for d in forms.WEEKDAYS],
    }
    return render(request, "setup/assistant.html", context, user=user, status_code=status_code)


@router.get("/assistantes")
def assistants_page(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    q: Search = "",
    page: PageNumber = 1,
    info: Info = None,
) -> HTMLResponse:
    """The groupement's assistants, searched by name, a page at a time."""
    found = resources.ASSISTANTS.list(
        session, user, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, q=q.strip() or None
    )
    context = {
        "nav": "assistantes",
        "assistants": found.items,
        "q": q.strip(),
        "paging": paging(found.total, page),
        "info": INFO.get(info or ""),
        "availability": {a.id: forms.week_summary(a.availability) for a in found.items},
    }
    return render(request, "setup/assistants.html", context, user=user)


@router.get("/assistantes/nouvelle")
def new_assistant_page(request: Request, user: CoordinatorPage) -> HTMLResponse:
    """The form of a new assistant."""
    return _assistant_page(request, user, None, {}, {})


@router.post("/assistantes/nouvelle", dependencies=[CsrfChecked])
def create_assistant(
    request: Request, session: SessionDep, user: CoordinatorPage, posted: Posted
) -> Response:
    """Add an assistant with her availability."""
    data, inputs, errors = _assistant_data(posted)
    body, schema_errors = forms.validate(
        AssistantCreate, data, ASSISTANT_LABELS, {"availability": inputs}
    )
    errors = schema_errors | errors
    if body is not None and not errors:
        row, errors = forms.attempt(
            lambda: resources.ASSISTANTS.create(session, user, body.model_dump()),
            ASSISTANT_LABELS,
            ASSISTANT_WORDING,
        )
        if row is not None:
            return RedirectResponse(f"/assistantes/{row.id}?info=cree", status_code=303)
    return _assistant_page(request, user, None, posted, errors, status_code=422)


@router.get("/assistantes/{assistant_id}")
def assistant_page(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    assistant_id: int,
    info: Info = None,
) -> HTMLResponse:
    """An assistant's form and deletion."""
    row = resources.ASSISTANTS.get(session, user, assistant_id)
    version = resources.ASSISTANTS.version(row)
    return _assistant_page(request, user, row, _assistant_form(row), {}, version=version, info=info)


@router.post("/assistantes/{assistant_id}", dependencies=[CsrfChecked])
def update_assistant(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    assistant_id: int,
    posted: Posted,
) -> Response:
    """Change an assistant under the version the form was read at."""
    resources.ASSISTANTS.get(session, user, assistant_id)  # another groupement's: 404
    data, inputs, errors = _assistant_data(posted)
    body, schema_errors = forms.validate(
        AssistantCreate, data, ASSISTANT_LABELS, {"availability": inputs}
    )
    errors = schema_errors | errors
    show = _assistant_shown(request, user)
    if body is None or errors:
        return errors_shown(resources.ASSISTANTS, session, user, assistant_id, posted, errors, show)
    return save_edit(
        resources.ASSISTANTS,
        session,
        user,
        assistant_id,
        body.model_dump(),
        posted,
        (ASSISTANT_LABELS, ASSISTANT_WORDING),
        saved=f"/assistantes/{assistant_id}?info=enregistre",
        show=show,
    )


@router.post("/assistantes/{assistant_id}/supprimer", dependencies=[CsrfChecked])
def delete_assistant(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    assistant_id: int,
    posted: Posted,
) -> Response:
    """Remove an assistant who is in no contract and no rota."""
    return delete_row(
        resources.ASSISTANTS,
        session,
        user,
        assistant_id,
        posted,
        (ASSISTANT_LABELS, ASSISTANT_WORDING),
        done="/assistantes?info=supprime",
        show=_assistant_shown(request, user),
        form_of=_assistant_form,
    )


def _assistant_shown(request: Request, user: models.User) -> ShowForm:
    def show(
        row: models.Assistant,
        form: dict[str, str],
        errors: dict[str, str],
        version: int,
        status: int,
    ) -> Response:
        return _assistant_page(
            request, user, row, form, errors, version=version, status_code=status
        )

    return show
