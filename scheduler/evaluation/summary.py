"""One contract's evaluation from its quarterly observations: what the reports show.

`evaluate` takes the members' doctors' and the reference group's values per quarter (absolute
quarters, `year * 4 + quarter - 1`), the contract's start quarter and the assistant hours
delivered, and returns a `ContractEvaluation`: per indicator (PMT, file active) the difference in
differences, the pre-trend check, the event study and the gain per 100 hours, or the reason in
French why a figure cannot be computed (too few doctors or quarters): never an exception for
data that is merely too thin.

The reference group is either reference doctors' own statements (each a cluster of the
variance) or a published series (a département's average per general practitioner: one
reference unit per département, so the interval rests on the members' doctors' dispersion).
Pure computation: `scheduler.evaluation.stored` reads the database.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

from scheduler.evaluation.contract import (
    DidEstimate,
    EventEstimate,
    GainPer100Hours,
    PretrendCheck,
    difference_in_differences,
    event_study,
    gain_per_100_hours,
    pretrend_check,
)
from scheduler.evaluation.panel import EvaluationInputError, Panel

QUARTERS_BEFORE = 8
"""The quarters before the start the evaluation reads (two years)."""
MIN_MEMBER_DOCTORS = 2
MIN_REFERENCE_DOCTORS = 3
MIN_PRETREND_QUARTERS = 2  # -1, the reference quarter, and at least one lead
INDICATORS = ("pmt", "file_active")
INDICATOR_FR = {"pmt": "PMT", "file_active": "file active"}
_DIGITS = 4  # the figures are rounded so that a report's digest does not hang on the last bit

D = TypeVar("D")


class Reference(enum.StrEnum):
    """What the members' doctors are compared with."""

    DOCTORS = "doctors"  # non-member doctors' quarterly statements, clustered by doctor
    SERIES = "series"  # a published series: the département's average per GP and quarter
    NONE = "none"  # nothing usable on file


REFERENCE_FR = {
    Reference.DOCTORS: "médecins non membres du même département (relevés trimestriels)",
    Reference.SERIES: "série de référence publiée (moyenne par médecin généraliste du département)",
    Reference.NONE: "aucune référence exploitable",
}
INTERVAL_BASIS_FR = {
    Reference.DOCTORS: "l'intervalle tient compte de la dispersion des médecins membres et des "
    "médecins de référence (erreurs regroupées par médecin)",
    Reference.SERIES: "l'intervalle repose sur les seuls médecins membres : la série publiée "
    "compte comme un seul médecin de référence par département, sans dispersion propre",
    Reference.NONE: "",
}


@dataclass(frozen=True, slots=True)
class Observation:
    """One unit's values in one quarter: a member's doctor, a reference doctor or a series."""

    unit: int  # any id, distinct across members and references
    quarter: int  # absolute: year * 4 + quarter - 1
    pmt: float
    file_active: float
    member: bool


@dataclass(frozen=True, slots=True)
class IndicatorEvaluation:
    indicator: str  # "pmt" or "file_active"
    did: DidEstimate | None
    pretrend: PretrendCheck | None
    events: tuple[EventEstimate, ...]
    gain: GainPer100Hours | None
    reason: str | None  # why `did` is missing, in French
    pretrend_reason: str | None  # why `pretrend` is missing
    gain_reason: str | None  # why `gain` is missing

    @property
    def trusted(self) -> bool:
        """An effect whose pre-trend check ran and passed."""
        return self.did is not None and self.pretrend is not None and not self.pretrend.fails


@dataclass(frozen=True, slots=True)
class ContractEvaluation:
    reference: Reference
    departments: tuple[str, ...]
    start_quarter: str  # "2026-Q1"
    first_quarter: str | None
    last_quarter: str | None
    quarters_before: int
    quarters_after: int
    member_doctors: int
    reference_units: int  # doctors, or series (one per département)
    hours_delivered: float
    indicators: tuple[IndicatorEvaluation, ...]
    reason: str | None  # why nothing could be computed, in French

    @property
    def reference_fr(self) -> str:
        return REFERENCE_FR[self.reference]

    @property
    def interval_basis_fr(self) -> str:
        return INTERVAL_BASIS_FR[self.reference]


def quarter_label(quarter: int) -> str:
    """An absolute quarter as `2026-Q1`."""
    return f"{quarter // 4}-Q{quarter % 4 + 1}"


def quarter_of(year: int, quarter: int) -> int:
    """The absolute quarter of `year`'s `quarter` (1 to 4)."""
    return year * 4 + quarter - 1


def _rounded(value: D) -> D:
    """A result dataclass with its floats rounded to `_DIGITS` decimals."""
    changes: dict[str, Any] = {}
    for f in fields(value):  # type: ignore[arg-type]
        item = getattr(value, f.name)
        if isinstance(item, float):
            changes[f.name] = round(item, _DIGITS) + 0.0
        elif isinstance(item, tuple) and item and hasattr(item[0], "__dataclass_fields__"):
            changes[f.name] = tuple(_rounded(x) for x in item)
    return replace(value, **changes)  # type: ignore[type-var]


def _usable(observations: Iterable[Observation], start: int) -> list[Observation]:
    """The units observed at least once before and once since the start."""
    rows = [o for o in observations if start - QUARTERS_BEFORE <= o.quarter]
    before = {o.unit for o in rows if o.quarter < start}
    after = {o.unit for o in rows if o.quarter >= start}
    return [o for o in rows if o.unit in before and o.unit in after]


def _empty(
    reference: Reference,
    departments: tuple[str, ...],
    start: int,
    hours: float,
    reason: str,
    members: int = 0,
    references: int = 0,
) -> ContractEvaluation:
    return ContractEvaluation(
        reference=reference,
        departments=departments,
        start_quarter=quarter_label(start),
        first_quarter=None,
        last_quarter=None,
        quarters_before=0,
        quarters_after=0,
        member_doctors=members,
        reference_units=references,
        hours_delivered=round(hours, 2),
        indicators=(),
        reason=reason,
    )


def choose_reference(
    start: int, doctors: Sequence[Observation], series: Sequence[Observation]
) -> tuple[Reference, list[Observation]]:
    """The reference doctors when enough of them are observed before and since the start, else
    the published series when it is, else none."""
    usable_doctors = _usable(doctors, start)
    if len({o.unit for o in usable_doctors}) >= MIN_REFERENCE_DOCTORS:
        return Reference.DOCTORS, usable_doctors
    usable_series = _usable(series, start)
    if usable_series:
        return Reference.SERIES, usable_series
    return Reference.NONE, []


def evaluate(
    *,
    start: int,
    members: Sequence[Observation],
    reference_doctors: Sequence[Observation],
    reference_series: Sequence[Observation],
    departments: Sequence[str],
    hours_delivered: float,
    level: float = 0.95,
) -> ContractEvaluation:
    """The contract's evaluation (see the module's text); `start` is its first quarter."""
    depts = tuple(sorted(set(departments)))
    member_rows = _usable(members, start)
    member_count = len({o.unit for o in member_rows})
    reference, reference_rows = choose_reference(start, reference_doctors, reference_series)
    reference_count = len({o.unit for o in reference_rows})
    if member_count < MIN_MEMBER_DOCTORS:
        return _empty(
            reference,
            depts,
            start,
            hours_delivered,
            f"données insuffisantes : {member_count} médecin(s) membre(s) avec des relevés avant "
            f"et depuis le début du contrat, il en faut au moins {MIN_MEMBER_DOCTORS}",
            member_count,
            reference_count,
        )
    if reference is Reference.NONE:
        return _empty(
            reference,
            depts,
            start,
            hours_delivered,
            "données insuffisantes : ni relevés d'au moins "
            f"{MIN_REFERENCE_DOCTORS} médecins de référence ni série de référence publiée, "
            f"avant et depuis le début du contrat, pour le département "
            f"{' ou '.join(depts) or '(inconnu)'}",
            member_count,
        )
    rows = member_rows + reference_rows
    # Only the quarters the members are observed in identify their effect.
    member_quarters = {o.quarter for o in member_rows}
    rows = [o for o in rows if o.quarter in member_quarters]
    quarters = sorted({o.quarter for o in rows})
    before = [q for q in quarters if q < start]
    after = [q for q in quarters if q >= start]
    indicators = tuple(_indicator(name, rows, start, hours_delivered, level) for name in INDICATORS)
    return ContractEvaluation(
        reference=reference,
        departments=depts,
        start_quarter=quarter_label(start),
        first_quarter=quarter_label(quarters[0]),
        last_quarter=quarter_label(quarters[-1]),
        quarters_before=len(before),
        quarters_after=len(after),
        member_doctors=member_count,
        reference_units=reference_count,
        hours_delivered=round(hours_delivered, 2),
        indicators=indicators,
        reason=None,
    )


def _indicator(
    name: str, rows: Sequence[Observation], start: int, hours: float, level: float
) -> IndicatorEvaluation:
    try:
        panel = Panel.of(
            [o.unit for o in rows],
            [o.quarter - start for o in rows],
            [getattr(o, name) for o in rows],
            [o.member for o in rows],
        )
        did = _rounded(difference_in_differences(panel, level=level))
    except EvaluationInputError as error:
        return IndicatorEvaluation(name, None, None, (), None, _why(error), None, None)
    pretrend: PretrendCheck | None = None
    pretrend_reason: str | None = None
    events: tuple[EventEstimate, ...] = ()
    leads = sum(1 for q in panel.quarters if q < 0)
    if -1 not in panel.quarters or leads < MIN_PRETREND_QUARTERS:
        pretrend_reason = (
            "vérification impossible : il faut des relevés sur au moins "
            f"{MIN_PRETREND_QUARTERS} trimestres avant le début, dont celui qui le précède"
        )
    else:
        try:
            pretrend = _rounded(pretrend_check(panel))
            events = tuple(_rounded(e) for e in event_study(panel, level=level))
        except EvaluationInputError as error:
            pretrend_reason = "vérification impossible : " + _why(error)
    gain: GainPer100Hours | None = None
    gain_reason: str | None = None
    if hours > 0 and math.isfinite(hours):
        gain = _rounded(gain_per_100_hours(did, hours))
    else:
        gain_reason = "aucune heure d'assistance effectuée depuis le début du contrat"
    return IndicatorEvaluation(
        name, did, pretrend, events, gain, None, pretrend_reason, gain_reason
    )


def _why(error: EvaluationInputError) -> str:
    """The estimator's refusal, without the field name it starts with."""
    message = error.message
    head, sep, tail = message.partition(" : ")
    return tail if sep and head == error.field else message
