"""Allocation report benchmark.

1. One contract-year report (52 weeks of ledger, 3 members, 6 doctors with monthly statements),
   side by side against the 200 ms budget (best of several runs after a warm-up):
   - JSON: build + JSON;
   - PDF served from the store (`scheduler.report_cache`, what a request does once the jobs
     process has rendered it ahead): build + digest + lookup of the stored bytes;
   - PDF rendered cold, WeasyPrint only (what a miss costs on top of the build), and a whole miss
     (build + digest + render + store + commit); the first rendering of a process (imports, font
     loading) is shown apart.
2. The national CSV for 3,000 contracts x 52 weeks (3 members each: 468,000 lines, read the day
   after the 52nd week, so that every week is over and delivered), generated in a
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

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler import models
from scheduler.db import make_engine
from scheduler.demo import ensure_policies
from scheduler.migrations import upgrade_to_head
from scheduler.report_cache import report_pdf
from scheduler.reports import (
    AllocationReport,
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


def best_of(
    runs: int, action: Callable[[], object], *, setup: Callable[[], object] | None = None
) -> float:
    """The best wall time of `runs` calls of `action` (each after an untimed `setup`), in ms."""
    timings = []
    for _ in range(runs):
        if setup is not None:
            setup()
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

            def build() -> AllocationReport:
                return build_report(session, contract, period)

            def forget() -> None:
                session.execute(delete(models.RenderedReport))
                session.commit()

            start = time.perf_counter()
            render_pdf(build())  # the process's first rendering: WeasyPrint imports, fonts
            first_ms = (time.perf_counter() - start) * 1000
            json_ms = best_of(5, lambda: render_json(build()))
            report = build()
            render_ms = best_of(3, lambda: render_pdf(report))
            miss_ms = best_of(3, lambda: report_pdf(session, build()), setup=forget)
            report_pdf(session, build())  # stored, as the jobs process leaves it
            hit = report_pdf(session, build())
            assert hit.cached, "the stored PDF was not served"
            served_ms = best_of(5, lambda: report_pdf(session, build()))
            rows += [
                (
                    "report Y1: JSON (load + compute + JSON)",
                    _ms(json_ms),
                    "200 ms",
                    _ok(json_ms, 200),
                ),
                (
                    "report Y1: PDF served from the store (compute + digest + read)",
                    _ms(served_ms),
                    "200 ms",
                    _ok(served_ms, 200),
                ),
                (
                    "report Y1: PDF cold render (WeasyPrint alone)",
                    _ms(render_ms),
                    "200 ms",
                    _ok(render_ms, 200),
                ),
                (
                    "report Y1: PDF not in the store (compute + render + store)",
                    _ms(miss_ms),
                    "—",
                    "",
                ),
                (
                    "report Y1: first PDF render of the process (imports, fonts)",
                    _ms(first_ms),
                    "—",
                    "",
                ),
                ("report Y1: PDF size", f"{len(hit.body) / 1e3:.0f} kB", "—", ""),
            ]
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
            for line in national_export_lines(session, today=START + timedelta(days=7 * 52)):
                lines += 1
                size += len(line)
            export_s = time.perf_counter() - start
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        engine.dispose()
        rows.append(
            ("national: generating the data (3,000 contracts)", f"{setup_s:.1f} s", "—", "")
        )
        rows.append(
            (
                f"national: CSV {lines - 1:,} lines, {size / 1e6:.1f} MB",
                f"{export_s:.1f} s",
                "30 s",
                _ok(export_s, 30),
            )
        )
        growth = (rss_after - rss_before) / 1e3
        rows.append(("national: peak RSS growth during the export", f"{growth:.1f} MB", "—", ""))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'time':>10}  {'budget':>7}  ")
    for name, value, budget, verdict in rows:
        print(f"{name:<{width}}  {value:>10}  {budget:>7}  {verdict}")
    print(f"PDF font subsetter: {_subsetter()}")


def _ms(value: float) -> str:
    return f"{value:.0f} ms"


def _subsetter() -> str:
    """Which font subsetter WeasyPrint uses: HarfBuzz (as in the Docker image) or fontTools."""
    from weasyprint.text.ffi import harfbuzz_subset

    return (
        "HarfBuzz"
        if harfbuzz_subset is not None
        else "fontTools (lent : libharfbuzz-subset0 absent)"
    )


def _ok(value: float, budget: float) -> str:
    return "ok" if value <= budget else "OVER"


if __name__ == "__main__":
    main()
