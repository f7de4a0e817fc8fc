"""Invariants the database enforces by itself: shares of a plan total 100 % at commit, ranges and
ordering by CHECK constraints, unique natural keys, an append-only audit log and frozen published
rotas."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.demo import ensure_policies


def _groupement(session: Session, slug: str = "g") -> models.Groupement:
    groupement = models.Groupement(slug=slug, name="Groupement test")
    session.add(groupement)
    session.flush()
    return groupement


def _cabinet(session: Session, groupement: models.Groupement, code: str) -> models.Cabinet:
    cabinet = models.Cabinet(
        groupement_id=groupement.id,
        code=code,
        name=f"Cabinet {code}",
        address="1 rue",
        postcode="54000",
        city="Nancy",
        department="54",
        latitude=Decimal("48.69"),
        longitude=Decimal("6.18"),
    )
    session.add(cabinet)
    session.flush()
    return cabinet


def _contract(
    session: Session, groupement: models.Groupement, shares: dict[models.Cabinet, int]
) -> None:
    policy = ensure_policies(session)["collective-2026"]
    session.add(
        models.PooledContract(
            groupement_id=groupement.id,
            code="c",
            name="Contrat",
            kind=models.ContractKind.COLLECTIVE,
            start_date=date(2026, 3, 2),
            funded_etp=Decimal("1.00"),
            target_policy=policy,
            share_plans=[
                models.SharePlan(
                    valid_from=date(2026, 3, 2),
                    shares=[models.Share(cabinet=c, share_bp=bp) for c, bp in shares.items()],
                )
            ],
        )
    )


@pytest.fixture
def committing(engine: Engine) -> Iterator[Session]:
    """A session whose commits are real (deferred constraints are checked at COMMIT); the
    groupements it made are deleted afterwards."""
    session = Session(bind=engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.execute(text("DELETE FROM groupement WHERE slug LIKE 'commit-%'"))
        session.commit()
        session.close()


def test_share_plan_summing_to_100_commits(committing: Session) -> None:
    groupement = _groupement(committing, "commit-ok")
    a, b = _cabinet(committing, groupement, "a"), _cabinet(committing, groupement, "b")
    _contract(committing, groupement, {a: 6000, b: 4000})
    committing.commit()
    plan = committing.scalars(select(models.SharePlan)).one()
    committing.refresh(plan)
    assert plan.share_total_bp == 10_000


def test_share_plan_not_summing_to_100_is_refused_at_commit(committing: Session) -> None:
    groupement = _groupement(committing, "commit-bad")
    a, b = _cabinet(committing, groupement, "a"), _cabinet(committing, groupement, "b")
    _contract(committing, groupement, {a: 6000, b: 3000})
    committing.flush()  # the deferred check waits for COMMIT
    with pytest.raises(IntegrityError):
        committing.commit()


@pytest.mark.parametrize(
    ("start", "end"),
    [(600, 540), (-10, 60), (60, 1500)],
    ids=["end-before-start", "negative-minute", "past-midnight"],
)
def test_opening_window_out_of_range_is_refused(session: Session, start: int, end: int) -> None:
    cabinet = _cabinet(session, _groupement(session), "a")
    session.add(
        models.OpeningWindow(cabinet_id=cabinet.id, weekday=0, start_minute=start, end_minute=end)
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_weekday_out_of_range_is_refused(session: Session) -> None:
    cabinet = _cabinet(session, _groupement(session), "a")
    session.add(
        models.OpeningWindow(cabinet_id=cabinet.id, weekday=7, start_minute=480, end_minute=720)
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_share_out_of_range_is_refused(session: Session) -> None:
    groupement = _groupement(session)
    cabinet = _cabinet(session, groupement, "a")
    _contract(session, groupement, {cabinet: 10_001})
    with pytest.raises(IntegrityError):
        session.flush()


def test_cabinet_code_is_unique_within_a_groupement(session: Session) -> None:
    groupement = _groupement(session)
    _cabinet(session, groupement, "a")
    with pytest.raises(IntegrityError):
        _cabinet(session, groupement, "a")


def test_same_cabinet_code_in_two_groupements_is_allowed(session: Session) -> None:
    _cabinet(session, _groupement(session, "g1"), "a")
    _cabinet(session, _groupement(session, "g2"), "a")


def test_a_new_groupement_counts_travel_in_the_contracts_and_a_row_without_the_choice_pays_it(
    session: Session,
) -> None:
    assert _groupement(session, "new").travel_in_contract is True
    # A row written without the choice, as every groupement was before travel could count in the
    # contracts, keeps paying travel beyond them (the column's server default).
    session.execute(
        text(
            "INSERT INTO groupement (slug, name, timezone, created_at, version) "
            "VALUES (:s, :n, :z, :c, 1)"
        ),
        {"s": "before", "n": "Groupement d'avant", "z": "Europe/Paris", "c": datetime.now(UTC)},
    )
    stored = session.scalar(text("SELECT travel_in_contract FROM groupement WHERE slug = 'before'"))
    assert stored is not None and not stored


def test_travel_pair_is_stored_once_lower_id_first(session: Session) -> None:
    groupement = _groupement(session)
    a, b = _cabinet(session, groupement, "a"), _cabinet(session, groupement, "b")
    session.add(
        models.TravelTime(
            groupement_id=groupement.id, origin_id=b.id, destination_id=a.id, minutes=10
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_audit_log_refuses_updates_and_deletes(session: Session) -> None:
    entry = models.AuditLog(actor="x", action="create", entity="cabinet", entity_id="1")
    session.add(entry)
    session.flush()
    with pytest.raises(DBAPIError):
        session.execute(text("UPDATE audit_log SET action = 'forged'"))
    session.rollback()
    session.add(models.AuditLog(actor="x", action="create", entity="cabinet", entity_id="1"))
    session.flush()
    with pytest.raises(DBAPIError):
        session.execute(text("DELETE FROM audit_log"))


def test_published_rota_refuses_new_assignments(session: Session) -> None:
    groupement = _groupement(session)
    cabinet = _cabinet(session, groupement, "a")
    _contract(session, groupement, {cabinet: 10_000})
    assistant = models.Assistant(
        groupement_id=groupement.id, code="julie", first_name="Julie", last_name="Martin"
    )
    session.add(assistant)
    rota = models.Rota(
        groupement_id=groupement.id,
        period_start=date(2026, 11, 30),
        period_days=7,
        revision=1,
        status=models.RotaStatus.PUBLISHED,
        solver_status="optimal",
    )
    session.add(rota)
    session.flush()
    contract = session.scalars(select(models.PooledContract)).one()
    session.add(
        models.Assignment(
            rota_id=rota.id,
            assistant_id=assistant.id,
            contract_id=contract.id,
            cabinet_id=cabinet.id,
            start_at=datetime(2026, 11, 30, 8, tzinfo=UTC),
            end_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
            uid="u1",
        )
    )
    with pytest.raises(DBAPIError):
        session.flush()


def test_naive_datetime_is_refused_before_reaching_the_database(session: Session) -> None:
    assistant = models.Assistant(
        groupement_id=_groupement(session).id, code="a", first_name="A", last_name="B"
    )
    session.add(assistant)
    session.flush()
    session.add(
        models.Absence(
            assistant_id=assistant.id,
            kind=models.AbsenceKind.LEAVE,
            start_at=datetime(2026, 12, 1),  # noqa: DTZ001  (naive on purpose)
            end_at=datetime(2026, 12, 2),  # noqa: DTZ001  (naive on purpose)
        )
    )
    with pytest.raises(Exception, match="naive"):
        session.flush()


def test_datetimes_come_back_aware_in_utc(session: Session) -> None:
    assistant = models.Assistant(
        groupement_id=_groupement(session).id, code="a", first_name="A", last_name="B"
    )
    session.add(assistant)
    session.flush()
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    session.add(
        models.Absence(
            assistant_id=assistant.id,
            kind=models.AbsenceKind.LEAVE,
            start_at=start,
            end_at=datetime(2026, 12, 2, tzinfo=UTC),
        )
    )
    session.flush()
    session.expire_all()
    stored = session.scalars(select(models.Absence)).one()
    assert stored.start_at == start and stored.start_at.tzinfo is not None
