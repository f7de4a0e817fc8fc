"""French formatting on the pages: durations in hours and minutes, and signed differences that
show no sign on zero; the contract dashboard's hours chart shows the hours of
the weeks to come as planned, never as delivered, and each status says what it is read from; a
plan's gap to the solver's bound is (objective − bound) / max(objective, 1), shown to one decimal,
never as zero unless it is, and "optimal (prouvé)" only for an optimal status at a gap of zero;
each term of the objective reads in words with its figure in its own unit, a public holiday names
its cabinets when not all are closed, and a plan is publishable only feasible and breaking no
rule."""

from __future__ import annotations

from datetime import date

import pytest

from api.pages.views import (
    fr_gap,
    holiday_text,
    hours_chart,
    objective_terms,
    quality,
    solver_gap,
    solver_summary,
    status_label,
    week_delivered,
)
from scheduler import models
from scheduler.contribution import contract_figures
from scheduler.french import duration, signed_duration
from scheduler.planning import term_counts
from tests.scheduler.test_contribution import base_contract


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (0, "0 min"),
        (2, "+2 min"),
        (-2, "-2 min"),
        (30, "+30 min"),
        (-90, "-1 h 30"),
    ],
)
def test_signed_duration(minutes: int, shown: str) -> None:
    assert signed_duration(minutes) == shown


def test_duration_in_hours_and_minutes() -> None:
    assert duration(675) == "11 h 15"
    assert duration(600) == "10 h"


def test_hours_chart_shows_weeks_to_come_as_planned_not_delivered() -> None:
    # Read on Wednesday 20 May 2026 (the base case of test_contribution.py): cabinet A has 1260
    # min (21 h) planned each week of May; the weeks of 4 and 11 May are over (21 h delivered
    # each), those of 18 and 25 May are not.
    today = date(2026, 5, 20)
    figures = contract_figures(base_contract(), date(2026, 5, 1), date(2026, 5, 31), today=today)
    chart = hours_chart(figures.members, {}, today)
    assert chart["labels"] == ["04/05", "11/05", "18/05", "25/05"]
    delivered, planned, contracted = chart["datasets"][:3]
    assert delivered["label"] == "Cabinet A — effectuées"
    assert delivered["data"] == [21.0, 21.0, None, None]
    assert planned["label"] == "Cabinet A — prévues (à venir)"
    assert planned["data"] == [None, None, 21.0, 21.0]
    assert contracted["data"] == [21.0] * 4
    weeks = figures.members[0].weeks
    assert [week_delivered(w) for w in weeks] == ["21 h", "21 h", "à venir", "à venir"]


def test_status_label_names_the_projection() -> None:
    # The group: 15.38 % reached, 93.59 % projected at the deadline: at risk.
    figures = contract_figures(base_contract(), date(2026, 5, 1), date(2026, 5, 31))
    assert status_label(figures.progress) == (
        "à risque (projection à l’échéance\u00a0: 93,6\u202f%)"
    )


@pytest.mark.parametrize(
    ("objective", "bound", "gap"),
    [
        (1215, 1200, 15 / 1215),
        (1200, 1200, 0.0),
        (0, 0, 0.0),
        (1, 0, 1.0),  # the denominator is never below 1
        (None, 1200, None),
        (1200, None, None),
    ],
)
def test_solver_gap(objective: int | None, bound: int | None, gap: float | None) -> None:
    assert solver_gap(objective, bound) == gap


@pytest.mark.parametrize(
    ("gap", "shown"),
    [
        (0.0, "0,0\u00a0%"),
        (0.00001, "<\u00a00,1\u00a0%"),
        (0.0005, "<\u00a00,1\u00a0%"),  # 0,05 % rounds to 0,0 %: not zero, so not shown as zero
        (0.00051, "0,1\u00a0%"),
        (0.001, "0,1\u00a0%"),
        (15 / 1215, "1,2\u00a0%"),
    ],
)
def test_fr_gap_shows_zero_only_for_zero(gap: float, shown: str) -> None:
    assert fr_gap(gap) == shown


@pytest.mark.parametrize(
    ("status", "objective", "bound", "shown"),
    [
        (
            "optimal",
            1200,
            1200,
            "solveur : optimal (prouvé), objectif 1\u202f200, borne 1\u202f200",
        ),
        ("optimal", 0, 0, "solveur : optimal (prouvé), objectif 0, borne 0"),
        (
            "optimal",
            1000,
            999,
            "solveur : optimal, objectif 1\u202f000, borne 999, écart à la borne : 0,1\u00a0%",
        ),
        (
            "feasible",
            1200,
            1200,
            (
                "solveur : réalisable, objectif 1\u202f200, borne 1\u202f200, "
                "écart à la borne : 0,0\u00a0%"
            ),
        ),
        (
            "feasible",
            1215,
            1200,
            (
                "solveur : réalisable, objectif 1\u202f215, borne 1\u202f200, "
                "écart à la borne : 1,2\u00a0%"
            ),
        ),
        ("infeasible", None, None, "solveur : impossible"),
        ("feasible", 1215, None, "solveur : réalisable, objectif 1\u202f215"),
    ],
    ids=[
        "proven",
        "proven-at-zero",
        "optimal-with-gap",
        "zero-not-optimal",
        "gap",
        "none",
        "no-bound",
    ],
)
def test_solver_summary(status: str, objective: int | None, bound: int | None, shown: str) -> None:
    assert solver_summary(status, objective, bound) == shown


@pytest.mark.parametrize(
    ("terms", "shown"),
    [
        (
            {"share_deviation": 4_500, "travel_minutes": 160},
            ["écart aux parts : 45 min", "trajets : 1 h 20"],
        ),
        (
            # The catalogue's order, whatever the stored order; counts as counts.
            {"pattern_changes": 10, "site_changes": 90, "preference_violations": 0},
            [
                "changements de cabinet dans la journée : 3",
                "jours au rythme différent de la première semaine : 2",
                "entorses aux préférences : 0 min",
            ],
        ),
        # A term the pages do not know keeps its figure, in points.
        ({"new_goal": 1_234}, ["new goal : 1\u202f234"]),
    ],
    ids=["minutes", "counts-and-order", "unknown"],
)
def test_objective_terms_read_in_words_with_their_figure(
    terms: dict[str, int], shown: list[str]
) -> None:
    assert [t.text for t in objective_terms(terms, term_counts(terms))] == shown


def test_term_counts_undo_the_planners_weights() -> None:
    assert term_counts({"share_deviation": 4_500, "travel_minutes": 160, "x": 7}) == {
        "share_deviation": 45,
        "travel_minutes": 80,
    }


def _cabinet(name: str) -> models.Cabinet:
    return models.Cabinet(name=name, department="57")


def test_a_holiday_names_its_cabinets_only_when_some_stay_open() -> None:
    a, b = _cabinet("Cabinet A"), _cabinet("Cabinet B")
    assert holiday_text([(a, "Noël"), (b, "Noël")], 2) == "Jour férié : Noël"
    assert holiday_text([(b, "Saint-Étienne")], 2) == "Jour férié : Saint-Étienne (Cabinet B)"


@pytest.mark.parametrize(
    ("status", "blocking", "blocked"),
    [
        ("feasible", 0, ""),
        ("edited", 1, "le brouillon enfreint 1 règle (voir la liste)"),
        ("edited", 2, "le brouillon enfreint 2 règles (voir la liste)"),
        (
            "infeasible",
            0,
            "la semaine n'a pas de planning réalisable (voir l'explication du solveur)",
        ),
    ],
)
def test_a_plan_is_publishable_only_feasible_and_breaking_no_rule(
    status: str, blocking: int, blocked: str
) -> None:
    rota = models.Rota(solver_status=status, objective=10, bound=10, explanation=[])
    found = quality(
        rota, {}, publishable_status=status in ("feasible", "edited"), blocking=blocking
    )
    assert found.blocked == blocked
    assert found.publishable is (blocked == "")
