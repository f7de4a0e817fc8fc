"""The report built from the database and `scheduler.contribution`, for those allowed to read it.

- `load_contract_input` reads the database (never writes) into `contribution.ContractInput`.
- `build_report` makes an `AllocationReport`; `report_for` applies the access rules.
- The one input that is not data is the reading day (`today`, by default the groupement's date
  now): the ledger's delivered minutes of a week still to come are a forecast, so only the weeks
  over by then count as delivered (`ContractFigures.delivered_before`, a Monday: the content, and
  so the digest, changes once a week), and the deadline is only past once it is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

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
    MemberInput,
    PolicyParams,
    SharePlanInput,
    Snapshot,
    contract_figures,
    monday_of,
)
from scheduler.errors import NotFound
from scheduler.evaluation.stored import contract_evaluation
from scheduler.evaluation.summary import ContractEvaluation
from scheduler.planning.balances import SettledPeriod, settled_periods
from scheduler.reports.periods import Period, parse_period

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
    # Only the doctors who joined the contract (their bulletin d'adhésion) count.
    memberships = {
        m.doctor_id: m
        for m in session.scalars(
            select(models.ContractMemberDoctor).where(
                models.ContractMemberDoctor.contract_id == contract.id
            )
        )
    }
    doctors = list(
        session.scalars(
            select(models.Doctor)
            .where(
                models.Doctor.cabinet_id.in_(member_ids),
                models.Doctor.id.in_(list(memberships)),
            )
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
                memberships[d.id].valid_from,
                memberships[d.id].valid_to,
                d.pamsu_junior,
                d.earlier_gain_pmt,
                d.earlier_gain_fa,
            )
            for d in doctors
        ),
        ledger=ledger,
        absences=absences,
        policy=policy_params(contract.target_policy),
        training_site=contract.training_site,
    )


# --- The report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RotaVersion:
    """A rota version the report's hours come from."""

    rota_id: int
    revision: int
    period_start: date
    status: str
    published_late: bool = False  # published once its period had begun (after the fact)
    late_reason: str | None = None


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
    band_level: Decimal  # the projection's prediction interval (0.95)


@dataclass(frozen=True)
class AllocationReport:
    """An allocation report: header, period, figures and the rota versions behind them."""

    header: ContractHeader
    period: Period
    figures: ContractFigures
    rota_versions: tuple[RotaVersion, ...]
    data_as_of: datetime  # the latest change in the data read: the PDF's creation date
    visible_to_cabinet: int | None = None  # set when other members' figures were removed
    # The balancing periods that ended in the report's period, and what each member was left
    # (a deficit not made up by then is uncompensated).
    settled: tuple[SettledPeriod, ...] = ()
    # The contract's effect on its doctors' patientèle against a reference group (difference in
    # differences), read from the statements dated up to the period's end.
    evaluation: ContractEvaluation | None = None


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
        select(
            models.Rota.id,
            models.Rota.revision,
            models.Rota.period_start,
            models.Rota.status,
            models.Rota.published_late,
            models.Rota.late_reason,
        )
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
    departments = select(models.Cabinet.department).where(
        models.Cabinet.id.in_([m.cabinet_id for m in data.members])
    )
    stamps += [
        session.scalar(select(func.max(table.recorded_at)).where(table.department.in_(departments)))
        for table in (models.ReferenceStatement, models.ReferenceSeries)
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
        band_level=data.policy.band_level,
    )
    versions = tuple(
        RotaVersion(r[0], r[1], r[2], str(r[3].value), bool(r[4]), r[5]) for r in rota_rows
    )
    settled = tuple(
        p
        for p in settled_periods(
            session, contract, until=min(today, period.end + timedelta(days=1))
        )
        if period.start < p.end <= period.end + timedelta(days=1)
    )
    evaluation = contract_evaluation(
        session,
        contract,
        until=period.end,
        hours_delivered=figures.cumulative_delivered_minutes / 60,
    )
    return AllocationReport(
        header,
        period,
        figures,
        versions,
        data_as_of.astimezone(UTC),
        settled=settled,
        evaluation=evaluation,
    )


def restrict_to_cabinet(report: AllocationReport, cabinet_id: int) -> AllocationReport:
    """The report as a member sees it: its own figures and the group's totals only."""
    figures = report.figures
    years = tuple(
        replace(
            y,
            member_parts=tuple(p for p in y.member_parts if p[0] == cabinet_id),
            member_aid=tuple(p for p in y.member_aid if p[0] == cabinet_id),
        )
        for y in figures.aid_years
    )
    restricted = replace(
        figures,
        members=tuple(m for m in figures.members if m.cabinet_id == cabinet_id),
        aid_years=years,
    )
    settled = tuple(
        replace(p, members=tuple(m for m in p.members if m.cabinet_id == cabinet_id))
        for p in report.settled
    )
    return replace(report, figures=restricted, visible_to_cabinet=cabinet_id, settled=settled)


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
