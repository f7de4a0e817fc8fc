"""The national export: one CSV line per contract x member x week, streamed in constant memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import groupby
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.contribution import DoctorInput, SharePlanInput, Snapshot, member_latest_gains

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
