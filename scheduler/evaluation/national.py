"""The national evaluation: every contract's effect, pooled nationally, by département and by
contract size, and the pooled event study, with the export for the Assurance maladie.

**Per contract** the estimator is the contract's own (`summary.evaluate`): its members' doctors
against its départements' reference doctors (or the published series when fewer than
`MIN_REFERENCE_DOCTORS` are on file), the quarters from `QUARTERS_BEFORE` before the start to
the one holding `as_of`; the difference in differences with its CR2 interval (Bell-McCaffrey
degrees of freedom), and the event-study coefficients (each quarter's gap to quarter -1). A
contract whose figure cannot be computed keeps its reason, in French, and weighs nothing.

**Pooled** (a group of contracts: all of them, a département's, a size band's) the effect is the
mean of the contracts' effects weighted by their member doctors, `b = sum w_c b_c / W`: the
average effect per member doctor. Its 95 % interval:

- when the group spans at least two départements, the CR2 cluster-robust interval of that
  weighted mean (the intercept of a weighted regression of the contracts' effects), clustered by
  *département*: the contracts of one département share their reference doctors and their
  quarters' shocks, those of two départements share nothing. With `u_d = sum_{c in d} w_c (b_c -
  b)` and `p_d = W_d / W`, `V = sum_d u_d^2 / (1 - p_d) / W^2` (Bell and McCaffrey's
  adjustment `(1 - p_d)^(-1/2)` of each cluster's score), read on Student's t with the
  Bell-McCaffrey (Satterthwaite) degrees of freedom, which have a closed form here:
  `nu = 1 / sum_{d,e} l_de^2`, `l_de = [d = e] p_d / (1 - p_d) - a_d a_e`, `a_d = p_d /
  sqrt(1 - p_d)` (G - 1 for G départements of equal weight). A contract over several
  départements is counted in the one of most of its member doctors.
- within one département (its own row, or a size band found in one département only) there is
  one cluster and no dispersion to read: the interval is then the bound that holds whatever the
  correlation of its contracts (their shared reference doctors): the weighted mean of the
  contracts' own interval bounds, `[sum w_c low_c / W, sum w_c high_c / W]` (a sum of
  standard errors is never below the standard error of the sum).

The event study pools each quarter's coefficient alike (the contracts observed at that quarter),
with the CR2 interval by département; a quarter found in one département only has its point and
no interval, with the reason.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.evaluation.contract import differences_in_differences
from scheduler.evaluation.panel import EvaluationInputError, FloatArray, IntArray, Panel
from scheduler.evaluation.regression import two_way_within
from scheduler.evaluation.stored import first_day, quarter_of_day
from scheduler.evaluation.summary import (
    INDICATOR_FR,
    INDICATORS,
    MIN_MEMBER_DOCTORS,
    MIN_REFERENCE_DOCTORS,
    QUARTERS_BEFORE,
    Reference,
    quarter_of,
)
from scheduler.french import number

FORMAT = "partagenda-national-evaluation/1"
LEVEL = 0.95
_DIGITS = 4

SIZE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (1, 2, "1 à 2 cabinets"),
    (3, 3, "3 cabinets"),
    (4, 4, "4 cabinets"),
    (5, None, "5 cabinets ou plus"),
)
"""The contract sizes the national evaluation is split by: member cabinets, from, to (None: no
upper bound), label."""

METHOD_CR2 = "cr2-departement"
METHOD_BOUND = "borne-prudente"
METHOD_FR = {
    METHOD_CR2: "moyenne des effets des contrats pondérée par leurs médecins membres ; intervalle "
    "CR2 (Bell-McCaffrey) regroupé par département, loi de Student à {dof} degrés de liberté "
    "(Satterthwaite, Bell-McCaffrey)",
    METHOD_BOUND: "moyenne des effets des contrats pondérée par leurs médecins membres ; un seul "
    "département : intervalle borné par la moyenne pondérée des intervalles des contrats (valable "
    "quelle que soit leur corrélation par leurs médecins de référence communs)",
}
METHOD_EN = {
    METHOD_CR2: "member-doctor weighted mean of the contracts' difference-in-differences "
    "estimates; CR2 (Bell-McCaffrey) cluster-robust interval by departement, t with "
    "Bell-McCaffrey (Satterthwaite) degrees of freedom",
    METHOD_BOUND: "member-doctor weighted mean of the contracts' difference-in-differences "
    "estimates; one departement: the weighted mean of the contracts' own CR2 interval bounds, a "
    "bound valid under any correlation between them",
}
CONTRACT_METHOD_EN = (
    "per contract: difference in differences, two-way fixed effects (doctor, quarter); CR2 "
    "(Bell-McCaffrey) cluster-robust standard error by doctor; t interval with Bell-McCaffrey "
    "(Satterthwaite) degrees of freedom"
)


# --- Per contract --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContractEffect:
    """One contract's figure for one indicator, as the national evaluation pools it."""

    contract: str  # its code
    department: str  # of most of its member doctors ("" when it has none)
    cabinets: int  # member cabinets
    indicator: str
    member_doctors: int  # the weight
    reference: str  # `Reference` value
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    events: tuple[tuple[int, float], ...]  # (quarter relative to the start, gap to quarter -1)
    reason: str | None  # why `effect` is missing, in French


@dataclass(frozen=True, slots=True)
class _Rows:
    unit: IntArray
    quarter: IntArray
    pmt: FloatArray
    file_active: FloatArray

    @classmethod
    def empty(cls) -> _Rows:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0))

    def take(self, mask: npt.NDArray[np.bool_]) -> _Rows:
        return _Rows(self.unit[mask], self.quarter[mask], self.pmt[mask], self.file_active[mask])

    def usable(self, start: int, last: int) -> _Rows:
        """The rows of the window of the units observed before and since `start` in it."""
        rows = self.take((self.quarter >= start - QUARTERS_BEFORE) & (self.quarter <= last))
        before = np.unique(rows.unit[rows.quarter < start])
        after = np.unique(rows.unit[rows.quarter >= start])
        return rows.take(np.isin(rows.unit, np.intersect1d(before, after)))

    @staticmethod
    def concat(parts: Sequence[_Rows]) -> _Rows:
        if not parts:
            return _Rows.empty()
        return _Rows(
            np.concatenate([p.unit for p in parts]),
            np.concatenate([p.quarter for p in parts]),
            np.concatenate([p.pmt for p in parts]),
            np.concatenate([p.file_active for p in parts]),
        )


def _contract_effects(
    code: str,
    start: int,
    last: int,
    cabinets: int,
    departments: Sequence[str],
    main_department: str,
    members: _Rows,
    reference_doctors: _Rows,
    reference_series: _Rows,
) -> list[ContractEffect]:
    """The contract's effect on each indicator, or the reason it has none (the contract's own
    evaluation's selection of doctors, reference and quarters: `summary.evaluate`)."""

    def missing(
        reason: str, doctors: int = 0, reference: Reference = Reference.NONE
    ) -> list[ContractEffect]:
        return [
            ContractEffect(
                code,
                main_department,
                cabinets,
                name,
                doctors,
                reference.value,
                None,
                None,
                None,
                (),
                reason,
            )
            for name in INDICATORS
        ]

    if start > last:
        return missing("le contrat n'a pas encore commencé à cette date")
    member_rows = members.usable(start, last)
    member_count = int(np.unique(member_rows.unit).size)
    doctors = reference_doctors.usable(start, last)
    if np.unique(doctors.unit).size >= MIN_REFERENCE_DOCTORS:
        reference, reference_rows = Reference.DOCTORS, doctors
    else:
        series = reference_series.usable(start, last)
        reference, reference_rows = (
            (Reference.SERIES, series) if series.unit.size else (Reference.NONE, _Rows.empty())
        )
    if member_count < MIN_MEMBER_DOCTORS:
        return missing(
            f"données insuffisantes : {member_count} médecin(s) membre(s) avec des relevés avant "
            f"et depuis le début du contrat, il en faut au moins {MIN_MEMBER_DOCTORS}",
            member_count,
            reference,
        )
    if reference is Reference.NONE:
        return missing(
            "données insuffisantes : ni relevés d'au moins "
            f"{MIN_REFERENCE_DOCTORS} médecins de référence ni série de référence publiée, "
            "avant et depuis le début du contrat, pour le département "
            f"{' ou '.join(departments) or '(inconnu)'}",
            member_count,
        )
    reference_rows = reference_rows.take(np.isin(reference_rows.quarter, member_rows.quarter))
    rows = _Rows.concat([member_rows, reference_rows])
    treated = np.concatenate(
        (np.ones(member_rows.unit.size, bool), np.zeros(reference_rows.unit.size, bool))
    )
    try:
        panel = Panel.of(rows.unit, rows.quarter - start, rows.pmt, treated)
    except EvaluationInputError as error:
        return missing(_why(error), member_count, reference)
    events = _event_coefficients(panel, rows.file_active)
    try:
        estimates = differences_in_differences(
            panel, np.column_stack((rows.pmt, rows.file_active)), level=LEVEL
        )
    except EvaluationInputError as error:
        return missing(_why(error), member_count, reference)
    return [
        ContractEffect(
            code,
            main_department,
            cabinets,
            name,
            member_count,
            reference.value,
            _round(did.effect),
            _round(did.ci_low),
            _round(did.ci_high),
            events.get(name, ()),
            None,
        )
        for name, did in zip(INDICATORS, estimates, strict=True)
    ]


def _event_coefficients(
    panel: Panel, file_active: FloatArray
) -> dict[str, tuple[tuple[int, float], ...]]:
    """The event study's coefficients of both indicators (each quarter's gap to quarter -1, 0
    there), by least squares on the two-way within transformation: the contract's `event_study`
    without its intervals, which the pooling does not read. Nothing when quarter -1 is missing
    or a quarter's gap is not identified. `file_active`: the panel's rows' file active."""
    quarters = [int(q) for q in panel.quarters]
    if -1 not in quarters:
        return {}
    events = [q for q in quarters if q != -1]
    columns = np.stack(
        [(panel.treated & (panel.quarter == q)).astype(np.float64) for q in events], axis=1
    )
    y, within, _, _ = two_way_within(panel, np.column_stack((file_active, columns)))
    x = within[:, 1:]
    xtx = x.T @ x
    scale = np.sqrt(np.diag(xtx))
    if np.any(scale <= 1e-9) or np.linalg.cond(xtx / np.outer(scale, scale)) > 1e10:
        return {}
    coef = np.linalg.solve(xtx, x.T @ np.column_stack((y, within[:, 0])))
    out = {}
    for j, name in enumerate(INDICATORS):
        pairs = [(q, _round(float(c))) for q, c in zip(events, coef[:, j], strict=True)]
        out[name] = tuple(sorted([*pairs, (-1, 0.0)]))
    return out


def _why(error: EvaluationInputError) -> str:
    head, sep, tail = error.message.partition(" : ")
    return tail if sep and head == error.field else error.message


def _round(value: float) -> float:
    return round(value, _DIGITS) + 0.0


# --- Pooling -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PooledEstimate:
    """A group's pooled effect on one indicator, or the reason it has none."""

    indicator: str
    level: str  # "national", "department", "size", "event"
    group: str  # "France", the département's code, the size band's label, the quarter
    contracts: int  # in the group
    computed: int  # with a figure
    member_doctors: int  # of the contracts with a figure
    departments: int  # of the contracts with a figure: the clusters
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    dof: float | None
    method: str | None  # METHOD_CR2 or METHOD_BOUND
    reason: str | None

    @property
    def method_fr(self) -> str:
        if self.method is None:
            return ""
        return METHOD_FR[self.method].format(dof=number(self.dof or 0.0, 1))


def cr2_by_cluster(
    values: Sequence[float], weights: Sequence[float], clusters: Sequence[str]
) -> tuple[float, float, float]:
    """The weighted mean of `values`, its CR2 standard error clustered by `clusters` and its
    Bell-McCaffrey degrees of freedom (see the module's text); at least two clusters."""
    b = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    total = float(w.sum())
    mean = float(w @ b) / total
    names, code = np.unique(np.asarray(clusters), return_inverse=True)
    if names.size < 2:
        raise ValueError("CR2 by cluster needs two clusters at least")
    score = np.bincount(code, weights=w * (b - mean), minlength=names.size)
    p = np.bincount(code, weights=w, minlength=names.size) / total
    variance = float(np.sum(score**2 / (1.0 - p))) / total**2
    ratio = p / (1.0 - p)
    a2 = p**2 / (1.0 - p)
    squares = float(np.sum(ratio**2) - 2.0 * np.sum(ratio * a2) + np.sum(a2) ** 2)
    return mean, math.sqrt(variance), 1.0 / squares


def pool(
    effects: Sequence[ContractEffect], indicator: str, level: str, group: str, *, bound: bool
) -> PooledEstimate:
    """The group's pooled effect (`effects`: its contracts'); `bound`: fall back on the bound
    when the contracts lie in one département."""
    usable = [e for e in effects if e.effect is not None]
    clusters = sorted({e.department for e in usable})
    doctors = sum(e.member_doctors for e in usable)
    head = PooledEstimate(
        indicator=indicator,
        level=level,
        group=group,
        contracts=len(effects),
        computed=len(usable),
        member_doctors=doctors,
        departments=len(clusters),
        effect=None,
        ci_low=None,
        ci_high=None,
        dof=None,
        method=None,
        reason=None,
    )
    if not usable:
        reason = (
            "aucun contrat"
            if not effects
            else f"aucun des {len(effects)} contrat(s) n'a de chiffre (données insuffisantes, "
            "raisons par contrat dans l'export)"
        )
        return replace(head, reason=reason)
    weights = [float(e.member_doctors) for e in usable]
    total = sum(weights)
    if len(clusters) >= 2:
        mean, se, dof = cr2_by_cluster(
            [e.effect or 0.0 for e in usable], weights, [e.department for e in usable]
        )
        half = float(stats.t.ppf(0.5 + LEVEL / 2, dof)) * se
        return replace(
            head,
            effect=_round(mean),
            ci_low=_round(mean - half),
            ci_high=_round(mean + half),
            dof=_round(dof),
            method=METHOD_CR2,
        )
    mean = sum(w * (e.effect or 0.0) for w, e in zip(weights, usable, strict=True)) / total
    if not bound:
        return replace(head, effect=_round(mean), reason="un seul département : pas d'intervalle")
    low = sum(w * (e.ci_low or 0.0) for w, e in zip(weights, usable, strict=True)) / total
    high = sum(w * (e.ci_high or 0.0) for w, e in zip(weights, usable, strict=True)) / total
    return replace(
        head, effect=_round(mean), ci_low=_round(low), ci_high=_round(high), method=METHOD_BOUND
    )


def size_band(cabinets: int) -> str:
    """The label of the size band of a contract of `cabinets` member cabinets."""
    for low, high, label in SIZE_BANDS:
        if cabinets >= low and (high is None or cabinets <= high):
            return label
    return SIZE_BANDS[0][2]


@dataclass(frozen=True, slots=True)
class IndicatorNational:
    indicator: str
    national: PooledEstimate
    by_department: tuple[PooledEstimate, ...]
    by_size: tuple[PooledEstimate, ...]
    event_study: tuple[PooledEstimate, ...]  # group: the quarter relative to the start

    @property
    def indicator_fr(self) -> str:
        return INDICATOR_FR[self.indicator]

    @property
    def event_points(self) -> list[EventPoint]:
        """The pooled event study's quarters that have a point, for the chart."""
        return [
            EventPoint(int(r.group), r.effect, r.ci_low, r.ci_high)
            for r in self.event_study
            if r.effect is not None
        ]


@dataclass(frozen=True, slots=True)
class EventPoint:
    """A quarter of the pooled event study, as the chart draws it."""

    quarter: int
    coef: float
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True, slots=True)
class NationalEvaluation:
    as_of: date
    contracts: tuple[ContractEffect, ...]  # per contract and indicator
    indicators: tuple[IndicatorNational, ...]

    @property
    def contract_count(self) -> int:
        return len({c.contract for c in self.contracts})

    def without_figure(self) -> list[ContractEffect]:
        return [c for c in self.contracts if c.effect is None]


def pool_all(effects: Sequence[ContractEffect], as_of: date) -> NationalEvaluation:
    """The national evaluation from every contract's effects."""
    indicators = []
    for name in INDICATORS:
        mine = [e for e in effects if e.indicator == name]
        by_department: dict[str, list[ContractEffect]] = defaultdict(list)
        by_size: dict[str, list[ContractEffect]] = defaultdict(list)
        for e in mine:
            by_department[e.department or "?"].append(e)
            by_size[size_band(e.cabinets)].append(e)
        quarters = sorted({q for e in mine if e.effect is not None for q, _ in e.events})
        events = []
        for q in quarters:
            at = [
                _at_quarter(e, q)
                for e in mine
                if e.effect is not None and dict(e.events).get(q) is not None
            ]
            estimate = pool(at, name, "event", str(q), bound=False)
            if q == -1:  # the reference quarter: 0 by construction
                estimate = replace(
                    estimate,
                    effect=0.0,
                    ci_low=0.0,
                    ci_high=0.0,
                    method=None,
                    dof=None,
                    reason=None,
                )
            events.append(estimate)
        indicators.append(
            IndicatorNational(
                indicator=name,
                national=pool(mine, name, "national", "France", bound=True),
                by_department=tuple(
                    pool(by_department[d], name, "department", d, bound=True)
                    for d in sorted(by_department)
                ),
                by_size=tuple(
                    pool(by_size[label], name, "size", label, bound=True)
                    for _, _, label in SIZE_BANDS
                    if label in by_size
                ),
                event_study=tuple(events),
            )
        )
    return NationalEvaluation(as_of=as_of, contracts=tuple(effects), indicators=tuple(indicators))


def _at_quarter(effect: ContractEffect, quarter: int) -> ContractEffect:
    value = dict(effect.events)[quarter]
    return ContractEffect(
        effect.contract,
        effect.department,
        effect.cabinets,
        effect.indicator,
        effect.member_doctors,
        effect.reference,
        value,
        None,
        None,
        (),
        None,
    )


# --- From the database ---------------------------------------------------------------------------


def _group_rows(
    keys: Sequence[Any], unit: IntArray, quarter: IntArray, pmt: FloatArray, fa: FloatArray
) -> dict[Any, _Rows]:
    """The rows grouped by `keys` (one key per row)."""
    where: dict[Any, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        where[key].append(i)
    return {
        key: _Rows(unit[idx], quarter[idx], pmt[idx], fa[idx])
        for key, rows in where.items()
        for idx in (np.asarray(rows, dtype=np.int64),)
    }


def _quarters(days: Sequence[date]) -> IntArray:
    """The absolute quarters of `days`."""
    months = np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return (months // 12 + 1970) * 4 + (months % 12) // 3


def _latest_per_quarter(
    unit: IntArray, day: Sequence[date], pmt: FloatArray, fa: FloatArray
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Each unit's latest statement in each quarter (the contract's evaluation reads the same)."""
    quarter = _quarters(day)
    ordinal = np.asarray(day, dtype="datetime64[D]").astype(np.int64)
    order = np.lexsort((ordinal, quarter, unit))
    unit, quarter, pmt, fa = unit[order], quarter[order], pmt[order], fa[order]
    last = np.ones(unit.size, bool)
    last[:-1] = (unit[1:] != unit[:-1]) | (quarter[1:] != quarter[:-1])
    return unit[last], quarter[last], pmt[last], fa[last]


def national_evaluation(session: Session, *, as_of: date) -> NationalEvaluation:
    """Every contract's evaluation from the statements and the reference group on file up to
    `as_of`, pooled (reads only; a few bulk queries whatever the number of contracts)."""
    last = quarter_of_day(as_of)
    contracts = session.execute(
        select(
            models.PooledContract.id, models.PooledContract.code, models.PooledContract.start_date
        ).order_by(models.PooledContract.id)
    ).all()
    cabinets_of: dict[int, set[int]] = defaultdict(set)
    for contract_id, cabinet_id in session.execute(
        select(models.SharePlan.contract_id, models.Share.cabinet_id).join(
            models.Share, models.Share.plan_id == models.SharePlan.id
        )
    ):
        cabinets_of[contract_id].add(cabinet_id)
    department_of = dict(
        session.execute(select(models.Cabinet.id, models.Cabinet.department)).all()
    )
    doctors_of: dict[int, list[int]] = defaultdict(list)
    for doctor_id, cabinet_id in session.execute(
        select(models.Doctor.id, models.Doctor.cabinet_id)
    ):
        doctors_of[cabinet_id].append(doctor_id)

    earliest = min((c.start_date for c in contracts), default=as_of)
    first = quarter_of_day(earliest) - QUARTERS_BEFORE
    # Core rows through the session's connection: the ORM's row processing would double the time
    # these few hundred thousand rows take.
    connection = session.connection()
    snaps = connection.execute(
        select(
            models.PatienteleSnapshot.doctor_id,
            models.PatienteleSnapshot.snapshot_date,
            models.PatienteleSnapshot.pmt,
            models.PatienteleSnapshot.file_active,
        ).where(
            models.PatienteleSnapshot.snapshot_date >= first_day(first),
            models.PatienteleSnapshot.snapshot_date <= as_of,
        )
    ).all()
    unit, quarter, pmt, fa = _latest_per_quarter(
        np.array([r[0] for r in snaps], dtype=np.int64),
        [r[1] for r in snaps],
        np.array([r[2] for r in snaps], dtype=np.float64),
        np.array([r[3] for r in snaps], dtype=np.float64),
    )
    member_rows = _group_rows([int(u) for u in unit], unit, quarter, pmt, fa)

    statements = connection.execute(
        select(
            models.ReferenceStatement.department,
            models.ReferenceStatement.rpps,
            models.ReferenceStatement.year,
            models.ReferenceStatement.quarter,
            models.ReferenceStatement.pmt,
            models.ReferenceStatement.file_active,
        ).where(
            models.ReferenceStatement.rpps.not_in(select(models.Doctor.rpps)),
            models.ReferenceStatement.year * 4 + models.ReferenceStatement.quarter - 1 >= first,
            models.ReferenceStatement.year * 4 + models.ReferenceStatement.quarter - 1 <= last,
        )
    ).all()
    rpps_unit = {rpps: -(i + 1) for i, rpps in enumerate(sorted({r[1] for r in statements}))}
    reference_by_department = _group_rows(
        [r[0] for r in statements],
        np.array([rpps_unit[r[1]] for r in statements], dtype=np.int64),
        np.array([quarter_of(r[2], r[3]) for r in statements], dtype=np.int64),
        np.array([r[4] for r in statements], dtype=np.float64),
        np.array([r[5] for r in statements], dtype=np.float64),
    )
    series = session.execute(
        select(
            models.ReferenceSeries.department,
            models.ReferenceSeries.year,
            models.ReferenceSeries.quarter,
            models.ReferenceSeries.pmt,
            models.ReferenceSeries.file_active,
        )
    ).all()
    series_departments = sorted({r[0] for r in series})
    series_unit = {d: -(i + 1) for i, d in enumerate(series_departments)}
    series_by_department = _group_rows(
        [r[0] for r in series],
        np.array([series_unit[r[0]] for r in series], dtype=np.int64),
        np.array([quarter_of(r[1], r[2]) for r in series], dtype=np.int64),
        np.array([float(r[3]) for r in series], dtype=np.float64),
        np.array([float(r[4]) for r in series], dtype=np.float64),
    )

    effects: list[ContractEffect] = []
    for contract_id, code, start_date in contracts:
        cabinet_ids = sorted(cabinets_of.get(contract_id, ()))
        departments = sorted({department_of[c] for c in cabinet_ids})
        doctor_counts: dict[str, int] = defaultdict(int)
        for c in cabinet_ids:
            doctor_counts[department_of[c]] += len(doctors_of.get(c, ()))
        main = min(departments, key=lambda d: (-doctor_counts[d], d)) if departments else ""
        members = _Rows.concat(
            [member_rows[d] for c in cabinet_ids for d in doctors_of.get(c, ()) if d in member_rows]
        )
        effects += _contract_effects(
            code,
            quarter_of_day(start_date),
            last,
            len(cabinet_ids),
            departments,
            main,
            members,
            _Rows.concat(
                [reference_by_department[d] for d in departments if d in reference_by_department]
            ),
            _Rows.concat(
                [series_by_department[d] for d in departments if d in series_by_department]
            ),
        )
    return pool_all(effects, as_of)


# --- The export ----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "indicateur",
    "niveau",
    "groupe",
    "contrats",
    "contrats_chiffres",
    "medecins_membres",
    "departements",
    "effet",
    "ic95_bas",
    "ic95_haut",
    "ddl",
    "methode",
    "raison",
)
LEVEL_FR = {
    "national": "national",
    "department": "departement",
    "size": "taille",
    "event": "trimestre_relatif",
    "contract": "contrat",
}


def _cell(value: float | int | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{_DIGITS}f}"
    return str(value)


def render_csv(evaluation: NationalEvaluation) -> bytes:
    """The national evaluation as a `;`-separated CSV (UTF-8): one line per indicator and group
    (national, each département, each size band, each quarter of the event study), then one per
    contract and indicator, its own figure or the reason it has none."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for ind in evaluation.indicators:
        for row in (ind.national, *ind.by_department, *ind.by_size, *ind.event_study):
            writer.writerow(
                [
                    row.indicator,
                    LEVEL_FR[row.level],
                    row.group,
                    row.contracts,
                    row.computed,
                    row.member_doctors,
                    row.departments,
                    _cell(row.effect),
                    _cell(row.ci_low),
                    _cell(row.ci_high),
                    _cell(row.dof),
                    row.method or "",
                    row.reason or "",
                ]
            )
    for c in evaluation.contracts:
        writer.writerow(
            [
                c.indicator,
                LEVEL_FR["contract"],
                c.contract,
                1,
                0 if c.effect is None else 1,
                c.member_doctors,
                c.department,
                _cell(c.effect),
                _cell(c.ci_low),
                _cell(c.ci_high),
                "",
                "" if c.effect is None else "contrat-cr2-medecin",
                c.reason or "",
            ]
        )
    return out.getvalue().encode("utf-8")


def _estimate_json(row: PooledEstimate) -> dict[str, Any]:
    data = asdict(row)
    del data["indicator"], data["level"]
    data["method_fr"] = row.method_fr or None
    return data


def render_json(evaluation: NationalEvaluation) -> bytes:
    """The national evaluation as JSON (`FORMAT`), keys sorted, with the methods named."""
    body = {
        "format": FORMAT,
        "as_of": evaluation.as_of.isoformat(),
        "level": LEVEL,
        "methods": {"contract": CONTRACT_METHOD_EN, **METHOD_EN},
        "size_bands": [
            {"from_cabinets": low, "to_cabinets": high, "label": label}
            for low, high, label in SIZE_BANDS
        ],
        "indicators": {
            ind.indicator: {
                "national": _estimate_json(ind.national),
                "by_department": [_estimate_json(r) for r in ind.by_department],
                "by_size": [_estimate_json(r) for r in ind.by_size],
                "event_study": [
                    {**_estimate_json(r), "quarter": int(r.group)} for r in ind.event_study
                ],
            }
            for ind in evaluation.indicators
        },
        "contracts": [
            {**asdict(c), "events": [{"quarter": q, "coef": v} for q, v in c.events]}
            for c in evaluation.contracts
        ],
    }
    return (json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


RENDERERS = {"csv": render_csv, "json": render_json}


def digest_line(body: bytes, filename: str) -> str:
    """The `sha256sum` line of `body` named `filename` (`sha256sum -c` checks it)."""
    return f"{hashlib.sha256(body).hexdigest()}  {filename}\n"


def export_name(as_of: date, fmt: str) -> str:
    return f"evaluation-nationale-{as_of.isoformat()}.{fmt}"


def _estimate_from_json(indicator: str, level: str, data: dict[str, Any]) -> PooledEstimate:
    return PooledEstimate(
        indicator=indicator,
        level=level,
        group=data["group"],
        contracts=data["contracts"],
        computed=data["computed"],
        member_doctors=data["member_doctors"],
        departments=data["departments"],
        effect=data["effect"],
        ci_low=data["ci_low"],
        ci_high=data["ci_high"],
        dof=data["dof"],
        method=data["method"],
        reason=data["reason"],
    )


def evaluation_from_json(body: bytes) -> NationalEvaluation:
    """The national evaluation read back from its JSON export (`render_json`): the same values,
    so that the pages can show an evaluation computed ahead (`scheduler.evaluation_cache`).
    JSON writes a float as its shortest repr, which reads back to the same float."""
    data = json.loads(body)
    if data["format"] != FORMAT:
        raise ValueError(f"not a {FORMAT} document: {data['format']}")
    indicators = []
    for name in INDICATORS:
        item = data["indicators"][name]
        indicators.append(
            IndicatorNational(
                indicator=name,
                national=_estimate_from_json(name, "national", item["national"]),
                by_department=tuple(
                    _estimate_from_json(name, "department", r) for r in item["by_department"]
                ),
                by_size=tuple(_estimate_from_json(name, "size", r) for r in item["by_size"]),
                event_study=tuple(
                    _estimate_from_json(name, "event", r) for r in item["event_study"]
                ),
            )
        )
    contracts = tuple(
        ContractEffect(
            contract=c["contract"],
            department=c["department"],
            cabinets=c["cabinets"],
            indicator=c["indicator"],
            member_doctors=c["member_doctors"],
            reference=c["reference"],
            effect=c["effect"],
            ci_low=c["ci_low"],
            ci_high=c["ci_high"],
            events=tuple((e["quarter"], e["coef"]) for e in c["events"]),
            reason=c["reason"],
        )
        for c in data["contracts"]
    )
    return NationalEvaluation(
        as_of=date.fromisoformat(data["as_of"]), contracts=contracts, indicators=tuple(indicators)
    )
