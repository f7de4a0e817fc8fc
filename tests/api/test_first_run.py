"""The first run: while no user exists, the page opened with the one-time token `partagenda serve`
prints creates the first groupement and its coordinator; a wrong or spent token is refused, a
field that breaks its rule is named next to its input and nothing is written, and once a user
exists the page is gone."""

from __future__ import annotations

import html
import re
import warnings

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.pages.web import CSRF_COOKIE, SESSION_COOKIE
from scheduler import models
from scheduler.services.first_run import first_run_open, issue_first_run_token

FORM = {
    "groupement_name": "GE Santé Moselle",
    "slug": "ge-sante-moselle",
    "timezone": "Europe/Paris",
    "full_name": "Claire Coordination",
    "email": "claire@ge-sante.fr",
    "password": "un mot de passe sûr",
    "password_again": "un mot de passe sûr",
}


def _users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(models.User)) or 0


def _post(web: TestClient, token: str, **changes: str) -> object:
    page = web.get("/connexion")  # any form gives the visitor's CSRF token
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    data = {**FORM, **changes, "jeton": token}
    if csrf is not None:
        data["csrf_token"] = csrf.group(1)
    return web.post("/premiere-connexion", data=data, follow_redirects=False)


@pytest.fixture
def token(session: Session) -> str:
    assert _users(session) == 0, "the first run needs a database without users"
    issued = issue_first_run_token(session)
    assert issued is not None
    return issued


def test_the_token_opens_the_page_and_creates_the_groupement_and_coordinator(
    web: TestClient, session: Session, token: str
) -> None:
    page = web.get("/premiere-connexion", params={"jeton": token})
    assert page.status_code == 200
    assert "Première mise en route" in page.text and 'name="jeton"' in page.text
    answer = _post(web, token)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"] == "/planning"  # type: ignore[attr-defined]
    assert SESSION_COOKIE in answer.cookies  # type: ignore[attr-defined]
    user = session.scalars(select(models.User)).one()
    assert (user.email, user.role) == ("claire@ge-sante.fr", models.Role.COORDINATOR)
    groupement = session.get_one(models.Groupement, user.groupement_id)
    assert (groupement.slug, groupement.name) == ("ge-sante-moselle", "GE Santé Moselle")
    # Once a user exists the page is gone, token or not, and no new token is issued.
    web.cookies.delete(SESSION_COOKIE)
    assert web.get("/premiere-connexion", params={"jeton": token}).status_code == 404
    assert _post(web, token).status_code == 404  # type: ignore[attr-defined]
    assert issue_first_run_token(session) is None


def test_a_wrong_token_is_refused_and_writes_nothing(
    web: TestClient, session: Session, token: str
) -> None:
    page = web.get("/premiere-connexion", params={"jeton": "pas-le-bon"})
    assert page.status_code == 403
    assert "n'est pas valide" in page.text
    assert web.get("/premiere-connexion").status_code == 403
    assert _post(web, "pas-le-bon").status_code == 404  # type: ignore[attr-defined]
    assert _users(session) == 0 and first_run_open(session, token)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("password", "court", "au moins 8 caractères"),
        ("password_again", "un autre mot de passe", "les deux mots de passe diffèrent"),
        ("email", "claire-sans-arobase", "ce n'est pas une adresse e-mail"),
        ("slug", "GE Moselle!", "a-z, 0-9"),
        ("timezone", "Europe/Metz", "fuseau horaire"),
        ("groupement_name", " ", "un nom de 1 à 200 caractères"),
        ("full_name", " ", "un nom de 1 à 200 caractères"),
    ],
)
def test_a_field_that_breaks_its_rule_is_named_next_to_its_input_and_nothing_is_written(
    web: TestClient, session: Session, token: str, field: str, value: str, words: str
) -> None:
    answer = _post(web, token, **{field: value})
    assert answer.status_code == 422, answer.text  # type: ignore[attr-defined]
    text = html.unescape(answer.text)  # type: ignore[attr-defined]
    assert f'id="{field}-error"' in text and words in text
    assert f'id="{field}" name="{field}"' in text
    assert _users(session) == 0
    assert session.scalar(select(func.count()).select_from(models.Groupement)) == 0
    # The token is not spent: the corrected form goes through.
    assert first_run_open(session, token)
    assert _post(web, token).status_code == 303  # type: ignore[attr-defined]


def test_the_form_needs_its_csrf_token(web: TestClient, session: Session, token: str) -> None:
    web.cookies.clear()
    answer = web.post("/premiere-connexion", data={**FORM, "jeton": token})
    assert answer.status_code in (400, 403)
    assert _users(session) == 0
    assert CSRF_COOKIE  # the cookie's name the page sets
