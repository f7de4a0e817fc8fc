"""The whole contract's figures: per doctor, per member and for the group, from `ContractInput`.

The rules are stated in the package's docstring (`scheduler.contribution`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from scheduler.contribution.aid import aid_by_year, mondays_in, share_days
from scheduler.contribution.eligibility import eligibility
from scheduler.contribution.periods import (
    add_years,
    monday_of,
    plan_at,
    ratio,
    suspended_deadline,
    suspension_spells,
    value_at,
)
from scheduler.contribution.projection import Tracked, band_increase, progress
from scheduler.contribution.records import (
    FULL_SHARE_BP,
    ZERO,
    ContractFigures,
    ContractInput,
    DoctorFigures,
    DoctorInput,
    MemberFigures,
    Progress,
    SharePlanInput,
    Snapshot,
    WeekHours,
)

# --- The whole contract --------------------------------------------------------------------------


def _baseline(doctor: DoctorInput, joined: date) -> Snapshot | None:
    """The snapshot at or just before the later of the member's and the doctor's joining."""
    day = joined if doctor.member_from is None else max(joined, doctor.member_from)
    return value_at(doctor.snapshots, day)


def contract_figures(
    contract: ContractInput, period_start: date, as_of: date, *, today: date | None = None
) -> ContractFigures:
    """The contribution figures of `contract` for the period [period_start, as_of], read on
    `today` (None: the period is over)."""
    policy = contract.policy
    read_on = as_of if today is None else min(as_of, today)
    # A week is over once its Sunday is past: on a Sunday, that week is still under way.
    delivered_before = monday_of(as_of) + timedelta(days=7) if today is None else monday_of(today)
    plans = sorted(contract.share_plans, key=lambda p: p.valid_from)
    start = contract.start_date
    spells = suspension_spells(
        contract.absences, contract.assistant_ids, policy.suspension_after_days
    )
    base_deadline = add_years(start, policy.target_years)
    deadline, suspended = suspended_deadline(start, base_deadline, spells)
    current_plan = plan_at(plans, as_of)
    doctors_by_member: dict[int, list[DoctorInput]] = {}
    for doctor in sorted(contract.doctors, key=lambda d: d.id):
        ordered = replace(doctor, snapshots=tuple(sorted(doctor.snapshots, key=lambda s: s.on)))
        doctors_by_member.setdefault(doctor.cabinet_id, []).append(ordered)

    joined = {
        m.cabinet_id: next((p.valid_from for p in plans if p.share_of(m.cabinet_id) > 0), start)
        for m in contract.members
    }
    joined = {k: max(v, start) for k, v in joined.items()}
    tracked_by_member = {
        m.cabinet_id: [
            Tracked(d, _baseline(d, joined[m.cabinet_id]))
            for d in doctors_by_member.get(m.cabinet_id, [])
        ]
        for m in contract.members
    }
    all_tracked = [t for m in contract.members for t in tracked_by_member[m.cabinet_id]]

    # Group target.
    earlier_pmt = earlier_fa = 0
    group_floors: tuple[int | None, int | None] = (None, None)
    if policy.target_mode == "percentile_bands":
        doctor_targets = {
            t.doctor.id: (
                Decimal(t.baseline.pmt) * band_increase(policy, t.baseline.pmt) / 100,
                Decimal(t.baseline.file_active) * band_increase(policy, t.baseline.pmt) / 100,
            )
            for t in all_tracked
            if t.baseline is not None
        }
        group_pmt = sum((v[0] for v in doctor_targets.values()), ZERO)
        group_fa = sum((v[1] for v in doctor_targets.values()), ZERO)
    else:
        doctor_targets = {}
        # Less what the member doctors (those counting on the reading day) had already gained
        # under earlier individual contracts, never below 0.
        counting = [t.doctor for t in all_tracked if t.counts_on(read_on)]
        earlier_pmt = sum(d.earlier_gain_pmt for d in counting)
        earlier_fa = sum(d.earlier_gain_fa for d in counting)
        full_pmt = policy.target_pmt_per_etp * contract.funded_etp
        full_fa = policy.target_fa_per_etp * contract.funded_etp
        group_pmt = max(ZERO, full_pmt - earlier_pmt)
        group_fa = max(ZERO, full_fa - earlier_fa)
        # A target brought to 0 by earlier gains is reached while nothing is lost (a policy's
        # own target of 0 stays without attainment).
        group_floors = (0 if full_pmt > 0 else None, 0 if full_fa > 0 else None)

    kwargs: dict[str, Any] = {"start": start, "as_of": read_on, "policy": policy}

    def group_at(day: date) -> Progress:
        """The group's figures read on `day` (a contract year's last day, for its proration)."""
        return progress(
            all_tracked,
            target_pmt=group_pmt,
            target_fa=group_fa,
            deadline=deadline,
            floors=group_floors,
            start=start,
            as_of=day,
            policy=policy,
        )

    group = group_at(read_on)
    # A member's part of the group target follows the share in force each day: its shares of the
    # days from the start to the reading day, averaged (FULL_SHARE_BP: the whole target).
    elapsed = (read_on - start).days + 1

    # Hours.
    contract_end = add_years(start, contract.duration_years)
    period_weeks = [
        w for w in mondays_in(period_start, as_of) if monday_of(start) <= w < contract_end
    ]
    ledger_by_key: dict[tuple[int, date], tuple[int, int]] = {}
    for row in contract.ledger:
        key = (row.cabinet_id, row.week_start)
        planned, delivered = ledger_by_key.get(key, (0, 0))
        ledger_by_key[key] = (planned + row.planned_minutes, delivered + row.delivered_minutes)
    cumulative = {
        m.cabinet_id: sum(
            row.delivered_minutes
            for row in contract.ledger
            if row.cabinet_id == m.cabinet_id
            and row.week_start <= as_of
            and row.week_start < delivered_before
        )
        for m in contract.members
    }
    total_cumulative = sum(cumulative.values())

    members = []
    for member in sorted(contract.members, key=lambda m: m.code):
        cid = member.cabinet_id
        tracked = tracked_by_member[cid]
        share_bp = current_plan.share_of(cid)
        target_bp = (
            share_days(plans, cid, start, read_on + timedelta(days=1)) / elapsed
            if elapsed > 0
            else Decimal(share_bp)
        )
        if policy.target_mode == "percentile_bands":
            m_pmt = sum((doctor_targets.get(t.doctor.id, (ZERO, ZERO))[0] for t in tracked), ZERO)
            m_fa = sum((doctor_targets.get(t.doctor.id, (ZERO, ZERO))[1] for t in tracked), ZERO)
        else:
            m_pmt = group_pmt * target_bp / FULL_SHARE_BP
            m_fa = group_fa * target_bp / FULL_SHARE_BP
        member_progress = progress(
            tracked, target_pmt=m_pmt, target_fa=m_fa, deadline=deadline, **kwargs
        )
        doctors = []
        for item in tracked:
            newly = (
                item.doctor.installed_on is not None
                and item.doctor.installed_on
                > _months_before(joined[cid], policy.newly_installed_within_months)
            )
            d_deadline = deadline
            floors: tuple[int | None, int | None] = (None, None)
            if newly and item.baseline is not None:
                # P50 is a level: above it already, his target is 0 and reached while he
                # stays at P50 or above (a gain of at least P50 - baseline).
                floors = (
                    policy.newly_installed_pmt - item.baseline.pmt,
                    policy.newly_installed_fa - item.baseline.file_active,
                )
                d_pmt = Decimal(max(0, policy.newly_installed_pmt - item.baseline.pmt))
                d_fa = Decimal(max(0, policy.newly_installed_fa - item.baseline.file_active))
                d_deadline = add_years(joined[cid], policy.newly_installed_years) + timedelta(
                    days=suspended
                )
            elif policy.target_mode == "percentile_bands":
                d_pmt, d_fa = doctor_targets.get(item.doctor.id, (ZERO, ZERO))
            else:
                d_pmt, d_fa = m_pmt / len(tracked), m_fa / len(tracked)
            doctors.append(
                DoctorFigures(
                    doctor_id=item.doctor.id,
                    rpps=item.doctor.rpps,
                    name=item.doctor.name,
                    baseline_date=None if item.baseline is None else item.baseline.on,
                    newly_installed=newly,
                    progress=progress(
                        [item],
                        target_pmt=d_pmt,
                        target_fa=d_fa,
                        deadline=d_deadline,
                        floors=floors,
                        **kwargs,
                    ),
                )
            )
        weeks = []
        for week in period_weeks:
            plan = plan_at(plans, week)
            planned, delivered = ledger_by_key.get((cid, week), (0, 0))
            contracted = contract.weekly_minutes * plan.share_of(cid) // FULL_SHARE_BP
            over = week < delivered_before
            weeks.append(WeekHours(week, contracted, planned, delivered if over else None))
        delivered_cum = Decimal(cumulative[cid])
        hours_cum = delivered_cum / 60
        members.append(
            MemberFigures(
                cabinet_id=cid,
                code=member.code,
                name=member.name,
                joined_on=joined[cid],
                share_bp=share_bp,
                progress=member_progress,
                doctors=tuple(doctors),
                weeks=tuple(weeks),
                contracted_minutes=sum(w.contracted_minutes for w in weeks),
                planned_minutes=sum(w.planned_minutes for w in weeks),
                delivered_minutes=sum(w.delivered_minutes or 0 for w in weeks),
                contracted_elapsed_minutes=sum(w.contracted_minutes for w in weeks if w.elapsed),
                cumulative_delivered_minutes=cumulative[cid],
                share_of_hours=ratio(delivered_cum, Decimal(total_cumulative)),
                share_of_gain_pmt=ratio(Decimal(member_progress.pmt.gain), Decimal(group.pmt.gain))
                if group.pmt.gain > 0
                else None,
                share_of_gain_fa=ratio(
                    Decimal(member_progress.file_active.gain), Decimal(group.file_active.gain)
                )
                if group.file_active.gain > 0
                else None,
                gain_pmt_per_100h=ratio(Decimal(member_progress.pmt.gain) * 100, hours_cum),
                gain_fa_per_100h=ratio(Decimal(member_progress.file_active.gain) * 100, hours_cum),
            )
        )

    return ContractFigures(
        contract_id=contract.id,
        code=contract.code,
        period_start=period_start,
        as_of=as_of,
        base_deadline=base_deadline,
        deadline=deadline,
        suspended_days=suspended,
        suspensions=spells,
        progress=group,
        members=tuple(members),
        aid_years=aid_by_year(
            contract, group, spells, contract.ledger, delivered_before, read_on, group_at
        ),
        contracted_minutes=sum(m.contracted_minutes for m in members),
        planned_minutes=sum(m.planned_minutes for m in members),
        delivered_minutes=sum(m.delivered_minutes for m in members),
        contracted_elapsed_minutes=sum(m.contracted_elapsed_minutes for m in members),
        cumulative_delivered_minutes=total_cumulative,
        delivered_before=delivered_before,
        eligibility=eligibility(
            contract,
            [d for m in contract.members for d in doctors_by_member.get(m.cabinet_id, [])],
            joined,
            read_on,
        )
        if policy.target_mode == "per_etp"
        else None,
        earlier_gain_pmt=earlier_pmt,
        earlier_gain_fa=earlier_fa,
    )


def _months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def member_latest_gains(
    start: date,
    plans: Sequence[SharePlanInput],
    doctors_by_member: Mapping[int, Sequence[DoctorInput]],
) -> dict[int, tuple[int, int, date | None]]:
    """Each member's latest PMT and FA gains since its baseline, and its latest statement date.

    Snapshots must be sorted by date. This is the light path of the national export.
    """
    ordered = sorted(plans, key=lambda p: p.valid_from)
    result: dict[int, tuple[int, int, date | None]] = {}
    for cabinet_id, doctors in doctors_by_member.items():
        joined = next((p.valid_from for p in ordered if p.share_of(cabinet_id) > 0), start)
        joined = max(joined, start)
        g_pmt = g_fa = 0
        latest: date | None = None
        for doctor in doctors:
            baseline = _baseline(doctor, joined)
            if baseline is None:
                continue
            last = doctor.snapshots[-1]
            if doctor.member_to is not None and last.on >= doctor.member_to:
                continue  # he left the contract: he no longer counts
            g_pmt += last.pmt - baseline.pmt
            g_fa += last.file_active - baseline.file_active
            latest = last.on if latest is None else max(latest, last.on)
        result[cabinet_id] = (g_pmt, g_fa, latest)
    return result
