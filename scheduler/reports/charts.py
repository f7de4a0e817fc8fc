"""The SVG charts of the PDF report: hours per member and progress towards the targets (the
event study of the contract's evaluation is matplotlib's: `scheduler.evaluation.charts`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from scheduler.contribution import ContractFigures, MemberFigures

PALETTE = ("#1b6ca8", "#d1495b", "#2e8b57", "#8e5ea2", "#e08e0b", "#5d6d7e")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def hours_chart(members: Sequence[MemberFigures], width: int = 680, height: int = 230) -> str:
    """Hours delivered per member and week over (solid) against its contracted hours (dashed);
    the weeks not over show their planned hours (dotted), never as delivered."""
    weeks = [w.week_start for w in members[0].weeks] if members else []
    left, right, top, bottom = 48, 150, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(
        [1]
        + [
            max(w.contracted_minutes, w.planned_minutes, w.delivered_minutes or 0)
            for m in members
            for w in m.weeks
        ]
    )
    y_max = (peak // 600 + 1) * 600  # a round number of 10 h above the peak
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans" font-size="9">'
        )
    ]

    def x_of(i: int) -> float:
        return left + (plot_w * i / max(1, len(weeks) - 1))

    def y_of(minutes: int) -> float:
        return top + plot_h * (1 - minutes / y_max)

    for step in range(0, y_max + 1, 600 if y_max <= 3000 else 1200):
        y = y_of(step)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{step // 60} h</text>'
        )
    label_every = max(1, len(weeks) // 8)
    for i, week in enumerate(weeks):
        if i % label_every == 0:
            parts.append(
                f'<text x="{x_of(i):.1f}" y="{height - bottom + 14}" text-anchor="middle">'
                f"{week.day:02d}/{week.month:02d}</text>"
            )
    for index, member in enumerate(members):
        color = PALETTE[index % len(PALETTE)]
        last_over = max((i for i, w in enumerate(member.weeks) if w.elapsed), default=-1)
        series: list[tuple[list[tuple[int, int]], str]] = [
            (
                [(i, w.contracted_minutes) for i, w in enumerate(member.weeks)],
                ' stroke-dasharray="5,3"',
            ),
            (
                [
                    (i, w.delivered_minutes)
                    for i, w in enumerate(member.weeks)
                    if w.delivered_minutes is not None
                ],
                "",
            ),
            # Planned hours of the weeks not over, from the last week over on.
            (
                [(i, w.planned_minutes) for i, w in enumerate(member.weeks) if i == last_over]
                + [(i, w.planned_minutes) for i, w in enumerate(member.weeks) if not w.elapsed]
                if any(not w.elapsed and w.planned_minutes for w in member.weeks)
                else [],
                ' stroke-dasharray="1,2"',
            ),
        ]
        for points_of, dash in series:
            if not points_of:
                continue
            if len(points_of) == 1:
                x, y = x_of(points_of[0][0]), y_of(points_of[0][1])
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>')
            points = " ".join(f"{x_of(i):.1f},{y_of(minutes):.1f}" for i, minutes in points_of)
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.6"{dash}/>'
            )
        y = top + 12 + index * 28
        lx = left + plot_w + 12
        parts.append(
            f'<line x1="{lx}" y1="{y}" x2="{lx + 18}" y2="{y}" stroke="{color}" stroke-width="2"/>'
        )
        name = member.name if len(member.name) <= 22 else member.name[:21] + "…"
        parts.append(f'<text x="{lx + 22}" y="{y + 3}">{_esc(name)}</text>')
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>'
    )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle" fill="#333">'
        "semaine (lundi) — plein : effectuées ; pointillés : prévues (à venir) ; tirets : contractuelles"
        "</text></svg>"
    )
    return "".join(parts)


def progress_chart(figures: ContractFigures, width: int = 680, height: int = 240) -> str:
    """Attainment of the group's PMT and FA targets over time, the trend to the deadline and its
    band (a cone from the last statement to the band at the deadline), the 100 % line."""
    start, deadline = (
        figures.progress.series[0][0] if figures.progress.series else figures.as_of,
        figures.deadline,
    )
    start = min(start, figures.as_of)
    left, right, top, bottom = 48, 150, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max(1, (deadline - start).days)
    p = figures.progress
    indicators = (("PMT", p.pmt, 1, PALETTE[0]), ("file active", p.file_active, 2, PALETTE[1]))
    values = [Decimal(1)]
    for _, ind, col, _c in indicators:
        if ind.target:
            values += [Decimal((row[1], row[2])[col - 1]) / ind.target for row in p.series]
            if ind.projection is not None:
                for v in (ind.projection.value, ind.projection.low, ind.projection.high):
                    if v is not None:
                        values.append(v / ind.target)
    y_lo = min(Decimal(0), min(values))
    y_hi = max(values) * Decimal("1.05")
    y_lo, y_hi = Decimal(float(y_lo) // 0.25 * 0.25), Decimal(-(-float(y_hi) // 0.25) * 0.25)

    def x_of(day: date) -> float:
        return left + plot_w * (day - start).days / span

    def y_of(ratio: Decimal) -> float:
        return float(top + plot_h * (1 - (ratio - y_lo) / (y_hi - y_lo)))

    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans" font-size="9">'
        )
    ]
    step = next(
        (
            Decimal(s)
            for s in ("0.1", "0.25", "0.5", "1", "2", "5", "10")
            if (y_hi - y_lo) / Decimal(s) <= 8
        ),
        Decimal(20),
    )
    y_lo = (y_lo / step).to_integral_value(rounding="ROUND_FLOOR") * step
    y_hi = (y_hi / step).to_integral_value(rounding="ROUND_CEILING") * step
    tick = y_lo
    while tick <= y_hi:
        y = y_of(tick)
        stroke = "#333" if tick == 1 else "#ddd"
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{stroke}"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{int(tick * 100)} %</text>'
        )
        tick += step
    parts.append(
        f'<text x="{left + plot_w - 2}" y="{y_of(Decimal(1)) - 3:.1f}" text-anchor="end">objectif</text>'
    )
    for day, anchor in ((start, "start"), (deadline, "end")):
        parts.append(
            f'<text x="{x_of(day):.1f}" y="{height - bottom + 14}" text-anchor="{anchor}">'
            f"{day.day:02d}/{day.month:02d}/{day.year}</text>"
        )
    parts.append(
        f'<line x1="{x_of(deadline):.1f}" y1="{top}" x2="{x_of(deadline):.1f}" y2="{top + plot_h}" '
        'stroke="#999" stroke-dasharray="2,2"/>'
    )
    for index, (label, ind, col, color) in enumerate(indicators):
        if not ind.target or not p.series:
            continue
        pts = [
            (x_of(row[0]), y_of(Decimal((row[1], row[2])[col - 1]) / ind.target))
            for row in p.series
        ]
        parts.append(
            '<polyline points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            + f'" fill="none" stroke="{color}" stroke-width="1.8"/>'
        )
        parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{color}"/>' for x, y in pts)
        proj = ind.projection
        if proj is not None and not proj.reached:
            last_x, last_y = pts[-1]
            end_x = x_of(deadline)
            if proj.low is not None and proj.high is not None:
                parts.append(
                    f'<polygon points="{last_x:.1f},{last_y:.1f} {end_x:.1f},{y_of(proj.high / ind.target):.1f} '
                    f'{end_x:.1f},{y_of(proj.low / ind.target):.1f}" fill="{color}" fill-opacity="0.15"/>'
                )
            parts.append(
                f'<line x1="{last_x:.1f}" y1="{last_y:.1f}" x2="{end_x:.1f}" '
                f'y2="{y_of(proj.value / ind.target):.1f}" stroke="{color}" stroke-dasharray="5,3"/>'
            )
        y = top + 12 + index * 28
        lx = left + plot_w + 12
        parts.append(
            f'<line x1="{lx}" y1="{y}" x2="{lx + 18}" y2="{y}" stroke="{color}" stroke-width="2"/>'
        )
        parts.append(f'<text x="{lx + 22}" y="{y + 3}">{label} (gain / objectif)</text>')
    lx, y = left + plot_w + 12, top + 12 + 2 * 28
    parts.append(
        f'<rect x="{lx}" y="{y - 5}" width="18" height="10" fill="#777" fill-opacity="0.2"/>'
    )
    parts.append(f'<text x="{lx + 22}" y="{y + 3}">tendance et bande</text>')
    parts.append(f'<text x="{lx + 22}" y="{y + 14}" fill="#555">à l’échéance</text>')
    parts.append("</svg>")
    return "".join(parts)
