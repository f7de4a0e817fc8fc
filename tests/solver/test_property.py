"""Property: on random valid small instances, every rota the planner finds keeps every hard rule.

Rule under test: all hard rules of docs/rules.md at once, and the soft terms' exact reading. For
random instances (assistants, cabinets, windows, sessions, requests, leave, preferences, places,
travel, two weeks now and then), a feasible answer passes `solver.validation.check_rota` with no
violation and its `objective_terms` equal `objective_terms` recomputed by the checker; an
infeasible answer carries an explanation.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.model import DatedRequest, Instance, Preferences, Session, Status
from tests.solver.builders import (
    day,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    whole_days,
    window,
)
from tests.solver.solving import solve_checked

CABINETS = ("tilleuls", "parc", "gare")


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    n_cab = draw(st.integers(1, 3))
    cabinets = []
    for c in CABINETS[:n_cab]:
        opening = []
        for wd in range(6):
            if draw(st.integers(0, 3)) or wd < 2:
                lo = draw(st.sampled_from(["07:00", "08:00", "09:00"]))
                hi = (
                    draw(st.sampled_from(["12:00", "17:00", "19:00", "19:00"]))
                    if wd < 5
                    else "12:00"
                )
                opening.append(window(wd, lo, hi))
        sessions = [
            Session(
                draw(st.integers(0, 4)),
                s,
                s + draw(st.sampled_from([60, 90, 210])),
                draw(st.integers(1, 3)),
            )
            for s in draw(st.lists(st.sampled_from([480, 510, 840]), max_size=2))
        ]
        requests = [
            DatedRequest(day(draw(st.integers(0, 4))), 600, 700, 2)
            for _ in range(draw(st.integers(0, 1)))
        ]
        cabinets.append(
            make_cabinet(
                c,
                opening=opening,
                sessions=sessions,
                requests=requests,
                places=draw(st.integers(1, 2)),
            )
        )
    n_ass = draw(st.integers(1, 2))
    assistants, contracts = [], []
    for i in range(n_ass):
        aid = ("julie", "marie")[i]
        avail = [window(wd, "08:00", draw(st.sampled_from(["18:00", "19:00"]))) for wd in range(5)]
        if draw(st.booleans()):
            avail.append(window(5, "08:00", "12:00"))
        leave = [whole_days(day(draw(st.integers(0, 4))))] if draw(st.integers(0, 3)) == 0 else []
        prefs = Preferences(
            days_off=tuple(draw(st.lists(st.integers(0, 4), max_size=1))),
            earliest_start=draw(st.sampled_from([None, 540])),
            latest_end=draw(st.sampled_from([None, 1020])),
        )
        assistants.append(
            make_assistant(
                aid,
                availability=avail,
                leave=leave,
                preferences=prefs,
                worked_minutes_before=draw(st.lists(st.integers(0, 2400), max_size=3)),
            )
        )
        members = draw(
            st.lists(st.sampled_from(CABINETS[:n_cab]), min_size=1, max_size=n_cab, unique=True)
        )
        raw = [draw(st.integers(1, 6)) for _ in members]
        shares = [r * 10_000 // sum(raw) for r in raw]
        shares[0] += 10_000 - sum(shares)
        contracts.append(
            make_contract(
                f"pool-{i + 1}",
                aid,
                draw(st.sampled_from([16 * 60, 24 * 60, 35 * 60])),
                dict(zip(members, shares, strict=True)),
                {members[0]: draw(st.sampled_from([0, -30, 45]))},
            )
        )
    travel = {}
    for i, a in enumerate(CABINETS[:n_cab]):
        for b in CABINETS[i + 1 : n_cab]:
            if draw(st.integers(0, 4)):
                travel[(a, b)] = draw(st.integers(5, 30))
    return make_instance(
        assistants=assistants,
        cabinets=cabinets,
        contracts=contracts,
        travel=travel,
        days=draw(st.sampled_from([7, 7, 14])),
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_rota_passes_the_checker(instance: Instance) -> None:
    rota = solve_checked(instance, time_limit_s=1.0)
    # solve_checked re-checks every rota; a valid instance is never answered `invalid`.
    assert rota.status is not Status.INVALID
