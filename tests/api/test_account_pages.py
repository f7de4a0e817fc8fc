"""The users page and the invited person's page: the coordinator invites (a field that breaks
its rule is named next to its input, and nothing is written), invites again and deactivates,
never herself; the link of the e-mail opens the password form, which signs the person in on her
own page; a wrong, spent or revoked link is refused in French; other roles get no users page."""

from __future__ import annotations

import html
import re
import warnings
from datetime import UTC, datetime

import pytest
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.pages.web import SESSION_COOKIE
from scheduler import models
from scheduler.notices.invitation_mail import issue_link
from tests.api.factories import World
from tests.api.test_pages import sign_in_as

INVITEE = "ines.garnier@example.fr"


def _csrf(web: TestClient, path: str = "/connexion") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', web.get(path).text)
    assert found is not None
    return found.group(1)


def _invite(web: TestClient, world: World, **changes: str) -> Response:
    data = {
        "full_name": "Inès Garnier",
        "email": INVITEE,
        "role": "cabinet",
        "cabinet_id": str(world.cabinets[0].id),
        "assistant_id": "",
        **changes,
    }
    data["csrf_token"] = _csrf(web, "/utilisateurs")
    answer: Response = web.post("/utilisateurs", data=data)
    return answer


def _users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(models.User)) or 0


def _sent_link(session: Session, email: str) -> str:
    """Send the latest invitation of `email` as the jobs process would: its link."""
    user = session.scalar(select(models.User).where(models.User.email == email))
    assert user is not None
    row = session.scalars(
        select(models.UserInvitation)
        .where(models.UserInvitation.user_id == user.id)
        .order_by(models.UserInvitation.id.desc())
    ).first()
    assert row is not None
    link = issue_link(row, "http://testserver", datetime.now(UTC))
    row.state, row.sent_at = models.EmailState.SENT, datetime.now(UTC)
    session.flush()
    return link.removeprefix("http://testserver")


def test_the_coordinator_invites_and_the_list_says_where_each_account_stands(
    web: TestClient, world: World, session: Session
) -> None:
    sign_in_as(web, world.users["coordinator"])
    page = web.get("/utilisateurs")
    assert page.status_code == 200
    assert 'href="/utilisateurs" aria-current="page"' in page.text
    answer = _invite(web, world)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/utilisateurs?fait=invite"
    listed = html.unescape(web.get(answer.headers["location"]).text)
    assert "Invitation enregistrée" in listed
    # No SMTP server in these settings: the page says the invitations wait.
    assert "Aucun serveur d'envoi n'est configuré" in listed
    invitee_row = next(
        r for r in re.findall(r'<tr id="user-\d+">.*?</tr>', listed, re.S) if INVITEE in r
    )
    assert "Invitation envoyée ou en attente d'envoi" in invitee_row
    invited = session.scalar(select(models.User).where(models.User.email == INVITEE))
    assert invited is not None and not invited.is_active
    assert invited.cabinet_id == world.cabinets[0].id


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "pas-une-adresse"}, "email", "ce n'est pas une adresse e-mail"),
        ({"full_name": " "}, "full_name", "un nom de 1 à 200 caractères"),
        ({"role": "national"}, "role", "choisissez un rôle de la liste"),
        ({"cabinet_id": ""}, "cabinet_id", "un cabinet de ce groupement est attendu"),
    ],
)
def test_a_bad_field_is_named_next_to_its_input_and_nothing_is_written(
    web: TestClient,
    world: World,
    session: Session,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    sign_in_as(web, world.users["coordinator"])
    session.commit()  # as a request's session holds nothing else: a refusal rolls back to here
    before = _users(session)
    answer = _invite(web, world, **changes)
    assert answer.status_code == 422
    shown = html.unescape(answer.text)
    assert f'<p class="field__error" id="{field}-error">{message}</p>' in shown
    assert f'id="{field}" name="{field}"' in shown and 'aria-invalid="true"' in shown
    assert _users(session) == before
    assert 'value="Inès Garnier"' in shown or field == "full_name"  # the input is kept


def test_a_foreign_cabinet_is_named_next_to_its_field_as_a_missing_one(
    web: TestClient, world: World, other_world: World, session: Session
) -> None:
    sign_in_as(web, world.users["coordinator"])
    session.commit()
    before = _users(session)
    shown = []
    for cabinet in (other_world.cabinets[0].id, 2_147_480_000):
        answer = _invite(web, world, cabinet_id=str(cabinet))
        assert answer.status_code == 422
        text = html.unescape(answer.text).replace(str(cabinet), "ID")
        found = re.search(r'<p class="field__error" id="cabinet_id-error">([^<]*)</p>', text)
        assert found is not None, re.findall(r"field__error[^<]*<", text)
        shown.append(found.group(1))
    assert shown[0] == shown[1] == "cabinet ID introuvable"
    assert _users(session) == before


def test_an_address_already_taken_is_named(web: TestClient, world: World, session: Session) -> None:
    sign_in_as(web, world.users["coordinator"])
    session.commit()
    answer = _invite(web, world, email=world.users["cabinet"].email)
    assert answer.status_code == 422
    assert "un compte existe déjà avec cette adresse" in html.unescape(answer.text)


def test_the_link_sets_the_password_signs_in_and_is_spent(
    web: TestClient, world: World, session: Session
) -> None:
    sign_in_as(web, world.users["coordinator"])
    assert _invite(web, world).status_code == 303
    path = _sent_link(session, INVITEE)
    session.commit()
    web.cookies.clear()
    form = web.get(path)
    assert form.status_code == 200
    assert "Bienvenue, Inès Garnier" in html.unescape(form.text)
    # The address holds the secret: no cache keeps it, no other site is told it.
    assert form.headers["cache-control"] == "no-store"
    assert form.headers["referrer-policy"] == "no-referrer"
    token = path.split("jeton=", 1)[1]
    data = {"jeton": token, "password": "court", "password_again": "court"}
    refused = web.post("/invitation", data={**data, "csrf_token": _csrf(web, path)})
    assert refused.status_code == 422
    assert '<p class="field__error" id="password-error">au moins 8 caractères</p>' in (
        html.unescape(refused.text)
    )
    good = {"jeton": token, "password": "un mot de passe sûr"}
    good["password_again"] = good["password"]
    answer = web.post("/invitation", data={**good, "csrf_token": _csrf(web, path)})
    assert answer.status_code == 303 and answer.headers["location"] == "/cabinet"
    assert SESSION_COOKIE in answer.cookies
    assert web.get("/cabinet").status_code == 200
    spent = web.get(path)
    assert spent.status_code == 404
    assert "Ce lien d'invitation n'est pas valide" in html.unescape(spent.text)


def test_a_wrong_link_is_refused_in_french(web: TestClient) -> None:
    answer = web.get("/invitation", params={"jeton": "pas-le-bon"})
    assert answer.status_code == 404
    assert "Demandez une nouvelle invitation" in answer.text


def test_inviting_again_and_deactivating_from_the_list(
    web: TestClient, world: World, session: Session
) -> None:
    sign_in_as(web, world.users["coordinator"])
    assert _invite(web, world).status_code == 303
    first = _sent_link(session, INVITEE)
    invited = session.scalar(select(models.User).where(models.User.email == INVITEE))
    assert invited is not None
    again = web.post(
        f"/utilisateurs/{invited.id}/relance", data={"csrf_token": _csrf(web, "/utilisateurs")}
    )
    assert again.status_code == 303
    assert web.get(first).status_code == 404  # the earlier link is revoked
    cabinet = world.users["cabinet"]
    gone = web.post(
        f"/utilisateurs/{cabinet.id}/desactivation",
        data={"csrf_token": _csrf(web, "/utilisateurs")},
    )
    assert gone.status_code == 303
    session.refresh(cabinet)
    assert not cabinet.is_active
    own = web.post(
        f"/utilisateurs/{world.users['coordinator'].id}/desactivation",
        data={"csrf_token": _csrf(web, "/utilisateurs")},
    )
    assert own.status_code == 409
    assert "vous ne pouvez pas désactiver votre propre compte" in html.unescape(own.text)


@pytest.mark.parametrize("role", ["cabinet", "assistant", "auditor"])
def test_other_roles_get_no_users_page(web: TestClient, world: World, role: str) -> None:
    sign_in_as(web, world.users[role])
    assert web.get("/utilisateurs").status_code == 403


def test_the_users_list_is_searched_and_paged(
    web: TestClient, world: World, other_world: World, session: Session
) -> None:
    # 25 more accounts named « Compte nn »: with the world's own, more than a page of 20.
    for n in range(25):
        session.add(
            models.User(
                groupement_id=world.groupement.id,
                email=f"compte{n:02d}@example.fr",
                full_name=f"Compte {n:02d}",
                password_hash="!",
                role=models.Role.ASSISTANT,
                assistant_id=world.assistants[0].id,
                is_active=False,
            )
        )
    session.commit()
    sign_in_as(web, world.users["coordinator"])
    own = session.scalar(
        select(func.count())
        .select_from(models.User)
        .where(models.User.groupement_id == world.groupement.id)
    )
    assert own is not None and own > 20
    first = html.unescape(web.get("/utilisateurs").text)
    assert f"{own} comptes" in first
    assert len(re.findall(r'<tr id="user-\d+">', first)) == 20
    assert "Page 1 sur 2" in first and 'rel="next"' in first
    second = html.unescape(web.get("/utilisateurs?page=2").text)
    assert len(re.findall(r'<tr id="user-\d+">', second)) == own - 20
    # By a part of the name or of the address, in any case; another groupement's never.
    by_name = html.unescape(web.get("/utilisateurs?q=compte 1").text)
    assert "10 comptes pour « compte 1 »" in by_name
    by_mail = html.unescape(web.get("/utilisateurs?q=COMPTE07@").text)
    assert "1 compte pour" in by_mail and "Compte 07" in by_mail
    foreign = other_world.users["coordinator"].email
    assert "Aucun compte ne correspond" in web.get(f"/utilisateurs?q={foreign}").text
    # A page past the last says so, with the way back.
    past = html.unescape(web.get("/utilisateurs?page=9").text)
    assert "Aucun compte sur cette page" in past and 'href="/utilisateurs"' in past
    # `%` stands for itself.
    assert "Aucun compte ne correspond" in web.get("/utilisateurs?q=%25").text
