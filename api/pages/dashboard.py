"""What the contract dashboard shows: the weeks' hours, the charts' data and the totals, built from
the contract's figures (no queries)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from api.pages.styles import CabinetStyle
from scheduler import models, report_cache, reports
from scheduler.contribution import AidYear, ContractFigures, MemberFigures, Progress, WeekHours
from scheduler.french import duration, long_date

TARGET_STATUS_FR = {
    "on_track": "en bonne voie",
    "at_risk": "à risque",
    "missed": "manqué",
    "unknown": "inconnu",
}


# --- Contract dashboard ---------------------------------------------------------------------------


def recent_weeks(weeks: Sequence[WeekHours], today: date, count: int = 12) -> list[WeekHours]:
    """The last `count` weeks up to four weeks ahead of `today` (the planning horizon)."""
    horizon = today + timedelta(days=28)
    return [w for w in weeks if w.week_start <= horizon][-count:]


def member_weeks(member: MemberFigures, today: date) -> list[WeekHours]:
    """A member's weeks shown on the pages."""
    return recent_weeks(member.weeks, today)


def hours_chart(
    members: Sequence[MemberFigures], styles: dict[int, CabinetStyle], today: date
) -> dict[str, Any]:
    """Chart.js data: hours per member and week against the contracted share (dashed lines of
    the same colour): solid bars for the hours delivered in the weeks over, pale bars for the
    hours planned in the weeks to come (never shown as delivered)."""
    weeks = sorted({w.week_start for m in members for w in member_weeks(m, today)})
    labels = [f"{w.day:02d}/{w.month:02d}" for w in weeks]
    datasets: list[dict[str, Any]] = []
    for member in members:
        style = styles.get(member.cabinet_id)
        strong = style.strong if style else "#333333"
        tint = style.tint if style else "#dddddd"
        by_week = {w.week_start: w for w in member.weeks}
        shown = [by_week.get(w) for w in weeks]
        datasets.append(
            {
                "type": "bar",
                "label": f"{member.name} — effectuées",
                "data": [
                    round(h.delivered_minutes / 60, 2)
                    if h is not None and h.delivered_minutes is not None
                    else None
                    for h in shown
                ],
                "backgroundColor": strong,
                "skipNull": True,
            }
        )
        datasets.append(
            {
                "type": "bar",
                "label": f"{member.name} — prévues (à venir)",
                "data": [
                    round(h.planned_minutes / 60, 2) if h is not None and not h.elapsed else None
                    for h in shown
                ],
                "backgroundColor": tint,
                "borderColor": strong,
                "borderWidth": 1,
                "skipNull": True,
            }
        )
        datasets.append(
            {
                "type": "line",
                "label": f"{member.name} — part contractuelle",
                "data": [
                    round(by_week[w].contracted_minutes / 60, 2) if w in by_week else 0
                    for w in weeks
                ],
                "borderColor": strong,
                "borderDash": [6, 4],
                "pointStyle": "rectRot",
                "fill": False,
            }
        )
    return {"labels": labels, "datasets": datasets}


def week_delivered(week: WeekHours) -> str:
    """A week's delivered hours, or `à venir` while the week is not over."""
    return "à venir" if week.delivered_minutes is None else duration(week.delivered_minutes)


def status_label(progress: Progress) -> str:
    """The status with what it is read from: `en bonne voie (projection à l'échéance : 240 %)`."""
    return f"{TARGET_STATUS_FR[progress.status.value]} ({reports.status_basis(progress)})"


def _attainment(gain: int, target: Decimal) -> float | None:
    return round(float(Decimal(gain) / target * 100), 1) if target else None


def progress_chart(progress: Progress) -> dict[str, Any]:
    """Chart.js data: attainment of the pooled target (PMT and file active, in % of the target)
    over time, with the projection at the deadline and its band."""
    points = list(progress.series)
    labels = [f"{d.day:02d}/{d.month:02d}/{d.year}" for d, _, _ in points]
    deadline = progress.deadline
    labels.append(f"{deadline.day:02d}/{deadline.month:02d}/{deadline.year} (échéance)")
    n = len(points)
    datasets: list[dict[str, Any]] = []
    for name, indicator, column, colour in (
        ("PMT", progress.pmt, 1, "#1d4ed8"),
        ("File active", progress.file_active, 2, "#b4233c"),
    ):
        gains = [p[1] if column == 1 else p[2] for p in points]
        series: list[float | None] = [_attainment(g, indicator.target) for g in gains]
        datasets.append(
            {
                "label": f"{name} — atteinte",
                "data": [*series, None],
                "borderColor": colour,
                "backgroundColor": colour,
            }
        )
        projection = indicator.projection
        if projection is not None and indicator.target and n:
            projected = [None] * (n - 1) + [
                series[-1],
                _attainment(int(projection.value), indicator.target),
            ]
            datasets.append(
                {
                    "label": f"{name} — projection",
                    "data": projected,
                    "borderColor": colour,
                    "borderDash": [6, 4],
                    "backgroundColor": colour,
                }
            )
            if projection.low is not None and projection.high is not None:
                datasets.append(
                    {
                        "type": "bar",
                        "label": f"{name} — bande de projection",
                        "data": [None] * n
                        + [
                            [
                                _attainment(int(projection.low), indicator.target),
                                _attainment(int(projection.high), indicator.target),
                            ]
                        ],
                        "backgroundColor": colour + "55",
                        "borderColor": colour,
                        "borderWidth": 1,
                        "barPercentage": 0.3,
                    }
                )
    datasets.append(
        {
            "label": "Objectif (100 %)",
            "data": [100.0] * (n + 1),
            "borderColor": "#1b1b1b",
            "borderDash": [2, 3],
            "pointRadius": 0,
        }
    )
    return {"labels": labels, "datasets": datasets}


def contract_year(contract: models.PooledContract, today: date) -> str:
    """The contract year (`Y1`...) containing `today`, clamped to the contract's duration."""
    return report_cache.contract_year(contract.start_date, contract.duration_years, today)


SPLIT_BASIS_FR = {
    "by_share": "selon les parts contractuelles",
    "by_hours": "selon les heures reçues",
}


def split_words(year: AidYear) -> str:
    """How a contract year's aid and net cost are split, and the weeks a split by hours rests
    on: `selon les heures reçues des 3 semaines finies du 2 février au 17 mai 2026`."""
    words = SPLIT_BASIS_FR[year.split_basis]
    weeks = year.split_weeks
    if not weeks:
        return words
    last_sunday = weeks[-1] + timedelta(days=6)
    count = "de la semaine finie" if len(weeks) == 1 else f"des {len(weeks)} semaines finies"
    return f"{words} {count} du {long_date(weeks[0])} au {long_date(last_sunday)}"


def totals(figures: ContractFigures) -> dict[str, str]:
    """The contract's hour totals, formatted."""
    return {
        "contracted": duration(figures.contracted_minutes),
        "planned": duration(figures.planned_minutes),
        "delivered": duration(figures.delivered_minutes),
    }
