"""Aid and cost: the aid of each contract year (prorated by attainment), and the split of cents
between members, by contracted share or by hours delivered.

The rules are stated in the package's docstring (`scheduler.contribution`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from scheduler.contribution.periods import add_years, monday_of, overlap_days, round_to
from scheduler.contribution.records import (
    CENT,
    ONE,
    ZERO,
    AidYear,
    ContractInput,
    LedgerWeek,
    PolicyParams,
    Progress,
    SharePlanInput,
)

# --- Hours and money -----------------------------------------------------------------------------


def mondays_in(start: date, end: date) -> list[date]:
    """Mondays in [start, end]."""
    first = monday_of(start)
    if first < start:
        first += timedelta(days=7)
    return [first + timedelta(days=7 * i) for i in range(((end - first).days // 7) + 1)]


def split_cents(
    total: Decimal, weights: Sequence[tuple[int, Decimal]]
) -> tuple[tuple[int, Decimal], ...]:
    """Split `total` (euros) by `weights` into cents that add up exactly (largest remainder)."""
    cents = int((total * 100).to_integral_value(rounding=ROUND_HALF_UP))
    weight_sum = sum((w for _, w in weights), ZERO)
    if weight_sum == 0:
        return tuple((key, ZERO) for key, _ in weights)
    raw = [(key, Decimal(cents) * w / weight_sum) for key, w in weights]
    floors = {key: int(value.to_integral_value(rounding="ROUND_FLOOR")) for key, value in raw}
    left = cents - sum(floors.values())
    order = sorted(raw, key=lambda kv: (-(kv[1] - floors[kv[0]]), kv[0]))
    for key, _ in order[:left]:
        floors[key] += 1
    return tuple((key, (Decimal(floors[key]) / 100).quantize(CENT)) for key, _ in weights)


def _proration(policy: PolicyParams, progress_: Progress) -> tuple[Decimal, str]:
    pmt = progress_.pmt.projected_attainment
    fa = progress_.file_active.projected_attainment
    basis = (
        "reached" if progress_.pmt.projection and progress_.pmt.projection.reached else "projected"
    )
    if policy.proration == "none" or pmt is None or fa is None:
        return ONE, "none"
    attained = min(pmt, fa) if policy.proration == "weaker_indicator" else (pmt + fa) / 2
    return min(ONE, max(ZERO, attained)), basis


def aid_by_year(
    contract: ContractInput,
    group: Progress,
    spells: Sequence[tuple[date, date]],
    ledger: Sequence[LedgerWeek],
    delivered_before: date,
    as_of: date | None = None,
    group_at: Callable[[date], Progress] | None = None,
) -> tuple[AidYear, ...]:
    """Each contract year's aid, net cost and members' parts, read on `as_of` (a year whose last
    day is after it is not over: its aid is projected, `due` False; None: every year is due).

    The proration is assessed again for each contract year: a year that is over, from the
    group's figures on its last day (`group_at`, when given); a year still to come or under way,
    from the figures read on `as_of` (`group`), as a projection.

    The net cost and the aid are split by the same weights: the hours delivered in the weeks of
    the year already over (`split_weeks`) under `cost_split = "by_hours"` once there are any,
    else the contracted shares day by day."""
    policy = contract.policy
    members = [m.cabinet_id for m in contract.members]
    years = []
    for year in range(1, contract.duration_years + 1):
        start = add_years(contract.start_date, year - 1)
        end = add_years(contract.start_date, year)
        days = (end - start).days
        rate = policy.aid_per_etp_eur[min(year, len(policy.aid_per_etp_eur)) - 1]
        base_aid = rate * contract.funded_etp
        suspended = overlap_days(spells, start, end)
        aid = base_aid
        if policy.aid_suspended_pro_rata and suspended:
            aid = aid * Decimal(days - suspended) / days
        due = as_of is None or end <= as_of + timedelta(days=1)
        year_factor, year_basis = ONE, "none"
        if year >= policy.proration_from_year:
            assessed = group_at(end - timedelta(days=1)) if group_at is not None and due else group
            year_factor, year_basis = _proration(policy, assessed)
        aid = round_to(aid * year_factor, 2)
        net = round_to(contract.annual_employer_cost_eur - aid, 2)
        weeks = sorted(
            {
                w.week_start
                for w in ledger
                if start <= w.week_start < end and w.week_start < delivered_before
            }
        )
        hours = {
            m: Decimal(
                sum(
                    w.delivered_minutes
                    for w in ledger
                    if w.cabinet_id == m
                    and start <= w.week_start < end
                    and w.week_start < delivered_before
                )
            )
            for m in members
        }
        split = contract.cost_split
        if split == "by_hours" and sum(hours.values(), ZERO) > 0:
            weights = [(m, hours[m]) for m in members]
        else:
            split = "by_share"
            weights = [(m, share_days(contract.share_plans, m, start, end)) for m in members]
            weeks = []
        years.append(
            AidYear(
                year=year,
                start=start,
                end=end,
                base_aid=round_to(base_aid, 2),
                suspended_days=suspended,
                proration_factor=year_factor,
                proration_basis=year_basis,
                aid=aid,
                employer_cost=round_to(contract.annual_employer_cost_eur, 2),
                net_cost=net,
                split_basis=split,
                member_parts=split_cents(net, weights),
                member_aid=split_cents(aid, weights),
                split_weeks=tuple(weeks),
                due=due,
            )
        )
    return tuple(years)


def share_days(plans: Sequence[SharePlanInput], cabinet_id: int, start: date, end: date) -> Decimal:
    """Sum of share (bp) x days over [start, end), each day under the plan in force."""
    total = 0
    ordered = sorted(plans, key=lambda p: p.valid_from)
    for index, plan in enumerate(ordered):
        plan_start = start if index == 0 else max(start, plan.valid_from)
        plan_end = end if index + 1 == len(ordered) else min(end, ordered[index + 1].valid_from)
        if plan_end > plan_start:
            total += plan.share_of(cabinet_id) * (plan_end - plan_start).days
    return Decimal(total)
