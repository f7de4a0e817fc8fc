"""The coordinator's users page (invite, invite again, deactivate) and the invited person's
page, where the e-mailed link lets her choose her password.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep, SettingsDep
from api.pages.routes.setup import PER_PAGE, PageNumber, Search, paging
from api.pages.routes.shared import MAX_ROWS
from api.pages.web import ROLE_FR, ROLE_HOME, CoordinatorPage, CsrfChecked, render, sign_in
from scheduler import access, models
from scheduler.config import Settings
from scheduler.errors import AccountStateConflict, DuplicateResource, InvalidField, NotFound
from scheduler.services import invitations, resources

router = APIRouter(include_in_schema=False)

_INVITE_FIELDS = ("full_name", "email", "role", "cabinet_id", "assistant_id")
_STATUS_FR = {
    "active": "Actif",
    "invited": "Invitation envoyée ou en attente d'envoi",
    "invitation_failed": "Invitation non remise",
    "invitation_expired": "Invitation expirée",
    "deactivated": "Désactivé",
}


def _users_context(
    session: SessionDep,
    user: models.User,
    settings: Settings,
    *,
    q: str = "",
    page: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    q = q.strip()
    return {
        "nav": "utilisateurs",
        "mail_disabled": settings.smtp_host is None,
        "standings": invitations.standings(
            session, user, q=q or None, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
        ),
        "q": q,
        "paging": paging(invitations.count_users(session, user, q or None), page),
        "status_fr": _STATUS_FR,
        "role_names": ROLE_FR,
        "roles": access.invited_on_pages(user),
        "cabinets": resources.CABINETS.list(session, user, limit=MAX_ROWS, offset=0).items,
        "assistants": resources.ASSISTANTS.list(session, user, limit=MAX_ROWS, offset=0).items,
        "form": {},
        "errors": {},
        "notice": None,
        **extra,
    }


@router.get("/utilisateurs")
def users_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CoordinatorPage,
    fait: Annotated[str | None, Query(max_length=32)] = None,
    q: Search = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    """The groupement's users with where each account stands, searched by name or e-mail a page
    at a time, and the invitation form."""
    notice = {
        "invite": "Invitation enregistrée : l'e-mail part dans la minute.",
        "relance": "Nouvelle invitation enregistrée : les liens précédents ne servent plus.",
        "desactive": "Compte désactivé : il ne permet plus de se connecter.",
    }.get(fait or "")
    return render(
        request,
        "users.html",
        _users_context(session, user, settings, q=q, page=page, notice=notice),
        user=user,
    )


@router.post("/utilisateurs", dependencies=[CsrfChecked])
def invite_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CoordinatorPage,
    full_name: Annotated[str, Form(max_length=200)],
    email: Annotated[str, Form(max_length=254)],
    role: Annotated[str, Form(max_length=32)],
    cabinet_id: Annotated[str, Form(max_length=12)] = "",
    assistant_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Invite a person; a field that breaks its rule is named next to its input."""
    form = {"full_name": full_name, "email": email, "role": role}
    form |= {"cabinet_id": cabinet_id, "assistant_id": assistant_id}
    errors: dict[str, str] = {}
    offered = {r.value: r for r in access.invited_on_pages(user)}
    chosen_role = offered.get(role)
    if chosen_role is None:
        errors["role"] = "choisissez un rôle de la liste"
    else:
        # Only the row the role acts for: the form keeps both lists whatever the role.
        cabinet = int(cabinet_id) if cabinet_id.isascii() and cabinet_id.isdigit() else None
        assistant = int(assistant_id) if assistant_id.isascii() and assistant_id.isdigit() else None
        try:
            invitations.invite(
                session,
                user,
                email=email,
                full_name=full_name,
                role=chosen_role,
                cabinet_id=cabinet if access.acts_for_cabinet(chosen_role) else None,
                assistant_id=assistant if access.acts_for_assistant(chosen_role) else None,
            )
        except InvalidField as error:
            field = error.field.removeprefix("body.")
            errors[field if field in _INVITE_FIELDS else "email"] = error.message
        except DuplicateResource:
            errors["email"] = "un compte existe déjà avec cette adresse"
        except NotFound as error:
            field = getattr(error, "field", "body.cabinet_id").removeprefix("body.")
            errors[field if field in _INVITE_FIELDS else "cabinet_id"] = str(error)
    if errors:
        context = _users_context(session, user, settings, form=form, errors=errors)
        return render(request, "users.html", context, user=user, status_code=422)
    return RedirectResponse("/utilisateurs?fait=invite", status_code=303)


UserId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _on_account(
    request: Request,
    session: SessionDep,
    settings: Settings,
    user: models.User,
    act: Callable[[], object],
    done: str,
) -> Response:
    """Do `act` on an account: back to the list with `done` said, or the list with the refusal
    of the account's state (409)."""
    try:
        act()
    except AccountStateConflict as error:
        context = _users_context(session, user, settings, notice=None, refusal=str(error))
        return render(request, "users.html", context, user=user, status_code=409)
    return RedirectResponse(f"/utilisateurs?fait={done}", status_code=303)


@router.post("/utilisateurs/{user_id}/relance", dependencies=[CsrfChecked])
def invite_again_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CoordinatorPage,
    user_id: UserId,
) -> Response:
    """A new invitation for a user who has not chosen her password, or was deactivated."""
    act = lambda: invitations.invite_again(session, user, user_id)  # noqa: E731
    return _on_account(request, session, settings, user, act, "relance")


@router.post("/utilisateurs/{user_id}/desactivation", dependencies=[CsrfChecked])
def deactivate_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CoordinatorPage,
    user_id: UserId,
) -> Response:
    """Close a user's account."""
    act = lambda: invitations.deactivate(session, user, user_id)  # noqa: E731
    return _on_account(request, session, settings, user, act, "desactive")


# --- The invited person ---------------------------------------------------------------------

# The page's address holds a secret: neither kept by a cache nor sent on to another site.
_SECRET = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@router.get("/invitation")
def invitation_page(
    request: Request,
    session: SessionDep,
    jeton: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The form to choose one's password, from the e-mailed link while it is valid."""
    row = invitations.open_invitation(session, jeton)
    if row is None:
        context = {"token": "", "refused": True, "errors": {}, "invited": None}
        return render(request, "invitation.html", context, status_code=404, headers=_SECRET)
    invited = session.get(models.User, row.user_id)
    context = {"token": jeton, "refused": False, "errors": {}, "invited": invited}
    return render(request, "invitation.html", context, headers=_SECRET)


@router.post("/invitation", dependencies=[CsrfChecked])
def invitation_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    jeton: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    password_again: Annotated[str, Form(max_length=200)],
) -> Response:
    """Set the password, sign the person in and take her to her page."""
    try:
        person = invitations.accept(session, jeton, password, password_again)
    except NotFound:
        context = {"token": "", "refused": True, "errors": {}, "invited": None}
        return render(request, "invitation.html", context, status_code=404)
    except InvalidField as error:
        row = invitations.open_invitation(session, jeton)
        if row is None:
            raise HTTPException(status_code=404, detail="page introuvable") from error
        invited = session.get(models.User, row.user_id)
        context = {
            "token": jeton,
            "refused": False,
            "errors": {error.field: error.message},
            "invited": invited,
        }
        return render(request, "invitation.html", context, status_code=422)
    response = RedirectResponse(ROLE_HOME.get(person.role, "/"), status_code=303)
    sign_in(response, request, person, settings)
    return response
