"""What the page templates show, built from what the scheduler services return (no queries).

Pure helpers: the week grid (assistants by days, with travel legs, breaks and the checker's
flags), the plan's quality and the pages' French sentences (on `scheduler.french`). The contract
dashboard's (`dashboard`), the notices' (`notice_views`) and the cabinets' colours (`styles`) are
in their own modules and passed on here, where the templates read them as `views.…`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from api.pages.dashboard import (  # re-exported: the templates read them as `views.…`
    SPLIT_BASIS_FR as SPLIT_BASIS_FR,
)
from api.pages.dashboard import (
    TARGET_STATUS_FR as TARGET_STATUS_FR,
)
from api.pages.dashboard import (
    contract_year as contract_year,
)
from api.pages.dashboard import (
    hours_chart as hours_chart,
)
from api.pages.dashboard import (
    member_weeks as member_weeks,
)
from api.pages.dashboard import (
    progress_chart as progress_chart,
)
from api.pages.dashboard import (
    recent_weeks as recent_weeks,
)
from api.pages.dashboard import (
    split_words as split_words,
)
from api.pages.dashboard import (
    status_label as status_label,
)
from api.pages.dashboard import (
    totals as totals,
)
from api.pages.dashboard import (
    week_delivered as week_delivered,
)
from api.pages.notice_views import (  # re-exported for the pages
    acknowledgement_rows as acknowledgement_rows,
)
from api.pages.notice_views import (
    email_rows as email_rows,
)
from api.pages.styles import PALETTE as PALETTE
from api.pages.styles import CabinetStyle as CabinetStyle
from api.pages.styles import cabinet_styles as cabinet_styles
from scheduler import models
from scheduler import reports as reports  # the templates read `views.reports.status_basis`
from scheduler.french import clock_hours, duration, screen_number, screen_percent, weekday_date
from scheduler.planning import Violation

RUN_STATE_FR = {
    models.RunState.QUEUED: "en attente",
    models.RunState.RUNNING: "en cours",
    models.RunState.SUCCEEDED: "terminé",
    models.RunState.FAILED: "échec",
    models.RunState.CANCELLED: "annulé",
}
ROTA_STATUS_FR = {
    models.RotaStatus.DRAFT: "brouillon",
    models.RotaStatus.PUBLISHED: "publié",
    models.RotaStatus.SUPERSEDED: "remplacé",
}
SOLVER_STATUS_FR = {
    "optimal": "optimal",
    "feasible": "réalisable",
    "edited": "modifié à la main",
    "infeasible": "impossible",
    "unknown": "sans solution",
}
BALANCING_FR = {
    "quarter": "trimestre civil",
    "half_year": "semestre civil",
    "contract_year": "année de contrat",
}
"""A contract's balancing period, as the contracts page words it."""

AUDIT_ACTIONS_FR = {
    "create": "création",
    "update": "modification",
    "delete": "suppression",
    "remind-patientele": "rappel des relevés de patientèle",
}
"""The audit log's actions on a contract, as the review page words them."""


def monday_of(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def next_monday(today: date) -> date:
    """The Monday of the coming week."""
    return monday_of(today) + timedelta(days=7)


def solver_gap(objective: int | None, bound: int | None) -> float | None:
    """How much better than the plan the best one could still be, at most: (objective − bound)
    / max(objective, 1), as CP-SAT reckons its gap; None when the solver gave no figure."""
    if objective is None or bound is None:
        return None
    return (objective - bound) / max(objective, 1)


def fr_gap(gap: float) -> str:
    """A gap as a percentage to one decimal: `1,2 %`; `< 0,1 %` for one that is not zero but
    would read as zero, so that only a gap of zero shows as `0,0 %`."""
    shown = screen_percent(gap, 1)
    if gap > 0 and shown == screen_percent(0, 1):
        return "<\u00a0" + screen_percent(0.001, 1)
    return shown


def solver_summary(solver_status: str, objective: int | None, bound: int | None) -> str:
    """The solver's verdict on a plan: its status, objective, bound and the gap between them,
    `optimal (prouvé)` instead of the gap when the solver proved the plan the best one."""
    gap = solver_gap(objective, bound)
    proven = solver_status == "optimal" and gap == 0
    status = "optimal (prouvé)" if proven else SOLVER_STATUS_FR.get(solver_status, solver_status)
    parts = [f"solveur : {status}"]
    if objective is not None:
        parts.append(f"objectif {screen_number(objective)}")
    if bound is not None:
        parts.append(f"borne {screen_number(bound)}")
    if gap is not None and not proven:
        parts.append(f"écart à la borne : {fr_gap(gap)}")
    return ", ".join(parts)


@dataclass(frozen=True)
class Block:
    """One item of a grid cell: an assignment, a travel leg or a break."""

    kind: str  # "assignment", "travel", "break"
    start: datetime
    end: datetime
    cabinet: CabinetStyle | None = None
    assignment_id: int | None = None
    pinned: bool = False
    origin: CabinetStyle | None = None
    destination: CabinetStyle | None = None
    contract_id: int | None = None

    @property
    def minutes(self) -> int:
        """The block's length in minutes."""
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def times(self) -> str:
        """`8 h – 12 h 30`."""
        return f"{clock_hours(self.start)} – {clock_hours(self.end)}"


@dataclass
class GridRow:
    """One assistant's week: one list of blocks per day, and the flags of the checker."""

    assistant_id: int
    code: str
    name: str
    cells: list[list[Block]]
    flags: dict[date, list[str]] = field(default_factory=dict)
    minutes: int = 0
    absences: dict[date, list[str]] = field(default_factory=dict)


@dataclass
class WeekGrid:
    """The week grid of one rota."""

    days: list[date]
    rows: list[GridRow]
    legend: list[CabinetStyle]
    general_flags: list[str]
    holidays: dict[date, str] = field(default_factory=dict)


def rota_blocks(
    assignments: Sequence[models.Assignment],
    travel_legs: Sequence[models.TravelLeg],
    breaks: Sequence[models.RotaBreak],
    styles: dict[int, CabinetStyle],
    zone: ZoneInfo,
) -> Iterator[tuple[int, Block]]:
    """Each assignment, travel leg and break of a rota as (assistant id, block), in local time."""
    for a in assignments:
        start, end = a.start_at.astimezone(zone), a.end_at.astimezone(zone)
        yield (
            a.assistant_id,
            Block(
                "assignment",
                start,
                end,
                styles.get(a.cabinet_id),
                a.id,
                a.pinned,
                contract_id=a.contract_id,
            ),
        )
    for leg in travel_legs:
        yield (
            leg.assistant_id,
            Block(
                "travel",
                leg.start_at.astimezone(zone),
                leg.end_at.astimezone(zone),
                origin=styles.get(leg.origin_id),
                destination=styles.get(leg.destination_id),
            ),
        )
    for item in breaks:
        yield (
            item.assistant_id,
            Block("break", item.start_at.astimezone(zone), item.end_at.astimezone(zone)),
        )


def week_grid(
    rota: models.Rota,
    assignments: Sequence[models.Assignment],
    travel_legs: Sequence[models.TravelLeg],
    breaks: Sequence[models.RotaBreak],
    assistants: Sequence[models.Assistant],
    styles: dict[int, CabinetStyle],
    violations: Sequence[Violation],
    zone: ZoneInfo,
    absences: Sequence[models.Absence] = (),
    holidays: dict[date, list[tuple[models.Cabinet, str]]] | None = None,
) -> WeekGrid:
    """Lay the rota out as assistants by days, in local time, each absence marked on the days it
    covers and each public holiday on its day."""
    days = [rota.period_start + timedelta(days=i) for i in range(rota.period_days)]
    index = {day: i for i, day in enumerate(days)}
    rows = {
        a.id: GridRow(a.id, a.code, f"{a.first_name} {a.last_name}", [[] for _ in days])
        for a in sorted(assistants, key=lambda a: (a.last_name, a.first_name))
    }

    def place(assistant_id: int, block: Block) -> None:
        row = rows.get(assistant_id)
        slot = index.get(block.start.date())
        if row is not None and slot is not None:
            row.cells[slot].append(block)

    for assistant_id, block in rota_blocks(assignments, travel_legs, breaks, styles, zone):
        place(assistant_id, block)
        if block.kind == "assignment" and assistant_id in rows:
            rows[assistant_id].minutes += block.minutes
    for row in rows.values():
        for cell in row.cells:
            cell.sort(key=lambda b: (b.start, b.end))
    by_code = {row.code: row for row in rows.values()}
    general: list[str] = []
    for violation in violations:
        owner = by_code.get(str(violation.assistant)) if violation.assistant is not None else None
        if owner is not None and violation.day is not None:
            owner.flags.setdefault(violation.day, []).append(violation.message)
        else:
            general.append(violation.message)
    for absence in absences:
        absent = rows.get(absence.assistant_id)
        if absent is None:
            continue
        start, end = absence.start_at.astimezone(zone), absence.end_at.astimezone(zone)
        for day in days:
            opening = datetime.combine(day, datetime.min.time(), zone)
            if start < opening + timedelta(days=1) and end > opening:
                absent.absences.setdefault(day, []).append(absence_text(absence, zone))
    shown = [d for d in days if d.weekday() < 6 or any(r.cells[index[d]] for r in rows.values())]
    keep = [index[d] for d in shown]
    for row in rows.values():
        row.cells = [row.cells[i] for i in keep]
    used = {b.cabinet.id for r in rows.values() for c in r.cells for b in c if b.cabinet}
    legend = [s for s in styles.values() if s.id in used] or list(styles.values())
    closed = {day: holiday_text(items, len(styles)) for day, items in (holidays or {}).items()}
    return WeekGrid(shown, list(rows.values()), legend, general, closed)


def absence_text(absence: models.Absence, zone: ZoneInfo) -> str:
    """`Absente : Congés (formation à Nancy), du … au …`: the kind, the reason when one was
    given, and the span."""
    reason = f" ({absence.reason.strip()})" if absence.reason and absence.reason.strip() else ""
    return (
        f"Absente : {ABSENCE_KIND_FR[absence.kind]}{reason}, "
        f"{fr_span(absence.start_at, absence.end_at, zone)}"
    )


def holiday_text(items: Sequence[tuple[models.Cabinet, str]], cabinet_count: int) -> str:
    """`Jour férié : Noël`, naming the cabinets when not all of them are closed:
    `Jour férié : Saint-Étienne (Cabinet des Tilleuls)`."""
    names: dict[str, list[str]] = {}
    for cabinet, name in items:
        names.setdefault(name, []).append(cabinet.name)
    parts = [
        name if len(where) >= cabinet_count else f"{name} ({', '.join(sorted(where))})"
        for name, where in names.items()
    ]
    return "Jour férié : " + " ; ".join(parts)


# --- The plan's quality ---------------------------------------------------------------------------

# Each soft term of the objective (docs/rules.md, "Soft goals"), in words, and how its own unit
# reads: minutes as a duration, the others as a count.
OBJECTIVE_TERMS: dict[str, tuple[str, bool]] = {
    "share_deviation": ("écart aux parts", True),
    "session_uncovered": ("consultations non couvertes", True),
    "request_uncovered": ("demandes des cabinets non couvertes", True),
    "travel_minutes": ("trajets", True),
    "site_changes": ("changements de cabinet dans la journée", False),
    "stability_changes": ("changements par rapport au planning publié", True),
    "pattern_changes": ("jours au rythme différent de la première semaine", False),
    "preference_violations": ("entorses aux préférences", True),
}


@dataclass(frozen=True)
class Term:
    """One term of the objective: its words, its figure in its own unit, its points."""

    name: str
    label: str
    figure: str
    points: str

    @property
    def text(self) -> str:
        """`écart aux parts : 45 min`."""
        return f"{self.label} : {self.figure}"


def objective_terms(terms: dict[str, Any], counts: dict[str, int]) -> list[Term]:
    """The objective's terms in words, in the catalogue's order, each with its figure (from
    `counts`, the terms in their own units) and its weighted points."""
    out: list[Term] = []
    names = [n for n in OBJECTIVE_TERMS if n in terms] + sorted(set(terms) - set(OBJECTIVE_TERMS))
    for name in names:
        label, minutes = OBJECTIVE_TERMS.get(name, (name.replace("_", " "), False))
        count = counts.get(name)
        if count is None:
            figure = screen_number(terms[name])
        else:
            figure = duration(count) if minutes else screen_number(count)
        out.append(Term(name, label, figure, screen_number(terms[name])))
    return out


@dataclass(frozen=True)
class Quality:
    """What the pages say of a plan's quality."""

    status: str
    objective: str
    bound: str
    gap: str
    terms: list[Term]
    explanation: list[str]
    feasible: bool
    blocked: str
    """Why the plan may not be published, or an empty string when it may."""

    @property
    def publishable(self) -> bool:
        """Whether the plan may be published."""
        return not self.blocked


def solver_status_text(solver_status: str, objective: int | None, bound: int | None) -> str:
    """The solver's status in words: `optimal (prouvé)` when the gap is zero."""
    proven = solver_status == "optimal" and solver_gap(objective, bound) == 0
    return "optimal (prouvé)" if proven else SOLVER_STATUS_FR.get(solver_status, solver_status)


def quality(
    rota: models.Rota, counts: dict[str, int], *, publishable_status: bool, blocking: int
) -> Quality:
    """A rota's quality: its solver status, objective, bound, gap and terms, the planner's
    explanation, and whether it may be published (a publishable status, no rule broken)."""
    gap = solver_gap(rota.objective, rota.bound)
    return Quality(
        status=solver_status_text(rota.solver_status, rota.objective, rota.bound),
        objective=screen_number(rota.objective),
        bound=screen_number(rota.bound),
        gap=fr_gap(gap) if gap is not None else "—",
        terms=objective_terms(dict(rota.objective_terms or {}), counts),
        explanation=[str(item) for item in rota.explanation or []],
        feasible=publishable_status,
        blocked=(
            "la semaine n'a pas de planning réalisable (voir l'explication du solveur)"
            if not publishable_status
            else f"le brouillon enfreint {blocking} règle{'s' if blocking > 1 else ''} "
            "(voir la liste)"
            if blocking
            else ""
        ),
    )


# --- The assistant's page -------------------------------------------------------------------------

ABSENCE_KIND_FR = {
    models.AbsenceKind.LEAVE: "Congés",
    models.AbsenceKind.SICKNESS: "Arrêt maladie",
    models.AbsenceKind.TRAINING: "Formation",
    models.AbsenceKind.OTHER: "Autre absence",
}


@dataclass
class DayPlan:
    """One day of the assistant's week: her assignments, travel legs and breaks in order."""

    day: date
    blocks: list[Block] = field(default_factory=list)
    absences: list[str] = field(default_factory=list)

    @property
    def work_minutes(self) -> int:
        """Minutes at the cabinets."""
        return sum(b.minutes for b in self.blocks if b.kind == "assignment")

    @property
    def travel_minutes(self) -> int:
        """Minutes on the road between cabinets (working time)."""
        return sum(b.minutes for b in self.blocks if b.kind == "travel")


@dataclass
class AssistantPlan:
    """The assistant's week as her page shows it."""

    days: list[DayPlan]
    styles: dict[int, CabinetStyle]

    @property
    def work_minutes(self) -> int:
        """Minutes at the cabinets in the week."""
        return sum(d.work_minutes for d in self.days)

    @property
    def travel_minutes(self) -> int:
        """Minutes travelling between cabinets in the week."""
        return sum(d.travel_minutes for d in self.days)

    @property
    def total_minutes(self) -> int:
        """Working time of the week: cabinets and travel between them."""
        return self.work_minutes + self.travel_minutes

    @property
    def absence_labels(self) -> list[str]:
        """The kinds of absence recorded in the week, each once."""
        return list(dict.fromkeys(label for d in self.days for label in d.absences))

    @property
    def has_work(self) -> bool:
        """Whether the week holds at least one assignment."""
        return any(b.kind == "assignment" for d in self.days for b in d.blocks)


def _whole_days(start: datetime, end: datetime) -> bool:
    return start.time() == end.time() == datetime.min.time()


def fr_span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """An absence's span: `le jeudi 24 décembre 2026`, `du jeudi 24 au … 2026` for whole days,
    with the hours otherwise."""
    start, end = start.astimezone(zone), end.astimezone(zone)
    if _whole_days(start, end):
        last = end.date() - timedelta(days=1)
        if last == start.date():
            return f"le {weekday_date(start.date(), year=True)}"
        return f"du {weekday_date(start.date(), year=True)} au {weekday_date(last, year=True)}"
    if start.date() == end.date():
        return f"le {weekday_date(start.date(), year=True)}, de {clock_hours(start)} à {clock_hours(end)}"
    return (
        f"du {weekday_date(start.date(), year=True)}, {clock_hours(start)}, "
        f"au {weekday_date(end.date(), year=True)}, {clock_hours(end)}"
    )


def assistant_plan(
    week_start: date,
    assignments: Sequence[models.Assignment],
    travel_legs: Sequence[models.TravelLeg],
    breaks: Sequence[models.RotaBreak],
    cabinets: Iterable[models.Cabinet],
    absences: Sequence[models.Absence],
    zone: ZoneInfo,
) -> AssistantPlan:
    """Lay one assistant's week out by day, in local time (Sunday only when she works it)."""
    styles = cabinet_styles(cabinets)
    days = {
        week_start + timedelta(days=i): DayPlan(week_start + timedelta(days=i)) for i in range(7)
    }

    def place(block: Block) -> None:
        plan = days.get(block.start.date())
        if plan is not None:
            plan.blocks.append(block)

    for _, block in rota_blocks(assignments, travel_legs, breaks, styles, zone):
        place(block)
    for day, plan in days.items():
        plan.blocks.sort(key=lambda b: (b.start, b.end))
        opening = datetime.combine(day, datetime.min.time(), zone)
        closing = opening + timedelta(days=1)
        plan.absences = [
            ABSENCE_KIND_FR[a.kind]
            for a in absences
            if a.start_at.astimezone(zone) < closing and a.end_at.astimezone(zone) > opening
        ]
    shown = [p for d, p in sorted(days.items()) if d.weekday() < 6 or p.blocks]
    return AssistantPlan(shown, styles)
