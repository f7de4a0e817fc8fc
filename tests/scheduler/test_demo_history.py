"""The demo's delivered history (scheduler/demo_history.py, scheduler/data/demo_history.json):
every week since the first contract's start, published on time, each accepted by the solver's
checker, a few absences recorded after publication, so that the demo's figures that rest on
delivered hours (hours received, gain per 100 h) have something to show."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.demo import load_demo
from scheduler.demo_history import history_data, published_moment
from scheduler.planning import check_stored_rota, evaluate_stored_rota
from scheduler.reports import build_report, parse_period

pytestmark = pytest.mark.slow

FIRST_WEEK = date(2026, 3, 2)  # pool-val-moselle's start, a Monday
UNTIL = date(2026, 12, 7)


def _published(session: Session) -> list[models.Rota]:
    return list(
        session.scalars(
            select(models.Rota)
            .where(models.Rota.status == models.RotaStatus.PUBLISHED)
            .order_by(models.Rota.period_start)
        )
    )


def test_every_week_since_the_first_start_is_published_on_time(session: Session) -> None:
    groupement = load_demo(session, history_until=UNTIL)
    zone = ZoneInfo(groupement.timezone)
    rotas = _published(session)
    mondays = [r.period_start for r in rotas]
    assert mondays[0] == FIRST_WEEK and mondays[-1] == UNTIL - timedelta(days=7)
    assert all(b - a == timedelta(days=7) for a, b in zip(mondays, mondays[1:], strict=False))
    for rota in rotas:
        assert rota.published_at is not None and not rota.published_late
        assert rota.published_at < datetime.combine(rota.period_start, time(0), zone)
        assert rota.assignments
    entries = session.scalars(select(models.LedgerEntry)).all()
    assert entries and not any(e.published_late for e in entries)
    planned = sum(e.planned_minutes for e in entries)
    delivered = sum(e.delivered_minutes for e in entries)
    # The absences recorded after publication: some hours planned were not delivered.
    assert 0 < delivered < planned
    assert session.scalar(select(func.count(models.Absence.id))) == 1 + sum(
        1 for a in history_data()["absences"] if date.fromisoformat(a["start"][:10]) < UNTIL
    )


@pytest.mark.parametrize(
    ("until", "weeks"),
    [(FIRST_WEEK, 0), (FIRST_WEEK + timedelta(days=1), 1), (FIRST_WEEK + timedelta(days=7), 1)],
)
def test_only_the_weeks_that_begin_before_the_day_given_are_loaded(
    session: Session, until: date, weeks: int
) -> None:
    load_demo(session, history_until=until)
    assert len(_published(session)) == weeks


def test_without_a_day_the_demo_has_no_history(session: Session) -> None:
    load_demo(session)
    assert _published(session) == []


def test_every_shipped_week_passes_the_checker(session: Session) -> None:
    """As published, before the absences recorded after it (the checker would rightly refuse
    to plan an absent assistant)."""
    groupement = load_demo(session, history_until=date(2027, 1, 4))
    session.execute(
        delete(models.Absence).where(
            models.Absence.reason.in_({a["reason"] for a in history_data()["absences"]}),
            models.Absence.start_at < datetime(2026, 12, 1, tzinfo=ZoneInfo("Europe/Paris")),
        )
    )
    session.flush()
    zone = ZoneInfo(groupement.timezone)
    rotas = _published(session)
    assert len(rotas) == len(history_data()["weeks"])
    for rota in rotas:
        moment = published_moment(rota.period_start, zone)
        assert check_stored_rota(session, rota.id, now=moment) == [], rota.period_start


def test_the_demo_gain_per_100_hours_has_a_figure(session: Session) -> None:
    load_demo(session, history_until=UNTIL)
    contract = session.scalars(
        select(models.PooledContract).where(models.PooledContract.code == "pool-val-moselle")
    ).one()
    period = parse_period("2026-Q4", contract_start=contract.start_date)
    report = build_report(session, contract, period, today=UNTIL)
    assert report.figures.cumulative_delivered_minutes > 0
    evaluation = report.evaluation
    assert evaluation is not None and evaluation.hours_delivered > 0
    for indicator in evaluation.indicators:
        assert indicator.gain_reason is None and indicator.gain is not None


# --- A demo loaded after the shipped history ends ------------------------------------------------

LAST_SHIPPED = date(2026, 12, 28)


def _after(session: Session, day: date) -> list[models.Rota]:
    return [r for r in _published(session) if r.period_start > day]


def test_the_weeks_after_the_shipped_ones_are_replayed_on_time_and_pass_the_checker(
    session: Session,
) -> None:
    """Three weeks after the shipped history: each a shipped week replayed, published on time
    with its ledger, accepted by the checker in its own week, claiming no bound (it was not
    solved for that week), and no draft left of the weeks tried."""
    until = LAST_SHIPPED + timedelta(weeks=4)
    groupement = load_demo(session, history_until=until)
    zone = ZoneInfo(groupement.timezone)
    assert history_data()["weeks"][-1]["period_start"] == LAST_SHIPPED.isoformat()
    rotas = _published(session)
    mondays = [r.period_start for r in rotas]
    assert mondays[-1] == until - timedelta(days=7)
    assert all(b - a == timedelta(days=7) for a, b in zip(mondays, mondays[1:], strict=False))
    after = _after(session, LAST_SHIPPED)
    assert len(after) == 3
    for rota in after:
        assert rota.published_at == published_moment(rota.period_start, zone)
        assert rota.created_at < rota.published_at and not rota.published_late
        assert rota.revision == 1 and rota.bound is None and rota.assignments
        assert rota.objective == sum(rota.objective_terms.values())
        assert check_stored_rota(session, rota.id, now=rota.published_at) == [], rota.period_start
        entries = session.scalars(
            select(models.LedgerEntry).where(models.LedgerEntry.week_start == rota.period_start)
        ).all()
        assert sum(e.delivered_minutes for e in entries) > 0
    assert (
        session.scalar(
            select(func.count(models.Rota.id)).where(models.Rota.status == models.RotaStatus.DRAFT)
        )
        == 0
    )
    uids = [a.uid for r in rotas for a in r.assignments]
    assert len(uids) == len(set(uids))


def test_a_week_of_other_holidays_or_that_no_replay_passes_is_planned_by_the_solver(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the shipped history cut after 14 December: Christmas week (Friday 25, and Saturday 26
    in Moselle only) has holidays no shipped week has, so the solver plans it; New Year's week
    (Friday 1st) has the holidays of two May weeks, but the checker refuses both there (Camille's
    contract at Corny began since, and they give it no hour), so the solver plans it too. Each
    published on time, checked, with nothing on its holidays; no draft left of the replays tried."""
    shipped = history_data()
    cut = date(2026, 12, 14)
    data = {
        "weeks": [w for w in shipped["weeks"] if date.fromisoformat(w["period_start"]) <= cut],
        "absences": [a for a in shipped["absences"] if date.fromisoformat(a["start"][:10]) <= cut],
    }
    monkeypatch.setattr("scheduler.demo_history.history_data", lambda: data)
    monkeypatch.setattr("scheduler.demo_history.PLAN_SECONDS", 2.0)
    tried: list[tuple[date, int]] = []
    checked = evaluate_stored_rota

    def spy(session: Session, rota: models.Rota, *, now: datetime | None = None) -> Any:
        violations, terms = checked(session, rota, now=now)
        tried.append((rota.period_start, len(violations)))
        return violations, terms

    monkeypatch.setattr("scheduler.demo_history.evaluate_stored_rota", spy)
    groupement = load_demo(session, history_until=date(2027, 1, 4))
    zone = ZoneInfo(groupement.timezone)
    christmas, new_year = _after(session, cut)
    assert (christmas.period_start, new_year.period_start) == (date(2026, 12, 21), LAST_SHIPPED)
    # No replay tried at Christmas; two tried and refused at New Year; both solved (a bound).
    assert [week for week, _ in tried] == [LAST_SHIPPED, LAST_SHIPPED]
    assert all(broken > 0 for _, broken in tried)
    assert christmas.bound is not None and new_year.bound is not None
    for rota in (christmas, new_year):
        assert rota.revision == 1 and rota.assignments
        assert rota.published_at == published_moment(rota.period_start, zone)
        assert rota.created_at < rota.published_at
        assert check_stored_rota(session, rota.id, now=rota.published_at) == []
    codes = {c.id: c.code for c in session.scalars(select(models.Cabinet)).all()}
    worked = {
        (codes[a.cabinet_id], a.start_at.astimezone(zone).date())
        for rota in (christmas, new_year)
        for a in rota.assignments
    }
    assert not {d for d in worked if d[1] in (date(2026, 12, 25), date(2027, 1, 1))}
    assert ("moselle", date(2026, 12, 26)) not in worked
    assert (
        session.scalar(
            select(func.count(models.Rota.id)).where(models.Rota.status == models.RotaStatus.DRAFT)
        )
        == 0
    )
