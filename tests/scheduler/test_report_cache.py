"""The report PDF store and its job, beyond the hit/miss cases of test_reports.py.

What must hold: a store the database refuses (another writer on SQLite) still serves the PDF;
rendering ahead keeps only the current periods' PDFs and skips contracts outside their years; the
job does nothing when no input changed since its last run that day, and works again after any
change.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from scheduler import jobs, models, report_cache
from scheduler.audit import record_audit
from scheduler.db import make_engine, make_session_factory
from scheduler.report_cache import (
    carries_digest,
    is_current,
    prerender_contract,
    report_pdf,
    stored_pdf,
)
from scheduler.reports import build_report, parse_period
from tests.scheduler.test_jobs import NOW, ctx  # noqa: F401 - registers the shared fixture
from tests.scheduler.test_reports import Scenario, scenario  # noqa: F401 - idem


def _scenario(request: pytest.FixtureRequest) -> Scenario:
    found: Scenario = request.getfixturevalue("scenario")
    return found


def _labels(session: Session) -> list[str]:
    return sorted(session.scalars(select(models.RenderedReport.period_label)))


def test_a_refused_store_still_serves_the_pdf(
    session: Session, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _scenario(request)

    def locked(*args: object) -> None:
        raise OperationalError("INSERT INTO rendered_report", {}, Exception("database is locked"))

    monkeypatch.setattr(report_cache, "store_rendering", locked)
    report = build_report(session, case.contract, parse_period("2026-05"))
    served = report_pdf(session, report)
    assert not served.cached and carries_digest(served.body, served.digest)
    assert stored_pdf(session, served.digest) is None
    assert case.contract.code == "pool-a"  # the session is still usable


def test_rendering_ahead_drops_the_pdfs_of_past_periods(
    session: Session, request: pytest.FixtureRequest
) -> None:
    case = _scenario(request)
    report_pdf(session, build_report(session, case.contract, parse_period("2026-05")))
    assert _labels(session) == ["2026-05"]
    prerender_contract(session, case.contract, today=date(2026, 8, 3))
    assert _labels(session) == ["2026-Q3", "Y1"]


def test_only_contracts_in_their_years_are_current() -> None:
    contract = models.PooledContract(start_date=date(2026, 1, 5), duration_years=5)
    assert not is_current(contract, date(2026, 1, 4))
    assert is_current(contract, date(2026, 1, 5))
    assert is_current(contract, date(2031, 1, 4))
    assert not is_current(contract, date(2031, 1, 5))


def test_the_job_does_nothing_until_an_input_changes(
    ctx: jobs.JobContext,  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    context = ctx
    assert jobs.render_reports(context, now=NOW)
    assert jobs.render_reports(context, now=NOW) == []  # looks once more after storing
    calls: list[int] = []
    real = report_cache.prerender_contract

    def counted(session: Session, contract: models.PooledContract, **kw: object) -> list[str]:
        calls.append(contract.id)
        return real(session, contract, **kw)  # type: ignore[arg-type]  # today, release_reads

    monkeypatch.setattr("scheduler.jobs.tasks.prerender_contract", counted)
    assert jobs.render_reports(context, now=NOW) == []
    assert calls == []  # same day, same stamp: no report was even built
    with context.factory() as session:
        groupement = session.scalars(select(models.Groupement)).first()
        assert groupement is not None
        record_audit(
            session,
            actor=None,
            groupement_id=groupement.id,
            action="update",
            entity="groupement",
            entity_id=groupement.id,
            after={"name": groupement.name},
        )
        session.commit()
        contracts = session.scalar(select(func.count()).select_from(models.PooledContract))
    assert jobs.render_reports(context, now=NOW) == []  # nothing in the reports changed...
    assert len(calls) == contracts  # ...but every contract was looked at again


def test_a_request_stores_its_pdf_though_another_writer_committed_since_it_read(
    ctx: jobs.JobContext,  # noqa: F811 - the fixture imported above
) -> None:
    """A request's session (the API's engine) builds a report, another connection commits, then
    the PDF is rendered: it is stored all the same (on SQLite the request's read snapshot is
    outdated by then, and storing on it used to fail with "database is locked")."""
    url = ctx.engine.url.render_as_string(hide_password=False)
    api_engine = make_engine(url, sqlite_begin="DEFERRED")
    try:
        with make_session_factory(api_engine)() as session:
            contract = session.scalars(
                select(models.PooledContract).order_by(models.PooledContract.id)
            ).first()
            assert contract is not None
            report = build_report(session, contract, parse_period("2026-05"))
            with ctx.factory() as other:
                record_audit(
                    other,
                    actor=None,
                    groupement_id=contract.groupement_id,
                    action="update",
                    entity="groupement",
                    entity_id=contract.groupement_id,
                )
                other.commit()
            served = report_pdf(session, report)
            assert not served.cached
            assert stored_pdf(session, served.digest) == served.body
    finally:
        api_engine.dispose()
