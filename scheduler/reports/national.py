"""The national export: one CSV line per contract x member x week, streamed in constant memory.

Every week of every contract is written, from the week of its start to the week in progress or
the last week a rota was published for, whichever is later (never past the contract's end), whether
a rota was published for it or not: a week without one plans and delivers nothing, which is what
the Assurance maladie must see. Weeks further ahead, which nothing plans yet, are left out. The minutes a published rota gives a week, net of the absences
recorded, are a forecast (`minutes_prevues`) until the week is over and delivered
(`minutes_realisees`) after: never both. `publie_apres_coup` says the week had begun when the
rota that planned it was published (after the fact, with a reason). `NationalExport` computes the SHA-256 of the bytes as they
are streamed, for the digest written beside the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.contribution import (
    DoctorInput,
    SharePlanInput,
    Snapshot,
    add_years,
    member_latest_gains,
)

NATIONAL_COLUMNS = (
    "contrat",
    "groupement",
    "cabinet",
    "semaine",
    "semaine_terminee",
    "minutes_contractuelles",
    "minutes_planifiees",
    "minutes_prevues",
    "minutes_realisees",
    "gain_pmt",
    "gain_fa",
    "date_dernier_releve",
    "publie_apres_coup",
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


def national_export_lines(session: Session, *, today: date, chunk: int = 500) -> Iterator[str]:
    """The national CSV, one line per contract x member x week of the contract, as of `today`.

    Contracts are streamed with `yield_per` (a server-side cursor on PostgreSQL) and their small
    data (shares, doctors, snapshots, ledger) is read one chunk of contracts at a time, so memory
    stays bounded by `chunk`, whatever the number of contracts. Gains are the latest known. A week
    is over when its Sunday is before `today`.
    """
    yield _csv_line(NATIONAL_COLUMNS)
    stream = session.execute(
        select(
            models.PooledContract.id,
            models.PooledContract.code,
            models.PooledContract.start_date,
            models.PooledContract.duration_years,
            models.Groupement.slug,
        )
        .join(models.Groupement, models.Groupement.id == models.PooledContract.groupement_id)
        .order_by(models.PooledContract.id)
        .execution_options(yield_per=chunk)
    )
    for batch in stream.partitions():
        yield from _national_batch(session, [tuple(row) for row in batch], today)


class NationalExport:
    """The national CSV as bytes, with the SHA-256 of what was streamed (`hexdigest`, once the
    bytes are all read)."""

    def __init__(self, session: Session, *, today: date, chunk: int = 500) -> None:
        self._lines = national_export_lines(session, today=today, chunk=chunk)
        self._sha = hashlib.sha256()

    def __iter__(self) -> Iterator[bytes]:
        for line in self._lines:
            data = line.encode("utf-8")
            self._sha.update(data)
            yield data

    def hexdigest(self) -> str:
        """The SHA-256 of the bytes streamed so far (the whole export once iterated)."""
        return self._sha.hexdigest()


def _weeks(start: date, end: date) -> Iterator[date]:
    """The Mondays of the civil weeks from `start`'s to that of the day before `end`."""
    week = start - timedelta(days=start.weekday())
    while week < end:
        yield week
        week += timedelta(days=7)


def _national_batch(
    session: Session, batch: Sequence[tuple[Any, ...]], today: date
) -> Iterator[str]:
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
    # Each contract's member doctors (their bulletin d'adhésion), by cabinet.
    doctors: dict[tuple[int, int], list[tuple[int, date, date | None]]] = {}
    for contract_id, doctor_id, cabinet_id, member_from, member_to in session.execute(
        select(
            models.ContractMemberDoctor.contract_id,
            models.Doctor.id,
            models.Doctor.cabinet_id,
            models.ContractMemberDoctor.valid_from,
            models.ContractMemberDoctor.valid_to,
        )
        .join(models.Doctor, models.Doctor.id == models.ContractMemberDoctor.doctor_id)
        .where(models.ContractMemberDoctor.contract_id.in_(ids))
        .order_by(models.Doctor.id)
    ):
        doctors.setdefault((contract_id, cabinet_id), []).append(
            (doctor_id, member_from, member_to)
        )
    snaps: dict[int, list[Snapshot]] = {}
    for doctor_id, on, pmt, fa in session.execute(
        select(
            models.PatienteleSnapshot.doctor_id,
            models.PatienteleSnapshot.snapshot_date,
            models.PatienteleSnapshot.pmt,
            models.PatienteleSnapshot.file_active,
        )
        .where(
            models.PatienteleSnapshot.doctor_id.in_(
                sorted({d for ds in doctors.values() for d, _, _ in ds})
            )
        )
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
            func.max(case((models.LedgerEntry.published_late, 1), else_=0)),
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
    entries: dict[int, dict[tuple[int, date], tuple[int, int, bool]]] = {}
    for contract_id, cabinet_id, week, planned, delivered, late in ledger:
        entries.setdefault(contract_id, {})[(cabinet_id, week)] = (
            int(planned),
            int(delivered),
            bool(late),
        )
    for contract_id, code, start, years, slug in batch:
        contract_plans = [
            SharePlanInput(valid_from, tuple(sorted(shares)))
            for valid_from, shares in sorted(plans.get(contract_id, {}).items())
        ]
        if not contract_plans:
            continue  # a contract without a share plan has no member to write a line for
        members = sorted({c for p in contract_plans for c, _ in p.shares})
        gains = member_latest_gains(
            start,
            contract_plans,
            {
                m: [
                    DoctorInput(d, m, "", "", None, tuple(snaps.get(d, [])), since, until)
                    for d, since, until in doctors.get((contract_id, m), [])
                ]
                for m in members
            },
        )
        shares_by_plan = [(p.valid_from, dict(p.shares)) for p in contract_plans]
        minutes = int(weekly.get(contract_id, 0))
        booked = entries.get(contract_id, {})
        written = sorted(set(members) | {c for c, _ in booked})
        last = max((week for _, week in booked), default=today)
        end = min(add_years(start, years), max(today, last) + timedelta(days=1))
        for week in _weeks(start, end):
            shares = shares_by_plan[0][1]
            for valid_from, candidate in shares_by_plan:
                if valid_from <= week:
                    shares = candidate
            over = week + timedelta(days=7) <= today
            for cabinet_id in written:
                if cabinet_id not in shares and (cabinet_id, week) not in booked:
                    continue  # not a member that week, and nothing planned there
                planned, delivered, late = booked.get((cabinet_id, week), (0, 0, False))
                g_pmt, g_fa, latest = gains.get(cabinet_id, (0, 0, None))
                yield _csv_line(
                    (
                        code,
                        slug,
                        codes.get(cabinet_id, cabinet_id),
                        week.isoformat(),
                        "oui" if over else "non",
                        minutes * shares.get(cabinet_id, 0) // 10_000,
                        planned,
                        "" if over else delivered,
                        delivered if over else "",
                        g_pmt,
                        g_fa,
                        "" if latest is None else latest.isoformat(),
                        "oui" if late else "non",
                    )
                )
