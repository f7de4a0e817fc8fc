"""A contract's evaluation built from the database (scheduler/evaluation/stored.py and
summary.py): a hand-checked case through stored statements, the published series instead of
reference doctors, and "not enough data" answers instead of exceptions.

The hand case is tests/scheduler/test_evaluation.py's, laid out in quarters around a contract
started on 2026-01-05 (quarter 0 = 2026-Q1): two member doctors and three reference doctors of
the members' département (57),

    doctor      q-2 (2025-Q3)  q-1  q0 (2026-Q1)  q1   change of the means (since - before)
    member 1        10          12      40        42      41 - 11   = 30
    member 2        20          20      44        46      45 - 20   = 25
    reference 3      5           7      11        13      12 - 6    = 6
    reference 4     30          31      32        35      33.5-30.5 = 3
    reference 5      7           9       9        12      10.5 - 8  = 2.5

so the effect on PMT is 27.5 - 11.5/3 = 71/3 = 23.6667 per member doctor; file active is twice
each PMT, its effect 142/3. With 400 hours delivered the gain per 100 hours is 71/3 x 2 / 400 x
100 = 71/6 = 11.8333 PMT.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.evaluation.stored import contract_evaluation
from scheduler.evaluation.summary import Observation, Reference, evaluate
from tests.api.factories import make_assistant, make_cabinet, make_contract

QUARTERS = ((2025, 3), (2025, 4), (2026, 1), (2026, 2))
MEMBERS = ((10, 12, 40, 42), (20, 20, 44, 46))
REFERENCES = ((5, 7, 11, 13), (30, 31, 32, 35), (7, 9, 9, 12))
# Luhn-valid RPPS: the members' and the reference doctors'.
MEMBER_RPPS = ("10198864158", "10830776943")
REFERENCE_RPPS = ("10547879162", "10000000009", "10000000017")
EFFECT = 71 / 3


def charts_in(page: str) -> str:
    """The SVG documents of the `data:` images of an HTML page, one after the other (matplotlib
    writes each text of a chart in a comment beside its outlines)."""
    found = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    return "\n".join(base64.b64decode(item).decode("utf-8") for item in found)


@dataclass
class Case:
    contract: models.PooledContract
    doctors: list[models.Doctor]


def _quarter_day(year: int, quarter: int, day: int = 15) -> date:
    return date(year, (quarter - 1) * 3 + 2, day)


@pytest.fixture
def case(session: Session) -> Case:
    groupement = models.Groupement(slug="eval", name="GE eval")
    session.add(groupement)
    session.flush()
    a = make_cabinet(session, groupement, "eval-a", "49.1", "6.1")
    b = make_cabinet(session, groupement, "eval-b", "49.2", "6.2")
    x = make_assistant(session, groupement, "eval-x")
    contract = make_contract(session, groupement, "eval-c", x, {a: 5000, b: 5000})
    doctors = [
        models.Doctor(cabinet_id=c.id, rpps=rpps, first_name="Jeanne", last_name="Roux")
        for c, rpps in zip((a, b), MEMBER_RPPS, strict=True)
    ]
    session.add_all(doctors)
    session.flush()
    for doctor, values in zip(doctors, MEMBERS, strict=True):
        for (year, q), value in zip(QUARTERS, values, strict=True):
            session.add(
                models.PatienteleSnapshot(
                    doctor_id=doctor.id,
                    snapshot_date=_quarter_day(year, q),
                    pmt=value,
                    file_active=2 * value,
                    source="CPAM",
                )
            )
            # An earlier statement of the same quarter: the latest one counts.
            session.add(
                models.PatienteleSnapshot(
                    doctor_id=doctor.id,
                    snapshot_date=_quarter_day(year, q, 1),
                    pmt=value + 500,
                    file_active=value + 500,
                    source="CPAM",
                )
            )
    session.flush()
    return Case(contract, doctors)


def _reference_doctors(session: Session) -> None:
    for rpps, values in zip(REFERENCE_RPPS, REFERENCES, strict=True):
        for (year, q), value in zip(QUARTERS, values, strict=True):
            session.add(
                models.ReferenceStatement(
                    department="57",
                    rpps=rpps,
                    year=year,
                    quarter=q,
                    pmt=value,
                    file_active=2 * value,
                    source="CPAM 57",
                )
            )
    for (year, q), value in zip(QUARTERS, (0, 0, 900, 900), strict=True):
        # Another département's doctor, and a member doctor listed by mistake: neither counts.
        for department, rpps in (("54", "10000000025"), ("57", MEMBER_RPPS[0])):
            session.add(
                models.ReferenceStatement(
                    department=department,
                    rpps=rpps,
                    year=year,
                    quarter=q,
                    pmt=value,
                    file_active=value,
                    source="CPAM",
                )
            )
    session.flush()


def test_the_hand_case_through_stored_statements(session: Session, case: Case) -> None:
    _reference_doctors(session)
    result = contract_evaluation(
        session, case.contract, until=date(2026, 6, 30), hours_delivered=400.0
    )
    assert result.reason is None
    assert result.reference is Reference.DOCTORS
    assert (result.member_doctors, result.reference_units) == (2, 3)
    assert result.departments == ("57",)
    assert (result.first_quarter, result.start_quarter, result.last_quarter) == (
        "2025-Q3",
        "2026-Q1",
        "2026-Q2",
    )
    assert (result.quarters_before, result.quarters_after) == (2, 2)
    pmt, file_active = result.indicators
    assert pmt.did is not None and file_active.did is not None
    assert pmt.did.effect == pytest.approx(EFFECT, abs=1e-4)
    assert file_active.did.effect == pytest.approx(2 * EFFECT, abs=1e-4)
    assert pmt.did.ci_low < EFFECT < pmt.did.ci_high
    assert "CR2" in pmt.did.method and "Bell-McCaffrey" in pmt.did.method
    assert pmt.gain is not None
    assert pmt.gain.gain == pytest.approx(EFFECT * 2 / 400 * 100, abs=1e-4)
    assert pmt.pretrend is not None and pmt.pretrend_reason is None
    assert [lead.quarter for lead in pmt.pretrend.leads] == [-2]
    assert [e.quarter for e in pmt.events] == [-2, -1, 0, 1]
    # The event study's quarter 0 is member changes minus reference changes from quarter -1:
    # members (28 + 24) / 2 = 26, references (4 + 1 + 0) / 3 = 5/3.
    assert pmt.events[2].coef == pytest.approx(26 - 5 / 3, abs=1e-4)


def test_statements_after_the_day_read_do_not_count(session: Session, case: Case) -> None:
    _reference_doctors(session)
    result = contract_evaluation(
        session, case.contract, until=date(2026, 3, 31), hours_delivered=100.0
    )
    assert result.last_quarter == "2026-Q1" and result.quarters_after == 1
    pmt = result.indicators[0]
    assert pmt.did is not None
    # Quarter 0 only: members (40 - 11 + 44 - 20) / 2 = 26.5, references (5 + 1.5 + 1) / 3 = 2.5.
    assert pmt.did.effect == pytest.approx(24.0, abs=1e-4)


def test_a_published_series_when_no_reference_doctor(session: Session, case: Case) -> None:
    for (year, q), value in zip(QUARTERS, ("100", "102", "104", "106"), strict=True):
        session.add(
            models.ReferenceSeries(
                department="57",
                year=year,
                quarter=q,
                pmt=value,
                file_active=value,
                doctors=640,
                source="CPAM 57, moyenne par MG",
            )
        )
    session.flush()
    result = contract_evaluation(
        session, case.contract, until=date(2026, 6, 30), hours_delivered=400.0
    )
    assert result.reference is Reference.SERIES
    assert result.reference_units == 1
    assert "seuls médecins membres" in result.interval_basis_fr
    did = result.indicators[0].did
    assert did is not None
    assert did.effect == pytest.approx(27.5 - (105 - 101), abs=1e-4)
    assert did.ci_low <= did.effect <= did.ci_high


def test_no_reference_is_a_reason_not_an_error(session: Session, case: Case) -> None:
    result = contract_evaluation(
        session, case.contract, until=date(2026, 6, 30), hours_delivered=400.0
    )
    assert result.reference is Reference.NONE
    assert result.indicators == ()
    assert result.reason is not None and "57" in result.reason


def _rows(values: tuple[tuple[int, ...], ...], member: bool, first_unit: int) -> list[Observation]:
    quarters = [q[0] * 4 + q[1] - 1 for q in QUARTERS]
    return [
        Observation(first_unit + i, quarter, float(v), float(v), member)
        for i, series in enumerate(values)
        for quarter, v in zip(quarters, series, strict=True)
    ]


START = 2026 * 4


def test_one_member_doctor_is_not_enough() -> None:
    result = evaluate(
        start=START,
        members=_rows(MEMBERS[:1], True, 1),
        reference_doctors=_rows(REFERENCES, False, 10),
        reference_series=[],
        departments=["57"],
        hours_delivered=100.0,
    )
    assert result.indicators == ()
    assert result.reason is not None and "1 médecin(s) membre(s)" in result.reason


def test_one_quarter_before_gives_the_effect_but_no_pretrend_check() -> None:
    members = [o for o in _rows(MEMBERS, True, 1) if o.quarter >= START - 1]
    result = evaluate(
        start=START,
        members=members,
        reference_doctors=_rows(REFERENCES, False, 10),
        reference_series=[],
        departments=["57"],
        hours_delivered=0.0,
    )
    pmt = result.indicators[0]
    assert pmt.did is not None and pmt.pretrend is None
    assert pmt.pretrend_reason is not None and "2 trimestres avant" in pmt.pretrend_reason
    assert not pmt.trusted
    assert pmt.gain is None and pmt.gain_reason is not None


def test_too_few_reference_doctors_fall_back_to_nothing() -> None:
    result = evaluate(
        start=START,
        members=_rows(MEMBERS, True, 1),
        reference_doctors=_rows(REFERENCES[:2], False, 10),
        reference_series=[],
        departments=["57"],
        hours_delivered=100.0,
    )
    assert result.reference is Reference.NONE and result.reason is not None


def test_the_allocation_report_carries_the_evaluation_in_every_format(
    session: Session, case: Case
) -> None:
    import csv
    import io
    import json

    from scheduler.reports import build_report, parse_period, render_csv, render_html, render_json

    _reference_doctors(session)
    contract = case.contract
    period = parse_period("2026-Q2", contract_start=contract.start_date, duration_years=5)
    report = build_report(session, contract, period, today=date(2026, 7, 1))
    document = json.loads(render_json(report))
    evaluation = document["evaluation"]
    assert evaluation["reference"] == "doctors"
    assert evaluation["indicators"][0]["did"]["effect"] == pytest.approx(EFFECT, abs=1e-4)
    assert "CR2" in evaluation["indicators"][0]["did"]["method"]
    rows = list(csv.DictReader(io.StringIO(render_csv(report).decode("utf-8-sig")), delimiter=";"))
    by_indicator = {r["cabinet"]: r for r in rows if r["ligne"] == "evaluation"}
    assert set(by_indicator) == {"pmt", "file_active"}
    assert by_indicator["pmt"]["effet_par_medecin"] == f"{round(EFFECT, 4):.4f}"
    assert by_indicator["pmt"]["reference"] == "doctors"
    assert by_indicator["pmt"]["tendance_prealable"] in {"ok", "echec"}
    html = render_html(report)
    assert "Effet du contrat sur la patientèle" in html
    assert "Étude d’événement — PMT" in charts_in(html)
    assert "Méthode de l’évaluation de l’effet du contrat" in html
    assert "médecins non membres du même département" in html
