"""The charts of the PDF report, drawn by matplotlib as SVG in French: hours per member and week,
and progress towards the group's targets (the event study of the contract's evaluation is in
`scheduler.evaluation.charts`, whose house style and lock these share).

matplotlib is imported when a chart is drawn only. The same figures give the same bytes (no date
in the SVG, element ids salted with a constant), as a report's digest and its PDF require.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from scheduler.contribution import ContractFigures, MemberFigures
from scheduler.evaluation.charts import drawing, svg_text
from scheduler.french import number

PALETTE = ("#1b6ca8", "#d1495b", "#2e8b57", "#8e5ea2", "#e08e0b", "#5d6d7e")
_WIDTH_IN, _HEIGHT_IN = 7.1, 2.45
_NAME_CHARS = 22


def _short(name: str) -> str:
    return name if len(name) <= _NAME_CHARS else name[: _NAME_CHARS - 1] + "…"


def _hours_tick(value: float, _position: object = None) -> str:
    return f"{number(value, 0)} h"


def _percent_tick(value: float, _position: object = None) -> str:
    return f"{number(value * 100, 0)} %".replace("-", "−")


def _figure() -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(_WIDTH_IN, _HEIGHT_IN), layout="constrained")
    axes = figure.add_subplot()
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    return figure, axes


def hours_chart(members: Sequence[MemberFigures]) -> str:
    """Hours delivered per member and week over (solid) against its contracted hours (dashed);
    the weeks not over show their planned hours (dotted), never as delivered."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    weeks = [w.week_start for w in members[0].weeks] if members else []
    with drawing("partagenda-hours"):
        figure, axes = _figure()
        handles = []
        for index, member in enumerate(members):
            color = PALETTE[index % len(PALETTE)]
            last_over = max((i for i, w in enumerate(member.weeks) if w.elapsed), default=-1)
            contracted = [(i, w.contracted_minutes) for i, w in enumerate(member.weeks)]
            delivered = [
                (i, w.delivered_minutes)
                for i, w in enumerate(member.weeks)
                if w.delivered_minutes is not None
            ]
            # Planned hours of the weeks not over, from the last week over on.
            planned = (
                [(i, w.planned_minutes) for i, w in enumerate(member.weeks) if i == last_over]
                + [(i, w.planned_minutes) for i, w in enumerate(member.weeks) if not w.elapsed]
                if any(not w.elapsed and w.planned_minutes for w in member.weeks)
                else []
            )
            series = (
                ("contracted", contracted, "--"),
                ("delivered", delivered, "-"),
                ("planned", planned, ":"),
            )
            for kind, points, style in series:
                if points:
                    axes.plot(
                        [i for i, _ in points],
                        [minutes / 60 for _, minutes in points],
                        linestyle=style,
                        marker="o" if len(points) == 1 else None,
                        markersize=3,
                        color=color,
                        linewidth=1.4,
                        gid=f"{kind}-{index}",  # the SVG group's id: what a line shows
                    )
            handles.append(Line2D([], [], color=color, linewidth=2, label=_short(member.name)))
        step = max(1, len(weeks) // 8)
        axes.set_xticks(range(0, len(weeks), step))
        axes.set_xticklabels([f"{w.day:02d}/{w.month:02d}" for w in weeks[::step]])
        axes.set_xlim(-0.3, max(1, len(weeks) - 1) + 0.3)
        axes.set_ylim(bottom=0)
        axes.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        axes.yaxis.set_major_formatter(FuncFormatter(_hours_tick))
        axes.set_xlabel(
            "semaine (lundi) — plein : effectuées ; pointillés : prévues (à venir) ; "
            "tirets : contractuelles"
        )
        if handles:
            axes.legend(
                handles=handles,
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                frameon=False,
                fontsize=7,
            )
        return svg_text(figure)


def progress_chart(figures: ContractFigures) -> str:
    """Attainment of the group's PMT and FA targets over time, the trend to the deadline and its
    band (a cone from the last statement to the band at the deadline), the 100 % line."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    p = figures.progress
    start = min(p.series[0][0] if p.series else figures.as_of, figures.as_of)
    deadline = figures.deadline

    def day_of(day: date) -> int:
        return (day - start).days

    indicators = (("PMT", p.pmt, 1, PALETTE[0]), ("file active", p.file_active, 2, PALETTE[1]))
    with drawing("partagenda-progress"):
        figure, axes = _figure()
        axes.axhline(1.0, color="#333333", linewidth=0.9)
        axes.annotate(
            "objectif",
            xy=(1.0, 1.0),
            xycoords=("axes fraction", "data"),
            xytext=(-2, 3),
            textcoords="offset points",
            horizontalalignment="right",
        )
        axes.axvline(day_of(deadline), color="#999999", linewidth=0.8, linestyle=(0, (2, 2)))
        handles: list[Any] = []
        for label, ind, column, color in indicators:
            if not ind.target or not p.series:
                continue
            target = float(ind.target)
            xs = [day_of(row[0]) for row in p.series]
            ys = [float((row[1], row[2])[column - 1]) / target for row in p.series]
            axes.plot(xs, ys, "-o", color=color, linewidth=1.6, markersize=2.5)
            projection = ind.projection
            if projection is not None and not projection.reached:
                end = day_of(deadline)
                if projection.low is not None and projection.high is not None:
                    axes.fill(
                        [xs[-1], end, end],
                        [ys[-1], float(projection.high) / target, float(projection.low) / target],
                        color=color,
                        alpha=0.15,
                        linewidth=0,
                    )
                axes.plot(
                    [xs[-1], end],
                    [ys[-1], float(projection.value) / target],
                    linestyle="--",
                    color=color,
                    linewidth=1.1,
                )
            handles.append(
                Line2D([], [], color=color, linewidth=2, label=f"{label} (gain / objectif)")
            )
        handles.append(
            Patch(facecolor="#777777", alpha=0.2, label="tendance et bande\nà l’échéance")
        )
        axes.set_xticks([0, day_of(deadline)])
        axes.set_xticklabels([f"{d.day:02d}/{d.month:02d}/{d.year}" for d in (start, deadline)])
        axes.set_xlim(0, max(1, day_of(deadline)) * 1.01)
        bottom, top = axes.get_ylim()
        axes.set_ylim(min(0.0, bottom), max(1.05, top))
        axes.yaxis.set_major_formatter(FuncFormatter(_percent_tick))
        axes.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=7
        )
        return svg_text(figure)
