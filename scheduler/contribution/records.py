"""The inputs and outputs of the contribution figures: plain frozen dataclasses and constants.

The rules are stated in the package's docstring (`scheduler.contribution`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
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
    band_level: Decimal = Decimal("0.95")  # the projection's prediction interval
    newly_installed_pmt: int = 1045
    newly_installed_fa: int = 1514
    newly_installed_years: int = 3
    newly_installed_within_months: int = 12
    # Eligibility: the group's average PMT at signature at least this; funded ETP at most the
    # member doctors, plus `etp_bonus_per_member` per member PAMSU hosting a docteur junior (or
    # per member when the structure is an approved training site) from `etp_bonus_from` on.
    min_average_pmt: int = 775
    etp_bonus_from: date | None = date(2026, 11, 1)
    etp_bonus_per_member: Decimal = Decimal("0.5")
    full_time_weekly_minutes: int = 2100  # 1 ETP = 35 h a week

    @classmethod
    def from_parameters(
        cls, parameters: Mapping[str, Any], *, code: str = "", version: int = 1
    ) -> PolicyParams:
        """Read a policy's `parameters` (policies.json); a missing key keeps its default."""
        default = cls()
        target = parameters.get("target_per_etp", {})
        status = parameters.get("status", {})
        newly = parameters.get("newly_installed_target", {})
        cap = parameters.get("etp_cap", {})
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
            band_level=Decimal(str(parameters.get("projection_level", default.band_level))),
            newly_installed_pmt=int(newly.get("pmt", default.newly_installed_pmt)),
            newly_installed_fa=int(newly.get("file_active", default.newly_installed_fa)),
            newly_installed_years=int(newly.get("years", default.newly_installed_years)),
            newly_installed_within_months=int(
                newly.get("within_months", default.newly_installed_within_months)
            ),
            min_average_pmt=int(
                parameters.get("min_average_pmt_at_signature", default.min_average_pmt)
            ),
            etp_bonus_from=date.fromisoformat(str(cap["bonus_from"]))
            if cap.get("bonus_from") is not None
            else default.etp_bonus_from,
            etp_bonus_per_member=Decimal(
                str(cap.get("bonus_per_member", default.etp_bonus_per_member))
            ),
            full_time_weekly_minutes=int(
                parameters.get("full_time_weekly_minutes", default.full_time_weekly_minutes)
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
    # His membership of the contract (the bulletin d'adhésion) over [member_from, member_to):
    # None for either bound, no bound (a member for the whole contract).
    member_from: date | None = None
    member_to: date | None = None
    # A PAMSU (maître de stage) hosting a docteur junior: +0.5 funded ETP allowed (eligibility).
    pamsu_junior: bool = False
    # Patients already gained under his earlier individual contract: they reduce the collective
    # target.
    earlier_gain_pmt: int = 0
    earlier_gain_fa: int = 0


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
    # The signatory structure is an approved training site: +0.5 funded ETP per member doctor.
    training_site: bool = False


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
    member_parts: tuple[tuple[int, Decimal], ...]  # each member's part of the net cost
    member_aid: tuple[tuple[int, Decimal], ...] = ()  # its part of the aid, by the same weights
    split_weeks: tuple[date, ...] = ()  # by hours: the Mondays of the weeks over it rests on
    due: bool = False  # the year is over: its aid is due, not projected

    @property
    def projected(self) -> bool:
        """The aid is not yet due (the year is not over): a projection, not an entitlement."""
        return not self.due

    @property
    def last_day(self) -> date:
        """The year's last day (inclusive)."""
        return self.end - timedelta(days=1)


@dataclass(frozen=True)
class Eligibility:
    """The collective contract's conditions, checked on the reading day.

    `average_pmt_ok` is None when no member doctor has a statement at signature; `etp_ok` says
    whether the funded ETP are within the cap; `employed_ok` whether the assistants' contracts
    employ at least the funded ETP (`etp_gap` = funded - employed: above 0, funded hours that
    are not employed)."""

    signature: date
    signature_doctors: int  # member doctors at signature with a statement then
    average_pmt_at_signature: Decimal | None
    min_average_pmt: int
    average_pmt_ok: bool | None
    member_doctors: int  # member doctors on the reading day
    pamsu_junior_doctors: int
    training_site: bool
    etp_bonus: Decimal
    etp_cap: Decimal
    funded_etp: Decimal
    etp_ok: bool
    employed_etp: Decimal
    etp_gap: Decimal
    employed_ok: bool


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
    eligibility: Eligibility | None = None
    # What the member doctors had already gained under earlier individual contracts, taken off
    # the collective target (PMT, FA).
    earlier_gain_pmt: int = 0
    earlier_gain_fa: int = 0
