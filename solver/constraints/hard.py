"""Hard rules of docs/rules.md, one function each, on top of the block structure.

Rules encoded: availability, opening hours, leave, public holidays and Sunday rest (as block
domains, see `blocks`), no overlap and travel (block order and gaps), cabinet places, daily work,
amplitude, vacations, interruption, shorter vacation, break, daily rest, weekly maximum, 12-week
average, days per week, weekly rest, contract hours, shares, pinned and protected window. Each
function groups its constraints under guard literals (per rule and entity) so that `explain` can
name the ones that cannot hold together.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.constraints.blocks import Expr, PlanModel
from solver.french import duration, weekday_date
from solver.model import MINUTES_PER_DAY, AssistantId
from solver.validation import complementary_limit


def _name(pm: PlanModel, assistant: AssistantId) -> str:
    return next(a.name for a in pm.data.assistants if a.id == assistant)


def _cabinet(pm: PlanModel, cabinet: str) -> str:
    cab = pm.data.cabinets.get(cabinet)  # type: ignore[call-overload]
    return cab.name if cab is not None else cabinet


def domains(pm: PlanModel) -> None:
    """Availability, opening hours, leave, public holidays, Sunday rest: the blocks' domains.

    Each block may only use the day's windows of `data.build` (availability ∩ opening, minus
    leave, closed on public holidays and on Sundays under Sunday rest); nothing more to add.
    """


def no_overlap(pm: PlanModel) -> None:
    """No overlap: blocks are ordered and each travel leg and break sits inside the day's order."""


def travel(pm: PlanModel) -> None:
    """Travel: a leg of the road time between blocks at different cabinets (see `blocks`)."""


def cabinet_places(pm: PlanModel) -> None:
    """At no moment more assistants at a cabinet than its places."""
    m = pm.model
    for cid, cab in pm.data.cabinets.items():
        for d in range(len(pm.data.dates)):
            intervals = []
            owners = set()
            for (a, dd), day in pm.days.items():
                if dd != d:
                    continue
                for k, b in enumerate(day.blocks):
                    y = b.at.get(cid)
                    if y is None:
                        continue
                    owners.add(a)
                    size = m.new_int_var(0, MINUTES_PER_DAY, f"size[{cid}|{a}|{d}|{k}]")
                    intervals.append(
                        m.new_optional_interval_var(
                            b.start, size, b.end, y, f"iv[{cid}|{a}|{d}|{k}]"
                        )
                    )
            if len(owners) <= cab.places:
                continue
            if cab.places == 1:
                m.add_no_overlap(intervals)
            else:
                m.add_cumulative(intervals, [1] * len(intervals), cab.places)


def daily_work(pm: PlanModel) -> None:
    """Work and travel of a day at most `max_daily_minutes`."""
    limit = pm.data.instance.rules.max_daily_minutes
    for (a, _d), day in pm.days.items():
        if day.blocks:
            g = pm.guard(
                "daily-work",
                a,
                lambda: f"le travail quotidien de {_name(pm, a)} limité à {duration(limit)}",  # noqa: B023 (called at once by guard)
            )
            pm.model.add(day.work_minutes() <= limit).only_enforce_if(g)


def amplitude(pm: PlanModel) -> None:
    """First start to last end of a day at most `max_amplitude_minutes`."""
    limit = pm.data.instance.rules.max_amplitude_minutes
    for (a, _d), day in pm.days.items():
        if day.blocks:
            g = pm.guard(
                "amplitude",
                a,
                lambda: f"l'amplitude de la journée de {_name(pm, a)} limitée à {duration(limit)}",  # noqa: B023 (called at once by guard)
            )
            pm.model.add(day.last_end - day.first_start <= limit).only_enforce_if(g)


def vacations(pm: PlanModel) -> None:
    """At most `max_vacations_per_day` vacations a day (one more per interruption)."""
    limit = pm.data.instance.rules.max_vacations_per_day
    for (a, _d), day in pm.days.items():
        if len(day.gaps) + 1 > limit:
            g = pm.guard(
                "max-vacations",
                a,
                lambda: f"au plus {limit} vacation(s) par jour pour {_name(pm, a)}",  # noqa: B023 (called at once by guard)
            )
            pm.model.add(1 + sum(gp.interrupted for gp in day.gaps) <= limit).only_enforce_if(g)


def interruption(pm: PlanModel) -> None:
    """An interruption lasts at most `max_interruption_minutes`."""
    limit = pm.data.instance.rules.max_interruption_minutes
    for (a, _d), day in pm.days.items():
        for k, gp in enumerate(day.gaps):
            b0, b1 = day.blocks[k], day.blocks[k + 1]
            g = pm.guard(
                "interruption",
                a,
                lambda: f"la coupure de {_name(pm, a)} limitée à {duration(limit)}",  # noqa: B023 (called at once by guard)
            )
            pm.model.add(b1.start - gp.travel - b0.end <= limit).only_enforce_if(
                [gp.interrupted, *g]
            )


def shorter_vacation(pm: PlanModel) -> None:
    """When a day is cut, each vacation lasts at least `min_vacation_minutes`."""
    m = pm.model
    limit = pm.data.instance.rules.min_vacation_minutes
    for (a, d), day in pm.days.items():
        if not day.gaps:
            continue
        g = pm.guard(
            "shorter-vacation",
            a,
            lambda: (
                f"des vacations d'au moins {duration(limit)} quand la journée de {_name(pm, a)} est coupée"  # noqa: B023 (called at once by guard)
            ),
        )
        cut = m.new_bool_var(f"cut[{a}|{d}]")
        m.add_max_equality(cut, [gp.interrupted for gp in day.gaps])
        # Start of the vacation holding each block.
        vstart: list[Expr] = [day.blocks[0].start]
        for k, gp in enumerate(day.gaps):
            b1 = day.blocks[k + 1]
            v = m.new_int_var(0, MINUTES_PER_DAY, f"vstart[{a}|{d}|{k + 1}]")
            for together in gp.together():
                m.add(v == vstart[k]).only_enforce_if(together)
            m.add(v == b1.start - gp.travel).only_enforce_if(gp.interrupted)
            m.add(v == vstart[k]).only_enforce_if(~b1.present)
            vstart.append(v)
        for k, b in enumerate(day.blocks):
            lits: list[cp_model.LiteralT] = [cut, b.present, *g]
            if k < len(day.gaps):
                lits.extend(~together for together in day.gaps[k].together())
            m.add(b.end - vstart[k] >= limit).only_enforce_if(lits)


def break_rule(pm: PlanModel) -> None:
    """No run of work and travel longer than `break_after_minutes` without a pause."""
    m = pm.model
    limit = pm.data.instance.rules.break_after_minutes
    for (a, d), day in pm.days.items():
        if not day.blocks:
            continue
        g = pm.guard(
            "break",
            a,
            lambda: f"une pause après {duration(limit)} de travail pour {_name(pm, a)}",  # noqa: B023 (called at once by guard)
        )
        run_in: Expr = 0
        for k, b in enumerate(day.blocks):
            head = m.new_int_var(0, MINUTES_PER_DAY, f"head[{a}|{d}|{k}]")
            tail = m.new_int_var(0, MINUTES_PER_DAY, f"tail[{a}|{d}|{k}]")
            m.add(head == b.break_start - b.start).only_enforce_if(b.has_break)
            m.add(tail == b.end - b.break_start - b.break_length).only_enforce_if(b.has_break)
            m.add(head == b.end - b.start).only_enforce_if(~b.has_break)
            m.add(tail == b.end - b.start).only_enforce_if(~b.has_break)
            m.add(run_in + head <= limit).only_enforce_if(g)
            run_out = m.new_int_var(0, 2 * MINUTES_PER_DAY, f"run[{a}|{d}|{k}]")
            m.add(run_out == tail).only_enforce_if(b.has_break)
            m.add(run_out == run_in + tail).only_enforce_if(~b.has_break)
            m.add(run_out <= limit).only_enforce_if(g)
            if k < len(day.gaps):
                gp = day.gaps[k]
                nxt = m.new_int_var(0, 2 * MINUTES_PER_DAY, f"runin[{a}|{d}|{k + 1}]")
                m.add(nxt == run_out + gp.travel).only_enforce_if(gp.joined)
                # Cut or paused (the break lies before the travel leg): a new run from the leg.
                m.add(nxt == gp.travel).only_enforce_if(~gp.joined)
                run_in = nxt


def daily_rest(pm: PlanModel) -> None:
    """At least `min_daily_rest_minutes` between two consecutive working days."""
    limit = pm.data.instance.rules.min_daily_rest_minutes
    for a in pm.data.assistants:
        g = pm.guard(
            "daily-rest",
            a.id,
            lambda: f"le repos quotidien de {duration(limit)} de {a.name}",  # noqa: B023 (called at once by guard)
        )
        for d in range(len(pm.data.dates) - 1):
            d0, d1 = pm.days[(a.id, d)], pm.days[(a.id, d + 1)]
            if not d0.blocks or not d1.blocks:
                continue
            pm.model.add(d1.first_start + MINUTES_PER_DAY - d0.last_end >= limit).only_enforce_if(
                [d0.worked, d1.worked, *g]
            )


def _week_work(pm: PlanModel, a: AssistantId, days: tuple[int, ...]) -> Expr:
    return sum((pm.days[(a, d)].work_minutes() for d in days), start=0)


def weekly_max(pm: PlanModel) -> None:
    """Work and travel in a civil week at most `max_weekly_minutes`."""
    limit = pm.data.instance.rules.max_weekly_minutes
    for a in pm.data.assistants:
        for wk in pm.data.weeks:
            g = pm.guard(
                "weekly-max",
                f"{a.id}|{wk.index}",
                lambda: (
                    f"au plus {duration(limit)} de travail pour {a.name} la semaine du {weekday_date(wk.monday)}"  # noqa: B023 (called at once by guard)
                ),
            )
            pm.model.add(_week_work(pm, a.id, wk.days) <= limit).only_enforce_if(g)


def average_weeks(pm: PlanModel) -> None:
    """Every run of `average_weeks` weeks ending in the horizon at most that many times the average."""
    rules = pm.data.instance.rules
    span = rules.average_weeks
    limit = span * rules.max_average_weekly_minutes
    for a in pm.data.assistants:
        before = list(a.worked_minutes_before)
        history: dict[int, int] = {k - len(before): v for k, v in enumerate(before)}
        g = pm.guard(
            "twelve-week-average",
            a.id,
            lambda: (
                f"la moyenne de {duration(rules.max_average_weekly_minutes)} par semaine sur {span} semaines de {a.name} (heures déjà faites comprises)"  # noqa: B023 (called at once by guard)
            ),
        )
        for wk in pm.data.weeks:
            past = sum(history.get(j, 0) for j in range(wk.index - span + 1, 0))
            inside = [w for w in pm.data.weeks if wk.index - span + 1 <= w.index <= wk.index]
            total = sum((_week_work(pm, a.id, w.days) for w in inside), start=0)
            pm.model.add(total + past <= limit).only_enforce_if(g)


def days_per_week(pm: PlanModel) -> None:
    """At most `max_days_per_week` working days in a civil week."""
    limit = pm.data.instance.rules.max_days_per_week
    for a in pm.data.assistants:
        for wk in pm.data.weeks:
            worked = [pm.days[(a.id, d)].worked for d in wk.days]
            if len([w for w in worked if not isinstance(w, int)]) > limit:
                g = pm.guard(
                    "days-per-week",
                    f"{a.id}|{wk.index}",
                    lambda: (
                        f"au plus {limit} jours de travail pour {a.name} la semaine du {weekday_date(wk.monday)}"  # noqa: B023 (called at once by guard)
                    ),
                )
                pm.model.add(sum(worked) <= limit).only_enforce_if(g)


def weekly_rest(pm: PlanModel) -> None:
    """Each whole civil week holds a rest of `min_weekly_rest_minutes` in a row."""
    m = pm.model
    limit = pm.data.instance.rules.min_weekly_rest_minutes
    for a in pm.data.assistants:
        for wk in pm.data.weeks:
            if not wk.whole:
                continue
            days = [pm.days[(a.id, d)] for d in wk.days]
            if all(not day.blocks for day in days):
                continue
            g = pm.guard(
                "weekly-rest",
                f"{a.id}|{wk.index}",
                lambda: (
                    f"le repos hebdomadaire de {duration(limit)} d'affilée de {a.name} la semaine du {weekday_date(wk.monday)}"  # noqa: B023 (called at once by guard)
                ),
            )
            choices = []
            # A rest from the end of day i (or the week's start, i = -1) to the start of day j
            # (or the week's end, j = 7), every day strictly between them off.
            for i in range(-1, 7):
                for j in range(i + 1, 8):
                    if i >= 0 and not days[i].blocks:
                        continue
                    if j <= 6 and not days[j].blocks:
                        continue
                    begin: Expr = 0 if i < 0 else i * MINUTES_PER_DAY + days[i].last_end
                    finish: Expr = (
                        7 * MINUTES_PER_DAY if j > 6 else j * MINUTES_PER_DAY + days[j].first_start
                    )
                    if i >= 0 and j <= 6 and (j - i + 1) * MINUTES_PER_DAY < limit:
                        continue
                    r = m.new_bool_var(f"wrest[{a.id}|{wk.index}|{i}|{j}]")
                    lits = [
                        days[k].worked
                        for k in range(i + 1, j)
                        if not isinstance(days[k].worked, int)
                    ]
                    for lit in lits:
                        m.add_implication(r, ~lit)
                    if i >= 0:
                        m.add_implication(r, days[i].worked)
                    if j <= 6:
                        m.add_implication(r, days[j].worked)
                    m.add(finish - begin >= limit).only_enforce_if(r)
                    choices.append(r)
            m.add_bool_or(choices).only_enforce_if(g)


def contract_hours(pm: PlanModel) -> None:
    """Each contract's minutes in each week equal its weekly target, travel credited included when
    it counts in the contract (at most the contract's weekly minutes, in a week that starts inside a
    re-plan's protected window)."""
    for k in pm.data.contracts:
        for wk in pm.data.weeks:
            target = pm.data.targets.get((k.id, wk.index))
            if target is None:
                continue
            name = _name(pm, k.assistant)
            g = pm.guard(
                "contract-hours",
                f"{k.id}|{wk.index}",
                lambda: (
                    f"les {duration(target)} du contrat « {k.id} » de {name} la semaine du {weekday_date(wk.monday)}"  # noqa: B023 (called at once by guard)
                ),
            )
            total = sum((pm.credited(k.id, c, wk.days) for c in sorted(k.shares)), start=0)
            if wk.protected:
                # Frozen by the notice window: hours lost to an absence are not made up here.
                pm.model.add(total <= k.weekly_minutes).only_enforce_if(g)
            else:
                pm.model.add(total == target).only_enforce_if(g)


def complementary_hours(pm: PlanModel) -> None:
    """Travel paid beyond a part-time contract within the complementary hours' limit each week
    (`solver.validation.complementary_limit`)."""
    rules = pm.data.instance.rules
    for k in pm.data.contracts:
        for wk in pm.data.weeks:
            target = pm.data.targets.get((k.id, wk.index), k.weekly_minutes)
            limit = complementary_limit(rules, k.weekly_minutes, target)
            if limit is None:
                continue
            legs = [
                road * lit
                for d in wk.days
                if (day := pm.days.get((k.assistant, d))) is not None
                for kk, road, lit in pm.legs_into(day)
                if kk == k.id and road
            ]
            if not legs:
                continue
            name = _name(pm, k.assistant)
            g = pm.guard(
                "complementary-hours",
                f"{k.id}|{wk.index}",
                lambda: (
                    f"les heures complémentaires du contrat « {k.id} » de {name} (au plus {duration(limit)} de trajet) la semaine du {weekday_date(wk.monday)}"  # noqa: B023 (called at once by guard)
                ),
            )
            pm.model.add(sum(legs) <= limit).only_enforce_if(g)


def shares(pm: PlanModel) -> None:
    """Each cabinet's weekly minutes within the tolerance of its weekly share target, except in a
    week that starts inside a re-plan's protected window."""
    tol = pm.data.instance.rules.share_tolerance_minutes
    for k in pm.data.contracts:
        for wk in pm.data.weeks:
            for c in sorted(k.shares):
                target = pm.data.share_targets.get((k.id, wk.index, c))
                if target is None or wk.protected:
                    continue
                g = pm.guard(
                    "share-tolerance",
                    f"{k.id}|{wk.index}|{c}",
                    lambda: (
                        f"la part du {_cabinet(pm, c)} ({duration(target)} à {duration(tol)} près) dans le contrat « {k.id} » la semaine du {weekday_date(wk.monday)}"  # noqa: B023 (called at once by guard)
                    ),
                )
                got = pm.credited(k.id, c, wk.days)
                pm.model.add_linear_constraint(
                    got, max(0, target - tol), target + tol
                ).only_enforce_if(g)


def fixed_assignments(pm: PlanModel) -> None:
    """Pinned assignments, and published ones inside the protected window, are in the rota as is."""
    m = pm.model
    for (a, d), day in pm.days.items():
        for seg, choices in day.fixed:
            rule = "pinned" if seg.pinned else "protected-window"
            what = "imposée" if seg.pinned else "publiée dans le délai de prévenance"
            when = weekday_date(pm.data.dates[d])
            g = pm.guard(
                rule,
                f"{a}|{d}|{seg.start}",
                lambda: (
                    f"l'affectation {what} de {_name(pm, a)} au {_cabinet(pm, seg.cabinet)} le {when}"  # noqa: B023 (called at once by guard)
                ),
            )
            if choices:
                m.add(sum(choices) == 1).only_enforce_if(g)
            else:
                false = m.new_constant(0)
                m.add(false == 1).only_enforce_if(g)
