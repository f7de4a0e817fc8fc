"""The demo's delivered history (scheduler/demo_history.py, scheduler/data/demo_history.json):
every week since the first contract's start, published on time, each accepted by the solver's
checker, a few absences recorded after publication, so that the demo's figures that rest on
delivered hours (hours received, gain per 100 h) have something to show."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.demo import load_demo
from scheduler.demo_history import history_data, published_moment
from scheduler.planning import check_stored_rota
from scheduler.reports import build_report, parse_period

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


def test_the_weeks_after_the_shipped_ones_are_replayed_on_time_and_pass_the_checker(
    session: Session,
) -> None:
    """Five weeks after the shipped history, New Year's Day among them: each is a shipped week
    with the same holidays replayed, published on time with its ledger, accepted by the checker
    in its own week, and claims no bound (it was not solved for that week)."""
    until = LAST_SHIPPED + timedelta(weeks=6)
    groupement = load_demo(session, history_until=until)
    zone = ZoneInfo(groupement.timezone)
    assert history_data()["weeks"][-1]["period_start"] == LAST_SHIPPED.isoformat()
    rotas = _published(session)
    mondays = [r.period_start for r in rotas]
    assert mondays[-1] == until - timedelta(days=7)
    assert all(b - a == timedelta(days=7) for a, b in zip(mondays, mondays[1:], strict=False))
    after = [r for r in rotas if r.period_start > LAST_SHIPPED]
    assert len(after) == 5
    for rota in after:
        assert rota.published_at == published_moment(rota.period_start, zone)
        assert not rota.published_late and rota.bound is None and rota.assignments
        assert rota.objective == sum(rota.objective_terms.values())
        assert check_stored_rota(session, rota.id, now=rota.published_at) == [], rota.period_start
        # New Year's Day (a Friday): nobody works on it.
        assert all(a.start_at.astimezone(zone).date() != date(2027, 1, 1) for a in rota.assignments)
        entries = session.scalars(
            select(models.LedgerEntry).where(models.LedgerEntry.week_start == rota.period_start)
        ).all()
        assert sum(e.delivered_minutes for e in entries) > 0
    uids = [a.uid for r in rotas for a in r.assignments]
    assert len(uids) == len(set(uids))


def test_a_week_no_shipped_week_fits_is_planned_by_the_solver(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scheduler.demo_history.REPLAY_TRIES", 0)
    monkeypatch.setattr("scheduler.demo_history.PLAN_SECONDS", 2.0)
    until = LAST_SHIPPED + timedelta(weeks=1, days=1)
    groupement = load_demo(session, history_until=until)
    rota = _published(session)[-1]
    assert rota.period_start == LAST_SHIPPED + timedelta(weeks=1)
    assert rota.solver_status in ("optimal", "feasible") and rota.bound is not None
    assert rota.published_at == published_moment(rota.period_start, ZoneInfo(groupement.timezone))
    assert check_stored_rota(session, rota.id, now=rota.published_at) == []
