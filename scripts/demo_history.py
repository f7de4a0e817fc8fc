"""Write scheduler/data/demo_history.json: the demo's weeks since the first contract's start,
each planned by the solver and published on time, and the absences recorded after them.

Run once when the demo data changes (`PYTHONPATH=. .venv/bin/python scripts/demo_history.py`); it plans in a
scratch SQLite database, deterministically, and takes a few minutes. The demo loads the file
(`scheduler.demo_history`) instead of solving forty weeks again.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.db import make_engine
from scheduler.demo import load_demo
from scheduler.demo_history import HISTORY_FILE, published_moment
from scheduler.migrations import upgrade_to_head
from scheduler.planning import plan_period, publish_rota

ROOT = Path(__file__).resolve().parent.parent
LAST_WEEK = date(2026, 12, 28)  # the demo's statements run to the end of 2026
# Recorded after the week was published: the ledger counts these hours as planned, not delivered.
ABSENCES = [
    ("julie", "sickness", "2026-05-12T00:00", "2026-05-13T00:00", "Arrêt maladie"),
    ("sophie", "sickness", "2026-07-06T00:00", "2026-07-08T00:00", "Arrêt maladie"),
    ("camille", "leave", "2026-08-17T00:00", "2026-08-22T00:00", "Congés payés"),
    ("sophie", "training", "2026-10-13T13:00", "2026-10-13T19:00", "Formation"),
    ("julie", "sickness", "2026-11-23T00:00", "2026-11-25T00:00", "Arrêt maladie"),
]


def _day_and_clock(moment: datetime, zone: ZoneInfo) -> tuple[str, str]:
    local = moment.astimezone(zone)
    return local.date().isoformat(), local.strftime("%H:%M")


def _week(rota: models.Rota, zone: ZoneInfo, codes: dict[tuple[str, int], str]) -> dict[str, Any]:
    def span(start: datetime, end: datetime) -> list[str]:
        day, begin = _day_and_clock(start, zone)
        _, finish = _day_and_clock(end, zone)
        return [day, begin, finish]

    return {
        "period_start": rota.period_start.isoformat(),
        "period_days": rota.period_days,
        "solver_status": rota.solver_status,
        "objective": rota.objective,
        "bound": rota.bound,
        "solve_seconds": round(rota.solve_seconds, 2),
        "objective_terms": rota.objective_terms,
        "explanation": rota.explanation,
        "assignments": [
            [
                codes["a", a.assistant_id],
                codes["c", a.cabinet_id],
                codes["k", a.contract_id],
                *span(a.start_at, a.end_at),
            ]
            for a in rota.assignments
        ],
        "travel": [
            [
                codes["a", t.assistant_id],
                codes["c", t.origin_id],
                codes["c", t.destination_id],
                *span(t.start_at, t.end_at),
            ]
            for t in rota.travel_legs
        ],
        "breaks": [[codes["a", b.assistant_id], *span(b.start_at, b.end_at)] for b in rota.breaks],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/history.db"
        upgrade_to_head(url)
        engine = make_engine(url)
        weeks: list[dict[str, Any]] = []
        with Session(engine) as session:
            groupement = load_demo(session)
            session.commit()
            zone = ZoneInfo(groupement.timezone)
            codes = {
                **{("a", a.id): a.code for a in session.scalars(select(models.Assistant))},
                **{("c", c.id): c.code for c in session.scalars(select(models.Cabinet))},
                **{("k", k.id): k.code for k in session.scalars(select(models.PooledContract))},
            }
            first = min(c.start_date for c in session.scalars(select(models.PooledContract)))
            monday = first - timedelta(days=first.weekday())
            while monday <= LAST_WEEK:
                moment = published_moment(monday, zone)
                rota = plan_period(
                    session,
                    groupement.id,
                    monday,
                    7,
                    time_limit_s=args.time_limit,
                    deterministic=True,
                    now=moment,
                )
                assert rota.solver_status in ("optimal", "feasible"), (monday, rota.explanation)
                rota = publish_rota(session, rota.id, actor=None, now=moment)
                session.commit()
                weeks.append(_week(rota, zone, codes))
                _write(weeks)  # after each week: a long run stopped midway keeps what it did
                print(monday, rota.solver_status, len(rota.assignments), flush=True)  # noqa: T201 - progress
                monday += timedelta(days=7)
    path = _write(weeks)
    print(f"{len(weeks)} weeks written to {path}")  # noqa: T201 - the summary line


def _write(weeks: list[dict[str, Any]]) -> Path:
    absences = [
        {
            "assistant": assistant,
            "kind": kind,
            "start": start,
            "end": end,
            "reason": reason,
            "recorded": start[:10] + "T08:00",
        }
        for assistant, kind, start, end, reason in ABSENCES
    ]
    path = ROOT / "scheduler" / "data" / HISTORY_FILE
    text = json.dumps(
        {"weeks": weeks, "absences": absences}, ensure_ascii=False, separators=(",", ":")
    )
    path.write_text(text + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    main()
