"""Doctor x quarter observations of one contract's evaluation, checked once on the way in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scheduler.errors import PartagendaError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class EvaluationInputError(PartagendaError, ValueError):
    """Observations an evaluation cannot be computed from; `field` and `rule` say which and why."""

    title = "Données d'évaluation invalides"

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule
        self.message = message


@dataclass(frozen=True, slots=True)
class Panel:
    """One row per doctor and quarter.

    `doctor`: any integer id; `quarter`: the quarter's index relative to the contract's start
    quarter (0 is the start quarter, -1 the one before: the reference quarter); `value`: the
    figure evaluated (PMT or file active); `treated`: the doctor belongs to a member cabinet
    (`False`: a reference doctor). Build it with `Panel.of`, which checks the rows.
    """

    doctor: IntArray
    quarter: IntArray
    value: FloatArray
    treated: BoolArray
    doctor_code: IntArray  # 0..G-1, in the order of the sorted doctor ids
    quarter_code: IntArray  # 0..Q-1, in the order of the sorted quarters
    quarters: IntArray  # the distinct relative quarters, sorted
    treated_doctor: BoolArray  # per doctor code
    order: IntArray  # the rows by doctor, then quarter

    @property
    def clusters(self) -> int:
        return int(self.treated_doctor.size)

    @classmethod
    def of(
        cls,
        doctor: npt.ArrayLike,
        quarter: npt.ArrayLike,
        value: npt.ArrayLike,
        treated: npt.ArrayLike,
    ) -> Panel:
        doctor_a = _integers("doctor", doctor)
        quarter_a = _integers("quarter", quarter)
        value_a = np.asarray(value, dtype=np.float64)
        treated_a = np.asarray(treated)
        if treated_a.dtype != np.bool_:
            raise EvaluationInputError(
                "treated", "boolean", "treated : valeurs booléennes attendues"
            )
        n = doctor_a.size
        for name, arr in (("quarter", quarter_a), ("value", value_a), ("treated", treated_a)):
            if arr.ndim != 1 or arr.size != n:
                raise EvaluationInputError(
                    name, "same_length", f"{name} : {arr.size} valeurs pour {n} médecins-trimestres"
                )
        if n == 0:
            raise EvaluationInputError("doctor", "not_empty", "doctor : aucune observation")
        if not np.all(np.isfinite(value_a)):
            raise EvaluationInputError("value", "finite", "value : valeur manquante ou infinie")
        ids, doctor_code = np.unique(doctor_a, return_inverse=True)
        quarters, quarter_code = np.unique(quarter_a, return_inverse=True)
        g, q = ids.size, quarters.size
        cells = np.bincount(doctor_code * q + quarter_code, minlength=g * q)
        if np.any(cells > 1):
            first = int(np.flatnonzero(cells > 1)[0])
            raise EvaluationInputError(
                "quarter",
                "unique_per_doctor",
                f"quarter : le médecin {ids[first // q]} a plusieurs observations"
                f" au trimestre {quarters[first % q]}",
            )
        treated_count = np.bincount(doctor_code, weights=treated_a, minlength=g)
        rows = np.bincount(doctor_code, minlength=g)
        mixed = (treated_count > 0) & (treated_count < rows)
        if np.any(mixed):
            raise EvaluationInputError(
                "treated",
                "constant_per_doctor",
                f"treated : le médecin {ids[int(np.flatnonzero(mixed)[0])]}"
                " est à la fois membre et référence",
            )
        treated_doctor = treated_count > 0
        if not treated_doctor.any() or treated_doctor.all():
            raise EvaluationInputError(
                "treated",
                "both_groups",
                "treated : il faut au moins un médecin membre et un médecin de référence",
            )
        if not np.any(quarters < 0) or not np.any(quarters >= 0):
            raise EvaluationInputError(
                "quarter",
                "before_and_after",
                "quarter : il faut des trimestres avant (< 0) et depuis (>= 0) le début du contrat",
            )
        return cls(
            doctor=doctor_a,
            quarter=quarter_a,
            value=value_a,
            treated=treated_a,
            doctor_code=doctor_code.astype(np.int64),
            quarter_code=quarter_code.astype(np.int64),
            quarters=quarters.astype(np.int64),
            treated_doctor=treated_doctor,
            order=np.lexsort((quarter_code, doctor_code)).astype(np.int64),
        )


def _integers(field: str, values: npt.ArrayLike) -> IntArray:
    arr = np.asarray(values)
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise EvaluationInputError(field, "integers", f"{field} : entiers attendus")
    return arr.astype(np.int64)
