"""The coordinator's set-up pages: the groupement's settings, the cabinets (with their opening
hours and consultation sessions), the doctors and the assistants are listed, created, changed
and deleted through the resource services; a refused input is named next to its field with what
was typed kept, a stale form is refused with a message instead of overwriting, a row still in
use stays with a message, and only the coordinator reaches these pages."""

from __future__ import annotations

import html
import re
import warnings
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.pages.web import CSRF_COOKIE
from scheduler import models
from tests.api.factories import World, make_cabinet
from tests.api.test_pages import sign_in_as

PAGES = ("/parametres", "/cabinets", "/cabinets/nouveau", "/medecins", "/assistantes")
OTHER_ROLES = ("cabinet", "assistant", "auditor", "national")

CABINET = {
    "name": "Maison de santé du Parc",
    "code": "msp-parc",
    "places": "2",
    "contact_email": "accueil@msp-parc.fr",
    "address": "3 allée des Tilleuls",
    "postcode": "54000",
    "city": "Nancy",
    "department": "54",
    "latitude": "48,6921",
    "longitude": "6,1844",
    "opening_0": "08:00-12:00, 14:00-18:30",
    "opening_2": "8h-12h",
}


def _token(web: TestClient, path: str = "/cabinets") -> str:
    return str(web.get(path).cookies.get(CSRF_COOKIE) or web.cookies[CSRF_COOKIE])


def _error_of(page: str, input_id: str) -> str | None:
    """The message shown next to the input `input_id`, if any."""
    found = re.search(rf'<p class="field__error" id="{input_id}-erreur">(.*?)</p>', page)
    return html.unescape(found[1]) if found else None


def _value_of(page: str, input_id: str) -> str:
    found = re.search(rf'<input id="{input_id}"[^>]*value="([^"]*)"', page)
    assert found is not None, input_id
    return html.unescape(found[1])


@pytest.fixture
def coordinator_web(web: TestClient, world: World, session: Session) -> TestClient:
    session.commit()  # the world as stored before the page writes: a refused write rolls back
    sign_in_as(web, world.users["coordinator"])
    return web


@pytest.mark.parametrize("path", PAGES)
def test_each_set_up_page_renders_for_the_coordinator(
    coordinator_web: TestClient, path: str
) -> None:
    answer = coordinator_web.get(path)
    assert answer.status_code == 200, answer.text
    assert '<html lang="fr">' in answer.text


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", OTHER_ROLES)
def test_each_set_up_page_refuses_other_roles(
    web: TestClient, world: World, path: str, role: str
) -> None:
    sign_in_as(web, world.users[role])
    answer = web.get(path)
    assert answer.status_code == 403
    assert "Accès refusé" in answer.text


def test_a_signed_out_visitor_is_sent_to_sign_in(web: TestClient, world: World) -> None:
    answer = web.get("/cabinets")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/connexion?suite=/cabinets"


def test_the_navigation_links_the_set_up_pages_for_the_coordinator_only(
    web: TestClient, world: World
) -> None:
    sign_in_as(web, world.users["coordinator"])
    page = web.get("/planning").text
    for path in ("/cabinets", "/medecins", "/assistantes", "/parametres"):
        assert f'<a href="{path}"' in page
    sign_in_as(web, world.users["cabinet"])
    page = web.get("/cabinet").text
    assert '<a href="/cabinets"' not in page and '<a href="/parametres"' not in page


def test_a_cabinet_created_through_the_page_is_stored_and_listed(
    coordinator_web: TestClient, session: Session
) -> None:
    answer = coordinator_web.post(
        "/cabinets/nouveau", data={"csrf_token": _token(coordinator_web), **CABINET}
    )
    assert answer.status_code == 303, answer.text
    row = session.scalars(select(models.Cabinet).where(models.Cabinet.code == "msp-parc")).one()
    assert answer.headers["location"] == f"/cabinets/{row.id}?info=cree"
    assert (row.latitude, row.places, row.contact_email) == (
        Decimal("48.6921"),
        2,
        "accueil@msp-parc.fr",
    )
    assert sorted((w.weekday, w.start_minute, w.end_minute) for w in row.opening) == [
        (0, 480, 720),
        (0, 840, 1110),
        (2, 480, 720),
    ]
    listed = coordinator_web.get("/cabinets?q=parc").text
    assert "Maison de santé du Parc" in listed and "Cabinet alpha-a" not in listed


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        (
            "postcode",
            "5400",
            (
                "« Code postal » doit compter 5 chiffres (par exemple 57000 ; 20000 à 20999 "
                "s'écrivent 2A… ou 2B… en Corse)."
            ),
        ),
        ("name", "  ", "« Nom » est obligatoire."),
        ("latitude", "nord", "« Latitude » doit être un nombre (par exemple 49,1193)."),
        ("latitude", "91", "« Latitude » doit valoir au plus 90."),
        ("places", "deux", "« Postes de travail » doit être un nombre entier."),
        (
            "contact_email",
            "accueil-at-parc",
            "« E-mail de contact » n'est pas une adresse e-mail valide (attendu : nom@domaine.fr).",
        ),
        (
            "opening_0",
            "8h à midi",
            (
                "« Lundi » : « 8h à midi » n'est pas une plage horaire (attendu : 08:00-12:00, "
                "plusieurs plages séparées par des virgules)."
            ),
        ),
        (
            "opening_2",
            "12:00-08:00",
            (
                "« Mercredi » : une plage se termine avant de commencer ou sort de la journée "
                "(attendu : 08:00-12:00, la fin après le début)."
            ),
        ),
    ],
)
def test_a_refused_cabinet_input_is_named_next_to_its_field_with_the_input_kept(
    coordinator_web: TestClient, session: Session, field: str, typed: str, message: str
) -> None:
    form = CABINET | {field: typed}
    answer = coordinator_web.post(
        "/cabinets/nouveau", data={"csrf_token": _token(coordinator_web), **form}
    )
    assert answer.status_code == 422, answer.text
    input_id = field.replace("_", "-")
    assert _error_of(answer.text, input_id) == message
    assert re.search(rf'<input id="{input_id}"[^>]*aria-invalid="true"', answer.text)
    assert set(re.findall(r'id="([\w-]+)-erreur"', answer.text)) == {input_id}
    assert _value_of(answer.text, input_id) == typed
    assert _value_of(answer.text, "address") == CABINET["address"]
    stored = session.scalar(select(models.Cabinet).where(models.Cabinet.code == "msp-parc"))
    assert stored is None


def test_a_cabinet_code_already_taken_is_named_next_to_the_code(
    coordinator_web: TestClient, world: World
) -> None:
    form = CABINET | {"code": world.cabinets[0].code}
    answer = coordinator_web.post(
        "/cabinets/nouveau", data={"csrf_token": _token(coordinator_web), **form}
    )
    assert answer.status_code == 422
    assert _error_of(answer.text, "code") == (
        "« Code » est déjà pris par un autre élément du groupement."
    )


def _edit_form(page: str) -> dict[str, str]:
    names = re.findall(r'<input id="[\w-]+" name="(\w+)" type="[a-z]+" value="([^"]*)"', page)
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version is not None
    return {name: html.unescape(value) for name, value in names} | {"version": version[1]}


def test_a_cabinet_edit_is_saved_under_its_version(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    cabinet = world.cabinets[1]
    form = _edit_form(coordinator_web.get(f"/cabinets/{cabinet.id}").text)
    assert form["opening_0"] == "08:00-19:00" and form["latitude"] == "49,2"
    form |= {"address": "5 place Saint-Louis", "opening_5": "09:00-12:00", "contact_email": ""}
    answer = coordinator_web.post(
        f"/cabinets/{cabinet.id}", data={"csrf_token": _token(coordinator_web), **form}
    )
    assert answer.status_code == 303, answer.text
    session.refresh(cabinet)
    assert cabinet.address == "5 place Saint-Louis" and cabinet.contact_email is None
    assert (5, 540, 720) in [(w.weekday, w.start_minute, w.end_minute) for w in cabinet.opening]


def test_a_stale_cabinet_edit_is_refused_with_a_message_and_not_written(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    cabinet = world.cabinets[0]
    form = _edit_form(coordinator_web.get(f"/cabinets/{cabinet.id}").text)
    # Someone else saves the cabinet first.
    first = form | {"name": "Cabinet renommé ailleurs"}
    assert (
        coordinator_web.post(
            f"/cabinets/{cabinet.id}", data={"csrf_token": _token(coordinator_web), **first}
        ).status_code
        == 303
    )
    late = form | {"name": "Cabinet renommé trop tard"}
    answer = coordinator_web.post(
        f"/cabinets/{cabinet.id}", data={"csrf_token": _token(coordinator_web), **late}
    )
    assert answer.status_code == 409
    alert = re.search(r'<div class="alert alert--error" role="alert"[^>]*>(.*?)</div>', answer.text)
    assert alert is not None
    assert html.unescape(alert[1]).startswith(
        "Ce cabinet a été modifié par quelqu'un d'autre depuis l'ouverture de cette page : vos "
        "changements n'ont pas été enregistrés."
    )
    assert _value_of(answer.text, "name") == "Cabinet renommé trop tard"
    session.refresh(cabinet)
    assert cabinet.name == "Cabinet renommé ailleurs"


def test_a_cabinet_in_a_contract_is_not_deleted_and_the_rule_is_shown(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    cabinet = world.cabinets[0]
    form = _edit_form(coordinator_web.get(f"/cabinets/{cabinet.id}").text)
    answer = coordinator_web.post(
        f"/cabinets/{cabinet.id}/supprimer",
        data={"csrf_token": _token(coordinator_web), "version": form["version"]},
    )
    assert answer.status_code == 409
    assert "Ce cabinet ne peut pas être supprimé : il a encore une part dans un contrat" in (
        html.unescape(answer.text)
    )
    assert session.get(models.Cabinet, cabinet.id) is not None


def test_a_cabinet_nothing_refers_to_is_deleted(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    spare = make_cabinet(session, world.groupement, "alpha-spare", "49.1", "6.1")
    session.commit()
    form = _edit_form(coordinator_web.get(f"/cabinets/{spare.id}").text)
    answer = coordinator_web.post(
        f"/cabinets/{spare.id}/supprimer",
        data={"csrf_token": _token(coordinator_web), "version": form["version"]},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/cabinets?info=supprime"
    session.expire_all()
    assert session.get(models.Cabinet, spare.id) is None


def test_the_cabinet_list_pages_and_searches(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    for i in range(25):
        make_cabinet(session, world.groupement, f"alpha-page-{i:02d}", "49.1", "6.1")
    session.commit()
    first = coordinator_web.get("/cabinets").text
    assert "27 cabinets" in first and "Page 1 sur 2" in first
    assert first.count('<th scope="row">') == 20
    second = coordinator_web.get("/cabinets?page=2").text
    assert second.count('<th scope="row">') == 7
    found = coordinator_web.get("/cabinets?q=PAGE-1").text  # any case, part of the code
    assert found.count('<th scope="row">') == 10
    assert "Aucun cabinet ne correspond" in coordinator_web.get("/cabinets?q=50%25").text


def test_a_consultation_session_is_added_and_removed(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    cabinet, doctor = world.cabinets[0], world.doctors[0]
    answer = coordinator_web.post(
        f"/cabinets/{cabinet.id}/seances",
        data={
            "csrf_token": _token(coordinator_web),
            "weekday": "3",
            "start_minute": "14:00",
            "end_minute": "18:00",
            "doctor_id": str(doctor.id),
            "weight": "2",
        },
    )
    assert answer.status_code == 303, answer.text
    added = session.scalars(
        select(models.ConsultationSession).where(
            models.ConsultationSession.cabinet_id == cabinet.id,
            models.ConsultationSession.weekday == 3,
        )
    ).one()
    assert (added.start_minute, added.end_minute, added.doctor_id, added.weight) == (
        840,
        1080,
        doctor.id,
        2,
    )
    page = coordinator_web.get(f"/cabinets/{cabinet.id}").text
    version = re.search(
        rf'seances/{added.id}/supprimer">\s*<input[^>]*>\s*<input type="hidden" name="version" '
        r'value="(\d+)"',
        page,
    )
    assert version is not None
    answer = coordinator_web.post(
        f"/cabinets/{cabinet.id}/seances/{added.id}/supprimer",
        data={"csrf_token": _token(coordinator_web), "version": version[1]},
    )
    assert answer.status_code == 303
    session.expire_all()
    assert session.get(models.ConsultationSession, added.id) is None


def test_a_session_ending_before_it_starts_is_named_next_to_its_end(
    coordinator_web: TestClient, world: World
) -> None:
    cabinet = world.cabinets[0]
    answer = coordinator_web.post(
        f"/cabinets/{cabinet.id}/seances",
        data={
            "csrf_token": _token(coordinator_web),
            "weekday": "1",
            "start_minute": "14:00",
            "end_minute": "9:00",
            "weight": "1",
        },
    )
    assert answer.status_code == 422
    assert _error_of(answer.text, "seance-end-minute") == "« Fin » doit suivre le début."
    assert _value_of(answer.text, "seance-end-minute") == "9:00"


def test_the_groupement_settings_are_saved_and_a_stale_form_is_refused(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    page = coordinator_web.get("/parametres").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version is not None
    form = {
        "csrf_token": _token(coordinator_web, "/parametres"),
        "version": version[1],
        "name": "GE du Pays messin",
        "timezone": "Europe/Paris",
        "travel_in_contract": "on",
    }
    assert coordinator_web.post("/parametres", data=form).status_code == 303
    session.refresh(world.groupement)
    assert world.groupement.name == "GE du Pays messin"
    assert world.groupement.travel_in_contract and not world.groupement.complementary_accord
    again = coordinator_web.post("/parametres", data=form | {"name": "Trop tard"})
    assert again.status_code == 409
    assert "Le groupement a été modifié par quelqu'un d'autre" in html.unescape(again.text)
    bad = coordinator_web.post(
        "/parametres", data=form | {"version": str(world.groupement.version), "timezone": "Lune"}
    )
    assert bad.status_code == 422
    assert _error_of(bad.text, "timezone") == "« Fuseau horaire » fuseau horaire inconnu."


def test_a_doctor_is_created_and_a_duplicate_rpps_is_named_next_to_it(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    form = {
        "csrf_token": _token(coordinator_web, "/medecins"),
        "cabinet_id": str(world.cabinets[1].id),
        "rpps": "10001234565",
        "first_name": "Paul",
        "last_name": "Lefèvre",
        "specialty": "",
        "installed_on": "2025-09-01",
    }
    answer = coordinator_web.post("/medecins/nouveau", data=form)
    assert answer.status_code == 303, answer.text
    doctor = session.scalars(select(models.Doctor).where(models.Doctor.rpps == "10001234565")).one()
    assert doctor.specialty == "médecine générale"
    assert "Paul Lefèvre" in coordinator_web.get(f"/medecins?cabinet={world.cabinets[1].id}").text
    again = coordinator_web.post("/medecins/nouveau", data=form)
    assert again.status_code == 422
    assert _error_of(again.text, "rpps") == (
        "« Numéro RPPS » est déjà pris par un autre élément du groupement."
    )
    short = coordinator_web.post("/medecins/nouveau", data=form | {"rpps": "123"})
    assert _error_of(short.text, "rpps") == "« Numéro RPPS » doit compter 11 chiffres."
    # The last digit is the Luhn key: 10001234565 is valid, one more or less is not.
    for wrong in ("10001234564", "10001234566"):
        keyed = coordinator_web.post("/medecins/nouveau", data=form | {"rpps": wrong})
        assert keyed.status_code == 422
        assert _error_of(keyed.text, "rpps") == (
            f"« Numéro RPPS » clé de contrôle du RPPS {wrong} invalide."
        )
        assert session.scalar(select(models.Doctor).where(models.Doctor.rpps == wrong)) is None


def test_an_assistant_is_created_with_her_availability_and_her_hours_checked(
    coordinator_web: TestClient, session: Session
) -> None:
    form = {
        "csrf_token": _token(coordinator_web, "/assistantes"),
        "first_name": "Léa",
        "last_name": "Girard",
        "code": "am-lea",
        "email": "lea.girard@example.fr",
        "availability_0": "08:00-17:00",
        "availability_3": "08:00-12:00",
        "off_4": "on",
        "earliest_start_minute": "17:00",
        "latest_end_minute": "08:00",
    }
    refused = coordinator_web.post("/assistantes/nouvelle", data=form)
    assert refused.status_code == 422
    # The service's rule, with the other field named by its label.
    assert _error_of(refused.text, "latest-end-minute") == (
        "« Fin au plus tard » doit suivre « Début au plus tôt »."
    )
    assert _value_of(refused.text, "availability-0") == "08:00-17:00"
    answer = coordinator_web.post(
        "/assistantes/nouvelle", data=form | {"latest_end_minute": "18:00"}
    )
    assert answer.status_code == 303, answer.text
    row = session.scalars(select(models.Assistant).where(models.Assistant.code == "am-lea")).one()
    assert (row.email, row.preferred_days_off) == ("lea.girard@example.fr", [4])
    assert sorted((w.weekday, w.start_minute, w.end_minute) for w in row.availability) == [
        (0, 480, 1020),
        (3, 480, 720),
    ]


def test_an_assistant_in_a_contract_is_not_deleted(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    x = world.assistants[0]
    page = coordinator_web.get(f"/assistantes/{x.id}").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version is not None
    answer = coordinator_web.post(
        f"/assistantes/{x.id}/supprimer",
        data={"csrf_token": _token(coordinator_web, "/assistantes"), "version": version[1]},
    )
    assert answer.status_code == 409
    assert "Cette assistante ne peut pas être supprimée" in html.unescape(answer.text)
    assert session.get(models.Assistant, x.id) is not None


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_a_set_up_write_by_another_role_is_refused_and_nothing_stored(
    web: TestClient, world: World, session: Session, role: str
) -> None:
    sign_in_as(web, world.users[role])
    token = _token(web, "/cabinets")  # the refusal page sets the token too
    answer = web.post("/cabinets/nouveau", data={"csrf_token": token, **CABINET})
    assert answer.status_code == 403
    assert session.scalar(select(models.Cabinet).where(models.Cabinet.code == "msp-parc")) is None


def test_a_set_up_write_without_the_csrf_token_is_refused(
    coordinator_web: TestClient, session: Session
) -> None:
    coordinator_web.get("/cabinets")
    answer = coordinator_web.post("/cabinets/nouveau", data=CABINET)
    assert answer.status_code == 403
    assert "Formulaire expiré" in answer.text
    assert session.scalar(select(models.Cabinet).where(models.Cabinet.code == "msp-parc")) is None


def _absence_version(page: str, absence_id: int) -> str:
    found = re.search(
        rf'absences/{absence_id}/retirer"[^>]*>\s*<input[^>]*>\s*<input type="hidden" '
        r'name="version" value="(\d+)"',
        page,
    )
    assert found is not None
    return found[1]


def test_an_absence_is_recorded_changed_and_withdrawn(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    y = world.assistants[1]
    path = f"/assistantes/{y.id}/absences"
    form = {
        "csrf_token": _token(coordinator_web, path),
        "kind": "training",
        "start_at": "2026-04-06T08:00",
        "end_at": "2026-04-06T12:00",
        "reason": "Formation gestes d'urgence",
    }
    assert coordinator_web.post(path, data=form).status_code == 303
    absence = session.scalars(
        select(models.Absence).where(
            models.Absence.assistant_id == y.id, models.Absence.kind == models.AbsenceKind.TRAINING
        )
    ).one()
    assert absence.start_at.astimezone(ZoneInfo("Europe/Paris")).hour == 8  # the groupement's zone
    page = coordinator_web.get(path).text
    assert "Formation gestes d'urgence" in html.unescape(page)
    version = _absence_version(page, absence.id)
    changed = form | {"version": version, "end_at": "2026-04-06T17:00", "replaced": "on"}
    assert coordinator_web.post(f"{path}/{absence.id}", data=changed).status_code == 303
    session.refresh(absence)
    assert absence.replaced and absence.end_at.astimezone(ZoneInfo("Europe/Paris")).hour == 17
    # The first version again: someone changed it meanwhile.
    stale = coordinator_web.post(
        f"{path}/{absence.id}", data=changed | {"end_at": "2026-04-06T18:00"}
    )
    assert stale.status_code == 409
    assert "Cette absence a été modifiée par quelqu'un d'autre" in html.unescape(stale.text)
    page = coordinator_web.get(path).text
    withdrawn = coordinator_web.post(
        f"{path}/{absence.id}/retirer",
        data={"csrf_token": form["csrf_token"], "version": _absence_version(page, absence.id)},
    )
    assert withdrawn.status_code == 303
    session.expire_all()
    assert session.get(models.Absence, absence.id) is None


def test_an_absence_ending_before_it_starts_is_named_next_to_its_end(
    coordinator_web: TestClient, world: World
) -> None:
    path = f"/assistantes/{world.assistants[0].id}/absences"
    answer = coordinator_web.post(
        path,
        data={
            "csrf_token": _token(coordinator_web, path),
            "kind": "leave",
            "start_at": "2026-05-04T08:00",
            "end_at": "2026-05-01T18:00",
        },
    )
    assert answer.status_code == 422
    assert _error_of(answer.text, "nouvelle-end-at") == "« Au » doit suivre le début."
    assert _value_of(answer.text, "nouvelle-start-at") == "2026-05-04T08:00"


def test_a_doctor_in_a_foreign_cabinet_is_refused_as_in_a_missing_one(
    coordinator_web: TestClient, world: World, other_world: World, session: Session
) -> None:
    form = {
        "csrf_token": _token(coordinator_web, "/medecins"),
        "rpps": "10009999995",
        "first_name": "Anne",
        "last_name": "Marchal",
    }
    messages = []
    for cabinet_id in (other_world.cabinets[0].id, 2_147_480_000):
        answer = coordinator_web.post(
            "/medecins/nouveau", data=form | {"cabinet_id": str(cabinet_id)}
        )
        assert answer.status_code == 422
        message = _error_of(answer.text, "cabinet-id")
        assert message is not None
        messages.append(message.replace(str(cabinet_id), "N"))
    assert messages[0] == messages[1] == "« Cabinet » cabinet N introuvable."
    assert session.scalar(select(models.Doctor).where(models.Doctor.rpps == "10009999995")) is None
