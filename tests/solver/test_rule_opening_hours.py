"""Rule under test: opening hours — every assignment lies inside its cabinet's opening windows."""

from __future__ import annotations

from solver.model import Rules, Status
from tests.solver.builders import (
    GARE,
    PARC,
    TILLEULS,
    at,
    day,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    window,
    windows,
)
from tests.solver.forced import solve_monday
from tests.solver.solving import explanation_text, solve_checked


def test_rota_stays_inside_opening() -> None:
    parc = make_cabinet(PARC, opening=windows("09:00", "17:00"))
    rota = solve_checked(make_instance(cabinets=[make_cabinet(TILLEULS), parc]))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    at_parc = [a for a in rota.assignments if a.cabinet == PARC]
    assert at_parc and all(a.start.hour >= 9 and a.end.hour <= 17 for a in at_parc)


def test_share_that_cannot_fit_opening_is_explained() -> None:
    gare = make_cabinet(GARE, opening=[window(2, "08:00", "12:00")])
    contract = make_contract(shares={GARE: 6000, TILLEULS: 4000})
    rota = solve_checked(
        make_instance(cabinets=[make_cabinet(TILLEULS), gare], contracts=[contract])
    )
    assert rota.status == Status.INFEASIBLE
    text = explanation_text(rota)
    assert "cabinet de la gare n'ouvre que le mercredi de 8 h à 12 h" in text
    assert "60 % de 35 h (21 h)" in text


def test_work_may_fill_the_opening_up_to_its_end() -> None:
    rota = solve_monday({TILLEULS: ("08:00", "12:00")})
    assert rota.status == Status.OPTIMAL
    assert [(a.start, a.end) for a in rota.assignments] == [
        (at(day(0), "08:00"), at(day(0), "12:00"))
    ]


def test_an_opening_one_grain_short_is_infeasible_and_named() -> None:
    instance = make_instance(
        assistants=[make_assistant(availability=[window(0, "08:00", "19:00")])],
        cabinets=[make_cabinet(TILLEULS, opening=[window(0, "08:00", "11:45")])],
        contracts=[make_contract(weekly_minutes=4 * 60, shares={TILLEULS: 10_000})],
        days=1,
        travel={},
        rules=Rules(min_weekly_contract_minutes=0),
    )
    rota = solve_checked(instance)
    assert rota.status == Status.INFEASIBLE
    assert "l'ouverture des cabinets" in explanation_text(rota)
    assert "n'en laissent que 3 h 45" in explanation_text(rota)
