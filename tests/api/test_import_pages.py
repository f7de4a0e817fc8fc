"""The CSV import pages (api/pages/routes/imports.py): a file uploaded is checked line by line and
kept as a preview whose page shows what it would add; its confirm imports it all or nothing; a
refused file lists each line, field and rule in French; a preview that is not the user's, or
whose data changed, imports nothing; each role sees the imports it may make and no other."""

from __future__ import annotations

import html
import re
import warnings
from datetime import date

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.pages.web import CSRF_COOKIE
from scheduler import models
from tests.api.factories import World
from tests.api.test_pages import sign_in_as

OURS_1, OURS_2 = "10198864158", "10830776943"  # Luhn-valid RPPS
STATEMENTS = (
    "rpps;date;pmt;file_active;source\n"
    f"{OURS_1};2026-04-01;812;1304;CPAM 57\n"
    f"{OURS_2};2026-04-01;640;990;CPAM 57\n"
)
SERIES = "department;quarter;pmt;file_active;doctors;source\n57;2026-T1;905,5;1402,25;212;DCIR\n"


def _count(session: Session, model: type[models.Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _token(web: TestClient) -> str:
    return str(web.get("/imports").cookies.get(CSRF_COOKIE) or web.cookies[CSRF_COOKIE])


def _upload(web: TestClient, slug: str, text: str, name: str = "releve.csv") -> object:
    return web.post(
        f"/imports/{slug}",
        data={"csrf_token": _token(web)},
        files={"fichier": (name, text.encode(), "text/csv")},
    )


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def signed_in(web: TestClient, world: World, session: Session) -> tuple[TestClient, World]:
    first, second = world.doctors
    first.rpps, second.rpps = OURS_1, OURS_2
    session.commit()  # stored as a real groupement's: a refused page write rolls back to here
    sign_in_as(web, world.users["coordinator"])
    return web, world


def test_the_coordinator_previews_then_confirms_the_statements(
    signed_in: tuple[TestClient, World], session: Session
) -> None:
    web, _ = signed_in
    index = web.get("/imports")
    assert index.status_code == 200
    assert 'action="/imports/patientele"' in index.text
    assert "serie-reference" not in index.text
    assert 'href="/imports" aria-current="page"' in index.text

    uploaded = _upload(web, "patientele", STATEMENTS)
    assert uploaded.status_code == 303  # type: ignore[attr-defined]
    location = uploaded.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(r"/imports/patientele/[A-Za-z0-9_-]{32}", location)
    assert _count(session, models.PatienteleSnapshot) == 0

    preview = web.get(location)
    assert preview.status_code == 200
    assert preview.headers["cache-control"] == "no-store"
    words = _text(preview.text)
    assert "2 lignes à ajouter, aucune ligne enregistrée modifiée" in words
    assert f"{OURS_1} Jeanne Roux 1er avril 2026 812 1304 CPAM 57" in words
    assert "Importer les 2 lignes" in words

    confirmed = web.post(f"{location}/confirmation", data={"csrf_token": _token(web)})
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == "/imports?fichier=patientele&importe=2"
    assert _count(session, models.PatienteleSnapshot) == 2
    done = web.get(confirmed.headers["location"])
    assert "Relevés de patientèle : 2 lignes importées." in _text(done.text)
    # The preview is spent: its page and a second confirm answer as a missing page.
    assert web.get(location).status_code == 404
    again = web.post(f"{location}/confirmation", data={"csrf_token": _token(web)})
    assert again.status_code == 404
    assert _count(session, models.PatienteleSnapshot) == 2


def test_a_refused_file_lists_each_line_field_and_rule_in_french(
    signed_in: tuple[TestClient, World], session: Session
) -> None:
    web, _ = signed_in
    bad = STATEMENTS + "10198864150;2026-13-01;-4;12;CPAM 57\n"
    answer = _upload(web, "patientele", bad)
    assert answer.status_code == 422  # type: ignore[attr-defined]
    words = _text(answer.text)  # type: ignore[attr-defined]
    assert "Relevés de patientèle (releve.csv) : rien n'a été importé. 3 erreurs" in words
    assert "Ligne 4 rpps clé du RPPS clé de contrôle du RPPS 10198864150 invalide" in words
    assert "Ligne 4 date date AAAA-MM-JJ « 2026-13-01 » n'est pas une date AAAA-MM-JJ" in words
    assert "Ligne 4 pmt positif ou nul -4 est négatif" in words
    assert _count(session, models.ImportPreview) == 0
    empty = _upload(web, "patientele", "")
    assert empty.status_code == 422  # type: ignore[attr-defined]
    assert "choisissez un fichier CSV non vide" in empty.text  # type: ignore[attr-defined]


def test_data_changed_since_the_preview_imports_nothing(
    signed_in: tuple[TestClient, World], session: Session
) -> None:
    web, world = signed_in
    location = _upload(web, "patientele", STATEMENTS).headers["location"]  # type: ignore[attr-defined]
    session.add(
        models.PatienteleSnapshot(
            doctor_id=world.doctors[1].id,
            snapshot_date=date(2026, 1, 1),
            pmt=600,
            file_active=950,
            source="saisie",
        )
    )
    session.commit()
    answer = web.post(f"{location}/confirmation", data={"csrf_token": _token(web)})
    assert answer.status_code == 409
    assert (
        "Relevés de patientèle : les données enregistrées ont changé depuis l'aperçu : rien n'a été importé"
        in (_text(answer.text))
    )
    assert _count(session, models.PatienteleSnapshot) == 1


def test_another_users_preview_is_a_missing_page(
    signed_in: tuple[TestClient, World], other_world: World, session: Session
) -> None:
    web, world = signed_in
    location = _upload(web, "patientele", STATEMENTS).headers["location"]  # type: ignore[attr-defined]
    session.commit()
    sign_in_as(web, other_world.users["coordinator"])
    assert web.get(location).status_code == 404
    assert web.post(f"{location}/confirmation", data={"csrf_token": _token(web)}).status_code == (
        404
    )
    sign_in_as(web, world.users["national"])
    national = location.replace("/patientele/", "/serie-reference/")
    assert web.get(national).status_code == 404
    assert web.get(location).status_code == 404  # not an import she makes
    assert web.get("/imports/inconnu/abc").status_code == 404
    assert _count(session, models.PatienteleSnapshot) == 0


def test_the_auditor_imports_the_reference_group_of_her_departements(
    signed_in: tuple[TestClient, World], session: Session
) -> None:
    web, world = signed_in
    sign_in_as(web, world.users["auditor"])
    index = web.get("/imports")
    assert 'action="/imports/medecins-reference"' in index.text
    assert 'action="/imports/serie-reference"' in index.text
    assert 'action="/imports/patientele"' not in index.text
    assert _upload(web, "patientele", STATEMENTS).status_code == 404  # type: ignore[attr-defined]
    refused = _upload(web, "serie-reference", SERIES.replace("\n57;", "\n54;"))
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "département suivi" in _text(refused.text)  # type: ignore[attr-defined]
    location = _upload(web, "serie-reference", SERIES).headers["location"]  # type: ignore[attr-defined]
    assert "57 2026-T1 905,5 1402,25 212 DCIR" in _text(web.get(location).text)
    assert web.post(f"{location}/confirmation", data={"csrf_token": _token(web)}).headers[
        "location"
    ] == ("/imports?fichier=serie-reference&importe=1")
    assert _count(session, models.ReferenceSeries) == 1


@pytest.mark.parametrize("role", ["cabinet", "assistant"])
def test_the_other_roles_are_refused_the_import_pages(
    signed_in: tuple[TestClient, World], role: str, session: Session
) -> None:
    web, world = signed_in
    token = _token(web)
    sign_in_as(web, world.users[role])
    assert web.get("/imports").status_code == 403
    answer = web.post(
        "/imports/patientele",
        data={"csrf_token": token},
        files={"fichier": ("r.csv", STATEMENTS.encode(), "text/csv")},
    )
    assert answer.status_code == 403
    assert _count(session, models.ImportPreview) == 0


def test_an_upload_without_the_csrf_token_is_refused(
    signed_in: tuple[TestClient, World], session: Session
) -> None:
    web, _ = signed_in
    _token(web)
    answer = web.post(
        "/imports/patientele", files={"fichier": ("r.csv", STATEMENTS.encode(), "text/csv")}
    )
    assert answer.status_code == 403
    assert _count(session, models.ImportPreview) == 0


def test_a_grant_withdrawn_since_the_preview_refuses_the_confirm_by_line(
    signed_in: tuple[TestClient, World], session: Session
) -> None:
    web, world = signed_in
    auditor = world.users["auditor"]
    sign_in_as(web, auditor)
    location = _upload(web, "serie-reference", SERIES).headers["location"]  # type: ignore[attr-defined]
    session.execute(delete(models.AuditorGrant).where(models.AuditorGrant.user_id == auditor.id))
    session.commit()
    answer = web.post(f"{location}/confirmation", data={"csrf_token": _token(web)})
    assert answer.status_code == 422
    assert "Ligne 2 department département suivi département 57" in _text(answer.text)
    assert _count(session, models.ReferenceSeries) == 0
