"""Each cabinet's contribution to a pooled contract's patientèle target: pure functions, no DB.

Inputs are plain frozen dataclasses (`ContractInput` and its parts); `contract_figures` returns a
`ContractFigures`. Every rule whose exact reading is uncertain is a `PolicyParams` field read from
the versioned target policy (scheduler/data/policies.json), with the documented default.

Rules and the choices made where the texts are silent:

- Baseline: for each doctor, the snapshot at or just before the contract start, or the member's
  join date (the first share plan naming the cabinet) for a member that joins later. A doctor with
  no such snapshot has no baseline: it is flagged and counts for nothing.
- Gain: value at `as_of` (the latest snapshot at or before it) minus the baseline; can be negative.
- Target (collective): `target_per_etp x funded_etp` for the group, within `target_years` of the
  start. A member's part is indicative: group target x its contracted share at `as_of`, split
  equally between its doctors. A doctor installed less than `newly_installed.within_months` before
  joining gets the P50 target instead (P50 minus baseline, never below 0), within its own years.
  Target (individual, `target_mode = "percentile_bands"`): each doctor's baseline x the increase of
  its PMT band; the member's and the group's targets are the sums.
- Attainment: gain / target per indicator; the weaker is the smaller of the two.
- Projection: ordinary least squares of the gain against days since the start, over the snapshot
  dates since the baseline (the baseline itself is the point at gain 0), evaluated at the deadline.
  Band: fitted value +/- `band_k` x standard error of the fitted line at the deadline,
  `s * sqrt(1/n + (T - mean_t)^2 / Sxx)` with `s` the residual standard error (n - 2 degrees of
  freedom); no band under 3 points, no projection under 2. Once the deadline is past, the
  "projection" is the value reached at the deadline.
- Status (weaker projected attainment p): `on_track` if p >= `on_track_min` (1.0), `at_risk` if
  p >= `at_risk_min` (0.8), else `missed`; past the deadline: `on_track` if reached else `missed`;
  `unknown` without a projection.
- Clock suspension: unreplaced absences of the contract's assistants are merged when they touch;
  a spell longer than `suspension_after_days` (91) suspends the target clock for its whole length,
  and the deadline moves by the suspended days. By default (`aid_suspended_pro_rata`) the aid of a
  contract year is also reduced by the share of its days that were suspended.
- Aid per contract year k: `aid_per_etp[min(k, n) - 1] x funded_etp`, times the proration factor
  from `proration_from_year`: `min(1, max(0, weaker attainment))` at the deadline (reached, or
  projected while the deadline is ahead) for `proration = "weaker_indicator"`, the mean of the
  two indicators for `"mean_indicators"`, 1 for `"none"`.
- Net cost of year k = annual employer cost - aid, split between members by contracted share
  (weighted by the days each share plan covers in that year) or by hours delivered in that year
  (`cost_split`); without any hours delivered in the year, by share. Cents are split by largest
  remainder so the parts add up exactly.
- Reading day (`today`): the figures are read on `min(as_of, today)`, never later: the gains,
  and whether the deadline is past (a report whose period ends after the deadline, read before
  it, still projects). Without `today` the whole period is taken as over (a closed period).
- Hours: a civil week belongs to a period when its Monday is in it. Contracted minutes of a week
  are the contract's weekly minutes x the member's share in the plan in force that Monday (the
  first plan for the weeks before it). Planned minutes come from the hours ledger. The ledger's
  `delivered_minutes` are the planned minutes net of the absences recorded so far, written at
  publication, so for a week still to come they are only a forecast: a week counts as delivered
  once it is over, i.e. its Monday is before `delivered_before`, the Monday of `today`'s week
  (without `today`: every week of the period counts).
  A week not over has no delivered minutes (None), and counts nowhere delivered hours do: the
  totals, the cumulative hours, the share of hours, the gain per 100 h, the split by hours.
  `contracted_elapsed_minutes` are the contracted minutes of the weeks over, to compare with.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
FULL_SHARE_BP = 10_000


# --- Inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyParams:
    """The parameters of a target policy, with the collective 2026 rule as defaults."""

    code: str = "collective-2026"
    version: int = 1
    target_mode: str = "per_etp"  # "per_etp" (collective) or "percentile_bands" (individual)
    target_pmt_per_etp: Decimal = Decimal(260)
    target_fa_per_etp: Decimal = Decimal(110)
    target_years: int = 2
    bands_pmt: tuple[int, ...] = (775, 1045, 1318, 1844)
    increase_percent_by_band: tuple[Decimal, ...] = (
        Decimal(20),
        Decimal(15),
        Decimal("7.5"),
        Decimal(4),
    )
    aid_per_etp_eur: tuple[Decimal, ...] = (Decimal(38000), Decimal(28000), Decimal(22000))
    proration_from_year: int = 3
    proration: str = "weaker_indicator"
    suspension_after_days: int = 91
    aid_suspended_pro_rata: bool = True
    on_track_min: Decimal = Decimal(1)
    at_risk_min: Decimal = Decimal("0.8")
    band_k: Decimal = Decimal(2)
    newly_installed_pmt: int = 1045
    newly_installed_fa: int = 1514
    newly_installed_years: int = 3
    newly_installed_within_months: int = 12

    @classmethod
    def from_parameters(
        cls, parameters: Mapping[str, Any], *, code: str = "", version: int = 1
    ) -> PolicyParams:
        """Read a policy's `parameters` (policies.json); a missing key keeps its default."""
        default = cls()
        target = parameters.get("target_per_etp", {})
        status = parameters.get("status", {})
        newly = parameters.get("newly_installed_target", {})
        band_names = ("P30-P50", "P50-P70", "P70-P90", "P90-P95")
        by_band = parameters.get("increase_percent_by_band")
        mode = parameters.get(
            "target_mode", "percentile_bands" if by_band is not None else "per_etp"
        )
        return cls(
            code=code or default.code,
            version=version,
            target_mode=mode,
            target_pmt_per_etp=Decimal(str(target.get("pmt", default.target_pmt_per_etp))),
            target_fa_per_etp=Decimal(str(target.get("file_active", default.target_fa_per_etp))),
            target_years=int(parameters.get("target_years", default.target_years)),
            bands_pmt=tuple(int(v) for v in parameters.get("bands_pmt", default.bands_pmt)),
            increase_percent_by_band=tuple(Decimal(str(by_band[name])) for name in band_names)
            if by_band is not None
            else default.increase_percent_by_band,
            aid_per_etp_eur=tuple(
                Decimal(str(v)) for v in parameters.get("aid_per_etp_eur", default.aid_per_etp_eur)
            ),
            proration_from_year=int(
                parameters.get("proration_from_year", default.proration_from_year)
            ),
            proration=str(parameters.get("proration", default.proration)),
            suspension_after_days=int(
                parameters.get("suspension_after_days", default.suspension_after_days)
            ),
            aid_suspended_pro_rata=bool(
                parameters.get("aid_suspended_pro_rata", default.aid_suspended_pro_rata)
            ),
            on_track_min=Decimal(str(status.get("on_track_min", default.on_track_min))),
            at_risk_min=Decimal(str(status.get("at_risk_min", default.at_risk_min))),
            band_k=Decimal(str(parameters.get("projection_band_k", default.band_k))),
            newly_installed_pmt=int(newly.get("pmt", default.newly_installed_pmt)),
            newly_installed_fa=int(newly.get("file_active", default.newly_installed_fa)),
            newly_installed_years=int(newly.get("years", default.newly_installed_years)),
            newly_installed_within_months=int(
                newly.get("within_months", default.newly_installed_within_months)
            ),
        )


@dataclass(frozen=True)
class Snapshot:
    """A doctor's PMT and file active on a date."""

    on: date
    pmt: int
    file_active: int


@dataclass(frozen=True)
class DoctorInput:
    """A member's doctor and its snapshots."""

    id: int
    cabinet_id: int
    rpps: str
    name: str
    installed_on: date | None
    snapshots: tuple[Snapshot, ...]


@dataclass(frozen=True)
class MemberInput:
    """A member cabinet of the contract."""

    cabinet_id: int
    code: str
    name: str


@dataclass(frozen=True)
class SharePlanInput:
    """Shares in basis points by cabinet id, from `valid_from` on."""

    valid_from: date
    shares: tuple[tuple[int, int], ...]

    def share_of(self, cabinet_id: int) -> int:
        """The cabinet's share in basis points (0 when absent from the plan)."""
        return dict(self.shares).get(cabinet_id, 0)


@dataclass(frozen=True)
class LedgerWeek:
    """Minutes planned and delivered for one member, assistant and civil week."""

    cabinet_id: int
    assistant_id: int
    week_start: date
    planned_minutes: int
    delivered_minutes: int


@dataclass(frozen=True)
class AbsenceInput:
    """An assistant's absence over the days [start, end)."""

    assistant_id: int
    start: date
    end: date
    replaced: bool


@dataclass(frozen=True)
class ContractInput:
    """Everything the contribution figures of one contract depend on."""

    id: int
    code: str
    name: str
    start_date: date
    duration_years: int
    funded_etp: Decimal
    cost_split: str  # "by_share" or "by_hours"
    annual_employer_cost_eur: Decimal
    weekly_minutes: int
    assistant_ids: tuple[int, ...]
    members: tuple[MemberInput, ...]
    share_plans: tuple[SharePlanInput, ...]
    doctors: tuple[DoctorInput, ...]
    ledger: tuple[LedgerWeek, ...]
    absences: tuple[AbsenceInput, ...]
    policy: PolicyParams = field(default_factory=PolicyParams)


# --- Outputs -------------------------------------------------------------------------------------


class Status(enum.StrEnum):
    """Where a target stands."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    MISSED = "missed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Projection:
    """A least-squares projection of the gain at the deadline, with its band."""

    slope_per_day: Decimal
    points: int
    value: Decimal
    low: Decimal | None
    high: Decimal | None
    reached: bool  # the deadline is past: `value` is the gain at the deadline


@dataclass(frozen=True)
class Indicator:
    """One indicator (PMT or FA): baseline, current value, gain, target and attainment."""

    baseline: int
    current: int
    gain: int
    target: Decimal
    attainment: Decimal | None
    projection: Projection | None
    projected_attainment: Decimal | None


@dataclass(frozen=True)
class Progress:
    """Both indicators, the weaker attainment and the status."""

    pmt: Indicator
    file_active: Indicator
    weaker_attainment: Decimal | None
    weaker_projected_attainment: Decimal | None
    status: Status
    deadline: date
    series: tuple[tuple[date, int, int], ...]  # (date, PMT gain, FA gain) since baseline


@dataclass(frozen=True)
class DoctorFigures:
    """A doctor's contribution."""

    doctor_id: int
    rpps: str
    name: str
    baseline_date: date | None
    newly_installed: bool
    progress: Progress


@dataclass(frozen=True)
class WeekHours:
    """Minutes contracted, planned and delivered for one member and week (delivered: None while
    the week is not over)."""

    week_start: date
    contracted_minutes: int
    planned_minutes: int
    delivered_minutes: int | None

    @property
    def elapsed(self) -> bool:
        """Whether the week is over (its delivered minutes are known)."""
        return self.delivered_minutes is not None


@dataclass(frozen=True)
class MemberFigures:
    """A member cabinet's contribution and hours."""

    cabinet_id: int
    code: str
    name: str
    joined_on: date
    share_bp: int
    progress: Progress
    doctors: tuple[DoctorFigures, ...]
    weeks: tuple[WeekHours, ...]
    contracted_minutes: int
    planned_minutes: int
    delivered_minutes: int  # weeks over only
    contracted_elapsed_minutes: int  # contracted minutes of the weeks over
    cumulative_delivered_minutes: int
    share_of_hours: Decimal | None
    share_of_gain_pmt: Decimal | None
    share_of_gain_fa: Decimal | None
    gain_pmt_per_100h: Decimal | None
    gain_fa_per_100h: Decimal | None


@dataclass(frozen=True)
class AidYear:
    """One contract year: aid, employer cost, net cost and each member's part."""

    year: int
    start: date
    end: date  # exclusive
    base_aid: Decimal
    suspended_days: int
    proration_factor: Decimal
    proration_basis: str  # "none", "projected" or "reached"
    aid: Decimal
    employer_cost: Decimal
    net_cost: Decimal
    split_basis: str  # "by_share" or "by_hours"
    member_parts: tuple[tuple[int, Decimal], ...]

    @property
    def last_day(self) -> date:
        """The year's last day (inclusive)."""
        return self.end - timedelta(days=1)


@dataclass(frozen=True)
class ContractFigures:
    """The contribution figures of one contract for a period ending at `as_of`."""

    contract_id: int
    code: str
    period_start: date
    as_of: date
    base_deadline: date
    deadline: date
    suspended_days: int
    suspensions: tuple[tuple[date, date], ...]
    progress: Progress
    members: tuple[MemberFigures, ...]
    aid_years: tuple[AidYear, ...]
    contracted_minutes: int
    planned_minutes: int
    delivered_minutes: int  # weeks over only
    contracted_elapsed_minutes: int
    cumulative_delivered_minutes: int
    delivered_before: date  # weeks from this Monday on are not over: planned, not delivered


# --- Small helpers -------------------------------------------------------------------------------


def round_to(value: Decimal, places: int) -> Decimal:
    """Round half up to `places` decimals."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def add_years(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def monday_of(day: date) -> date:
    """The Monday of `day`'s civil week."""
    return day - timedelta(days=day.weekday())


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return None if denominator == 0 else numerator / denominator


def _value_at(snapshots: Sequence[Snapshot], day: date) -> Snapshot | None:
    found = None
    for snap in snapshots:  # sorted by date
        if snap.on <= day:
            found = snap
        else:
            break
    return found


def _plan_at(plans: Sequence[SharePlanInput], day: date) -> SharePlanInput:
    current = plans[0]
    for plan in plans:
        if plan.valid_from <= day:
            current = plan
    return current


# --- Suspension ----------------------------------------------------------------------------------


def suspension_spells(
    absences: Iterable[AbsenceInput], assistant_ids: Iterable[int], after_days: int
) -> tuple[tuple[date, date], ...]:
    """Spells [start, end) of unreplaced absence longer than `after_days` (touching ones merged)."""
    wanted = set(assistant_ids)
    spans = sorted(
        (a.start, a.end) for a in absences if a.assistant_id in wanted and not a.replaced
    )
    merged: list[tuple[date, date]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple((s, e) for s, e in merged if (e - s).days > after_days)


def _overlap_days(spells: Iterable[tuple[date, date]], start: date, end: date) -> int:
    return sum(max(0, (min(e, end) - max(s, start)).days) for s, e in spells)


def suspended_deadline(
    start: date, base_deadline: date, spells: Sequence[tuple[date, date]]
) -> tuple[date, int]:
    """The deadline moved by the suspended days that fall before it, and those days."""
    deadline = base_deadline
    while True:  # a move can bring a later spell inside the window: repeat until stable
        days = _overlap_days(spells, start, deadline)
        moved = base_deadline + timedelta(days=days)
        if moved == deadline:
            return deadline, days
        deadline = moved


# --- Projection ----------------------------------------------------------------------------------


def project(points: Sequence[tuple[int, int]], at: int, band_k: Decimal) -> Projection | None:
    """Least-squares line through (day, gain) points, evaluated at day `at`, with its band."""
    n = len(points)
    if n < 2:
        return None
    ts = [Decimal(t) for t, _ in points]
    ys = [Decimal(y) for _, y in points]
    mean_t = sum(ts, ZERO) / n
    mean_y = sum(ys, ZERO) / n
    sxx = sum(((t - mean_t) ** 2 for t in ts), ZERO)
    if sxx == 0:
        return None
    sxy = sum(((t - mean_t) * (y - mean_y) for t, y in zip(ts, ys, strict=True)), ZERO)
    slope = sxy / sxx
    intercept = mean_y - slope * mean_t
    value = intercept + slope * at
    low = high = None
    if n >= 3:
        ssr = sum(((y - intercept - slope * t) ** 2 for t, y in zip(ts, ys, strict=True)), ZERO)
        s = (ssr / (n - 2)).sqrt()
        se = s * (ONE / n + (Decimal(at) - mean_t) ** 2 / sxx).sqrt()
        low, high = value - band_k * se, value + band_k * se
    return Projection(slope, n, value, low, high, reached=False)


# --- Progress ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tracked:
    """A doctor with its baseline snapshot (None: no baseline)."""

    doctor: DoctorInput
    baseline: Snapshot | None


def _gains_at(tracked: Sequence[_Tracked], day: date) -> tuple[int, int, int, int]:
    """(baseline PMT, baseline FA, PMT gain, FA gain) of `tracked` at `day`."""
    b_pmt = b_fa = g_pmt = g_fa = 0
    for item in tracked:
        if item.baseline is None or item.baseline.on > day:
            continue
        now = _value_at(item.doctor.snapshots, day)
        assert now is not None  # the baseline itself is at or before `day`
        b_pmt += item.baseline.pmt
        b_fa += item.baseline.file_active
        g_pmt += now.pmt - item.baseline.pmt
        g_fa += now.file_active - item.baseline.file_active
    return b_pmt, b_fa, g_pmt, g_fa


def _status(weaker_projected: Decimal | None, past: bool, policy: PolicyParams) -> Status:
    if past:
        if weaker_projected is None:
            return Status.UNKNOWN
        return Status.ON_TRACK if weaker_projected >= ONE else Status.MISSED
    if weaker_projected is None:
        return Status.UNKNOWN
    if weaker_projected >= policy.on_track_min:
        return Status.ON_TRACK
    if weaker_projected >= policy.at_risk_min:
        return Status.AT_RISK
    return Status.MISSED


def _min_opt(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else min(a, b)


def progress(
    tracked: Sequence[_Tracked],
    *,
    target_pmt: Decimal,
    target_fa: Decimal,
    start: date,
    deadline: date,
    as_of: date,
    policy: PolicyParams,
) -> Progress:
    """Gains, attainment, projection and status of a set of doctors against a target."""
    dates = sorted(
        {
            snap.on
            for item in tracked
            if item.baseline is not None
            for snap in item.doctor.snapshots
            if item.baseline.on <= snap.on <= as_of
        }
    )
    series = tuple((d, *_gains_at(tracked, d)[2:]) for d in dates)
    b_pmt, b_fa, g_pmt, g_fa = _gains_at(tracked, as_of)
    past = as_of >= deadline
    at = (deadline - start).days
    indicators = []
    for index, (baseline, gain, target) in enumerate(
        ((b_pmt, g_pmt, target_pmt), (b_fa, g_fa, target_fa))
    ):
        projection: Projection | None
        if past:
            reached_gain = _gains_at(tracked, deadline)[2 + index]
            projection = Projection(ZERO, len(series), Decimal(reached_gain), None, None, True)
        else:
            points = [((d - start).days, (p, f)[index]) for d, p, f in series]
            projection = project(points, at, policy.band_k)
        indicators.append(
            Indicator(
                baseline=baseline,
                current=baseline + gain,
                gain=gain,
                target=target,
                attainment=_ratio(Decimal(gain), target),
                projection=projection,
                projected_attainment=None
                if projection is None
                else _ratio(projection.value, target),
            )
        )
    pmt, fa = indicators
    weaker = _min_opt(pmt.attainment, fa.attainment)
    weaker_projected = _min_opt(pmt.projected_attainment, fa.projected_attainment)
    return Progress(
        pmt=pmt,
        file_active=fa,
        weaker_attainment=weaker,
        weaker_projected_attainment=weaker_projected,
        status=_status(weaker_projected, past, policy),
        deadline=deadline,
        series=series,
    )


def band_increase(policy: PolicyParams, baseline_pmt: int) -> Decimal:
    """The individual target's increase in percent for a baseline PMT (0 from P95 when known)."""
    bands = policy.bands_pmt
    increases = policy.increase_percent_by_band
    if len(bands) >= 5 and baseline_pmt >= bands[4]:
        return ZERO  # above P95: "maintien"
    for index in range(len(increases) - 1, -1, -1):
        if baseline_pmt >= bands[index]:
            return increases[index]
    return increases[0]


# --- Hours and money -----------------------------------------------------------------------------


def _weeks(start: date, end: date) -> list[date]:
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


def _aid_years(
    contract: ContractInput,
    group: Progress,
    spells: Sequence[tuple[date, date]],
    ledger: Sequence[LedgerWeek],
    delivered_before: date,
) -> tuple[AidYear, ...]:
    policy = contract.policy
    factor, basis = _proration(policy, group)
    members = [m.cabinet_id for m in contract.members]
    years = []
    for year in range(1, contract.duration_years + 1):
        start = add_years(contract.start_date, year - 1)
        end = add_years(contract.start_date, year)
        days = (end - start).days
        rate = policy.aid_per_etp_eur[min(year, len(policy.aid_per_etp_eur)) - 1]
        base_aid = rate * contract.funded_etp
        suspended = _overlap_days(spells, start, end)
        aid = base_aid
        if policy.aid_suspended_pro_rata and suspended:
            aid = aid * Decimal(days - suspended) / days
        year_factor, year_basis = (
            (factor, basis) if year >= policy.proration_from_year else (ONE, "none")
        )
        aid = round_to(aid * year_factor, 2)
        net = round_to(contract.annual_employer_cost_eur - aid, 2)
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
            weights = [(m, _share_days(contract.share_plans, m, start, end)) for m in members]
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
            )
        )
    return tuple(years)


def _share_days(
    plans: Sequence[SharePlanInput], cabinet_id: int, start: date, end: date
) -> Decimal:
    """Sum of share (bp) x days over [start, end), each day under the plan in force."""
    total = 0
    ordered = sorted(plans, key=lambda p: p.valid_from)
    for index, plan in enumerate(ordered):
        plan_start = start if index == 0 else max(start, plan.valid_from)
        plan_end = end if index + 1 == len(ordered) else min(end, ordered[index + 1].valid_from)
        if plan_end > plan_start:
            total += plan.share_of(cabinet_id) * (plan_end - plan_start).days
    return Decimal(total)


# --- The whole contract --------------------------------------------------------------------------


def _baseline(doctor: DoctorInput, day: date) -> Snapshot | None:
    return _value_at(doctor.snapshots, day)


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
    current_plan = _plan_at(plans, as_of)
    doctors_by_member: dict[int, list[DoctorInput]] = {}
    for doctor in sorted(contract.doctors, key=lambda d: d.id):
        ordered = DoctorInput(
            doctor.id,
            doctor.cabinet_id,
            doctor.rpps,
            doctor.name,
            doctor.installed_on,
            tuple(sorted(doctor.snapshots, key=lambda s: s.on)),
        )
        doctors_by_member.setdefault(doctor.cabinet_id, []).append(ordered)

    joined = {
        m.cabinet_id: next((p.valid_from for p in plans if p.share_of(m.cabinet_id) > 0), start)
        for m in contract.members
    }
    joined = {k: max(v, start) for k, v in joined.items()}
    tracked_by_member = {
        m.cabinet_id: [
            _Tracked(d, _baseline(d, joined[m.cabinet_id]))
            for d in doctors_by_member.get(m.cabinet_id, [])
        ]
        for m in contract.members
    }
    all_tracked = [t for m in contract.members for t in tracked_by_member[m.cabinet_id]]

    # Group target.
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
        group_pmt = policy.target_pmt_per_etp * contract.funded_etp
        group_fa = policy.target_fa_per_etp * contract.funded_etp

    kwargs: dict[str, Any] = {"start": start, "as_of": read_on, "policy": policy}
    group = progress(
        all_tracked, target_pmt=group_pmt, target_fa=group_fa, deadline=deadline, **kwargs
    )

    # Hours.
    contract_end = add_years(start, contract.duration_years)
    period_weeks = [w for w in _weeks(period_start, as_of) if monday_of(start) <= w < contract_end]
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
        if policy.target_mode == "percentile_bands":
            m_pmt = sum((doctor_targets.get(t.doctor.id, (ZERO, ZERO))[0] for t in tracked), ZERO)
            m_fa = sum((doctor_targets.get(t.doctor.id, (ZERO, ZERO))[1] for t in tracked), ZERO)
        else:
            m_pmt = group_pmt * share_bp / FULL_SHARE_BP
            m_fa = group_fa * share_bp / FULL_SHARE_BP
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
            if newly and item.baseline is not None:
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
                        [item], target_pmt=d_pmt, target_fa=d_fa, deadline=d_deadline, **kwargs
                    ),
                )
            )
        weeks = []
        for week in period_weeks:
            plan = _plan_at(plans, week)
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
                share_of_hours=_ratio(delivered_cum, Decimal(total_cumulative)),
                share_of_gain_pmt=_ratio(Decimal(member_progress.pmt.gain), Decimal(group.pmt.gain))
                if group.pmt.gain > 0
                else None,
                share_of_gain_fa=_ratio(
                    Decimal(member_progress.file_active.gain), Decimal(group.file_active.gain)
                )
                if group.file_active.gain > 0
                else None,
                gain_pmt_per_100h=_ratio(Decimal(member_progress.pmt.gain) * 100, hours_cum),
                gain_fa_per_100h=_ratio(Decimal(member_progress.file_active.gain) * 100, hours_cum),
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
        aid_years=_aid_years(contract, group, spells, contract.ledger, delivered_before),
        contracted_minutes=sum(m.contracted_minutes for m in members),
        planned_minutes=sum(m.planned_minutes for m in members),
        delivered_minutes=sum(m.delivered_minutes for m in members),
        contracted_elapsed_minutes=sum(m.contracted_elapsed_minutes for m in members),
        cumulative_delivered_minutes=total_cumulative,
        delivered_before=delivered_before,
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
            baseline = _value_at(doctor.snapshots, joined)
            if baseline is None or not doctor.snapshots:
                continue
            last = doctor.snapshots[-1]
            g_pmt += last.pmt - baseline.pmt
            g_fa += last.file_active - baseline.file_active
            latest = last.on if latest is None else max(latest, last.on)
        result[cabinet_id] = (g_pmt, g_fa, latest)
    return result
