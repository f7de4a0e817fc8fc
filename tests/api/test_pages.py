"""The web pages: each renders for its role, sends a signed-out visitor to sign-in, refuses the
other roles, and every POST form needs the CSRF token of the visitor's cookie; the week page
shows the rota's solver status with its objective, bound and gap to the bound."""

from __future__ import annotations

import html
import re
import warnings
from datetime import date

import pytest
from sqlalchemy.orm import Session

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.pages.web import CSRF_COOKIE, SESSION_COOKIE
from scheduler import models
from scheduler.auth import create_access_token
from tests.api.conftest import SETTINGS
from tests.api.factories import PASSWORD, World

PAGES = {
    "/planning": "coordinator",
    "/contrats": "coordinator",
    "/cabinet": "cabinet",
    "/controle": "auditor",
}
ROLES = ("coordinator", "cabinet", "auditor", "assistant")


def sign_in_as(client: TestClient, user: models.User) -> None:
    """Give the client a page session for `user`."""
    client.cookies.set(SESSION_COOKIE, create_access_token(user, SETTINGS))


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_redirects_to_sign_in_when_signed_out(
    web: TestClient, world: World, path: str
) -> None:
    answer = web.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/connexion?suite={path}"


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_renders_for_its_role(web: TestClient, world: World, path: str) -> None:
    sign_in_as(web, world.users[PAGES[path]])
    answer = web.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in answer.text
    assert '<main id="contenu"' in answer.text


@pytest.mark.parametrize(
    ("path", "role"), [(p, r) for p in sorted(PAGES) for r in ROLES if r != PAGES[p]]
)
def test_page_refuses_other_roles(web: TestClient, world: World, path: str, role: str) -> None:
    sign_in_as(web, world.users[role])
    answer = web.get(path)
    assert answer.status_code == 403
    assert "Accès refusé" in answer.text


def test_sign_in_page_sets_csrf_cookie_and_form_field(web: TestClient, world: World) -> None:
    answer = web.get("/connexion")
    assert answer.status_code == 200
    token = answer.cookies.get(CSRF_COOKIE)
    assert token and f'value="{token}"' in answer.text
    assert "HttpOnly" in answer.headers["set-cookie"]


def test_sign_in_opens_an_httponly_lax_session(web: TestClient, world: World) -> None:
    token = web.get("/connexion").cookies[CSRF_COOKIE]
    answer = web.post(
        "/connexion",
        data={"email": world.users["coordinator"].email, "password": PASSWORD, "csrf_token": token},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/planning"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert web.get("/planning").status_code == 200


def test_sign_in_refuses_a_wrong_password(web: TestClient, world: World) -> None:
    token = web.get("/connexion").cookies[CSRF_COOKIE]
    answer = web.post(
        "/connexion",
        data={
            "email": world.users["coordinator"].email,
            "password": "wrong-password",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 401
    assert "incorrect" in answer.text
    assert SESSION_COOKIE not in answer.cookies


def test_sign_in_without_csrf_token_is_refused(web: TestClient, world: World) -> None:
    web.get("/connexion")
    answer = web.post(
        "/connexion", data={"email": world.users["coordinator"].email, "password": PASSWORD}
    )
    assert answer.status_code == 403
    assert SESSION_COOKIE not in answer.cookies


def test_post_form_with_a_foreign_csrf_token_is_refused(web: TestClient, world: World) -> None:
    sign_in_as(web, world.users["cabinet"])
    web.get("/cabinet")
    answer = web.post("/cabinet/abonnement", data={"csrf_token": "x" * 43})
    assert answer.status_code == 403
    assert "Formulaire expiré" in answer.text


def test_sign_in_ignores_an_offsite_next(web: TestClient, world: World) -> None:
    token = web.get("/connexion").cookies[CSRF_COOKIE]
    answer = web.post(
        "/connexion",
        data={
            "email": world.users["auditor"].email,
            "password": PASSWORD,
            "csrf_token": token,
            "suite": "//evil.example/",
        },
    )
    assert answer.headers["location"] == "/controle"


def test_sign_out_closes_the_session(web: TestClient, world: World) -> None:
    token = web.get("/connexion").cookies[CSRF_COOKIE]
    signed_in = web.post(
        "/connexion",
        data={"email": world.users["coordinator"].email, "password": PASSWORD, "csrf_token": token},
    )
    token = signed_in.cookies[CSRF_COOKIE]
    answer = web.post("/deconnexion", data={"csrf_token": token})
    assert answer.status_code == 303
    assert web.get("/planning").status_code == 303


def test_cabinet_subscription_shows_links_once(web: TestClient, world: World) -> None:
    sign_in_as(web, world.users["cabinet"])
    token = web.get("/cabinet").cookies[CSRF_COOKIE]
    answer = web.post("/cabinet/abonnement", data={"csrf_token": token})
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    for needle in (
        "webcal://",
        "calendar.google.com",
        "outlook.live.com",
        "/feeds/",
        "Copier le lien .ics",
    ):
        assert needle in answer.text
    assert "webcal://" not in web.get("/cabinet").text


def test_auditor_downloads_csv_of_a_granted_contract_only(web: TestClient, world: World) -> None:
    sign_in_as(web, world.users["auditor"])
    page = web.get("/controle")
    granted, other = world.contracts
    assert f"/controle/contrats/{granted.id}/rapport.pdf" in page.text
    assert f"/controle/contrats/{other.id}/" not in page.text
    csv = web.get(f"/controle/contrats/{granted.id}/rapport.csv", params={"periode": "Y1"})
    assert csv.status_code == 200
    assert csv.headers["content-disposition"].startswith("attachment;")
    # A contract not granted is answered as a missing one: its existence is not revealed.
    refused = web.get(f"/controle/contrats/{other.id}/rapport.csv", params={"periode": "Y1"})
    assert refused.status_code == 404


def test_progress_fragment_of_a_queued_run_polls(web: TestClient, world: World) -> None:
    sign_in_as(web, world.users["coordinator"])
    token = web.get("/planning").cookies.get(CSRF_COOKIE) or web.cookies[CSRF_COOKIE]
    answer = web.post(
        "/planning/calculs",
        data={"csrf_token": token, "semaine": "2026-11-30"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200, answer.text
    assert 'hx-trigger="every 1s"' in answer.text
    assert "<progress" in answer.text and "en attente" in answer.text


def test_contract_dashboard_answers_404_for_a_contract_not_of_the_groupement(
    web: TestClient, world: World, other_world: World
) -> None:
    sign_in_as(web, world.users["coordinator"])
    for contract_id in (999_999, other_world.contracts[0].id):
        answer = web.get("/contrats", params={"contrat": contract_id})
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"].startswith("text/html")
        assert f"Contrat {contract_id} introuvable." in answer.text
        assert other_world.contracts[0].name not in answer.text
    second = world.contracts[1]
    answer = web.get("/contrats", params={"contrat": second.id})
    assert answer.status_code == 200
    assert f'<option value="{second.id}" selected>' in answer.text


def test_contract_dashboard_says_what_hours_and_status_are(web: TestClient, world: World) -> None:
    # No statement yet: no projection, and the status says so; the weeks to come (the dashboard
    # shows four ahead) have nothing delivered yet.
    sign_in_as(web, world.users["coordinator"])
    answer = web.get("/contrats")
    assert answer.status_code == 200
    assert "inconnu (sans projection\u00a0: moins de deux relevés)" in answer.text
    assert '<td class="num" data-label="Effectué">à venir</td>' in answer.text
    assert "effectuées (semaines terminées)" in answer.text


def test_error_pages_keep_the_page_reason_and_never_link_off_site(
    web: TestClient, world: World
) -> None:
    sign_in_as(web, world.users["auditor"])
    granted = world.contracts[0]
    answer = web.get(
        f"/controle/contrats/{granted.id}/rapport.docx",
        params={"periode": "Y1"},
        headers={"accept": "text/html", "referer": "http://testserver//evil.example/x"},
    )
    assert answer.status_code == 404
    assert "Format inconnu." in answer.text  # the page's own reason, not a generic sentence
    assert "evil.example" not in answer.text  # a Referer of //host is another site
    back = web.get(
        "/nulle-part",
        headers={"accept": "text/html", "referer": "http://testserver/controle"},
    )
    assert back.status_code == 404
    assert 'href="/controle"' in back.text
    assert "Cette adresse ne correspond à aucune page" in back.text


@pytest.mark.parametrize(
    ("status", "objective", "bound", "shown"),
    [
        ("optimal", 0, 0, "(solveur : optimal (prouvé), objectif 0, borne 0)"),
        (
            "feasible",
            1215,
            1200,
            (
                "(solveur : réalisable, objectif 1\u202f215, borne 1\u202f200, "
                "écart à la borne : 1,2\u00a0%)"
            ),
        ),
    ],
    ids=["proven-at-zero", "gap"],
)
def test_week_page_shows_the_bound_and_the_gap(
    web: TestClient,
    world: World,
    session: Session,
    status: str,
    objective: int,
    bound: int,
    shown: str,
) -> None:
    week = date(2026, 12, 7)
    session.add(
        models.Rota(
            groupement_id=world.groupement.id,
            period_start=week,
            period_days=7,
            revision=1,
            solver_status=status,
            objective=objective,
            bound=bound,
        )
    )
    session.flush()
    sign_in_as(web, world.users["coordinator"])
    answer = web.get("/planning", params={"semaine": week.isoformat()})
    assert answer.status_code == 200, answer.text
    summary = re.search(r'<span class="muted small" id="solver-summary">(.*?)</span>', answer.text)
    assert summary is not None, answer.text
    assert html.unescape(summary[1]) == shown
