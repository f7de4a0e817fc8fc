"""Each cabinet's contribution to a pooled contract's patientèle target: pure functions, no DB.

One module per seam: `records` (inputs and outputs), `periods` (days, weeks, contract years,
suspension), `projection` (targets, projection, progress), `aid` (aid and cost), `figures` (the
whole contract).

Inputs are plain frozen dataclasses (`ContractInput` and its parts); `contract_figures` returns a
`ContractFigures`. Every rule whose exact reading is uncertain is a `PolicyParams` field read from
the versioned target policy (scheduler/data/policies.json), with the documented default.

Rules and the choices made where the texts are silent:

- Baseline: for each doctor, the snapshot at or just before the contract start, or the member's
  join date (the first share plan naming the cabinet) for a member that joins later, or the
  doctor's own joining (`DoctorInput.member_from`, his bulletin d'adhésion) when later still. A
  doctor with no such snapshot has no baseline: it is flagged and counts for nothing. Only member
  doctors are given; from the day a doctor leaves (`member_to`) he no longer counts, in the
  member's nor in the group's figures (nor in the projection's points from then on).
- Gain: value at `as_of` (the latest snapshot at or before it) minus the baseline; can be negative.
- Target (collective): `target_per_etp x funded_etp` for the group, within `target_years` of the
  start, less the member doctors' gains under earlier individual contracts (`earlier_gain_pmt`,
  `earlier_gain_fa` of the doctors counting on the reading day), never below 0; a group target
  of 0 is reached (attainment 1) while the gain is at least 0, else not (0). A member's part is indicative: group target x its contracted share in force each day,
  averaged over the days from the start to the reading day (the share plans' days, as the net
  cost's split counts them), split equally between its doctors. A doctor installed less than `newly_installed.within_months` before
  joining gets the P50 target instead (P50 minus baseline, never below 0), within its own years;
  one already at or above P50 has a target of 0 that is reached (attainment 1) while he stays at
  P50 or above, and not (0) once below.
  Target (individual, `target_mode = "percentile_bands"`): each doctor's baseline x the increase of
  its PMT band; the member's and the group's targets are the sums.
- Attainment: gain / target per indicator; the weaker is the smaller of the two.
- Projection: ordinary least squares of the gain against days since the start, over the snapshot
  dates since the baseline (the baseline itself is the point at gain 0), evaluated at the deadline.
  Band: the `band_level` (95 %) prediction interval of the gain at the deadline, from
  statsmodels' OLS (`get_prediction(...).summary_frame()`, `obs_ci_*`): fitted value
  +/- t(n - 2) quantile x `s * sqrt(1 + 1/n + (T - mean_t)^2 / Sxx)` with `s` the residual
  standard error, i.e. where the gain itself should fall, not the fitted line; no band under 3
  points, no projection under 2. Once the deadline is past, the
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
  two indicators for `"mean_indicators"`, 1 for `"none"`. The factor is assessed again for each
  contract year: a year over on the reading day (its aid `due`) from the group's figures on its
  last day; a year under way or to come from the figures on the reading day, a projection (not
  `due`, never an entitlement).
- Net cost of year k = annual employer cost - aid, split between members by contracted share
  (weighted by the days each share plan covers in that year) or by hours delivered in that year
  (`cost_split`); without any hours delivered in the year, by share. Cents are split by largest
  remainder so the parts add up exactly.
- Eligibility (`eligibility`, collective rule only): the group's average PMT at the start over
  the doctors members that day with a statement then, against `min_average_pmt` (775; None
  without any statement); the funded ETP against the cap, the member doctors on the reading day
  plus, from `etp_bonus_from`, `etp_bonus_per_member` per member doctor who is a PAMSU hosting a
  docteur junior, or per member doctor when the structure is an approved training site (the
  larger, never both); and against the ETP employed (weekly minutes / `full_time_weekly_minutes`):
  `employed_ok` when funded x full time <= weekly minutes, `etp_gap` = funded - employed.
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

from scheduler.contribution.aid import aid_by_year, split_cents
from scheduler.contribution.figures import contract_figures, member_latest_gains
from scheduler.contribution.periods import (
    add_years,
    monday_of,
    round_to,
    suspended_deadline,
    suspension_spells,
)
from scheduler.contribution.projection import band_increase, progress, project
from scheduler.contribution.records import (
    AbsenceInput,
    AidYear,
    ContractFigures,
    ContractInput,
    DoctorFigures,
    DoctorInput,
    Eligibility,
    Indicator,
    LedgerWeek,
    MemberFigures,
    MemberInput,
    PolicyParams,
    Progress,
    Projection,
    SharePlanInput,
    Snapshot,
    Status,
    WeekHours,
)

__all__ = [
    "AbsenceInput",
    "AidYear",
    "ContractFigures",
    "ContractInput",
    "DoctorFigures",
    "DoctorInput",
    "Eligibility",
    "Indicator",
    "LedgerWeek",
    "MemberFigures",
    "MemberInput",
    "PolicyParams",
    "Progress",
    "Projection",
    "SharePlanInput",
    "Snapshot",
    "Status",
    "WeekHours",
    "add_years",
    "aid_by_year",
    "band_increase",
    "contract_figures",
    "member_latest_gains",
    "monday_of",
    "project",
    "progress",
    "round_to",
    "split_cents",
    "suspended_deadline",
    "suspension_spells",
]
