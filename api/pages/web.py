"""The web pages' session: a signed access token in an HttpOnly cookie, double-submit CSRF
tokens for every POST form, the page dependencies by role, and the HTML error answers.

The cookie holds the same HS256 token as the API's bearer scheme (`scheduler.auth`), so a page
session expires with it. SameSite=Lax keeps the cookie off cross-site POSTs; the CSRF token (a
random value in its own cookie, repeated in each form or in the `X-CSRF-Token` header that htmx
sends) covers the rest, including sign-in CSRF.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.deps import SessionDep, SettingsDep
from scheduler import models
from scheduler.auth import create_access_token, user_from_token
from scheduler.config import Settings
from scheduler.errors import AuthenticationFailed

SESSION_COOKIE = "partagenda_session"
CSRF_COOKIE = "partagenda_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

ROLE_HOME = {
    models.Role.COORDINATOR: "/planning",
    models.Role.CABINET: "/cabinet",
    models.Role.AUDITOR: "/controle",
}
ROLE_FR = {
    models.Role.COORDINATOR: "coordination",
    models.Role.CABINET: "cabinet",
    models.Role.ASSISTANT: "assistante",
    models.Role.AUDITOR: "contrôle CPAM",
}


class SignInRequired(Exception):
    """No valid page session: the visitor is sent to the sign-in page."""

    def __init__(self, path: str) -> None:
        super().__init__("connexion requise")
        self.path = path


class PageForbidden(Exception):
    """The signed-in user's role may not open this page."""

    def __init__(self, user: models.User) -> None:
        super().__init__("accès refusé")
        self.user = user


class CsrfRejected(Exception):
    """A POST form came without the matching CSRF token."""


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def csrf_token(request: Request) -> str:
    """The visitor's CSRF token (a new one when the cookie is missing; `render` sets it)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and 20 <= len(existing) <= 100:
        return existing
    fresh: str | None = getattr(request.state, "new_csrf", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(32)
        request.state.new_csrf = fresh
    return fresh


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Store a freshly drawn CSRF token in its cookie."""
    fresh: str | None = getattr(request.state, "new_csrf", None)
    if fresh is not None:
        response.set_cookie(
            CSRF_COOKIE, fresh, httponly=True, samesite="lax", secure=_secure(request), path="/"
        )


async def check_csrf(request: Request) -> None:
    """Refuse a POST whose form field (or htmx header) does not repeat the CSRF cookie."""
    expected = request.cookies.get(CSRF_COOKIE) or ""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfRejected


CsrfChecked = Depends(check_csrf)


def sign_in(response: Response, request: Request, user: models.User, settings: Settings) -> None:
    """Open a page session for `user`, and draw a new CSRF token (no fixation across sign-ins)."""
    response.set_cookie(
        SESSION_COOKIE,
        create_access_token(user, settings),
        max_age=settings.access_token_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        secrets.token_urlsafe(32),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def sign_out(response: Response) -> None:
    """Close the page session."""
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


def optional_user(
    request: Request, session: SessionDep, settings: SettingsDep
) -> models.User | None:
    """The user of the page session, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return user_from_token(session, token, settings)
    except AuthenticationFailed:
        return None


OptionalUser = Annotated[models.User | None, Depends(optional_user)]


def page_user(request: Request, user: OptionalUser) -> models.User:
    """The signed-in user; otherwise the visitor is sent to the sign-in page."""
    if user is None:
        raise SignInRequired(request.url.path)
    return user


PageUser = Annotated[models.User, Depends(page_user)]


def page_role(*roles: models.Role) -> Callable[[models.User], models.User]:
    """A dependency letting through signed-in users of `roles` only (an HTML 403 otherwise)."""
    allowed = frozenset(roles)

    def check(user: PageUser) -> models.User:
        if user.role not in allowed:
            raise PageForbidden(user)
        return user

    return check


CoordinatorPage = Annotated[models.User, Depends(page_role(models.Role.COORDINATOR))]
CabinetPage = Annotated[models.User, Depends(page_role(models.Role.CABINET))]
AuditorPage = Annotated[models.User, Depends(page_role(models.Role.AUDITOR))]


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    user: models.User | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page template with the user, the navigation and the CSRF token."""
    full = {
        "user": user,
        "role_fr": ROLE_FR.get(user.role, "") if user is not None else "",
        "csrf_token": csrf_token(request),
        "csrf_field": CSRF_FIELD,
        **context,
    }
    response = templates.TemplateResponse(
        request, name, full, status_code=status_code, headers=headers
    )
    set_csrf_cookie(request, response)
    return response


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    target = f"/connexion?suite={quote(exc.path, safe='/')}"
    if _is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageForbidden)
    return render(
        request,
        "error.html",
        {
            "title": "Accès refusé",
            "message": "Cette page n'est pas ouverte à votre rôle.",
            "home": ROLE_HOME.get(exc.user.role),
        },
        user=exc.user,
        status_code=403,
    )


async def _csrf_rejected(request: Request, _exc: Exception) -> Response:
    return render(
        request,
        "error.html",
        {
            "title": "Formulaire expiré",
            "message": "Le formulaire a expiré ou ne vient pas de Partagenda. "
            "Rechargez la page et recommencez.",
            "home": "/",
        },
        status_code=403,
    )


def install_page_errors(app: FastAPI) -> None:
    """Answer the page exceptions with a redirection or an HTML page."""
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(PageForbidden, _forbidden)
    app.add_exception_handler(CsrfRejected, _csrf_rejected)
