"""The coordinator's page of an assistant's absences: record one, change it, withdraw it.

The absence service records them through the planning workflow (the hours ledger stops, or
starts again, counting the time as delivered); the page types moments in the groupement's time
zone and, as the other set-up pages, writes under the version it was read at.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep
from api.pages import forms, views
from api.pages.routes.setup import Info, Posted, expected_version
from api.pages.routes.shared import user_zone
from api.pages.web import CoordinatorPage, CsrfChecked, render
from api.schemas import AbsenceCreate, AbsenceUpdate
from scheduler import french, models
from scheduler.services import resources

router = APIRouter(include_in_schema=False)

ROWS = 100
"""The absences the page lists, latest first."""

INFO = {
    "cree": "Absence enregistrée : les planifications à venir en tiendront compte.",
    "modifie": "Absence modifiée.",
    "retire": "Absence retirée.",
}
LABELS = forms.Labels(
    {
        "kind": "Motif",
        "start_at": "Du",
        "end_at": "Au",
        "replaced": "Remplacée",
        "reason": "Précision",
    },
    patterns={"reason": "ne doit pas contenir de caractère de contrôle"},
    aliases={"form": "end_at"},
)
WORDING = forms.Wording(stale="Cette absence a été modifiée")
_MOMENT_ERROR = "n'est pas une date et une heure valides (attendu : AAAA-MM-JJ HH:MM)"


def _moment(text: str, zone: ZoneInfo) -> datetime | str:
    """A `datetime-local` input's value in the groupement's zone, or the text (refused later)."""
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=zone)
    except ValueError:
        return text


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _data(posted: dict[str, str], zone: ZoneInfo) -> tuple[dict[str, Any], dict[str, str]]:
    data: dict[str, Any] = {"kind": posted.get("kind", "") or None}
    errors: dict[str, str] = {}
    for name in ("start_at", "end_at"):
        typed = posted.get(name, "").strip()
        data[name] = _moment(typed, zone) if typed else None
        if typed and isinstance(data[name], str):
            errors[name] = f"« {LABELS.label(name)} » {_MOMENT_ERROR}."
        elif not typed:
            errors[name] = f"« {LABELS.label(name)} » est obligatoire."
    data["replaced"] = posted.get("replaced") == "on"
    data["reason"] = posted.get("reason", "").strip() or None
    return data, errors


def _page(
    request: Request,
    session: SessionDep,
    user: models.User,
    assistant: models.Assistant,
    *,
    info: str | None = None,
    new_form: dict[str, str] | None = None,
    new_errors: dict[str, str] | None = None,
    edited: int | None = None,
    edit_form: dict[str, str] | None = None,
    edit_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    zone = user_zone(session, user)
    found = resources.ABSENCES.list(
        session, user, limit=ROWS, offset=0, assistant_id=assistant.id
    ).items
    rows = []
    for absence in sorted(found, key=lambda a: a.start_at, reverse=True):
        form = {
            "kind": absence.kind.value,
            "start_at": _local(absence.start_at, zone),
            "end_at": _local(absence.end_at, zone),
            "replaced": "on" if absence.replaced else "",
            "reason": absence.reason or "",
        }
        mine = absence.id == edited
        rows.append(
            {
                "absence": absence,
                "kind": views.ABSENCE_KIND_FR[absence.kind],
                "span": f"du {french.weekday_date(absence.start_at.astimezone(zone).date())} "
                f"{french.clock_hours(absence.start_at.astimezone(zone))} au "
                f"{french.weekday_date(absence.end_at.astimezone(zone).date(), year=True)} "
                f"{french.clock_hours(absence.end_at.astimezone(zone))}",
                "version": resources.ABSENCES.version(absence),
                "form": (edit_form or form) if mine else form,
                "errors": (edit_errors or {}) if mine else {},
            }
        )
    context = {
        "nav": "assistantes",
        "assistant": assistant,
        "rows": rows,
        "kinds": [(kind.value, label) for kind, label in views.ABSENCE_KIND_FR.items()],
        "info": INFO.get(info or ""),
        "new_form": new_form or {"kind": models.AbsenceKind.LEAVE.value},
        "new_errors": new_errors or {},
        "zone": zone.key,
    }
    return render(request, "setup/absences.html", context, user=user, status_code=status_code)


@router.get("/assistantes/{assistant_id}/absences")
def absences_page(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    assistant_id: int,
    info: Info = None,
) -> HTMLResponse:
    """An assistant's absences, with the forms that record, change and withdraw them."""
    assistant = resources.ASSISTANTS.get(session, user, assistant_id)
    return _page(request, session, user, assistant, info=info)


@router.post("/assistantes/{assistant_id}/absences", dependencies=[CsrfChecked])
def create_absence(
    request: Request, session: SessionDep, user: CoordinatorPage, assistant_id: int, posted: Posted
) -> Response:
    """Record an absence of the assistant."""
    assistant = resources.ASSISTANTS.get(session, user, assistant_id)
    data, errors = _data(posted, user_zone(session, user))
    body, schema_errors = forms.validate(
        AbsenceCreate, data | {"assistant_id": assistant_id}, LABELS
    )
    errors = schema_errors | errors
    if body is not None and not errors:
        _, errors = forms.attempt(
            lambda: resources.ABSENCES.create(session, user, body.model_dump()), LABELS, WORDING
        )
        if not errors:
            return RedirectResponse(
                f"/assistantes/{assistant_id}/absences?info=cree", status_code=303
            )
        assistant = resources.ASSISTANTS.get(session, user, assistant_id)
    return _page(
        request,
        session,
        user,
        assistant,
        new_form=posted,
        new_errors=errors,
        status_code=422,
    )


def _absence_of(
    session: SessionDep, user: models.User, assistant_id: int, absence_id: int
) -> models.Absence:
    absence = resources.ABSENCES.get(session, user, absence_id)
    if absence.assistant_id != assistant_id:
        raise HTTPException(status_code=404, detail="absence introuvable pour cette assistante")
    return absence


@router.post("/assistantes/{assistant_id}/absences/{absence_id}", dependencies=[CsrfChecked])
def update_absence(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    assistant_id: int,
    absence_id: int,
    posted: Posted,
) -> Response:
    """Change an absence under the version the page was read at."""
    assistant = resources.ASSISTANTS.get(session, user, assistant_id)
    _absence_of(session, user, assistant_id, absence_id)
    data, errors = _data(posted, user_zone(session, user))
    body, schema_errors = forms.validate(AbsenceUpdate, data, LABELS)
    errors = schema_errors | errors
    if body is not None and not errors:
        changes = body.model_dump()
        _, errors = forms.attempt(
            lambda: resources.ABSENCES.update(
                session, user, absence_id, changes, expected=expected_version(posted)
            ),
            LABELS,
            WORDING,
        )
        if not errors:
            return RedirectResponse(
                f"/assistantes/{assistant_id}/absences?info=modifie", status_code=303
            )
        assistant = resources.ASSISTANTS.get(session, user, assistant_id)
    status = 409 if forms.FORM in errors else 422
    return _page(
        request,
        session,
        user,
        assistant,
        edited=absence_id,
        edit_form=posted,
        edit_errors=errors,
        status_code=status,
    )


@router.post(
    "/assistantes/{assistant_id}/absences/{absence_id}/retirer", dependencies=[CsrfChecked]
)
def withdraw_absence(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    assistant_id: int,
    absence_id: int,
    posted: Posted,
) -> Response:
    """Withdraw an absence: the time counts as delivered again where it was planned."""
    _absence_of(session, user, assistant_id, absence_id)
    _, errors = forms.attempt(
        lambda: resources.ABSENCES.delete(
            session, user, absence_id, expected=expected_version(posted)
        ),
        LABELS,
        WORDING,
    )
    if not errors:
        return RedirectResponse(
            f"/assistantes/{assistant_id}/absences?info=retire", status_code=303
        )
    assistant = resources.ASSISTANTS.get(session, user, assistant_id)
    return _page(
        request,
        session,
        user,
        assistant,
        edited=absence_id,
        edit_errors=errors,
        status_code=409,
    )
