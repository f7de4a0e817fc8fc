"""The PDF report's hours and progress charts (scheduler/reports/charts.py), drawn by matplotlib:
the same figures give the same bytes, the texts are French, and the weeks not over are drawn as
planned, never as delivered."""

from __future__ import annotations

import re
from datetime import date

from scheduler.contribution import contract_figures
from scheduler.reports.charts import hours_chart, progress_chart
from tests.scheduler.test_contribution import base_contract


def _texts(svg: str) -> str:
    """The chart's texts: matplotlib writes each beside its outlines, in a comment."""
    return " ".join(re.findall(r"<!-- (.*?) -->", svg))


def test_the_charts_are_matplotlibs_and_the_same_figures_give_the_same_bytes() -> None:
    figures = contract_figures(base_contract(), date(2026, 3, 1), date(2026, 3, 31))
    hours_svg, progress_svg = hours_chart(figures.members), progress_chart(figures)
    for svg in (hours_svg, progress_svg):
        assert svg.startswith("<svg") and "matplotlib" in svg
    assert hours_chart(figures.members) == hours_svg and progress_chart(figures) == progress_svg
    hours = _texts(hours_chart(figures.members))
    assert "Cabinet A" in hours and "tirets : contractuelles" in hours and "0 h" in hours
    progress = _texts(progress_chart(figures))
    assert "objectif" in progress and "PMT (gain / objectif)" in progress
    assert "05/01/2028" in progress  # the deadline, two years after the start


def test_a_week_not_over_is_drawn_as_planned_not_as_delivered() -> None:
    """Read on 2026-05-13 (a Wednesday), the weeks of 11 and 18 May are not over: each member's
    line of delivered hours stops at the week of 4 May, and a dotted line of planned hours goes
    on; read once they are over, there is no planned line."""
    contract = base_contract()
    over = contract_figures(contract, date(2026, 5, 4), date(2026, 5, 24))
    under_way = contract_figures(
        contract, date(2026, 5, 4), date(2026, 5, 24), today=date(2026, 5, 13)
    )
    assert over.members[0].weeks[-1].delivered_minutes is not None
    assert under_way.members[0].weeks[-1].delivered_minutes is None
    before, now = hours_chart(over.members), hours_chart(under_way.members)
    assert 'id="delivered-0"' in before and 'id="planned-0"' not in before
    assert 'id="delivered-0"' in now and 'id="planned-0"' in now
