"""A change notice in a real browser: the assistant reads a change of her rota published inside
the notice window and confirms it with the page's button; the coordinator's week page then shows
the confirmation (when, by whom) next to the notices by e-mail and their state, a failure with
its reason. Photographed at 1366 px and at a 390 px phone width."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from scheduler import models
from scheduler.db import make_engine, make_session_factory
from scheduler.planning import plan_period, publish_rota
from scheduler.uow import unit_of_work
from tests.api.browser.conftest import PHONE, LiveServer
from tests.api.browser.test_pages_browser import shoot, sign_in

pytestmark = pytest.mark.browser

JULIE = ("julie.martin@example.fr", "demo-assistante")
COORDINATION = ("coordination@val-de-moselle.example.fr", "demo-coordination")
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Staged:
    """A change notice about Julie inside the window, and the two e-mails that told of it."""

    monday: date
    notice_id: int
    cabinet: str


@pytest.fixture(scope="module")
def staged(live_server: LiveServer) -> Iterator[Staged]:
    engine = make_engine(live_server.database_url)
    factory = make_session_factory(engine)
    today = datetime.now(UTC).astimezone(PARIS).date()
    monday = today - timedelta(days=today.weekday())
    with unit_of_work(factory) as session:
        groupement = session.scalars(select(models.Groupement)).one()
        rota = session.scalar(
            select(models.Rota).where(
                models.Rota.groupement_id == groupement.id,
                models.Rota.period_start == monday,
                models.Rota.status == models.RotaStatus.PUBLISHED,
            )
        )
        if rota is None:
            draft = plan_period(
                session, groupement.id, monday, 7, time_limit_s=3.0, deterministic=True
            )
            rota = publish_rota(
                session,
                draft.id,
                actor=None,
                acknowledged_reason="semaine en cours, publiée pour les essais",
            )
        julie = session.scalars(
            select(models.Assistant).where(models.Assistant.code == "julie")
        ).one()
        mine = sorted(
            (a for a in rota.assignments if a.assistant_id == julie.id), key=lambda a: a.start_at
        )
        assert mine, "the demo plans Julie in the current week"
        cabinet = session.get(models.Cabinet, mine[0].cabinet_id)
        assert cabinet is not None
        notice = models.ChangeNotice(
            groupement_id=groupement.id,
            rota_id=rota.id,
            assistant_id=julie.id,
            cabinet_ids=[cabinet.id],
            description=f"Julie Martin : vendredi, {cabinet.name} 14:00–18:00 supprimé",
            within_notice=True,
            acknowledged_reason="remplacement d'une collègue",
        )
        session.add(notice)
        session.flush()
        now = datetime.now(UTC)
        session.add_all(
            [
                models.NoticeEmail(
                    groupement_id=groupement.id,
                    rota_id=rota.id,
                    audience=models.EmailAudience.ASSISTANT,
                    assistant_id=julie.id,
                    notice_ids=[notice.id],
                    recipient=JULIE[0],
                    subject="Changement de votre planning — essai navigateur",
                    body_text="…",
                    state=models.EmailState.SENT,
                    attempts=1,
                    sent_at=now,
                    next_attempt_at=now,
                    created_at=now,
                ),
                models.NoticeEmail(
                    groupement_id=groupement.id,
                    rota_id=rota.id,
                    audience=models.EmailAudience.CABINET,
                    cabinet_id=cabinet.id,
                    notice_ids=[notice.id],
                    recipient="accueil@cabinet.example.fr",
                    subject="Changement des présences — essai navigateur",
                    body_text="…",
                    state=models.EmailState.FAILED,
                    attempts=5,
                    last_error="accueil@cabinet.example.fr refusé par le serveur : 550 5.1.1 "
                    "Mailbox unavailable",
                    next_attempt_at=now,
                    created_at=now,
                ),
            ]
        )
        result = Staged(monday, notice.id, cabinet.name)
    yield result
    engine.dispose()


def test_the_assistant_confirms_a_change_and_the_coordinator_sees_it(
    desktop: Page, live_server: LiveServer, staged: Staged, screenshots: Path
) -> None:
    page = desktop
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, JULIE)
    item = page.locator(f"#avis-{staged.notice_id}")
    expect(item).to_contain_text(f"Vendredi, {staged.cabinet} 14:00–18:00 supprimé.")
    button = item.get_by_role("button", name="J'ai pris connaissance de ce changement")
    expect(button).to_be_visible()
    item.scroll_into_view_if_needed()
    shoot(page, screenshots, "notice-to-confirm-1366")
    button.click()

    expect(page).to_have_url(re.compile(rf"info=avis#avis-{staged.notice_id}$"))
    expect(page.get_by_role("status").first).to_contain_text(
        "la coordination voit que vous avez pris connaissance du changement"
    )
    item = page.locator(f"#avis-{staged.notice_id}")
    expect(item).to_contain_text("Vous avez confirmé en avoir pris connaissance le")
    expect(item.get_by_role("button")).to_have_count(0)
    shoot(page, screenshots, "notice-confirmed-1366")
    assert not errors, errors

    page.get_by_role("button", name="Se déconnecter").click()
    sign_in(page, live_server, COORDINATION, f"/planning?semaine={staged.monday.isoformat()}")
    section = page.locator("#notices")
    expect(section.get_by_role("heading", level=2)).to_have_text("Avis de changement envoyés")
    sent = section.locator("tr", has_text="Changement de votre planning — essai navigateur")
    expect(sent).to_contain_text("envoyé")
    failed = section.locator("tr", has_text="Changement des présences — essai navigateur")
    expect(failed).to_contain_text("échec")
    expect(failed).to_contain_text("550 5.1.1 Mailbox unavailable")
    confirmed = section.locator("li", has_text=f"{staged.cabinet} 14:00–18:00 supprimé")
    expect(confirmed).to_contain_text(re.compile(r"confirmé le .+ par Julie Martin"))
    section.scroll_into_view_if_needed()
    shoot(page, screenshots, "notices-coordinator-1366")
    assert not errors, errors


def test_the_notices_read_on_a_phone(
    phone: Page, live_server: LiveServer, staged: Staged, screenshots: Path
) -> None:
    page = phone
    assert page.viewport_size == PHONE
    sign_in(page, live_server, COORDINATION, f"/planning?semaine={staged.monday.isoformat()}")
    section = page.locator("#notices")
    section.scroll_into_view_if_needed()
    expect(section).to_contain_text("échec")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page scrolls sideways: {width} px"
    shoot(page, screenshots, "notices-coordinator-390")
