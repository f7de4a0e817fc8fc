"""The report as a `;`-separated CSV (UTF-8 with BOM), its digest on the last line."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from scheduler.contribution import Eligibility, Progress, round_to
from scheduler.evaluation.summary import ContractEvaluation
from scheduler.reports.build import AllocationReport
from scheduler.reports.content import report_digest
from scheduler.reports.formats.base import ReportFormat

CSV_COLUMNS = (
    "ligne",
    "cabinet",
    "semaine",
    "heures_contractuelles",
    "heures_planifiees",
    "heures_realisees",
    "part_contractuelle",
    "part_heures_recues",
    "gain_pmt",
    "gain_fa",
    "objectif_pmt",
    "objectif_fa",
    "atteinte_pmt",
    "atteinte_fa",
    "part_gain_pmt",
    "part_gain_fa",
    "gain_pmt_100h",
    "gain_fa_100h",
    "statut",
    # The rows `evaluation` only: the contract's effect on one indicator (`cabinet` names it).
    "reference",
    "effet_par_medecin",
    "ic95_bas",
    "ic95_haut",
    "medecins_membres",
    "unites_reference",
    "tendance_prealable_p",
    "tendance_prealable",
    "gain_100h_effectuees",
    "gain_100h_ic95_bas",
    "gain_100h_ic95_haut",
    "methode",
    # The rows `eligibilite` only: a condition of the collective contract (`cabinet` names it),
    # its value and its limit; `statut` says `ok`, `non_respecte` or `inconnu`.
    "valeur",
    "limite",
)
STATUS_COLUMN = CSV_COLUMNS.index("statut")
VALUE_COLUMN = CSV_COLUMNS.index("valeur")


def _hours(minutes: int | None) -> str:
    """Minutes as hours with two decimals; empty for a week not over (nothing delivered yet)."""
    return "" if minutes is None else f"{round_to(Decimal(minutes) / 60, 2):f}"


def _dec(value: Decimal | None, places: int = 4) -> str:
    return "" if value is None else f"{round_to(value, places):f}"


def _progress_cells(p: Progress) -> list[str]:
    return [
        str(p.pmt.gain),
        str(p.file_active.gain),
        _dec(p.pmt.target, 2),
        _dec(p.file_active.target, 2),
        _dec(p.pmt.attainment),
        _dec(p.file_active.attainment),
    ]


class _PaddedWriter:
    """Every row as long as the header: the rows of the members' figures leave the evaluation's
    columns empty."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Sequence[str]) -> None:
        self._writer.writerow([*row, *[""] * (len(CSV_COLUMNS) - len(row))])

    def writerows(self, rows: Sequence[Sequence[str]]) -> None:
        for row in rows:
            self.writerow(row)


def render_csv(report: AllocationReport) -> bytes:
    """One row per member and week, a total per member, the group's total; digest at the end.

    Semicolon-separated UTF-8 with a BOM (what French spreadsheets open cleanly), dot decimals.
    An `evaluation` row per indicator gives the contract's effect against its reference group
    (`_evaluation_rows`).
    `heures_realisees` counts the weeks over only: empty on a week still to come, whose hours are
    only in `heures_planifiees`. A `publie_apres_coup` row names each rota published once its
    period had begun (its first week in `semaine`, the reason in the last column).
    """
    out = io.StringIO()
    writer = _PaddedWriter(csv.writer(out, delimiter=";", lineterminator="\r\n"))
    writer.writerow(CSV_COLUMNS)
    f = report.figures
    blank = [""] * 6
    for m in f.members:
        for w in m.weeks:
            writer.writerow(
                ["semaine", m.code, w.week_start.isoformat()]
                + [
                    _hours(w.contracted_minutes),
                    _hours(w.planned_minutes),
                    _hours(w.delivered_minutes),
                ]
                + [""] * (len(CSV_COLUMNS) - 6)
            )
        writer.writerow(
            ["membre", m.code, ""]
            + [_hours(m.contracted_minutes), _hours(m.planned_minutes), _hours(m.delivered_minutes)]
            + [_dec(Decimal(m.share_bp) / 10000), _dec(m.share_of_hours)]
            + _progress_cells(m.progress)
            + [_dec(m.share_of_gain_pmt), _dec(m.share_of_gain_fa)]
            + [_dec(m.gain_pmt_per_100h, 2), _dec(m.gain_fa_per_100h, 2), m.progress.status.value]
        )
    writer.writerow(
        ["groupe", "", ""]
        + [_hours(f.contracted_minutes), _hours(f.planned_minutes), _hours(f.delivered_minutes)]
        + ["1.0000", "1.0000" if f.cumulative_delivered_minutes else ""]
        + _progress_cells(f.progress)
        + ["", "", "", "", f.progress.status.value]
    )
    del blank
    # Rotas published once their period had begun: their weeks' hours were not planned ahead.
    for version in report.rota_versions:
        if version.published_late:
            row = ["publie_apres_coup", "", version.period_start.isoformat()]
            writer.writerow(row + [""] * (STATUS_COLUMN - len(row)) + [version.late_reason or ""])
    if f.eligibility is not None:
        writer.writerows(_eligibility_rows(f.eligibility))
    if report.evaluation is not None:
        writer.writerows(_evaluation_rows(report.evaluation))
    writer.writerow(["sha256", report_digest(report)] + [""] * (len(CSV_COLUMNS) - 2))
    return ("\ufeff" + out.getvalue()).encode()


def _num(value: float | None, places: int = 4) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _verdict(ok: bool | None) -> str:
    return "inconnu" if ok is None else ("ok" if ok else "non_respecte")


def _eligibility_rows(e: Eligibility) -> list[list[str]]:
    """One `eligibilite` row per condition: the group's average PMT at signature against its
    minimum (`semaine`: the signature day), the funded ETP against the cap (member doctors, plus
    the bonus), and against the ETP the assistants' contracts employ."""
    conditions = [
        (
            "pmt_moyen_signature",
            e.signature.isoformat(),
            _dec(e.average_pmt_at_signature, 2),
            str(e.min_average_pmt),
            e.average_pmt_ok,
        ),
        ("etp_plafond", "", _dec(e.funded_etp, 2), _dec(e.etp_cap, 2), e.etp_ok),
        ("etp_employes", "", _dec(e.funded_etp, 2), _dec(e.employed_etp, 3), e.employed_ok),
    ]
    rows = []
    for name, day, value, limit, ok in conditions:
        row = ["eligibilite", name, day] + [""] * (STATUS_COLUMN - 3) + [_verdict(ok)]
        rows.append(row + [""] * (VALUE_COLUMN - len(row)) + [value, limit])
    return rows


def _evaluation_rows(ev: ContractEvaluation) -> list[list[str]]:
    """One `evaluation` row per indicator (`cabinet`: pmt or file_active): the effect per member
    doctor and its interval, the pre-trend check (`ok`, `echec`, `impossible`), the gain per
    100 hours delivered; the reason in `statut` when a figure is missing. `reference` says what
    the figures rest on (`doctors`, `series`, `none`)."""
    lead = ["evaluation"]
    if ev.reason is not None or not ev.indicators:
        row = [*lead, "", ev.start_quarter] + [""] * (STATUS_COLUMN - 3) + [ev.reason or ""]
        return [[*row, ev.reference.value]]
    rows = []
    for ind in ev.indicators:
        did, check, gain = ind.did, ind.pretrend, ind.gain
        verdict = "impossible" if check is None else ("echec" if check.fails else "ok")
        reason = ind.reason or ind.pretrend_reason or ind.gain_reason or ""
        row = [*lead, ind.indicator, ev.start_quarter] + [""] * (STATUS_COLUMN - 3) + [reason]
        rows.append(
            row
            + [
                ev.reference.value,
                _num(did.effect if did else None),
                _num(did.ci_low if did else None),
                _num(did.ci_high if did else None),
                str(ev.member_doctors),
                str(ev.reference_units),
                _num(check.p_value if check else None),
                verdict,
                _num(gain.gain if gain else None),
                _num(gain.ci_low if gain else None),
                _num(gain.ci_high if gain else None),
                did.method if did else "",
            ]
        )
    return rows


FORMAT = ReportFormat(
    name="csv",
    media_type="text/csv; charset=utf-8",
    extension="csv",
    render=render_csv,
    page_label="CSV",
)
