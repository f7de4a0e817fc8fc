"""The report's French wording: statuses and periods."""

from __future__ import annotations

from scheduler.contribution import Progress, Status
from scheduler.french import NBSP, long_date, month_year, percent, quarter_year
from scheduler.reports.periods import Period

STATUS_FR = {
    Status.ON_TRACK: "en bonne voie",
    Status.AT_RISK: "à risque",
    Status.MISSED: "manqué",
    Status.UNKNOWN: "indéterminé",
}


def status_basis(progress: Progress) -> str:
    """What a status is read from, in French: the weaker indicator's attainment projected at the
    deadline (reached there, once it is past), never the attainment to date."""
    ratio = progress.weaker_projected_attainment
    if ratio is None:
        return f"sans projection{NBSP}: moins de deux relevés"
    projection = progress.pmt.projection
    if projection is not None and projection.reached:
        return f"atteinte constatée à l’échéance{NBSP}: {percent(ratio)}"
    return f"projection à l’échéance{NBSP}: {percent(ratio)}"


def fr_period(period: Period) -> str:
    """A period in words."""
    if period.kind == "month":
        return month_year(period.start)
    if period.kind == "quarter":
        return quarter_year(period.start)
    if period.kind == "contract_year":
        return (
            f"année {period.label[1:]} du contrat ({long_date(period.start)} – "
            f"{long_date(period.end)})"
        )
    return f"année {period.start.year}"
