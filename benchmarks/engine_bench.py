"""Task engine benchmark: a national re-plan through the workers (PostgreSQL), with 1 then 2
worker processes, and the engine's own cost per task.

A fresh database (`<TEST_DATABASE_URL's database>_engine_bench`) receives `--groupements`
generated groupements, each one pooled contract of one assistant between 3 and 5 cabinets (shares
drawn at random, travel times between every pair). For each worker count of `--workers`, that
many `partagenda worker` processes are started (one CP-SAT worker per task, `solver_workers=1`),
then the national re-plan of a week is requested (one plan run per groupement, `--limit` seconds
each, a new week per worker count) and followed until every run ended. Every run is then checked:
stored as a draft, proven optimal or within 0.5 % of its bound, and no hard rule broken
(`check_stored_rota`, the independent checker).

The engine's own cost: `--empty` empty tasks deferred at once to one idle worker; the time from
the defer to the last one done, divided by their number.

Targets: >= 5 groupements a second with 2 workers, 2 workers >= 1.7 times as fast as 1, every rota
optimal or within 0.5 %, <= 20 ms per empty task.

    TEST_DATABASE_URL=postgresql://... .venv/bin/python -m benchmarks.engine_bench
        [--groupements 2000] [--limit 1] [--workers 1,2] [--empty 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, make_url, select, text
from sqlalchemy.orm import Session, sessionmaker

from scheduler import engine as task_engine
from scheduler import models
from scheduler.db import make_engine, make_session_factory
from scheduler.demo import ensure_policies
from scheduler.migrations import upgrade_to_head
from scheduler.planning import check_stored_rota
from scheduler.services.national_replan import replan_figures, replan_key, request_national_replan
from scheduler.uow import unit_of_work

ROOT = Path(__file__).resolve().parents[1]
FIRST_WEEK = date(2027, 1, 11)
GAP_LIMIT = 0.005


@dataclass
class Round:
    """One national re-plan with `workers` worker processes."""

    workers: int
    groupements: int = 0
    enqueue_s: float = 0.0
    wall_s: float = 0.0
    succeeded: int = 0
    failed: int = 0
    optimal: int = 0
    within: int = 0
    max_gap: float = 0.0
    violations: int = 0
    drafts: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Groupements planned per second, from the request to the last run's end."""
        return self.groupements / self.wall_s if self.wall_s else 0.0


def fresh_database() -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        sys.exit("engine_bench: set TEST_DATABASE_URL to a PostgreSQL server (the engine's own)")
    server = make_url(base).set(drivername="postgresql+psycopg")
    name = f"{server.database}_engine_bench"
    admin = make_engine(server.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def generate(factory: sessionmaker[Session], count: int, seed: int) -> None:
    """`count` groupements of one pooled contract: one assistant of 24, 28 or 35 hours a week
    between 3 and 5 cabinets, each cabinet's share at least a 3.5-hour half-day (a share a visit
    of 3 hours at least cannot give, within the rules' 30 minutes, would make the week
    infeasible)."""
    rng = random.Random(seed)
    start = date(2026, 1, 5)
    for first in range(0, count, 200):
        with unit_of_work(factory) as session:
            policy = ensure_policies(session)["collective-2026"]
            for n in range(first, min(first + 200, count)):
                _groupement(session, rng, n, policy.id, start)


def _groupement(session: Session, rng: random.Random, n: int, policy_id: int, start: date) -> None:
    groupement = models.Groupement(slug=f"ge-{n:05d}", name=f"Groupement {n}")
    session.add(groupement)
    session.flush()
    cabinets = [
        models.Cabinet(
            groupement_id=groupement.id,
            code=f"ge{n:05d}-c{i}",
            name=f"Cabinet {i} du groupement {n}",
            address="1 rue de la Gare",
            postcode="57000",
            city="Metz",
            department="57",
            latitude=Decimal("49.1") + Decimal(rng.randint(0, 999)) / 10000,
            longitude=Decimal("6.1") + Decimal(rng.randint(0, 999)) / 10000,
            opening=[
                models.OpeningWindow(weekday=d, start_minute=480, end_minute=1140) for d in range(5)
            ],
        )
        for i in range(rng.randint(3, 5))
    ]
    assistant = models.Assistant(
        groupement_id=groupement.id,
        code=f"ge{n:05d}-a",
        first_name="Claire",
        last_name="Martin",
        availability=[
            models.AvailabilityWindow(weekday=d, start_minute=480, end_minute=1080)
            for d in range(5)
        ],
    )
    session.add_all([*cabinets, assistant])
    session.flush()
    # Each cabinet gets at least one 3.5-hour half-day (a visit lasts 3 hours at least), the rest
    # of the contract's hours in half-hours drawn at random.
    weekly = rng.choice((24, 28, 35)) * 60
    minutes = [210] * len(cabinets)
    for _ in range((weekly - sum(minutes)) // 30):
        minutes[rng.randrange(len(cabinets))] += 30
    minutes[0] += weekly - sum(minutes)
    shares = [10000 * m // weekly for m in minutes]
    shares[0] += 10000 - sum(shares)
    session.add(
        models.PooledContract(
            groupement_id=groupement.id,
            code=f"ge{n:05d}-pool",
            name=f"Contrat du groupement {n}",
            kind=models.ContractKind.COLLECTIVE,
            start_date=start,
            funded_etp=Decimal("1.00"),
            target_policy_id=policy_id,
            assistants=[models.ContractAssistant(assistant_id=assistant.id, weekly_minutes=weekly)],
            share_plans=[
                models.SharePlan(
                    valid_from=start,
                    shares=[
                        models.Share(cabinet_id=c.id, share_bp=bp)
                        for c, bp in zip(cabinets, shares, strict=True)
                    ],
                )
            ],
        )
    )
    session.add_all(
        models.TravelTime(
            groupement_id=groupement.id,
            origin_id=a.id,
            destination_id=b.id,
            minutes=rng.randint(8, 30),
        )
        for i, a in enumerate(cabinets)
        for b in cabinets[i + 1 :]
    )


def start_workers(url: str, count: int, log_dir: Path) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "PARTAGENDA_DATABASE_URL": url,
        "PARTAGENDA_SOLVER_WORKERS": "1",
        "PARTAGENDA_WORKER_POLL_S": "0.5",
        "PARTAGENDA_PLAN_RUN_HEARTBEAT_S": "2",
        "PARTAGENDA_PLAN_RUN_STALE_AFTER_S": "30",
        "PARTAGENDA_LOG_JSON": "true",
    }
    command = [sys.executable, "-c", "from scheduler.cli import app; app()", "worker"]
    return [
        subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=(log_dir / f"worker-{count}-{i}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for i in range(count)
    ]


def wait_registered(engine: Engine, count: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            live = connection.execute(
                text(
                    "SELECT count(*) FROM procrastinate_workers"
                    " WHERE last_heartbeat > now() - interval '10 seconds'"
                )
            ).scalar_one()
        if live >= count:
            return
        time.sleep(0.2)
    raise SystemExit(f"engine_bench: {count} worker(s) did not start")


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)


def replan(
    engine: Engine,
    factory: sessionmaker[Session],
    url: str,
    workers: int,
    week: date,
    args: argparse.Namespace,
) -> Round:
    result = Round(workers)
    processes = start_workers(url, workers, args.logs)
    try:
        wait_registered(engine, workers)
        began = time.monotonic()
        with unit_of_work(factory) as session:
            figures = request_national_replan(session, week, actor=None, time_limit_s=args.limit)
        result.enqueue_s = time.monotonic() - began
        result.groupements = figures.total
        last = -1
        while True:
            with factory() as session:
                figures = replan_figures(session, week)
            if figures.finished >= figures.total:
                break
            if figures.finished // 100 != last // 100:
                last = figures.finished
                print(
                    f"  {workers} worker(s): {figures.finished}/{figures.total} ended", flush=True
                )
            time.sleep(0.2)
        result.wall_s = time.monotonic() - began
    finally:
        stop_workers(processes)
    check(factory, week, result)
    return result


def check(factory: sessionmaker[Session], week: date, result: Round) -> None:
    """Each run: a stored draft, optimal or within 0.5 %, breaking no hard rule."""
    with factory() as session:
        runs = session.scalars(
            select(models.PlanRun).where(models.PlanRun.idempotency_key == replan_key(week))
        ).all()
        for run in runs:
            if run.state is not models.RunState.SUCCEEDED or run.rota_id is None:
                result.failed += 1
                if len(result.errors) < 5:
                    result.errors.append(f"run {run.id}: {run.state.value} {run.error}")
                continue
            result.succeeded += 1
            rota = session.get(models.Rota, run.rota_id)
            assert rota is not None
            result.drafts += rota.status is models.RotaStatus.DRAFT
            if rota.solver_status == "optimal":
                result.optimal += 1
                result.within += 1
            elif rota.objective is not None and rota.bound is not None:
                gap = abs(rota.objective - rota.bound) / max(1, abs(rota.objective))
                result.max_gap = max(result.max_gap, gap)
                result.within += gap <= GAP_LIMIT
            result.violations += len(check_stored_rota(session, rota.id))
            session.expunge_all()


def empty_tasks(
    engine: Engine, factory: sessionmaker[Session], url: str, args: argparse.Namespace
) -> float:
    """Milliseconds per empty task, one worker."""
    processes = start_workers(url, 1, args.logs)
    try:
        wait_registered(engine, 1)
        began = time.monotonic()
        with unit_of_work(factory) as session:
            for _ in range(args.empty):
                task_engine.defer(session, task_engine.EMPTY_TASK, {}, queue=task_engine.JOBS_QUEUE)
        while True:
            with engine.connect() as connection:
                left = connection.execute(
                    text(
                        "SELECT count(*) FROM procrastinate_jobs"
                        " WHERE task_name = 'empty' AND status IN ('todo', 'doing')"
                    )
                ).scalar_one()
            if not left:
                break
            time.sleep(0.05)
        return 1000 * (time.monotonic() - began) / args.empty
    finally:
        stop_workers(processes)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groupements", type=int, default=2000)
    parser.add_argument("--limit", type=float, default=1.0)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--empty", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--logs", type=Path, default=Path("/tmp"))
    args = parser.parse_args(argv)
    url = fresh_database()
    upgrade_to_head(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    began = time.monotonic()
    generate(factory, args.groupements, args.seed)
    print(
        f"{args.groupements} groupements generated in {time.monotonic() - began:.1f} s; load {load()}"
    )
    counts = [int(n) for n in args.workers.split(",")]
    rounds: list[Round] = []
    for i, workers in enumerate(counts):
        week = FIRST_WEEK + timedelta(days=7 * i)
        rounds.append(replan(engine, factory, url, workers, week, args))
        print(f"  done with {workers} worker(s); load {load()}", flush=True)
    overhead_ms = empty_tasks(engine, factory, url, args)
    engine.dispose()

    print(
        f"\nNational re-plan, {args.groupements} groupements, {args.limit:g} s each, 1 CP-SAT worker per task"
    )
    print(f"load (1/5/15 min) at the end: {load()}")
    rows = [
        ("groupements planned", lambda r: f"{r.succeeded}/{r.groupements}"),
        ("enqueue s", lambda r: f"{r.enqueue_s:.1f}"),
        ("wall s", lambda r: f"{r.wall_s:.1f}"),
        ("groupements / s", lambda r: f"{r.rate:.2f}"),
        ("drafts stored", lambda r: str(r.drafts)),
        ("proven optimal", lambda r: str(r.optimal)),
        ("optimal or <= 0.5 %", lambda r: str(r.within)),
        ("largest gap %", lambda r: f"{100 * r.max_gap:.2f}"),
        ("rule breaks", lambda r: str(r.violations)),
        ("failed", lambda r: str(r.failed)),
    ]
    print(f"{'':24}" + "".join(f"{f'{r.workers} worker(s)':>14}" for r in rounds))
    for label, cell in rows:
        print(f"{label:24}" + "".join(f"{cell(r):>14}" for r in rounds))
    for r in rounds:
        for error in r.errors:
            print(f"  {r.workers} worker(s): {error}")
    print(f"\nempty task, 1 worker: {overhead_ms:.1f} ms each ({args.empty} tasks)")

    by = {r.workers: r for r in rounds}
    verdicts: list[tuple[str, bool]] = []
    if 2 in by:
        verdicts.append((f">= 5 groupements/s with 2 workers ({by[2].rate:.2f})", by[2].rate >= 5))
    if 1 in by and 2 in by and by[1].rate:
        speedup = by[2].rate / by[1].rate
        verdicts.append((f"2 workers >= 1.7 x 1 worker ({speedup:.2f} x)", speedup >= 1.7))
    verdicts.append(
        (
            "every rota a checked draft, optimal or within 0.5 %",
            all(
                r.failed == 0 and r.within == r.groupements == r.drafts and r.violations == 0
                for r in rounds
            ),
        )
    )
    verdicts.append((f"<= 20 ms per empty task ({overhead_ms:.1f})", overhead_ms <= 20))
    print()
    for label, ok in verdicts:
        print(f"{'OK    ' if ok else 'MISSED'} {label}")
    return 0 if all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
