"""`partagenda demo`: the embedded database set up, the demo loaded, the coming weeks planned and
published, and what they give written out: each week's rota (`partagenda-rota/1`), every
calendar feed and each contract's reports of the quarter, then a summary on the terminal."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scheduler.cli.context import (
    command_session,
    find_groupement,
    load_settings,
    migrate_database,
    progress_bar,
    safe_url,
)
from scheduler.cli.messages import fail, os_reason, stdout_console
from solver import model as sm

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler import models
    from scheduler.config import Settings


def run_demo(weeks: int, time_limit: float) -> None:
    """Plan and publish the `weeks` coming weeks (those published already are kept), spending at
    most `time_limit` of CP-SAT deterministic time on each, and write the artefacts."""
    from sqlalchemy import select

    from scheduler import models, uow
    from scheduler.demo import demo_loaded, load_demo
    from scheduler.planning import plan_period, publish_rota

    settings = load_settings()
    migrate_database(settings)
    output_dir = settings.output_dir
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(
            f"PARTAGENDA_OUTPUT_DIR : dossier {output_dir} impossible à créer : {os_reason(error)}"
        )
    if not os.access(output_dir, os.W_OK):
        fail(f"PARTAGENDA_OUTPUT_DIR : pas le droit d'écrire dans {output_dir}")
    today = datetime.now(UTC).date()
    first = today + timedelta(days=7 - today.weekday())
    summary: list[dict[str, Any]] = []
    with command_session(settings) as session:
        if not demo_loaded(session):
            # The weeks before the first one planned here are the shipped, delivered history.
            load_demo(session, history_until=first)
            stdout_console().print("Groupement de démonstration chargé.")
        uow.commit(session)
        groupement = find_groupement(session, "val-de-moselle")
        for k in range(weeks):
            start = first + timedelta(weeks=k)
            week_label = f"{start.isocalendar().year}-W{start.isocalendar().week:02d}"
            published = session.scalar(
                select(models.Rota).where(
                    models.Rota.groupement_id == groupement.id,
                    models.Rota.period_start == start,
                    models.Rota.status == models.RotaStatus.PUBLISHED,
                )
            )
            if published is None:
                with progress_bar(sys.stderr.isatty(), time_limit) as progress:
                    rota = plan_period(
                        session,
                        groupement.id,
                        start,
                        7,
                        time_limit_s=time_limit,
                        deterministic=True,
                        progress=progress,
                        release_reads=True,
                    )
                if rota.solver_status in ("optimal", "feasible"):
                    rota = publish_rota(session, rota.id, actor=None)
                uow.commit(session)
            else:
                rota = published
            try:
                summary.append(_write_week(session, rota, week_label, output_dir))
            except OSError as error:
                fail(f"PARTAGENDA_OUTPUT_DIR : écriture impossible sous {output_dir} : {error}")
        try:
            files = _write_feeds(session, groupement, output_dir)
            files += _write_reports(session, output_dir, first)
        except OSError as error:
            fail(f"PARTAGENDA_OUTPUT_DIR : écriture impossible sous {output_dir} : {error}")
    _print_summary(summary, files, settings)


def _write_week(
    session: Session, rota: models.Rota, label: str, output_dir: Path
) -> dict[str, Any]:
    from scheduler.planning import planning_for, to_solver_rota
    from solver import credited_minutes, dump_rota

    planning = planning_for(session, rota)
    solved = to_solver_rota(planning, rota)
    document = dump_rota(
        sm.Rota(
            status=sm.Status(rota.solver_status)
            if rota.solver_status != "edited"
            else sm.Status.FEASIBLE,
            assignments=solved.assignments,
            travel=solved.travel,
            breaks=solved.breaks,
            objective=rota.objective,
            objective_terms=rota.objective_terms,
            bound=rota.bound,
            solve_seconds=rota.solve_seconds,
            minutes=credited_minutes(planning.instance, solved),
            explanation=tuple(rota.explanation),
        ),
        planning.instance,
    )
    path = output_dir / f"rota-{label}.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    # The summary is printed once the session is closed: it keeps plain values, not the row.
    row = (
        label,
        rota.solver_status,
        rota.status.value,
        str(rota.objective),
        str(rota.bound),
        str(len(rota.assignments)),
        str(len(rota.travel_legs)),
    )
    return {"week": label, "row": row, "path": path, "minutes": document.get("minutes", {})}


def _write_feeds(session: Session, groupement: models.Groupement, output_dir: Path) -> list[Path]:
    """Write every rendered feed of the groupement, named after what it shows."""
    from sqlalchemy import select

    from scheduler import models
    from scheduler.feeds import FEED_KINDS, feed_key

    names = {
        feed_key(spec.kind, target.id): spec.export_name(target)
        for spec in FEED_KINDS.values()
        for target in session.scalars(select(spec.target))
    }
    written: list[Path] = []
    feeds_dir = output_dir / "feeds"
    feeds_dir.mkdir(exist_ok=True)
    for feed in session.scalars(
        select(models.RenderedFeed)
        .where(models.RenderedFeed.groupement_id == groupement.id)
        .order_by(models.RenderedFeed.feed_key)
    ):
        name = names.get(feed.feed_key, feed.feed_key)
        path = feeds_dir / f"{name}.ics"
        path.write_bytes(feed.body)
        written.append(path)
    return written


def _write_reports(session: Session, output_dir: Path, first: date) -> list[Path]:
    from sqlalchemy import select

    from scheduler import models
    from scheduler.reports import FORMATS, write_report

    quarter = f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    written: list[Path] = []
    for contract in session.scalars(
        select(models.PooledContract).order_by(models.PooledContract.code)
    ):
        for fmt in FORMATS.values():
            path = output_dir / "reports" / f"{contract.code}-{quarter}.{fmt.extension}"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(write_report(session, contract.code, quarter, fmt.name))
            written.append(path)
    return written


def _print_summary(summary: list[dict[str, Any]], files: list[Path], settings: Settings) -> None:
    from rich.table import Table

    table = Table(title="Plannings publiés")
    for column in ("Semaine", "Solveur", "Statut", "Objectif", "Borne", "Affect.", "Trajets"):
        table.add_column(column)
    for item in summary:
        table.add_row(*item["row"])
    stdout_console().print(table)
    if summary:
        minutes = Table(title=f"Minutes par cabinet, semaine {summary[0]['week']}")
        minutes.add_column("Contrat")
        minutes.add_column("Cabinet")
        minutes.add_column("Minutes", justify="right")
        for contract, per in sorted(summary[0]["minutes"].items()):
            for cabinet, value in sorted(per.items()):
                minutes.add_row(contract, cabinet, str(value))
        stdout_console().print(minutes)
    stdout_console().print(
        f"{len(summary) + len(files)} fichiers écrits sous {settings.output_dir}/ :"
    )
    for item in summary:
        stdout_console().print(f"  {item['path']}", highlight=False)
    for path in files:
        stdout_console().print(f"  {path}", highlight=False)
    stdout_console().print(f"Base de données : {safe_url(settings.database_url)}", highlight=False)
    stdout_console().print(
        "Pour démarrer le serveur : .venv/bin/partagenda serve (puis http://127.0.0.1:8000/)",
        highlight=False,
        soft_wrap=True,  # one line to copy, even when the output is not a terminal
    )
