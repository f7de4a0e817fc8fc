"""The planner's rules: one function per hard rule and per soft term, registered in one list.

`HARD_RULES` and `SOFT_TERMS` are the registry `solve` builds its model from, in this order (model
building is ordered, for determinism). Rule ids are those of `solver.validation`; display names are
the French words a coordinator reads. The exact meanings are docs/rules.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from solver.constraints import hard, soft
from solver.constraints.blocks import Expr, PlanModel


@dataclass(frozen=True, slots=True)
class HardRule:
    """A hard rule: checker id, display name, function adding its constraints."""

    id: str
    display: str
    add: Callable[[PlanModel], None]


@dataclass(frozen=True, slots=True)
class SoftTerm:
    """A soft goal: `Weights` field, display name, function giving its unweighted count."""

    name: str
    display: str
    count: Callable[[PlanModel], Expr]


RULES: tuple[HardRule | SoftTerm, ...] = (
    # Hard
    HardRule(
        "availability",
        "disponibilités, ouverture, congés, jours fériés, repos du dimanche",
        hard.domains,
    ),
    HardRule("overlap", "pas de chevauchement", hard.no_overlap),
    HardRule("travel", "trajets entre cabinets", hard.travel),
    HardRule("cabinet-places", "places du cabinet", hard.cabinet_places),
    HardRule("daily-work", "travail quotidien", hard.daily_work),
    HardRule("amplitude", "amplitude", hard.amplitude),
    HardRule("max-vacations", "vacations par jour", hard.vacations),
    HardRule("interruption", "coupure", hard.interruption),
    HardRule("shorter-vacation", "vacation la plus courte", hard.shorter_vacation),
    HardRule("break", "pause", hard.break_rule),
    HardRule("daily-rest", "repos quotidien", hard.daily_rest),
    HardRule("weekly-max", "maximum hebdomadaire", hard.weekly_max),
    HardRule("twelve-week-average", "moyenne sur 12 semaines", hard.average_weeks),
    HardRule("days-per-week", "jours par semaine", hard.days_per_week),
    HardRule("weekly-rest", "repos hebdomadaire", hard.weekly_rest),
    HardRule("contract-hours", "heures du contrat", hard.contract_hours),
    HardRule("share-tolerance", "parts des cabinets", hard.shares),
    HardRule("complementary-hours", "heures complémentaires", hard.complementary_hours),
    HardRule("pinned", "affectations imposées et délai de prévenance", hard.fixed_assignments),
    # Soft
    SoftTerm("share_deviation", "écart aux parts", soft.share_deviation),
    SoftTerm("session_uncovered", "consultations sans assistante", soft.session_uncovered),
    SoftTerm("request_uncovered", "demandes non couvertes", soft.request_uncovered),
    SoftTerm("travel_minutes", "minutes de trajet", soft.travel_minutes),
    SoftTerm("site_changes", "changements de cabinet", soft.site_changes),
    SoftTerm("stability_changes", "changements du planning publié", soft.stability_changes),
    SoftTerm("pattern_changes", "changements de semaine type", soft.pattern_changes),
    SoftTerm("preference_violations", "préférences non respectées", soft.preference_violations),
)

HARD_RULES: tuple[HardRule, ...] = tuple(r for r in RULES if isinstance(r, HardRule))
SOFT_TERMS: tuple[SoftTerm, ...] = tuple(r for r in RULES if isinstance(r, SoftTerm))

__all__ = ["HARD_RULES", "RULES", "SOFT_TERMS", "HardRule", "PlanModel", "SoftTerm"]
