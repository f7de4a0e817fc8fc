"""The coordinator's pages for the pooled contracts and their share plans, the travel times and
the auditors' access: every write goes through the services, a refused input is named next to
its field with the rule (shares that do not total exactly 100 %, to the hundredth of a percent,
are refused at 99,99 % and at 100,01 %), a stale form is refused, a share plan in force stays,
and another groupement's contract, plan, travel time or grant answers as a missing one with
nothing written."""

from __future__ import annotations

import html
import re
import warnings
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.pages.routes.contracts_setup import share_points, weekly_minutes
from api.pages.web import CSRF_COOKIE
from scheduler import membership, models
from scheduler.errors import InvalidField
from scheduler.services import resources
from tests.api.factories import World, make_cabinet, make_contract, make_user
from tests.api.test_pages import sign_in_as

BASE = "/contrats/gestion"
OTHER_ROLES = ("cabinet", "assistant", "auditor", "national")


def _token(web: TestClient, path: str = BASE) -> str:
    return str(web.get(path).cookies.get(CSRF_COOKIE) or web.cookies[CSRF_COOKIE])


def _error_of(page: str, input_id: str) -> str | None:
    found = re.search(rf'<p class="field__error[^"]*" id="{input_id}-erreur"[^>]*>(.*?)</p>', page)
    return html.unescape(found[1]) if found else None


def _text(page: str) -> str:
    """The page's text, without its tags, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _version(page: str, action: str) -> str:
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page, re.S)
    assert form is not None, action
    found = re.search(r'name="version" value="(\d+)"', form[0])
    assert found is not None
    return found[1]


def _today() -> date:
    # The pages judge « déjà en vigueur » on the groupement's day, which starts before UTC's.
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()


def _counts(session: Session) -> tuple[int, ...]:
    tables = (
        models.PooledContract,
        models.SharePlan,
        models.Share,
        models.ContractAssistant,
        models.TravelTime,
        models.AuditorGrant,
        models.AuditLog,
    )
    return tuple(session.scalar(select(func.count()).select_from(t)) or 0 for t in tables)


@pytest.fixture
def coordinator_web(web: TestClient, world: World, session: Session) -> TestClient:
    session.commit()  # the world as stored before the page writes: a refused write rolls back
    sign_in_as(web, world.users["coordinator"])
    return web


def _new_contract(world: World, **changes: str) -> dict[str, str]:
    a, b = world.cabinets
    form = {
        "code": "contrat-neuf",
        "name": "Contrat neuf",
        "kind": "collective",
        "start_date": "2026-09-07",
        "target_policy_code": "collective-2026",
        "duration_years": "5",
        "funded_etp": "0,5",
        "annual_employer_cost_eur": "42000",
        "cost_split": "by_share",
        "balancing_period": "half_year",
        "assistant_0": str(world.assistants[1].id),
        "weekly_0": "17:30",
        f"share_{a.id}": "33,33",
        f"share_{b.id}": "66,67",
    }
    return form | changes


# --- Reading what is typed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "points"),
    [("40", 4000), ("33,33", 3333), ("12.5 %", 1250), ("0,01", 1), ("100", 10000)],
)
def test_a_share_is_read_in_percent_to_the_hundredth(typed: str, points: int) -> None:
    assert share_points(typed) == points


@pytest.mark.parametrize("typed", ["33,333", "quarante", "-5", "1e2", ""])
def test_a_share_beyond_the_hundredth_or_no_number_is_not_read(typed: str) -> None:
    assert share_points(typed) is None


@pytest.mark.parametrize(
    ("typed", "minutes"), [("35", 2100), ("17:30", 1050), ("17h30", 1050), ("8 h", 480)]
)
def test_weekly_hours_are_read_as_minutes(typed: str, minutes: int) -> None:
    assert weekly_minutes(typed) == minutes


@pytest.mark.parametrize("typed", ["17:60", "trente", "1,5", ""])
def test_weekly_hours_that_are_no_duration_are_not_read(typed: str) -> None:
    assert weekly_minutes(typed) is None


# --- Who reaches the pages ------------------------------------------------------------------------


def _paths(world: World) -> list[str]:
    contract = world.contracts[0].id
    return [BASE, f"{BASE}/nouveau", f"{BASE}/{contract}", f"{BASE}/{contract}/acces", "/trajets"]


def test_each_page_renders_for_the_coordinator(coordinator_web: TestClient, world: World) -> None:
    for path in _paths(world):
        answer = coordinator_web.get(path)
        assert answer.status_code == 200, (path, answer.text)
        assert '<html lang="fr">' in answer.text


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_each_page_refuses_other_roles(web: TestClient, world: World, role: str) -> None:
    sign_in_as(web, world.users[role])
    for path in _paths(world):
        answer = web.get(path)
        assert answer.status_code == 403, path
        assert "Accès refusé" in answer.text


def test_a_signed_out_visitor_is_sent_to_sign_in(web: TestClient, world: World) -> None:
    for path in _paths(world):
        answer = web.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/connexion?suite={path}"


def test_a_write_without_the_csrf_token_is_refused_and_nothing_stored(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    contract = world.contracts[0].id
    before = _counts(session)
    for path, form in (
        (f"{BASE}/nouveau", _new_contract(world)),
        (f"{BASE}/{contract}/parts", _plan(world, _today() + timedelta(days=9), "50", "50")),
        (f"{BASE}/{contract}/acces", {"email": world.users["auditor"].email}),
        ("/trajets/estimation", {}),
    ):
        answer = coordinator_web.post(path, data=form)
        assert answer.status_code == 403, path
        assert "Formulaire expiré" in answer.text
    assert _counts(session) == before


def test_the_navigation_and_the_dashboard_link_the_pages(
    coordinator_web: TestClient, world: World
) -> None:
    assert '<a href="/trajets"' in coordinator_web.get("/planning").text
    assert f'href="{BASE}"' in coordinator_web.get("/contrats").text


# --- Contracts --------------------------------------------------------------------------------------


def test_a_contract_created_through_the_page_is_stored_with_its_first_plan(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    form = _new_contract(world)
    answer = coordinator_web.post(
        f"{BASE}/nouveau", data={"csrf_token": _token(coordinator_web), **form}
    )
    assert answer.status_code == 303, answer.text
    row = session.scalars(
        select(models.PooledContract).where(models.PooledContract.code == "contrat-neuf")
    ).one()
    assert answer.headers["location"] == f"{BASE}/{row.id}?info=cree"
    assert [(a.assistant_id, a.weekly_minutes) for a in row.assistants] == [
        (world.assistants[1].id, 1050)
    ]
    assert row.balancing_period == "half_year"
    (plan,) = row.share_plans
    assert plan.valid_from == date(2026, 9, 7)
    a, b = world.cabinets
    assert {s.cabinet_id: s.share_bp for s in plan.shares} == {a.id: 3333, b.id: 6667}
    listed = coordinator_web.get(BASE).text
    assert "Contrat neuf" in listed and "33,33 %" in html.unescape(listed)


@pytest.mark.parametrize(("second", "total"), [("66,66", "99,99"), ("66,68", "100,01")])
def test_shares_off_100_percent_by_a_hundredth_are_refused_beside_them(
    coordinator_web: TestClient, world: World, session: Session, second: str, total: str
) -> None:
    before = _counts(session)
    form = _new_contract(world, **{f"share_{world.cabinets[1].id}": second})
    answer = coordinator_web.post(
        f"{BASE}/nouveau", data={"csrf_token": _token(coordinator_web), **form}
    )
    assert answer.status_code == 422
    assert _error_of(answer.text, "shares") == (
        f"« Parts des cabinets » : les parts totalisent {total} % au lieu de 100 % ; les parts "
        "des cabinets membres doivent totaliser exactement 100 %."
    )
    assert f'value="{second}"' in answer.text  # what was typed is kept
    assert _counts(session) == before


def test_a_share_beyond_the_hundredth_is_named_beside_its_cabinet(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    before = _counts(session)
    a = world.cabinets[0]
    form = _new_contract(world, **{f"share_{a.id}": "33,333"})
    answer = coordinator_web.post(
        f"{BASE}/nouveau", data={"csrf_token": _token(coordinator_web), **form}
    )
    assert answer.status_code == 422
    message = _error_of(answer.text, f"share-{a.id}")
    assert message is not None and "n'est pas un pourcentage au centième" in message
    assert _counts(session) == before


@pytest.mark.parametrize(
    ("changes", "input_id", "words"),
    [
        ({"code": "a b"}, "code", "doit commencer par une lettre ou un chiffre"),
        ({"funded_etp": "0"}, "funded-etp", "doit valoir au moins 0"),
        ({"funded_etp": "20,01"}, "funded-etp", "doit valoir au plus 20"),
        ({"duration_years": "11"}, "duration-years", "doit valoir au plus 10"),
        ({"weekly_0": "48:01"}, "weekly-0", "entre 0:01 et 48:00"),
        ({"weekly_0": "trente"}, "weekly-0", "n'est pas une durée"),
        ({"start_date": ""}, "start-date", "est obligatoire"),
    ],
)
def test_a_refused_contract_input_is_named_next_to_its_field(
    coordinator_web: TestClient,
    world: World,
    session: Session,
    changes: dict[str, str],
    input_id: str,
    words: str,
) -> None:
    before = _counts(session)
    answer = coordinator_web.post(
        f"{BASE}/nouveau",
        data={"csrf_token": _token(coordinator_web), **_new_contract(world, **changes)},
    )
    assert answer.status_code == 422
    message = _error_of(answer.text, input_id)
    assert message is not None and words in message, message
    assert _counts(session) == before


def test_weekly_hours_at_the_weekly_limit_are_accepted(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    answer = coordinator_web.post(
        f"{BASE}/nouveau",
        data={"csrf_token": _token(coordinator_web), **_new_contract(world, weekly_0="48")},
    )
    assert answer.status_code == 303, answer.text


def test_a_contract_code_already_taken_is_named_next_to_the_code(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    form = _new_contract(world, code=world.contracts[0].code)
    answer = coordinator_web.post(
        f"{BASE}/nouveau", data={"csrf_token": _token(coordinator_web), **form}
    )
    assert answer.status_code == 422
    assert _error_of(answer.text, "code") == (
        "« Code » est déjà pris par un autre élément du groupement."
    )


def _edit_form(page: str) -> dict[str, str]:
    form = re.search(
        r'<form method="post" action="/contrats/gestion/\d+" class="stack".*?</form>', page, re.S
    )
    assert form is not None
    values = dict(
        re.findall(r'<input id="[^"]*" name="([^"]+)" type="[^"]*" value="([^"]*)"', form[0])
    )
    for name, body in re.findall(
        r'<select id="[^"]*" name="([^"]+)".*?>(.*?)</select>', form[0], re.S
    ):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        values[name] = chosen[1] if chosen else ""
    values["version"] = re.search(r'name="version" value="(\d+)"', form[0])[1]  # type: ignore[index]
    return {k: html.unescape(v) for k, v in values.items()}


def test_a_contract_edit_replaces_its_assistants_under_its_version(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    contract = world.contracts[0]
    form = _edit_form(coordinator_web.get(f"{BASE}/{contract.id}").text)
    assert form["weekly_0"] == "35" and form["assistant_0"] == str(world.assistants[0].id)
    form |= {
        "name": "Contrat renommé",
        "weekly_0": "28",
        "assistant_1": str(world.assistants[1].id),
        "weekly_1": "7",
    }
    answer = coordinator_web.post(
        f"{BASE}/{contract.id}", data={"csrf_token": _token(coordinator_web), **form}
    )
    assert answer.status_code == 303, answer.text
    session.expire_all()
    row = session.get(models.PooledContract, contract.id)
    assert row is not None and row.name == "Contrat renommé"
    assert sorted((a.assistant_id, a.weekly_minutes) for a in row.assistants) == sorted(
        [(world.assistants[0].id, 1680), (world.assistants[1].id, 420)]
    )
    # The same form again, read before that change: refused, nothing written over it.
    late = form | {"name": "Trop tard"}
    answer = coordinator_web.post(
        f"{BASE}/{contract.id}", data={"csrf_token": _token(coordinator_web), **late}
    )
    assert answer.status_code == 409
    assert "Ce contrat a été modifié par quelqu'un d'autre" in html.unescape(answer.text)
    session.expire_all()
    assert session.get(models.PooledContract, contract.id).name == "Contrat renommé"  # type: ignore[union-attr]


def test_a_contract_without_an_assistant_is_refused(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    contract = world.contracts[0]
    form = _edit_form(coordinator_web.get(f"{BASE}/{contract.id}").text)
    form |= {"assistant_0": "", "weekly_0": ""}
    answer = coordinator_web.post(
        f"{BASE}/{contract.id}", data={"csrf_token": _token(coordinator_web), **form}
    )
    assert answer.status_code == 422
    assert _error_of(answer.text, "assistants") == (
        "« Assistantes du contrat » : choisissez au moins une assistante."
    )


def test_the_contract_list_pages_and_searches(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    a = world.cabinets[0]
    for i in range(21):
        make_contract(session, world.groupement, f"liste-{i:02d}", world.assistants[0], {a: 10000})
    session.commit()
    first = coordinator_web.get(BASE).text
    assert "23 contrats" in first and "Page 1 sur 2" in first
    assert first.count('<th scope="row">') == 20
    assert coordinator_web.get(f"{BASE}?page=2").text.count('<th scope="row">') == 3
    assert coordinator_web.get(f"{BASE}?q=LISTE-1").text.count('<th scope="row">') == 10
    assert "Aucun contrat ne correspond" in coordinator_web.get(f"{BASE}?q=50%25").text


# --- Share plans -----------------------------------------------------------------------------------


def _plan(world: World, valid_from: date, first: str, second: str) -> dict[str, str]:
    a, b = world.cabinets
    return {"valid_from": valid_from.isoformat(), f"share_{a.id}": first, f"share_{b.id}": second}


@pytest.mark.parametrize(("second", "stored"), [("49,99", False), ("50", True), ("50,01", False)])
def test_a_share_plan_is_added_only_when_its_shares_total_100_percent(
    coordinator_web: TestClient,
    world: World,
    session: Session,
    second: str,
    stored: bool,
) -> None:
    contract = world.contracts[0]
    page = coordinator_web.get(f"{BASE}/{contract.id}").text
    action = f"{BASE}/{contract.id}/parts"
    # A collective contract's plan starts on an anniversary, which the form offers.
    following = membership.next_anniversary(contract.start_date, _today() + timedelta(days=1))
    assert f'value="{following.isoformat()}"' in page
    form = _plan(world, following, "50", second)
    before = _counts(session)
    answer = coordinator_web.post(
        action,
        data={"csrf_token": _token(coordinator_web), "version": _version(page, action), **form},
    )
    session.expire_all()
    plans = session.scalars(
        select(models.SharePlan).where(models.SharePlan.contract_id == contract.id)
    ).all()
    if stored:
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == f"{BASE}/{contract.id}?info=plan#parts"
        assert len(plans) == 2
        shown = html.unescape(coordinator_web.get(f"{BASE}/{contract.id}").text)
        assert "à venir" in shown and "en vigueur" in shown
    else:
        assert answer.status_code == 422
        message = _error_of(answer.text, "shares")
        assert message is not None
        assert "au lieu de 100 %" in message and "exactement 100 %" in message
        assert len(plans) == 1 and _counts(session) == before


def test_a_share_plan_before_the_start_or_on_a_taken_date_is_named_beside_its_date(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    contract = world.contracts[0]
    action = f"{BASE}/{contract.id}/parts"
    for day, words in (
        (contract.start_date - timedelta(days=1), "avant le début du contrat"),
        (contract.start_date, "un plan de parts commence déjà à cette date"),
    ):
        page = coordinator_web.get(f"{BASE}/{contract.id}").text
        answer = coordinator_web.post(
            action,
            data={
                "csrf_token": _token(coordinator_web),
                "version": _version(page, action),
                **_plan(world, day, "50", "50"),
            },
        )
        assert answer.status_code == 422
        message = _error_of(answer.text, "plan-valid-from")
        assert message is not None and words in message, message


def _add_plan(session: Session, contract: models.PooledContract, day: date) -> models.SharePlan:
    shares = [
        models.Share(cabinet_id=s.cabinet_id, share_bp=s.share_bp)
        for s in contract.share_plans[0].shares
    ]
    plan = models.SharePlan(valid_from=day, shares=shares)
    contract.share_plans.append(plan)
    session.flush()
    session.commit()
    return plan


def test_a_future_share_plan_is_withdrawn_and_one_in_force_stays(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    contract = world.contracts[0]
    past = _add_plan(session, contract, contract.start_date + timedelta(days=28))
    coming = _add_plan(session, contract, _today() + timedelta(days=1))
    page = coordinator_web.get(f"{BASE}/{contract.id}").text
    # Only the plan to come has its button.
    assert f"/parts/{coming.id}/supprimer" in page
    assert f"/parts/{past.id}/supprimer" not in page
    version = re.search(r'name="version" value="(\d+)"', page)[1]  # type: ignore[index]
    for plan, words in (
        (past, "ce plan est déjà en vigueur"),
        (contract.share_plans[0], "le plan du début du contrat ne peut pas être retiré"),
    ):
        answer = coordinator_web.post(
            f"{BASE}/{contract.id}/parts/{plan.id}/supprimer",
            data={"csrf_token": _token(coordinator_web), "version": version},
        )
        assert answer.status_code == 409
        assert words in html.unescape(answer.text)
    answer = coordinator_web.post(
        f"{BASE}/{contract.id}/parts/{coming.id}/supprimer",
        data={"csrf_token": _token(coordinator_web), "version": version},
    )
    assert answer.status_code == 303, answer.text
    session.expire_all()
    assert session.get(models.SharePlan, coming.id) is None
    assert session.get(models.SharePlan, past.id) is not None


# --- Another groupement's rows ------------------------------------------------------------------


def test_another_groupements_contract_answers_404_and_nothing_is_written(
    coordinator_web: TestClient, world: World, other_world: World, session: Session
) -> None:
    session.commit()
    theirs = other_world.contracts[0]
    plan = theirs.share_plans[0]
    grant = session.scalars(
        select(models.AuditorGrant).where(models.AuditorGrant.contract_id == theirs.id)
    ).one()
    token = _token(coordinator_web)
    before = _counts(session)
    for path in (f"{BASE}/{theirs.id}", f"{BASE}/{theirs.id}/acces"):
        assert coordinator_web.get(path).status_code == 404, path
    posts = {
        f"{BASE}/{theirs.id}": _new_contract(world) | {"version": "1"},
        f"{BASE}/{theirs.id}/parts": _plan(world, _today() + timedelta(days=9), "50", "50"),
        f"{BASE}/{theirs.id}/parts/{plan.id}/supprimer": {"version": "1"},
        f"{BASE}/{world.contracts[0].id}/parts/{plan.id}/supprimer": {"version": "1"},
        f"{BASE}/{theirs.id}/acces": {"email": world.users["auditor"].email},
        f"{BASE}/{theirs.id}/acces/{grant.id}/retrait": {},
        f"{BASE}/{world.contracts[0].id}/acces/{grant.id}/retrait": {},
        f"/trajets/{other_world.travel.id}": {"minutes": "12", "version": "1"},
    }
    for path, form in posts.items():
        answer = coordinator_web.post(path, data={"csrf_token": token, **form})
        assert answer.status_code == 404, (path, answer.status_code)
    assert _counts(session) == before


# --- Travel times ------------------------------------------------------------------------------------


def test_the_estimate_fills_the_missing_legs_and_marks_them(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    spare = make_cabinet(session, world.groupement, "alpha-nancy", "48.692100", "6.184400")
    session.commit()
    page = _text(coordinator_web.get("/trajets").text)
    assert "2 paires de cabinets sans temps de trajet" in page
    answer = coordinator_web.post(
        "/trajets/estimation", data={"csrf_token": _token(coordinator_web, "/trajets")}
    )
    assert answer.status_code == 303
    estimated = session.scalars(
        select(models.TravelTime).where(
            (models.TravelTime.origin_id == spare.id)
            | (models.TravelTime.destination_id == spare.id)
        )
    ).all()
    assert len(estimated) == 2 and all(t.estimated for t in estimated)
    ids = sorted(t.id for t in estimated)
    assert answer.headers["location"] == f"/trajets?nombre=2&estimes={ids[0]},{ids[1]}#trajets"
    shown = coordinator_web.get(answer.headers["location"]).text
    assert shown.count("nouvelle estimation</span>") == 2
    shown = _text(shown)
    assert "2 trajets estimés d'après les coordonnées" in shown
    assert "Chaque paire de cabinets a son temps de trajet. 2 restent à confirmer" in shown
    # Nothing missing any more: the button says so and stores nothing.
    again = coordinator_web.post(
        "/trajets/estimation", data={"csrf_token": _token(coordinator_web, "/trajets")}
    )
    assert again.headers["location"] == "/trajets?info=aucun"


@pytest.mark.parametrize(
    ("typed", "stored"), [("0", None), ("1", 1), ("240", 240), ("241", None), ("", None)]
)
def test_a_travel_time_is_confirmed_within_its_limits(
    coordinator_web: TestClient, world: World, session: Session, typed: str, stored: int | None
) -> None:
    travel = world.travel
    travel.estimated = True
    session.commit()
    page = coordinator_web.get("/trajets").text
    action = f"/trajets/{travel.id}"
    answer = coordinator_web.post(
        action,
        data={
            "csrf_token": _token(coordinator_web, "/trajets"),
            "version": _version(page, action),
            "minutes": typed,
            "page": "1",
        },
    )
    session.expire_all()
    row = session.get(models.TravelTime, travel.id)
    assert row is not None
    if stored is None:
        assert answer.status_code == 422
        message = _error_of(answer.text, f"minutes-{travel.id}")
        assert message is not None and message.startswith("« Minutes de route »"), message
        assert (row.minutes, row.estimated) == (15, True)
    else:
        assert answer.status_code == 303
        assert answer.headers["location"] == "/trajets?page=1&info=enregistre#trajets"
        assert (row.minutes, row.estimated) == (stored, False)


def test_a_travel_time_added_twice_is_named_beside_the_destination(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    a, b = world.cabinets
    answer = coordinator_web.post(
        "/trajets/nouveau",
        data={
            "csrf_token": _token(coordinator_web, "/trajets"),
            "origin_id": str(b.id),
            "destination_id": str(a.id),
            "minutes": "20",
        },
    )
    assert answer.status_code == 422
    assert _error_of(answer.text, "ajout-destination-id") == (
        "« Cabinet d'arrivée » est déjà pris par un autre élément du groupement."
    )


# --- Auditors' grants --------------------------------------------------------------------------------


def test_an_auditor_is_granted_a_contract_and_the_grant_revoked(
    coordinator_web: TestClient, world: World, session: Session, other_world: World
) -> None:
    contract = world.contracts[1]
    # An auditor of another groupement's CPAM reads a contract of this one once granted.
    auditor = other_world.users["auditor"]
    session.commit()
    path = f"{BASE}/{contract.id}/acces"
    answer = coordinator_web.post(
        path, data={"csrf_token": _token(coordinator_web), "email": auditor.email.upper()}
    )
    assert answer.status_code == 303
    grant = session.scalars(
        select(models.AuditorGrant).where(
            models.AuditorGrant.contract_id == contract.id,
            models.AuditorGrant.user_id == auditor.id,
        )
    ).one()
    assert auditor.email in coordinator_web.get(path).text
    audit = session.scalars(
        select(models.AuditLog).where(
            models.AuditLog.entity == "auditor_grant", models.AuditLog.entity_id == str(grant.id)
        )
    ).one()
    assert (audit.action, audit.groupement_id) == ("create", world.groupement.id)
    answer = coordinator_web.post(
        f"{path}/{grant.id}/retrait", data={"csrf_token": _token(coordinator_web)}
    )
    assert answer.status_code == 303
    session.expire_all()
    assert session.get(models.AuditorGrant, grant.id) is None


@pytest.mark.parametrize(
    ("who", "words"),
    [
        ("cabinet", "aucun compte actif d'auditeur CPAM n'a cette adresse"),
        ("nobody", "aucun compte actif d'auditeur CPAM n'a cette adresse"),
        ("auditor", "cet auditeur lit déjà ce contrat"),
        ("not an address", "ce n'est pas une adresse e-mail"),
    ],
)
def test_a_grant_to_no_auditor_or_again_is_refused_beside_the_address(
    coordinator_web: TestClient, world: World, session: Session, who: str, words: str
) -> None:
    emails = {"nobody": "personne@example.fr", "not an address": "cpam"}
    email = emails.get(who) or world.users[who].email
    before = _counts(session)
    answer = coordinator_web.post(
        f"{BASE}/{world.contracts[0].id}/acces",
        data={"csrf_token": _token(coordinator_web), "email": email},
    )
    assert answer.status_code == 422
    message = _error_of(answer.text, "email")
    assert message is not None and words in message, message
    assert _counts(session) == before


def test_a_deactivated_auditor_is_not_granted(
    coordinator_web: TestClient, world: World, session: Session
) -> None:
    closed = make_user(session, world.groupement, "ferme@cpam.fr", models.Role.AUDITOR)
    closed.is_active = False
    session.commit()
    answer = coordinator_web.post(
        f"{BASE}/{world.contracts[0].id}/acces",
        data={"csrf_token": _token(coordinator_web), "email": closed.email},
    )
    assert answer.status_code == 422


def _without_ids(text: str | None) -> str:
    return re.sub(r"\d+", "<id>", text or "")


def test_a_foreign_assistant_is_refused_beside_the_assistants_as_a_missing_one(
    coordinator_web: TestClient, world: World, other_world: World, session: Session
) -> None:
    session.commit()
    before = _counts(session)
    messages = []
    for key in (other_world.assistants[0].id, 2_147_480_000):
        answer = coordinator_web.post(
            f"{BASE}/nouveau",
            data={
                "csrf_token": _token(coordinator_web),
                **_new_contract(world, assistant_0=str(key)),
            },
        )
        assert answer.status_code == 422
        messages.append(_without_ids(_error_of(answer.text, "assistants")))
    assert messages[0] == messages[1] == "« Assistantes du contrat » assistante <id> introuvable."
    assert _counts(session) == before


def test_a_foreign_cabinet_is_refused_beside_it_as_a_missing_one(
    coordinator_web: TestClient, world: World, other_world: World, session: Session
) -> None:
    session.commit()
    before = _counts(session)
    messages = []
    for key in (other_world.cabinets[0].id, 2_147_480_000):
        answer = coordinator_web.post(
            "/trajets/nouveau",
            data={
                "csrf_token": _token(coordinator_web, "/trajets"),
                "origin_id": str(key),
                "destination_id": str(world.cabinets[0].id),
                "minutes": "20",
            },
        )
        assert answer.status_code == 422
        messages.append(_without_ids(_error_of(answer.text, "ajout-origin-id")))
    assert messages[0] == messages[1] == "« Cabinet de départ » cabinet <id> introuvable."
    assert _counts(session) == before


@pytest.mark.parametrize(("days_before", "withdrawn"), [(1, True), (0, False), (-1, False)])
def test_a_plan_is_withdrawn_only_the_day_before_it_comes_into_force(
    world: World, session: Session, days_before: int, withdrawn: bool
) -> None:
    # The day before its first day it is a plan to come; on that day it is in force.
    contract = world.contracts[0]
    first_day = date(2026, 6, 1)
    plan = _add_plan(session, contract, first_day)
    today = first_day - timedelta(days=days_before)
    user = world.users["coordinator"]
    if withdrawn:
        resources.CONTRACTS.delete_share_plan(
            session, user, contract.id, plan.id, expected=None, today=today
        )
        assert session.get(models.SharePlan, plan.id) is None
        audit = session.scalars(
            select(models.AuditLog).where(
                models.AuditLog.entity == "contract",
                models.AuditLog.entity_id == str(contract.id),
                models.AuditLog.action == "update",
            )
        ).one()
        assert audit.reason == "plan de parts du 2026-06-01 retiré"
    else:
        with pytest.raises(InvalidField) as refused:
            resources.CONTRACTS.delete_share_plan(
                session, user, contract.id, plan.id, expected=None, today=today
            )
        assert refused.value.rule == "in_force"
        assert session.get(models.SharePlan, plan.id) is not None


# --- The same through the API -----------------------------------------------------------------------


def test_the_api_grants_lists_and_revokes_an_auditor(
    client: TestClient, world: World, other_world: World, coordinator: dict[str, str]
) -> None:
    contract = world.contracts[1].id
    auditor = other_world.users["auditor"].email
    path = f"/api/v1/contracts/{contract}/auditor-grants"
    created = client.post(path, json={"email": auditor}, headers=coordinator)
    assert created.status_code == 201, created.text
    assert (created.json()["email"], created.json()["contract_id"]) == (auditor, contract)
    again = client.post(path, json={"email": auditor}, headers=coordinator)
    assert again.status_code == 422
    assert again.json()["errors"][0]["loc"] == ["body", "email"]
    listed = client.get(path, headers=coordinator).json()["items"]
    assert [item["email"] for item in listed] == [auditor]
    gone = client.delete(f"{path}/{created.json()['id']}", headers=coordinator)
    assert gone.status_code == 204
    assert client.get(path, headers=coordinator).json()["items"] == []


def test_the_api_withdraws_a_plan_to_come_and_keeps_the_first(
    client: TestClient, world: World, session: Session, coordinator: dict[str, str]
) -> None:
    contract = world.contracts[0]
    coming = _add_plan(session, contract, _today() + timedelta(days=30))
    first = contract.share_plans[0].id
    headers = coordinator | {"If-Match": "*"}
    path = f"/api/v1/contracts/{contract.id}/share-plans"
    kept = client.delete(f"{path}/{first}", headers=headers)
    assert kept.status_code == 422
    assert "le plan du début du contrat ne peut pas être retiré" in kept.text
    assert client.delete(f"{path}/{coming.id}", headers=headers).status_code == 204
    session.expire_all()
    assert session.get(models.SharePlan, coming.id) is None
    assert session.get(models.SharePlan, first) is not None
