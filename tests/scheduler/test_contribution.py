"""Contribution figures (scheduler/contribution): every figure against a case worked out by hand.

The base case: contract `pool-a`, collective 2026 rule, 1.0 funded ETP, start Monday 5 January
2026, 5 years, employer cost 50,000 EUR a year, split by share; one assistant (id 1) for 35 h
(2,100 min) a week; members A (cabinet 1, 60 %) and B (cabinet 2, 40 %); one doctor each.
Snapshots at t = 0, 60 and 120 days (2026-01-05, 2026-03-06, 2026-05-05):

    doctor 11 (A): PMT 1000, 1030, 1060   FA 2000, 2010, 2020
    doctor 22 (B): PMT  800,  790,  780   FA 1200, 1215, 1221   (a negative PMT gain)

Deadline: 2026-01-05 + 2 years = 2028-01-05, i.e. day T = 730 (365 + 365).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from scheduler.contribution import (
    AbsenceInput,
    ContractInput,
    DoctorInput,
    LedgerWeek,
    MemberInput,
    PolicyParams,
    SharePlanInput,
    Snapshot,
    Status,
    add_years,
    band_increase,
    contract_figures,
    member_latest_gains,
    project,
    round_to,
    split_cents,
    suspension_spells,
)
from scheduler.contribution.aid import aid_by_year
from scheduler.contribution.figures import _months_before
from scheduler.contribution.projection import _status

D = Decimal
START = date(2026, 1, 5)


def _doctor(doctor_id: int, cabinet_id: int, rows: list[tuple[date, int, int]]) -> DoctorInput:
    return DoctorInput(
        id=doctor_id,
        cabinet_id=cabinet_id,
        rpps=f"1000000000{doctor_id % 10}",
        name=f"Dr {doctor_id}",
        installed_on=date(2010, 1, 1),
        snapshots=tuple(Snapshot(on, pmt, fa) for on, pmt, fa in rows),
    )


def _ledger() -> tuple[LedgerWeek, ...]:
    rows = [
        LedgerWeek(1, 1, date(2026, 2, 2), 1260, 1260),
        LedgerWeek(2, 1, date(2026, 2, 2), 840, 0),
    ]
    for week in (date(2026, 5, 4), date(2026, 5, 11), date(2026, 5, 18), date(2026, 5, 25)):
        rows.append(LedgerWeek(1, 1, week, 1260, 1000 if week.day == 18 else 1260))
        rows.append(LedgerWeek(2, 1, week, 840, 840))
    return tuple(rows)


def base_contract() -> ContractInput:
    """The base case of the module docstring."""
    return ContractInput(
        id=1,
        code="pool-a",
        name="Contrat A",
        start_date=START,
        duration_years=5,
        funded_etp=D("1.00"),
        cost_split="by_share",
        annual_employer_cost_eur=D(50000),
        weekly_minutes=2100,
        assistant_ids=(1,),
        members=(MemberInput(1, "a", "Cabinet A"), MemberInput(2, "b", "Cabinet B")),
        share_plans=(SharePlanInput(START, ((1, 6000), (2, 4000))),),
        doctors=(
            _doctor(
                11,
                1,
                [
                    (date(2026, 1, 5), 1000, 2000),
                    (date(2026, 3, 6), 1030, 2010),
                    (date(2026, 5, 5), 1060, 2020),
                ],
            ),
            _doctor(
                22,
                2,
                [
                    (date(2026, 1, 5), 800, 1200),
                    (date(2026, 3, 6), 790, 1215),
                    (date(2026, 5, 5), 780, 1221),
                ],
            ),
        ),
        ledger=_ledger(),
        absences=(),
    )


def test_project_least_squares_by_hand() -> None:
    # Points (0,0) (30,12) (60,18) (90,30): mean t = 45, mean y = 15,
    # Sxx = 45² + 15² + 15² + 45² = 4500, Sxy = 45*15 + 15*3 + 15*3 + 45*15 = 1440,
    # slope = 1440 / 4500 = 0.32, intercept = 15 - 0.32*45 = 0.6, value(730) = 0.6 + 233.6 = 234.2.
    # Fitted 0.6, 10.2, 19.8, 29.4 -> residuals -0.6, 1.8, -1.8, 0.6 -> SSR = 7.2, s² = 7.2/2 = 3.6.
    # 95 % prediction interval of a new gain at day 730 (n - 2 = 2 degrees of freedom):
    # SE = sqrt(3.6) * sqrt(1 + 1/4 + 685²/4500) = 1.8973666 * 10.2724011 = 19.490511;
    # t(0.975, 2) = 4.3026527 -> half-width 83.860898 -> [150.339102, 318.060898].
    projection = project([(0, 0), (30, 12), (60, 18), (90, 30)], 730, D("0.95"))
    assert projection is not None
    assert projection.slope_per_day == D("0.32")
    assert round_to(projection.value, 4) == D("234.2000")
    assert projection.low is not None and projection.high is not None
    assert round_to(projection.low, 4) == D("150.3391")
    assert round_to(projection.high, 4) == D("318.0609")


def test_project_needs_two_points_and_band_needs_three() -> None:
    assert project([(0, 0)], 730, D("0.95")) is None
    two = project([(0, 0), (60, 20)], 730, D("0.95"))
    assert two is not None and two.low is None and round_to(two.value, 4) == D("243.3333")


def test_group_gain_attainment_projection_and_status() -> None:
    figures = contract_figures(base_contract(), date(2026, 5, 1), date(2026, 5, 31))
    group = figures.progress
    assert figures.deadline == date(2028, 1, 5) and figures.suspended_days == 0
    # Baseline: 1000 + 800 = 1800 PMT, 2000 + 1200 = 3200 FA.
    assert (group.pmt.baseline, group.file_active.baseline) == (1800, 3200)
    # Gain at 2026-05-31 (latest snapshot 2026-05-05): PMT 60 - 20 = 40; FA 20 + 21 = 41.
    assert (group.pmt.gain, group.file_active.gain) == (40, 41)
    # Target 260 x 1.00 = 260 PMT, 110 x 1.00 = 110 FA.
    assert (group.pmt.target, group.file_active.target) == (D(260), D(110))
    # Attainment 40/260 = 0.1538, 41/110 = 0.3727; the weaker is PMT.
    assert group.pmt.attainment is not None and group.file_active.attainment is not None
    assert round_to(group.pmt.attainment, 4) == D("0.1538")
    assert round_to(group.file_active.attainment, 4) == D("0.3727")
    assert group.weaker_attainment == group.pmt.attainment
    # PMT series 0, 20, 40 at t = 0, 60, 120: slope 1/3, exact line, value(730) = 243.3333,
    # residuals 0 so the band collapses onto the value.
    pmt = group.pmt.projection
    assert pmt is not None and pmt.points == 3
    assert round_to(pmt.value, 4) == D("243.3333")
    assert pmt.low is not None and round_to(pmt.low, 4) == D("243.3333")
    # FA series 0, 25, 41: mean t 60, mean y 22, Sxx 7200, Sxy 60*22 + 60*19 = 2460,
    # slope 2460/7200 = 0.341667, intercept 22 - 20.5 = 1.5, value(730) = 1.5 + 249.416667 = 250.9167.
    # Residuals -1.5, 3, -1.5 -> SSR 13.5, s² = 13.5/1; prediction SE = sqrt(13.5) *
    # sqrt(1 + 1/3 + 670²/7200) = 3.674235 * 7.980010 = 29.320428; t(0.975, 1) = 12.7062047
    # -> half-width 372.551362 -> [-121.6347, 623.4680] (one degree of freedom: wide).
    fa = group.file_active.projection
    assert fa is not None and fa.low is not None and fa.high is not None
    assert round_to(fa.value, 4) == D("250.9167")
    assert round_to(fa.low, 4) == D("-121.6347")
    assert round_to(fa.high, 4) == D("623.4680")
    # Projected attainment: PMT 243.3333/260 = 0.9359, FA 250.9167/110 = 2.2811; weaker 0.9359,
    # which is >= 0.8 (at_risk_min) and < 1.0 (on_track_min): at risk.
    assert group.weaker_projected_attainment is not None
    assert round_to(group.weaker_projected_attainment, 4) == D("0.9359")
    assert group.status is Status.AT_RISK


def test_members_negative_gain_shares_and_gain_per_hours() -> None:
    figures = contract_figures(base_contract(), date(2026, 5, 1), date(2026, 5, 31))
    a, b = figures.members
    # Member targets are the group's x the contracted share: A 260*0.6 = 156 / 110*0.6 = 66;
    # B 260*0.4 = 104 / 110*0.4 = 44.
    assert (a.progress.pmt.target, a.progress.file_active.target) == (D(156), D(66))
    assert (b.progress.pmt.target, b.progress.file_active.target) == (D(104), D(44))
    # B lost 20 PMT: attainment -20/104 = -0.1923; projected slope -1/6 -> -121.6667 at day 730,
    # i.e. -1.1699 of its target: missed if the trend holds.
    assert b.progress.pmt.gain == -20
    assert b.progress.pmt.attainment is not None
    assert round_to(b.progress.pmt.attainment, 4) == D("-0.1923")
    assert b.progress.pmt.projection is not None
    assert round_to(b.progress.pmt.projection.value, 4) == D("-121.6667")
    assert b.progress.status is Status.MISSED
    # A: PMT slope 0.5 -> 365 at day 730 = 2.3397 of 156; FA 0,10,20 -> 121.6667 = 1.8434 of 66.
    assert a.progress.status is Status.ON_TRACK
    # Share of the group's gain: PMT A 60/40 = 1.5, B -20/40 = -0.5; FA A 20/41 = 0.4878, B 0.5122.
    assert a.share_of_gain_pmt == D("1.5") and b.share_of_gain_pmt == D("-0.5")
    assert a.share_of_gain_fa is not None and b.share_of_gain_fa is not None
    assert round_to(a.share_of_gain_fa, 4) == D("0.4878")
    assert round_to(b.share_of_gain_fa, 4) == D("0.5122")
    # Hours received since the start (weeks up to 31 May): A 1260 (Feb) + 1260*3 + 1000 = 6040 min,
    # B 0 (Feb) + 840*4 = 3360 min; total 9400: A 6040/9400 = 0.6426, B 3360/9400 = 0.3574.
    assert (a.cumulative_delivered_minutes, b.cumulative_delivered_minutes) == (6040, 3360)
    assert a.share_of_hours is not None and b.share_of_hours is not None
    assert round_to(a.share_of_hours, 4) == D("0.6426")
    assert round_to(b.share_of_hours, 4) == D("0.3574")
    # Gain per 100 h: A 60 PMT / 100.6667 h * 100 = 59.60; 20 FA -> 19.87;
    # B -20 / 56 h * 100 = -35.71 PMT; 21 / 56 * 100 = 37.50 FA.
    assert a.gain_pmt_per_100h is not None and a.gain_fa_per_100h is not None
    assert round_to(a.gain_pmt_per_100h, 2) == D("59.60")
    assert round_to(a.gain_fa_per_100h, 2) == D("19.87")
    assert b.gain_pmt_per_100h is not None and b.gain_fa_per_100h is not None
    assert round_to(b.gain_pmt_per_100h, 2) == D("-35.71")
    assert round_to(b.gain_fa_per_100h, 2) == D("37.50")
    # Doctors: the member's target split equally (one doctor each: the whole member target).
    assert a.doctors[0].progress.pmt.target == D(156)
    assert a.doctors[0].baseline_date == date(2026, 1, 5)


def test_hours_contracted_planned_delivered_in_the_period() -> None:
    figures = contract_figures(base_contract(), date(2026, 5, 1), date(2026, 5, 31))
    a, b = figures.members
    # Mondays of May 2026: 4, 11, 18, 25. Contracted per week: A 2100*0.6 = 1260, B 840.
    assert [w.week_start.day for w in a.weeks] == [4, 11, 18, 25]
    assert (a.contracted_minutes, a.planned_minutes, a.delivered_minutes) == (5040, 5040, 4780)
    assert (b.contracted_minutes, b.planned_minutes, b.delivered_minutes) == (3360, 3360, 3360)
    assert figures.contracted_minutes == 8400 and figures.delivered_minutes == 8140


def test_aid_and_net_cost_by_share_while_projected() -> None:
    figures = contract_figures(base_contract(), date(2026, 5, 1), date(2026, 5, 31))
    y1, y2, y3, y4, y5 = figures.aid_years
    # Years 1 and 2 are never proratised: 38,000 and 28,000 x 1.00 ETP.
    assert (y1.aid, y2.aid) == (D("38000.00"), D("28000.00"))
    assert y1.proration_basis == "none"
    # From year 3: 22,000 x min(1, 0.935897) = 20,589.74 (projected weaker attainment).
    assert y3.proration_basis == "projected"
    assert y3.aid == D("20589.74") and y4.aid == y3.aid and y5.aid == y3.aid
    # Net cost Y1 = 50,000 - 38,000 = 12,000: A 60 % = 7,200, B 4,800.
    assert y1.net_cost == D("12000.00")
    assert y1.member_parts == ((1, D("7200.00")), (2, D("4800.00")))
    # Y3 net = 50,000 - 20,589.74 = 29,410.26: A 60 % = 17,646.156 and B 11,764.104 -> cents by
    # largest remainder: A 17,646.16, B 11,764.10 (sum 29,410.26).
    assert y3.net_cost == D("29410.26")
    assert y3.member_parts == ((1, D("17646.16")), (2, D("11764.10")))
    assert (y3.start, y3.end) == (date(2028, 1, 5), date(2029, 1, 5))


def test_year_three_aid_proratised_at_60_percent_after_the_deadline() -> None:
    # Doctor 11 alone: baseline 1000/1000 on 2026-01-05; 1156/1110 on 2027-12-31 (the value at the
    # deadline 2028-01-05); 1200/1200 on 2028-02-01 (after it: not counted for the target).
    # Gain at the deadline: PMT 156/260 = 0.60, FA 110/110 = 1.00 -> weaker 0.60.
    contract = replace(
        base_contract(),
        members=(MemberInput(1, "a", "Cabinet A"),),
        share_plans=(SharePlanInput(START, ((1, 10000),)),),
        doctors=(
            _doctor(
                11,
                1,
                [
                    (date(2026, 1, 5), 1000, 1000),
                    (date(2027, 12, 31), 1156, 1110),
                    (date(2028, 2, 1), 1200, 1200),
                ],
            ),
        ),
        ledger=(),
    )
    figures = contract_figures(contract, date(2028, 2, 1), date(2028, 2, 29))
    group = figures.progress
    assert group.pmt.projection is not None and group.pmt.projection.reached
    assert group.pmt.projected_attainment == D("0.6")
    assert group.file_active.projected_attainment == D(1)
    # Current gain (at 2028-02-29): 200 PMT -> 200/260 = 0.7692; but the deadline is past and the
    # target was missed at the deadline: status missed.
    assert group.pmt.gain == 200 and group.status is Status.MISSED
    y1, y2, y3, y4, y5 = figures.aid_years
    assert (y1.aid, y2.aid) == (D("38000.00"), D("28000.00"))
    # Year 3: 22,000 x 0.60 = 13,200; net 50,000 - 13,200 = 36,800, all to the single member.
    assert y3.proration_factor == D("0.6") and y3.proration_basis == "reached"
    assert y3.aid == D("13200.00") and y5.aid == D("13200.00")
    assert y3.net_cost == D("36800.00") and y3.member_parts == ((1, D("36800.00")),)


def _reassessed_contract() -> ContractInput:
    """Doctor 11 alone, prorated from year 1, deadline 2029-01-05 (3 years): PMT and FA 1000 on
    2026-01-05, 1010 on 2026-07-01, 1020 on 2026-12-31, 1022 on 2027-01-04 (year 1's last day),
    1030 on 2027-01-05 (year 2's first), then 1100 on 2027-06-01."""
    rows = [
        (date(2026, 1, 5), 1000),
        (date(2026, 7, 1), 1010),
        (date(2026, 12, 31), 1020),
        (date(2027, 1, 4), 1022),
        (date(2027, 1, 5), 1030),
    ]
    return replace(
        base_contract(),
        members=(MemberInput(1, "a", "Cabinet A"),),
        share_plans=(SharePlanInput(START, ((1, 10000),)),),
        doctors=(_doctor(11, 1, [(d, v, v) for d, v in [*rows, (date(2027, 6, 1), 1100)]]),),
        ledger=(),
        policy=PolicyParams.from_parameters({"proration_from_year": 1, "target_years": 3}),
    )


def test_proration_is_reassessed_each_contract_year_and_aid_not_due_is_projected() -> None:
    """Read on 2027-06-30, year 1 (over on 2027-01-04) is prorated from the figures of its last
    day, due; year 2, under way, from those of the reading day (the jump of 2027-06-01 raises
    its projection), projected and not due. Before the rule both years had the reading day's."""
    contract = _reassessed_contract()
    at_year_end = contract_figures(contract, date(2027, 1, 4), date(2027, 1, 4))
    later = contract_figures(contract, date(2027, 6, 1), date(2027, 6, 30))
    y1, y2 = later.aid_years[:2]
    assert y1.due and not y2.due
    assert at_year_end.aid_years[0].due  # its last day: due
    assert y1.proration_factor == at_year_end.aid_years[0].proration_factor < 1
    # Read with year 1's last statement, not without it nor with year 2's first.
    for other in (date(2027, 1, 3), date(2027, 1, 5)):
        read = contract_figures(contract, other, other).aid_years
        assert read[1].proration_factor != y1.proration_factor
    assert y2.proration_factor == later.aid_years[2].proration_factor  # the reading day's
    assert y2.proration_factor > y1.proration_factor
    assert y1.proration_basis == y2.proration_basis == "projected"
    # The day before year 1's last day it is not due yet: prorated from that day's figures.
    before = contract_figures(contract, date(2027, 1, 3), date(2027, 1, 3))
    assert not before.aid_years[0].due
    assert before.aid_years[0].proration_factor == before.aid_years[1].proration_factor


def test_a_members_target_follows_the_share_in_force_each_day() -> None:
    """Plans from 2026-01-05 (A 100 %) and 2026-07-06 (A 60 %, C 40 %); group target 260 PMT,
    110 FA (one funded ETP). Read on 2026-10-04, 273 days since the start: A's share is
    (10000 x 182 + 6000 x 91) / 273 = 8666.67 bp, C's 4000 x 91 / 273 = 1333.33 bp, so A's
    target is 260 x 2,366,000 / 2,730,000 = 225.33 PMT and C's 34.67 (summing to the group's).
    On the day before the change A's target is the whole 260; on the day of it, (10000 x 182 +
    6000) / 183 of it; on the start day and before it, the whole of it."""
    contract = replace(
        base_contract(),
        members=(MemberInput(1, "a", "Cabinet A"), MemberInput(3, "c", "Cabinet C")),
        share_plans=(
            SharePlanInput(START, ((1, 10000),)),
            SharePlanInput(date(2026, 7, 6), ((1, 6000), (3, 4000))),
        ),
        doctors=(
            _doctor(11, 1, [(date(2026, 1, 5), 1000, 2000)]),
            _doctor(33, 3, [(date(2026, 7, 1), 900, 1500)]),
        ),
        ledger=(),
    )

    def targets(day: date) -> list[Decimal]:
        figures = contract_figures(contract, START, day)
        return [m.progress.pmt.target for m in figures.members]

    group = contract_figures(contract, START, date(2026, 10, 4)).progress.pmt.target
    a, c = targets(date(2026, 10, 4))
    assert a == group * (D(2366000) / 273) / 10000 and round(a, 2) == D("225.33")
    assert c == group * (D(364000) / 273) / 10000 and round(c, 2) == D("34.67")
    assert round(a + c, 20) == round(group, 20)
    assert targets(date(2026, 7, 5)) == [group, D(0)]
    # On the start day, and read before it, the shares of the first plan.
    assert targets(START) == [group, D(0)]
    assert targets(START - timedelta(days=1)) == [group, D(0)]
    a, c = targets(date(2026, 7, 6))
    assert a == group * (D(10000 * 182 + 6000) / 183) / 10000
    assert c == group * (D(4000) / 183) / 10000


@pytest.mark.parametrize(
    ("proration", "aid"),
    [
        # Mean of the two indicators: (0.6 + 1.0) / 2 = 0.8 -> 22,000 x 0.8 = 17,600.
        ("mean_indicators", D("17600.00")),
        # No proration: 22,000.
        ("none", D("22000.00")),
    ],
)
def test_proration_rule_is_configurable(proration: str, aid: Decimal) -> None:
    contract = replace(
        base_contract(),
        members=(MemberInput(1, "a", "Cabinet A"),),
        share_plans=(SharePlanInput(START, ((1, 10000),)),),
        doctors=(
            _doctor(11, 1, [(date(2026, 1, 5), 1000, 1000), (date(2027, 12, 31), 1156, 1110)]),
        ),
        policy=PolicyParams.from_parameters({"proration": proration}),
    )
    figures = contract_figures(contract, date(2028, 2, 1), date(2028, 2, 29))
    assert figures.aid_years[2].aid == aid


def test_member_joining_mid_year_gets_its_own_baseline_and_share_days() -> None:
    # Plan 1 from 2026-01-05: A 100 %; plan 2 from 2026-07-06: A 60 %, C 40 %.
    # C's doctor 33: 900/1500 on 2026-07-01 (its baseline: at or before the join date 2026-07-06),
    # 950/1530 on 2026-10-01 -> gain 50 PMT, 30 FA since it joined.
    contract = replace(
        base_contract(),
        members=(MemberInput(1, "a", "Cabinet A"), MemberInput(3, "c", "Cabinet C")),
        share_plans=(
            SharePlanInput(START, ((1, 10000),)),
            SharePlanInput(date(2026, 7, 6), ((1, 6000), (3, 4000))),
        ),
        doctors=(
            _doctor(11, 1, [(date(2026, 1, 5), 1000, 2000), (date(2026, 10, 1), 1030, 2010)]),
            _doctor(
                33,
                3,
                [
                    (date(2026, 1, 1), 880, 1490),
                    (date(2026, 7, 1), 900, 1500),
                    (date(2026, 10, 1), 950, 1530),
                ],
            ),
        ),
        ledger=(),
    )
    figures = contract_figures(contract, date(2026, 6, 29), date(2026, 7, 12))
    a, c = figures.members
    assert c.joined_on == date(2026, 7, 6) and c.doctors[0].baseline_date == date(2026, 7, 1)
    # Weeks of 29 June (plan 1: C 0 %) and 6 July (plan 2: C 2100 * 0.4 = 840 min).
    assert [(w.week_start, w.contracted_minutes) for w in c.weeks] == [
        (date(2026, 6, 29), 0),
        (date(2026, 7, 6), 840),
    ]
    assert [w.contracted_minutes for w in a.weeks] == [2100, 1260]
    later = contract_figures(contract, date(2026, 10, 1), date(2026, 10, 31))
    a, c = later.members
    assert (c.progress.pmt.gain, c.progress.file_active.gain) == (50, 30)
    # Group: A 30 + C 50 = 80 PMT; 10 + 30 = 40 FA.
    assert (later.progress.pmt.gain, later.progress.file_active.gain) == (80, 40)
    # Year 1 [2026-01-05, 2027-01-05) = 365 days: plan 1 for 182 days, plan 2 for 183.
    # Weights: A 10000*182 + 6000*183 = 2,918,000; C 4000*183 = 732,000 (sum 3,650,000).
    # Net 12,000: A 9,593.4246..., C 2,406.5753... -> cents 959342.47 / 240657.53: the spare
    # cent goes to C (remainder .53 > .47): A 9,593.42, C 2,406.58.
    y1 = later.aid_years[0]
    assert y1.member_parts == ((1, D("9593.42")), (3, D("2406.58")))
    assert sum(part for _, part in y1.member_parts) == y1.net_cost


def test_absence_over_three_months_suspends_the_clock() -> None:
    # Unreplaced absence 2026-02-02 -> 2026-06-01 = 28 + 31 + 30 + 30 = 119 days > 91: suspended.
    # A replaced absence and a short (60-day) one do not count.
    absences = (
        AbsenceInput(1, date(2026, 2, 2), date(2026, 6, 1), replaced=False),
        AbsenceInput(1, date(2026, 9, 1), date(2026, 12, 31), replaced=True),
        AbsenceInput(1, date(2027, 3, 1), date(2027, 4, 30), replaced=False),
        AbsenceInput(99, date(2026, 1, 1), date(2026, 12, 31), replaced=False),  # another assistant
    )
    contract = replace(base_contract(), absences=absences)
    figures = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31))
    assert figures.suspensions == ((date(2026, 2, 2), date(2026, 6, 1)),)
    # Deadline 2028-01-05 + 119 days = 2028-05-03 (26 days to 31 Jan, +29 Feb, +31 Mar, +30 Apr,
    # +3 May = 119).
    assert figures.suspended_days == 119
    assert (figures.base_deadline, figures.deadline) == (date(2028, 1, 5), date(2028, 5, 3))
    # Year 1 aid is reduced by the suspended share: 38,000 x 246/365 = 25,610.96.
    assert figures.aid_years[0].suspended_days == 119
    assert figures.aid_years[0].aid == D("25610.96")
    # The projection now runs to day 730 + 119 = 849: PMT 849/3 = 283 -> 283/260 = 1.0885.
    pmt = figures.progress.pmt.projection
    assert pmt is not None and round_to(pmt.value, 4) == D("283.0000")
    assert figures.progress.status is Status.ON_TRACK


def test_touching_absences_merge_into_one_spell() -> None:
    # 60 days of sickness then 40 days of leave, back to back: one 100-day spell > 91.
    spells = suspension_spells(
        [
            AbsenceInput(1, date(2026, 3, 1), date(2026, 4, 30), replaced=False),
            AbsenceInput(1, date(2026, 4, 30), date(2026, 6, 9), replaced=False),
        ],
        [1],
        91,
    )
    assert spells == ((date(2026, 3, 1), date(2026, 6, 9)),)


def test_cost_split_by_hours_delivered_in_the_year() -> None:
    # Year 1 hours delivered: A 6040 min, B 3360 (see the ledger). Net 12,000 x 6040/9400 =
    # 7,710.6383 -> A 7,710.64; B 12,000 x 3360/9400 = 4,289.3617 -> 4,289.36 (sum 12,000.00).
    contract = replace(base_contract(), cost_split="by_hours")
    y1, y2, *_ = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31)).aid_years
    assert y1.split_basis == "by_hours"
    assert y1.member_parts == ((1, D("7710.64")), (2, D("4289.36")))
    # Year 2 has no hours delivered yet: split by share (60/40 of 22,000 = 50,000 - 28,000).
    assert y2.split_basis == "by_share"
    assert y2.member_parts == ((1, D("13200.00")), (2, D("8800.00")))


def test_newly_installed_doctor_gets_the_p50_target() -> None:
    # Doctor 11 installed 2025-06-01, less than 12 months before the 2026-01-05 start: its own
    # target is P50 - baseline = 1045 - 1000 = 45 PMT and 1514 - 2000 -> 0 FA, within 3 years.
    doctor = replace(base_contract().doctors[0], installed_on=date(2025, 6, 1))
    contract = replace(base_contract(), doctors=(doctor, base_contract().doctors[1]))
    figures = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31))
    doc = figures.members[0].doctors[0]
    assert doc.newly_installed
    assert (doc.progress.pmt.target, doc.progress.file_active.target) == (D(45), D(0))
    assert doc.progress.deadline == date(2029, 1, 5)


def test_individual_policy_uses_percentile_bands() -> None:
    # Individual rule: doctor 11 PMT 1000 is in P30-P50 (775..1045): +20 % -> 200 PMT, 400 FA;
    # doctor 22 PMT 800: also P30-P50 -> 160 PMT, 240 FA. Group: 360 PMT, 640 FA.
    policy = PolicyParams.from_parameters(
        {"increase_percent_by_band": {"P30-P50": 20, "P50-P70": 15, "P70-P90": 7.5, "P90-P95": 4}}
    )
    contract = replace(base_contract(), policy=policy)
    figures = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31))
    assert (figures.progress.pmt.target, figures.progress.file_active.target) == (D(360), D(640))
    assert figures.members[0].progress.pmt.target == D(200)


def test_split_cents_adds_up() -> None:
    # 100.00 in thirds: 3333.33... cents each; the spare cent goes to the first key on a tie.
    assert split_cents(D(100), [(1, D(1)), (2, D(1)), (3, D(1))]) == (
        (1, D("33.34")),
        (2, D("33.33")),
        (3, D("33.33")),
    )


def test_policy_from_shipped_parameters() -> None:
    params = PolicyParams.from_parameters(
        {
            "target_per_etp": {"pmt": 260, "file_active": 110},
            "aid_per_etp_eur": [38000, 28000, 22000],
            "status": {"on_track_min": 0.95, "at_risk_min": 0.7},
        },
        code="collective-2026",
    )
    assert params.target_mode == "per_etp" and params.on_track_min == D("0.95")
    assert params.aid_per_etp_eur == (D(38000), D(28000), D(22000))


def test_weeks_not_over_count_as_planned_never_as_delivered() -> None:
    # Read on Wednesday 20 May 2026: the weeks of 4 and 11 May are over; the week of 18 May is
    # under way and the week of 25 May to come, so the ledger's delivered minutes for them (a
    # forecast: planned net of the absences recorded so far) are not counted.
    figures = contract_figures(
        base_contract(), date(2026, 5, 1), date(2026, 5, 31), today=date(2026, 5, 20)
    )
    a, b = figures.members
    assert figures.delivered_before == date(2026, 5, 18)
    assert [w.delivered_minutes for w in a.weeks] == [1260, 1260, None, None]
    assert [w.elapsed for w in b.weeks] == [True, True, False, False]
    # Planned and contracted cover the whole period: A 4 x 1260 = 5040; delivered 2 x 1260 = 2520
    # against 2520 contracted in the weeks over; B 2 x 840 = 1680.
    assert (a.contracted_minutes, a.planned_minutes, a.delivered_minutes) == (5040, 5040, 2520)
    assert a.contracted_elapsed_minutes == 2520
    assert (b.planned_minutes, b.delivered_minutes, b.contracted_elapsed_minutes) == (
        3360,
        1680,
        1680,
    )
    assert (figures.planned_minutes, figures.delivered_minutes) == (8400, 4200)
    assert figures.contracted_elapsed_minutes == 4200
    # Since the start: A 1260 (Feb) + 1260 + 1260 = 3780 min (63 h), B 0 + 840 + 840 = 1680;
    # share of hours A 3780 / 5460 = 0.6923, B 0.3077; A's 60 PMT per 100 h: 6000 / 63 = 95.24.
    assert (a.cumulative_delivered_minutes, b.cumulative_delivered_minutes) == (3780, 1680)
    assert a.share_of_hours is not None and round_to(a.share_of_hours, 4) == D("0.6923")
    assert a.gain_pmt_per_100h is not None and round_to(a.gain_pmt_per_100h, 2) == D("95.24")
    # The gains are read on 20 May: the latest statement (5 May) still gives 40 PMT / 41 FA.
    assert (figures.progress.pmt.gain, figures.progress.file_active.gain) == (40, 41)


def test_a_week_is_over_once_its_sunday_is_past() -> None:
    # On Sunday 24 May the week of 18 May is still under way; on Monday 25 May it is over:
    # A delivered 1260 + 1260 + 1000 = 3520 min.
    on_sunday = contract_figures(
        base_contract(), date(2026, 5, 1), date(2026, 5, 31), today=date(2026, 5, 24)
    )
    assert on_sunday.members[0].delivered_minutes == 2520
    on_monday = contract_figures(
        base_contract(), date(2026, 5, 1), date(2026, 5, 31), today=date(2026, 5, 25)
    )
    assert on_monday.delivered_before == date(2026, 5, 25)
    assert [w.delivered_minutes for w in on_monday.members[0].weeks] == [1260, 1260, 1000, None]
    assert on_monday.members[0].delivered_minutes == 3520


def test_cost_split_by_hours_counts_weeks_over_only() -> None:
    # Read on 20 May: year-1 hours over are A 3780, B 1680 (total 5460). Net 12,000 x 3780/5460
    # = 8,307.6923 -> 8,307.69; B 12,000 x 1680/5460 = 3,692.3077 -> 3,692.31 (sum 12,000.00).
    contract = replace(base_contract(), cost_split="by_hours")
    y1 = contract_figures(
        contract, date(2026, 5, 1), date(2026, 5, 31), today=date(2026, 5, 20)
    ).aid_years[0]
    assert y1.split_basis == "by_hours"
    assert y1.member_parts == ((1, D("8307.69")), (2, D("3692.31")))


def test_status_comes_from_the_projection_not_the_attainment_to_date() -> None:
    # Member A (target 156 PMT / 66 FA): 60 PMT and 20 FA gained, i.e. 38.46 % and 30.30 % to
    # date; projected 365 PMT and 121.6667 FA at the deadline, i.e. 234 % and 184.34 %: on track,
    # though less than a third of the target is reached yet (the documented rule).
    a = contract_figures(base_contract(), date(2026, 5, 1), date(2026, 5, 31)).members[0]
    assert a.progress.weaker_attainment is not None
    assert round_to(a.progress.weaker_attainment, 4) == D("0.3030")
    assert a.progress.weaker_projected_attainment is not None
    assert round_to(a.progress.weaker_projected_attainment, 4) == D("1.8434")
    assert a.progress.status is Status.ON_TRACK


def test_deadline_inside_the_period_is_not_past_before_it_comes() -> None:
    # Doctor 11 alone: baseline 1000/1000 on 2026-01-05, 1234/1110 on 2027-12-31 (day 725).
    # Deadline 2028-01-05 (day 730), in the first quarter of 2028.
    contract = replace(
        base_contract(),
        members=(MemberInput(1, "a", "Cabinet A"),),
        share_plans=(SharePlanInput(START, ((1, 10000),)),),
        doctors=(
            _doctor(11, 1, [(date(2026, 1, 5), 1000, 1000), (date(2027, 12, 31), 1234, 1110)]),
        ),
        ledger=(),
    )
    # Read on 3 January 2028, two days before the deadline: the two points give the slopes
    # 234/725 and 110/725 -> PMT 234 x 730/725 = 235.6138 (0.9062 of 260), FA 110.7586 (1.0069):
    # weaker 0.9062, between 0.8 and 1: at risk, projected.
    before = contract_figures(contract, date(2028, 1, 1), date(2028, 3, 31), today=date(2028, 1, 3))
    assert before.progress.pmt.projection is not None
    assert not before.progress.pmt.projection.reached
    assert before.progress.weaker_projected_attainment is not None
    assert round_to(before.progress.weaker_projected_attainment, 4) == D("0.9062")
    assert before.progress.status is Status.AT_RISK
    # Once the deadline is past, the value reached there decides: 234/260 = 0.9 < 1: missed.
    after = contract_figures(contract, date(2028, 1, 1), date(2028, 3, 31), today=date(2028, 2, 1))
    assert after.progress.pmt.projection is not None and after.progress.pmt.projection.reached
    assert after.progress.weaker_projected_attainment == D("0.9")
    assert after.progress.status is Status.MISSED


# --- Limits at, below and above; several doctors per member --------------------------------------


@pytest.mark.parametrize(
    ("weaker", "past", "expected"),
    [
        (D(1), False, Status.ON_TRACK),
        (D("0.9999"), False, Status.AT_RISK),
        (D("0.8"), False, Status.AT_RISK),
        (D("0.7999"), False, Status.MISSED),
        (None, False, Status.UNKNOWN),
        (D(1), True, Status.ON_TRACK),
        (D("0.9999"), True, Status.MISSED),
        (None, True, Status.UNKNOWN),
    ],
)
def test_status_at_below_and_above_its_limits(
    weaker: Decimal | None, past: bool, expected: Status
) -> None:
    """Default policy: on track from 1.0 (`on_track_min`), at risk from 0.8 (`at_risk_min`);
    past the deadline only the value reached counts: 1.0 or more is on track, less is missed."""
    assert _status(weaker, past, PolicyParams()) is expected


@pytest.mark.parametrize(
    ("weaker", "past", "expected"),
    [
        (D("0.95"), False, Status.ON_TRACK),
        (D("0.9499"), False, Status.AT_RISK),
        (D("0.7"), False, Status.AT_RISK),
        (D("0.6999"), False, Status.MISSED),
        # Past the deadline the thresholds do not apply: the target is reached or not.
        (D("0.95"), True, Status.MISSED),
    ],
)
def test_status_follows_the_policy_thresholds(
    weaker: Decimal, past: bool, expected: Status
) -> None:
    policy = PolicyParams.from_parameters({"status": {"on_track_min": 0.95, "at_risk_min": 0.7}})
    assert _status(weaker, past, policy) is expected


def test_policy_defaults_are_the_collective_2026_rule() -> None:
    default = PolicyParams.from_parameters({})
    assert default == PolicyParams()
    assert (default.code, default.version, default.target_mode) == ("collective-2026", 1, "per_etp")
    assert (default.on_track_min, default.at_risk_min) == (D(1), D("0.8"))
    assert (default.target_pmt_per_etp, default.target_fa_per_etp) == (D(260), D(110))
    assert (default.suspension_after_days, default.aid_suspended_pro_rata) == (91, True)
    assert (default.proration, default.proration_from_year) == ("weaker_indicator", 3)


def test_policy_reads_every_parameter() -> None:
    parameters = {
        "target_per_etp": {"pmt": 300, "file_active": 120},
        "target_years": 3,
        "bands_pmt": [700, 1000, 1300, 1800, 2500],
        "increase_percent_by_band": {"P30-P50": 21, "P50-P70": 16, "P70-P90": 8.5, "P90-P95": 5},
        "aid_per_etp_eur": [30000, 20000],
        "proration_from_year": 2,
        "proration": "mean_indicators",
        "suspension_after_days": 60,
        "aid_suspended_pro_rata": False,
        "status": {"on_track_min": 0.9, "at_risk_min": 0.6},
        "projection_level": 0.9,
        "newly_installed_target": {
            "pmt": 1100,
            "file_active": 1600,
            "years": 4,
            "within_months": 6,
        },
    }
    assert PolicyParams.from_parameters(parameters, code="individual", version=2) == PolicyParams(
        code="individual",
        version=2,
        target_mode="percentile_bands",  # implied by the bands' increases
        target_pmt_per_etp=D(300),
        target_fa_per_etp=D(120),
        target_years=3,
        bands_pmt=(700, 1000, 1300, 1800, 2500),
        increase_percent_by_band=(D(21), D(16), D("8.5"), D(5)),
        aid_per_etp_eur=(D(30000), D(20000)),
        proration_from_year=2,
        proration="mean_indicators",
        suspension_after_days=60,
        aid_suspended_pro_rata=False,
        on_track_min=D("0.9"),
        at_risk_min=D("0.6"),
        band_level=D("0.9"),
        newly_installed_pmt=1100,
        newly_installed_fa=1600,
        newly_installed_years=4,
        newly_installed_within_months=6,
    )
    explicit = PolicyParams.from_parameters({**parameters, "target_mode": "per_etp"})
    assert explicit.target_mode == "per_etp"


@pytest.mark.parametrize(
    ("baseline_pmt", "increase"),
    [
        (500, D(20)),  # below P30: the first band's increase
        (774, D(20)),
        (775, D(20)),
        (1044, D(20)),
        (1045, D(15)),
        (1317, D(15)),
        (1318, D("7.5")),
        (1843, D("7.5")),
        (1844, D(4)),
        (9000, D(4)),  # no P95 known: still the last band
    ],
)
def test_band_increase_at_each_band_edge(baseline_pmt: int, increase: Decimal) -> None:
    """Default bands P30 775, P50 1045, P70 1318, P90 1844: 20 %, 15 %, 7.5 % and 4 %."""
    assert band_increase(PolicyParams(), baseline_pmt) == increase


@pytest.mark.parametrize(("baseline_pmt", "increase"), [(2499, D(4)), (2500, D(0)), (3000, D(0))])
def test_band_increase_is_zero_from_p95(baseline_pmt: int, increase: Decimal) -> None:
    policy = replace(PolicyParams(), bands_pmt=(775, 1045, 1318, 1844, 2500))
    assert band_increase(policy, baseline_pmt) == increase


@pytest.mark.parametrize(("days", "suspended"), [(90, False), (91, False), (92, True)])
def test_suspension_starts_after_91_days(days: int, suspended: bool) -> None:
    """An unreplaced absence of exactly 91 days does not suspend the clock; 92 days do."""
    start = date(2026, 3, 2)
    end = start + timedelta(days=days)
    spells = suspension_spells([AbsenceInput(1, start, end, replaced=False)], [1], 91)
    assert spells == (((start, end),) if suspended else ())


def test_absences_a_day_apart_are_two_spells() -> None:
    # 60 days, a day back at work, then 40 days: neither spell exceeds 91 days.
    spells = suspension_spells(
        [
            AbsenceInput(1, date(2026, 3, 1), date(2026, 4, 30), replaced=False),
            AbsenceInput(1, date(2026, 5, 1), date(2026, 6, 10), replaced=False),
        ],
        [1],
        91,
    )
    assert spells == ()


def test_suspended_aid_is_not_reduced_when_the_policy_says_so() -> None:
    # The 119-day spell of `test_absence_over_three_months_suspends_the_clock`, without the
    # aid's pro-rata: year 1 keeps 38,000 though the deadline still moves to 2028-05-03.
    absences = (AbsenceInput(1, date(2026, 2, 2), date(2026, 6, 1), replaced=False),)
    policy = PolicyParams.from_parameters({"aid_suspended_pro_rata": False})
    contract = replace(base_contract(), absences=absences, policy=policy)
    figures = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31))
    assert figures.deadline == date(2028, 5, 3)
    assert figures.aid_years[0].suspended_days == 119
    assert figures.aid_years[0].aid == D("38000.00")


def test_suspension_that_moves_the_deadline_over_a_later_spell() -> None:
    # Spell 1: 2026-02-02 -> 2026-06-01 (119 days) moves the deadline 2028-01-05 to 2028-05-03;
    # spell 2: 2028-02-01 -> 2028-06-01 (121 days) starts after the first deadline but before the
    # moved one, so it counts too: 119 + 121 = 240 days -> 2028-01-05 + 240 = 2028-09-01.
    absences = (
        AbsenceInput(1, date(2026, 2, 2), date(2026, 6, 1), replaced=False),
        AbsenceInput(1, date(2028, 2, 1), date(2028, 6, 1), replaced=False),
    )
    contract = replace(base_contract(), absences=absences)
    figures = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31))
    assert figures.suspended_days == 240
    assert figures.deadline == date(2028, 9, 1)


def _single_member(rows: list[tuple[date, int, int]], **policy: object) -> ContractInput:
    """The base contract with member A alone (100 %) and doctor 11's snapshots `rows`."""
    return replace(
        base_contract(),
        members=(MemberInput(1, "a", "Cabinet A"),),
        share_plans=(SharePlanInput(START, ((1, 10000),)),),
        doctors=(_doctor(11, 1, rows),),
        ledger=(),
        policy=PolicyParams.from_parameters(policy),
    )


@pytest.mark.parametrize(
    ("reached", "proration", "factor", "aid"),
    [
        # PMT 520/260 = 2.0, FA 220/110 = 2.0: the factor is capped at 1, the aid at its base.
        ((1520, 1220), "weaker_indicator", D(1), D("22000.00")),
        # PMT 260/260 = 1.0 exactly, FA 2.0: 1.
        ((1260, 1220), "weaker_indicator", D(1), D("22000.00")),
        # PMT -100/260, FA -10/110: negative attainment floors the factor at 0, no aid.
        ((900, 990), "weaker_indicator", D(0), D("0.00")),
        # Mean of 2.0 and 0.5 = 1.25: capped at 1.
        ((1520, 1055), "mean_indicators", D(1), D("22000.00")),
        # Mean of -0.5 and 0.2 = -0.15: floored at 0.
        ((870, 1022), "mean_indicators", D(0), D("0.00")),
    ],
)
def test_proration_factor_is_between_0_and_1(
    reached: tuple[int, int], proration: str, factor: Decimal, aid: Decimal
) -> None:
    """Doctor 11 alone: baseline 1000/1000 on the start, `reached` on 2027-12-31, read after
    the 2028-01-05 deadline; year 3's base aid is 22,000 x 1.00 ETP."""
    contract = _single_member(
        [(START, 1000, 1000), (date(2027, 12, 31), *reached)], proration=proration
    )
    year3 = contract_figures(contract, date(2028, 2, 1), date(2028, 2, 29)).aid_years[2]
    assert (year3.proration_factor, year3.aid) == (factor, aid)
    assert year3.base_aid == D("22000.00")
    assert year3.net_cost == D(50000) - aid


@pytest.mark.parametrize(
    ("today", "reached"), [(date(2028, 1, 4), False), (date(2028, 1, 5), True)]
)
def test_deadline_day_itself_is_past(today: date, reached: bool) -> None:
    """Read on the deadline (2028-01-05) the value reached decides; the day before, a projection."""
    contract = _single_member([(START, 1000, 1000), (date(2027, 12, 31), 1234, 1110)])
    figures = contract_figures(contract, date(2028, 1, 1), date(2028, 3, 31), today=today)
    projection = figures.progress.pmt.projection
    assert projection is not None and projection.reached is reached
    assert figures.aid_years[2].proration_basis == ("reached" if reached else "projected")


def test_member_target_is_split_between_its_doctors() -> None:
    """Member A has two doctors, B one (the base case plus doctor 33 at A):

        doctor 11 (A): PMT 1000, 1030, 1060   FA 2000, 2010, 2020   (gain 60 / 20)
        doctor 33 (A): PMT  500,  510,  530   FA  900,  900,  930   (gain 30 / 30)
        doctor 22 (B): PMT  800,  790,  780   FA 1200, 1215, 1221   (gain -20 / 21)

    Group target 260 PMT / 110 FA; A's part (60 %) 156 / 66, split equally: 78 / 33 for each of
    its doctors; B's (40 %) 104 / 44 for its only doctor. A's baseline 1500 / 2900 and gain
    90 / 50; the group's gain 70 / 71. Doctor 33's attainment 30/78 = 0.3846 PMT, 30/33 = 0.9091
    FA; doctor 11's 60/78 = 0.7692 PMT, 20/33 = 0.6061 FA.
    """
    third = _doctor(
        33,
        1,
        [(date(2026, 1, 5), 500, 900), (date(2026, 3, 6), 510, 900), (date(2026, 5, 5), 530, 930)],
    )
    contract = replace(base_contract(), doctors=(*base_contract().doctors, third))
    figures = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31))
    a, b = figures.members
    assert (a.progress.pmt.target, a.progress.file_active.target) == (D(156), D(66))
    assert (a.progress.pmt.baseline, a.progress.file_active.baseline) == (1500, 2900)
    assert (a.progress.pmt.gain, a.progress.file_active.gain) == (90, 50)
    assert (figures.progress.pmt.gain, figures.progress.file_active.gain) == (70, 71)
    targets = [
        (d.doctor_id, d.progress.pmt.target, d.progress.file_active.target) for d in a.doctors
    ]
    assert targets == [(11, D(78), D(33)), (33, D(78), D(33))]
    assert [(d.doctor_id, d.progress.pmt.target) for d in b.doctors] == [(22, D(104))]
    eleven, thirty_three = a.doctors
    assert thirty_three.progress.pmt.attainment is not None
    assert round_to(thirty_three.progress.pmt.attainment, 4) == D("0.3846")
    assert thirty_three.progress.file_active.attainment is not None
    assert round_to(thirty_three.progress.file_active.attainment, 4) == D("0.9091")
    assert eleven.progress.pmt.attainment is not None
    assert round_to(eleven.progress.pmt.attainment, 4) == D("0.7692")
    # A's share of the group's gain: 90/70 PMT = 1.2857, 50/71 FA = 0.7042.
    assert a.share_of_gain_pmt is not None and round_to(a.share_of_gain_pmt, 4) == D("1.2857")
    assert a.share_of_gain_fa is not None and round_to(a.share_of_gain_fa, 4) == D("0.7042")


def test_individual_targets_sum_each_doctors_band() -> None:
    """Individual rule, member A with two doctors in different bands:

        doctor 11: PMT 1000 (P30-P50, +20 %) -> 200 PMT, 2000 x 20 % = 400 FA
        doctor 33: PMT 1100 (P50-P70, +15 %) -> 165 PMT,  900 x 15 % = 135 FA
        doctor 22 (B): PMT 800 (P30-P50, +20 %) -> 160 PMT, 1200 x 20 % = 240 FA

    A's target 365 / 535, B's 160 / 240, the group's 525 / 775; each doctor keeps its own.
    """
    third = _doctor(33, 1, [(date(2026, 1, 5), 1100, 900), (date(2026, 5, 5), 1130, 930)])
    policy = PolicyParams.from_parameters(
        {"increase_percent_by_band": {"P30-P50": 20, "P50-P70": 15, "P70-P90": 7.5, "P90-P95": 4}}
    )
    contract = replace(base_contract(), doctors=(*base_contract().doctors, third), policy=policy)
    figures = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31))
    a, b = figures.members
    assert (figures.progress.pmt.target, figures.progress.file_active.target) == (D(525), D(775))
    assert (a.progress.pmt.target, a.progress.file_active.target) == (D(365), D(535))
    assert (b.progress.pmt.target, b.progress.file_active.target) == (D(160), D(240))
    assert [(d.progress.pmt.target, d.progress.file_active.target) for d in a.doctors] == [
        (D(200), D(400)),
        (D(165), D(135)),
    ]


def test_share_plan_dated_before_the_contract_joins_on_the_start() -> None:
    """A plan from 2025-12-01, before the 2026-01-05 start: the members join on the start, so
    doctor 11's baseline is its 2026-01-05 snapshot (1000), not the 2025-12-01 one (950)."""
    early = _doctor(
        11,
        1,
        [
            (date(2025, 12, 1), 950, 1950),
            (date(2026, 1, 5), 1000, 2000),
            (date(2026, 5, 5), 1060, 2020),
        ],
    )
    contract = replace(
        base_contract(),
        share_plans=(SharePlanInput(date(2025, 12, 1), ((1, 6000), (2, 4000))),),
        doctors=(early, base_contract().doctors[1]),
    )
    figures = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31))
    a, b = figures.members
    assert (a.joined_on, b.joined_on) == (START, START)
    assert a.doctors[0].baseline_date == START
    assert (a.progress.pmt.baseline, a.progress.pmt.gain) == (1000, 60)


# --- Every figure's field, helpers at their edges ------------------------------------------------


def test_figures_carry_their_identities_and_totals() -> None:
    figures = contract_figures(base_contract(), date(2026, 5, 1), date(2026, 5, 31))
    assert (figures.contract_id, figures.code) == (1, "pool-a")
    assert (figures.period_start, figures.as_of) == (date(2026, 5, 1), date(2026, 5, 31))
    # Since the start: A 6040 + B 3360 minutes delivered.
    assert figures.cumulative_delivered_minutes == 9400
    a, b = figures.members
    assert (a.cabinet_id, a.code, a.name, a.share_bp) == (1, "a", "Cabinet A", 6000)
    assert (b.cabinet_id, b.code, b.name, b.share_bp) == (2, "b", "Cabinet B", 4000)
    doctor = a.doctors[0]
    assert (doctor.doctor_id, doctor.rpps, doctor.name) == (11, "10000000001", "Dr 11")
    # Current values: A's baseline 1000 + gain 60 = 1060 PMT; the group's 1800 + 40 = 1840.
    assert (a.progress.pmt.current, figures.progress.pmt.current) == (1060, 1840)
    # The series of gains since the baseline, one point per statement date.
    assert figures.progress.series == (
        (date(2026, 1, 5), 0, 0),
        (date(2026, 3, 6), 20, 25),
        (date(2026, 5, 5), 40, 41),
    )
    y1, y2, *_ = figures.aid_years
    assert (y1.year, y2.year) == (1, 2)
    assert (y1.base_aid, y1.employer_cost) == (D("38000.00"), D("50000.00"))
    assert (y1.suspended_days, y2.suspended_days) == (0, 0)
    projection = figures.progress.pmt.projection
    assert projection is not None and projection.reached is False


def test_figures_read_on_the_baseline_day_and_on_a_statement_day() -> None:
    # Read on the start itself: the baselines count, no gain yet, one point in the series.
    at_start = contract_figures(base_contract(), START, START)
    assert (at_start.progress.pmt.baseline, at_start.progress.pmt.gain) == (1800, 0)
    assert at_start.progress.series == ((START, 0, 0),)
    # Read on 2026-03-06, a statement date: that statement is in the series and the gains.
    on_statement = contract_figures(base_contract(), date(2026, 3, 1), date(2026, 3, 6))
    assert on_statement.progress.series[-1] == (date(2026, 3, 6), 20, 25)


def test_aid_and_targets_follow_a_fractional_funded_etp_and_cost() -> None:
    """0.123456 ETP: targets 260 x 0.123456 = 32.09856 PMT, 110 x 0.123456 = 13.58016 FA;
    year 1 base aid 38,000 x 0.123456 = 4,691.328 -> 4,691.33; employer cost 50,000.005 ->
    50,000.01; net 50,000.005 - 4,691.33 = 45,308.675 -> 45,308.68."""
    contract = replace(
        base_contract(), funded_etp=D("0.123456"), annual_employer_cost_eur=D("50000.005")
    )
    figures = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31))
    assert figures.progress.pmt.target == D("32.098560")
    assert figures.progress.file_active.target == D("13.580160")
    y1 = figures.aid_years[0]
    assert (y1.base_aid, y1.aid) == (D("4691.33"), D("4691.33"))
    assert y1.employer_cost == D("50000.01")
    assert y1.net_cost == D("45308.68")


def test_proration_without_a_file_active_target_is_none() -> None:
    # A policy with no FA target: FA attainment is undefined, so no proration (factor 1).
    contract = _single_member(
        [(START, 1000, 1000), (date(2027, 12, 31), 1156, 1110)],
        target_per_etp={"pmt": 260, "file_active": 0},
    )
    year3 = contract_figures(contract, date(2028, 2, 1), date(2028, 2, 29)).aid_years[2]
    assert (year3.proration_factor, year3.proration_basis, year3.aid) == (
        D(1),
        "none",
        D("22000.00"),
    )


def test_member_latest_gains_since_each_members_join() -> None:
    """Members 1 (from the start) and 3 (joins with the 2026-07-06 plan). Member 1: doctor 11
    1000 -> 1060 PMT, 2000 -> 2020 FA; doctor 12 has no statement at or before the start (no
    baseline, left out). Member 3: doctor 33's baseline is its 2026-07-01 statement (900/1500),
    its latest 2026-10-01 (950/1530): +50/+30; doctor 34's 2026-06-01 baseline 700/800, latest
    2026-11-02 720/790: +20/-10. Member 5 has no doctor."""
    plans = [
        SharePlanInput(date(2026, 7, 6), ((1, 6000), (3, 4000))),
        SharePlanInput(START, ((1, 10000),)),
    ]
    doctors = {
        1: [
            _doctor(12, 1, [(date(2026, 2, 1), 500, 500), (date(2026, 5, 5), 600, 600)]),
            _doctor(11, 1, [(START, 1000, 2000), (date(2026, 5, 5), 1060, 2020)]),
        ],
        3: [
            _doctor(34, 3, [(date(2026, 6, 1), 700, 800), (date(2026, 11, 2), 720, 790)]),
            _doctor(33, 3, [(date(2026, 7, 1), 900, 1500), (date(2026, 10, 1), 950, 1530)]),
        ],
        5: [],
    }
    assert member_latest_gains(START, plans, doctors) == {
        1: (60, 20, date(2026, 5, 5)),
        3: (70, 20, date(2026, 11, 2)),
        5: (0, 0, None),
    }


def test_member_latest_gains_of_a_member_joining_before_the_start() -> None:
    # A plan dated before the start: the member joins on the start (baseline 1000, not 950).
    plans = [SharePlanInput(date(2025, 12, 1), ((1, 10000),))]
    doctor = _doctor(
        11, 1, [(date(2025, 12, 1), 950, 1950), (START, 1000, 2000), (date(2026, 3, 6), 1030, 2010)]
    )
    assert member_latest_gains(START, plans, {1: [doctor]}) == {1: (30, 10, date(2026, 3, 6))}


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 15), 12, date(2025, 1, 15)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2026, 5, 31), 1, date(2026, 4, 30)),
    ],
)
def test_months_before_keeps_the_day_or_the_months_last(
    day: date, months: int, expected: date
) -> None:
    assert _months_before(day, months) == expected


def test_add_years_from_29_february() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2026, 1, 5), 2) == date(2028, 1, 5)


def test_round_to_rounds_halves_up() -> None:
    assert round_to(D("2.345"), 2) == D("2.35")
    assert round_to(D("2.5"), 0) == D(3)
    assert round_to(D("-2.345"), 2) == D("-2.35")


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        # No weight at all: nothing to anyone.
        (D(10), [(1, D(0)), (2, D(0))], ((1, D(0)), (2, D(0)))),
        # 3 cents in halves (weights summing to 1): 1.5 each, the spare cent to key 1.
        (D("0.03"), [(1, D("0.5")), (2, D("0.5"))], ((1, D("0.02")), (2, D("0.01")))),
        # 2.5 cents round half up to 3.
        (D("0.025"), [(1, D(1))], ((1, D("0.03")),)),
        # 4 cents as 5:3 -> 2.5 and 1.5: equal remainders, the spare cent to the first key.
        (D("0.04"), [(1, D(5)), (2, D(3))], ((1, D("0.03")), (2, D("0.01")))),
    ],
)
def test_split_cents_edges(
    total: Decimal, weights: list[tuple[int, Decimal]], parts: tuple[tuple[int, Decimal], ...]
) -> None:
    assert split_cents(total, weights) == parts


def test_project_with_unit_spread_and_a_flat_series() -> None:
    # t = 0, 0, 1, 1 (Sxx = 1) and y = 0, 0, 2, 2: slope 2, value at t = 2: 4.
    line = project([(0, 0), (0, 0), (1, 2), (1, 2)], 2, D("0.95"))
    assert line is not None and line.slope_per_day == D(2) and line.value == D(4)
    assert line.reached is False
    # All points on one day: no line.
    assert project([(5, 1), (5, 3)], 10, D("0.95")) is None


def test_deadline_reached_projection_is_the_value_at_the_deadline() -> None:
    contract = _single_member([(START, 1000, 1000), (date(2027, 12, 31), 1156, 1110)])
    figures = contract_figures(contract, date(2028, 2, 1), date(2028, 2, 29))
    projection = figures.progress.pmt.projection
    assert projection is not None
    assert (projection.slope_per_day, projection.points, projection.value) == (D(0), 2, D(156))


def test_doctor_without_baseline_counts_for_nothing() -> None:
    """Doctor 10 (id first) at A has no statement at or before the start: no baseline, no
    target share of its own in the individual rule, no gain; A's figures are doctor 11's."""
    late = _doctor(10, 1, [(date(2026, 2, 1), 500, 500), (date(2026, 5, 5), 600, 600)])
    contract = replace(base_contract(), doctors=(late, *base_contract().doctors))
    figures = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31))
    a = figures.members[0]
    assert (a.progress.pmt.baseline, a.progress.pmt.gain) == (1000, 60)
    assert [(d.doctor_id, d.baseline_date) for d in a.doctors] == [(10, None), (11, START)]
    # Per-ETP rule: A's 156 split between its two doctors, 78 each.
    assert [d.progress.pmt.target for d in a.doctors] == [D(78), D(78)]
    policy = PolicyParams.from_parameters(
        {"increase_percent_by_band": {"P30-P50": 20, "P50-P70": 15, "P70-P90": 7.5, "P90-P95": 4}}
    )
    banded = contract_figures(replace(contract, policy=policy), date(2026, 5, 1), date(2026, 5, 31))
    a = banded.members[0]
    assert a.progress.pmt.target == D(200)
    assert [d.progress.pmt.target for d in a.doctors] == [D(0), D(200)]


def test_member_without_doctor_or_plan() -> None:
    # Member C is in no share plan and has no doctor: it joins on the start and gains nothing.
    contract = replace(
        base_contract(),
        members=(*base_contract().members, MemberInput(3, "c", "Cabinet C")),
    )
    figures = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31))
    c = figures.members[2]
    assert (c.joined_on, c.share_bp, c.doctors) == (START, 0, ())
    assert (c.progress.pmt.gain, c.progress.pmt.target) == (0, D(0))


def test_newly_installed_edges() -> None:
    """Installed exactly 12 months before joining (2025-01-05): not newly installed. Installed
    2025-01-06: newly installed; its baseline 1100 is above P50 (1045), so its PMT target is 0,
    and its FA target 1514 - 2000 -> 0; its 3 years move with a 119-day suspension."""
    base = base_contract()
    on_the_day = replace(base.doctors[0], installed_on=date(2025, 1, 5))
    figures = contract_figures(
        replace(base, doctors=(on_the_day, base.doctors[1])), date(2026, 5, 1), date(2026, 5, 31)
    )
    assert not figures.members[0].doctors[0].newly_installed
    newly = replace(
        base.doctors[0],
        installed_on=date(2025, 1, 6),
        snapshots=(Snapshot(START, 1100, 2000), Snapshot(date(2026, 5, 5), 1110, 2010)),
    )
    absences = (AbsenceInput(1, date(2026, 2, 2), date(2026, 6, 1), replaced=False),)
    figures = contract_figures(
        replace(base, doctors=(newly, base.doctors[1]), absences=absences),
        date(2026, 5, 1),
        date(2026, 5, 31),
    )
    doctor = figures.members[0].doctors[0]
    assert doctor.newly_installed
    assert (doctor.progress.pmt.target, doctor.progress.file_active.target) == (D(0), D(0))
    # 2026-01-05 + 3 years = 2029-01-05, + 119 suspended days = 2029-05-04.
    assert doctor.progress.deadline == date(2029, 5, 4)


def test_hours_edges() -> None:
    """As of Monday 25 May (the period over): the ledger's week of 25 May counts, as do two
    assistants' rows of one week (A's week of 11 May: 1260 + 300); a week with no row has 0
    planned and 0 delivered (A's week of 27 April); a 33.33 % share contracts
    2100 x 3333 // 10000 = 699 minutes a week; 13 Mondays in the second quarter."""
    ledger = (*_ledger(), LedgerWeek(1, 2, date(2026, 5, 11), 300, 300))
    contract = replace(
        base_contract(),
        ledger=ledger,
        share_plans=(SharePlanInput(START, ((1, 6667), (2, 3333))),),
    )
    figures = contract_figures(contract, date(2026, 4, 27), date(2026, 5, 25))
    a, b = figures.members
    assert [(w.week_start.day, w.planned_minutes, w.delivered_minutes) for w in a.weeks] == [
        (27, 0, 0),
        (4, 1260, 1260),
        (11, 1560, 1560),
        (18, 1260, 1000),
        (25, 1260, 1260),
    ]
    assert b.weeks[0].contracted_minutes == 699
    # Since the start: 1260 (Feb) + 1260 + 1560 + 1000 + 1260 = 6340.
    assert a.cumulative_delivered_minutes == 6340
    quarter = contract_figures(contract, date(2026, 4, 1), date(2026, 6, 30))
    assert len(quarter.members[0].weeks) == 13
    from_start = contract_figures(contract, START, date(2026, 1, 31))
    assert from_start.members[0].weeks[0].week_start == START


def test_delivered_hours_of_the_week_after_a_closed_period_are_not_split() -> None:
    """Split by hours, period closed on Sunday 31 May: a ledger row of the week of 1 June is
    after it, so year 1 is split by 6040 : 3360 as before."""
    ledger = (*_ledger(), LedgerWeek(2, 1, date(2026, 6, 1), 840, 5000))
    contract = replace(base_contract(), cost_split="by_hours", ledger=ledger)
    y1 = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31)).aid_years[0]
    assert y1.member_parts == ((1, D("7710.64")), (2, D("4289.36")))


def test_share_days_with_a_first_plan_after_the_start_and_three_plans() -> None:
    """Plans from 2026-03-02 (A 100 %), 2026-07-06 (A 60 %, C 40 %) and 2026-10-05 (A 50 %,
    C 50 %); year 1 is [2026-01-05, 2027-01-05). The first plan covers the days before it too:
    A 10000 x 182 + 6000 x 91 + 5000 x 92 = 2,826,000; C 4000 x 91 + 5000 x 92 = 824,000
    (sum 3,650,000). Net 12,000: A 9,290.9589..., C 2,709.0410... -> 9,290.96 / 2,709.04."""
    contract = replace(
        base_contract(),
        members=(MemberInput(1, "a", "Cabinet A"), MemberInput(3, "c", "Cabinet C")),
        share_plans=(
            SharePlanInput(date(2026, 3, 2), ((1, 10000),)),
            SharePlanInput(date(2026, 7, 6), ((1, 6000), (3, 4000))),
            SharePlanInput(date(2026, 10, 5), ((1, 5000), (3, 5000))),
        ),
        ledger=(),
    )
    figures = contract_figures(contract, date(2026, 1, 5), date(2026, 1, 31))
    assert figures.aid_years[0].member_parts == ((1, D("9290.96")), (3, D("2709.04")))
    # The weeks before the first plan are contracted under it.
    assert figures.members[0].weeks[0].contracted_minutes == 2100


def test_share_of_the_group_gain_needs_a_positive_gain() -> None:
    # Group gains: PMT 0 (A +20, B -20), FA exactly 1 (A +1, B 0).
    doctors = (
        _doctor(11, 1, [(START, 1000, 2000), (date(2026, 5, 5), 1020, 2001)]),
        _doctor(22, 2, [(START, 800, 1200), (date(2026, 5, 5), 780, 1200)]),
    )
    figures = contract_figures(
        replace(base_contract(), doctors=doctors), date(2026, 5, 1), date(2026, 5, 31)
    )
    a, b = figures.members
    assert (a.share_of_gain_pmt, b.share_of_gain_pmt) == (None, None)
    assert (a.share_of_gain_fa, b.share_of_gain_fa) == (D(1), D(0))


def test_share_of_the_group_gain_at_one_and_below_zero() -> None:
    # Group gains: PMT exactly 1 (A +21, B -20), FA -5 (A +1, B -6): PMT shares 21 and -20,
    # no FA share of a loss. Then PMT -10 (A +10, B -20): no PMT share of a loss either.
    doctors = (
        _doctor(11, 1, [(START, 1000, 2000), (date(2026, 5, 5), 1021, 2001)]),
        _doctor(22, 2, [(START, 800, 1200), (date(2026, 5, 5), 780, 1194)]),
    )
    figures = contract_figures(
        replace(base_contract(), doctors=doctors), date(2026, 5, 1), date(2026, 5, 31)
    )
    a, b = figures.members
    assert (a.share_of_gain_pmt, b.share_of_gain_pmt) == (D(21), D(-20))
    assert (a.share_of_gain_fa, b.share_of_gain_fa) == (None, None)
    losing = (_doctor(11, 1, [(START, 1000, 2000), (date(2026, 5, 5), 1010, 2001)]), doctors[1])
    figures = contract_figures(
        replace(base_contract(), doctors=losing), date(2026, 5, 1), date(2026, 5, 31)
    )
    assert figures.progress.pmt.gain == -10
    assert [m.share_of_gain_pmt for m in figures.members] == [None, None]


def test_hours_of_the_first_week_and_a_single_minute_split_by_hours() -> None:
    """Year 1 by hours with B's 840 min delivered in the start's own week (2026-01-05): A 6040,
    B 3360 + 840 = 4200 (sum 10,240). 12,000 x 6040/10240 = 7,078.125 and 4,921.875: half cents
    both, the spare cent to A: 7,078.13 and 4,921.87. With a single minute delivered (B's),
    everything goes to B."""
    by_hours = replace(
        base_contract(),
        cost_split="by_hours",
        ledger=(*_ledger(), LedgerWeek(2, 1, START, 840, 840)),
    )
    y1 = contract_figures(by_hours, date(2026, 5, 1), date(2026, 5, 31)).aid_years[0]
    assert y1.member_parts == ((1, D("7078.13")), (2, D("4921.87")))
    one_minute = replace(by_hours, ledger=(LedgerWeek(2, 1, date(2026, 2, 2), 1, 1),))
    y1 = contract_figures(one_minute, date(2026, 5, 1), date(2026, 5, 31)).aid_years[0]
    assert (y1.split_basis, y1.member_parts) == ("by_hours", ((1, D("0.00")), (2, D("12000.00"))))


def test_contract_starting_on_a_sunday_ends_before_a_monday() -> None:
    """A one-year contract from Sunday 2026-01-04 ends (exclusive) on Monday 2027-01-04: that
    week is neither in the period's weeks nor in year 1's hours. By hours, A's 600 min of the
    week of 2026-01-05 are year 1's only hours: all the net cost to A."""
    contract = replace(
        base_contract(),
        start_date=date(2026, 1, 4),
        duration_years=1,
        cost_split="by_hours",
        share_plans=(SharePlanInput(date(2026, 1, 4), ((1, 6000), (2, 4000))),),
        ledger=(
            LedgerWeek(1, 1, date(2026, 1, 5), 600, 600),
            LedgerWeek(2, 1, date(2027, 1, 4), 600, 600),
        ),
    )
    figures = contract_figures(contract, date(2026, 12, 28), date(2027, 1, 10))
    assert [w.week_start for w in figures.members[0].weeks] == [date(2026, 12, 28)]
    assert figures.aid_years[0].member_parts == ((1, D("12000.00")), (2, D("0.00")))


def test_suspension_counts_only_in_the_years_it_covers() -> None:
    absences = (AbsenceInput(1, date(2026, 2, 2), date(2026, 6, 1), replaced=False),)
    figures = contract_figures(
        replace(base_contract(), absences=absences), date(2026, 5, 1), date(2026, 5, 31)
    )
    assert [y.suspended_days for y in figures.aid_years] == [119, 0, 0, 0, 0]


def test_a_share_of_one_basis_point_makes_a_member() -> None:
    # C's first plan share is 1 bp, from 2026-03-02: it joins then, not at the start.
    plans = (
        SharePlanInput(START, ((1, 10000),)),
        SharePlanInput(date(2026, 3, 2), ((1, 9999), (3, 1))),
    )
    doctor = _doctor(
        33, 3, [(START, 900, 1500), (date(2026, 3, 2), 910, 1510), (date(2026, 5, 5), 950, 1530)]
    )
    contract = replace(
        base_contract(),
        members=(MemberInput(1, "a", "Cabinet A"), MemberInput(3, "c", "Cabinet C")),
        share_plans=plans,
        doctors=(base_contract().doctors[0], doctor),
    )
    figures = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31))
    assert figures.members[1].joined_on == date(2026, 3, 2)
    assert member_latest_gains(START, plans, {3: [doctor]}) == {3: (40, 20, date(2026, 5, 5))}


def test_targets_without_any_doctor_are_decimal_zeros() -> None:
    # Individual rule, no doctor at all: the group's and the members' targets are Decimal 0.
    policy = PolicyParams.from_parameters(
        {"increase_percent_by_band": {"P30-P50": 20, "P50-P70": 15, "P70-P90": 7.5, "P90-P95": 4}}
    )
    contract = replace(base_contract(), doctors=(), policy=policy)
    figures = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31))
    targets = [figures.progress.pmt.target, figures.progress.file_active.target]
    targets += [m.progress.pmt.target for m in figures.members]
    targets += [m.progress.file_active.target for m in figures.members]
    assert all(type(t) is Decimal and t == 0 for t in targets), targets


def test_a_members_part_of_the_aid_follows_its_part_of_the_net_cost_and_its_weeks() -> None:
    # Read on 20 May 2026, split by hours: the weeks over are those before Monday 18 May, with
    # hours on 2 Feb, 4 May and 11 May. A delivered 1260 x 3 = 3780 min, B 0 + 840 + 840 =
    # 1680 (total 5460). Year-1 aid 38,000: A 38,000 x 3780/5460 = 26,307.6923 -> 26,307.69, B
    # 38,000 x 1680/5460 = 11,692.3077 -> 11,692.31 (sum 38,000.00); net cost 12,000: A 8,307.69,
    # B 3,692.31, by the same weights. Year 2 has no week over: by shares 60/40 of 28,000 aid
    # (A 16,800.00, B 11,200.00), resting on no week. Neither year is over: both projected.
    contract = replace(base_contract(), cost_split="by_hours")
    y1, y2, *_ = contract_figures(
        contract, date(2026, 5, 1), date(2026, 5, 31), today=date(2026, 5, 20)
    ).aid_years
    assert y1.member_aid == ((1, D("26307.69")), (2, D("11692.31")))
    assert y1.member_parts == ((1, D("8307.69")), (2, D("3692.31")))
    assert y1.split_weeks == (date(2026, 2, 2), date(2026, 5, 4), date(2026, 5, 11))
    assert y2.split_basis == "by_share" and y2.split_weeks == ()
    assert y2.member_aid == ((1, D("16800.00")), (2, D("11200.00")))
    assert (y1.due, y1.projected, y2.due) == (False, True, False)


@pytest.mark.parametrize(
    ("read_on", "due"),
    [(date(2027, 1, 3), False), (date(2027, 1, 4), True), (date(2027, 1, 5), True)],
    ids=["day-before-the-last", "last-day", "day-after"],
)
def test_a_years_aid_is_due_from_its_last_day_on(read_on: date, due: bool) -> None:
    # Year 1 runs from 5 January 2026 to 4 January 2027 (its last day): before that its aid is
    # projected, not an entitlement.
    y1 = contract_figures(
        base_contract(), date(2026, 12, 1), date(2027, 1, 31), today=read_on
    ).aid_years[0]
    assert (y1.last_day, y1.due, y1.projected) == (date(2027, 1, 4), due, not due)


def test_the_weeks_a_split_by_hours_rests_on_run_from_a_years_first_day_to_its_end() -> None:
    # Year 1 runs from Monday 5 January 2026 to Monday 4 January 2027, year 2's first day. The
    # week of 5 January 2026 is year 1's (its first day counts); that of 4 January 2027 is year
    # 2's (a year ends before its end day).
    contract = replace(base_contract(), cost_split="by_hours")
    group = contract_figures(contract, date(2026, 5, 1), date(2026, 5, 31)).progress
    first, boundary = START, add_years(START, 1)
    ledger = [
        LedgerWeek(cabinet, 1, week, 1260, 1260) for week in (first, boundary) for cabinet in (1, 2)
    ]
    y1, y2, *_ = aid_by_year(contract, group, (), ledger, delivered_before=date(2027, 6, 1))
    assert (y1.split_basis, y1.split_weeks) == ("by_hours", (first,))
    assert (y2.split_basis, y2.split_weeks) == ("by_hours", (boundary,))
