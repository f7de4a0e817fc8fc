"""Allocation reports for the CPAM and the members: load, compute (scheduler/contribution), render.

- `parse_period`: `2026-11` (month), `2026-Q4` / `2026-T4` (quarter), `Y1`..`Y5` (contract year),
  `2026-Y` (calendar year); a week belongs to the period whose dates hold its Monday.
- `load_contract_input` reads the database (never writes) into `contribution.ContractInput`.
- `build_report` makes an `AllocationReport`; `report_content` is its canonical JSON-able content,
  whose SHA-256 (`report_digest`, over compact sorted-key UTF-8 JSON) is printed in every format.
- `render_json`, `render_csv`, `render_pdf`: same inputs, same bytes (the PDF's dates come from
  the data, never from the clock).
- The one input that is not data is the reading day (`today`, by default the groupement's date
  now): the ledger's delivered minutes of a week still to come are a forecast, so only the weeks
  over by then count as delivered (`ContractFigures.delivered_before`, a Monday: the content, and
  so the digest, changes once a week), and the deadline is only past once it is.
- `report_for` applies the access rules; `write_report` is the CLI's entry point;
  `national_export_lines` streams the national CSV in constant memory.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, Template, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import access, models
from scheduler.access import resolve
from scheduler.contribution import (
    AbsenceInput,
    ContractFigures,
    ContractInput,
    DoctorInput,
    LedgerWeek,
    MemberFigures,
    MemberInput,
    PolicyParams,
    Progress,
    SharePlanInput,
    Snapshot,
    Status,
    add_years,
    contract_figures,
    member_latest_gains,
    monday_of,
    round_to,
)
from scheduler.errors import InvalidPeriod, NotFound
from scheduler.french import (
    NBSP,
    clock_digits,
    duration,
    euros,
    long_date,
    month_year,
    number,
    percent,
    quarter_year,
    short_date,
)
from solver import FIRST_YEAR, LAST_YEAR

TEMPLATES = Path(__file__).resolve().parent / "templates" / "report"
REPORT_FORMAT_VERSION = 1

# --- Periods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A report period: `start` and `end` inclusive."""

    label: str
    kind: str  # "month", "quarter", "contract_year", "calendar_year"
    start: date
    end: date


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[QT]([1-4])$", re.IGNORECASE)
_CONTRACT_YEAR = re.compile(r"^Y(\d{1,2})$", re.IGNORECASE)
_CALENDAR_YEAR = re.compile(r"^(\d{4})-Y$", re.IGNORECASE)


def parse_period(
    text: str, *, contract_start: date | None = None, duration_years: int | None = None
) -> Period:
    """Read a period string; contract years need the contract's start (and duration)."""
    value = text.strip()
    year_given = re.match(r"(\d{4})-", value)
    if year_given and not FIRST_YEAR <= int(year_given[1]) <= LAST_YEAR:
        # The years the service can plan: a period of year 9999 would overflow its end.
        raise InvalidPeriod(text, f"année hors de {FIRST_YEAR} à {LAST_YEAR}")
    if match := _MONTH.match(value):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise InvalidPeriod(text, "mois hors de 01 à 12")
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return Period(f"{year:04d}-{month:02d}", "month", first, following - timedelta(days=1))
    if match := _QUARTER.match(value):
        year, quarter = int(match[1]), int(match[2])
        first = date(year, 3 * quarter - 2, 1)
        following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return Period(f"{year:04d}-Q{quarter}", "quarter", first, following - timedelta(days=1))
    if match := _CONTRACT_YEAR.match(value):
        nth = int(match[1])
        if contract_start is None:
            raise InvalidPeriod(text, "une année de contrat demande un contrat")
        if nth < 1 or (duration_years is not None and nth > duration_years):
            raise InvalidPeriod(text, f"le contrat compte {duration_years} années")
        first = add_years(contract_start, nth - 1)
        end = add_years(contract_start, nth) - timedelta(days=1)
        return Period(f"Y{nth}", "contract_year", first, end)
    if match := _CALENDAR_YEAR.match(value):
        year = int(match[1])
        return Period(f"{year:04d}-Y", "calendar_year", date(year, 1, 1), date(year, 12, 31))
    raise InvalidPeriod(text)


# --- Loading (read only) -------------------------------------------------------------------------


def _local_day_bounds(start_at: datetime, end_at: datetime, zone: ZoneInfo) -> tuple[date, date]:
    start = start_at.astimezone(zone)
    end = end_at.astimezone(zone)
    end_day = end.date() if end.time() == time(0) else end.date() + timedelta(days=1)
    return start.date(), end_day


def find_contract(session: Session, code_or_id: str | int) -> models.PooledContract:
    """A contract by id or by code (a code shared by several groupements is refused)."""
    if isinstance(code_or_id, int) or str(code_or_id).isdigit():
        contract = session.get(models.PooledContract, int(code_or_id))
        if contract is None:
            raise NotFound("contrat", code_or_id)
        return contract
    found = list(
        session.scalars(
            select(models.PooledContract).where(models.PooledContract.code == code_or_id)
        )
    )
    if len(found) != 1:
        raise NotFound("contrat", code_or_id)
    return found[0]


def policy_params(policy: models.TargetPolicy) -> PolicyParams:
    """The contribution parameters of a stored target policy."""
    return PolicyParams.from_parameters(
        policy.parameters, code=policy.code, version=policy.policy_version
    )


def load_contract_input(session: Session, contract: models.PooledContract) -> ContractInput:
    """Everything `contract_figures` needs about `contract`, read from the database."""
    groupement = session.get(models.Groupement, contract.groupement_id)
    zone = ZoneInfo(groupement.timezone if groupement else "Europe/Paris")
    plans = sorted(contract.share_plans, key=lambda p: p.valid_from)
    member_ids = sorted({share.cabinet_id for plan in plans for share in plan.shares})
    cabinets = {
        c.id: c
        for c in session.scalars(select(models.Cabinet).where(models.Cabinet.id.in_(member_ids)))
    }
    doctors = list(
        session.scalars(
            select(models.Doctor)
            .where(models.Doctor.cabinet_id.in_(member_ids))
            .order_by(models.Doctor.id)
        )
    )
    snapshots: dict[int, list[Snapshot]] = {}
    for row in session.execute(
        select(
            models.PatienteleSnapshot.doctor_id,
            models.PatienteleSnapshot.snapshot_date,
            models.PatienteleSnapshot.pmt,
            models.PatienteleSnapshot.file_active,
        )
        .where(models.PatienteleSnapshot.doctor_id.in_([d.id for d in doctors]))
        .order_by(models.PatienteleSnapshot.doctor_id, models.PatienteleSnapshot.snapshot_date)
    ):
        snapshots.setdefault(row[0], []).append(Snapshot(row[1], row[2], row[3]))
    assistant_ids = tuple(sorted(a.assistant_id for a in contract.assistants))
    ledger = tuple(
        LedgerWeek(
            r.cabinet_id, r.assistant_id, r.week_start, r.planned_minutes, r.delivered_minutes
        )
        for r in session.scalars(
            select(models.LedgerEntry)
            .where(models.LedgerEntry.contract_id == contract.id)
            .order_by(
                models.LedgerEntry.week_start,
                models.LedgerEntry.cabinet_id,
                models.LedgerEntry.assistant_id,
            )
        )
    )
    absences = tuple(
        AbsenceInput(a.assistant_id, *_local_day_bounds(a.start_at, a.end_at, zone), a.replaced)
        for a in session.scalars(
            select(models.Absence)
            .where(models.Absence.assistant_id.in_(assistant_ids))
            .order_by(models.Absence.start_at, models.Absence.id)
        )
    )
    return ContractInput(
        id=contract.id,
        code=contract.code,
        name=contract.name,
        start_date=contract.start_date,
        duration_years=contract.duration_years,
        funded_etp=Decimal(contract.funded_etp),
        cost_split=contract.cost_split.value,
        annual_employer_cost_eur=Decimal(contract.annual_employer_cost_eur),
        weekly_minutes=sum(a.weekly_minutes for a in contract.assistants),
        assistant_ids=assistant_ids,
        members=tuple(MemberInput(i, cabinets[i].code, cabinets[i].name) for i in member_ids),
        share_plans=tuple(
            SharePlanInput(
                p.valid_from, tuple(sorted((s.cabinet_id, s.share_bp) for s in p.shares))
            )
            for p in plans
        ),
        doctors=tuple(
            DoctorInput(
                d.id,
                d.cabinet_id,
                d.rpps,
                f"{d.first_name} {d.last_name}",
                d.installed_on,
                tuple(snapshots.get(d.id, [])),
            )
            for d in doctors
        ),
        ledger=ledger,
        absences=absences,
        policy=policy_params(contract.target_policy),
    )


# --- The report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RotaVersion:
    """A rota version the report's hours come from."""

    rota_id: int
    revision: int
    period_start: date
    status: str


@dataclass(frozen=True)
class ContractHeader:
    """Who and what the report is about."""

    contract_id: int
    code: str
    name: str
    groupement: str
    kind: str
    start_date: date
    duration_years: int
    funded_etp: Decimal
    cost_split: str
    annual_employer_cost_eur: Decimal
    weekly_minutes: int
    policy_code: str
    policy_version: int
    policy_source: str
    band_k: Decimal


@dataclass(frozen=True)
class AllocationReport:
    """An allocation report: header, period, figures and the rota versions behind them."""

    header: ContractHeader
    period: Period
    figures: ContractFigures
    rota_versions: tuple[RotaVersion, ...]
    data_as_of: datetime  # the latest change in the data read: the PDF's creation date
    visible_to_cabinet: int | None = None  # set when other members' figures were removed


def local_today(session: Session, groupement_id: int) -> date:
    """Today's date in the groupement's time zone."""
    groupement = session.get(models.Groupement, groupement_id)
    zone = ZoneInfo(groupement.timezone if groupement else "Europe/Paris")
    return datetime.now(UTC).astimezone(zone).date()


def build_report(
    session: Session,
    contract: models.PooledContract,
    period: Period,
    *,
    today: date | None = None,
) -> AllocationReport:
    """Load `contract` and compute its allocation report for `period` as read on `today` (by
    default the groupement's date now); reads only."""
    data = load_contract_input(session, contract)
    if today is None:
        today = local_today(session, contract.groupement_id)
    figures = contract_figures(data, period.start, period.end, today=today)
    first_week, last_week = monday_of(period.start), period.end
    rota_rows = session.execute(
        select(models.Rota.id, models.Rota.revision, models.Rota.period_start, models.Rota.status)
        .where(
            models.Rota.id.in_(
                select(models.LedgerEntry.rota_id).where(
                    models.LedgerEntry.contract_id == contract.id,
                    models.LedgerEntry.week_start >= first_week,
                    models.LedgerEntry.week_start <= last_week,
                )
            )
        )
        .order_by(models.Rota.period_start, models.Rota.revision, models.Rota.id)
    ).all()
    stamps = [
        session.scalar(
            select(func.max(models.LedgerEntry.updated_at)).where(
                models.LedgerEntry.contract_id == contract.id
            )
        ),
        session.scalar(
            select(func.max(models.PatienteleSnapshot.recorded_at)).where(
                models.PatienteleSnapshot.doctor_id.in_([d.id for d in data.doctors])
            )
        ),
    ]
    known = [s if s.tzinfo else s.replace(tzinfo=UTC) for s in stamps if s is not None]
    data_as_of = max(known) if known else datetime.combine(period.end, time(0), UTC)
    groupement = session.get(models.Groupement, contract.groupement_id)
    policy = contract.target_policy
    header = ContractHeader(
        contract_id=contract.id,
        code=contract.code,
        name=contract.name,
        groupement=groupement.name if groupement else "",
        kind=contract.kind.value,
        start_date=contract.start_date,
        duration_years=contract.duration_years,
        funded_etp=Decimal(contract.funded_etp),
        cost_split=contract.cost_split.value,
        annual_employer_cost_eur=Decimal(contract.annual_employer_cost_eur),
        weekly_minutes=data.weekly_minutes,
        policy_code=policy.code,
        policy_version=policy.policy_version,
        policy_source=policy.source,
        band_k=data.policy.band_k,
    )
    versions = tuple(RotaVersion(r[0], r[1], r[2], str(r[3].value)) for r in rota_rows)
    return AllocationReport(header, period, figures, versions, data_as_of.astimezone(UTC))


def restrict_to_cabinet(report: AllocationReport, cabinet_id: int) -> AllocationReport:
    """The report as a member sees it: its own figures and the group's totals only."""
    figures = report.figures
    years = tuple(
        replace(y, member_parts=tuple(p for p in y.member_parts if p[0] == cabinet_id))
        for y in figures.aid_years
    )
    restricted = replace(
        figures,
        members=tuple(m for m in figures.members if m.cabinet_id == cabinet_id),
        aid_years=years,
    )
    return replace(report, figures=restricted, visible_to_cabinet=cabinet_id)


def report_for(
    session: Session,
    user: models.User,
    contract_id: int,
    period: str,
    *,
    today: date | None = None,
    field: str = "path.contract_id",
) -> AllocationReport:
    """The report `user` may read (as read on `today`, by default the groupement's date now),
    as the access policy says: an auditor her granted contracts in whatever groupement, the
    national reader every contract, a cabinet its own figures plus the group's totals, the
    coordinator everything in the groupement.

    A contract the user may not read (another groupement's, not granted to the auditor, one the
    cabinet is no member of) is `NotFound` naming `field`, as a missing one is."""
    access.require(user, access.Action.READ_REPORTS)
    contract = resolve(session, user, models.PooledContract, contract_id, field=field)
    parsed = parse_period(
        period, contract_start=contract.start_date, duration_years=contract.duration_years
    )
    report = build_report(session, contract, parsed, today=today)
    cabinet_id = access.report_cabinet(user)
    if cabinet_id is not None:
        # `resolve` let through the contracts the cabinet is a member of only.
        return restrict_to_cabinet(report, cabinet_id)
    return report


# --- Canonical content and digest ----------------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON-able form: Decimals as strings (at most 4 decimals), dates ISO, sorted containers."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        shown = round_to(value, 4) if isinstance(exponent, int) and exponent < -4 else value
        return f"{shown:f}"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    return value


def report_content(report: AllocationReport) -> dict[str, Any]:
    """The report's canonical content (what the digest covers)."""
    content: dict[str, Any] = _plain(report)
    content["format_version"] = REPORT_FORMAT_VERSION
    return content


def _canonical(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def report_digest(report: AllocationReport) -> str:
    """SHA-256 (hex) of the canonical JSON of the report's content."""
    return hashlib.sha256(_canonical(report_content(report))).hexdigest()


def verify_json(body: bytes) -> bool:
    """True when a JSON report's `sha256` matches its content."""
    document = json.loads(body)
    digest = document.pop("sha256")
    return bool(hashlib.sha256(_canonical(document)).hexdigest() == digest)


def render_json(report: AllocationReport) -> bytes:
    """The report as indented JSON, its digest in `sha256`."""
    document = report_content(report)
    document["sha256"] = report_digest(report)
    return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


# --- French wording -----------------------------------------------------------------------------

STATUS_FR = {
    Status.ON_TRACK: "en bonne voie",
    Status.AT_RISK: "à risque",
    Status.MISSED: "manqué",
    Status.UNKNOWN: "indéterminé",
}


def status_basis(progress: Progress) -> str:
    """What a status is read from, in French: the weaker indicator's attainment projected at the
    deadline (reached there, once it is past), never the attainment to date."""
    ratio = progress.weaker_projected_attainment
    if ratio is None:
        return f"sans projection{NBSP}: moins de deux relevés"
    projection = progress.pmt.projection
    if projection is not None and projection.reached:
        return f"atteinte constatée à l’échéance{NBSP}: {percent(ratio)}"
    return f"projection à l’échéance{NBSP}: {percent(ratio)}"


def fr_period(period: Period) -> str:
    """A period in words."""
    if period.kind == "month":
        return month_year(period.start)
    if period.kind == "quarter":
        return quarter_year(period.start)
    if period.kind == "contract_year":
        return (
            f"année {period.label[1:]} du contrat ({long_date(period.start)} – "
            f"{long_date(period.end)})"
        )
    return f"année {period.start.year}"


# --- CSV -----------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "ligne",
    "cabinet",
    "semaine",
    "heures_contractuelles",
    "heures_planifiees",
    "heures_realisees",
    "part_contractuelle",
    "part_heures_recues",
    "gain_pmt",
    "gain_fa",
    "objectif_pmt",
    "objectif_fa",
    "atteinte_pmt",
    "atteinte_fa",
    "part_gain_pmt",
    "part_gain_fa",
    "gain_pmt_100h",
    "gain_fa_100h",
    "statut",
)


def _hours(minutes: int | None) -> str:
    """Minutes as hours with two decimals; empty for a week not over (nothing delivered yet)."""
    return "" if minutes is None else f"{round_to(Decimal(minutes) / 60, 2):f}"


def _dec(value: Decimal | None, places: int = 4) -> str:
    return "" if value is None else f"{round_to(value, places):f}"


def _progress_cells(p: Progress) -> list[str]:
    return [
        str(p.pmt.gain),
        str(p.file_active.gain),
        _dec(p.pmt.target, 2),
        _dec(p.file_active.target, 2),
        _dec(p.pmt.attainment),
        _dec(p.file_active.attainment),
    ]


def render_csv(report: AllocationReport) -> bytes:
    """One row per member and week, a total per member, the group's total; digest at the end.

    Semicolon-separated UTF-8 with a BOM (what French spreadsheets open cleanly), dot decimals.
    `heures_realisees` counts the weeks over only: empty on a week still to come, whose hours are
    only in `heures_planifiees`.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    f = report.figures
    blank = [""] * 6
    for m in f.members:
        for w in m.weeks:
            writer.writerow(
                ["semaine", m.code, w.week_start.isoformat()]
                + [
                    _hours(w.contracted_minutes),
                    _hours(w.planned_minutes),
                    _hours(w.delivered_minutes),
                ]
                + [""] * (len(CSV_COLUMNS) - 6)
            )
        writer.writerow(
            ["membre", m.code, ""]
            + [_hours(m.contracted_minutes), _hours(m.planned_minutes), _hours(m.delivered_minutes)]
            + [_dec(Decimal(m.share_bp) / 10000), _dec(m.share_of_hours)]
            + _progress_cells(m.progress)
            + [_dec(m.share_of_gain_pmt), _dec(m.share_of_gain_fa)]
            + [_dec(m.gain_pmt_per_100h, 2), _dec(m.gain_fa_per_100h, 2), m.progress.status.value]
        )
    writer.writerow(
        ["groupe", "", ""]
        + [_hours(f.contracted_minutes), _hours(f.planned_minutes), _hours(f.delivered_minutes)]
        + ["1.0000", "1.0000" if f.cumulative_delivered_minutes else ""]
        + _progress_cells(f.progress)
        + ["", "", "", "", f.progress.status.value]
    )
    del blank
    writer.writerow(["sha256", report_digest(report)] + [""] * (len(CSV_COLUMNS) - 2))
    return ("\ufeff" + out.getvalue()).encode()


# --- SVG charts ----------------------------------------------------------------------------------

PALETTE = ("#1b6ca8", "#d1495b", "#2e8b57", "#8e5ea2", "#e08e0b", "#5d6d7e")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def hours_chart(members: Sequence[MemberFigures], width: int = 680, height: int = 230) -> str:
    """Hours delivered per member and week over (solid) against its contracted hours (dashed);
    the weeks not over show their planned hours (dotted), never as delivered."""
    weeks = [w.week_start for w in members[0].weeks] if members else []
    left, right, top, bottom = 48, 150, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(
        [1]
        + [
            max(w.contracted_minutes, w.planned_minutes, w.delivered_minutes or 0)
            for m in members
            for w in m.weeks
        ]
    )
    y_max = (peak // 600 + 1) * 600  # a round number of 10 h above the peak
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans" font-size="9">'
        )
    ]

    def x_of(i: int) -> float:
        return left + (plot_w * i / max(1, len(weeks) - 1))

    def y_of(minutes: int) -> float:
        return top + plot_h * (1 - minutes / y_max)

    for step in range(0, y_max + 1, 600 if y_max <= 3000 else 1200):
        y = y_of(step)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{step // 60} h</text>'
        )
    label_every = max(1, len(weeks) // 8)
    for i, week in enumerate(weeks):
        if i % label_every == 0:
            parts.append(
                f'<text x="{x_of(i):.1f}" y="{height - bottom + 14}" text-anchor="middle">'
                f"{week.day:02d}/{week.month:02d}</text>"
            )
    for index, member in enumerate(members):
        color = PALETTE[index % len(PALETTE)]
        last_over = max((i for i, w in enumerate(member.weeks) if w.elapsed), default=-1)
        series: list[tuple[list[tuple[int, int]], str]] = [
            (
                [(i, w.contracted_minutes) for i, w in enumerate(member.weeks)],
                ' stroke-dasharray="5,3"',
            ),
            (
                [
                    (i, w.delivered_minutes)
                    for i, w in enumerate(member.weeks)
                    if w.delivered_minutes is not None
                ],
                "",
            ),
            # Planned hours of the weeks not over, from the last week over on.
            (
                [(i, w.planned_minutes) for i, w in enumerate(member.weeks) if i == last_over]
                + [(i, w.planned_minutes) for i, w in enumerate(member.weeks) if not w.elapsed]
                if any(not w.elapsed and w.planned_minutes for w in member.weeks)
                else [],
                ' stroke-dasharray="1,2"',
            ),
        ]
        for points_of, dash in series:
            if not points_of:
                continue
            if len(points_of) == 1:
                x, y = x_of(points_of[0][0]), y_of(points_of[0][1])
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>')
            points = " ".join(f"{x_of(i):.1f},{y_of(minutes):.1f}" for i, minutes in points_of)
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.6"{dash}/>'
            )
        y = top + 12 + index * 28
        lx = left + plot_w + 12
        parts.append(
            f'<line x1="{lx}" y1="{y}" x2="{lx + 18}" y2="{y}" stroke="{color}" stroke-width="2"/>'
        )
        name = member.name if len(member.name) <= 22 else member.name[:21] + "…"
        parts.append(f'<text x="{lx + 22}" y="{y + 3}">{_esc(name)}</text>')
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>'
    )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle" fill="#333">'
        "semaine (lundi) — plein : effectuées ; pointillés : prévues (à venir) ; tirets : contractuelles"
        "</text></svg>"
    )
    return "".join(parts)


def progress_chart(figures: ContractFigures, width: int = 680, height: int = 240) -> str:
    """Attainment of the group's PMT and FA targets over time, the trend to the deadline and its
    band (a cone from the last statement to the band at the deadline), the 100 % line."""
    start, deadline = (
        figures.progress.series[0][0] if figures.progress.series else figures.as_of,
        figures.deadline,
    )
    start = min(start, figures.as_of)
    left, right, top, bottom = 48, 150, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max(1, (deadline - start).days)
    p = figures.progress
    indicators = (("PMT", p.pmt, 1, PALETTE[0]), ("file active", p.file_active, 2, PALETTE[1]))
    values = [Decimal(1)]
    for _, ind, col, _c in indicators:
        if ind.target:
            values += [Decimal((row[1], row[2])[col - 1]) / ind.target for row in p.series]
            if ind.projection is not None:
                for v in (ind.projection.value, ind.projection.low, ind.projection.high):
                    if v is not None:
                        values.append(v / ind.target)
    y_lo = min(Decimal(0), min(values))
    y_hi = max(values) * Decimal("1.05")
    y_lo, y_hi = Decimal(float(y_lo) // 0.25 * 0.25), Decimal(-(-float(y_hi) // 0.25) * 0.25)

    def x_of(day: date) -> float:
        return left + plot_w * (day - start).days / span

    def y_of(ratio: Decimal) -> float:
        return float(top + plot_h * (1 - (ratio - y_lo) / (y_hi - y_lo)))

    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans" font-size="9">'
        )
    ]
    step = next(
        (
            Decimal(s)
            for s in ("0.1", "0.25", "0.5", "1", "2", "5", "10")
            if (y_hi - y_lo) / Decimal(s) <= 8
        ),
        Decimal(20),
    )
    y_lo = (y_lo / step).to_integral_value(rounding="ROUND_FLOOR") * step
    y_hi = (y_hi / step).to_integral_value(rounding="ROUND_CEILING") * step
    tick = y_lo
    while tick <= y_hi:
        y = y_of(tick)
        stroke = "#333" if tick == 1 else "#ddd"
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{stroke}"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{int(tick * 100)} %</text>'
        )
        tick += step
    parts.append(
        f'<text x="{left + plot_w - 2}" y="{y_of(Decimal(1)) - 3:.1f}" text-anchor="end">objectif</text>'
    )
    for day, anchor in ((start, "start"), (deadline, "end")):
        parts.append(
            f'<text x="{x_of(day):.1f}" y="{height - bottom + 14}" text-anchor="{anchor}">'
            f"{day.day:02d}/{day.month:02d}/{day.year}</text>"
        )
    parts.append(
        f'<line x1="{x_of(deadline):.1f}" y1="{top}" x2="{x_of(deadline):.1f}" y2="{top + plot_h}" '
        'stroke="#999" stroke-dasharray="2,2"/>'
    )
    for index, (label, ind, col, color) in enumerate(indicators):
        if not ind.target or not p.series:
            continue
        pts = [
            (x_of(row[0]), y_of(Decimal((row[1], row[2])[col - 1]) / ind.target))
            for row in p.series
        ]
        parts.append(
            '<polyline points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            + f'" fill="none" stroke="{color}" stroke-width="1.8"/>'
        )
        parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{color}"/>' for x, y in pts)
        proj = ind.projection
        if proj is not None and not proj.reached:
            last_x, last_y = pts[-1]
            end_x = x_of(deadline)
            if proj.low is not None and proj.high is not None:
                parts.append(
                    f'<polygon points="{last_x:.1f},{last_y:.1f} {end_x:.1f},{y_of(proj.high / ind.target):.1f} '
                    f'{end_x:.1f},{y_of(proj.low / ind.target):.1f}" fill="{color}" fill-opacity="0.15"/>'
                )
            parts.append(
                f'<line x1="{last_x:.1f}" y1="{last_y:.1f}" x2="{end_x:.1f}" '
                f'y2="{y_of(proj.value / ind.target):.1f}" stroke="{color}" stroke-dasharray="5,3"/>'
            )
        y = top + 12 + index * 28
        lx = left + plot_w + 12
        parts.append(
            f'<line x1="{lx}" y1="{y}" x2="{lx + 18}" y2="{y}" stroke="{color}" stroke-width="2"/>'
        )
        parts.append(f'<text x="{lx + 22}" y="{y + 3}">{label} (gain / objectif)</text>')
    lx, y = left + plot_w + 12, top + 12 + 2 * 28
    parts.append(
        f'<rect x="{lx}" y="{y - 5}" width="18" height="10" fill="#777" fill-opacity="0.2"/>'
    )
    parts.append(f'<text x="{lx + 22}" y="{y + 3}">tendance et bande</text>')
    parts.append(f'<text x="{lx + 22}" y="{y + 14}" fill="#555">à l’échéance</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- PDF -----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _template() -> Template:
    # Compiled once per process (compiling took 30 ms, a third of a JSON report); rendering a
    # compiled Jinja template is thread-safe.
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"])
    )
    env.filters.update(
        number=number,
        percent=percent,
        euros=euros,
        hours=duration,
        long_date=long_date,
        short_date=short_date,
        clock_digits=clock_digits,
    )
    return env.get_template("allocation.html")


def render_html(report: AllocationReport, *, digest: str | None = None) -> str:
    """The report as the HTML the PDF is printed from (`digest`: the report's, if known)."""
    f = report.figures
    names = {m.cabinet_id: m.name for m in f.members}
    return _template().render(
        r=report,
        h=report.header,
        f=f,
        names=names,
        status_fr=STATUS_FR,
        status_basis=status_basis,
        period_fr=fr_period(report.period),
        digest=digest or report_digest(report),
        created=report.data_as_of.isoformat().replace("+00:00", "Z"),
        hours_svg=hours_chart(f.members),
        progress_svg=progress_chart(f),
        cost_split_fr="au prorata des parts contractuelles"
        if report.header.cost_split == "by_share"
        else "au prorata des heures reçues",
        split_fr={"by_share": "parts contractuelles", "by_hours": "heures reçues"},
        rota_status_fr={"published": "publié", "superseded": "remplacé", "draft": "brouillon"},
        band_k=number(report.header.band_k, 1),
        basis_fr={"none": "—", "projected": "projetée", "reached": "constatée"},
    )


def render_pdf(report: AllocationReport) -> bytes:
    """The French PDF (WeasyPrint); identical inputs give identical bytes."""
    from weasyprint import HTML  # imported late: WeasyPrint is slow to import

    digest = report_digest(report)
    pdf: bytes = HTML(string=render_html(report, digest=digest)).write_pdf(
        pdf_identifier=digest[:32].encode(), uncompressed_pdf=False
    )
    return pdf


# --- Entry points --------------------------------------------------------------------------------

RENDERERS = {"json": render_json, "csv": render_csv, "pdf": render_pdf}


def write_report(session: Session, contract_code_or_id: str | int, period: str, fmt: str) -> bytes:
    """The full report of a contract (by code or id) for `period` in `fmt` (pdf, csv or json).

    For the CLI (`partagenda report CONTRACT --period 2026-Q4 --format pdf`); no access check.
    """
    if fmt not in RENDERERS:
        raise InvalidPeriod(fmt, "format inconnu : pdf, csv ou json")
    contract = find_contract(session, contract_code_or_id)
    parsed = parse_period(
        period, contract_start=contract.start_date, duration_years=contract.duration_years
    )
    return RENDERERS[fmt](build_report(session, contract, parsed))


# --- National export -----------------------------------------------------------------------------

NATIONAL_COLUMNS = (
    "contrat",
    "groupement",
    "cabinet",
    "semaine",
    "minutes_contractuelles",
    "minutes_planifiees",
    "minutes_realisees",
    "gain_pmt",
    "gain_fa",
    "date_dernier_releve",
)


def _csv_line(values: Iterable[object]) -> str:
    """One `;`-separated line; the csv module only for the rare field that needs quoting."""
    cells = [str(v) for v in values]
    line = ";".join(cells)
    if (
        line.count(";") == len(cells) - 1
        and '"' not in line
        and "\n" not in line
        and "\r" not in line
    ):
        return line + "\n"
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerow(cells)
    return out.getvalue()


def national_export_lines(session: Session, *, chunk: int = 500) -> Iterator[str]:
    """The national CSV, one line per contract x member x week of the hours ledger.

    Contracts are streamed with `yield_per` (a server-side cursor on PostgreSQL) and their small
    data (shares, doctors, snapshots, ledger) is read one chunk of contracts at a time, so memory
    stays bounded by `chunk`, whatever the number of contracts. Gains are the latest known.
    """
    yield _csv_line(NATIONAL_COLUMNS)
    stream = session.execute(
        select(
            models.PooledContract.id,
            models.PooledContract.code,
            models.PooledContract.start_date,
            models.Groupement.slug,
        )
        .join(models.Groupement, models.Groupement.id == models.PooledContract.groupement_id)
        .order_by(models.PooledContract.id)
        .execution_options(yield_per=chunk)
    )
    for batch in stream.partitions():
        yield from _national_batch(session, [tuple(row) for row in batch])


def _national_batch(session: Session, batch: Sequence[tuple[Any, ...]]) -> Iterator[str]:
    ids = [row[0] for row in batch]
    weekly = dict(
        session.execute(
            select(
                models.ContractAssistant.contract_id,
                func.sum(models.ContractAssistant.weekly_minutes),
            )
            .where(models.ContractAssistant.contract_id.in_(ids))
            .group_by(models.ContractAssistant.contract_id)
        ).all()
    )
    plans: dict[int, dict[date, list[tuple[int, int]]]] = {}
    for contract_id, valid_from, cabinet_id, share_bp in session.execute(
        select(
            models.SharePlan.contract_id,
            models.SharePlan.valid_from,
            models.Share.cabinet_id,
            models.Share.share_bp,
        )
        .join(models.Share, models.Share.plan_id == models.SharePlan.id)
        .where(models.SharePlan.contract_id.in_(ids))
    ):
        plans.setdefault(contract_id, {}).setdefault(valid_from, []).append((cabinet_id, share_bp))
    cabinet_ids = sorted({c for p in plans.values() for shares in p.values() for c, _ in shares})
    codes = dict(
        session.execute(
            select(models.Cabinet.id, models.Cabinet.code).where(models.Cabinet.id.in_(cabinet_ids))
        ).all()
    )
    doctors: dict[int, list[int]] = {}
    for doctor_id, cabinet_id in session.execute(
        select(models.Doctor.id, models.Doctor.cabinet_id).where(
            models.Doctor.cabinet_id.in_(cabinet_ids)
        )
    ):
        doctors.setdefault(cabinet_id, []).append(doctor_id)
    snaps: dict[int, list[Snapshot]] = {}
    for doctor_id, on, pmt, fa in session.execute(
        select(
            models.PatienteleSnapshot.doctor_id,
            models.PatienteleSnapshot.snapshot_date,
            models.PatienteleSnapshot.pmt,
            models.PatienteleSnapshot.file_active,
        )
        .where(models.PatienteleSnapshot.doctor_id.in_([d for ds in doctors.values() for d in ds]))
        .order_by(models.PatienteleSnapshot.doctor_id, models.PatienteleSnapshot.snapshot_date)
    ):
        snaps.setdefault(doctor_id, []).append(Snapshot(on, pmt, fa))
    ledger = session.execute(
        select(
            models.LedgerEntry.contract_id,
            models.LedgerEntry.cabinet_id,
            models.LedgerEntry.week_start,
            func.sum(models.LedgerEntry.planned_minutes),
            func.sum(models.LedgerEntry.delivered_minutes),
        )
        .where(models.LedgerEntry.contract_id.in_(ids))
        .group_by(
            models.LedgerEntry.contract_id,
            models.LedgerEntry.cabinet_id,
            models.LedgerEntry.week_start,
        )
        .order_by(
            models.LedgerEntry.contract_id,
            models.LedgerEntry.cabinet_id,
            models.LedgerEntry.week_start,
        )
    )
    heads = {row[0]: row for row in batch}
    for contract_id, rows in groupby(ledger, key=lambda r: r[0]):
        _, code, start, slug = heads[contract_id]
        contract_plans = [
            SharePlanInput(valid_from, tuple(sorted(shares)))
            for valid_from, shares in sorted(plans.get(contract_id, {}).items())
        ]
        members = sorted({c for p in contract_plans for c, _ in p.shares})
        gains = member_latest_gains(
            start,
            contract_plans,
            {
                m: [
                    DoctorInput(d, m, "", "", None, tuple(snaps.get(d, [])))
                    for d in doctors.get(m, [])
                ]
                for m in members
            },
        )
        shares_by_plan = [(p.valid_from, dict(p.shares)) for p in contract_plans]
        minutes = int(weekly.get(contract_id, 0))
        for _, cabinet_id, week, planned, delivered in rows:
            shares = shares_by_plan[0][1]
            for valid_from, candidate in shares_by_plan:
                if valid_from <= week:
                    shares = candidate
            g_pmt, g_fa, latest = gains.get(cabinet_id, (0, 0, None))
            yield _csv_line(
                (
                    code,
                    slug,
                    codes.get(cabinet_id, cabinet_id),
                    week.isoformat(),
                    minutes * shares.get(cabinet_id, 0) // 10_000,
                    int(planned),
                    int(delivered),
                    g_pmt,
                    g_fa,
                    "" if latest is None else latest.isoformat(),
                )
            )
