"""The coordinator's travel times between the groupement's cabinets: the list (a cabinet's legs,
a page at a time), a leg confirmed or added by hand, and the legs still missing filled with an
estimate from the cabinets' coordinates (`TRAVEL_TIMES.estimate_missing`), shown as estimates
until a coordinator confirms them.

As in `setup`: writes through the travel service under the version the page was read at, each
refusal next to its input with what was typed kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.pages import forms
from api.pages.routes.setup import Info, PageNumber, Posted, expected_version, paging
from api.pages.routes.shared import MAX_ROWS
from api.pages.web import CoordinatorPage, CsrfChecked, render
from api.schemas import TravelTimeCreate, TravelTimeUpdate
from scheduler import models
from scheduler.services import resources

router = APIRouter(include_in_schema=False)

PER_PAGE = 20
MARKED = 200
"""The legs just estimated that the list marks as new."""

INFO = {
    "enregistre": "Temps de trajet confirmé.",
    "cree": "Temps de trajet ajouté.",
    "aucun": "Aucun trajet ne manquait : rien n'a été estimé.",
}

TRAVEL_LABELS = forms.Labels(
    {
        "origin_id": "Cabinet de départ",
        "destination_id": "Cabinet d'arrivée",
        "minutes": "Minutes de route",
    }
)
TRAVEL_WORDING = forms.Wording(
    stale="Ce temps de trajet a été modifié", duplicate_field="destination_id"
)
Cabinet = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
Estimated = Annotated[str | None, Query(max_length=2400, pattern=r"^[0-9,]*$")]
Count = Annotated[int, Query(ge=0, le=100_000)]


def _cabinets(session: Session, user: models.User) -> list[tuple[int, str]]:
    found = resources.CABINETS.list(session, user, limit=MAX_ROWS, offset=0).items
    return sorted(((c.id, c.name) for c in found), key=lambda option: option[1])


def _travel_page(
    request: Request,
    session: Session,
    user: models.User,
    *,
    cabinet: int | None = None,
    page: int = 1,
    info: str | None = None,
    estimated: set[int] | None = None,
    estimated_count: int = 0,
    row_errors: dict[int, str] | None = None,
    row_typed: dict[int, str] | None = None,
    add_form: dict[str, str] | None = None,
    add_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    cabinets = _cabinets(session, user)
    if cabinet is not None:
        resources.CABINETS.get(session, user, cabinet, field="query.cabinet")
    found = resources.TRAVEL_TIMES.list(
        session, user, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, cabinet_id=cabinet
    )
    names = dict(cabinets)
    pairs = len(cabinets) * (len(cabinets) - 1) // 2
    known = resources.TRAVEL_TIMES.list(session, user, limit=1, offset=0).total
    unconfirmed = resources.TRAVEL_TIMES.list(session, user, limit=1, offset=0, estimated=True)
    context: dict[str, Any] = {
        "nav": "trajets",
        "rows": [
            {
                "travel": t,
                "origin": names.get(t.origin_id, "?"),
                "destination": names.get(t.destination_id, "?"),
                "version": resources.TRAVEL_TIMES.version(t),
                "new": t.id in (estimated or set()),
            }
            for t in found.items
        ],
        "cabinets": cabinets,
        "chosen": cabinet,
        "paging": paging(found.total, page),
        "missing": max(0, pairs - known),
        "unconfirmed": unconfirmed.total,
        "info": INFO.get(info or ""),
        "estimated_count": estimated_count,
        "few_cabinets": len(cabinets) < 2,
        "row_errors": row_errors or {},
        "row_typed": row_typed or {},
        "add_form": add_form or {},
        "add_errors": add_errors or {},
    }
    return render(request, "setup/travel.html", context, user=user, status_code=status_code)


def _where(posted: dict[str, str]) -> tuple[int | None, int]:
    """The list's cabinet and page that a row's form was posted from."""
    cabinet = forms.whole_number(posted.get("cabinet", ""))
    page = forms.whole_number(posted.get("page", ""))
    return (
        cabinet if isinstance(cabinet, int) and 1 <= cabinet <= 2_147_483_647 else None,
        page if isinstance(page, int) and 1 <= page <= 100_000 else 1,
    )


def _ids(text: str | None) -> set[int]:
    return {int(part) for part in (text or "").split(",") if part.isdigit() and len(part) <= 10}


@router.get("/trajets")
def travel_page(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    cabinet: Cabinet = None,
    page: PageNumber = 1,
    info: Info = None,
    estimes: Estimated = None,
    nombre: Count = 0,
) -> HTMLResponse:
    """The road minutes between the groupement's cabinets, a cabinet's legs or all, a page at a
    time; the legs just estimated are marked."""
    return _travel_page(
        request,
        session,
        user,
        cabinet=cabinet,
        page=page,
        info=info,
        estimated=_ids(estimes),
        estimated_count=nombre,
    )


@router.post("/trajets/estimation", dependencies=[CsrfChecked])
def estimate_travel(session: SessionDep, user: CoordinatorPage) -> Response:
    """Fill every missing leg with an estimate from the cabinets' coordinates."""
    created = resources.TRAVEL_TIMES.estimate_missing(session, user)
    if not created:
        return RedirectResponse("/trajets?info=aucun", status_code=303)
    # The first ones are marked on the list (an address stays short); all are counted.
    ids = ",".join(str(t.id) for t in created[:MARKED])
    return RedirectResponse(
        f"/trajets?nombre={len(created)}&estimes={ids}#trajets", status_code=303
    )


@router.post("/trajets/nouveau", dependencies=[CsrfChecked])
def create_travel(
    request: Request, session: SessionDep, user: CoordinatorPage, posted: Posted
) -> Response:
    """Add the road minutes between two cabinets (confirmed)."""
    data = {
        "origin_id": forms.whole_number(posted.get("origin_id", "")) or None,
        "destination_id": forms.whole_number(posted.get("destination_id", "")) or None,
        "minutes": forms.whole_number(posted.get("minutes", "")),
    }
    body, errors = forms.validate(TravelTimeCreate, data, TRAVEL_LABELS)
    if body is not None:
        _, errors = forms.attempt(
            lambda: resources.TRAVEL_TIMES.create(session, user, body.model_dump()),
            TRAVEL_LABELS,
            TRAVEL_WORDING,
        )
        if not errors:
            return RedirectResponse("/trajets?info=cree", status_code=303)
    return _travel_page(request, session, user, add_form=posted, add_errors=errors, status_code=422)


@router.post("/trajets/{travel_time_id}", dependencies=[CsrfChecked])
def confirm_travel(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    travel_time_id: int,
    posted: Posted,
) -> Response:
    """Confirm a leg's road minutes (an estimate becomes the coordination's figure)."""
    resources.TRAVEL_TIMES.get(session, user, travel_time_id)  # another groupement's: 404
    typed = posted.get("minutes", "")
    body, errors = forms.validate(
        TravelTimeUpdate,
        {"minutes": forms.whole_number(typed) if typed.strip() else None},
        TRAVEL_LABELS,
    )
    if body is not None and body.minutes is None:
        errors = {"minutes": "« Minutes de route » est obligatoire."}
    if body is not None and not errors:
        changes = body.model_dump()
        _, errors = forms.attempt(
            lambda: resources.TRAVEL_TIMES.update(
                session, user, travel_time_id, changes, expected=expected_version(posted)
            ),
            TRAVEL_LABELS,
            TRAVEL_WORDING,
        )
    cabinet, page = _where(posted)
    if body is not None and not errors:
        where = f"cabinet={cabinet}&" if cabinet else ""
        return RedirectResponse(
            f"/trajets?{where}page={page}&info=enregistre#trajets", status_code=303
        )
    message = errors.get("minutes") or errors.get(forms.FORM) or "Non enregistré."
    status = 409 if forms.FORM in errors else 422
    return _travel_page(
        request,
        session,
        user,
        cabinet=cabinet,
        page=page,
        row_errors={travel_time_id: message},
        row_typed={travel_time_id: typed},
        status_code=status,
    )
