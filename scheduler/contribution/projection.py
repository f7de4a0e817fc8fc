"""Targets and their projection: the least-squares projection of a gain, a doctor's progress and
status against the target, and the increase of a PMT band (percentile-bands rule).

The rules are stated in the package's docstring (`scheduler.contribution`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from scheduler.contribution.periods import ratio, value_at
from scheduler.contribution.records import (
    ONE,
    ZERO,
    DoctorInput,
    Indicator,
    PolicyParams,
    Progress,
    Projection,
    Snapshot,
    Status,
)

# --- Projection ----------------------------------------------------------------------------------


def prediction_interval(
    points: Sequence[tuple[int, int]], at: int, level: Decimal
) -> tuple[Decimal, Decimal]:
    """The `level` prediction interval of a new observation at day `at` under the least-squares
    line through `points` (statsmodels' OLS, `obs_ci`): fitted value -/+ t(1 - (1 - level) / 2,
    n - 2) x s x sqrt(1 + 1/n + (at - mean t)^2 / Sxx)."""
    from statsmodels.regression.linear_model import OLS  # imported when first needed

    exog = [[1.0, float(t)] for t, _ in points]
    fit = OLS([float(y) for _, y in points], exog).fit()
    frame = fit.get_prediction([[1.0, float(at)]]).summary_frame(alpha=float(1 - level))
    low, high = frame["obs_ci_lower"].iloc[0], frame["obs_ci_upper"].iloc[0]
    return Decimal(repr(float(low))), Decimal(repr(float(high)))


def project(points: Sequence[tuple[int, int]], at: int, level: Decimal) -> Projection | None:
    """Least-squares line through (day, gain) points, evaluated at day `at`, with the `level`
    prediction interval of the gain at that day (from 3 points)."""
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
        low, high = prediction_interval(points, at, level)
    return Projection(slope, n, value, low, high, reached=False)


# --- Progress ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tracked:
    """A doctor with its baseline snapshot (None: no baseline)."""

    doctor: DoctorInput
    baseline: Snapshot | None

    def counts_on(self, day: date) -> bool:
        """Whether the doctor counts on `day`: he has joined and has a baseline by then, and has
        not left."""
        if self.baseline is None or self.baseline.on > day:
            return False
        if self.doctor.member_from is not None and day < self.doctor.member_from:
            return False
        return self.doctor.member_to is None or day < self.doctor.member_to


def _gains_at(tracked: Sequence[Tracked], day: date) -> tuple[int, int, int, int]:
    """(baseline PMT, baseline FA, PMT gain, FA gain) of `tracked` at `day`: a doctor who left
    the contract by then no longer counts."""
    b_pmt = b_fa = g_pmt = g_fa = 0
    for item in tracked:
        if not item.counts_on(day):
            continue
        assert item.baseline is not None  # counts_on
        now = value_at(item.doctor.snapshots, day)
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


def _attainment(gain: Decimal, target: Decimal, floor: int | None) -> Decimal | None:
    """gain / target; for a target of 0 with a `floor` (the gain that keeps it reached, e.g. a
    newly installed doctor already above P50 must stay there), 1 when reached, else 0."""
    if target == 0 and floor is not None:
        return ONE if gain >= floor else ZERO
    return ratio(gain, target)


def progress(
    tracked: Sequence[Tracked],
    *,
    target_pmt: Decimal,
    target_fa: Decimal,
    start: date,
    deadline: date,
    as_of: date,
    policy: PolicyParams,
    floors: tuple[int | None, int | None] = (None, None),
) -> Progress:
    """Gains, attainment, projection and status of a set of doctors against a target; a target
    of 0 is reached when the gain is at least its floor (PMT, FA), unknown without floors."""
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
        floor = floors[index]
        projection: Projection | None
        if past:
            reached_gain = _gains_at(tracked, deadline)[2 + index]
            projection = Projection(ZERO, len(series), Decimal(reached_gain), None, None, True)
        else:
            points = [((d - start).days, (p, f)[index]) for d, p, f in series]
            projection = project(points, at, policy.band_level)
        indicators.append(
            Indicator(
                baseline=baseline,
                current=baseline + gain,
                gain=gain,
                target=target,
                attainment=_attainment(Decimal(gain), target, floor),
                projection=projection,
                projected_attainment=None
                if projection is None
                else _attainment(projection.value, target, floor),
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
