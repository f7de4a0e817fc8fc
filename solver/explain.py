"""Why a part cannot be planned, in a coordinator's words (French).

Two steps. Cheap capacity pre-checks first, each sound (it only fires when no rota can exist): a
cabinet's weekly share target larger than the time the assistant can spend there (its opening
hours ∩ her availability, leave, public holidays, the daily maximum); a contract's weekly target
larger than the time she can give it; an assistant's contracts together above the weekly maximum
or her legal weekly capacity. Then, in general, the hard rules are grouped under assumption
literals (per rule and entity: contract hours of a contract and week, share of a cabinet, weekly
maximum of an assistant, pins...), CP-SAT gives a sufficient set on one worker, and a deletion pass
shrinks it to a minimal conflicting set within a small budget. Each literal becomes a sentence.
"""

from __future__ import annotations

import time
from collections import defaultdict
from decimal import Decimal

from ortools.sat.python import cp_model

from solver.constraints.data import PlanData, Week, Window, build, merge, rounded_up
from solver.french import clock_hours, duration, plain_number, weekday_date, weekday_name
from solver.model import BASIS_POINTS, AssistantId, CabinetId, Contract, Instance
from solver.strategies.blocks import build_model


def _union_length(windows: list[Window]) -> int:
    return sum(hi - lo for lo, hi in merge(windows))


def _day_cap(data: PlanData, minutes: int) -> int:
    rules = data.instance.rules
    return min(minutes, rules.max_daily_minutes, rules.max_amplitude_minutes)


def _roads(data: PlanData, assistant: AssistantId, d: int) -> tuple[int, int]:
    """(legs, longest road) of the most travel that can count in her contracts on day `d`: as
    many legs as a planned day holds (one fewer than its blocks, `max(2, max_vacations_per_day)`),
    each as long as the longest road between two cabinets she may work at that day; (0, 0) when
    travel is paid beyond the contract or she can reach one cabinet only."""
    if not data.instance.rules.travel_in_contract:
        return 0, 0
    cabinets = sorted({o.cabinet for o in data.options[(assistant, d)]})
    roads = [
        road
        for i, a in enumerate(cabinets)
        for b in cabinets[i + 1 :]
        if (road := data.instance.travel(a, b)) is not None
    ]
    if not roads:
        return 0, 0
    return max(2, data.instance.rules.max_vacations_per_day) - 1, max(roads)


def _travel_room(data: PlanData, assistant: AssistantId, d: int) -> int:
    """The most travel minutes that can count in her contracts on day `d` (`_roads`)."""
    legs, longest = _roads(data, assistant, d)
    return legs * longest


def _rounding_room(data: PlanData, assistant: AssistantId, d: int) -> int:
    """What rounding each leg up to the grain can add to the travel of `_travel_room`."""
    legs, longest = _roads(data, assistant, d)
    return legs * (rounded_up(longest, data.instance.slot_minutes) - longest)


def _credit_room(data: PlanData, k: Contract, c: CabinetId, wk: Week) -> int:
    """The most travel a week can credit to cabinet `c` under contract `k`: on each day of
    `_roads`, each leg rounded up to the grain and the cabinet's part of it rounded up to the
    grain (the largest-remainder split gives no cabinet more)."""
    grain = data.instance.slot_minutes
    room = 0
    for d in wk.days:
        legs, longest = _roads(data, k.assistant, d)
        units = rounded_up(longest, grain) // grain
        room += legs * -(-units * k.shares[c] // BASIS_POINTS) * grain
    return room


def _day_limit_words(data: PlanData) -> str:
    """The legal limit that caps a day in `_day_cap`, in words: the daily work, or the amplitude
    when it is the narrower one."""
    rules = data.instance.rules
    if rules.max_amplitude_minutes < rules.max_daily_minutes:
        return f"une amplitude d'au plus {duration(rules.max_amplitude_minutes)} par jour"
    return f"au plus {duration(rules.max_daily_minutes)} par jour"


def _opening_words(data: PlanData, cabinet: CabinetId) -> str:
    cab = data.cabinets[cabinet]
    parts = [
        f"le {weekday_name(w.weekday)} de {clock_hours(w.start)} à {clock_hours(w.end)}"
        for w in sorted(cab.opening, key=lambda w: (w.weekday, w.start))
    ]
    if not parts:
        return f"Le {cab.name} n'ouvre jamais"
    if len(parts) <= 3:
        return f"Le {cab.name} n'ouvre que " + ", ".join(parts)
    return f"Le {cab.name} n'ouvre que {len(parts)} créneaux par semaine"


def precheck(instance: Instance) -> list[str]:
    """Sentences for capacity conflicts visible without search (empty when none is found)."""
    data = build(instance)
    names = {a.id: a.name for a in data.assistants}
    rules = instance.rules
    out: list[str] = []
    flagged: set[tuple[AssistantId, int]] = set()
    for k in data.contracts:
        if k.assistant not in names:
            continue
        who = names[k.assistant]
        for wk in data.weeks:
            target = data.targets.get((k.id, wk.index), 0)
            per_day = []
            for d in wk.days:
                opts = [o for o in data.options[(k.assistant, d)] if o.contract == k.id]
                # Travel counted in the contract may lie outside the windows (between two).
                on_site = _union_length([(o.start, o.end) for o in opts])
                per_day.append(
                    _day_cap(data, on_site + (_travel_room(data, k.assistant, d) if opts else 0))
                    + (_rounding_room(data, k.assistant, d) if opts else 0)
                )
            cap = sum(sorted(per_day, reverse=True)[: rules.max_days_per_week])
            if target > min(cap, rules.max_weekly_minutes):
                out.append(
                    f"Le contrat « {k.id} » prévoit {duration(target)} pour {who} la semaine du "
                    f"{weekday_date(wk.monday)}, mais ses disponibilités, ses congés, l'ouverture des "
                    f"cabinets, les jours fériés et les limites légales n'en laissent que "
                    f"{duration(min(cap, rules.max_weekly_minutes))} "
                    f"({_day_limit_words(data)} et "
                    f"{rules.max_days_per_week} jours par semaine)."
                )
                flagged.add((k.assistant, wk.index))
                continue
            for c in sorted(k.shares):
                share = data.share_targets.get((k.id, wk.index, c), 0)
                room = 0
                for d in wk.days:
                    opts = [
                        o
                        for o in data.options[(k.assistant, d)]
                        if o.contract == k.id and o.cabinet == c
                    ]
                    room += _day_cap(data, _union_length([(o.start, o.end) for o in opts]))
                room += _credit_room(data, k, c, wk)
                if share - rules.share_tolerance_minutes > room:
                    pct_words = plain_number(Decimal(k.shares[c]) / 100)
                    out.append(
                        f"{_opening_words(data, c)} : {pct_words} % de {duration(data.targets[(k.id, wk.index)])} "
                        f"({duration(share)}) ne peuvent pas y tenir la semaine du {weekday_date(wk.monday)} "
                        f"(au plus {duration(room)} possibles pour {who}, contrat « {k.id} »)."
                    )
    out.extend(_places_check(data))
    by_assistant: dict[tuple[AssistantId, int], int] = defaultdict(int)
    for k in data.contracts:
        for wk in data.weeks:
            by_assistant[(k.assistant, wk.index)] += data.targets.get((k.id, wk.index), 0)
    for (a, w), total in sorted(by_assistant.items()):
        wk = data.weeks[w]
        if a not in names or (a, w) in flagged:
            continue
        if total > rules.max_weekly_minutes:
            out.append(
                f"Les contrats de {names[a]} demandent {duration(total)} la semaine du "
                f"{weekday_date(wk.monday)} : au plus {duration(rules.max_weekly_minutes)} par semaine."
            )
            continue
        per_day = [
            _day_cap(
                data,
                _union_length([(o.start, o.end) for o in data.options[(a, d)]])
                + _travel_room(data, a, d),
            )
            + _rounding_room(data, a, d)
            for d in wk.days
        ]
        cap = sum(sorted(per_day, reverse=True)[: rules.max_days_per_week])
        if total > cap:
            out.append(
                f"Les contrats de {names[a]} demandent {duration(total)} la semaine du "
                f"{weekday_date(wk.monday)}, mais ses disponibilités et les ouvertures des cabinets n'en "
                f"permettent que {duration(cap)} ({_day_limit_words(data)} "
                f"et {rules.max_days_per_week} jours)."
            )
    out.extend(_average_check(data, by_assistant))
    return list(dict.fromkeys(out))


def _average_check(data: PlanData, targets: dict[tuple[AssistantId, int], int]) -> list[str]:
    """Contract targets plus past weeks above the 12-week average."""
    rules = data.instance.rules
    span = rules.average_weeks
    limit = span * rules.max_average_weekly_minutes
    out: list[str] = []
    for a in data.assistants:
        before = list(a.worked_minutes_before)
        history = {k - len(before): v for k, v in enumerate(before)}
        for wk in data.weeks:
            history[wk.index] = targets.get((a.id, wk.index), 0)
        for wk in data.weeks:
            total = sum(history.get(j, 0) for j in range(wk.index - span + 1, wk.index + 1))
            if total > limit:
                out.append(
                    f"{a.name} a déjà travaillé {duration(total - history[wk.index])} sur les "
                    f"semaines précédentes : avec {duration(history[wk.index])} la semaine du "
                    f"{weekday_date(wk.monday)}, sa moyenne sur {span} semaines dépasserait "
                    f"{duration(rules.max_average_weekly_minutes)}."
                )
                break
    return out


def _places_check(data: PlanData) -> list[str]:
    """A cabinet whose places cannot hold the minutes its members' contracts need there."""
    out: list[str] = []
    tol = data.instance.rules.share_tolerance_minutes
    for cid, cab in data.cabinets.items():
        for wk in data.weeks:
            need = sum(
                max(
                    0,
                    data.share_targets.get((k.id, wk.index, cid), 0)
                    - tol
                    - _credit_room(data, k, cid, wk),
                )
                for k in data.contracts
                if cid in k.shares
            )
            if need == 0:
                continue
            room = 0
            for d in wk.days:
                if (cid, d) in data.closed:
                    continue
                weekday = data.dates[d].weekday()
                room += _union_length(
                    [(w.start, w.end) for w in cab.opening if w.weekday == weekday]
                )
            if need > cab.places * room:
                out.append(
                    f"Le {cab.name} n'a que {cab.places} place(s) et {duration(room)} d'ouverture "
                    f"la semaine du {weekday_date(wk.monday)} : les parts des contrats y demandent "
                    f"{duration(need)}."
                )
    return out


def _infeasible(
    model: cp_model.CpModel, lits: list[cp_model.IntVar], seconds: float
) -> bool | None:
    model.clear_assumptions()
    model.add_assumptions(lits)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(seconds, 0.05)
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return True
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    return None


def explain(instance: Instance, *, budget: float = 5.0) -> list[str]:
    """French sentences naming the rules and data that cannot hold together (never empty)."""
    reasons = precheck(instance)
    if reasons:
        return reasons
    started = time.perf_counter()
    built = build_model(instance, explain=True)
    pm = built.pm
    model = pm.model
    guards = sorted(pm.guards.items())
    lits = [lit for _, (lit, _) in guards]
    sentence = {lit.index: text for _, (lit, text) in guards}
    model.add_assumptions(lits)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(budget / 2, 0.5)
    status = solver.solve(model)
    if status != cp_model.INFEASIBLE:
        return [
            (
                "Aucun planning ne respecte toutes les règles, sans qu'une cause simple ait pu être "
                "isolée dans le temps imparti : vérifiez les heures des contrats, les parts, les "
                "disponibilités et les ouvertures des cabinets."
            )
        ]
    core_idx = set(solver.sufficient_assumptions_for_infeasibility())
    core = [lit for lit in lits if lit.index in core_idx]
    if not core:
        return [
            (
                "Les disponibilités des assistantes, les heures d'ouverture, les congés, les jours "
                "fériés, les trajets et les places des cabinets ne laissent aucun planning possible, "
                "même sans les heures des contrats."
            )
        ]
    # Deletion pass: drop each literal whose removal keeps the set infeasible.
    i = 0
    while i < len(core) and time.perf_counter() - started < budget:
        trial = core[:i] + core[i + 1 :]
        left = budget - (time.perf_counter() - started)
        if trial and _infeasible(model, trial, min(1.0, left)):
            core = trial
        else:
            i += 1
    parts = [sentence[lit.index] for lit in core]
    if len(parts) == 1:
        return [f"Cette règle ne peut pas être tenue : {parts[0]}."]
    return ["Ces règles ne peuvent pas tenir ensemble : " + " ; ".join(parts) + "."]
