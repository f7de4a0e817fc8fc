"""Rule under test: public holidays — no assignment at a cabinet on a public holiday of its département (Moselle adds Good Friday; Saint-Pierre-et-Miquelon keeps the national list)."""

from __future__ import annotations

import json
from datetime import date

from solver.instance_io import dump_instance, parse_instance
from solver.model import Replan, Status
from solver.public_holidays import is_known_department, public_holiday
from tests.solver.builders import (
    PARC,
    TILLEULS,
    assign,
    make_cabinet,
    make_instance,
)
from tests.solver.solving import explanation_text, solve_checked


def test_christmas_is_off_and_reduces_the_week() -> None:
    rota = solve_checked(make_instance(start=date(2026, 12, 21)))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert all(a.start.date() != date(2026, 12, 25) for a in rota.assignments)
    assert sum(a.minutes for a in rota.assignments) == 28 * 60


def test_good_friday_closes_only_the_moselle_cabinet() -> None:
    rota = solve_checked(make_instance(start=date(2027, 3, 22)))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    friday = [a for a in rota.assignments if a.start.date() == date(2027, 3, 26)]
    assert all(a.cabinet == PARC for a in friday)


def test_saint_pierre_et_miquelon_cabinet_is_planned_around_its_holidays() -> None:
    # Département 975 reads in from the interchange format, and the week of Ascension is planned
    # on Miquelon's time without the Thursday.
    cabinets = (make_cabinet(TILLEULS, department="975"), make_cabinet(PARC, department="975"))
    week = make_instance(cabinets=cabinets, start=date(2026, 5, 11), timezone="America/Miquelon")
    instance = parse_instance(json.dumps(dump_instance(week)))
    assert [c.department for c in instance.cabinets] == ["975", "975"]
    rota = solve_checked(instance)
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert rota.assignments
    assert all(a.start.date() != date(2026, 5, 14) for a in rota.assignments)


def test_saint_pierre_et_miquelon_keeps_the_national_holidays() -> None:
    # No abolition-of-slavery day there (Martinique's is 22 May), Ascension and 14 July as in
    # metropolitan France, and none of Alsace-Moselle's.
    assert public_holiday(date(2026, 5, 22), "975") is None
    assert public_holiday(date(2026, 5, 22), "972") == "Abolition de l'esclavage"
    assert public_holiday(date(2026, 5, 14), "975") == "Ascension"
    assert public_holiday(date(2026, 7, 14), "975") == "Fête nationale"
    assert public_holiday(date(2026, 12, 26), "975") is None
    assert is_known_department("975")


def test_the_eve_of_christmas_is_worked_and_christmas_refused_at_a_moselle_cabinet() -> None:
    eve = assign(date(2026, 12, 24), "08:00", "12:00", TILLEULS)
    rota = solve_checked(make_instance(start=date(2026, 12, 21), replan=Replan(pinned=(eve,))))
    assert rota.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert eve in rota.assignments
    christmas = assign(date(2026, 12, 25), "08:00", "12:00", TILLEULS)
    refused = solve_checked(
        make_instance(start=date(2026, 12, 21), replan=Replan(pinned=(christmas,)))
    )
    assert refused.status == Status.INFEASIBLE
    assert (
        "l'affectation imposée de julie martin au cabinet des tilleuls le vendredi 25 décembre"
        in (explanation_text(refused))
    )
