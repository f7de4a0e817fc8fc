"""The assistant's page and what it reads: only published rotas, only her own assignments, legs
and breaks (with her cabinets' addresses), never another groupement's; her absences and change
notices; her calendar link, whose replacement revokes every older link to her feed."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.pages.web import CSRF_COOKIE, SESSION_COOKIE
from scheduler import models
from scheduler.auth import create_access_token
from scheduler.errors import Forbidden
from scheduler.services import personal, subscriptions
from tests.api.conftest import SETTINGS
from tests.api.factories import PASSWORD, World

PARIS = ZoneInfo("Europe/Paris")
WEEK = date(2026, 11, 30)  # a Monday


def _at(day: date, clock: int) -> datetime:
    return datetime(day.year, day.month, day.day, clock, tzinfo=PARIS)


def stage_rota(
    session: Session,
    world: World,
    status: models.RotaStatus,
    *,
    week: date = WEEK,
    revision: int = 1,
) -> models.Rota:
    """A rota of the world's week: X at A then B on Monday (travel and a break), Y at B."""
    x, y = world.assistants
    a, b = world.cabinets
    c1, c2 = world.contracts
    rota = models.Rota(
        groupement_id=world.groupement.id,
        period_start=week,
        period_days=7,
        revision=revision,
        status=models.RotaStatus.DRAFT,
        solver_status="optimal",
        published_at=datetime(2026, 11, 10, 9, tzinfo=UTC),
        assignments=[
            models.Assignment(
                assistant_id=x.id,
                contract_id=c1.id,
                cabinet_id=a.id,
                start_at=_at(week, 8),
                end_at=_at(week, 12),
                uid=f"{world.groupement.slug}-{revision}-xa",
            ),
            models.Assignment(
                assistant_id=x.id,
                contract_id=c1.id,
                cabinet_id=b.id,
                start_at=_at(week, 13),
                end_at=_at(week, 17),
                uid=f"{world.groupement.slug}-{revision}-xb",
            ),
            models.Assignment(
                assistant_id=y.id,
                contract_id=c2.id,
                cabinet_id=b.id,
                start_at=_at(week + timedelta(days=1), 8),
                end_at=_at(week + timedelta(days=1), 12),
                uid=f"{world.groupement.slug}-{revision}-yb",
            ),
        ],
        travel_legs=[
            models.TravelLeg(
                assistant_id=x.id,
                origin_id=a.id,
                destination_id=b.id,
                start_at=_at(week, 12),
                end_at=_at(week, 12) + timedelta(minutes=15),
                uid=f"{world.groupement.slug}-{revision}-leg",
            )
        ],
    )
    session.add(rota)
    session.flush()
    session.add_all(
        [
            models.RotaBreak(
                rota_id=rota.id,
                assistant_id=x.id,
                start_at=_at(week, 12) + timedelta(minutes=15),
                end_at=_at(week, 13),
            ),
            models.RotaBreak(
                rota_id=rota.id,
                assistant_id=y.id,
                start_at=_at(week + timedelta(days=1), 10),
                end_at=_at(week + timedelta(days=1), 10) + timedelta(minutes=20),
            ),
        ]
    )
    session.flush()
    if status is not models.RotaStatus.DRAFT:
        rota.status = status
        session.flush()
    return rota


def test_assistant_week_shows_only_her_published_rows(session: Session, world: World) -> None:
    stage_rota(session, world, models.RotaStatus.PUBLISHED)
    x = world.assistants[0]
    week = personal.assistant_week(session, world.users["assistant"], WEEK + timedelta(days=3))
    assert week.week_start == WEEK
    assert week.published
    assert [a.assistant_id for a in week.assignments] == [x.id, x.id]
    assert [a.cabinet_id for a in week.assignments] == [c.id for c in world.cabinets]
    assert [leg.assistant_id for leg in week.travel_legs] == [x.id]
    assert [b.assistant_id for b in week.breaks] == [x.id]
    assert set(week.cabinets) == {c.id for c in world.cabinets}
    assert week.cabinets[world.cabinets[0].id].address == "1 rue de la Gare"
    assert week.next_published_week is None


def test_assistant_week_never_shows_a_draft(session: Session, world: World) -> None:
    stage_rota(session, world, models.RotaStatus.DRAFT)
    week = personal.assistant_week(session, world.users["assistant"], WEEK)
    assert not week.published
    assert week.assignments == [] and week.travel_legs == [] and week.breaks == []


def test_assistant_week_ignores_a_superseded_version(session: Session, world: World) -> None:
    stage_rota(session, world, models.RotaStatus.SUPERSEDED)
    week = personal.assistant_week(session, world.users["assistant"], WEEK)
    assert not week.published and week.assignments == []


def test_assistant_week_ignores_another_groupement(
    session: Session, world: World, other_world: World
) -> None:
    stage_rota(session, other_world, models.RotaStatus.PUBLISHED)
    week = personal.assistant_week(session, world.users["assistant"], WEEK)
    assert not week.published
    assert week.assignments == [] and week.cabinets == {}


def test_assistant_week_points_to_her_next_published_week(session: Session, world: World) -> None:
    stage_rota(session, world, models.RotaStatus.PUBLISHED)
    week = personal.assistant_week(session, world.users["assistant"], WEEK - timedelta(days=14))
    assert not week.published
    assert week.next_published_week == WEEK


@pytest.mark.parametrize("role", ["coordinator", "cabinet", "auditor"])
def test_assistant_week_is_for_assistants_only(session: Session, world: World, role: str) -> None:
    with pytest.raises(Forbidden):
        personal.assistant_week(session, world.users[role], WEEK)


def test_upcoming_absences_are_hers_and_ahead(session: Session, world: World) -> None:
    x, y = world.assistants
    now = datetime(2026, 2, 20, 9, tzinfo=UTC)
    later = models.Absence(
        assistant_id=x.id,
        kind=models.AbsenceKind.TRAINING,
        start_at=datetime(2026, 6, 1, 7, tzinfo=UTC),
        end_at=datetime(2026, 6, 2, 7, tzinfo=UTC),
    )
    session.add(later)
    session.flush()
    mine = personal.upcoming_absences(session, world.users["assistant"], weeks=8, now=now)
    # The world's March leave of X is ahead; June is beyond 8 weeks; Y's leave is not hers.
    assert [a.assistant_id for a in mine] == [x.id]
    assert mine[0].start_at == datetime(2026, 3, 2, 7, tzinfo=UTC)
    assert (
        personal.upcoming_absences(
            session, world.users["assistant"], weeks=8, now=datetime(2026, 3, 10, tzinfo=UTC)
        )
        == []
    )


def test_change_notices_are_hers_only(session: Session, world: World) -> None:
    rota = stage_rota(session, world, models.RotaStatus.PUBLISHED)
    x, y = world.assistants
    for who in (x, y):
        session.add(
            models.ChangeNotice(
                groupement_id=world.groupement.id,
                rota_id=rota.id,
                assistant_id=who.id,
                cabinet_ids=[world.cabinets[1].id],
                description=f"{who.full_name} : lundi 30 novembre, Cabinet alpha-b 13:00–17:00 ajouté",
            )
        )
    session.flush()
    notices = personal.own_change_notices(session, world.users["assistant"])
    assert [(n.assistant_id, week) for n, week in notices] == [(x.id, WEEK)]


def test_replacing_her_link_revokes_every_older_one(session: Session, world: World) -> None:
    x = world.assistants[0]
    coordinator, assistant = world.users["coordinator"], world.users["assistant"]
    by_coordinator = subscriptions.subscribe(
        session,
        coordinator,
        models.FeedKind.ASSISTANT,
        x.id,
        "remis en main propre",
        base_url="https://p.example",
        calendar_name="x",
    )
    first = subscriptions.subscribe_own_assistant(
        session, assistant, base_url="https://p.example", calendar_name="x"
    )
    assert [t.id for t in subscriptions.list_subscriptions(session, assistant)] == [first.token_id]
    second = subscriptions.subscribe_own_assistant(
        session, assistant, base_url="https://p.example", calendar_name="x"
    )
    live = subscriptions.list_subscriptions(session, assistant)
    assert [t.id for t in live] == [second.token_id]
    revoked = session.scalars(
        select(models.FeedToken.id).where(models.FeedToken.revoked_at.is_not(None))
    ).all()
    assert set(revoked) == {by_coordinator.token_id, first.token_id}


def test_only_an_assistant_replaces_her_own_link(session: Session, world: World) -> None:
    with pytest.raises(Forbidden):
        subscriptions.subscribe_own_assistant(
            session, world.users["cabinet"], base_url="https://p.example", calendar_name="x"
        )


# --- The page ------------------------------------------------------------------------------------


def test_page_shows_her_week_in_french(web: TestClient, session: Session, world: World) -> None:
    stage_rota(session, world, models.RotaStatus.PUBLISHED)
    web.cookies.set(SESSION_COOKIE, create_access_token(world.users["assistant"], SETTINGS))
    page = web.get("/mon-planning", params={"semaine": "2026-12-02"})
    assert page.status_code == 200, page.text
    text = page.text
    assert "Mon planning de la semaine du lundi 30 novembre 2026" in text
    assert "8 h – 12 h" in text and "13 h – 17 h" in text
    assert "1 rue de la Gare, 57000 Metz" in text
    assert "Trajet Cabinet alpha-a → Cabinet alpha-b, 12 h – 12 h 15 (15 min)" in text
    assert "Pause 12 h 15 – 13 h" in text
    assert "8 h 15" in text  # 8 h at the cabinets and 15 min on the road
    assert "Pause 10 h – 10 h 20" not in text  # Y's break


def test_page_shows_an_empty_week_plainly(web: TestClient, world: World) -> None:
    web.cookies.set(SESSION_COOKIE, create_access_token(world.users["assistant"], SETTINGS))
    page = web.get("/mon-planning", params={"semaine": "2026-11-30"})
    assert page.status_code == 200
    assert "Aucun planning publié pour cette semaine." in page.text


def test_page_link_is_shown_once_and_never_cached(web: TestClient, world: World) -> None:
    web.cookies.set(SESSION_COOKIE, create_access_token(world.users["assistant"], SETTINGS))
    token = web.get("/mon-planning").cookies[CSRF_COOKIE]
    answer = web.post("/mon-planning/abonnement", data={"csrf_token": token})
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert "webcal://" in answer.text and "/feeds/" in answer.text
    again = web.get("/mon-planning").text
    assert "webcal://" not in again
    assert "Remplacer mon lien d'abonnement" in again


def test_sign_in_sends_an_assistant_to_her_page(web: TestClient, world: World) -> None:
    token = web.get("/connexion").cookies[CSRF_COOKIE]
    answer = web.post(
        "/connexion",
        data={"email": world.users["assistant"].email, "password": PASSWORD, "csrf_token": token},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/mon-planning"
