"""The cabinet's page shows the figures of the allocation report for that cabinet, and for it
alone: its hours planned and delivered, per week and over the period, its contribution to the
pooled target, the aid and net cost of each contract year and its part of the net cost, each
worded by `scheduler.french`."""

from __future__ import annotations

import html
import re
import warnings
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.pages import views
from api.pages.routes.shared import today_in
from scheduler import french, models, reports
from scheduler.contribution import MemberFigures
from tests.api.factories import World
from tests.api.test_pages import sign_in_as


def _today(world: World) -> date:
    """Today in the groupement's time zone, as the page reads it."""
    return today_in(ZoneInfo(world.groupement.timezone))


def _stage_hours(session: Session, world: World) -> None:
    """Ledger weeks of the first contract for both its cabinets: six weeks over, three to come
    (delivered minutes written at publication but not counted until the week is over), with
    numbers that differ per week and per cabinet so that no figure is right by chance."""
    contract = world.contracts[0]
    today = _today(world)
    monday = today - timedelta(days=_today(world).weekday())
    a, b = world.cabinets
    for offset in range(-6, 3):
        week = monday + timedelta(days=7 * offset)
        if week < contract.start_date:
            continue
        for cabinet, base in ((a, 1200), (b, 800)):
            planned = base + 17 * (offset + 6)
            session.add(
                models.LedgerEntry(
                    contract_id=contract.id,
                    cabinet_id=cabinet.id,
                    assistant_id=world.assistants[0].id,
                    week_start=week,
                    planned_minutes=planned,
                    delivered_minutes=planned - 30 * (offset % 3),
                )
            )
    for doctor, (before, after) in zip(world.doctors, ((400, 463), (900, 951)), strict=True):
        for on, value in ((contract.start_date, before), (today - timedelta(days=3), after)):
            session.add(
                models.PatienteleSnapshot(
                    doctor_id=doctor.id,
                    snapshot_date=on,
                    pmt=value,
                    file_active=value // 2,
                    source="relevé CPAM",
                )
            )
    session.flush()


def _section(page: str, contract: models.PooledContract) -> str:
    found = re.search(rf'<section[^>]*id="figures-{contract.id}">(.*?)</section>', page, re.S)
    assert found is not None, page
    return found.group(1)


def _figure(section: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">(.*?)</(?:dd|td)>', section, re.S)
    assert found is not None, name
    return html.unescape(found.group(1)).strip()


def _member(session: Session, world: World, contract: models.PooledContract) -> MemberFigures:
    user = world.users["cabinet"]
    period = views.contract_year(contract, _today(world))
    report = reports.report_for(session, user, contract.id, period)
    (member,) = report.figures.members
    assert member.cabinet_id == world.cabinets[0].id
    return member


def test_the_cabinet_page_shows_the_reports_hours_for_that_cabinet(
    web: TestClient, world: World, session: Session
) -> None:
    _stage_hours(session, world)
    contract = world.contracts[0]
    member = _member(session, world, contract)
    assert member.planned_minutes > member.delivered_minutes > 0  # weeks to come are planned only
    sign_in_as(web, world.users["cabinet"])
    section = _section(web.get("/cabinet").text, contract)

    assert _figure(section, "planned") == french.duration(member.planned_minutes)
    assert _figure(section, "delivered") == french.duration(member.delivered_minutes)
    assert _figure(section, "contracted") == french.duration(member.contracted_minutes)
    assert _figure(section, "share") == french.screen_percent(member.share_bp / 10000)
    assert _figure(section, "share-of-hours") == french.screen_percent(member.share_of_hours)
    # Each week of the period, as the report has it; the weeks to come show nothing delivered.
    rows = re.findall(
        r'<tr><th scope="row">([^<]*)</th><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>'
        r"<td[^>]*>([^<]*)</td></tr>",
        section,
    )
    shown = [tuple(html.unescape(cell) for cell in row) for row in rows]
    expected = [
        (
            french.long_date(w.week_start),
            french.duration(w.contracted_minutes),
            french.duration(w.planned_minutes),
            views.week_delivered(w),
        )
        for w in member.weeks
    ]
    total = (
        "Total de la période",
        french.duration(member.contracted_minutes),
        french.duration(member.planned_minutes),
        french.duration(member.delivered_minutes),
    )
    assert shown == [*expected, total]
    assert sum(1 for w in member.weeks if w.delivered_minutes is None and w.planned_minutes) == 3


def test_the_cabinet_page_shows_its_contribution_aid_and_net_cost(
    web: TestClient, world: World, session: Session
) -> None:
    _stage_hours(session, world)
    contract = world.contracts[0]
    member = _member(session, world, contract)
    years = reports.report_for(
        session, world.users["cabinet"], contract.id, views.contract_year(contract, _today(world))
    ).figures.aid_years
    assert member.progress.pmt.gain == 63
    sign_in_as(web, world.users["cabinet"])
    section = _section(web.get("/cabinet").text, contract)

    pmt, fa = member.progress.pmt, member.progress.file_active
    assert _figure(section, "gain-pmt") == (
        f"{french.screen_number(pmt.gain)} / {french.screen_number(pmt.target)}"
    )
    assert _figure(section, "gain-fa") == (
        f"{french.screen_number(fa.gain)} / {french.screen_number(fa.target)}"
    )
    assert _figure(section, "share-of-gain") == (
        f"{french.screen_percent(member.share_of_gain_pmt)} / "
        f"{french.screen_percent(member.share_of_gain_fa)}"
    )
    assert years
    for year in years:
        (part,) = year.member_parts  # the report kept this cabinet's part only
        assert part[0] == world.cabinets[0].id
        assert _figure(section, f"aid-{year.year}") == french.euros(year.aid)
        assert _figure(section, f"net-{year.year}") == french.euros(year.net_cost)
        assert _figure(section, f"part-{year.year}") == french.euros(part[1])
        assert Decimal(0) < part[1] < year.net_cost


def test_the_cabinet_page_shows_no_other_members_figures(
    web: TestClient, world: World, session: Session
) -> None:
    # Cabinet b's part of the net cost and its hours are in the full report, never on a's page.
    _stage_hours(session, world)
    contract = world.contracts[0]
    full = reports.report_for(
        session,
        world.users["coordinator"],
        contract.id,
        views.contract_year(contract, _today(world)),
    )
    other = next(m for m in full.figures.members if m.cabinet_id == world.cabinets[1].id)
    own = next(m for m in full.figures.members if m.cabinet_id == world.cabinets[0].id)
    assert french.duration(other.planned_minutes) != french.duration(own.planned_minutes)
    sign_in_as(web, world.users["cabinet"])
    page = web.get("/cabinet").text
    assert world.cabinets[1].name not in page
    for year in full.figures.aid_years:
        parts = dict(year.member_parts)
        assert french.euros(parts[world.cabinets[1].id]) not in html.unescape(page)
    assert f">{french.duration(other.planned_minutes)}<" not in html.unescape(page)


def test_the_cabinet_page_shows_its_part_of_the_aid_and_net_cost_and_the_weeks_they_rest_on(
    web: TestClient, world: World, session: Session
) -> None:
    # Contract c1 from 5 January 2026, 1.00 ETP, 50,000 € a year, split by hours: cabinet A
    # received 600 + 900 = 1500 min in the weeks of 5 and 12 January, B 500 (total 2000), so A
    # bears 75 % of year 1: its part of the 38,000 € aid is 28,500.00 €, of the 12,000 € net cost
    # 9,000.00 €. Year 2 has no week over yet: by the contracted shares, A 60 % of the 28,000 €
    # aid (16,800.00 €) and of the 22,000 € net cost (13,200.00 €). A year is projected until
    # its last day (4 January 2027 for year 1).
    contract = world.contracts[0]
    contract.cost_split = models.CostSplit.BY_HOURS
    a, b = world.cabinets
    for week, cabinet, minutes in (
        (date(2026, 1, 5), a, 600),
        (date(2026, 1, 12), a, 900),
        (date(2026, 1, 12), b, 500),
    ):
        session.add(
            models.LedgerEntry(
                contract_id=contract.id,
                cabinet_id=cabinet.id,
                assistant_id=world.assistants[0].id,
                week_start=week,
                planned_minutes=minutes,
                delivered_minutes=minutes,
            )
        )
    session.flush()
    sign_in_as(web, world.users["cabinet"])
    section = _section(web.get("/cabinet").text, contract)
    today = _today(world)

    assert _figure(section, "aid-1") == french.euros(Decimal("38000"))
    assert _figure(section, "aid-part-1") == french.euros(Decimal("28500"))
    assert _figure(section, "net-1") == french.euros(Decimal("12000"))
    assert _figure(section, "part-1") == french.euros(Decimal("9000"))
    assert _figure(section, "split-1") == (
        "selon les heures reçues des 2 semaines finies du 5 janvier 2026 au 18 janvier 2026"
    )
    assert _figure(section, "aid-part-2") == french.euros(Decimal("16800"))
    assert _figure(section, "part-2") == french.euros(Decimal("13200"))
    assert _figure(section, "split-2") == "selon les parts contractuelles"
    year_1 = "due" if today >= date(2027, 1, 4) else "projetée"
    assert re.sub(r"<[^>]+>", "", _figure(section, "state-1")) == year_1
    assert re.sub(r"<[^>]+>", "", _figure(section, "state-2")) == (
        "due" if today >= date(2028, 1, 4) else "projetée"
    )
