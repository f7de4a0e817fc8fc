"""The national evaluation (scheduler/evaluation/national.py): every contract's effect from the
stored statements, pooled nationally, by département and by size, the event study, and the
exports with their digest.

The hand case: four contracts started on 2026-01-05 (quarter 0 = 2026-Q1), statements in
2025-Q3, 2025-Q4, 2026-Q1 and 2026-Q2, three reference doctors per département,

    département 54, reference doctors: base 100, 200, 300 + trend (0, 2, 5, 6)
    département 57, reference doctors: base 150, 250, 350 + trend (1, 1, 3, 4)
    contract A (54), 2 cabinets x 1 doctor: base 500, 600 + 54's trend + 10 since the start
    contract B (54), 4 cabinets x 1 doctor: base 400 ... 700 + 54's trend + 20 since the start
    contract C (57), 2 cabinets x 1 doctor: base 500, 600 + 57's trend + 40 since the start
    contract D (57), 2 cabinets, one doctor with statements: no figure (2 are needed)

Each doctor follows his département's trend exactly, so each contract's difference in
differences is its lift (10, 20, 40 PMT; file active is twice the PMT: 20, 40, 80), with an
interval of width 0 (no residual), and its event study is 0 before the start and the lift since.

PMT, weights = member doctors w = (2, 4, 2), W = 8:

- national: b = (2 x 10 + 4 x 20 + 2 x 40) / 8 = 22.5; clusters 54 (A, B) and 57 (C):
  u_54 = 2 (10 - 22.5) + 4 (20 - 22.5) = -35, p_54 = 6/8; u_57 = 2 (40 - 22.5) = 35, p_57 = 2/8;
  V = (35^2 / (1 - 6/8) + 35^2 / (1 - 2/8)) / 8^2 = (4900 + 1633.33) / 64 = 102.0833,
  SE = 10.1036; Bell-McCaffrey degrees of freedom: l_54,54 = p_54 = 0.75, l_57,57 = 0.25,
  l_54,57 = -a_54 a_57 = -(0.75 / sqrt(0.25)) (0.25 / sqrt(0.75)) = -0.4330, sum of squares
  0.5625 + 0.0625 + 2 x 0.1875 = 1: nu = 1 (G - 1 for two clusters), t(1; 0.975) = 12.7062,
  interval 22.5 -/+ 128.3788 = [-105.8788, 150.8788];
- département 54 (one cluster: the bound): b = (2 x 10 + 4 x 20) / 6 = 16.6667, interval the
  weighted mean of A's and B's bounds, [16.6667, 16.6667]; département 57: C alone, 40, D
  counted without a figure (2 contracts, 1 computed);
- size "1 à 2 cabinets": A (54), C (57), D: b = (2 x 10 + 2 x 40) / 4 = 25, u = -/+ 30, p = 1/2
  each, V = 2 x 900 / 0.5 / 16 = 225, SE = 15, nu = 1, interval 25 -/+ 190.5931; "4 cabinets": B
  alone, 20 [20, 20];
- event study: quarters -2, 0, 1 pool A, B, C's coefficients (0, then their lifts): 0 [0, 0],
  then 22.5 with the national interval; quarter -1 is 0 by construction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.errors import Forbidden, InvalidField
from scheduler.evaluation.national import (
    METHOD_BOUND,
    METHOD_CR2,
    ContractEffect,
    cr2_by_cluster,
    national_evaluation,
    pool,
    render_csv,
    render_json,
)
from scheduler.evaluation.stored import contract_evaluation
from scheduler.services.national_evaluation import (
    export_national_evaluation,
    read_national_evaluation,
)
from tests.api.factories import make_assistant, make_cabinet, make_contract

QUARTERS = ((2025, 3), (2025, 4), (2026, 1), (2026, 2))
AFTER = (0, 0, 1, 1)
TREND = {"54": (0, 2, 5, 6), "57": (1, 1, 3, 4), "88": (1, 1, 3, 4)}  # 88: a series only
AS_OF = date(2026, 6, 30)


@dataclass
class Nation:
    contracts: dict[str, models.PooledContract]


def _statements(session: Session, doctor: models.Doctor, base: int, dep: str, lift: int) -> None:
    for (year, q), trend, after in zip(QUARTERS, TREND[dep], AFTER, strict=True):
        value = base + trend + lift * after
        session.add(
            models.PatienteleSnapshot(
                doctor_id=doctor.id,
                snapshot_date=date(year, 3 * q - 1, 15),
                pmt=value,
                file_active=2 * value,
                source="CPAM",
            )
        )


def _contract(
    session: Session,
    groupement: models.Groupement,
    code: str,
    dep: str,
    bases: list[int | None],
    lift: int,
) -> models.PooledContract:
    cabinets = []
    for i in range(len(bases)):
        cabinet = make_cabinet(session, groupement, f"{code}-{i}", "49.1", "6.1")
        cabinet.department, cabinet.postcode = dep, f"{dep}000"
        cabinets.append(cabinet)
    session.flush()
    share = 10_000 // len(cabinets)
    shares = {
        c: share + (10_000 - share * len(cabinets) if i == 0 else 0) for i, c in enumerate(cabinets)
    }
    contract = make_contract(
        session, groupement, code, make_assistant(session, groupement, f"am-{code}"), shares
    )
    for i, (cabinet, base) in enumerate(zip(cabinets, bases, strict=True)):
        doctor = models.Doctor(
            cabinet_id=cabinet.id,
            rpps=f"1{sum(map(ord, code)):05d}{i:05d}",
            first_name="Jeanne",
            last_name=f"{code}{i}",
        )
        session.add(doctor)
        session.flush()
        if base is not None:
            _statements(session, doctor, base, dep, lift)
    return contract


@pytest.fixture
def nation(session: Session) -> Nation:
    groupement = models.Groupement(slug="national", name="GE national")
    session.add(groupement)
    session.flush()
    for dep, bases in (("54", (100, 200, 300)), ("57", (150, 250, 350))):
        for i, base in enumerate(bases):
            for (year, q), trend in zip(QUARTERS, TREND[dep], strict=True):
                session.add(
                    models.ReferenceStatement(
                        department=dep,
                        rpps=f"2{dep}{i:08d}",
                        year=year,
                        quarter=q,
                        pmt=base + trend,
                        file_active=2 * (base + trend),
                        source=f"CPAM {dep}",
                    )
                )
    contracts = {
        "A": _contract(session, groupement, "nat-a", "54", [500, 600], 10),
        "B": _contract(session, groupement, "nat-b", "54", [400, 500, 600, 700], 20),
        "C": _contract(session, groupement, "nat-c", "57", [500, 600], 40),
        "D": _contract(session, groupement, "nat-d", "57", [500, None], 40),
    }
    session.flush()
    return Nation(contracts)


def _approx(value: float | None, expected: float) -> None:
    assert value is not None and value == pytest.approx(expected, abs=1e-4)


def test_the_hand_case_nationally(session: Session, nation: Nation) -> None:
    evaluation = national_evaluation(session, as_of=AS_OF)
    pmt, file_active = evaluation.indicators
    assert (pmt.indicator, file_active.indicator) == ("pmt", "file_active")
    n = pmt.national
    assert (n.contracts, n.computed, n.member_doctors, n.departments) == (4, 3, 8, 2)
    _approx(n.effect, 22.5)
    _approx(n.dof, 1.0)
    _approx(n.ci_low, 22.5 - 128.3788)
    _approx(n.ci_high, 22.5 + 128.3788)
    assert n.method == METHOD_CR2 and n.reason is None
    assert "CR2" in n.method_fr and "Bell-McCaffrey" in n.method_fr
    # File active is twice each PMT: every figure doubles.
    _approx(file_active.national.effect, 45.0)
    _approx(file_active.national.ci_high, 2 * (22.5 + 128.3788))


def test_the_split_by_departement_and_by_size(session: Session, nation: Nation) -> None:
    pmt = national_evaluation(session, as_of=AS_OF).indicators[0]
    by_dep = {r.group: r for r in pmt.by_department}
    assert set(by_dep) == {"54", "57"}
    _approx(by_dep["54"].effect, 100 / 6)
    _approx(by_dep["54"].ci_low, 100 / 6)
    _approx(by_dep["54"].ci_high, 100 / 6)
    assert by_dep["54"].method == METHOD_BOUND and by_dep["54"].dof is None
    assert (by_dep["57"].contracts, by_dep["57"].computed) == (2, 1)
    _approx(by_dep["57"].effect, 40.0)
    by_size = {r.group: r for r in pmt.by_size}
    assert list(by_size) == ["1 à 2 cabinets", "4 cabinets"]
    small = by_size["1 à 2 cabinets"]
    assert (small.contracts, small.computed, small.departments) == (3, 2, 2)
    _approx(small.effect, 25.0)
    _approx(small.ci_low, 25 - 190.5931)
    _approx(small.ci_high, 25 + 190.5931)
    assert small.method == METHOD_CR2
    _approx(by_size["4 cabinets"].effect, 20.0)
    assert by_size["4 cabinets"].method == METHOD_BOUND


def test_the_event_study_pools_each_quarter(session: Session, nation: Nation) -> None:
    pmt = national_evaluation(session, as_of=AS_OF).indicators[0]
    events = {int(r.group): r for r in pmt.event_study}
    assert sorted(events) == [-2, -1, 0, 1]
    for quarter in (-2, -1):
        _approx(events[quarter].effect, 0.0)
        _approx(events[quarter].ci_low, 0.0)
        _approx(events[quarter].ci_high, 0.0)
    for quarter in (0, 1):
        _approx(events[quarter].effect, 22.5)
        _approx(events[quarter].ci_low, 22.5 - 128.3788)
        assert events[quarter].computed == 3
    assert [p.quarter for p in pmt.event_points] == [-2, -1, 0, 1]


def test_a_contract_without_figure_gives_its_reason(session: Session, nation: Nation) -> None:
    evaluation = national_evaluation(session, as_of=AS_OF)
    missing = [c for c in evaluation.contracts if c.effect is None]
    assert {c.contract for c in missing} == {"nat-d"}
    assert all(
        c.reason is not None and "1 médecin(s) membre(s)" in c.reason and "au moins 2" in c.reason
        for c in missing
    )


def test_nothing_to_pool_gives_a_reason_not_a_number(session: Session) -> None:
    evaluation = national_evaluation(session, as_of=AS_OF)
    assert evaluation.contracts == ()
    national = evaluation.indicators[0].national
    assert (
        national.effect is None and national.ci_low is None and national.reason == "aucun contrat"
    )


def test_each_contract_is_the_contracts_own_evaluation(session: Session, nation: Nation) -> None:
    """The figure pooled for a contract is the one its report shows (summary.evaluate)."""
    evaluation = national_evaluation(session, as_of=AS_OF)
    for key in ("A", "B", "C"):
        contract = nation.contracts[key]
        own = contract_evaluation(session, contract, until=AS_OF, hours_delivered=0.0)
        for indicator in own.indicators:
            assert indicator.did is not None
            pooled = next(
                c
                for c in evaluation.contracts
                if c.contract == contract.code and c.indicator == indicator.indicator
            )
            assert pooled.member_doctors == indicator.did.member_doctors
            _approx(pooled.effect, indicator.did.effect)
            _approx(pooled.ci_low, indicator.did.ci_low)
            _approx(pooled.ci_high, indicator.did.ci_high)


def test_a_departement_with_a_published_series_only_is_measured_against_it(
    session: Session, nation: Nation
) -> None:
    """Département 88 has no reference doctor on file, only the published series (its average
    per GP following 57's trend): contract E (2 doctors, +30) is measured against it, as its
    report measures it."""
    groupement = nation.contracts["A"].groupement_id
    for (year, q), trend in zip(QUARTERS, TREND["88"], strict=True):
        session.add(
            models.ReferenceSeries(
                department="88",
                year=year,
                quarter=q,
                pmt=800 + trend,
                file_active=2 * (800 + trend),
                doctors=400,
                source="CPAM 88, moyenne par MG",
            )
        )
    owner = session.get(models.Groupement, groupement)
    assert owner is not None
    contract = _contract(session, owner, "nat-e", "88", [500, 600], 30)
    session.flush()
    evaluation = national_evaluation(session, as_of=AS_OF)
    mine = next(c for c in evaluation.contracts if c.contract == "nat-e" and c.indicator == "pmt")
    assert mine.reference == "series" and mine.department == "88"
    _approx(mine.effect, 30.0)
    own = contract_evaluation(session, contract, until=AS_OF, hours_delivered=0.0)
    assert own.reference.value == "series" and own.indicators[0].did is not None
    _approx(mine.ci_low, own.indicators[0].did.ci_low)
    pmt = evaluation.indicators[0]
    assert {r.group for r in pmt.by_department} == {"54", "57", "88"}
    assert pmt.national.departments == 3


def test_cr2_by_cluster_at_and_above_two_clusters() -> None:
    # Two clusters of equal weight: G - 1 = 1 degree of freedom; four: 3.
    assert cr2_by_cluster([1.0, 3.0], [1.0, 1.0], ["a", "b"])[2] == pytest.approx(1.0)
    mean, se, dof = cr2_by_cluster([1.0, 2.0, 3.0, 6.0], [1.0] * 4, ["a", "b", "c", "d"])
    assert mean == pytest.approx(3.0) and dof == pytest.approx(3.0)
    # Equal weights: CR2 is the classic variance of a mean, s^2 / G.
    assert se == pytest.approx((14.0 / 3 / 4) ** 0.5)
    with pytest.raises(ValueError, match="two clusters"):
        cr2_by_cluster([1.0, 2.0], [1.0, 1.0], ["a", "a"])


def test_one_departement_without_the_bound_has_no_interval() -> None:
    effects = [
        ContractEffect("x", "54", 2, "pmt", 2, "doctors", 10.0, 5.0, 15.0, ((0, 10.0),), None)
    ]
    assert pool(effects, "pmt", "event", "0", bound=True).ci_low == 5.0
    shown = pool(effects, "pmt", "event", "0", bound=False)
    assert shown.effect == 10.0 and shown.ci_low is None
    assert shown.reason == "un seul département : pas d'intervalle"


def test_the_exports_name_the_method_and_their_digest_is_their_bytes(
    session: Session, nation: Nation
) -> None:
    csv_export = export_national_evaluation(session, None, as_of=AS_OF, fmt="csv")
    json_export = export_national_evaluation(session, None, as_of=AS_OF, fmt="json")
    for export in (csv_export, json_export):
        assert export.sha256 == hashlib.sha256(export.body).hexdigest()
        assert export.digest_line == f"{export.sha256}  {export.filename}\n"
    assert csv_export.filename == "evaluation-nationale-2026-06-30.csv"
    # The same day and data: the same bytes.
    again = export_national_evaluation(session, None, as_of=AS_OF, fmt="csv")
    assert again.body == csv_export.body
    lines = csv_export.body.decode("utf-8").splitlines()
    assert lines[0].startswith("indicateur;niveau;groupe;")
    national = next(line for line in lines if line.startswith("pmt;national;France;"))
    assert ";22.5000;-105.8788;150.8788;1.0000;cr2-departement;" in national
    assert any(line.startswith("pmt;contrat;nat-d;") and "médecin(s)" in line for line in lines)
    document = json.loads(json_export.body)
    assert document["format"] == "partagenda-national-evaluation/1"
    assert "Bell-McCaffrey" in document["methods"][METHOD_CR2]
    assert document["indicators"]["pmt"]["national"]["effect"] == 22.5
    # Read back from the stored JSON (as the page shows it), the evaluation renders the same bytes.
    shown = read_national_evaluation(session, None, as_of=AS_OF).evaluation
    assert render_csv(shown) == csv_export.body
    assert render_json(shown) == json_export.body


def test_an_unknown_format_and_a_day_out_of_range_are_refused(session: Session) -> None:
    with pytest.raises(InvalidField, match="xml"):
        export_national_evaluation(session, None, as_of=AS_OF, fmt="xml")
    with pytest.raises(InvalidField, match="année hors de"):
        export_national_evaluation(session, None, as_of=date(1999, 1, 1), fmt="csv")


@pytest.mark.parametrize(
    "role",
    [
        models.Role.COORDINATOR,
        models.Role.CABINET,
        models.Role.ASSISTANT,
        models.Role.AUDITOR,
    ],
)
def test_only_the_national_reader_reads_it(session: Session, role: models.Role) -> None:
    user = models.User(id=7, groupement_id=1, role=role, cabinet_id=3, assistant_id=5)
    with pytest.raises(Forbidden):
        read_national_evaluation(session, user, as_of=AS_OF)
    with pytest.raises(Forbidden):
        export_national_evaluation(session, user, as_of=AS_OF, fmt="csv")
    national = models.User(id=8, groupement_id=1, role=models.Role.NATIONAL)
    assert read_national_evaluation(session, national, as_of=AS_OF).evaluation.contracts == ()


def test_the_pooled_interval_covers_a_shared_reference_s_noise() -> None:
    """Contracts of one département share their reference doctors: their effects share the
    reference's error (`r_d`, as large as a contract's own). Clustered by département, the 95 %
    interval covers the true +20 in 90 to 99 simulations of 100 (8 départements x 3 contracts of
    2 to 5 member doctors); read as if the contracts were independent (each its own cluster)
    it covers far less (96 and 78 in 100 with this seed)."""
    import numpy as np

    rng = np.random.default_rng(21)
    covered = covered_as_independent = 0
    for _ in range(100):
        shared = rng.normal(0, 4, 8)
        effects = [
            ContractEffect(
                f"c{d}-{c}",
                f"{d:02d}",
                2,
                "pmt",
                2 + (d + c) % 4,
                "doctors",
                20 + shared[d] + rng.normal(0, 4),
                None,
                None,
                (),
                None,
            )
            for d in range(8)
            for c in range(3)
        ]
        national = pool(effects, "pmt", "national", "France", bound=True)
        assert national.ci_low is not None and national.ci_high is not None
        covered += national.ci_low <= 20 <= national.ci_high
        alone = [
            ContractEffect(
                e.contract,
                e.contract,
                e.cabinets,
                e.indicator,
                e.member_doctors,
                e.reference,
                e.effect,
                None,
                None,
                (),
                None,
            )
            for e in effects
        ]
        naive = pool(alone, "pmt", "national", "France", bound=True)
        assert naive.ci_low is not None and naive.ci_high is not None
        covered_as_independent += naive.ci_low <= 20 <= naive.ci_high
    assert 90 <= covered <= 99
    assert covered_as_independent < 85
