"""Signing in and out, and the home page that sends each role to its own page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import SessionDep, SettingsDep
from api.pages.web import (
    ROLE_HOME,
    CsrfChecked,
    OptionalUser,
    render,
    sign_in,
    sign_out,
)
from api.throttle import ClockDep, SignInLimiterDep, client_address
from scheduler.auth import authenticate
from scheduler.errors import (
    AuthenticationFailed,
    DuplicateResource,
    InvalidField,
    NotFound,
    SignInThrottled,
    french_wait,
)
from scheduler.services import first_run

router = APIRouter(include_in_schema=False)


# --- Session --------------------------------------------------------------------------------------


@router.get("/")
def home(user: OptionalUser) -> RedirectResponse:
    """The role's page, or the sign-in page."""
    target = ROLE_HOME.get(user.role, "/connexion") if user is not None else "/connexion"
    return RedirectResponse(target, status_code=303)


def _safe_next(value: str | None) -> str | None:
    # Only local paths: never an open redirect to another site.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


@router.get("/connexion")
def sign_in_page(
    request: Request, user: OptionalUser, suite: Annotated[str | None, Query(max_length=300)] = None
) -> Response:
    """The sign-in form."""
    home = ROLE_HOME.get(user.role) if user is not None else None
    if home is not None:
        return RedirectResponse(home, status_code=303)
    return render(request, "signin.html", {"suite": _safe_next(suite), "error": None, "email": ""})


@router.post("/connexion", dependencies=[CsrfChecked])
def sign_in_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
    limiter: SignInLimiterDep,
    clock: ClockDep,
    suite: Annotated[str | None, Form(max_length=300)] = None,
) -> Response:
    """Check the e-mail and password, open the session and go to the role's page."""
    try:
        limiter.hit(client_address(request))
        user = authenticate(session, email, password, now=clock())
    except SignInThrottled as throttled:
        context = {
            "suite": _safe_next(suite),
            "error": f"Trop de tentatives de connexion. Réessayez dans "
            f"{french_wait(throttled.retry_after_s)}.",
            "email": email,
        }
        headers = {"Retry-After": str(throttled.retry_after_s)}
        return render(request, "signin.html", context, status_code=429, headers=headers)
    except AuthenticationFailed:
        context = {
            "suite": _safe_next(suite),
            "error": "E-mail ou mot de passe incorrect.",
            "email": email,
        }
        return render(request, "signin.html", context, status_code=401)
    home = ROLE_HOME.get(user.role)
    if home is None:
        context = {
            "suite": None,
            "error": "Votre rôle n'a pas de page web : abonnez-vous à votre agenda depuis le lien reçu.",
            "email": email,
        }
        return render(request, "signin.html", context, status_code=403)
    response = RedirectResponse(_safe_next(suite) or home, status_code=303)
    sign_in(response, request, user, settings)
    return response


# --- First run ------------------------------------------------------------------------------------

_FIRST_RUN_FIELDS = (
    "groupement_name",
    "slug",
    "timezone",
    "full_name",
    "email",
    "password",
    "password_again",
)


@router.get("/premiere-connexion")
def first_run_page(
    request: Request,
    session: SessionDep,
    jeton: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The first groupement and its coordinator, while no user exists, with the one-time token
    `partagenda serve` printed; gone once a user exists."""
    if not first_run.no_user_yet(session):
        raise HTTPException(status_code=404, detail="page introuvable")
    if not first_run.first_run_open(session, jeton):
        return render(
            request,
            "first_run.html",
            {"token": "", "refused": True, "form": {}, "errors": {}},
            status_code=403,
        )
    form = {"timezone": "Europe/Paris"}
    return render(
        request, "first_run.html", {"token": jeton, "refused": False, "form": form, "errors": {}}
    )


@router.post("/premiere-connexion", dependencies=[CsrfChecked])
def first_run_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    jeton: Annotated[str, Form(max_length=100)],
    groupement_name: Annotated[str, Form(max_length=200)],
    slug: Annotated[str, Form(max_length=64)],
    timezone: Annotated[str, Form(max_length=64)],
    full_name: Annotated[str, Form(max_length=200)],
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
    password_again: Annotated[str, Form(max_length=200)],
) -> Response:
    """Create the groupement and its coordinator, sign her in and go to her page; a field that
    breaks its rule is named next to its input."""
    form = first_run.FirstRun(
        groupement_name, slug, timezone, full_name, email, password, password_again
    )
    shown = {"groupement_name": groupement_name, "slug": slug, "timezone": timezone}
    shown |= {"full_name": full_name, "email": email}
    try:
        user = first_run.complete_first_run(session, jeton, form)
    except NotFound as gone:
        raise HTTPException(status_code=404, detail="page introuvable") from gone
    except InvalidField as error:
        # The groupement's own fields come back as `name`: the form calls it `groupement_name`.
        field = "groupement_name" if error.field == "name" else error.field
        if field not in _FIRST_RUN_FIELDS:
            raise
        context = {
            "token": jeton,
            "refused": False,
            "form": shown,
            "errors": {field: error.message},
        }
        return render(request, "first_run.html", context, status_code=422)
    except DuplicateResource as error:
        context = {
            "token": jeton,
            "refused": False,
            "form": shown,
            "errors": {"slug": str(error)},
        }
        return render(request, "first_run.html", context, status_code=409)
    response = RedirectResponse(ROLE_HOME.get(user.role, "/"), status_code=303)
    sign_in(response, request, user, settings)
    return response


@router.post("/deconnexion", dependencies=[CsrfChecked])
def sign_out_submit() -> RedirectResponse:
    """Close the session."""
    response = RedirectResponse("/connexion", status_code=303)
    sign_out(response)
    return response
