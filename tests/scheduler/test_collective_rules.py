"""Rules of the collective contract (2026): each at, below and above its limit.

1. Membership per doctor (the bulletin d'adhésion): only member doctors count, from the later of
   their cabinet's and their own joining, until they leave; a doctor is a member of at most one
   contract at a time, checked on every change; the migration keeps what counted before.
2. Eligibility checked and shown: the group's average PMT at signature (at least 775), the
   funded ETP at most the member doctors (plus 0.5 per PAMSU hosting a docteur junior, or per
   member of an approved training site, from November 2026), and against the ETP employed.
3. The target less the patients already gained under members' earlier individual contracts.
4. A newly installed doctor already above P50 has reached his target (not "unknown").
5. The projection's band is a prediction interval of the gain at the deadline, not a confidence
   band of the fitted line.
6. Members of a collective contract join and leave on its anniversaries: a new share plan starts
   on one; the plans kept from before are flagged when they do not.

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
from scheduler.contribution import (
    DoctorInput,
    Eligibility,
    PolicyParams,
    Snapshot,
    Status,
    contract_figures,
    member_latest_gains,
    project,
)
from scheduler.contribution.projection import _attainment
from scheduler.db import make_engine, make_session_factory
from scheduler.demo import load_demo
from scheduler.errors import DoctorInAnotherContract, InvalidField
from scheduler.migrations import downgrade_to, upgrade_to_head
from scheduler.reports import build_report, parse_period, render_csv, render_json
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


def test_a_doctor_counts_only_once_he_has_joined() -> None:
    # Joining on 2026-05-06, after his latest statement (05-05, his baseline): on 31 May he counts
    # with a gain of 0; on 5 May, before joining, he does not count at all (no negative gain from
    # the earlier statements against a later baseline).
    later = _with_doctor(11, member_from=date(2026, 5, 6))
    assert _group_pmt(later) == (1800 + 60, -20)
    assert _group_pmt(later, date(2026, 5, 5)) == (800, -20)
    # Joining on the reading day itself: he counts that day.
    assert _group_pmt(_with_doctor(11, member_from=MAY_31)) == (1860, -20)
    assert _group_pmt(_with_doctor(11, member_from=MAY_31), date(2026, 5, 30)) == (800, -20)


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
    # He leaves c1 on 2027-01-05 (an anniversary of both); joining c2 that day is allowed, the
    # anniversary before is not (he was in c1), nor the day before (not an anniversary).
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
            session, coordinator, c2.id, roux_b.id, {"valid_from": date(2026, 1, 5)}, expected=None
        )
    with pytest.raises(InvalidField) as off:
        CONTRACTS.set_member_doctor(
            session, coordinator, c2.id, roux_b.id, {"valid_from": date(2027, 1, 4)}, expected=None
        )
    assert (off.value.field, off.value.rule) == ("body.valid_from", "anniversary")
    CONTRACTS.set_member_doctor(
        session, coordinator, c2.id, roux_b.id, {"valid_from": date(2027, 1, 5)}, expected=None
    )
    assert _memberships(session, roux_b) == [
        (c1.code, date(2026, 1, 5), date(2027, 1, 5)),
        (c2.code, date(2027, 1, 5), None),
    ]
    # Now c1 cannot take him back past 2027-01-05 (to its next anniversary), but can up to it.
    with pytest.raises(DoctorInAnotherContract):
        CONTRACTS.set_member_doctor(
            session,
            coordinator,
            c1.id,
            roux_b.id,
            {"valid_from": date(2026, 1, 5), "valid_to": date(2028, 1, 5)},
            expected=None,
        )
    assert end_c1 > date(2028, 1, 5)


def test_a_membership_ends_with_its_contract(session: Session) -> None:
    world = make_world(session, "fin-contrat")
    c1, c2 = world.contracts
    roux_b = world.doctors[1]
    coordinator = world.users["coordinator"]
    c1.duration_years = 1  # c1 ends on 2027-01-05 (exclusive)
    session.flush()
    with pytest.raises(DoctorInAnotherContract):
        CONTRACTS.set_member_doctor(
            session, coordinator, c2.id, roux_b.id, {"valid_from": date(2026, 1, 5)}, expected=None
        )
    with pytest.raises(InvalidField) as off:
        CONTRACTS.set_member_doctor(
            session, coordinator, c2.id, roux_b.id, {"valid_from": date(2027, 1, 4)}, expected=None
        )
    assert (off.value.field, off.value.rule) == ("body.valid_from", "anniversary")
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
        {"valid_from": date(2026, 1, 5), "valid_to": date(2027, 1, 5)},  # a year: the least
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


# --- 2. Eligibility -----------------------------------------------------------------------------


def _eligibility(
    doctors: tuple[DoctorInput, ...] | None = None, as_of: date = MAY_31, **changes: object
) -> Eligibility:
    contract = replace(base_contract(), **changes)  # type: ignore[arg-type]
    if doctors is not None:
        contract = replace(contract, doctors=doctors)
    found = contract_figures(contract, MAY_1, as_of).eligibility
    assert found is not None
    return found


def _pmt_at_start(doctor_id: int, pmt: int) -> tuple[DoctorInput, ...]:
    contract = base_contract()
    return tuple(
        replace(d, snapshots=(Snapshot(START, pmt, 1000), *d.snapshots[1:]))
        if d.id == doctor_id
        else d
        for d in contract.doctors
    )


def test_average_pmt_at_signature_at_below_and_above_775() -> None:
    # Base case: (1000 + 800) / 2 = 900 >= 775.
    above = _eligibility()
    assert (above.average_pmt_at_signature, above.signature_doctors) == (D(900), 2)
    assert above.average_pmt_ok is True and above.min_average_pmt == 775
    # (1000 + 550) / 2 = 775: at the limit, eligible; (1000 + 549) / 2 = 774.5: not.
    at = _eligibility(_pmt_at_start(22, 550))
    assert (at.average_pmt_at_signature, at.average_pmt_ok) == (D(775), True)
    below = _eligibility(_pmt_at_start(22, 549))
    assert (below.average_pmt_at_signature, below.average_pmt_ok) == (D("774.50"), False)


def test_the_average_pmt_is_shown_to_the_hundredth() -> None:
    # (1000 + 551) / 2 = 775.5; with a third doctor at 550: (1000 + 551 + 550) / 3 = 700.333...,
    # shown as 700.33.
    contract = base_contract()
    third = replace(contract.doctors[1], id=33, rpps="10000000003")
    doctors = (*_pmt_at_start(22, 551), replace(third, snapshots=(Snapshot(START, 550, 900),)))
    assert _eligibility(doctors).average_pmt_at_signature == D("700.33")


def test_average_pmt_counts_the_members_at_signature_with_a_statement() -> None:
    # Doctor 22 joins a day after the signature: only doctor 11's 1000 counts.
    later = _eligibility(_with_doctor(22, member_from=date(2026, 1, 6)))
    assert (later.average_pmt_at_signature, later.signature_doctors) == (D(1000), 1)
    # Joining on the signature day, he counts.
    same = _eligibility(_with_doctor(22, member_from=START))
    assert same.signature_doctors == 2
    # No statement at signature (the first on 2026-01-06): unknown, neither met nor failed.
    contract = base_contract()
    late = tuple(
        replace(d, snapshots=tuple(replace(s, on=date(2026, 1, 6)) for s in d.snapshots[:1]))
        for d in contract.doctors
    )
    unknown = _eligibility(late)
    assert (unknown.average_pmt_at_signature, unknown.average_pmt_ok) == (None, None)
    assert unknown.signature_doctors == 0


def test_funded_etp_at_most_the_member_doctors() -> None:
    # Two member doctors: 2.00 ETP is the cap (met), 2.01 is over, 1.00 within.
    assert _eligibility(funded_etp=D("2.00")).etp_ok is True
    over = _eligibility(funded_etp=D("2.01"))
    assert (over.etp_cap, over.etp_ok, over.member_doctors) == (D(2), False, 2)
    assert _eligibility(funded_etp=D("1.00")).etp_ok is True
    # A doctor who left no longer counts on the reading day: the cap falls to 1.
    left = _eligibility(_with_doctor(22, member_to=MAY_31), funded_etp=D("1.01"))
    assert (left.member_doctors, left.etp_cap, left.etp_ok) == (1, D(1), False)


def test_the_junior_doctor_bonus_from_november_2026() -> None:
    pamsu = _with_doctor(11, pamsu_junior=True)
    # Read on 31 October 2026: no bonus yet; from 1 November: +0.5 for the one PAMSU.
    october = _eligibility(pamsu, as_of=date(2026, 10, 31), funded_etp=D("2.50"))
    assert (october.etp_bonus, october.etp_cap, october.etp_ok) == (D(0), D(2), False)
    november = _eligibility(pamsu, as_of=date(2026, 11, 1), funded_etp=D("2.50"))
    assert (november.etp_bonus, november.etp_cap, november.etp_ok) == (D("0.5"), D("2.5"), True)
    assert november.pamsu_junior_doctors == 1
    over = _eligibility(pamsu, as_of=date(2026, 11, 1), funded_etp=D("2.51"))
    assert over.etp_ok is False
    # An approved training site: +0.5 per member doctor (not on top of the PAMSU's).
    site = _eligibility(pamsu, as_of=date(2026, 11, 1), training_site=True, funded_etp=D(3))
    assert (site.etp_bonus, site.etp_cap, site.etp_ok, site.training_site) == (
        D("1.0"),
        D("3.0"),
        True,
        True,
    )
    # The policy's date is data: a policy without it gives no bonus.
    undated = replace(PolicyParams(), etp_bonus_from=None)
    assert _eligibility(pamsu, as_of=date(2026, 11, 1), policy=undated).etp_bonus == 0


def test_funded_etp_against_the_etp_employed() -> None:
    # The demo's pool: 0.90 ETP funded, 31 h a week employed = 1860 / 2100 = 0.886 ETP: flagged.
    demo = _eligibility(funded_etp=D("0.90"), weekly_minutes=1860)
    assert (demo.employed_etp, demo.etp_gap, demo.employed_ok) == (
        D("0.886"),
        D("0.014"),
        False,
    )
    # 31 h 30 = 1890 min = 0.900 ETP: exactly covered; one minute less is not.
    assert _eligibility(funded_etp=D("0.90"), weekly_minutes=1890).employed_ok is True
    assert _eligibility(funded_etp=D("0.90"), weekly_minutes=1889).employed_ok is False
    more = _eligibility(funded_etp=D("0.90"), weekly_minutes=2100)
    assert (more.employed_etp, more.etp_gap, more.employed_ok) == (D("1.000"), D("-0.100"), True)


def test_an_individual_contract_has_no_collective_conditions() -> None:
    bands = replace(PolicyParams(), target_mode="percentile_bands")
    contract = replace(base_contract(), policy=bands)
    assert contract_figures(contract, MAY_1, MAY_31).eligibility is None


def test_the_report_shows_the_conditions_in_json_and_csv(session: Session) -> None:
    world = make_world(session, "conditions")
    c1 = world.contracts[0]
    c1.funded_etp = D("0.90")
    c1.assistants[0].weekly_minutes = 1860
    world.doctors[0].pamsu_junior = True
    session.flush()
    report = build_report(session, c1, parse_period("2026-11"), today=date(2026, 12, 7))
    shown = render_json(report).decode()
    assert '"employed_etp": "0.886"' in shown and '"etp_gap": "0.014"' in shown
    lines = [line.split(";") for line in render_csv(report).decode("utf-8-sig").splitlines()]
    rows = {r[1]: (r[18], r[-2], r[-1]) for r in lines if r[0] == "eligibilite"}
    # Two member doctors (Roux of a and of b), one PAMSU: cap 2.5 in November 2026; no
    # statement at signature: the average is unknown.
    assert rows == {
        "pmt_moyen_signature": ("inconnu", "", "775"),
        "etp_plafond": ("ok", "0.90", "2.50"),
        "etp_employes": ("non_respecte", "0.90", "0.886"),
    }


# --- 3. The target less the earlier individual contracts' gains ---------------------------------


def _figures(doctors: tuple[DoctorInput, ...], as_of: date = MAY_31):  # type: ignore[no-untyped-def]
    return contract_figures(replace(base_contract(), doctors=doctors), MAY_1, as_of)


def test_the_target_is_reduced_by_the_earlier_gains_of_the_members() -> None:
    # 260 - 60 = 200 PMT and 110 - 10 = 100 FA; the members' parts follow: A 60 % = 120 / 60.
    figures = _figures(_with_doctor(11, earlier_gain_pmt=60, earlier_gain_fa=10))
    assert (figures.progress.pmt.target, figures.progress.file_active.target) == (D(200), D(100))
    assert (figures.earlier_gain_pmt, figures.earlier_gain_fa) == (60, 10)
    a, b = figures.members
    assert (a.progress.pmt.target, b.progress.pmt.target) == (D(120), D(80))
    # Gain 40 of 200 PMT.
    assert figures.progress.pmt.attainment == D("0.2")


def test_a_target_reduced_to_zero_is_reached_while_nothing_is_lost() -> None:
    # Earlier gains of 259: 1 PMT left to gain; 260: none (reached: the gain 40 is >= 0);
    # 261: still none, never below 0.
    assert _figures(_with_doctor(11, earlier_gain_pmt=259)).progress.pmt.target == D(1)
    for earlier in (260, 261):
        group = _figures(_with_doctor(11, earlier_gain_pmt=earlier)).progress
        assert group.pmt.target == 0
        assert group.pmt.attainment == 1 and group.pmt.projected_attainment == 1
    # The floor: a gain of 0 reaches a target of 0, a loss of 1 does not.
    assert _attainment(D(0), D(0), 0) == 1
    assert _attainment(D(-1), D(0), 0) == 0
    assert _attainment(D(1), D(0), None) is None  # a member's 0 part: unknown, as before
    assert _attainment(D(1), D(4), 0) == D("0.25")


def test_a_doctor_who_left_no_longer_reduces_the_target() -> None:
    left = _with_doctor(11, earlier_gain_pmt=60, member_to=MAY_31)
    assert _figures(left).progress.pmt.target == D(260)
    assert _figures(left, date(2026, 5, 30)).progress.pmt.target == D(200)


# --- 4. A newly installed doctor already above P50 --------------------------------------------


def _newly(pmt: tuple[int, int], fa: tuple[int, int] = (2000, 2010)) -> DoctorInput:
    """Doctor 11 installed 2025-06-01 (less than 12 months before joining on 2026-01-05)."""
    return replace(
        base_contract().doctors[0],
        installed_on=date(2025, 6, 1),
        snapshots=(Snapshot(START, pmt[0], fa[0]), Snapshot(date(2026, 5, 5), pmt[1], fa[1])),
    )


def _newly_progress(doctor: DoctorInput):  # type: ignore[no-untyped-def]
    figures = _figures((doctor, base_contract().doctors[1]))
    found = figures.members[0].doctors[0]
    assert found.newly_installed
    return found.progress


def test_a_newly_installed_doctor_above_p50_has_reached_his_target() -> None:
    # PMT 1100 -> 1110 and FA 2000 -> 2010, above P50 (1045, 1514): targets 0, reached.
    above = _newly_progress(_newly((1100, 1110)))
    assert (above.pmt.target, above.file_active.target) == (D(0), D(0))
    assert (above.pmt.attainment, above.file_active.attainment) == (D(1), D(1))
    assert above.status is Status.ON_TRACK
    # Still at P50 at 1045 (a loss of 55 = 1045 - 1100): reached today; at 1044 he is not.
    # Either way the trend (-55 in 120 days) takes him below P50 by the deadline: missed.
    at = _newly_progress(_newly((1100, 1045)))
    assert (at.pmt.attainment, at.pmt.projected_attainment) == (D(1), D(0))
    below = _newly_progress(_newly((1100, 1044)))
    assert below.pmt.attainment == 0 and below.status is Status.MISSED


def test_a_newly_installed_doctor_at_or_below_p50_keeps_his_gain_target() -> None:
    # At P50 exactly (1045): target 0, reached while he stays there.
    at = _newly_progress(_newly((1045, 1045)))
    assert (at.pmt.target, at.pmt.attainment) == (D(0), D(1))
    # Below (1000): 45 to gain; 1000 -> 1030 is 30 / 45 of it.
    below = _newly_progress(_newly((1000, 1030)))
    assert below.pmt.target == D(45) and below.pmt.attainment == D(30) / D(45)
    # FA below P50 (1500 < 1514): 14 to gain; 1500 -> 1507 is half of it.
    fa = _newly_progress(_newly((1100, 1110), (1500, 1507)))
    assert (fa.file_active.target, fa.file_active.attainment) == (D(14), D("0.5"))


# --- 5. The projection's prediction interval ----------------------------------------------------


def _independent_interval(
    points: list[tuple[int, int]], at: int, level: float
) -> tuple[float, float]:
    """The textbook formula, by hand (no statsmodels): yhat -/+ t(n - 2) s sqrt(1 + 1/n + ...)."""
    from scipy.stats import t as student

    n = len(points)
    mean_t = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_t) ** 2 for x, _ in points)
    slope = sum((x - mean_t) * (y - mean_y) for x, y in points) / sxx
    intercept = mean_y - slope * mean_t
    ssr = sum((y - intercept - slope * x) ** 2 for x, y in points)
    s = (ssr / (n - 2)) ** 0.5
    half = (
        student.ppf(1 - (1 - level) / 2, n - 2) * s * (1 + 1 / n + (at - mean_t) ** 2 / sxx) ** 0.5
    )
    fitted = intercept + slope * at
    return fitted - half, fitted + half


@pytest.mark.parametrize(
    ("points", "at"),
    [
        ([(0, 0), (30, 12), (60, 18), (90, 30)], 730),
        ([(0, 0), (91, 40), (182, 35), (273, 80), (365, 95), (456, 120)], 730),
        ([(0, 0), (10, -3), (20, 4)], 30),
    ],
)
@pytest.mark.parametrize("level", ["0.95", "0.9"])
def test_the_band_is_the_prediction_interval_computed_by_hand(
    points: list[tuple[int, int]], at: int, level: str
) -> None:
    projection = project(points, at, D(level))
    assert projection is not None and projection.low is not None and projection.high is not None
    low, high = _independent_interval(points, at, float(level))
    assert float(projection.low) == pytest.approx(low, rel=1e-9, abs=1e-9)
    assert float(projection.high) == pytest.approx(high, rel=1e-9, abs=1e-9)
    # Centred on the exact least-squares value.
    assert float((projection.low + projection.high) / 2) == pytest.approx(float(projection.value))


def test_the_prediction_interval_is_wider_than_the_lines_confidence_band() -> None:
    """At the base case's day 120 (inside the data), the line's 95 % band would be
    yhat -/+ t s sqrt(1/n + ...); the interval of a new gain adds the points' own spread."""
    points = [(0, 0), (30, 12), (60, 18), (90, 30)]
    projection = project(points, 120, D("0.95"))
    assert projection is not None and projection.low is not None and projection.high is not None
    # s = sqrt(3.6) = 1.8973666, t(0.975, 2) = 4.3026527; the line's half-width would be
    # 4.3026527 x 1.8973666 x sqrt(1/4 + 75²/4500) (= 1.2247449) = 9.9985; a new gain's is
    # 4.3026527 x 1.8973666 x sqrt(1 + 1/4 + 75²/4500) (= 1.5811388) = 12.9080.
    assert round(float(projection.high - projection.value), 4) == 12.9080
    narrower = project(points, 120, D("0.9"))
    assert narrower is not None and narrower.high is not None
    assert narrower.high < projection.high


def test_an_exact_line_has_an_interval_of_no_width() -> None:
    projection = project([(0, 0), (60, 20), (120, 40)], 730, D("0.95"))
    assert projection is not None and projection.low is not None and projection.high is not None
    assert float(projection.high - projection.low) == pytest.approx(0, abs=1e-9)


# --- 6. Share plans on the contract's anniversaries ---------------------------------------------


def _plan(world_: object, day: date) -> dict[str, object]:
    cabinets = world_.cabinets  # type: ignore[attr-defined]
    return {
        "valid_from": day,
        "shares": [
            {"cabinet_id": cabinets[0].id, "share_bp": 5000},
            {"cabinet_id": cabinets[1].id, "share_bp": 5000},
        ],
    }


def test_a_collective_contracts_new_share_plan_starts_on_an_anniversary(session: Session) -> None:
    world = make_world(session, "anniversaire")
    c1 = world.contracts[0]  # collective, from 2026-01-05
    coordinator = world.users["coordinator"]
    for day in (date(2027, 1, 4), date(2027, 1, 6), date(2026, 6, 1)):
        with pytest.raises(InvalidField) as refused:
            CONTRACTS.add_share_plan(session, coordinator, c1.id, _plan(world, day), expected=None)
        assert (refused.value.field, refused.value.rule) == ("valid_from", "anniversary")
    assert "2027-01-05" in refused.value.message  # the next anniversary
    CONTRACTS.add_share_plan(
        session, coordinator, c1.id, _plan(world, date(2027, 1, 5)), expected=None
    )
    assert [p.valid_from for p in c1.share_plans] == [date(2026, 1, 5), date(2027, 1, 5)]
    assert [p.off_anniversary for p in c1.share_plans] == [False, False]


def test_an_individual_contracts_share_plan_may_start_any_day(session: Session) -> None:
    world = make_world(session, "individuel")
    c1 = world.contracts[0]
    c1.kind = models.ContractKind.INDIVIDUAL
    session.flush()
    CONTRACTS.add_share_plan(
        session, world.users["coordinator"], c1.id, _plan(world, date(2026, 6, 1)), expected=None
    )


def test_anniversaries_of_a_29_february_start_fall_on_28_february() -> None:
    start = date(2028, 2, 29)
    assert membership.is_anniversary(start, start)
    assert membership.is_anniversary(start, date(2029, 2, 28))
    assert not membership.is_anniversary(start, date(2029, 3, 1))
    assert membership.is_anniversary(start, date(2032, 2, 29))
    assert not membership.is_anniversary(start, date(2027, 2, 28))  # before the start
    assert membership.next_anniversary(start, date(2029, 3, 1)) == date(2030, 2, 28)
    assert membership.next_anniversary(start, date(2029, 2, 28)) == date(2029, 2, 28)
    assert membership.next_anniversary(start, date(2020, 1, 1)) == start


def test_the_migration_flags_the_plans_off_an_anniversary(empty_url: str) -> None:
    """The demo's plan of 2026-09-01 in a collective contract started 2026-04-01 is flagged, as
    the demo loader flags it; its plans on a start or an anniversary are not."""
    upgrade_to_head(empty_url)
    engine = make_engine(empty_url)
    with unit_of_work(make_session_factory(engine)) as session:
        load_demo(session)
    query = text(
        "SELECT p.valid_from, c.start_date, p.off_anniversary FROM share_plan p "
        "JOIN pooled_contract c ON c.id = p.contract_id ORDER BY p.id"
    )
    with engine.connect() as connection:
        loaded = [tuple(r) for r in connection.execute(query)]
        connection.execute(text("UPDATE share_plan SET off_anniversary = false"))
        connection.commit()
    engine.dispose()
    flagged = [r for r in loaded if r[2]]
    assert len(flagged) == 1 and str(flagged[0][0]) == "2026-09-01"
    downgrade_to(empty_url, "f6a7b8c9d0e1")
    upgrade_to_head(empty_url)
    engine = make_engine(empty_url)
    with engine.connect() as connection:
        migrated = [tuple(r) for r in connection.execute(query)]
    engine.dispose()
    assert [bool(r[2]) for r in migrated] == [bool(r[2]) for r in loaded]


def test_the_migration_flags_the_memberships_off_an_anniversary(empty_url: str) -> None:
    """The demo's doctors of cabinet « parc », a member of pool-val-moselle (from 2026-03-02, five
    years) and of pool-seille (from 2026-04-01), join pool-seille when pool-val-moselle ends, on
    2031-03-02: not an anniversary of pool-seille, so they are flagged, as the demo loader flags
    them; those who joined on a start are not, and the migration finds the same."""
    upgrade_to_head(empty_url)
    engine = make_engine(empty_url)
    with unit_of_work(make_session_factory(engine)) as session:
        load_demo(session)
    query = text(
        "SELECT m.valid_from, c.start_date, m.off_anniversary FROM contract_member_doctor m "
        "JOIN pooled_contract c ON c.id = m.contract_id ORDER BY m.id"
    )
    with engine.connect() as connection:
        loaded = [tuple(r) for r in connection.execute(query)]
        connection.execute(text("UPDATE contract_member_doctor SET off_anniversary = false"))
        connection.commit()
    engine.dispose()
    flagged = {str(r[0]) for r in loaded if r[2]}
    assert flagged == {"2031-03-02"}
    assert any(not r[2] for r in loaded)
    downgrade_to(empty_url, "d0e1f2a3b4c5")
    upgrade_to_head(empty_url)
    engine = make_engine(empty_url)
    with engine.connect() as connection:
        migrated = [tuple(r) for r in connection.execute(query)]
    engine.dispose()
    assert [bool(r[2]) for r in migrated] == [bool(r[2]) for r in loaded]


# --- Policy parameters of these rules and their edges -----------------------------------------


def test_the_policy_reads_the_rules_parameters() -> None:
    read = PolicyParams.from_parameters(
        {
            "min_average_pmt_at_signature": 800,
            "etp_cap": {"bonus_from": "2027-01-01", "bonus_per_member": 0.25},
            "full_time_weekly_minutes": 2280,
            "projection_level": 0.9,
        }
    )
    assert (read.min_average_pmt, read.etp_bonus_from, read.etp_bonus_per_member) == (
        800,
        date(2027, 1, 1),
        D("0.25"),
    )
    assert (read.full_time_weekly_minutes, read.band_level) == (2280, D("0.9"))
    default = PolicyParams.from_parameters({})
    assert (default.min_average_pmt, default.etp_bonus_from, default.etp_bonus_per_member) == (
        775,
        date(2026, 11, 1),
        D("0.5"),
    )
    assert (default.full_time_weekly_minutes, default.band_level) == (2100, D("0.95"))
    # A cap given without its date keeps the default date.
    undated = PolicyParams.from_parameters({"etp_cap": {"bonus_per_member": 1}})
    assert (undated.etp_bonus_from, undated.etp_bonus_per_member) == (date(2026, 11, 1), D(1))


def _policy(pmt: int, fa: int) -> PolicyParams:
    return PolicyParams.from_parameters({"target_per_etp": {"pmt": pmt, "file_active": fa}})


def test_a_target_of_zero_is_reached_only_when_earlier_gains_brought_it_there() -> None:
    # Read on 31 January 2026: no statement since the baseline, the gains are exactly 0.
    january = date(2026, 1, 31)
    gains = _with_doctor(11, earlier_gain_pmt=1, earlier_gain_fa=1)
    one = contract_figures(
        replace(base_contract(), doctors=gains, policy=_policy(1, 1)), date(2026, 1, 1), january
    )
    # 1 x 1 ETP - 1 = 0 on both indicators, a gain of 0: reached.
    assert (one.progress.pmt.target, one.progress.file_active.target) == (D(0), D(0))
    assert (one.progress.pmt.attainment, one.progress.file_active.attainment) == (D(1), D(1))
    # A policy's own target of 0 (no earlier gain): no attainment, as before.
    zero = contract_figures(
        replace(base_contract(), policy=_policy(0, 0)), date(2026, 1, 1), january
    )
    assert (zero.progress.pmt.attainment, zero.progress.file_active.attainment) == (None, None)


def test_percentile_bands_take_no_earlier_gains_off() -> None:
    bands = replace(PolicyParams(), target_mode="percentile_bands")
    doctors = _with_doctor(11, earlier_gain_pmt=60, earlier_gain_fa=10)
    figures = contract_figures(
        replace(base_contract(), doctors=doctors, policy=bands), MAY_1, MAY_31
    )
    assert (figures.earlier_gain_pmt, figures.earlier_gain_fa) == (0, 0)


def test_snapshots_given_out_of_order_are_read_in_date_order() -> None:
    contract = base_contract()
    shuffled = tuple(replace(d, snapshots=tuple(reversed(d.snapshots))) for d in contract.doctors)
    assert _group_pmt(shuffled) == (1800, 40)


def test_latest_gains_go_on_past_a_doctor_who_left() -> None:
    contract = base_contract()
    a = contract.doctors[0]
    left = replace(a, id=12, member_to=date(2026, 5, 5))
    gains = member_latest_gains(START, contract.share_plans, {1: [left, a]})
    assert gains[1] == (60, 20, date(2026, 5, 5))


def test_withdrawing_a_plan_to_come_undoes_who_it_brought_in_and_let_go(session: Session) -> None:
    world = make_world(session, "plan-retire")
    c1, c2 = world.contracts
    roux_a, _ = world.doctors
    coordinator = world.users["coordinator"]
    before = _memberships(session, roux_a)
    assert before == [(c1.code, date(2026, 1, 5), None)]
    day = date(2027, 1, 5)
    # From 2027-01-05, c1 keeps cabinet b alone (roux_a leaves it) and c2 takes cabinet a in
    # (roux_a joins it that day).
    c1_plan = {
        "valid_from": day,
        "shares": [{"cabinet_id": world.cabinets[1].id, "share_bp": 10000}],
    }
    CONTRACTS.add_share_plan(session, coordinator, c1.id, c1_plan, expected=None)
    CONTRACTS.add_share_plan(session, coordinator, c2.id, _plan(world, day), expected=None)
    assert _memberships(session, roux_a) == [(c1.code, date(2026, 1, 5), day), (c2.code, day, None)]
    planned = {c.id: next(p.id for p in c.share_plans if p.valid_from == day) for c in (c1, c2)}
    today = date(2026, 12, 1)
    CONTRACTS.delete_share_plan(
        session, coordinator, c2.id, planned[c2.id], expected=None, today=today
    )
    assert _memberships(session, roux_a) == [(c1.code, date(2026, 1, 5), day)]
    CONTRACTS.delete_share_plan(
        session, coordinator, c1.id, planned[c1.id], expected=None, today=today
    )
    assert _memberships(session, roux_a) == before
