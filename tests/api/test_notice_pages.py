"""Change notices on the pages, over HTTP: the coordinator's week page lists the e-mails of the
outbox with their state in French (a failure with its reason) and whether each assistant took
note of her changes; the cabinet's page lists its own changes and e-mails only; the assistant
confirms a change on her page (a form with its CSRF token), the confirmation is recorded once
(when, under which account), audited, and shown to the coordinator and the cabinet; nobody else
may confirm it. The cabinets' contact address through the API, checked.
"""

from __future__ import annotations

import re
import warnings
from datetime import timedelta
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.pages.web import CSRF_COOKIE, SESSION_COOKIE
from scheduler import models
from scheduler.auth import create_access_token
from scheduler.planning import MoveAssignment, edit_rota, publish_rota
from tests.api.conftest import SETTINGS
from tests.api.factories import make_user
from tests.scheduler.planning_world import EARLY, LATE, WEEK, Mini, make_mini, plan

API = "/api/v1"
CABINET_MAIL = "secretariat@cabinet-a.fr"


@pytest.fixture
def mini(session: Session) -> Mini:
    """The tiny groupement with a change of x's first slot at a, published inside the window;
    cabinet a has an address, assistant x none."""
    mini = make_mini(session, "avis")
    mini.cabinets["a"].contact_email = CABINET_MAIL
    mini.users["other_cabinet"] = make_user(
        session, mini.groupement, "cab-b@avis.fr", models.Role.CABINET, cabinet=mini.cabinets["b"]
    )
    mini.users["other_assistant"] = make_user(
        session,
        mini.groupement,
        "am-y@avis.fr",
        models.Role.ASSISTANT,
        assistant=mini.assistants["y"],
    )
    coordinator = mini.users["coordinator"]
    first = plan(session, mini)
    publish_rota(session, first.id, actor=coordinator, now=EARLY)
    second = plan(session, mini, now=LATE)
    row = min(
        (a for a in second.assignments if a.assistant_id == mini.assistants["x"].id),
        key=lambda a: a.start_at,
    )
    shift = timedelta(minutes=15)
    edit_rota(
        session,
        second.id,
        MoveAssignment(row.id, start=row.start_at + shift, end=row.end_at + shift),
        actor=coordinator,
    )
    publish_rota(session, second.id, actor=coordinator, acknowledged_reason="Formation", now=LATE)
    return mini


def _as(web: TestClient, user: models.User) -> None:
    web.cookies.set(SESSION_COOKIE, create_access_token(user, SETTINGS))


def _notice(session: Session, mini: Mini) -> models.ChangeNotice:
    return session.scalars(
        select(models.ChangeNotice).where(
            models.ChangeNotice.groupement_id == mini.groupement.id,
            models.ChangeNotice.within_notice.is_(True),
        )
    ).one()


def _rows(html: str, table: str) -> list[tuple[str, str]]:
    """The (state, cells) of each row of a table of notices by e-mail."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    found: list[tuple[str, str]] = re.findall(
        r"<tr data-state=\"(\w+)\">(.*?)</tr>", body, flags=re.S
    )
    return found


def _acknowledged(session: Session, notice: models.ChangeNotice) -> tuple[Any, int | None]:
    """The notice's acknowledgement as the database holds it now: when, under which account."""
    session.refresh(notice)
    return notice.acknowledged_at, notice.acknowledged_by_id


def test_the_coordinator_sees_each_notice_with_its_state_and_a_failure_with_its_reason(
    web: TestClient, session: Session, mini: Mini
) -> None:
    _as(web, mini.users["coordinator"])
    page = web.get("/planning", params={"semaine": WEEK.isoformat()})
    assert page.status_code == 200, page.text
    assert "Avis de changement envoyés" in page.text
    rows = dict(_rows(page.text, "notice-emails"))
    assert set(rows) == {"pending", "failed"}
    assert (
        'Cabinet avis-a<br><span class="muted small">cabinet · ' in rows["pending"]
        and CABINET_MAIL in rows["pending"]
    )
    assert "en attente d&#39;envoi" in rows["pending"]
    assert (
        'Avis-X Martin<br><span class="muted small">assistante · aucune adresse' in rows["failed"]
        and "aucune adresse" in rows["failed"]
    )
    assert "échec" in rows["failed"]
    assert "l&#39;assistante Avis-X Martin n&#39;a pas d&#39;adresse e-mail" in rows["failed"]
    assert 'data-acknowledged="no"' in page.text and "pas encore confirmé" in page.text

    # Sent, and given up after retries: the page follows the outbox.
    for row in session.scalars(select(models.NoticeEmail)):
        if row.state is models.EmailState.PENDING:
            row.state, row.attempts, row.sent_at = models.EmailState.SENT, 1, LATE
    session.flush()
    again = web.get("/planning", params={"semaine": WEEK.isoformat()}).text
    states = [state for state, _ in _rows(again, "notice-emails")]
    assert sorted(states) == ["failed", "sent"]
    assert "envoyé le jeudi 3 juin à 11 h" in again


def test_the_assistant_confirms_a_change_once_and_everyone_concerned_sees_it(
    web: TestClient, session: Session, mini: Mini
) -> None:
    assistant = mini.users["assistant"]
    notice = _notice(session, mini)
    _as(web, assistant)
    page = web.get("/mon-planning", params={"semaine": WEEK.isoformat()})
    assert page.status_code == 200
    action = f"/mon-planning/avis/{notice.id}/confirmation"
    assert f'action="{action}"' in page.text
    assert "J'ai pris connaissance de ce changement" in page.text

    # Without the CSRF token: refused, nothing recorded.
    refused = web.post(action, data={"csrf_token": "x" * 40, "semaine": WEEK.isoformat()})
    assert refused.status_code == 403 and "Formulaire expiré" in refused.text
    assert _acknowledged(session, notice) == (None, None)

    token = page.cookies.get(CSRF_COOKIE) or web.cookies[CSRF_COOKIE]
    answer = web.post(action, data={"csrf_token": token, "semaine": WEEK.isoformat()})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == (
        f"/mon-planning?semaine={WEEK.isoformat()}&info=avis#avis-{notice.id}"
    )
    first, by = _acknowledged(session, notice)
    assert first is not None and by == assistant.id
    audit = session.scalars(
        select(models.AuditLog).where(
            models.AuditLog.action == "acknowledge", models.AuditLog.entity_id == str(notice.id)
        )
    ).one()
    assert audit.actor == assistant.email and audit.entity == "change_notice"
    assert audit.after == {"acknowledged_at": first.isoformat(), "acknowledged_by_id": assistant.id}

    shown = web.get(answer.headers["location"]).text
    assert "la coordination voit que vous avez pris connaissance du changement" in shown
    assert "Vous avez confirmé en avoir pris connaissance le" in shown
    assert f'action="{action}"' not in shown

    # A second confirmation keeps the first, and writes no second audit row.
    assert web.post(action, data={"csrf_token": token}).status_code == 303
    assert _acknowledged(session, notice) == (first, assistant.id)
    assert (
        len(
            session.scalars(
                select(models.AuditLog).where(models.AuditLog.action == "acknowledge")
            ).all()
        )
        == 1
    )

    _as(web, mini.users["coordinator"])
    coordinator_page = web.get("/planning", params={"semaine": WEEK.isoformat()}).text
    assert 'data-acknowledged="yes"' in coordinator_page
    assert re.search(
        rf"confirmé le \w+ \d+ \w+ à [\d h]+ par {re.escape(assistant.full_name)}<",
        coordinator_page,
    )
    _as(web, mini.users["cabinet"])
    cabinet_page = web.get("/cabinet").text
    assert 'data-acknowledged="yes"' in cabinet_page

    # The API reads the acknowledgement too.
    token = create_access_token(mini.users["coordinator"], SETTINGS)
    listed = web.get(f"{API}/change-notices", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200, listed.text
    (item,) = [n for n in listed.json()["items"] if n["id"] == notice.id]
    assert item["acknowledged_by_id"] == assistant.id
    assert item["acknowledged_at"] is not None


@pytest.mark.parametrize(
    ("who", "status"), [("other_assistant", 404), ("cabinet", 403), ("coordinator", 403)]
)
def test_nobody_but_the_assistant_concerned_confirms_a_change(
    web: TestClient, session: Session, mini: Mini, who: str, status: int
) -> None:
    notice = _notice(session, mini)
    _as(web, mini.users[who])
    token = "t" * 40
    web.cookies.set(CSRF_COOKIE, token)
    answer = web.post(f"/mon-planning/avis/{notice.id}/confirmation", data={"csrf_token": token})
    assert answer.status_code == status
    assert _acknowledged(session, notice) == (None, None)


@pytest.mark.parametrize("notice_id", ["0", "2147483648", "abc"])
def test_a_bad_notice_id_is_a_clear_page_error(web: TestClient, mini: Mini, notice_id: str) -> None:
    _as(web, mini.users["assistant"])
    token = "t" * 40
    web.cookies.set(CSRF_COOKIE, token)
    answer = web.post(f"/mon-planning/avis/{notice_id}/confirmation", data={"csrf_token": token})
    assert answer.status_code == 422
    assert "n&#39;est pas valide" in answer.text or "hors des valeurs permises" in answer.text


def test_a_cabinet_sees_its_own_changes_and_e_mails_only(web: TestClient, mini: Mini) -> None:
    _as(web, mini.users["cabinet"])
    page = web.get("/cabinet")
    assert page.status_code == 200
    assert "Changements signalés à votre cabinet" in page.text
    assert f"à {CABINET_MAIL}" in page.text
    assert "Avis-X Martin" in page.text and "pas encore confirmé" in page.text
    assert [state for state, _ in _rows(page.text, "notice-emails")] == ["pending"]
    assert "Changement des présences de l&#39;assistante au cabinet Cabinet avis-a" in page.text

    _as(web, mini.users["other_cabinet"])
    other = web.get("/cabinet").text
    assert "Aucun changement de moins de 15 jours n'a été signalé." in other
    assert 'id="notice-emails"' not in other and "Avis-X Martin" not in other
    assert "votre cabinet n'a pas d'adresse e-mail de contact" in other


# --- The cabinets' contact address through the API -------------------------------------------


def _cabinet_body(**extra: Any) -> dict[str, Any]:
    return {
        "code": "parc",
        "name": "Maison de santé du Parc",
        "address": "3 rue Haute",
        "postcode": "57070",
        "city": "Metz",
        "department": "57",
        "latitude": "49.100000",
        "longitude": "6.200000",
        **extra,
    }


def test_a_cabinet_contact_address_is_stored_changed_and_cleared(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    created = client.post(
        f"{API}/cabinets",
        json=_cabinet_body(contact_email=f"  {CABINET_MAIL} "),
        headers=coordinator,
    )
    assert created.status_code == 201, created.text
    assert created.json()["contact_email"] == CABINET_MAIL
    key, etag = created.json()["id"], created.headers["etag"]
    changed = client.patch(
        f"{API}/cabinets/{key}",
        json={"contact_email": "accueil@parc.fr"},
        headers={**coordinator, "If-Match": etag},
    )
    assert changed.status_code == 200 and changed.json()["contact_email"] == "accueil@parc.fr"
    cleared = client.patch(
        f"{API}/cabinets/{key}",
        json={"contact_email": None},
        headers={**coordinator, "If-Match": changed.headers["etag"]},
    )
    assert cleared.status_code == 200 and cleared.json()["contact_email"] is None
    assert (
        client.post(f"{API}/cabinets", json=_cabinet_body(code="sans"), headers=coordinator).json()[
            "contact_email"
        ]
        is None
    )


@pytest.mark.parametrize(
    "address",
    [
        "secretariat",
        "a@b",
        "a b@cabinet.fr",
        "a@@cabinet.fr",
        "a@cabi\nnet.fr",
        "x" * 250 + "@a.fr",
    ],
)
def test_a_bad_contact_address_is_refused_naming_the_field(
    client: TestClient, coordinator: dict[str, str], address: str
) -> None:
    answer = client.post(
        f"{API}/cabinets", json=_cabinet_body(contact_email=address), headers=coordinator
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "contact_email" in answer.text


def test_the_contact_address_check_at_below_and_above_its_limit() -> None:
    from scheduler.errors import InvalidField
    from scheduler.services.resources.sites import EMAIL_MAX, check_contact_email

    at_limit = "a" * (EMAIL_MAX - len("@cabinet.fr")) + "@cabinet.fr"
    assert len(at_limit) == EMAIL_MAX and check_contact_email(at_limit) == at_limit
    assert check_contact_email(at_limit[1:]) == at_limit[1:]
    with pytest.raises(InvalidField) as caught:
        check_contact_email("a" + at_limit)
    assert caught.value.field == "contact_email" and caught.value.rule == "string_too_long"
    assert check_contact_email("   ") is None and check_contact_email(None) is None
    with pytest.raises(InvalidField) as bad:
        check_contact_email("cabinet.fr")
    assert bad.value.rule == "email"
