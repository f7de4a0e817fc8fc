"""The national evaluation computed ahead and kept (scheduler/evaluation_cache.py): served from
the store while its inputs and code are unchanged, never once they changed, computed again by
the job, and byte for byte the evaluation computed on the spot."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from scheduler import evaluation_cache, models
from scheduler.db import make_engine, make_session_factory
from scheduler.evaluation.national import (
    evaluation_from_json,
    national_evaluation,
    render_csv,
    render_json,
)
from scheduler.evaluation_cache import (
    KEPT_DAYS,
    evaluation_for,
    inputs_digest,
    render_ahead,
    stored_evaluation,
)
from scheduler.migrations import upgrade_to_head
from scheduler.uow import unit_of_work
from tests.conftest import DATABASES, fresh_database_url
from tests.scheduler.test_national_evaluation import AS_OF, Nation
from tests.scheduler.test_national_evaluation import nation as nation  # the fixture


def _rows(session: Session) -> int:
    return session.scalar(select(func.count(models.RenderedNationalEvaluation.id))) or 0


def test_the_evaluation_read_back_from_its_json_is_the_evaluation(
    session: Session, nation: Nation
) -> None:
    computed = national_evaluation(session, as_of=AS_OF)
    assert evaluation_from_json(render_json(computed)) == computed
    with pytest.raises(ValueError, match="partagenda-national-evaluation/1"):
        evaluation_from_json(b'{"format": "autre/1"}')


def test_a_second_read_is_served_from_the_store_with_its_computed_at(
    session: Session, nation: Nation
) -> None:
    assert stored_evaluation(session, AS_OF) is None
    first = evaluation_for(session, AS_OF)
    assert not first.cached and _rows(session) == 1
    again = evaluation_for(session, AS_OF)
    assert again.cached
    assert (again.csv, again.json, again.computed_at) == (first.csv, first.json, first.computed_at)
    computed = national_evaluation(session, as_of=AS_OF)
    assert (again.csv, again.json) == (render_csv(computed), render_json(computed))
    # Another day is another evaluation.
    assert stored_evaluation(session, AS_OF + timedelta(days=1)) is None


def test_a_new_statement_makes_the_stored_one_stale_and_it_is_computed_again(
    session: Session, nation: Nation
) -> None:
    before = evaluation_for(session, AS_OF)
    doctor = session.scalars(select(models.Doctor).order_by(models.Doctor.id)).first()
    assert doctor is not None
    session.add(
        models.PatienteleSnapshot(
            doctor_id=doctor.id,
            snapshot_date=date(2026, 6, 20),
            pmt=9000,
            file_active=9000,
            source="relevé corrigé",
        )
    )
    session.flush()
    assert stored_evaluation(session, AS_OF) is None
    after = evaluation_for(session, AS_OF)
    assert not after.cached and after.csv != before.csv
    assert _rows(session) == 1  # the stale one replaced


def test_an_edited_contract_or_new_code_makes_the_stored_one_stale(
    session: Session, nation: Nation, monkeypatch: pytest.MonkeyPatch
) -> None:
    evaluation_for(session, AS_OF)
    digest = inputs_digest(session)
    nation.contracts["A"].start_date = date(2026, 1, 12)
    session.flush()
    assert inputs_digest(session) != digest
    assert stored_evaluation(session, AS_OF) is None
    evaluation_for(session, AS_OF)
    assert stored_evaluation(session, AS_OF) is not None
    monkeypatch.setattr(evaluation_cache, "renderer_fingerprint", lambda: "f" * 64)
    assert stored_evaluation(session, AS_OF) is None


@pytest.fixture(params=DATABASES)
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    url = fresh_database_url(request.param, "evaluation_cache", tmp_path)
    upgrade_to_head(url)
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


def test_the_job_computes_it_once_per_inputs_and_drops_old_days(
    factory: sessionmaker[Session],
) -> None:
    engine = factory.kw["bind"]
    today = date(2026, 12, 7)
    with unit_of_work(factory) as session:
        for days in (KEPT_DAYS, KEPT_DAYS + 1):
            session.add(
                models.RenderedNationalEvaluation(
                    as_of=today - timedelta(days=days),
                    inputs_digest="0" * 64,
                    renderer="0" * 64,
                    csv_body=b"",
                    json_body=b"",
                    computed_at=datetime(2026, 11, 1, tzinfo=UTC),
                )
            )
    assert render_ahead(engine, factory, today=today)
    assert not render_ahead(engine, factory, today=today)
    with factory() as session:
        kept = session.scalars(select(models.RenderedNationalEvaluation.as_of)).all()
        assert sorted(kept) == [today - timedelta(days=KEPT_DAYS), today]
        served = stored_evaluation(session, today)
        assert served is not None and served.cached
        assert served.json == render_json(national_evaluation(session, as_of=today))
    with unit_of_work(factory) as session:
        session.add(
            models.ReferenceSeries(
                department="54",
                year=2026,
                quarter=4,
                pmt=Decimal("1200.00"),
                file_active=Decimal("1800.00"),
                doctors=10,
                source="moyenne publiée",
            )
        )
    assert render_ahead(engine, factory, today=today)


def test_what_the_evaluation_does_not_read_leaves_it_current(
    session: Session, nation: Nation
) -> None:
    """An audited action (a publication, an edit of a rota) changes nothing the evaluation
    reads: the stored one stays current."""
    evaluation_for(session, AS_OF)
    digest = inputs_digest(session)
    session.add(
        models.AuditLog(
            groupement_id=nation.contracts["A"].groupement_id,
            actor="coordinator@example.fr",
            action="publish",
            entity="rota",
            entity_id="1",
        )
    )
    session.flush()
    assert inputs_digest(session) == digest
    assert stored_evaluation(session, AS_OF) is not None
