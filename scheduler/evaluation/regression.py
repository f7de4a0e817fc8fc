"""Two-way fixed effects (doctor, quarter) and the CR2 cluster-robust covariance, by doctor.

The model is `y_it = a_i + g_t + x_it' b + e_it` (doctor i, quarter t), estimated by ordinary
least squares. The fixed effects are absorbed by the within transformation, exact on unbalanced
panels too (Frisch-Waugh-Lovell): every column is demeaned by doctor, then residualised on the
quarter indicators demeaned by doctor (`S~`, Q columns, a small Q x Q system), which gives the
two-way within columns `X''` and `y''`; `b = (X''^T X'')^-1 X''^T y''` and the residuals `e` are those
of the full regression with doctor and quarter dummies.

CR2 (Bell and McCaffrey 2002, "Bias reduction in standard errors for linear regression with
multi-stage samples", Survey Methodology 28(2); with absorbed fixed effects as in Pustejovsky and
Tipton 2018, "Small-sample methods for cluster-robust variance estimation and hypothesis testing
in fixed effects models", JBES 36(4)), clusters g = doctors:

    V_CR2 = M [ sum_g X''_g^T A_g e_g e_g^T A_g X''_g ] M,      M = (X''^T X'')^-1,
    A_g   = (I - H_gg)^(-1/2)   (symmetric square root; Moore-Penrose inverse where singular),
    H_gg  = J/n_g + S~_g (S~^T S~)^+ S~_g^T + X''_g M X''_g^T,

where H_gg is the block of cluster g of the hat matrix of the *full* design [X, quarter dummies,
doctor dummies] (the three terms are the projections on the doctor's own dummy, on the quarter
dummies net of the doctor dummies, and on X net of both: they are orthogonal), and J/n_g the
n_g x n_g matrix of 1/n_g. `I - H_gg` is singular along the doctor's constant (its own dummy); the
residuals are orthogonal to it, so the Moore-Penrose root leaves them as they would be in the
full-dummy computation. CR1 (the statsmodels `cov_type="cluster"` default) is given alongside:
the same sandwich with `A_g = I` times `G/(G-1) (n-1)/(n-p)`, p the rank of the full design.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from scheduler.evaluation.panel import EvaluationInputError, FloatArray, Panel
from scheduler.french import number

# Eigenvalues of I - H_gg at or below this are the null directions of the pseudo-inverse root.
_NULL_EIGENVALUE = 1e-10
# Clusters whose design rows agree to this many decimals share their CR2 adjustment.
_DESIGN_DECIMALS = 12


@dataclass(frozen=True, slots=True)
class _Block:
    """The clusters of one size, kept for the degrees of freedom: the distinct rows of the design
    `[S~_g, X''_g]`, their `A_g X''_g` and how many clusters share each."""

    design: FloatArray  # (u, size, q + k)
    adjusted_x: FloatArray  # (u, size, k)
    counts: FloatArray  # (u,)


@dataclass(frozen=True, slots=True)
class WaldTest:
    statistic: float  # F
    p_value: float
    df_num: int
    df_denom: float


# How far below zero, relative to the largest variance, rounding may leave a nil one.
_ROUNDING = 1e-9


@dataclass(frozen=True, slots=True)
class Fit:
    """The estimates of one regression: coefficients, CR2 and CR1 covariances, residuals."""

    coef: FloatArray
    vcov_cr2: FloatArray
    vcov_cr1: FloatArray
    residuals: FloatArray  # in the panel's row order
    clusters: int
    observations: int
    parameters: int  # rank of the full design: k + G + Q - 1
    bread: FloatArray  # M, the inverse of X'' transposed times X''
    hat_kernel: FloatArray  # blockdiag((S~'S~)^+, M): H_hi = [h = i] J/n_h + Z_h K Z_i'
    blocks: tuple[_Block, ...]

    @property
    def std_errors(self) -> FloatArray:
        """The coefficients' CR2 standard errors. The covariance is positive semi-definite, but
        where a variance is nil (data that the model fits exactly) rounding leaves it a hair
        either side of zero, by a machine's BLAS kernels: within `_ROUNDING` of the largest
        variance it reads as zero. A variance further below zero is no rounding but a broken
        covariance, and its standard error is NaN rather than a confident zero."""
        variances = np.diag(self.vcov_cr2)
        scale = max(float(np.abs(variances).max(initial=0.0)), float(np.finfo(np.float64).tiny))
        rounded = (variances < 0.0) & (variances >= -_ROUNDING * scale)
        kept = np.where(rounded, 0.0, variances)
        return np.sqrt(np.where(kept < 0.0, np.nan, kept))

    def wald(self, indices: npt.ArrayLike, dof: str = "htz") -> WaldTest:
        """Joint test that the coefficients `indices` are all zero, with the CR2 covariance.

        `Q = b_R' V_RR^-1 b_R`. `dof="clusters"`: `F = Q/k` against F(k, G-1). `dof="htz"`: the
        Hotelling T-squared approximation of Pustejovsky and Tipton (2018, section 3.2), `F =
        (eta - k + 1)/(eta k) Q` against F(k, eta - k + 1), eta from `hotelling_dof`; for k = 1
        it is the t test with Bell and McCaffrey's Satterthwaite degrees of freedom.
        """
        idx = np.asarray(indices, dtype=np.int64)
        b = self.coef[idx]
        v = self.vcov_cr2[np.ix_(idx, idx)]
        k = int(idx.size)
        quadratic = float(b @ np.linalg.solve(v, b))
        if dof == "clusters":
            statistic, denom = quadratic / k, float(self.clusters - 1)
        elif dof == "htz":
            eta = self.hotelling_dof(idx)
            denom = eta - k + 1
            if denom <= 0:
                raise EvaluationInputError(
                    "quarter",
                    "enough_clusters",
                    f"quarter : {k} effets à tester ensemble pour {number(eta, 1)} degrés de liberté"
                    " : trop peu de médecins pour ce test",
                )
            statistic = denom / (eta * k) * quadratic
        else:
            raise ValueError(f"dof: 'htz' or 'clusters', not {dof!r}")
        return WaldTest(statistic, float(stats.f.sf(statistic, k, denom)), k, denom)

    def hotelling_dof(self, indices: npt.ArrayLike) -> float:
        """eta of Pustejovsky and Tipton (2018, eq. 11) under the working model Phi = I:

            eta = q(q+1) / sum_{s,t<=q} sum_{h,i<=G} [B_st[h,i] B_ts[h,i] + B_ss[h,i] B_tt[h,i]],
            B_st[h,i] = p_sh' p_ti,   p_sh = (I - H)_{.,h} A_h X''_h M C' g_s,

        C the rows of the identity at `indices`, g_s the columns of (C M C')^(-1/2), H the hat
        matrix of the full design. With u_sh = A_h X''_h M C' g_s and (I - H) idempotent,
        `B_st[h,i] = [h = i] (u_sh'u_th - (1'u_sh)(1'u_th)/n_h) - z_sh' K z_ti`, z_sh = [S~_h,
        X''_h]' u_sh and K = `hat_kernel`: no n x n product is formed. For q = 1 it is the
        Satterthwaite degrees of freedom of Bell and McCaffrey (2002).
        """
        idx = np.asarray(indices, dtype=np.int64)
        q = int(idx.size)
        w, v = np.linalg.eigh(self.bread[np.ix_(idx, idx)])
        weights = self.bread[:, idx] @ ((v / np.sqrt(w)) @ v.T)  # M C' g, k x q
        diag_parts = []
        z_parts = []
        count_parts = []
        for block in self.blocks:
            u = block.adjusted_x @ weights  # (u, size, q)
            ones = u.sum(axis=1)
            diag_parts.append(
                u.transpose(0, 2, 1) @ u - ones[:, :, None] * ones[:, None, :] / u.shape[1]
            )
            z_parts.append(block.design.transpose(0, 2, 1) @ u)  # (u, r, q)
            count_parts.append(block.counts)
        d = np.concatenate(diag_parts)  # (U, q, q), symmetric: D_st[h]
        z = np.concatenate(z_parts)  # (U, r, q)
        c = np.concatenate(count_parts)  # clusters sharing each distinct design
        # E_st[h,i] = z_sh' K z_ti; on the diagonal (h = i) it is symmetric in s, t too.
        e_diag = np.einsum("has,hat->hst", z, np.einsum("ab,hbt->hat", self.hat_kernel, z))
        # Over h != i the sums need only the r x r products P_ts = K sum_i z_ti z_si':
        # sum_{h,i} E_st[h,i] E_ts[h,i] = tr(P_ts P_ts), sum_{h,i} E_ss[h,i] E_tt[h,i] =
        # tr(P_st P_ts). Each distinct design counts for the clusters that share it.
        p = self.hat_kernel @ np.einsum("iat,ibs,i->tsab", z, z, c)  # (q, q, r, r)
        cw = c[:, None, None]
        term1 = (
            float(np.sum(cw * d * d))
            - 2.0 * float(np.sum(cw * d * e_diag))
            + float(np.sum(p * p.transpose(0, 1, 3, 2)))
        )
        trace_d = np.einsum("hss->h", d)
        trace_e = np.einsum("hss->h", e_diag)
        term2 = (
            float(np.sum(c * trace_d * trace_d))
            - 2.0 * float(np.sum(c * trace_d * trace_e))
            + float(np.sum(p * p.transpose(1, 0, 3, 2)))
        )
        return q * (q + 1) / (term1 + term2)


def two_way_within(
    panel: Panel, regressors: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The two-way within transformation of `panel.value` and `regressors`, rows by doctor then
    quarter (`panel.order`): `(y'', X'', S~, (S~'S~)^+)` (see the module's text)."""
    within, s_tilde, k_s = _within(panel, np.column_stack((panel.value, regressors)))
    return within[:, 0], within[:, 1:], s_tilde, k_s


def _within(panel: Panel, columns: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """`columns` (in the panel's row order) two-way demeaned, rows by doctor then quarter, with
    `S~` and `(S~'S~)^+`."""
    n = panel.value.size
    q = int(panel.quarters.size)
    order = panel.order
    doctor = panel.doctor_code[order]
    sizes = np.bincount(doctor, minlength=panel.clusters)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))

    def demean_by_doctor(data: FloatArray) -> FloatArray:
        sums = np.add.reduceat(data, starts, axis=0)
        return data - (sums / sizes[:, None])[doctor]

    data_d = demean_by_doctor(columns[order])
    indicators = np.zeros((n, q))
    indicators[np.arange(n), panel.quarter_code[order]] = 1.0
    s_tilde = demean_by_doctor(indicators)
    k_s: FloatArray = np.linalg.pinv(s_tilde.T @ s_tilde).astype(np.float64)
    return data_d - s_tilde @ (k_s @ (s_tilde.T @ data_d)), s_tilde, k_s


def fit_two_way(panel: Panel, regressors: FloatArray, names: list[str]) -> Fit:
    """Regress `panel.value` on `regressors` (n x k) with doctor and quarter fixed effects."""
    return fit_two_way_outcomes(panel, panel.value[:, None], regressors, names)[0]


def fit_two_way_outcomes(
    panel: Panel, outcomes: FloatArray, regressors: FloatArray, names: list[str]
) -> list[Fit]:
    """`fit_two_way` of each column of `outcomes` (n x m, in the panel's row order) on the same
    doctors, quarters and regressors: the design's work (the within transformation, each
    cluster's CR2 adjustment, what the degrees of freedom read) is done once."""
    n = panel.value.size
    g = panel.clusters
    q = int(panel.quarters.size)
    k = regressors.shape[1]
    outs = outcomes.shape[1]
    order = panel.order
    doctor = panel.doctor_code[order]
    sizes = np.bincount(doctor, minlength=g)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    within, s_tilde, k_s = _within(panel, np.column_stack((outcomes, regressors)))
    y, x = within[:, :outs], within[:, outs:]
    xtx = x.T @ x
    # A regressor the fixed effects absorb (a quarter with no member doctor, say) leaves nothing.
    scale = np.sqrt(np.maximum(np.diag(xtx), 0.0))
    if (
        np.any(scale <= 1e-9 * max(1.0, float(np.sqrt(n))))
        or np.linalg.cond(xtx / np.outer(scale, scale)) > 1e10
    ):
        weak = names[int(np.argmin(scale))] if np.any(scale <= 1e-9) else ", ".join(names)
        raise EvaluationInputError(
            "quarter",
            "identifiable",
            f"quarter : l'effet « {weak} » n'est pas identifiable avec ces observations",
        )
    m: FloatArray = np.linalg.inv(xtx).astype(np.float64)
    coef = m @ (x.T @ y)  # k x outs
    resid = y - x @ coef
    meat_cr2 = np.zeros((outs, k, k))
    meat_cr1 = np.zeros((outs, k, k))
    blocks = []
    for size in np.unique(sizes):
        which = np.flatnonzero(sizes == size)
        rows = starts[which][:, None] + np.arange(size)  # (m, size)
        xg = x[rows]  # (m, size, k)
        sg = s_tilde[rows]  # (m, size, q)
        eg = resid[rows]  # (m, size, outs)
        # Clusters with the same rows of the design (every reference doctor of a balanced panel,
        # say) share H_gg and A_g: one eigendecomposition per distinct design.
        design = np.concatenate((sg, xg), axis=2)
        keys = np.round(design.reshape(design.shape[0], -1), _DESIGN_DECIMALS)
        keys += 0.0  # -0.0 and 0.0 alike
        group: dict[bytes, int] = {}
        first: list[int] = []
        same = np.empty(keys.shape[0], dtype=np.int64)
        for i, key in enumerate(keys):
            same[i] = group.setdefault(key.tobytes(), len(first))
            if same[i] == len(first):
                first.append(i)
        counts = np.bincount(same)
        xr, sr = xg[first], sg[first]
        hat = 1.0 / size + (sr @ k_s) @ sr.transpose(0, 2, 1) + (xr @ m) @ xr.transpose(0, 2, 1)
        w, v = np.linalg.eigh(np.eye(size) - hat)
        root = np.where(w > _NULL_EIGENVALUE, 1.0 / np.sqrt(np.maximum(w, _NULL_EIGENVALUE)), 0.0)
        adjusted_x = v @ (root[:, :, None] * (v.transpose(0, 2, 1) @ xr))  # A_g X''_g
        u2 = np.einsum("msk,mso->omk", adjusted_x[same], eg)  # X''_g' A_g e_g (A symmetric)
        blocks.append(_Block(design[first], adjusted_x, counts.astype(np.float64)))
        u1 = np.einsum("msk,mso->omk", xg, eg)
        meat_cr2 += u2.transpose(0, 2, 1) @ u2
        meat_cr1 += u1.transpose(0, 2, 1) @ u1
    parameters = k + g + q - 1
    cr1_factor = g / (g - 1) * (n - 1) / (n - parameters)
    residuals = np.empty((n, outs))
    residuals[order] = resid
    hat_kernel = np.block([[k_s, np.zeros((q, k))], [np.zeros((k, q)), m]])
    return [
        Fit(
            coef=coef[:, o],
            vcov_cr2=m @ meat_cr2[o] @ m,
            vcov_cr1=cr1_factor * (m @ meat_cr1[o] @ m),
            residuals=residuals[:, o],
            clusters=g,
            observations=n,
            parameters=parameters,
            bread=m,
            hat_kernel=hat_kernel,
            blocks=tuple(blocks),
        )
        for o in range(outs)
    ]
