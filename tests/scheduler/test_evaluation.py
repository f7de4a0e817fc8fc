"""A pooled contract's evaluation (scheduler/evaluation): hand-worked cases, statsmodels, simulation.

Hand fixture (`hand_panel`): quarters -2, -1 (before the start) and 0, 1 (since), two member
doctors and three reference doctors:

    doctor  member  q-2  q-1  q0  q1   mean before  mean since  change
    1       yes      10   12  40  42       11          41         30
    2       yes      20   20  44  46       20          45         25
    3       no        5    7  11  13        6          12          6
    4       no       30   31  32  35       30.5        33.5        3
    5       no        7    9   9  12        8          10.5        2.5

On a balanced panel with the treatment switched on for the members from quarter 0, the two-way
fixed-effects estimate is the difference of the mean changes: members (30 + 25) / 2 = 27.5,
reference doctors (6 + 3 + 2.5) / 3 = 11.5 / 3 = 3.8333...; effect 27.5 - 3.8333... = 71/3 =
23.6667 PMT per member doctor and quarter.

The intervals and tests are checked against the CR2 formula of Bell and McCaffrey computed here
on the full design (doctor and quarter dummies, statsmodels' OLS for the coefficients and the
residuals, the n x n hat matrix formed), against statsmodels' CR1 (`cov_type="cluster"`) for the
sandwich and against statsmodels' `wald_test` for the F statistic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest
import statsmodels.api as sm
from scipy import stats

from scheduler.evaluation import (
    EvaluationInputError,
    Panel,
    difference_in_differences,
    gain_per_100_hours,
    pretrend_check,
)

Floats = npt.NDArray[np.float64]

HAND = {
    1: (True, [10, 12, 40, 42]),
    2: (True, [20, 20, 44, 46]),
    3: (False, [5, 7, 11, 13]),
    4: (False, [30, 31, 32, 35]),
    5: (False, [7, 9, 9, 12]),
}
HAND_QUARTERS = [-2, -1, 0, 1]


def hand_arrays() -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], Floats, npt.NDArray[np.bool_]
]:
    doctor = np.repeat(np.array(list(HAND), dtype=np.int64), 4)
    quarter = np.tile(np.array(HAND_QUARTERS, dtype=np.int64), len(HAND))
    value = np.array([v for _, values in HAND.values() for v in values], dtype=np.float64)
    treated = np.repeat(np.array([t for t, _ in HAND.values()]), 4)
    return doctor, quarter, value, treated


def hand_panel() -> Panel:
    return Panel.of(*hand_arrays())


@dataclass
class Dense:
    """The full-design computation: statsmodels' OLS with dummies and CR2 by its formula."""

    params: Floats
    cr2: Floats  # all parameters
    cr1_bse: Floats  # statsmodels' cluster-robust standard errors
    hotelling: float  # eta (Pustejovsky-Tipton eq. 11) for `test_columns`
    wald_f: float  # statsmodels' wald_test F with the CR2 covariance, for `test_columns`


def dense(
    doctor: npt.NDArray[np.int64],
    quarter: npt.NDArray[np.int64],
    value: Floats,
    columns: Floats,
    test_columns: list[int],
) -> Dense:
    ids, codes = np.unique(doctor, return_inverse=True)
    quarters = np.unique(quarter)
    design = np.column_stack(
        (
            columns,
            (quarter[:, None] == quarters[None, 1:]).astype(float),
            (doctor[:, None] == ids[None, :]).astype(float),
        )
    )
    model = sm.OLS(value, design)
    fitted = model.fit()
    clustered = model.fit(cov_type="cluster", cov_kwds={"groups": codes})
    bread = np.linalg.inv(design.T @ design)
    hat = design @ bread @ design.T
    resid = fitted.resid
    n = value.size
    meat = np.zeros_like(bread)
    adjust = []
    for g in range(ids.size):
        rows = np.flatnonzero(codes == g)
        w, v = np.linalg.eigh(np.eye(rows.size) - hat[np.ix_(rows, rows)])
        root = np.array([1 / math.sqrt(x) if x > 1e-10 else 0.0 for x in w])
        a = v @ np.diag(root) @ v.T
        adjust.append((rows, a))
        u = design[rows].T @ a @ resid[rows]
        meat += np.outer(u, u)
    cr2 = bread @ meat @ bread
    # eta: p_sh = (I - H)[:, h] A_h X_h M C' g_s, B_st[h, i] = p_sh' p_ti.
    c = np.eye(design.shape[1])[test_columns]
    q = len(test_columns)
    w, v = np.linalg.eigh(c @ bread @ c.T)
    g_cols = v @ np.diag(1 / np.sqrt(w)) @ v.T
    residual_maker = np.eye(n) - hat
    p = np.zeros((q, ids.size, n))
    for h, (rows, a) in enumerate(adjust):
        p[:, h, :] = (residual_maker[:, rows] @ a @ design[rows] @ bread @ c.T @ g_cols).T
    total = 0.0
    for s in range(q):
        for t in range(q):
            b_st = p[s] @ p[t].T  # [h, i] = p_sh' p_ti
            b_ts = p[t] @ p[s].T  # [h, i] = p_th' p_si
            b_ss = p[s] @ p[s].T
            b_tt = p[t] @ p[t].T
            total += float(np.sum(b_st * b_ts) + np.sum(b_ss * b_tt))
    wald = fitted.wald_test(c, cov_p=cr2, use_f=True, scalar=True)
    return Dense(
        params=np.asarray(fitted.params),
        cr2=cr2,
        cr1_bse=np.asarray(clustered.bse),
        hotelling=q * (q + 1) / total,
        wald_f=float(np.asarray(wald.statistic).squeeze()),
    )


def did_column(quarter: npt.NDArray[np.int64], treated: npt.NDArray[np.bool_]) -> Floats:
    return (treated & (quarter >= 0)).astype(np.float64)[:, None]


# --- Difference in differences ------------------------------------------------------------------


def test_hand_fixture_effect_is_the_difference_of_mean_changes() -> None:
    """71/3 = 23.6667 (module docstring)."""
    estimate = difference_in_differences(hand_panel())
    assert estimate.effect == pytest.approx(71 / 3, abs=1e-12)
    assert round(estimate.effect, 4) == 23.6667
    assert (estimate.member_doctors, estimate.reference_doctors) == (2, 3)
    assert (estimate.clusters, estimate.observations) == (5, 20)
    assert "CR2 (Bell-McCaffrey)" in estimate.method


def test_hand_fixture_interval_is_cr2_with_bell_mccaffrey_dof() -> None:
    doctor, quarter, value, treated = hand_arrays()
    ref = dense(doctor, quarter, value, did_column(quarter, treated), [0])
    estimate = difference_in_differences(hand_panel())
    se = math.sqrt(ref.cr2[0, 0])
    assert ref.params[0] == pytest.approx(71 / 3, abs=1e-9)
    assert estimate.std_error == pytest.approx(se, rel=1e-9)
    assert estimate.dof == pytest.approx(ref.hotelling, rel=1e-9)
    half = stats.t.ppf(0.975, ref.hotelling) * se
    assert estimate.ci_low == pytest.approx(71 / 3 - half, rel=1e-9)
    assert estimate.ci_high == pytest.approx(71 / 3 + half, rel=1e-9)
    assert "Satterthwaite" in estimate.method


def test_hand_fixture_interval_on_t_of_clusters_minus_one() -> None:
    doctor, quarter, value, treated = hand_arrays()
    ref = dense(doctor, quarter, value, did_column(quarter, treated), [0])
    estimate = difference_in_differences(hand_panel(), small_sample="clusters")
    half = stats.t.ppf(0.975, 4) * math.sqrt(ref.cr2[0, 0])  # G - 1 = 4
    assert estimate.dof == 4
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((71 / 3 - half, 71 / 3 + half))
    assert "t(G-1)" in estimate.method


def test_level_sets_the_interval_quantile() -> None:
    at95 = difference_in_differences(hand_panel(), small_sample="clusters")
    at90 = difference_in_differences(hand_panel(), level=0.90, small_sample="clusters")
    assert at90.ci_high - at90.effect == pytest.approx(stats.t.ppf(0.95, 4) * at95.std_error)
    assert at90.ci_high < at95.ci_high


def test_cr1_sandwich_and_coefficient_match_statsmodels_with_dummies() -> None:
    """The sandwich shape and the within transformation, against statsmodels' cluster option."""
    from scheduler.evaluation.regression import fit_two_way

    doctor, quarter, value, treated = hand_arrays()
    column = did_column(quarter, treated)
    ref = dense(doctor, quarter, value, column, [0])
    fit = fit_two_way(hand_panel(), column, ["did"])
    assert fit.coef[0] == pytest.approx(ref.params[0], rel=1e-10)
    assert math.sqrt(fit.vcov_cr1[0, 0]) == pytest.approx(ref.cr1_bse[0], rel=1e-9)


def test_a_nil_variance_rounded_below_zero_reads_as_a_nil_standard_error() -> None:
    """Data the model fits exactly leave a nil variance that a machine's BLAS may round to
    -1e-46: the standard error is 0 there, and the others are the covariance's roots; a variance
    below zero by more than rounding gives NaN."""
    from dataclasses import replace

    from scheduler.evaluation.regression import fit_two_way

    doctor, quarter, value, treated = hand_arrays()
    fit = fit_two_way(hand_panel(), did_column(quarter, treated), ["did"])
    shaken = replace(fit, vcov_cr2=np.diag([-9.0e-46, 4.0, 0.0]))
    assert shaken.std_errors.tolist() == [0.0, 2.0, 0.0]
    # At the rounding's edge (1e-9 of the largest variance) and beyond it: a broken covariance.
    edge = replace(fit, vcov_cr2=np.diag([-4.0e-9, 4.0, -4.1e-9]))
    assert edge.std_errors[:2].tolist() == [0.0, 2.0] and math.isnan(edge.std_errors[2])
    assert math.isnan(replace(fit, vcov_cr2=np.diag([-1.0, 4.0])).std_errors[0])
    assert fit.std_errors[0] == pytest.approx(math.sqrt(fit.vcov_cr2[0, 0]))


def random_panel(
    seed: int, doctors: int, quarters: list[int], members: int, drop: int = 0
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], Floats, npt.NDArray[np.bool_]]:
    rng = np.random.default_rng(seed)
    doctor = np.repeat(np.arange(100, 100 + doctors), len(quarters))
    quarter = np.tile(np.array(quarters), doctors)
    treated = doctor < 100 + members
    value = rng.normal(50, 10, doctor.size) + 3.0 * treated * (quarter >= 0)
    keep = np.ones(doctor.size, dtype=bool)
    # Drop observations of reference doctors only (the members keep every event quarter).
    keep[rng.choice(np.flatnonzero(~treated), size=drop, replace=False)] = False
    return doctor[keep], quarter[keep], value[keep], treated[keep]


@pytest.mark.parametrize("drop", [0, 5])
def test_unbalanced_panels_match_the_full_design(drop: int) -> None:
    doctor, quarter, value, treated = random_panel(7, 9, [-3, -2, -1, 0, 1, 2], 3, drop)
    ref = dense(doctor, quarter, value, did_column(quarter, treated), [0])
    estimate = difference_in_differences(Panel.of(doctor, quarter, value, treated))
    assert estimate.effect == pytest.approx(ref.params[0], rel=1e-9)
    assert estimate.std_error == pytest.approx(math.sqrt(ref.cr2[0, 0]), rel=1e-8)
    assert estimate.dof == pytest.approx(ref.hotelling, rel=1e-8)


def test_rows_in_any_order_give_the_same_estimate() -> None:
    doctor, quarter, value, treated = hand_arrays()
    order = np.random.default_rng(3).permutation(doctor.size)
    shuffled = difference_in_differences(
        Panel.of(doctor[order], quarter[order], value[order], treated[order])
    )
    assert shuffled.effect == pytest.approx(71 / 3, abs=1e-12)
    assert shuffled.std_error == pytest.approx(difference_in_differences(hand_panel()).std_error)


# --- Pre-trend check ----------------------------------------------------------------------------


def event_columns(
    quarter: npt.NDArray[np.int64], treated: npt.NDArray[np.bool_]
) -> tuple[Floats, list[int]]:
    events = [int(q) for q in np.unique(quarter) if q != -1]
    columns = np.stack([(treated & (quarter == q)).astype(float) for q in events], axis=1)
    return columns, [i for i, q in enumerate(events) if q < -1]


@pytest.mark.parametrize("drop", [0, 4])
def test_pretrend_statistic_matches_the_full_design(drop: int) -> None:
    doctor, quarter, value, treated = random_panel(11, 10, [-4, -3, -2, -1, 0, 1], 4, drop)
    columns, leads = event_columns(quarter, treated)
    ref = dense(doctor, quarter, value, columns, leads)
    panel = Panel.of(doctor, quarter, value, treated)

    naive = pretrend_check(panel, small_sample="clusters")
    assert naive.statistic == pytest.approx(ref.wald_f, rel=1e-8)
    assert (naive.df_num, naive.df_denom) == (3, 9)
    assert naive.p_value == pytest.approx(stats.f.sf(ref.wald_f, 3, 9), rel=1e-8)
    assert [lead.quarter for lead in naive.leads] == [-4, -3, -2]
    assert [lead.coef for lead in naive.leads] == pytest.approx(list(ref.params[leads]))
    assert [lead.std_error for lead in naive.leads] == pytest.approx(
        list(np.sqrt(np.diag(ref.cr2))[leads])
    )

    htz = pretrend_check(panel)
    eta = ref.hotelling
    assert htz.df_denom == pytest.approx(eta - 3 + 1, rel=1e-8)
    assert htz.statistic == pytest.approx((eta - 2) / eta * ref.wald_f, rel=1e-8)
    assert htz.p_value == pytest.approx(stats.f.sf(htz.statistic, 3, eta - 2), rel=1e-8)
    assert htz.fails == (htz.p_value < 0.05)
    assert "HTZ" in htz.method


def test_pretrend_fails_exactly_below_alpha() -> None:
    doctor, quarter, value, treated = random_panel(11, 10, [-4, -3, -2, -1, 0, 1], 4)
    panel = Panel.of(doctor, quarter, value, treated)
    p = pretrend_check(panel).p_value
    assert pretrend_check(panel, alpha=p).fails is False  # p < alpha is false at alpha = p
    assert pretrend_check(panel, alpha=min(1 - 1e-9, p * 1.000001)).fails is True
    assert pretrend_check(panel, alpha=p * 0.999999).fails is False


# --- Gain per 100 hours -------------------------------------------------------------------------


def test_gain_per_100_hours_scales_effect_and_interval() -> None:
    """71/3 x 2 member doctors / 400 h x 100 = 71/6 = 11.8333 PMT per 100 hours."""
    estimate = difference_in_differences(hand_panel())
    gain = gain_per_100_hours(estimate, 400.0)
    assert gain.gain == pytest.approx(71 / 6, abs=1e-12)
    assert (gain.ci_low, gain.ci_high) == pytest.approx(
        (estimate.ci_low / 2, estimate.ci_high / 2), rel=1e-12
    )
    assert (gain.member_doctors, gain.hours, gain.level) == (2, 400.0, 0.95)


@pytest.mark.parametrize("hours", [0.0, -1.0, math.nan, math.inf])
def test_gain_refuses_hours_not_positive_and_finite(hours: float) -> None:
    with pytest.raises(EvaluationInputError) as caught:
        gain_per_100_hours(difference_in_differences(hand_panel()), hours)
    assert (caught.value.field, caught.value.rule) == ("hours", "positive")


def test_gain_accepts_the_smallest_positive_hours() -> None:
    gain = gain_per_100_hours(difference_in_differences(hand_panel()), 1e-3)
    assert gain.gain == pytest.approx(71 / 3 * 2 / 1e-3 * 100)


# --- Bad inputs ---------------------------------------------------------------------------------


def bad(**changes: object) -> tuple[object, object, object, object]:
    doctor, quarter, value, treated = hand_arrays()
    base: dict[str, object] = {
        "doctor": doctor,
        "quarter": quarter,
        "value": value,
        "treated": treated,
    }
    base.update(changes)
    return base["doctor"], base["quarter"], base["value"], base["treated"]


_D, _Q, _V, _T = hand_arrays()


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"doctor": _D.astype(float)}, "doctor", "integers"),
        ({"quarter": _Q.astype(float)}, "quarter", "integers"),
        ({"treated": _T.astype(int)}, "treated", "boolean"),
        ({"value": _V[:-1]}, "value", "same_length"),
        ({"quarter": _Q[:-1]}, "quarter", "same_length"),
        (
            {"doctor": _D[:0], "quarter": _Q[:0], "value": _V[:0], "treated": _T[:0]},
            "doctor",
            "not_empty",
        ),
        ({"value": np.where(np.arange(20) == 3, np.nan, _V)}, "value", "finite"),
        ({"value": np.where(np.arange(20) == 3, np.inf, _V)}, "value", "finite"),
        ({"quarter": np.where(np.arange(20) == 1, -2, _Q)}, "quarter", "unique_per_doctor"),
        ({"treated": np.where(np.arange(20) == 1, False, _T)}, "treated", "constant_per_doctor"),
        ({"treated": np.zeros(20, dtype=bool)}, "treated", "both_groups"),
        ({"treated": np.ones(20, dtype=bool)}, "treated", "both_groups"),
        ({"quarter": _Q + 2}, "quarter", "before_and_after"),
        ({"quarter": _Q - 2}, "quarter", "before_and_after"),
    ],
)
def test_panel_refuses_bad_rows(changes: dict[str, object], field: str, rule: str) -> None:
    with pytest.raises(EvaluationInputError) as caught:
        Panel.of(*bad(**changes))  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert field in str(caught.value)


def test_pretrend_needs_the_reference_quarter_and_a_lead() -> None:
    doctor, quarter, value, treated = hand_arrays()
    no_ref = Panel.of(doctor, np.where(quarter == -1, -3, quarter), value, treated)
    with pytest.raises(EvaluationInputError) as caught:
        pretrend_check(no_ref)
    assert (caught.value.field, caught.value.rule) == ("quarter", "reference_quarter")
    keep = quarter != -2
    no_lead = Panel.of(doctor[keep], quarter[keep], value[keep], treated[keep])
    with pytest.raises(EvaluationInputError) as caught:
        pretrend_check(no_lead)
    assert (caught.value.field, caught.value.rule) == ("quarter", "leads")
    assert pretrend_check(hand_panel()).df_num == 1  # one lead (-2) is enough


def test_an_effect_no_member_observes_is_refused() -> None:
    doctor, quarter, value, treated = hand_arrays()
    keep = ~(treated & (quarter == -2))  # no member doctor at quarter -2
    panel = Panel.of(doctor[keep], quarter[keep], value[keep], treated[keep])
    with pytest.raises(EvaluationInputError) as caught:
        pretrend_check(panel)
    assert (caught.value.field, caught.value.rule) == ("quarter", "identifiable")
    assert "trimestre -2" in str(caught.value)


@pytest.mark.parametrize("level", [0.0, 1.0, -0.5, 1.5])
def test_level_outside_the_unit_interval_is_refused(level: float) -> None:
    with pytest.raises(EvaluationInputError) as caught:
        difference_in_differences(hand_panel(), level=level)
    assert caught.value.field == "level"


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_alpha_outside_the_unit_interval_is_refused(alpha: float) -> None:
    with pytest.raises(EvaluationInputError) as caught:
        pretrend_check(hand_panel(), alpha=alpha)
    assert caught.value.field == "alpha"


def test_unknown_small_sample_reading_is_refused() -> None:
    with pytest.raises(EvaluationInputError) as caught:
        difference_in_differences(hand_panel(), small_sample="normal")  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == ("small_sample", "known")


# --- Simulation ---------------------------------------------------------------------------------

MEMBERS = 10  # 5 member cabinets x 2 doctors
REFERENCE = 200
SIM_QUARTERS = np.arange(-8, 8)  # 8 quarters before the start, 8 since
NOISE = 10.0  # a doctor's PMT around its own level and the quarter's, quarter to quarter


def simulated(seed: int, effect: float = 20.0, pretrend: float = 0.0) -> Panel:
    """Doctor levels ~ N(900, 200), quarter shocks ~ N(0, 10), noise ~ N(0, NOISE); members gain
    `effect` from quarter 0 and drift by `pretrend` a quarter throughout."""
    rng = np.random.default_rng(seed)
    doctors = MEMBERS + REFERENCE
    t = SIM_QUARTERS.size
    doctor = np.repeat(np.arange(doctors), t)
    quarter = np.tile(SIM_QUARTERS, doctors)
    treated = doctor < MEMBERS
    value = (
        rng.normal(900, 200, doctors)[doctor]
        + np.tile(rng.normal(0, 10, t), doctors)
        + rng.normal(0, NOISE, doctor.size)
        + treated * (effect * (quarter >= 0) + pretrend * quarter)
    )
    return Panel.of(doctor, quarter, value, treated)


SEEDS = range(100)


def test_simulated_interval_covers_the_true_effect_90_to_99_times_in_100() -> None:
    covered = 0
    for seed in SEEDS:
        estimate = difference_in_differences(simulated(seed))
        covered += estimate.ci_low <= 20.0 <= estimate.ci_high
    assert 90 <= covered <= 99, covered


def test_simulated_pretrend_of_5_a_quarter_is_flagged_at_least_80_times_in_100() -> None:
    flagged = sum(pretrend_check(simulated(1000 + s, pretrend=5.0)).fails for s in SEEDS)
    assert flagged >= 80, flagged


def test_simulated_parallel_trends_are_flagged_at_most_10_times_in_100() -> None:
    flagged = sum(pretrend_check(simulated(2000 + s)).fails for s in SEEDS)
    assert flagged <= 10, flagged


def test_simulated_clusters_minus_one_reading_is_too_liberal() -> None:
    """Why t(G-1) and F(k, G-1) are not the default: with 10 members against 200 they cover the
    effect fewer than 90 times in 100 and flag parallel trends more than 10 times in 100."""
    covered = sum(
        int(e.ci_low <= 20.0 <= e.ci_high)
        for e in (difference_in_differences(simulated(s), small_sample="clusters") for s in SEEDS)
    )
    flagged = sum(
        pretrend_check(simulated(2000 + s), small_sample="clusters").fails for s in range(30)
    )
    assert covered < 90, covered
    assert flagged > 3, flagged  # 10 % of 30


def test_more_leads_than_the_clusters_can_test_are_refused() -> None:
    """HTZ needs eta - k + 1 > 0: 6 leads with 2 members among 6 doctors leave eta near 2."""
    doctor, quarter, value, treated = random_panel(5, 6, [-7, -6, -5, -4, -3, -2, -1, 0], 2)
    panel = Panel.of(doctor, quarter, value, treated)
    with pytest.raises(EvaluationInputError) as caught:
        pretrend_check(panel)
    assert (caught.value.field, caught.value.rule) == ("quarter", "enough_clusters")
    assert pretrend_check(panel, small_sample="clusters").df_denom == 5  # G - 1 still reads
    keep = quarter >= -3  # 2 leads: eta - k + 1 > 0
    assert (
        pretrend_check(Panel.of(doctor[keep], quarter[keep], value[keep], treated[keep])).df_denom
        > 0
    )
