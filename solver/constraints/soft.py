"""Soft goals of docs/rules.md, one function each, returning the unweighted count as an expression.

Terms encoded (as `solver.validation.objective_counts` reads them): share deviation over the
horizon with carried balances, uncovered consultation sessions and dated requests (× weight),
travel minutes, site changes (travel legs), stability against the published rota, pattern changes
against the horizon's first 7 days, and preference violations (day off, earliest start, latest end).
Each expression is exact for every solution, so the reported terms match the checker's.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.constraints.blocks import Block, Expr, Lit, PlanModel
from solver.constraints.data import least_deviation
from solver.model import MINUTES_PER_DAY, Assignment, AssistantId, CabinetId


def share_deviation(pm: PlanModel) -> Expr:
    """Σ |minutes over the horizon + balance − Σ weekly share targets| per contract and cabinet."""
    m = pm.model
    total: Expr = 0
    days = tuple(range(len(pm.data.dates)))
    for k in pm.data.contracts:
        for c in sorted(k.shares):
            wanted = sum(pm.data.share_targets.get((k.id, wk.index, c), 0) for wk in pm.data.weeks)
            got = pm.credited(k.id, c, days) + k.balance_minutes.get(c, 0)
            bound = abs(wanted) + abs(k.balance_minutes.get(c, 0)) + MINUTES_PER_DAY * len(days)
            least = least_deviation(
                wanted - k.balance_minutes.get(c, 0), pm.data.instance.slot_minutes
            )
            dev = m.new_int_var(least, bound, f"dev[{k.id}|{c}]")
            m.add_abs_equality(dev, got - wanted)
            total += dev
    return total


def _slot_cover(pm: PlanModel, block: Block, cabinet: CabinetId, t: int, tag: str) -> Lit | None:
    """A literal that may be 1 only when the block works at the cabinet through slot [t, t+grain).

    One-sided on purpose (the objective pushes it up): true implies the block is at the cabinet,
    starts at or before t, ends at or after t + grain and its break (if any) misses the slot.
    """
    m = pm.model
    grain = pm.data.instance.slot_minutes
    y = block.at.get(cabinet)
    if y is None:
        return None
    if not any(
        o.cabinet == cabinet and o.start <= t and t + grain <= o.end for o, _, _ in block.options
    ):
        return None
    u = m.new_bool_var(f"u[{tag}|{t}]")
    pm.slot_lits.setdefault(id(block), (block, []))[1].append((t, u))
    pm.slot_at.setdefault((id(block), cabinet), []).append(u)
    m.add_implication(u, y)
    m.add(block.start <= t).only_enforce_if(u)
    m.add(block.end >= t + grain).only_enforce_if(u)
    if block.breakable:
        before = m.new_bool_var(f"ub[{tag}|{t}]")
        after = m.new_bool_var(f"ua[{tag}|{t}]")
        m.add(block.break_start >= t + grain).only_enforce_if(before)
        m.add(block.break_start + block.break_length <= t).only_enforce_if(after)
        m.add_bool_or([~u, before, after])
    return u


def _presence(pm: PlanModel, cabinet: CabinetId, d: int, t: int) -> Lit | int:
    """A literal ≤ "someone works at the cabinet through slot t of day d" (cached), or 0."""
    key = f"pres[{cabinet}|{d}|{t}]"
    found = pm.cache.get(key)
    if found is not None:
        return found
    covers: list[Lit] = []
    for (a, dd), day in sorted(pm.days.items()):
        if dd != d:
            continue
        for k, b in enumerate(day.blocks):
            u = _slot_cover(pm, b, cabinet, t, f"{cabinet}|{a}|{d}|{k}")
            if u is not None:
                covers.append(u)
    if not covers:
        return 0
    if len(covers) == 1:
        p = covers[0]
    else:
        p = pm.model.new_bool_var(key)
        pm.model.add(p <= sum(covers))
    pm.cache[key] = p
    return p


def _uncovered(pm: PlanModel, cabinet: CabinetId, d: int, lo: int, hi: int) -> Expr:
    """Minutes of [lo, hi) on day d without an assignment at the cabinet, as a sum of slot literals.

    Exact at any optimum and never below the truth (each presence literal only implies presence),
    so the solver's bound is a valid bound of the true term; the read-back recomputes the exact
    value from the rota (`exact_presence`).
    """
    grain = pm.data.instance.slot_minutes
    total: Expr = 0
    t = lo - lo % grain
    while t < hi:
        piece = min(hi, t + grain) - max(lo, t)
        p = _presence(pm, cabinet, d, t)
        total += piece * (1 - p) if not isinstance(p, int) else piece
        t += grain
    return total


def link_presence(pm: PlanModel) -> None:
    """Redundant cuts that make the presence literals' relaxation tight.

    A block covers at most its work minutes of slots (in all and at each cabinet), and in each slot an assistant is in at most
    one place (blocks of a day never overlap).
    """
    m = pm.model
    grain = pm.data.instance.slot_minutes
    per_slot: dict[tuple[AssistantId, int, int], list[Lit]] = {}
    for day in pm.days.values():
        for b in day.blocks:
            found = pm.slot_lits.get(id(b))
            if found is None:
                continue
            lits = found[1]
            m.add(grain * sum(u for _, u in lits) <= b.work())
            for cid in sorted(b.at):
                here = pm.slot_at.get((id(b), cid))
                if here:
                    minutes = sum(w for o, _, w in b.options if o.cabinet == cid)
                    m.add(grain * sum(here) <= minutes)
            for t, u in lits:
                per_slot.setdefault((day.assistant, day.index, t), []).append(u)
    for key in sorted(per_slot):
        if len(per_slot[key]) > 1:
            m.add_at_most_one(per_slot[key])


def exact_presence(pm: PlanModel, assignments: list[Assignment]) -> tuple[int, int]:
    """(weighted uncovered session minutes, weighted uncovered request minutes) of a rota."""
    tz = pm.data.tz
    spans: dict[tuple[CabinetId, int], list[tuple[int, int]]] = {}
    for a in assignments:
        start, end = a.start.astimezone(tz), a.end.astimezone(tz)
        d = (start.date() - pm.data.instance.start).days
        hi = MINUTES_PER_DAY if end.date() != start.date() else end.hour * 60 + end.minute
        spans.setdefault((a.cabinet, d), []).append((start.hour * 60 + start.minute, hi))

    def missing(cid: CabinetId, d: int, lo: int, hi: int) -> int:
        inside = 0
        merged: list[tuple[int, int]] = []
        for s, e in sorted(spans.get((cid, d), [])):
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        for s, e in merged:
            inside += max(0, min(hi, e) - max(lo, s))
        return hi - lo - inside

    sessions = requests = 0
    for cid, cab in pm.data.cabinets.items():
        for d, on in enumerate(pm.data.dates):
            if (cid, d) in pm.data.closed:
                continue
            for s in cab.sessions:
                if s.weekday == on.weekday() and s.end > s.start:
                    sessions += s.weight * missing(cid, d, s.start, s.end)
            for r in cab.requests:
                if r.date == on and r.end > r.start:
                    requests += r.weight * missing(cid, d, r.start, r.end)
    return sessions, requests


def session_uncovered(pm: PlanModel) -> Expr:
    """Minutes of consultation sessions with no assistant on site, times their weight."""
    total: Expr = 0
    for cid, cab in pm.data.cabinets.items():
        for d, day in enumerate(pm.data.dates):
            if (cid, d) in pm.data.closed:
                continue
            for s in cab.sessions:
                if s.weekday == day.weekday() and s.end > s.start:
                    total += s.weight * _uncovered(pm, cid, d, s.start, s.end)
    return total


def request_uncovered(pm: PlanModel) -> Expr:
    """Minutes of members' dated requests with no assistant on site, times their weight."""
    total: Expr = 0
    for cid, cab in pm.data.cabinets.items():
        for d, day in enumerate(pm.data.dates):
            if (cid, d) in pm.data.closed:
                continue
            for r in cab.requests:
                if r.date == day and r.end > r.start:
                    total += r.weight * _uncovered(pm, cid, d, r.start, r.end)
    return total


def travel_minutes(pm: PlanModel) -> Expr:
    """Minutes of travel legs."""
    return sum((day.travel_minutes() for day in pm.days.values()), start=0)


def site_changes(pm: PlanModel) -> Expr:
    """Number of travel legs."""
    return sum((z for day in pm.days.values() for g in day.gaps for z in g.legs.values()), start=0)


def stability_changes(pm: PlanModel) -> Expr:
    """Published minutes not covered by the same assistant at the same cabinet."""
    total: Expr = 0
    tz = pm.data.tz
    for n, p in enumerate(pm.data.instance.replan.published):
        start = p.start.astimezone(tz)
        d = (start.date() - pm.data.instance.start).days
        if not 0 <= d < len(pm.data.dates):
            continue
        lo = start.hour * 60 + start.minute
        end = p.end.astimezone(tz)
        hi = MINUTES_PER_DAY if end.date() != start.date() else end.hour * 60 + end.minute
        day = pm.days.get((p.assistant, d))
        covered: Expr = 0
        if day is not None:
            covered = sum(
                (
                    pm.work_at(b, p.cabinet, lo, hi, f"stab|{n}|{k}")
                    for k, b in enumerate(day.blocks)
                ),
                start=0,
            )
        total += (hi - lo) - covered
    return total


def pattern_changes(pm: PlanModel) -> Expr:
    """Days from the 8th on whose set of cabinets differs from the same weekday of the first week."""
    m = pm.model
    total: Expr = 0
    for a in pm.data.assistants:
        for d in range(7, len(pm.data.dates)):
            now, ref = pm.days[(a.id, d)], pm.days[(a.id, d % 7)]
            if not now.blocks or not ref.blocks:
                continue
            cabs = sorted(
                {c for b in now.blocks for c in b.at} | {c for b in ref.blocks for c in b.at}
            )
            diffs = []
            for c in cabs:
                u_now = _works_at(pm, now.blocks, c, f"{a.id}|{d}|{c}")
                u_ref = _works_at(pm, ref.blocks, c, f"{a.id}|{d % 7}|{c}")
                x = m.new_bool_var(f"pdiff[{a.id}|{d}|{c}]")
                m.add_bool_xor([x, u_now, u_ref, m.new_constant(1)])
                diffs.append(x)
            anyd = m.new_bool_var(f"pany[{a.id}|{d}]")
            m.add_max_equality(anyd, diffs)
            p = m.new_bool_var(f"pattern[{a.id}|{d}]")
            m.add_min_equality(p, [anyd, now.worked, ref.worked])
            total += p
    return total


def _works_at(pm: PlanModel, blocks: list[Block], cabinet: CabinetId, tag: str) -> cp_model.IntVar:
    """Whether the assistant works at the cabinet that day (cached per day and cabinet)."""
    key = f"works[{tag}]"
    found = pm.cache.get(key)
    if found is not None:
        return found
    m = pm.model
    ys = [b.at[cabinet] for b in blocks if cabinet in b.at]
    u = m.new_bool_var(key)
    if ys:
        m.add_max_equality(u, ys)
    else:
        m.add(u == 0)
    pm.cache[key] = u
    return u


def preference_violations(pm: PlanModel) -> Expr:
    """Minutes on preferred days off, before the earliest start or after the latest end."""
    total: Expr = 0
    for a in pm.data.assistants:
        prefs = a.preferences
        for d, on in enumerate(pm.data.dates):
            day = pm.days[(a.id, d)]
            if not day.blocks:
                continue
            if on.weekday() in prefs.days_off:
                total += sum((b.work() for b in day.blocks), start=0)
                continue
            for k, b in enumerate(day.blocks):
                if prefs.earliest_start is not None and prefs.earliest_start > 0:
                    total += pm.work_overlap(b, 0, prefs.earliest_start, f"pe|{a.id}|{d}|{k}")
                if prefs.latest_end is not None and prefs.latest_end < MINUTES_PER_DAY:
                    total += pm.work_overlap(
                        b, prefs.latest_end, MINUTES_PER_DAY, f"pl|{a.id}|{d}|{k}"
                    )
    return total
