"""The report as a `;`-separated CSV (UTF-8 with BOM), its digest on the last line."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from scheduler.contribution import Progress, round_to
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
)


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


def render_csv(report: AllocationReport) -> bytes:
    """One row per member and week, a total per member, the group's total; digest at the end.

    Semicolon-separated UTF-8 with a BOM (what French spreadsheets open cleanly), dot decimals.
    `heures_realisees` counts the weeks over only: empty on a week still to come, whose hours are
    only in `heures_planifiees`. A `publie_apres_coup` row names each rota published once its
    period had begun (its first week in `semaine`, the reason in the last column).
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
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
            writer.writerow(
                ["publie_apres_coup", "", version.period_start.isoformat()]
                + [""] * (len(CSV_COLUMNS) - 4)
                + [version.late_reason or ""]
            )
    writer.writerow(["sha256", report_digest(report)] + [""] * (len(CSV_COLUMNS) - 2))
    return ("\ufeff" + out.getvalue()).encode()


FORMAT = ReportFormat(
    name="csv",
    media_type="text/csv; charset=utf-8",
    extension="csv",
    render=render_csv,
    page_label="CSV",
)
