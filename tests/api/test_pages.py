"""The web pages: each renders for its role, sends a signed-out visitor to sign-in, refuses the
other roles, and every POST form needs the CSRF token of the visitor's cookie; the week page
shows the rota's solver status with its objective, bound and gap to the bound."""

from __future__ import annotations

import html
import re
import warnings
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.pages import views
from api.pages.web import CSRF_COOKIE, SESSION_COOKIE
from scheduler import french, models
from scheduler.auth import create_access_token
from scheduler.planning import plan_period, term_counts
from scheduler.runs import request_plan_run
from tests.api.conftest import SETTINGS
from tests.api.factories import PASSWORD, World
from tests.scheduler.feed_factories import AssignmentSpec, LegSpec, paris, publish

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


def test_contract_dashboard_lists_travel_paid_beyond_the_contract(
    web: TestClient, world: World, session: Session
) -> None:
    # X, 35 h under the first contract, goes from A to B on Monday: 40 minutes of heures
    # supplémentaires that week, shown with their kind, where the groupement pays travel beyond
    # the contracts.
    world.groupement.travel_in_contract = False
    contract, x = world.contracts[0], world.assistants[0]
    a, b = world.cabinets
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    monday = today - timedelta(days=today.weekday() + 7)
    publish(
        session,
        world.groupement.id,
        monday,
        [
            AssignmentSpec(
                "p1", x.id, a.id, contract.id, paris(monday, "08:00"), paris(monday, "12:00")
            ),
            AssignmentSpec(
                "p2", x.id, b.id, contract.id, paris(monday, "12:40"), paris(monday, "16:00")
            ),
        ],
        [LegSpec("l1", x.id, a.id, b.id, paris(monday, "12:00"), paris(monday, "12:40"))],
    )
    session.flush()
    sign_in_as(web, world.users["coordinator"])
    answer = web.get("/contrats", params={"contrat": contract.id})
    assert answer.status_code == 200
    assert "Trajets payés au-delà du contrat" in answer.text
    assert '<td class="num" data-label="Trajets">40 min</td>' in answer.text
    assert "heures supplémentaires" in answer.text


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


# --- The week page: weeks, the grid's edits, days off, the plan's quality -----------------------

PLANNED = date(2026, 12, 21)  # Christmas on the Friday, Saint-Étienne (Moselle) on the Saturday
EARLY = datetime(2026, 11, 1, 9, tzinfo=UTC)


def _token(web: TestClient) -> str:
    return str(web.get("/planning").cookies.get(CSRF_COOKIE) or web.cookies[CSRF_COOKIE])


def _draft(session: Session, world: World) -> models.Rota:
    rota = plan_period(
        session,
        world.groupement.id,
        PLANNED,
        7,
        time_limit_s=2.0,
        deterministic=True,
        now=EARLY,
    )
    assert rota.solver_status in ("optimal", "feasible"), rota.explanation
    session.commit()  # as the run that planned it: a refused edit rolls back to here
    return rota


def _text(page: str) -> str:
    """What a page reads as: its text without tags, runs of ASCII white space as one space (the
    no-break spaces of the French wording kept)."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.parametrize(
    ("semaine", "monday"),
    [
        ("2026-W51", "lundi 14 décembre 2026"),
        ("2026-w53", "lundi 28 décembre 2026"),  # 2026 has 53 ISO weeks
        ("2026-12-16", "lundi 14 décembre 2026"),  # a day: its Monday, as before
    ],
)
def test_week_page_takes_an_iso_week_as_the_cli_writes_it(
    web: TestClient, world: World, semaine: str, monday: str
) -> None:
    sign_in_as(web, world.users["coordinator"])
    answer = web.get("/planning", params={"semaine": semaine})
    assert answer.status_code == 200, answer.text
    assert f"Planning de la semaine du {monday}" in answer.text


@pytest.mark.parametrize(
    ("semaine", "message"),
    [
        (
            "2025-W53",
            "« Semaine du » n'est pas une semaine valide : l'année 2025 n'a pas de semaine 53.",
        ),
        (
            "2026-W00",
            "« Semaine du » n'est pas une semaine valide : l'année 2026 n'a pas de semaine 0.",
        ),
        (
            "2026-51",
            (
                "« Semaine du » n'est ni une date (AAAA-MM-JJ) ni une semaine ISO "
                "(AAAA-Wss, par exemple 2026-W51)."
            ),
        ),
        ("1999-W10", "« Semaine du » est hors des années que Partagenda planifie"),
    ],
)
def test_a_bad_week_gets_a_french_error_naming_the_field(
    web: TestClient, world: World, semaine: str, message: str
) -> None:
    sign_in_as(web, world.users["coordinator"])
    answer = web.get("/planning", params={"semaine": semaine})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert message in html.unescape(answer.text)


def test_the_week_page_states_each_objective_term_in_words(
    web: TestClient, world: World, session: Session
) -> None:
    session.add(
        models.Rota(
            groupement_id=world.groupement.id,
            period_start=PLANNED,
            period_days=7,
            revision=1,
            solver_status="feasible",
            objective=4_820,
            bound=4_500,
            objective_terms={"share_deviation": 4_500, "travel_minutes": 160, "site_changes": 60},
        )
    )
    session.flush()
    sign_in_as(web, world.users["coordinator"])
    text = _text(web.get("/planning", params={"semaine": "2026-W52"}).text)
    assert "écart aux parts : 45 min (4\u202f500 points)" in text
    assert "trajets : 1 h 20 (160 points)" in text
    assert "changements de cabinet dans la journée : 2 (60 points)" in text
    for figure in ("Statut réalisable", "Objectif 4\u202f820", "Borne 4\u202f500"):
        assert figure in text
    assert "Écart à la borne 6,6\u00a0%" in text


def test_an_impossible_week_shows_why_and_cannot_be_published(
    web: TestClient, world: World, session: Session
) -> None:
    why = "Cabinet alpha-a : lundi 21 décembre, 9 h – 12 h sans assistante disponible."
    rota = models.Rota(
        groupement_id=world.groupement.id,
        period_start=PLANNED,
        period_days=7,
        revision=1,
        solver_status="infeasible",
        explanation=[why],
    )
    session.add(rota)
    session.commit()  # as the run that planned it: the refused publication rolls back to here
    sign_in_as(web, world.users["coordinator"])
    page = web.get("/planning", params={"semaine": PLANNED.isoformat()}).text
    assert "Aucun planning réalisable pour cette semaine." in page
    assert html.escape(why, quote=False) in page
    button = re.search(r"<button[^>]*>Publier ce planning</button>", page)
    assert button is not None and " disabled" in button[0]
    assert "Publication impossible : la semaine n'a pas de planning réalisable" in _text(page)
    refused = web.post(f"/planning/{rota.id}/publier", data={"csrf_token": _token(web)})
    assert refused.status_code == 422
    assert "ne peut pas être publié" in _text(refused.text)
    assert rota.status is models.RotaStatus.DRAFT


def test_a_publishable_draft_has_its_publish_button_enabled(
    web: TestClient, world: World, session: Session
) -> None:
    _draft(session, world)
    sign_in_as(web, world.users["coordinator"])
    page = web.get("/planning", params={"semaine": PLANNED.isoformat()}).text
    button = re.search(r"<button[^>]*>Publier ce planning</button>", page)
    assert button is not None and "disabled" not in button[0]


def test_the_grid_marks_absences_and_public_holidays_with_their_reason(
    web: TestClient, world: World, session: Session
) -> None:
    _draft(session, world)
    x = world.assistants[0]
    session.add(
        models.Absence(
            assistant_id=x.id,
            kind=models.AbsenceKind.TRAINING,
            start_at=datetime(2026, 12, 22, 7, tzinfo=UTC),
            end_at=datetime(2026, 12, 22, 11, tzinfo=UTC),
            reason="gestes d'urgence",
        )
    )
    session.flush()
    sign_in_as(web, world.users["coordinator"])
    page = web.get("/planning", params={"semaine": PLANNED.isoformat()}).text
    tuesday = re.search(r'<td class="[^"]*cell--absent[^"]*" data-day="2026-12-22">', page)
    assert tuesday is not None, page
    assert (
        "Absente : Formation (gestes d'urgence), le mardi 22 décembre 2026, de 8 h à 12 h"
        in _text(page)
    )
    assert 'data-day="2026-12-25"' in page
    assert re.search(r'<td class="[^"]*cell--holiday[^"]*" data-day="2026-12-25">', page)
    assert "Jour férié : Noël" in _text(page)
    # Neither the other assistant's row nor another day says she is away.
    assert _text(page).count("Absente :") == 1


def _row_of(rota: models.Rota, assistant: models.Assistant) -> models.Assignment:
    return min(
        (a for a in rota.assignments if a.assistant_id == assistant.id), key=lambda a: a.start_at
    )


def test_a_move_offers_only_the_cabinets_of_the_assignments_contract(
    web: TestClient, world: World, session: Session
) -> None:
    rota = _draft(session, world)
    a, b = world.cabinets
    y = world.assistants[1]  # her contract shares her with cabinet b only
    row = _row_of(rota, y)
    sign_in_as(web, world.users["coordinator"])
    page = web.get("/planning", params={"semaine": PLANNED.isoformat()}).text
    select = re.search(
        rf'<select id="cabinet-{row.id}" name="cabinet"[^>]*>(.*?)</select>', page, re.S
    )
    assert select is not None
    assert f'value="{b.id}"' in select[1] and f'value="{a.id}"' not in select[1]
    x_row = _row_of(rota, world.assistants[0])  # hers names both of her contract's cabinets
    select = re.search(
        rf'<select id="cabinet-{x_row.id}" name="cabinet"[^>]*>(.*?)</select>', page, re.S
    )
    assert select is not None and f'value="{a.id}"' in select[1] and f'value="{b.id}"' in select[1]
    local = row.start_at.astimezone(ZoneInfo("Europe/Paris"))
    form = {
        "csrf_token": _token(web),
        "affectation": str(row.id),
        "jour": local.date().isoformat(),
        "debut": local.strftime("%H:%M"),
        "fin": row.end_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M"),
    }
    refused = web.post(f"/planning/{rota.id}/deplacer", data={**form, "cabinet": str(a.id)})
    assert refused.status_code == 422
    assert (
        f"n'est pas membre du contrat « {world.contracts[1].name} » de cette affectation"
        in _text(refused.text)
    )
    assert row.cabinet_id == b.id
    moved = web.post(f"/planning/{rota.id}/deplacer", data={**form, "cabinet": str(b.id)})
    assert moved.status_code == 303


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"assistante": "", "cabinet": "", "jour": "", "debut": "", "fin": ""},
            {
                "assistante": "« Assistante » est obligatoire.",
                "cabinet": "« Cabinet » est obligatoire.",
                "jour": "« Jour » est obligatoire.",
                "debut": "« Début » est obligatoire.",
                "fin": "« Fin » est obligatoire.",
            },
        ),
        (
            {"jour": "2026-12-28", "debut": "25:00", "fin": "9h"},
            {
                "jour": "« Jour » doit tomber dans la période du planning, du lundi 21 décembre "
                "au dimanche 27 décembre 2026.",
                "debut": "« Début » n'est pas une heure valide (attendu : HH:MM, par exemple 08:30).",
                "fin": "« Fin » n'est pas une heure valide (attendu : HH:MM, par exemple 08:30).",
            },
        ),
        ({"debut": "14:00", "fin": "14:00"}, {"fin": "« Fin » doit suivre le début (14 h)."}),
        ({"assistante": "999999"}, {"assistante": "« Assistante » : choisissez dans la liste."}),
    ],
    ids=["missing", "malformed", "end-not-after-start", "unknown-assistant"],
)
def test_the_add_form_shows_each_error_next_to_its_field(
    web: TestClient,
    world: World,
    session: Session,
    fields: dict[str, str],
    errors: dict[str, str],
) -> None:
    rota = _draft(session, world)
    count = len(rota.assignments)
    x, a = world.assistants[0], world.cabinets[0]
    form = {
        "assistante": str(x.id),
        "cabinet": str(a.id),
        "jour": "2026-12-26",
        "debut": "09:00",
        "fin": "12:00",
    } | fields
    sign_in_as(web, world.users["coordinator"])
    answer = web.post(f"/planning/{rota.id}/ajouter", data={"csrf_token": _token(web), **form})
    assert answer.status_code == 422, answer.text
    for name, message in errors.items():
        shown = re.search(
            rf'<p class="field__error" id="ajout-{name}-erreur">(.*?)</p>', answer.text
        )
        assert shown is not None and html.unescape(shown[1]) == message
        assert re.search(rf'id="ajout-{name}"[^>]*aria-invalid="true"', answer.text)
    assert set(re.findall(r'id="ajout-(\w+)-erreur"', answer.text)) == set(errors)
    assert len(rota.assignments) == count


def test_the_add_form_refuses_a_cabinet_outside_her_contracts(
    web: TestClient, world: World, session: Session
) -> None:
    rota = _draft(session, world)
    y, a = world.assistants[1], world.cabinets[0]
    form = {
        "assistante": str(y.id),
        "cabinet": str(a.id),
        "jour": "2026-12-21",
        "debut": "08:00",
        "fin": "09:00",
    }
    sign_in_as(web, world.users["coordinator"])
    answer = web.post(f"/planning/{rota.id}/ajouter", data={"csrf_token": _token(web), **form})
    assert answer.status_code == 422
    shown = re.search(r'<p class="field__error" id="ajout-cabinet-erreur">(.*?)</p>', answer.text)
    assert shown is not None
    assert html.unescape(shown[1]) == (
        f"« Cabinet » : {a.name} n'est membre d'aucun contrat de {y.first_name} {y.last_name} ; "
        f"cabinets possibles : {world.cabinets[1].name}."
    )


def _figures(page: str) -> tuple[str, str]:
    objective = re.search(r'<dd class="quality-objective">(.*?)</dd>', page)
    share = re.search(r'<li data-term="share_deviation">(.*?) <span', page)
    assert objective is not None and share is not None
    return html.unescape(objective[1]), html.unescape(share[1])


def test_adding_and_deleting_an_assignment_refreshes_the_figures(
    web: TestClient, world: World, session: Session
) -> None:
    rota = _draft(session, world)
    sign_in_as(web, world.users["coordinator"])
    week = {"semaine": PLANNED.isoformat()}
    first = _figures(web.get("/planning", params=week).text)
    row = _row_of(rota, world.assistants[0])
    gone = web.post(
        f"/planning/{rota.id}/supprimer",
        data={"csrf_token": _token(web), "affectation": str(row.id)},
    )
    assert gone.status_code == 303 and gone.headers["location"].endswith("&info=supprime")
    page = web.get(gone.headers["location"]).text
    assert "Affectation supprimée" in page and f'id="affectation-{row.id}"' not in page
    after_delete = _figures(page)
    assert after_delete != first
    assert after_delete[0] == french.screen_number(rota.objective)
    local = row.start_at.astimezone(ZoneInfo("Europe/Paris"))
    added = web.post(
        f"/planning/{rota.id}/ajouter",
        data={
            "csrf_token": _token(web),
            "assistante": str(row.assistant_id),
            "cabinet": str(row.cabinet_id),
            "jour": local.date().isoformat(),
            "debut": local.strftime("%H:%M"),
            "fin": row.end_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M"),
        },
    )
    assert added.status_code == 303, _text(added.text)
    page = web.get(added.headers["location"]).text
    assert "Affectation ajoutée" in page
    assert _figures(page) == first  # the same hours back at the same place: the same figures


def _queued_run(session: Session, world: World, waited_s: float) -> models.PlanRun:
    run = request_plan_run(session, world.groupement.id, PLANNED, 7, actor=None)
    run.requested_at = datetime.now(UTC) - timedelta(seconds=waited_s)
    session.flush()
    return run


@pytest.mark.parametrize(("waited_s", "warned"), [(8.0, False), (12.0, True)])
def test_a_run_queued_10_s_with_no_jobs_process_says_so(
    web: TestClient, world: World, session: Session, waited_s: float, warned: bool
) -> None:
    run = _queued_run(session, world, waited_s)
    sign_in_as(web, world.users["coordinator"])
    fragment = web.get(f"/planning/calculs/{run.id}").text
    assert ("aucun processus de calcul n'est actif" in fragment) is warned


def test_a_queued_run_is_cancelled_from_its_panel(
    web: TestClient, world: World, session: Session
) -> None:
    run = _queued_run(session, world, 0)
    sign_in_as(web, world.users["coordinator"])
    fragment = web.get(f"/planning/calculs/{run.id}").text
    assert re.search(r'<button type="submit"[^>]*>Annuler le calcul', fragment)
    answer = web.post(
        f"/planning/calculs/{run.id}/annuler",
        data={"csrf_token": _token(web)},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200, answer.text
    assert "Calcul annulé : aucun brouillon n'a été enregistré." in answer.text
    assert "hx-trigger" not in answer.text and "Annuler le calcul" not in answer.text
    assert run.state is models.RunState.CANCELLED
    without_token = web.post(f"/planning/calculs/{run.id}/annuler", data={})
    assert without_token.status_code == 403


def test_a_finished_run_shows_the_plans_quality(
    web: TestClient, world: World, session: Session
) -> None:
    rota = _draft(session, world)
    run = request_plan_run(session, world.groupement.id, PLANNED, 7, actor=None)
    run.state, run.rota_id = models.RunState.SUCCEEDED, rota.id
    run.best_objective, run.bound = rota.objective, rota.bound
    session.flush()
    sign_in_as(web, world.users["coordinator"])
    text = _text(web.get(f"/planning/calculs/{run.id}").text)
    assert "Calcul terminé." in text
    counts = term_counts(rota.objective_terms)
    assert f"écart aux parts : {french.duration(counts['share_deviation'])}" in text
    assert f"trajets : {french.duration(counts['travel_minutes'])}" in text
    assert (
        "Statut " + views.solver_status_text(rota.solver_status, rota.objective, rota.bound) in text
    )


def test_a_run_that_ends_infeasible_shows_the_solvers_explanation(
    web: TestClient, world: World, session: Session
) -> None:
    why = "Contrat alpha-c2 : aucune semaine ne peut atteindre 35 h (disponibilités)."
    rota = models.Rota(
        groupement_id=world.groupement.id,
        period_start=PLANNED,
        period_days=7,
        revision=1,
        solver_status="infeasible",
        explanation=[why],
    )
    session.add(rota)
    session.flush()
    run = request_plan_run(session, world.groupement.id, PLANNED, 7, actor=None)
    run.state, run.rota_id = models.RunState.SUCCEEDED, rota.id
    session.flush()
    sign_in_as(web, world.users["coordinator"])
    text = _text(web.get(f"/planning/calculs/{run.id}").text)
    assert "Statut impossible" in text
    assert f"Aucun planning réalisable pour cette semaine. Le solveur explique : {why}" in text
    page = web.get("/planning", params={"semaine": PLANNED.isoformat()}).text
    # The explanation replaces the checker's list, which would only repeat that nothing is planned.
    assert 'id="violations"' not in page
