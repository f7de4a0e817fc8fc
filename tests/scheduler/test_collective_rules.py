"""Rules of the collective contract (2026): each at, below and above its limit.

1. Membership per doctor (the bulletin d'adhésion): only member doctors count, from the later of
   their cabinet's and their own joining, until they leave; a doctor is a member of at most one
   contract at a time, checked on every change; the migration keeps what counted before.

The pure cases build on the base case of test_contribution.py (contract `pool-a`, 1.00 ETP, start
2026-01-05; doctor 11 of A: PMT 1000, 1030, 1060 and FA 2000, 2010, 2020 on 2026-01-05, 03-06,
05-05; doctor 22 of B: PMT 800, 790, 780 and FA 1200, 1215, 1221).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from scheduler import membership, models
from scheduler.contribution import DoctorInput, contract_figures, member_latest_gains
from scheduler.db import make_engine, make_session_factory
from scheduler.demo import load_demo
from scheduler.errors import DoctorInAnotherContract, InvalidField
from scheduler.migrations import downgrade_to, upgrade_to_head
from scheduler.reports.build import load_contract_input
from scheduler.services.resources import CONTRACTS
from scheduler.uow import unit_of_work
from tests.api.factories import make_assistant, make_cabinet, make_contract, make_world
from tests.conftest import DATABASES, fresh_database_url
from tests.scheduler.test_contribution import START, base_contract

D = Decimal
MAY_1, MAY_31 = date(2026, 5, 1), date(2026, 5, 31)


def _with_doctor(doctor_id: int, **changes: object) -> tuple[DoctorInput, ...]:
    contract = base_contract()
    return tuple(
        replace(d, **changes) if d.id == doctor_id else d  # type: ignore[arg-type]
        for d in contract.doctors
    )


def _group_pmt(doctors: tuple[DoctorInput, ...], as_of: date = MAY_31) -> tuple[int, int]:
    figures = contract_figures(replace(base_contract(), doctors=doctors), MAY_1, as_of)
    return figures.progress.pmt.baseline, figures.progress.pmt.gain


# --- 1. Membership per doctor: the figures ----------------------------------------------------


def test_a_doctor_counts_from_the_later_of_his_cabinets_and_his_own_joining() -> None:
    # Joining on the start (or before it: his cabinet's joining prevails): baseline 1000, gain 60.
    assert _group_pmt(_with_doctor(11, member_from=START)) == (1800, 40)
    assert _group_pmt(_with_doctor(11, member_from=date(2025, 6, 1))) == (1800, 40)
    # Joining on 2026-03-06, the day of a statement: baseline 1030, gain 30 (group 1830, 10).
    assert _group_pmt(_with_doctor(11, member_from=date(2026, 3, 6))) == (1830, 10)
    # One day earlier: the statement at or before is 2026-01-05's again.
    assert _group_pmt(_with_doctor(11, member_from=date(2026, 3, 5))) == (1800, 40)


def test_a_doctor_who_left_no_longer_counts_from_the_day_he_left() -> None:
    # Left on 2026-05-31 (exclusive end): on 31 May he no longer counts, only doctor 22 does.
    assert _group_pmt(_with_doctor(11, member_to=date(2026, 5, 31))) == (800, -20)
    # Leaving the day after the reading day: he still counts.
    assert _group_pmt(_with_doctor(11, member_to=date(2026, 6, 1))) == (1800, 40)
    # Read on 30 May, the day before he leaves on 31 May: he counts.
    assert _group_pmt(_with_doctor(11, member_to=date(2026, 5, 31)), date(2026, 5, 30)) == (
        1800,
        40,
    )


def test_the_projection_series_drops_a_doctor_once_he_left() -> None:
    doctors = _with_doctor(11, member_to=date(2026, 5, 5))
    figures = contract_figures(replace(base_contract(), doctors=doctors), MAY_1, MAY_31)
    # On 05-05 only doctor 22 counts (-20); before it both (0, then 30 - 10 = 20).
    assert [(d, p) for d, p, _ in figures.progress.series] == [
        (date(2026, 1, 5), 0),
        (date(2026, 3, 6), 20),
        (date(2026, 5, 5), -20),
    ]


def test_latest_gains_of_the_national_export_count_members_only() -> None:
    contract = base_contract()
    a, b = contract.doctors
    gains = member_latest_gains(START, contract.share_plans, {1: [a], 2: [b]})
    assert gains[1] == (60, 20, date(2026, 5, 5))
    joined_later = replace(a, member_from=date(2026, 3, 6))
    assert member_latest_gains(START, contract.share_plans, {1: [joined_later]})[1][:2] == (30, 10)
    # Left on the day of his latest statement: he no longer counts; the day after, he does.
    left = replace(a, member_to=date(2026, 5, 5))
    assert member_latest_gains(START, contract.share_plans, {1: [left]})[1] == (0, 0, None)
    still = replace(a, member_to=date(2026, 5, 6))
    assert member_latest_gains(START, contract.share_plans, {1: [still]})[1][:2] == (60, 20)


# --- 1. Membership per doctor: the database ---------------------------------------------------


def _memberships(session: Session, doctor: models.Doctor) -> list[tuple[str, date, date | None]]:
    rows = session.execute(
        select(
            models.PooledContract.code,
            models.ContractMemberDoctor.valid_from,
            models.ContractMemberDoctor.valid_to,
        )
        .join(models.PooledContract)
        .where(models.ContractMemberDoctor.doctor_id == doctor.id)
        .order_by(models.ContractMemberDoctor.valid_from)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_cabinet_in_two_pools_counts_its_doctor_in_one_only(session: Session) -> None:
    world = make_world(session, "deux-pools")
    c1, c2 = world.contracts
    roux_a, roux_b = world.doctors
    # Cabinet b is in c1 and c2, both from 2026-01-05: its doctor joined c1 (the lower id).
    assert _memberships(session, roux_b) == [(c1.code, date(2026, 1, 5), None)]
    assert {d.id for d in load_contract_input(session, c1).doctors} == {roux_a.id, roux_b.id}
    assert load_contract_input(session, c2).doctors == ()


def test_a_membership_that_overlaps_another_contract_is_refused(session: Session) -> None:
    world = make_world(session, "adhesion")
    c1, c2 = world.contracts
    roux_b = world.doctors[1]
    coordinator = world.users["coordinator"]
    end_c1 = date(2031, 1, 5)  # c1: 5 years from 2026-01-05
    with pytest.raises(DoctorInAnotherContract) as refused:
        CONTRACTS.set_member_doctor(
            session, coordinator, c2.id, roux_b.id, {"valid_from": date(2026, 1, 5)}, expected=None
        )
    assert refused.value.status == 409 and refused.value.field == "path.doctor_id"
    assert "Jeanne Roux" in refused.value.message and c1.code in refused.value.message
    # He leaves c1 on 2027-01-05; joining c2 that day is allowed, the day before is not.
    CONTRACTS.set_member_doctor(
        session,
        coordinator,
        c1.id,
        roux_b.id,
        {"valid_from": date(2026, 1, 5), "valid_to": date(2027, 1, 5)},
        expected=None,
    )
    with pytest.raises(DoctorInAnotherContract):
        CONTRACTS.set_member_doctor(
            session, coordinator, c2.id, roux_b.id, {"valid_from": date(2027, 1, 4)}, expected=None
        )
    CONTRACTS.set_member_doctor(
        session, coordinator, c2.id, roux_b.id, {"valid_from": date(2027, 1, 5)}, expected=None
    )
    assert _memberships(session, roux_b) == [
        (c1.code, date(2026, 1, 5), date(2027, 1, 5)),
        (c2.code, date(2027, 1, 5), None),
    ]
    # Now c1 cannot take him back past 2027-01-05, but can up to it.
    with pytest.raises(DoctorInAnotherContract):
        CONTRACTS.set_member_doctor(
            session,
            coordinator,
            c1.id,
            roux_b.id,
            {"valid_from": date(2026, 1, 5), "valid_to": date(2027, 1, 6)},
            expected=None,
        )
    assert end_c1 > date(2027, 1, 6)


def test_a_membership_ends_with_its_contract(session: Session) -> None:
    world = make_world(session, "fin-contrat")
    c1, c2 = world.contracts
    roux_b = world.doctors[1]
    coordinator = world.users["coordinator"]
    c1.duration_years = 1  # c1 ends on 2027-01-05 (exclusive)
    session.flush()
    with pytest.raises(DoctorInAnotherContract):
        CONTRACTS.set_member_doctor(
            session, coordinator, c2.id, roux_b.id, {"valid_from": date(2027, 1, 4)}, expected=None
        )
    CONTRACTS.set_member_doctor(
        session, coordinator, c2.id, roux_b.id, {"valid_from": date(2027, 1, 5)}, expected=None
    )


def test_a_membership_needs_a_member_cabinet_and_ordered_dates(session: Session) -> None:
    world = make_world(session, "adhesion-bornes")
    c1, c2 = world.contracts
    roux_a = world.doctors[0]  # cabinet a: a member of c1 only
    coordinator = world.users["coordinator"]
    with pytest.raises(InvalidField) as refused:
        CONTRACTS.set_member_doctor(
            session, coordinator, c2.id, roux_a.id, {"valid_from": date(2026, 1, 5)}, expected=None
        )
    assert refused.value.rule == "member_cabinet"
    with pytest.raises(InvalidField) as refused:
        CONTRACTS.set_member_doctor(
            session, coordinator, c1.id, roux_a.id, {"valid_from": date(2026, 1, 4)}, expected=None
        )
    assert refused.value.rule == "after_join"
    for valid_to in (date(2026, 1, 5), date(2026, 1, 4)):
        with pytest.raises(InvalidField) as refused:
            CONTRACTS.set_member_doctor(
                session,
                coordinator,
                c1.id,
                roux_a.id,
                {"valid_from": date(2026, 1, 5), "valid_to": valid_to},
                expected=None,
            )
        assert refused.value.field == "body.valid_to"
    CONTRACTS.set_member_doctor(
        session,
        coordinator,
        c1.id,
        roux_a.id,
        {"valid_from": date(2026, 1, 5), "valid_to": date(2026, 1, 6)},
        expected=None,
    )


def test_an_associate_may_stay_out_and_then_no_longer_counts(session: Session) -> None:
    world = make_world(session, "reste-dehors")
    c1 = world.contracts[0]
    roux_a = world.doctors[0]
    CONTRACTS.remove_member_doctor(
        session, world.users["coordinator"], c1.id, roux_a.id, expected=None
    )
    assert _memberships(session, roux_a) == []
    assert roux_a.id not in {d.id for d in load_contract_input(session, c1).doctors}


def test_a_new_share_plan_brings_a_joining_cabinets_doctors_and_ends_a_leaving_ones(
    session: Session,
) -> None:
    world = make_world(session, "plan-membres")
    c1, c2 = world.contracts
    roux_a, roux_b = world.doctors
    coordinator = world.users["coordinator"]
    # c2 takes cabinet a in as well from 2027-01-05: roux_a is a member of c1, so he stays out.
    CONTRACTS.add_share_plan(
        session,
        coordinator,
        c2.id,
        {
            "valid_from": date(2027, 1, 5),
            "shares": [
                {"cabinet_id": world.cabinets[0].id, "share_bp": 5000},
                {"cabinet_id": world.cabinets[1].id, "share_bp": 5000},
            ],
        },
        expected=None,
    )
    assert _memberships(session, roux_a) == [(c1.code, date(2026, 1, 5), None)]
    # c1 goes on with cabinet a alone from 2027-01-05: roux_b leaves c1 that day.
    CONTRACTS.add_share_plan(
        session,
        coordinator,
        c1.id,
        {
            "valid_from": date(2027, 1, 5),
            "shares": [{"cabinet_id": world.cabinets[0].id, "share_bp": 10000}],
        },
        expected=None,
    )
    assert _memberships(session, roux_b) == [(c1.code, date(2026, 1, 5), date(2027, 1, 5))]


def test_a_new_doctor_joins_the_contract_his_cabinet_joined_first(session: Session) -> None:
    world = make_world(session, "nouveau-medecin")
    groupement = world.groupement
    c = make_cabinet(session, groupement, "nouveau-medecin-c", "49.1", "6.1")
    x = make_assistant(session, groupement, "nouveau-medecin-z")
    early = make_contract(session, groupement, "tot", x, {c: 10000}, start=date(2026, 1, 5))
    late = make_contract(session, groupement, "tard", x, {c: 10000}, start=date(2026, 3, 2))
    early.duration_years = 1
    session.flush()
    doctor = models.Doctor(cabinet_id=c.id, rpps="19999999991", first_name="A", last_name="B")
    session.add(doctor)
    membership.enrol_new_doctor(session, doctor)
    session.flush()
    # A member of `tot` from its start, of `tard` only once `tot` has ended.
    assert _memberships(session, doctor) == [
        (early.code, date(2026, 1, 5), None),
        (late.code, date(2027, 1, 5), None),
    ]


# --- 1. Membership per doctor: the migration --------------------------------------------------


@pytest.fixture(params=DATABASES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database_url(request.param, "collective", tmp_path)


def test_the_migration_makes_every_doctor_of_a_member_cabinet_a_member_once(
    empty_url: str,
) -> None:
    """The demo's memberships (given as its doctors were added) are what the migration gives the
    same rows; a cabinet put in a second contract of the same dates keeps its doctors in the
    first."""
    upgrade_to_head(empty_url)
    engine = make_engine(empty_url)
    with unit_of_work(make_session_factory(engine)) as session:
        load_demo(session)
    query = text(
        "SELECT contract_id, doctor_id, valid_from, valid_to FROM contract_member_doctor "
        "ORDER BY contract_id, doctor_id"
    )
    with engine.connect() as connection:
        given = connection.execute(query).all()
    engine.dispose()
    assert given

    downgrade_to(empty_url, "c3d9e1f4a6b2")
    engine = make_engine(empty_url)
    with engine.begin() as connection:
        first = connection.execute(
            text("SELECT id, start_date FROM pooled_contract ORDER BY start_date, id")
        ).first()
        assert first is not None
        copy = connection.execute(
            text(
                "INSERT INTO pooled_contract (groupement_id, code, name, kind, start_date, "
                "duration_years, funded_etp, target_policy_id, cost_split, "
                "annual_employer_cost_eur, balancing_period, version) SELECT groupement_id, "
                "'copie', name, kind, start_date, 1, funded_etp, target_policy_id, cost_split, "
                "annual_employer_cost_eur, balancing_period, 1 FROM pooled_contract WHERE id = :c"
            ),
            {"c": first.id},
        )
        copy_id = connection.execute(
            text("SELECT id FROM pooled_contract WHERE code = 'copie'")
        ).scalar_one()
        assert copy is not None
        connection.execute(
            text(
                "INSERT INTO share_plan (contract_id, valid_from, share_total_bp) "
                "SELECT :copy, valid_from, share_total_bp FROM share_plan WHERE contract_id = :c"
            ),
            {"copy": copy_id, "c": first.id},
        )
        connection.execute(
            text(
                "INSERT INTO share (plan_id, cabinet_id, share_bp) SELECT np.id, s.cabinet_id, "
                "s.share_bp FROM share s JOIN share_plan p ON p.id = s.plan_id "
                "JOIN share_plan np ON np.contract_id = :copy AND np.valid_from = p.valid_from "
                "WHERE p.contract_id = :c"
            ),
            {"copy": copy_id, "c": first.id},
        )
    engine.dispose()

    upgrade_to_head(empty_url)
    engine = make_engine(empty_url)
    with engine.connect() as connection:
        migrated = connection.execute(query).all()
    engine.dispose()
    assert [r for r in migrated if r[0] != copy_id] == given
    # The copy (same start, higher id, one year) gets none: its doctors are members of the first.
    assert [r for r in migrated if r[0] == copy_id] == []
