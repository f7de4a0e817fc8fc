"""The event-study chart of an evaluation, drawn by matplotlib (Agg backend) as SVG, in French.

One chart per indicator: each quarter's gap between the member doctors and the reference
relative to the quarter before the start (0 there), with its 95 % interval where there is one;
the start between quarters -1 and 0, the quarters before it on a grey ground. The contract's
report (PDF) and the pages show a contract's; the national evaluation's page and export show the
pooled one.

matplotlib is imported by `event_study_svg` only, when a chart is drawn: `partagenda solve` and
the rest of the service do not load it. The same points give the same bytes: the SVG carries no
date, and its element ids are salted with a constant (a report's digest and its PDF's bytes
must not depend on the run).
"""

from __future__ import annotations

import base64
import io
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from scheduler.french import number

_WIDTH_IN, _HEIGHT_IN = 4.4, 2.6
_MEMBER = "#1b6ca8"  # quarters since the start
_BEFORE = "#5d6d7e"  # quarters before it
# rcParams are global: charts are drawn one at a time so that the salt and the fonts of one
# drawing are never those another thread is restoring.
_LOCK = threading.Lock()
_RC: dict[Any, Any] = {
    "svg.hashsalt": "partagenda-event-study",
    "svg.fonttype": "path",  # the text as outlines: the same look in a PDF and any browser
    "font.family": "DejaVu Sans",
    "font.size": 7.5,
    "axes.titlesize": 8.5,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@contextmanager
def drawing(salt: str) -> Iterator[None]:
    """Draw one chart at a time with the house style, its SVG element ids salted with `salt`
    (the report's other charts, `scheduler.reports.charts`, draw under it too)."""
    from matplotlib import rc_context

    with _LOCK, rc_context({**_RC, "svg.hashsalt": salt}):
        yield


def svg_text(figure: Any) -> str:
    """A figure as an SVG document with no date and no XML prolog (inside `drawing`)."""
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    svg = out.getvalue()
    return svg[svg.index("<svg") :]


class EventPoint(Protocol):
    """A quarter of an event study: its gap to quarter -1 and, when known, its interval."""

    @property
    def quarter(self) -> int: ...
    @property
    def coef(self) -> float: ...
    @property
    def ci_low(self) -> float | None: ...
    @property
    def ci_high(self) -> float | None: ...


def _tick(value: float, _position: object = None) -> str:
    """A tick label in French: a decimal comma and a true minus sign."""
    places = 0 if float(value).is_integer() else 1
    return number(value, places).replace("-", "−")


def _quarter_tick(value: float, _position: object = None) -> str:
    quarter = round(value)
    return "0" if quarter == 0 else f"{quarter:+d}".replace("-", "−")


def event_study_svg(events: Sequence[EventPoint], title: str) -> str:
    """The chart as an SVG document (no XML prolog: it can be inlined or put in a data URI)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    with _LOCK, rc_context(_RC):
        figure = Figure(figsize=(_WIDTH_IN, _HEIGHT_IN), layout="constrained")
        axes = figure.add_subplot()
        quarters = [e.quarter for e in events]
        if quarters:
            axes.axvspan(min(quarters) - 0.5, -0.5, color="#eef0f2", zorder=0)
        axes.axhline(0.0, color="#333333", linewidth=0.8, zorder=1)
        axes.axvline(-0.5, color="#999999", linewidth=0.8, linestyle=(0, (3, 2)), zorder=1)
        axes.annotate(
            "début",
            xy=(-0.5, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-3, -9),
            textcoords="offset points",
            horizontalalignment="right",
            color="#555555",
        )
        for before, color in ((True, _BEFORE), (False, _MEMBER)):
            shown = [e for e in events if (e.quarter < 0) == before]
            with_interval = [
                e
                for e in shown
                if e.ci_low is not None
                and e.ci_high is not None
                and math.isfinite(e.ci_low)
                and math.isfinite(e.ci_high)
                and e.quarter != -1
            ]
            if with_interval:
                axes.errorbar(
                    [e.quarter for e in with_interval],
                    [e.coef for e in with_interval],
                    yerr=[
                        [e.coef - (e.ci_low or 0.0) for e in with_interval],
                        [(e.ci_high or 0.0) - e.coef for e in with_interval],
                    ],
                    fmt="none",
                    ecolor=color,
                    elinewidth=1.1,
                    capsize=2,
                    zorder=2,
                )
            axes.plot(
                [e.quarter for e in shown],
                [e.coef for e in shown],
                "o",
                color=color,
                markersize=3.5,
                zorder=3,
            )
        axes.set_title(title, loc="left")
        axes.set_xlabel("trimestre depuis le début (−1 : référence) · barres : IC à 95 %")
        axes.set_ylabel("écart membres − référence")
        axes.xaxis.set_major_locator(MaxNLocator(nbins=9, integer=True))
        axes.xaxis.set_major_formatter(FuncFormatter(_quarter_tick))
        axes.yaxis.set_major_formatter(FuncFormatter(_tick))
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    svg = out.getvalue()
    return svg[svg.index("<svg") :]


def data_uri(svg: str) -> str:
    """An SVG document as a `data:` URI for an `<img>`."""
    return f"data:image/svg+xml;base64,{base64.b64encode(svg.encode('utf-8')).decode('ascii')}"


def event_study_data_uri(events: Sequence[EventPoint], title: str) -> str:
    """The chart as a `data:` URI for an `<img>`: the pages' Content-Security-Policy allows
    `data:` images, not the inline styles matplotlib writes."""
    return data_uri(event_study_svg(events, title))
