"""Allocation report benchmark.

1. One contract-year report (52 weeks of ledger, 3 members, 5 doctors with monthly statements):
   build + JSON, and PDF, timed separately (best of several runs after a warm-up). Budget 200 ms.
2. The national CSV for 3,000 contracts x 52 weeks (3 members each: 468,000 lines), generated in a
   temporary SQLite database with bulk inserts. Budget 30 s.

Run: `.venv/bin/python -m benchmarks.report_bench` (or `python benchmarks/report_bench.py`).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler import models
from scheduler.db import make_engine
from scheduler.demo import ensure_policies
from scheduler.migrations import upgrade_to_head
from scheduler.reports import (
    build_report,
    national_export_lines,
    parse_period,
    render_json,
    render_pdf,
)

START = date(2026, 1, 5)
WEEKS = 52
SHARES = (5000, 3000, 2000)
STAMP = datetime(2027, 1, 4, tzinfo=UTC)


def populate(
    session: Session, contracts: int, doctors_per_member: int = 1, statements: int = 4
) -> None:
    """Bulk-insert `contracts` contracts of 3 members with 52 weeks of ledger each."""
    policy = ensure_policies(session)["collective-2026"]
    groupement = models.Groupement(slug="bench", name="Bench")
    session.add(groupement)
    session.flush()
    gid = groupement.id
    base = 1
    session.execute(
        insert(models.Cabinet),
        [
            {
                "id": base + i,
                "groupement_id": gid,
                "code": f"cab-{i}",
                "name": f"Cabinet {i}",
                "address": "1 rue",
                "postcode": "54000",
                "city": "Nancy",
                "department": "54",
                "latitude": Decimal(48),
                "longitude": Decimal(6),
                "places": 1,
                "version": 1,
            }
            for i in range(contracts * 3)
        ],
    )
    session.execute(
        insert(models.Assistant),
        [
            {
                "id": base + i,
                "groupement_id": gid,
                "code": f"am-{i}",
                "first_name": "A",
                "last_name": f"{i}",
                "preferred_days_off": [],
                "version": 1,
            }
            for i in range(contracts)
        ],
    )
    session.execute(
        insert(models.PooledContract),
        [
            {
                "id": base + i,
                "groupement_id": gid,
                "code": f"pool-{i}",
                "name": f"Contrat {i}",
                "kind": models.ContractKind.COLLECTIVE,
                "start_date": START,
                "duration_years": 5,
                "funded_etp": Decimal("1.00"),
                "target_policy_id": policy.id,
                "cost_split": models.CostSplit.BY_SHARE,
                "annual_employer_cost_eur": Decimal(50000),
                "version": 1,
            }
            for i in range(contracts)
        ],
    )
    session.execute(
        insert(models.ContractAssistant),
        [
            {"contract_id": base + i, "assistant_id": base + i, "weekly_minutes": 2100}
            for i in range(contracts)
        ],
    )
    session.execute(
        insert(models.SharePlan),
        [
            {"id": base + i, "contract_id": base + i, "valid_from": START, "share_total_bp": 0}
            for i in range(contracts)
        ],
    )
    session.execute(
        insert(models.Share),
        [
            {"plan_id": base + i, "cabinet_id": base + 3 * i + k, "share_bp": share}
            for i in range(contracts)
            for k, share in enumerate(SHARES)
        ],
    )
    doctor_rows: list[dict[str, object]] = []
    snapshot_rows: list[dict[str, object]] = []
    doctor_id = base
    for cabinet in range(contracts * 3):
        for _ in range(doctors_per_member):
            doctor_rows.append(
                {
                    "id": doctor_id,
                    "cabinet_id": base + cabinet,
                    "rpps": f"{10_000_000_000 + doctor_id}",
                    "first_name": "D",
                    "last_name": f"{doctor_id}",
                    "specialty": "médecine générale",
                    "version": 1,
                }
            )
            snapshot_rows.extend(
                {
                    "doctor_id": doctor_id,
                    "snapshot_date": START + timedelta(days=91 * n),
                    "pmt": 1000 + 7 * n + doctor_id % 5,
                    "file_active": 1500 + 5 * n,
                    "source": "bench",
                    "recorded_at": STAMP,
                }
                for n in range(statements)
            )
            doctor_id += 1
    session.execute(insert(models.Doctor), doctor_rows)
    session.execute(insert(models.PatienteleSnapshot), snapshot_rows)
    batch: list[dict[str, object]] = []
    for i in range(contracts):
        for week in range(WEEKS):
            for k, share in enumerate(SHARES):
                planned = 2100 * share // 10_000
                batch.append(
                    {
                        "contract_id": base + i,
                        "cabinet_id": base + 3 * i + k,
                        "assistant_id": base + i,
                        "week_start": START + timedelta(days=7 * week),
                        "planned_minutes": planned,
                        "delivered_minutes": planned - (30 if week % 7 == k else 0),
                        "updated_at": STAMP,
                    }
                )
        if len(batch) >= 50_000:
            session.execute(insert(models.LedgerEntry), batch)
            batch.clear()
    if batch:
        session.execute(insert(models.LedgerEntry), batch)
    session.commit()


def best_of(runs: int, action: Callable[[], object]) -> float:
    """The best wall time of `runs` calls, in milliseconds."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return min(timings)


def main() -> None:
    """Run both benchmarks and print a table."""
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/one.db"
        upgrade_to_head(url)
        engine = make_engine(url)
        with Session(engine) as session:
            populate(session, 1, doctors_per_member=2, statements=13)
            contract = session.scalars(select(models.PooledContract)).one()
            period = parse_period("Y1", contract_start=contract.start_date, duration_years=5)
            render_pdf(build_report(session, contract, period))  # warm-up: WeasyPrint, fonts
            json_ms = best_of(5, lambda: render_json(build_report(session, contract, period)))
            report = build_report(session, contract, period)
            pdf_ms = best_of(3, lambda: render_pdf(report))
            rows.append(
                (
                    "rapport Y1 : chargement + calcul + JSON",
                    f"{json_ms:.0f} ms",
                    "200 ms",
                    _ok(json_ms, 200),
                )
            )
            rows.append(
                ("rapport Y1 : PDF (rendu seul)", f"{pdf_ms:.0f} ms", "200 ms", _ok(pdf_ms, 200))
            )
        engine.dispose()

        url = f"sqlite:///{tmp}/national.db"
        upgrade_to_head(url)
        engine = make_engine(url)
        with Session(engine) as session:
            start = time.perf_counter()
            populate(session, 3000)
            setup_s = time.perf_counter() - start
        with Session(engine) as session:
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            start = time.perf_counter()
            lines = size = 0
            for line in national_export_lines(session):
                lines += 1
                size += len(line)
            export_s = time.perf_counter() - start
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        engine.dispose()
        rows.append(
            ("national : génération des données (3 000 contrats)", f"{setup_s:.1f} s", "—", "")
        )
        rows.append(
            (
                f"national : CSV {lines - 1:,} lignes, {size / 1e6:.1f} Mo",
                f"{export_s:.1f} s",
                "30 s",
                _ok(export_s, 30),
            )
        )
        growth = (rss_after - rss_before) / 1e3
        rows.append(("national : hausse du pic RSS pendant l'export", f"{growth:.1f} Mo", "—", ""))
    width = max(len(r[0]) for r in rows)
    print(f"{'mesure':<{width}}  {'temps':>10}  {'budget':>7}  ")
    for name, value, budget, verdict in rows:
        print(f"{name:<{width}}  {value:>10}  {budget:>7}  {verdict}")


def _ok(value: float, budget: float) -> str:
    return "OK" if value <= budget else "DÉPASSÉ"


if __name__ == "__main__":
    main()
