"""The planning workflow on the demo groupement: plan a week as a draft that the independent checker
accepts, edit and pin, publish (immutable, previous version superseded), record an absence, re-plan
inside the 15-day notice window only with an acknowledged reason, and read the change notices and
the hours ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.demo import load_demo
from scheduler.errors import NoticeRequired, RotaNotDraft
from scheduler.planning import (
    MoveAssignment,
    PinAssignment,
    check_stored_rota,
    edit_rota,
    ledger,
    plan_period,
    publish_rota,
    record_absence,
)

pytestmark = pytest.mark.slow

PARIS = ZoneInfo("Europe/Paris")
WEEK = date(2026, 12, 7)
BEFORE_NOTICE = datetime(
    2026, 11, 16, 9, tzinfo=UTC
)  # three weeks ahead: outside the notice window
INSIDE_NOTICE = datetime(2026, 12, 1, 9, tzinfo=UTC)  # six days ahead: inside it
LIMIT = 5.0


def _plan(
    session: Session, groupement_id: int, *, now: datetime, based_on_id: int | None = None
) -> models.Rota:
    rota = plan_period(
        session,
        groupement_id,
        WEEK,
        7,
        time_limit_s=LIMIT,
        deterministic=True,
        based_on_id=based_on_id,
        now=now,
    )
    assert rota.solver_status in ("optimal", "feasible"), rota.explanation
    assert check_stored_rota(session, rota.id, now=now) == []
    return rota


def test_plan_edit_publish_absence_and_replan(session: Session) -> None:
    groupement = load_demo(session)
    draft = _plan(session, groupement.id, now=BEFORE_NOTICE)
    assert draft.status == models.RotaStatus.DRAFT and draft.revision == 1
    assert draft.assignments and all(a.uid for a in draft.assignments)
    assert set(draft.objective_terms) >= {"share_deviation", "travel_minutes"}

    # Pin Julie's first assignment; an edit that breaks a rule is reported at once.
    first = min(draft.assignments, key=lambda a: a.start_at)
    original = (first.assistant_id, first.cabinet_id, first.start_at, first.end_at)
    assert edit_rota(session, draft.id, PinAssignment(first.id), actor=None) == []
    moved = edit_rota(
        session,
        draft.id,
        MoveAssignment(first.id, start=first.start_at - timedelta(hours=6), end=first.end_at),
        actor=None,
    )
    assert moved, "moving an assignment to dawn must break a rule"
    restored = edit_rota(
        session, draft.id, MoveAssignment(first.id, start=original[2], end=original[3]), actor=None
    )
    assert restored == []

    # Re-plan around the pin: the pinned assignment is kept as it is.
    second = _plan(session, groupement.id, based_on_id=draft.id, now=BEFORE_NOTICE)
    assert second.revision == 2
    kept = [
        a
        for a in second.assignments
        if (a.assistant_id, a.cabinet_id, a.start_at, a.end_at) == original
    ]
    assert kept and kept[0].pinned

    published = publish_rota(session, second.id, actor=None, now=BEFORE_NOTICE)
    assert published.status == models.RotaStatus.PUBLISHED
    with pytest.raises(RotaNotDraft):
        publish_rota(session, second.id, actor=None, now=BEFORE_NOTICE)
    entries = ledger(session, groupement.id)
    # Time on site, and the members' parts of the travel counted in the contracts.
    assert entries and sum(e.planned_minutes - e.travel_minutes for e in entries) == sum(
        int((a.end_at - a.start_at).total_seconds()) // 60 for a in second.assignments
    )
    assert all(e.delivered_minutes == e.planned_minutes for e in entries)
    feeds = session.scalars(
        select(models.RenderedFeed).where(models.RenderedFeed.groupement_id == groupement.id)
    )
    assert list(feeds), "publishing renders the calendar feeds"

    # Sophie is ill on Tuesday, after publication: what was planned is no longer delivered.
    sophie = session.scalars(
        select(models.Assistant).where(models.Assistant.code == "sophie")
    ).one()
    tuesday = datetime(2026, 12, 8, tzinfo=PARIS)
    record_absence(
        session,
        sophie.id,
        models.AbsenceKind.SICKNESS,
        tuesday,
        tuesday + timedelta(days=1),
        actor=None,
    )
    lost = sum(
        int((a.end_at - a.start_at).total_seconds()) // 60
        for a in second.assignments
        if a.assistant_id == sophie.id and a.start_at.astimezone(PARIS).date() == tuesday.date()
    )
    # And her legs that day, each counted in the contracts rounded up to the quarter hour.
    lost += sum(
        -(-int((leg.end_at - leg.start_at).total_seconds()) // 60 // 15) * 15
        for leg in second.travel_legs
        if leg.assistant_id == sophie.id and leg.start_at.astimezone(PARIS).date() == tuesday.date()
    )
    entries = ledger(session, groupement.id)
    assert sum(e.planned_minutes - e.delivered_minutes for e in entries) == lost > 0

    # Re-plan inside the notice window: Sophie's Tuesday goes; publishing needs a reason.
    third = _plan(session, groupement.id, now=INSIDE_NOTICE)
    assert not [
        a
        for a in third.assignments
        if a.assistant_id == sophie.id and a.start_at.astimezone(PARIS).date() == tuesday.date()
    ]
    with pytest.raises(NoticeRequired):
        publish_rota(session, third.id, actor=None, now=INSIDE_NOTICE)
    publish_rota(
        session,
        third.id,
        actor=None,
        acknowledged_reason="Arrêt maladie de Sophie",
        now=INSIDE_NOTICE,
    )
    session.refresh(second)
    assert second.status == models.RotaStatus.SUPERSEDED

    notices = session.scalars(
        select(models.ChangeNotice).where(models.ChangeNotice.rota_id == third.id)
    ).all()
    assert notices
    urgent = [n for n in notices if n.within_notice]
    assert urgent and all(n.acknowledged_reason == "Arrêt maladie de Sophie" for n in urgent)
    assert any(n.assistant_id == sophie.id and n.after is None for n in notices)

    # Withdrawn events stay in the feeds as cancelled ones; kept events keep their identity.
    cancelled = session.scalars(
        select(models.CancelledEvent).where(models.CancelledEvent.rota_id == third.id)
    ).all()
    withdrawn = {a.uid for a in second.assignments} - {a.uid for a in third.assignments}
    assert withdrawn and withdrawn <= {c.uid for c in cancelled}
    kept_uids = {a.uid for a in second.assignments} & {a.uid for a in third.assignments}
    assert kept_uids
