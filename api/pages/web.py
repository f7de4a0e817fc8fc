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
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any, cast
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError, WebSocketRequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from api.deps import SessionDep, SettingsDep
from scheduler import access, french, models
from scheduler.auth import create_access_token, user_from_token
from scheduler.config import Settings
from scheduler.errors import AuthenticationFailed, PartagendaError
from scheduler.evaluation.charts import event_study_data_uri
from scheduler.reports import evaluation_text

SESSION_COOKIE = "partagenda_session"
CSRF_COOKIE = "partagenda_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
# Every page writes dates, times, durations and numbers with the one French wording.
templates.env.globals["french"] = french
# The wording and the charts of a contract's evaluation, shared with the PDF report.
templates.env.globals["evaluation_text"] = evaluation_text
templates.env.globals["event_study_chart"] = event_study_data_uri

ROLE_HOME = {
    models.Role.COORDINATOR: "/planning",
    models.Role.CABINET: "/cabinet",
    models.Role.ASSISTANT: "/mon-planning",
    models.Role.AUDITOR: "/controle",
    models.Role.NATIONAL: "/controle",
}
ROLE_FR = {
    models.Role.COORDINATOR: "coordination",
    models.Role.CABINET: "cabinet",
    models.Role.ASSISTANT: "assistante",
    models.Role.AUDITOR: "contrôle CPAM",
    models.Role.NATIONAL: "Assurance maladie",
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


def page_allowed(action: access.Action) -> Callable[[models.User], models.User]:
    """A dependency letting through signed-in users the access policy allows `action` only (an
    HTML 403 otherwise)."""

    def check(user: PageUser) -> models.User:
        if not access.allowed(user, action):
            raise PageForbidden(user)
        return user

    return check


CoordinatorPage = Annotated[models.User, Depends(page_allowed(access.Action.MANAGE))]
CabinetPage = Annotated[models.User, Depends(page_allowed(access.Action.OWN_CABINET))]
AssistantPage = Annotated[models.User, Depends(page_allowed(access.Action.OWN_ROTA))]
ReviewerPage = Annotated[models.User, Depends(page_allowed(access.Action.REVIEW_CONTRACTS))]
"""An auditor (her granted contracts) or the national reader (every contract)."""


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


# --- HTML answers to errors on the pages ------------------------------------------------------------

# The pages' form and query fields, as their labels name them.
FIELD_LABELS = {
    "semaine": "Semaine du",
    "rota": "Version",
    "info": "Message",
    "base": "Brouillon de départ",
    "affectation": "Affectation",
    "jour": "Jour",
    "debut": "Début",
    "fin": "Fin",
    "cabinet": "Cabinet",
    "assistante": "Assistante",
    "epingle": "Épingler",
    "motif": "Motif d'accord",
    "email": "Adresse e-mail",
    "password": "Mot de passe",
    "suite": "Page demandée",
    "contrat": "Contrat",
    "periode": "Période",
    "run_id": "Numéro de calcul",
    "rota_id": "Planning",
    "contract_id": "Contrat",
    "fmt": "Format",
}
HTTP_TITLES = {
    400: "Requête invalide",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Action impossible",
    409: "Conflit",
    412: "Modifié entre-temps",
    422: "Saisie invalide",
    503: "Service momentanément indisponible",
}
API_PREFIXES = ("/api/", "/feeds/", "/static/")


def _field_message(error: dict[str, Any]) -> str:
    """One invalid field of a page's form or address, in French, naming the field's label."""
    loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    name = loc[-1] if loc else ""
    label = FIELD_LABELS.get(name, name or "Champ")
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "missing":
        text = "est obligatoire"
    elif kind == "date_range":
        first, last = context.get("first", "?"), context.get("last", "?")
        text = f"est hors des années que Partagenda planifie ({first[:4]} à {last[:4]})"
    elif kind == "iso_week":
        text = "n'est ni une date (AAAA-MM-JJ) ni une semaine ISO (AAAA-Wss, par exemple 2026-W51)"
    elif kind == "iso_week_number":
        text = (
            f"n'est pas une semaine valide : l'année {context.get('year', '?')} "
            f"n'a pas de semaine {context.get('week', '?')}"
        )
    elif kind.startswith("date") or kind == "datetime_from_date_parsing":
        text = "n'est pas une date valide (attendu : une date du calendrier, AAAA-MM-JJ)"
    elif kind.startswith("time"):
        text = "n'est pas une heure valide (attendu : HH:MM)"
    elif kind in ("int_parsing", "int_from_float", "int_type"):
        text = "doit être un nombre entier"
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        text = "est hors des valeurs permises"
    elif kind == "string_too_long":
        text = f"est trop long ({context.get('max_length', '?')} caractères au plus)"
    elif kind == "string_too_short":
        text = f"est trop court ({context.get('min_length', '?')} caractères au moins)"
    elif kind == "bool_parsing":
        text = "doit valoir oui ou non"
    else:
        text = "n'est pas valide"
    return f"« {label} » {text}."


def _is_page_request(request: Request, page_routes: list[BaseRoute]) -> bool:
    """True for a page of ours, or for a browser asking an unknown address outside the API."""
    path = request.url.path
    if path.startswith(API_PREFIXES):
        return False
    if any(route.matches(request.scope)[0] is not Match.NONE for route in page_routes):
        return True
    return "text/html" in request.headers.get("accept", "")


def _back_link(request: Request) -> str | None:
    # Only a page of this site: the Referer may name any other.
    referer = request.headers.get("referer", "")
    origin = f"{request.url.scheme}://{request.url.netloc}"
    if not referer.startswith(origin + "/"):
        return None
    path = referer[len(origin) :]
    # "//elsewhere.example/x" (or "/\\elsewhere") would be a link to another site.
    return None if path.startswith(("//", "/\\")) else path


def _error_page(
    request: Request,
    status: int,
    message: str,
    *,
    items: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    title = HTTP_TITLES.get(status, "Erreur" if status < 500 else "Erreur du serveur")
    return render(
        request,
        "error.html",
        {
            "title": title,
            "message": message,
            "items": items or [],
            "home": "/",
            "back": _back_link(request),
        },
        status_code=status,
        headers=headers,
    )


HttpHandler = Callable[[Request, Exception], Response | Awaitable[Response]]


def _html_or(
    fallback: HttpHandler,
    page_routes: list[BaseRoute],
    answer: Callable[[Request, Exception], HTMLResponse] | None,
) -> HttpHandler:
    """The API's own handler (problem+json), whose answer a page or a browser receives as a
    French HTML page: `answer`'s, or one chosen by the status when `answer` is None. The API's
    handler runs first in every case, so what it logs is still logged."""

    async def handler(request: Request, exc: Exception) -> Response:
        response = fallback(request, exc)
        response = response if isinstance(response, Response) else await response
        if not _is_page_request(request, page_routes):
            return response
        if answer is not None:
            return answer(request, exc)
        status = response.status_code
        if status == 503:
            message = "Le service est très sollicité en ce moment : réessayez dans un instant."
        elif status >= 500:
            message = (
                "Une erreur inattendue est survenue ; elle a été enregistrée. "
                "Réessayez dans un instant."
            )
        else:
            message = "La demande n'a pas pu aboutir : rechargez la page et recommencez."
        # The API's headers (Allow of a 405, Retry-After of a 503...) hold for the page too.
        kept = {
            name: value
            for name, value in response.headers.items()
            if name.lower() in ("allow", "retry-after", "www-authenticate")
        }
        return _error_page(request, status, message, headers=kept)

    return handler


def _http_page(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, StarletteHTTPException)
    messages = {
        404: "Cette adresse ne correspond à aucune page de Partagenda.",
        405: "Cette page ne s'ouvre pas ainsi : revenez à la page précédente.",
    }
    # The pages raise HTTPException with a French detail ("format inconnu"): show it, not the
    # generic sentence; Starlette's own details (English phrases) get the generic one.
    detail = exc.detail if isinstance(exc.detail, str) else ""
    own = detail and detail != HTTPStatus(exc.status_code).phrase
    text = detail[:1].upper() + detail[1:] + ("" if detail.endswith(".") else ".") if own else ""
    message = text or messages.get(exc.status_code, "La demande n'a pas pu aboutir.")
    return _error_page(request, exc.status_code, message, headers=dict(exc.headers or {}))


def _validation_page(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, RequestValidationError)
    items = list(dict.fromkeys(_field_message(error) for error in exc.errors()))
    message = "Une valeur saisie n'est pas valide : corrigez-la et recommencez."
    return _error_page(request, 422, message, items=items)


def _domain_page(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, PartagendaError)
    status = exc.status if 400 <= exc.status < 600 else 400
    text = str(exc)
    return _error_page(
        request, status, text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
    )


def install_page_errors(app: FastAPI, page_routes: list[BaseRoute]) -> None:
    """Answer the page exceptions with a redirection or an HTML page; the API's errors that
    reach a page (or a browser lost outside the API) become a French HTML page too."""
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(PageForbidden, _forbidden)
    app.add_exception_handler(CsrfRejected, _csrf_rejected)
    answers: dict[Any, Callable[[Request, Exception], HTMLResponse]] = {
        StarletteHTTPException: _http_page,
        RequestValidationError: _validation_page,
        PartagendaError: _domain_page,
    }
    # Every handler the API registered (api/errors.py; all take an HTTP request), the database's
    # refusals and the catch-all for bugs included.
    for kind, registered in list(app.exception_handlers.items()):
        if kind in (SignInRequired, PageForbidden, CsrfRejected, WebSocketRequestValidationError):
            continue
        if isinstance(kind, int):
            continue
        fallback = cast(HttpHandler, registered)
        app.add_exception_handler(kind, _html_or(fallback, page_routes, answers.get(kind)))
