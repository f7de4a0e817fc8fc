"""Test helper: measure a rota's quantities that the hard rules of docs/rules.md limit.

Each function recomputes one quantity from the returned pieces alone (assignments, travel legs,
breaks), so that a rule test compares the rota itself, not only the solver's status, to the limit.
Times are the instance's wall-clock times, as in docs/rules.md.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from solver.model import Rota


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds()) // 60


def _pieces(rota: Rota) -> dict[date, list[tuple[datetime, datetime, str]]]:
    """Each day's pieces (start, end, kind) sorted by start; kind is work, travel or break."""
    days: dict[date, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for a in rota.assignments:
        days[a.start.date()].append((a.start, a.end, "work"))
    for leg in rota.travel:
        days[leg.start.date()].append((leg.start, leg.end, "travel"))
    for b in rota.breaks:
        days[b.start.date()].append((b.start, b.end, "break"))
    return {d: sorted(p) for d, p in sorted(days.items())}


def daily_work(rota: Rota) -> dict[date, int]:
    """Work + travel minutes of each working day."""
    return {
        d: sum(_minutes(e - s) for s, e, kind in pieces if kind != "break")
        for d, pieces in _pieces(rota).items()
    }


def amplitudes(rota: Rota) -> dict[date, int]:
    """First start to last end of each working day, in minutes."""
    return {
        d: _minutes(max(e for _, e, _ in pieces) - min(s for s, _, _ in pieces))
        for d, pieces in _pieces(rota).items()
    }


def vacations(rota: Rota) -> dict[date, list[tuple[datetime, datetime]]]:
    """Each day's vacations: maximal runs of pieces that touch each other."""
    result: dict[date, list[tuple[datetime, datetime]]] = {}
    for d, pieces in _pieces(rota).items():
        runs: list[tuple[datetime, datetime]] = []
        for start, end, _ in pieces:
            if runs and start <= runs[-1][1]:
                runs[-1] = (runs[-1][0], max(runs[-1][1], end))
            else:
                runs.append((start, end))
        result[d] = runs
    return result


def interruptions(rota: Rota) -> list[int]:
    """Every gap between two vacations of a day, in minutes."""
    return [
        _minutes(b[0] - a[1])
        for runs in vacations(rota).values()
        for a, b in zip(runs, runs[1:], strict=False)
    ]


def longest_run_without_pause(rota: Rota, pause_minutes: int) -> int:
    """The longest run of work and travel not cut by a break or gap of `pause_minutes` or more."""
    longest = 0
    for pieces in _pieces(rota).values():
        run = 0
        last_end: datetime | None = None
        for start, end, kind in pieces:
            if kind == "break":
                if _minutes(end - start) >= pause_minutes:
                    run, last_end = 0, None
                continue
            if last_end is None or _minutes(start - last_end) >= pause_minutes:
                run = 0
            run += _minutes(end - start)
            last_end = end
            longest = max(longest, run)
    return longest


def daily_rests(rota: Rota) -> list[int]:
    """Rest between each working day's last end and the next working day's first start."""
    days = _pieces(rota)
    ends = [(max(e for _, e, _ in p), min(s for s, _, _ in p)) for p in days.values()]
    return [
        _minutes(second_start - first_end)
        for (first_end, _), (_, second_start) in zip(ends, ends[1:], strict=False)
    ]


def weekly_work(rota: Rota) -> dict[date, int]:
    """Work + travel minutes of each civil week, keyed by its Monday."""
    weeks: dict[date, int] = defaultdict(int)
    for d, minutes in daily_work(rota).items():
        weeks[d - timedelta(days=d.weekday())] += minutes
    return dict(weeks)


def days_per_week(rota: Rota) -> dict[date, int]:
    """Working days of each civil week, keyed by its Monday."""
    weeks: dict[date, int] = defaultdict(int)
    for d in daily_work(rota):
        weeks[d - timedelta(days=d.weekday())] += 1
    return dict(weeks)


def longest_weekly_rest(rota: Rota, monday: date, week_start: datetime) -> int:
    """The longest rest in the week of `monday` (`week_start` its local 00:00), in minutes."""
    week_end = week_start + timedelta(days=7)
    days = [p for d, p in _pieces(rota).items() if monday <= d < monday + timedelta(days=7)]
    marks = [week_start]
    for pieces in days:
        marks += [min(s for s, _, _ in pieces), max(e for _, e, _ in pieces)]
    marks.append(week_end)
    return max(_minutes(marks[i + 1] - marks[i]) for i in range(0, len(marks), 2))
