"""Why a part cannot be planned, in French (solver/explain.py).

Each capacity pre-check fires on its own conflict only, at its boundary, and names what the
coordinator must change (the contract, the cabinet, the assistant, the week); a conflict the
pre-checks cannot see is explained from a minimal set of the solver's rules.
"""

from __future__ import annotations

from solver.explain import explain, precheck
from solver.model import Instance, Replan
from tests.solver.builders import (
    MARIE,
    PAID,
    PARC,
    TILLEULS,
    assign,
    day,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    window,
    windows,
)

WEEK = "la semaine du lundi 30 novembre"


def _two_contracts(minutes: int, availability_days: range = range(5)) -> Instance:
    who = make_assistant(availability=windows("08:00", "16:00", availability_days))
    return make_instance(
        assistants=[who] if availability_days != range(5) else None,
        contracts=[
            make_contract(weekly_minutes=minutes, shares={TILLEULS: 10000}),
            make_contract("pool-2", weekly_minutes=minutes, shares={PARC: 10000}),
        ],
        rules=PAID,  # travel beyond the contracts: the room is the windows' alone
    )


def _parc_opening(tuesday_end: str) -> Instance:
    parc = make_cabinet(
        PARC, opening=[window(0, "08:00", "19:00"), window(1, "08:00", tuesday_end)]
    )
    return make_instance(cabinets=[make_cabinet(TILLEULS), parc], rules=PAID)


def test_a_feasible_instance_has_no_precheck_sentence() -> None:
    assert precheck(make_instance()) == []


def test_contract_hours_above_the_assistant_availability_name_the_contract_and_the_room() -> None:
    # Travel paid beyond the contract: the room is her window alone (counted in the contract, it
    # holds what travel and its rounding may add, tests/solver/test_travel_in_contract.py).
    instance = make_instance(
        assistants=[make_assistant(availability=[window(0, "08:00", "12:00")])], rules=PAID
    )
    assert explain(instance) == [
        "Le contrat « pool-1 » prévoit 35 h pour Julie Martin " + WEEK + ", mais ses "
        "disponibilités, ses congés, l'ouverture des cabinets, les jours fériés et les limites "
        "légales n'en laissent que 4 h (au plus 10 h par jour et 6 jours par semaine)."
    ]


def test_a_share_that_cannot_fit_the_opening_hours_names_the_cabinet_and_its_hours() -> None:
    # The Parc needs 14 h (40 % of 35 h), 13 h 30 with the tolerance; it opens 13 h 15.
    assert precheck(_parc_opening("11:15")) == [
        "Le Cabinet du Parc n'ouvre que le lundi de 8 h à 19 h, le mardi de 8 h à 11 h 15 : "
        "40 % de 35 h (14 h) ne peuvent pas y tenir " + WEEK + " (au plus 13 h 15 possibles "
        "pour Julie Martin, contrat « pool-1 »)."
    ]


def test_a_share_fitting_exactly_within_the_tolerance_is_not_flagged() -> None:
    assert not any("ne peuvent pas y tenir" in s for s in precheck(_parc_opening("11:30")))


def test_too_few_places_for_the_contracts_shares_name_the_cabinet_and_its_places() -> None:
    instance = make_instance(
        assistants=[make_assistant(), make_assistant(MARIE)],
        contracts=[
            make_contract(shares={TILLEULS: 10000}),
            make_contract("pool-2", MARIE, shares={TILLEULS: 10000}),
        ],
    )
    assert explain(instance) == [
        "Le Cabinet des Tilleuls n'a que 1 place(s) et 66 h d'ouverture " + WEEK + " : les "
        "parts des contrats y demandent 69 h."
    ]


def test_two_places_hold_the_same_shares() -> None:
    instance = make_instance(
        assistants=[make_assistant(), make_assistant(MARIE)],
        cabinets=[make_cabinet(TILLEULS, places=2), make_cabinet(PARC)],
        contracts=[
            make_contract(shares={TILLEULS: 10000}),
            make_contract("pool-2", MARIE, shares={TILLEULS: 10000}),
        ],
    )
    assert precheck(instance) == []


def test_contracts_together_above_the_weekly_maximum_name_the_assistant() -> None:
    assert precheck(_two_contracts(25 * 60)) == [
        "Les contrats de Julie Martin demandent 50 h " + WEEK + " : au plus 48 h par semaine."
    ]


def test_contracts_together_at_the_weekly_maximum_are_not_flagged_as_above_it() -> None:
    assert not any("au plus 48 h par semaine" in s for s in precheck(_two_contracts(24 * 60)))


def test_contracts_together_above_the_assistant_availability_name_the_room() -> None:
    assert precheck(_two_contracts(20 * 60, range(4))) == [
        "Les contrats de Julie Martin demandent 40 h " + WEEK + ", mais ses disponibilités et "
        "les ouvertures des cabinets n'en permettent que 32 h (au plus 10 h par jour et 6 jours)."
    ]


def test_past_weeks_pushing_the_twelve_week_average_over_name_the_history() -> None:
    # 10 weeks at 44 h, one at 53 h 15, then 35 h: 528 h 15 over 12 weeks, above 528 h.
    instance = make_instance(
        assistants=[make_assistant(worked_minutes_before=[2640] * 10 + [3195])]
    )
    assert precheck(instance) == [
        "Julie Martin a déjà travaillé 493 h 15 sur les semaines précédentes : avec 35 h "
        + WEEK
        + ", "
        "sa moyenne sur 12 semaines dépasserait 44 h."
    ]


def test_past_weeks_reaching_the_twelve_week_average_exactly_are_not_flagged() -> None:
    instance = make_instance(
        assistants=[make_assistant(worked_minutes_before=[2640] * 10 + [3180])]
    )
    assert precheck(instance) == []


def test_pins_beyond_the_legal_day_are_explained_by_the_rules_they_break() -> None:
    pins = tuple(assign(day(offset), "08:00", "18:00") for offset in range(5))
    reasons = explain(make_instance(replan=Replan(pinned=pins)), budget=2.0)
    assert precheck(make_instance(replan=Replan(pinned=pins))) == []
    assert reasons == [
        (
            "Ces règles ne peuvent pas tenir ensemble : une pause après 6 h de travail pour Julie "
            "Martin ; l'affectation imposée de Julie Martin au Cabinet des Tilleuls le lundi 30 "
            "novembre."
        )
    ]


def test_a_plannable_instance_gets_the_general_sentence_never_an_empty_list() -> None:
    # Two hours on Monday morning can be planned: no rule conflicts, no cause is invented.
    who = make_assistant(availability=[window(0, "08:00", "10:00")])
    instance = make_instance(
        assistants=[who], contracts=[make_contract(weekly_minutes=120, shares={TILLEULS: 10000})]
    )
    reasons = explain(instance, budget=1.0)
    assert len(reasons) == 1
    assert reasons[0].startswith("Aucun planning ne respecte toutes les règles")
