"""Allocation reports (scheduler/reports/): loading, access rules, JSON/CSV/PDF, digest,
reproducibility, periods and the national export; the PDFs stored by content digest (a hit, a
miss, a stale digest after the inputs change, a member's own view, the periods rendered ahead).

The database holds the hand-worked case of test_contribution.py (contract `pool-a`, start
2026-01-05, 1.00 ETP, 35 h a week, Tilleuls 60 % / Parc 40 %, one doctor each), so the figures
checked here are the ones worked out there: for May 2026, group gains 40 PMT and 41 FA, attainment
0.1538 / 0.3727, status at risk, hours 84 h / 56 h contracted, year-3 aid 20,589.74 EUR.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import membership, models
from scheduler.demo import ensure_policies
from scheduler.errors import Forbidden, InvalidPeriod, NotFound
from scheduler.french import euros, number
from scheduler.report_cache import (
    carries_digest,
    contract_year,
    current_periods,
    prerender_contract,
    renderer_fingerprint,
    report_pdf,
    store_pdf,
    stored_pdf,
)
from scheduler.reports import (
    NATIONAL_COLUMNS,
    NationalExport,
    build_report,
    national_export_lines,
    parse_period,
    render_csv,
    render_json,
    render_pdf,
    report_digest,
    report_for,
    status_basis,
    verify_json,
    write_report,
)

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Scenario:
    """The rows a test needs."""

    contract: models.PooledContract
    tilleuls: models.Cabinet
    parc: models.Cabinet
    assistant: models.Assistant
    rota: models.Rota
    users: dict[str, models.User]


def _cabinet(
    session: Session, groupement: models.Groupement, code: str, name: str
) -> models.Cabinet:
    cabinet = models.Cabinet(
        groupement_id=groupement.id,
        code=code,
        name=name,
        address="1 rue de la Gare",
        postcode="54700",
        city="Pont-à-Mousson",
        department="54",
        latitude=Decimal("48.9"),
        longitude=Decimal("6.05"),
    )
    session.add(cabinet)
    session.flush()
    return cabinet


def _user(
    session: Session, groupement: models.Groupement, email: str, role: models.Role, **kw: int
) -> models.User:
    user = models.User(
        groupement_id=groupement.id,
        email=email,
        full_name=email,
        password_hash="x",
        role=role,
        **kw,
    )
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def scenario(session: Session) -> Scenario:
    """The hand-worked case in the database, with a published rota behind the ledger."""
    policy = ensure_policies(session)["collective-2026"]
    groupement = models.Groupement(slug="ge-test", name="GE Santé Test", timezone="Europe/Paris")
    other = models.Groupement(slug="ge-autre", name="GE Autre", timezone="Europe/Paris")
    session.add_all([groupement, other])
    session.flush()
    tilleuls = _cabinet(session, groupement, "tilleuls", "Cabinet des Tilleuls")
    parc = _cabinet(session, groupement, "parc", "Cabinet médical du Parc")
    assistant = models.Assistant(
        groupement_id=groupement.id,
        code="julie",
        first_name="Julie",
        last_name="Martin",
        email=None,
    )
    session.add(assistant)
    session.flush()
    contract = models.PooledContract(
        groupement_id=groupement.id,
        code="pool-a",
        name="Contrat mutualisé des Tilleuls et du Parc",
        kind=models.ContractKind.COLLECTIVE,
        start_date=date(2026, 1, 5),
        funded_etp=Decimal("1.00"),
        target_policy=policy,
        cost_split=models.CostSplit.BY_SHARE,
        annual_employer_cost_eur=Decimal(50000),
        assistants=[models.ContractAssistant(assistant=assistant, weekly_minutes=2100)],
        share_plans=[
            models.SharePlan(
                valid_from=date(2026, 1, 5),
                shares=[
                    models.Share(cabinet=tilleuls, share_bp=6000),
                    models.Share(cabinet=parc, share_bp=4000),
                ],
            )
        ],
    )
    session.add(contract)
    session.flush()
    rows = {
        (tilleuls, "10198864158", "Hélène", "Lambert"): [(1000, 2000), (1030, 2010), (1060, 2020)],
        (parc, "10830776943", "Pierre", "Girard"): [(800, 1200), (790, 1215), (780, 1221)],
    }
    for (cabinet, rpps, first, last), values in rows.items():
        doctor = models.Doctor(
            cabinet=cabinet,
            rpps=rpps,
            first_name=first,
            last_name=last,
            installed_on=date(2010, 1, 1),
        )
        session.add(doctor)
        membership.enrol_new_doctor(session, doctor)
        session.flush()
        for day, (pmt, fa) in zip(
            (date(2026, 1, 5), date(2026, 3, 6), date(2026, 5, 5)), values, strict=True
        ):
            session.add(
                models.PatienteleSnapshot(
                    doctor_id=doctor.id,
                    snapshot_date=day,
                    pmt=pmt,
                    file_active=fa,
                    source="relevé CPAM",
                    recorded_at=datetime(2026, 5, 10, 9, 0, tzinfo=PARIS),
                )
            )
    rota = models.Rota(
        groupement_id=groupement.id,
        period_start=date(2026, 5, 4),
        period_days=28,
        revision=2,
        status=models.RotaStatus.PUBLISHED,
        solver_status="optimal",
    )
    session.add(rota)
    session.flush()
    stamp = datetime(2026, 6, 1, 8, 0, tzinfo=PARIS)
    ledger = [(tilleuls, date(2026, 2, 2), 1260, 1260), (parc, date(2026, 2, 2), 840, 0)]
    for week in (date(2026, 5, 4), date(2026, 5, 11), date(2026, 5, 18), date(2026, 5, 25)):
        ledger.append((tilleuls, week, 1260, 1000 if week.day == 18 else 1260))
        ledger.append((parc, week, 840, 840))
    for cabinet, week, planned, delivered in ledger:
        session.add(
            models.LedgerEntry(
                contract_id=contract.id,
                cabinet_id=cabinet.id,
                assistant_id=assistant.id,
                week_start=week,
                planned_minutes=planned,
                delivered_minutes=delivered,
                rota_id=rota.id if week.month == 5 else None,
                updated_at=stamp,
            )
        )
    users = {
        "coordinator": _user(session, groupement, "coord@test.fr", models.Role.COORDINATOR),
        "tilleuls": _user(
            session, groupement, "tilleuls@test.fr", models.Role.CABINET, cabinet_id=tilleuls.id
        ),
        "auditor": _user(session, groupement, "cpam@test.fr", models.Role.AUDITOR),
        "auditor_other": _user(session, groupement, "cpam2@test.fr", models.Role.AUDITOR),
        "assistant": _user(
            session, groupement, "julie@test.fr", models.Role.ASSISTANT, assistant_id=assistant.id
        ),
        "outsider": _user(session, other, "coord@autre.fr", models.Role.COORDINATOR),
    }
    session.add(models.AuditorGrant(user_id=users["auditor"].id, contract_id=contract.id))
    session.flush()
    return Scenario(contract, tilleuls, parc, assistant, rota, users)


def _flat(text: str) -> str:
    """Text without any kind of space, to compare numbers printed with French spacing."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in "\u202f\u00a0")


def test_parse_period_forms() -> None:
    start = date(2026, 3, 2)
    assert parse_period("2026-11").start == date(2026, 11, 1)
    assert parse_period("2026-11").end == date(2026, 11, 30)
    assert (parse_period("2026-Q4").start, parse_period("2026-Q4").end) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert parse_period("2026-T1").end == date(2026, 3, 31)
    y2 = parse_period("Y2", contract_start=start, duration_years=5)
    assert (y2.start, y2.end) == (date(2027, 3, 2), date(2028, 3, 1))
    assert parse_period("2026-Y").end == date(2026, 12, 31)
    for bad in ("2026-13", "2026-Q5", "novembre", "Y0"):
        with pytest.raises(InvalidPeriod):
            parse_period(bad, contract_start=start, duration_years=5)
    with pytest.raises(InvalidPeriod, match="5 années"):
        parse_period("Y6", contract_start=start, duration_years=5)
    with pytest.raises(InvalidPeriod, match="demande un contrat"):
        parse_period("Y1")


def test_report_json_carries_the_hand_worked_figures(session: Session, scenario: Scenario) -> None:
    body = write_report(session, "pool-a", "2026-05", "json")
    doc = json.loads(body)
    figures = doc["figures"]
    group = figures["progress"]
    # Gains 60 - 20 = 40 PMT and 20 + 21 = 41 FA; targets 260 / 110; attainment 0.1538 / 0.3727.
    assert (group["pmt"]["gain"], group["file_active"]["gain"]) == (40, 41)
    assert (group["pmt"]["target"], group["file_active"]["target"]) == ("260.00", "110.00")
    assert (group["pmt"]["attainment"], group["file_active"]["attainment"]) == ("0.1538", "0.3727")
    assert group["pmt"]["projection"]["value"] == "243.3333" and group["status"] == "at_risk"
    parc, tilleuls = figures["members"]  # sorted by cabinet code
    # Hours of May: Tilleuls 5040 / 5040 / 4780 min, Parc 3360 / 3360 / 3360.
    assert (
        tilleuls["contracted_minutes"],
        tilleuls["planned_minutes"],
        tilleuls["delivered_minutes"],
    ) == (5040, 5040, 4780)
    assert (parc["contracted_minutes"], parc["delivered_minutes"]) == (3360, 3360)
    assert parc["progress"]["pmt"]["gain"] == -20  # the negative gain
    assert tilleuls["share_of_hours"] == "0.6426"  # 6040 / 9400
    # Year 3: 22,000 x 0.935897 = 20,589.74; net 29,410.26 split 17,646.16 / 11,764.10.
    y3 = figures["aid_years"][2]
    assert (y3["aid"], y3["net_cost"]) == ("20589.74", "29410.26")
    assert y3["member_parts"] == [
        [scenario.tilleuls.id, "17646.16"],
        [scenario.parc.id, "11764.10"],
    ]
    assert doc["rota_versions"] == [
        {
            "period_start": "2026-05-04",
            "revision": 2,
            "rota_id": scenario.rota.id,
            "status": "published",
            "published_late": False,
            "late_reason": None,
        }
    ]
    assert doc["settled"] == []  # the quarter of May ends in July, after the report's month
    assert doc["data_as_of"] == "2026-06-01T06:00:00Z"
    assert verify_json(body)
    doc["figures"]["progress"]["pmt"]["gain"] = 41
    assert not verify_json(json.dumps(doc).encode())


def test_report_csv_rows(session: Session, scenario: Scenario) -> None:
    body = write_report(session, scenario.contract.id, "2026-05", "csv")
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    by_kind = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    weeks = [r for r in by_kind if r["ligne"] == "semaine"]
    assert len(weeks) == 8  # 2 members x 4 Mondays of May
    tilleuls = next(r for r in by_kind if r["ligne"] == "membre" and r["cabinet"] == "tilleuls")
    # 5040 min = 84.00 h contracted; 4780 min = 79.67 h delivered; gain 60 PMT / 59.60 per 100 h.
    assert (tilleuls["heures_contractuelles"], tilleuls["heures_realisees"]) == ("84.00", "79.67")
    assert (tilleuls["gain_pmt"], tilleuls["gain_pmt_100h"], tilleuls["statut"]) == (
        "60",
        "59.60",
        "on_track",
    )
    group = next(r for r in by_kind if r["ligne"] == "groupe")
    assert (group["heures_contractuelles"], group["heures_realisees"]) == ("140.00", "135.67")
    assert group["statut"] == "at_risk"
    # The digest line is the SHA-256 of the JSON rendering's content, recomputed here by hand.
    document = json.loads(write_report(session, scenario.contract.id, "2026-05", "json"))
    assert rows[-1][:2] == ["sha256", _sha256_of_content(document)]


def _sha256_of_content(document: dict[str, object]) -> str:
    """SHA-256 of a JSON report's content (without its `sha256`) in canonical JSON: sorted keys,
    no spaces, UTF-8."""
    content = {key: value for key, value in document.items() if key != "sha256"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_report_is_reproducible_and_digest_matches(session: Session, scenario: Scenario) -> None:
    report = build_report(session, scenario.contract, parse_period("2026-05"))
    digest = report_digest(report)
    # Reproducible: a report built again from the database renders to the same bytes.
    again = build_report(session, scenario.contract, parse_period("2026-05"))
    assert again is not report
    for render in (render_json, render_csv, render_pdf):
        assert render(again) == render(report)
    # The digest is the content's, recomputed by hand, and another period's content differs.
    document = json.loads(render_json(report))
    assert document["sha256"] == digest == _sha256_of_content(document)
    june = build_report(session, scenario.contract, parse_period("2026-06"))
    assert report_digest(june) != digest
    reader = PdfReader(io.BytesIO(render_pdf(report)))
    assert reader.metadata is not None
    assert reader.metadata.get("/CreationDate", "").startswith("D:20260601060000")
    text = "".join(page.extract_text() for page in reader.pages)
    assert _flat(digest) in _flat(text)


def test_pdf_text_in_french(session: Session, scenario: Scenario) -> None:
    reader = PdfReader(io.BytesIO(write_report(session, "pool-a", "2026-05", "pdf")))
    text = _flat("".join(page.extract_text() for page in reader.pages))
    for expected in (
        "Rapportd’allocation–Contratmutualisédes",
        "période:mai2026",
        "CabinetdesTilleuls",
        "Cabinetmédicaldu",
        "HélèneLambert",
        "10198864158",
        "àrisque",
        "84h",  # Tilleuls contracted hours
        "−20",  # Parc's negative PMT gain, with a true minus sign
        "20589,74€",  # year-3 aid, proratised by the projected attainment
        "17646,16€",
        "planningn°",
        "révision2",
    ):
        assert _flat(expected) in text, expected


def test_french_number_formatting() -> None:
    assert number(Decimal("1234567.891"), 2) == "1\u202f234\u202f567,89"
    assert number(-20) == "−20"
    assert euros(Decimal("20589.74")) == "20\u202f589,74\u00a0€"


def test_access_rules(session: Session, scenario: Scenario) -> None:
    users, cid = scenario.users, scenario.contract.id
    full = report_for(session, users["coordinator"], cid, "2026-Q2")
    assert [m.code for m in full.figures.members] == ["parc", "tilleuls"]
    audited = report_for(session, users["auditor"], cid, "2026-Q2")
    assert report_digest(audited) == report_digest(full)
    own = report_for(session, users["tilleuls"], cid, "2026-Q2")
    assert [m.code for m in own.figures.members] == ["tilleuls"]
    assert all(len(y.member_parts) == 1 for y in own.figures.aid_years)
    # The group's totals are still there.
    assert own.figures.progress.pmt.gain == 40 and own.visible_to_cabinet == scenario.tilleuls.id
    assert "Cabinet médical du Parc" not in render_json(own).decode()
    with pytest.raises(Forbidden):
        report_for(session, users["assistant"], cid, "2026-Q2")
    # A contract not granted, or another groupement's, is answered as a missing one.
    for name in ("auditor_other", "outsider"):
        with pytest.raises(NotFound):
            report_for(session, users[name], cid, "2026-Q2")
    with pytest.raises(NotFound):
        report_for(session, users["coordinator"], 999_999, "2026-Q2")


def test_absence_from_database_suspends_the_clock(session: Session, scenario: Scenario) -> None:
    # 2 February to 1 June 2026 (Paris midnight to midnight): 119 days > 91, unreplaced.
    session.add(
        models.Absence(
            assistant_id=scenario.assistant.id,
            kind=models.AbsenceKind.SICKNESS,
            start_at=datetime(2026, 2, 2, tzinfo=PARIS),
            end_at=datetime(2026, 6, 1, tzinfo=PARIS),
        )
    )
    session.flush()
    report = build_report(session, scenario.contract, parse_period("2026-05"))
    assert report.figures.suspended_days == 119 and report.figures.deadline == date(2028, 5, 3)


def _national(session: Session, today: date) -> dict[tuple[str, str], list[str]]:
    lines = national_export_lines(session, today=today, chunk=1)
    assert next(lines).rstrip("\n").split(";") == list(NATIONAL_COLUMNS)
    rows = [line.rstrip("\n").split(";") for line in lines]
    return {(r[2], r[3]): r for r in rows if r[0] == "pool-a"}


def test_national_export_writes_every_week_of_the_contract_so_far(
    session: Session, scenario: Scenario
) -> None:
    # As of Wednesday 20 May 2026: from the week of 5 January (the start) to the week of 25 May,
    # the last one a rota was published for: 21 weeks x 2 members, rota or not.
    ours = _national(session, date(2026, 5, 20))
    weeks = sorted({week for _, week in ours})
    assert (weeks[0], weeks[-1], len(weeks)) == ("2026-01-05", "2026-05-25", 21)
    assert len(ours) == 42
    # columns: contract, groupement, cabinet, week, over, contracted, planned, forecast,
    # delivered, PMT gain, FA gain, last statement, published after the fact.
    # Parc, week of 2 February, over: 840 planned, none delivered (absent), no forecast any more.
    assert ours[("parc", "2026-02-02")][4:] == [
        "oui",
        "840",
        "840",
        "",
        "0",
        "-20",
        "21",
        "2026-05-05",
        "non",
    ]
    # A week over without a rota: contracted, nothing planned, nothing delivered.
    assert ours[("tilleuls", "2026-03-02")][4:9] == ["oui", "1260", "0", "", "0"]
    # The week in progress: a forecast (1,000 min net of an absence), not yet delivered.
    assert ours[("tilleuls", "2026-05-18")][4:9] == ["non", "1260", "1260", "1000", ""]
    # A week to come that a rota plans: a forecast too.
    assert ours[("parc", "2026-05-25")][4:9] == ["non", "840", "840", "840", ""]


@pytest.mark.parametrize(
    ("today", "over"),
    [
        (date(2026, 5, 17), "non"),  # the week's Sunday: still in progress
        (date(2026, 5, 18), "oui"),  # the next Monday: over, its minutes delivered
        (date(2026, 5, 19), "oui"),
    ],
)
def test_a_week_is_delivered_only_once_it_is_over(
    session: Session, scenario: Scenario, today: date, over: str
) -> None:
    row = _national(session, today)[("tilleuls", "2026-05-11")]
    forecast, delivered = ("", "1260") if over == "oui" else ("1260", "")
    assert row[4:9] == [over, "1260", "1260", forecast, delivered]


def test_national_export_digest_is_the_sha256_of_its_bytes(
    session: Session, scenario: Scenario
) -> None:
    import hashlib

    export = NationalExport(session, today=date(2026, 5, 20))
    body = b"".join(export)
    assert export.hexdigest() == hashlib.sha256(body).hexdigest()
    assert body.decode("utf-8") == "".join(national_export_lines(session, today=date(2026, 5, 20)))


def test_write_report_rejects_unknown_contract_and_format(
    session: Session, scenario: Scenario
) -> None:
    with pytest.raises(NotFound):
        write_report(session, "pas-un-contrat", "2026-05", "pdf")
    with pytest.raises(InvalidPeriod):
        write_report(session, "pool-a", "2026-05", "docx")


# --- PDFs stored by content digest (scheduler/report_cache.py) -----------------------------------


def _stored(session: Session) -> list[models.RenderedReport]:
    return list(session.scalars(select(models.RenderedReport).order_by(models.RenderedReport.id)))


def test_report_pdf_is_rendered_on_a_miss_then_served_from_the_store(
    session: Session, scenario: Scenario
) -> None:
    report = build_report(session, scenario.contract, parse_period("2026-05"))
    digest = report_digest(report)
    assert stored_pdf(session, digest) is None
    miss = report_pdf(session, report)
    assert (miss.cached, miss.digest) == (False, digest)
    [row] = _stored(session)
    assert (row.contract_id, row.period_label, row.cabinet_id) == (
        scenario.contract.id,
        "2026-05",
        None,
    )
    assert (row.content_digest, row.renderer) == (digest, renderer_fingerprint())
    hit = report_pdf(session, build_report(session, scenario.contract, parse_period("2026-05")))
    assert (hit.cached, hit.digest) == (True, digest)
    # Reproducible: the stored bytes are the ones a fresh rendering gives.
    assert hit.body == miss.body == render_pdf(report)
    assert carries_digest(hit.body, digest)


def test_report_pdf_never_serves_a_stale_digest(session: Session, scenario: Scenario) -> None:
    period = parse_period("2026-05")
    before = report_pdf(session, build_report(session, scenario.contract, period))
    # A delivered-hours correction for Tilleuls changes the report's content, hence its digest.
    entry = session.scalars(
        select(models.LedgerEntry).where(
            models.LedgerEntry.cabinet_id == scenario.tilleuls.id,
            models.LedgerEntry.week_start == date(2026, 5, 18),
        )
    ).one()
    entry.delivered_minutes = 1260
    session.flush()
    report = build_report(session, scenario.contract, period)
    digest = report_digest(report)
    assert digest != before.digest
    assert stored_pdf(session, digest) is None
    after = report_pdf(session, report)
    assert (after.cached, after.digest) == (False, digest)
    assert after.body != before.body and carries_digest(after.body, digest)
    assert not carries_digest(after.body, before.digest)
    # The stale rendering of that contract, period and audience was replaced.
    assert [row.content_digest for row in _stored(session)] == [digest]
    assert stored_pdf(session, before.digest) is None


def test_stored_pdf_refuses_bytes_rendered_for_another_report(
    session: Session, scenario: Scenario
) -> None:
    may = build_report(session, scenario.contract, parse_period("2026-05"))
    june = build_report(session, scenario.contract, parse_period("2026-06"))
    with pytest.raises(ValueError, match="not rendered for"):
        store_pdf(session, may, report_digest(may), render_pdf(june))
    # A row whose bytes do not carry its digest (tampered, or a bug) is ignored, not served.
    stored = report_pdf(session, may)
    [row] = _stored(session)
    row.body = render_pdf(june)
    session.flush()
    assert stored_pdf(session, stored.digest) is None
    assert report_pdf(session, may).body == stored.body


def test_a_member_view_has_its_own_pdf(session: Session, scenario: Scenario) -> None:
    users, cid = scenario.users, scenario.contract.id
    full = report_pdf(session, report_for(session, users["coordinator"], cid, "2026-05"))
    own = report_pdf(session, report_for(session, users["tilleuls"], cid, "2026-05"))
    assert own.digest != full.digest and own.body != full.body
    assert sorted((r.cabinet_id or 0, r.content_digest) for r in _stored(session)) == sorted(
        [(0, full.digest), (scenario.tilleuls.id, own.digest)]
    )
    audited = report_pdf(session, report_for(session, users["auditor"], cid, "2026-05"))
    assert (audited.cached, audited.body) == (True, full.body)


def test_prerender_contract_renders_the_current_periods_once(
    session: Session, scenario: Scenario
) -> None:
    today = date(2026, 5, 20)
    assert current_periods(scenario.contract, today) == ("Y1", "2026-Q2")
    assert prerender_contract(session, scenario.contract, today=today) == ["Y1", "2026-Q2"]
    assert prerender_contract(session, scenario.contract, today=today) == []
    year = parse_period("Y1", contract_start=date(2026, 1, 5), duration_years=5)
    assert report_pdf(session, build_report(session, scenario.contract, year, today=today)).cached


def test_contract_year_is_clamped_to_the_contract() -> None:
    start = date(2026, 3, 2)
    assert contract_year(start, 5, date(2026, 3, 1)) == "Y1"
    assert contract_year(start, 5, date(2027, 3, 1)) == "Y1"
    assert contract_year(start, 5, date(2027, 3, 2)) == "Y2"
    assert contract_year(start, 5, date(2040, 1, 1)) == "Y5"


def test_report_read_mid_period_counts_weeks_over_as_delivered_only(
    session: Session, scenario: Scenario
) -> None:
    # Read on Wednesday 20 May 2026: the weeks of 4 and 11 May are over, those of 18 and 25 May
    # are not. Their ledger rows say 1000/1260 (Tilleuls) and 840 (Parc) "delivered": a forecast.
    report = build_report(
        session, scenario.contract, parse_period("2026-05"), today=date(2026, 5, 20)
    )
    doc = json.loads(render_json(report))
    figures = doc["figures"]
    assert figures["delivered_before"] == "2026-05-18"
    parc, tilleuls = figures["members"]
    assert [w["delivered_minutes"] for w in tilleuls["weeks"]] == [1260, 1260, None, None]
    assert [w["planned_minutes"] for w in tilleuls["weeks"]] == [1260] * 4
    # Tilleuls 2 x 1260 = 2520 min delivered (42 h) against 2520 contracted in the weeks over;
    # the group 2520 + 2 x 840 = 4200 min (70 h); planned stays 5040 + 3360 = 8400 min (140 h).
    assert (tilleuls["delivered_minutes"], tilleuls["contracted_elapsed_minutes"]) == (2520, 2520)
    assert (figures["planned_minutes"], figures["delivered_minutes"]) == (8400, 4200)
    # Share of hours since the start: Tilleuls 1260 (Feb) + 2520 = 3780 of 3780 + 1680 = 5460.
    assert tilleuls["share_of_hours"] == "0.6923"
    rows = list(csv.reader(io.StringIO(render_csv(report).decode("utf-8-sig")), delimiter=";"))
    by_kind = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    weeks = [
        (r["semaine"], r["heures_planifiees"], r["heures_realisees"])
        for r in by_kind
        if r["ligne"] == "semaine" and r["cabinet"] == "tilleuls"
    ]
    assert weeks == [
        ("2026-05-04", "21.00", "21.00"),
        ("2026-05-11", "21.00", "21.00"),
        ("2026-05-18", "21.00", ""),
        ("2026-05-25", "21.00", ""),
    ]
    group = next(r for r in by_kind if r["ligne"] == "groupe")
    assert (group["heures_planifiees"], group["heures_realisees"]) == ("140.00", "70.00")
    text = _flat(
        "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(report))).pages)
    )
    assert _flat("Effectué (semaines terminées)") in text
    assert _flat("commencées avant le 18 mai 2026") in text
    assert _flat("70 h") in text  # the group's delivered hours
    # Read once the month is over, the same report counts every week (the figures of May above).
    later = build_report(
        session, scenario.contract, parse_period("2026-05"), today=date(2026, 6, 1)
    )
    assert later.figures.delivered_minutes == 8140


def test_report_states_what_the_status_is_read_from(session: Session, scenario: Scenario) -> None:
    # The group is at risk at 15.38 % reached: its status comes from the projected 93.59 %.
    report = build_report(session, scenario.contract, parse_period("2026-05"))
    assert status_basis(report.figures.progress) == "projection à l’échéance\u00a0: 93,6\u202f%"
    # Tilleuls is on track with 30.3 % of its FA reached: projected 184.3 %.
    tilleuls = report.figures.members[1]
    assert status_basis(tilleuls.progress) == "projection à l’échéance\u00a0: 184,3\u202f%"
    text = _flat(
        "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(report))).pages)
    )
    assert _flat("projection à l’échéance : 93,6 %") in text
    assert _flat("atteinte à ce jour : 15,4 %") in text
