"""The `partagenda` command: set up, plan, publish, report, serve and run the jobs process.

Bad input ends with exit code 2 and one readable line on stderr, never a traceback; an infeasible
instance ends with exit code 1 and its explanation.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.config import Settings, get_settings
from scheduler.db import make_engine, make_session_factory, unit_of_work
from scheduler.errors import PartagendaError
from scheduler.migrations import upgrade_to_head
from solver import model as sm
from solver.errors import InvalidInstance
from solver.solve import Progress as SolveProgress

app = typer.Typer(
    name="partagenda",
    help="Plan shared medical assistants' rotas, publish calendar feeds and allocation reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line on stderr and exit."""
    err.print(f"partagenda: {message}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            yield session
    except PartagendaError as error:
        fail(str(error))
    finally:
        engine.dispose()


def parse_week(value: str) -> date:
    """The Monday of an ISO week written `2026-W49`."""
    try:
        return date.fromisocalendar(int(value[:4]), int(value.split("W", 1)[1]), 1)
    except (ValueError, IndexError):
        fail(f"--week : « {value} » n'est pas une semaine ISO comme 2026-W49")


def _groupement(session: Session, slug: str | None) -> models.Groupement:
    query = select(models.Groupement).order_by(models.Groupement.id)
    if slug is not None:
        query = query.where(models.Groupement.slug == slug)
    groupement = session.scalars(query).first()
    if groupement is None:
        fail(
            f"--groupement : aucun groupement « {slug} » dans la base"
            if slug
            else "aucun groupement dans la base : lancez partagenda load-demo"
        )
    return groupement


@contextmanager
def _progress_bar(
    enabled: bool, time_limit: float
) -> Iterator[Callable[[SolveProgress], None] | None]:
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("[bold]Résolution"),
        BarColumn(),
        TextColumn("{task.fields[figures]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("solve", total=time_limit, figures="")

        def report(progress: SolveProgress) -> None:
            gap = abs(progress.best_objective - progress.bound) / max(
                1.0, abs(progress.best_objective)
            )
            bar.update(
                task,
                completed=min(progress.elapsed_s, time_limit),
                figures=f"objectif {progress.best_objective:.0f}, borne {progress.bound:.0f}, écart {gap:.1%}",
            )

        yield report


# --- Set-up ------------------------------------------------------------------------------------


@app.command()
def migrate() -> None:
    """Bring the configured database to the latest schema."""
    settings = get_settings()
    upgrade_to_head(settings.database_url)
    out.print(f"Base de données à jour : {_safe_url(settings.database_url)}")


@app.command("load-demo")
def load_demo_command() -> None:
    """Load the demo groupement (once) into the configured database."""
    from scheduler.demo import demo_loaded, load_demo

    settings = get_settings()
    upgrade_to_head(settings.database_url)
    with _session(settings) as session:
        if demo_loaded(session):
            out.print("Le groupement de démonstration est déjà chargé.")
            return
        groupement = load_demo(session)
        out.print(f"Groupement de démonstration chargé : {groupement.name}")


@app.command("create-groupement")
def create_groupement_command(
    slug: Annotated[str, typer.Option(help="Short identifier, e.g. val-de-moselle.")],
    name: Annotated[str, typer.Option(help="Full name of the groupement.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "Europe/Paris",
) -> None:
    """Create a groupement (the tenant); then create its first coordinator."""
    from scheduler.services.resources import create_groupement

    settings = get_settings()
    with _session(settings) as session:
        groupement = create_groupement(session, slug, name, timezone)
        out.print(f"Groupement créé : {groupement.slug}")


@app.command("create-coordinator")
def create_coordinator(
    groupement: Annotated[str, typer.Option(help="Slug of the groupement.")],
    email: Annotated[str, typer.Option(help="Sign-in e-mail address.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Create the first coordinator of a groupement."""
    from scheduler.auth import create_user

    settings = get_settings()
    with _session(settings) as session:
        user = create_user(session, groupement, email, name, password, models.Role.COORDINATOR)
        out.print(f"Coordinateur créé : {user.email}")


# --- Planning ----------------------------------------------------------------------------------


@app.command("solve")
def solve_command(
    instance_path: Annotated[
        Path, typer.Argument(metavar="INSTANCE.json", help="A partagenda-instance/1 file.")
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the rota here (else stdout).")
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, max=3600, help="Seconds.")
    ] = 30.0,
    deterministic: Annotated[bool, typer.Option(help="One worker and a fixed seed.")] = False,
) -> None:
    """Solve an instance file: exit 0 with a rota, 1 when infeasible, 2 on invalid input."""
    from solver.instance_io import dump_rota, parse_instance
    from solver.solve import solve

    try:
        raw = instance_path.read_bytes()
    except OSError as error:
        fail(f"INSTANCE.json : lecture impossible de {instance_path} : {error.strerror}")
    try:
        instance = parse_instance(raw)
    except InvalidInstance as error:
        fail(str(error))
    with _progress_bar(sys.stderr.isatty(), time_limit) as progress:
        rota = solve(
            instance, time_limit_s=time_limit, deterministic=deterministic, progress=progress
        )
    document = json.dumps(dump_rota(rota, instance), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(document)
    else:
        output.write_text(document, encoding="utf-8")
    if rota.status == sm.Status.INFEASIBLE:
        for line in rota.explanation:
            err.print(line, markup=False, highlight=False)
        raise typer.Exit(1)
    if rota.status not in (sm.Status.OPTIMAL, sm.Status.FEASIBLE):
        fail(f"aucun planning trouvé en {time_limit:g} s (statut {rota.status.value})", code=1)


@app.command()
def plan(
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2026-W49.")],
    weeks: Annotated[int, typer.Option(min=1, max=8, help="How many weeks in the period.")] = 1,
    groupement: Annotated[
        str | None, typer.Option(help="Slug of the groupement (default: the first).")
    ] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", min=0.1, max=3600)] = None,
    deterministic: Annotated[bool, typer.Option(help="One worker and a fixed seed.")] = False,
) -> None:
    """Plan a period as a new draft on the configured database."""
    from scheduler.planning import plan_period

    settings = get_settings()
    start = parse_week(week)
    limit = time_limit or settings.solver_time_limit_s
    with _session(settings) as session, _progress_bar(sys.stderr.isatty(), limit) as progress:
        target = _groupement(session, groupement)
        rota = plan_period(
            session,
            target.id,
            start,
            7 * weeks,
            time_limit_s=limit,
            deterministic=deterministic,
            progress=progress,
        )
        _print_rota(rota)
        if rota.solver_status not in ("optimal", "feasible"):
            for line in rota.explanation:
                err.print(line, markup=False, highlight=False)
    if rota.solver_status == "infeasible":
        raise typer.Exit(1)


@app.command()
def publish(
    week: Annotated[
        str, typer.Option(help="ISO week whose latest draft to publish, e.g. 2026-W49.")
    ],
    groupement: Annotated[
        str | None, typer.Option(help="Slug of the groupement (default: the first).")
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="Why changes inside the notice window are made.")
    ] = None,
) -> None:
    """Publish the latest draft of a week."""
    from scheduler.planning import publish_rota

    settings = get_settings()
    start = parse_week(week)
    with _session(settings) as session:
        target = _groupement(session, groupement)
        draft = session.scalars(
            select(models.Rota)
            .where(
                models.Rota.groupement_id == target.id,
                models.Rota.period_start == start,
                models.Rota.status == models.RotaStatus.DRAFT,
            )
            .order_by(models.Rota.revision.desc())
        ).first()
        if draft is None:
            fail(f"--week : aucun brouillon pour {week} : lancez d'abord partagenda plan")
        rota = publish_rota(session, draft.id, actor=None, acknowledged_reason=reason)
        out.print(f"Planning {week} publié (révision {rota.revision}).")


@app.command()
def report(
    contract: Annotated[str, typer.Argument(help="Contract code or id.")],
    period: Annotated[str, typer.Option(help="2026-11, 2026-Q4, or a contract year such as Y1.")],
    fmt: Annotated[str, typer.Option("--format", help="pdf, csv or json.")] = "pdf",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (else stdout).")
    ] = None,
) -> None:
    """Write a contract's allocation report for a period."""
    from scheduler.reports import write_report

    if fmt not in ("pdf", "csv", "json"):
        fail(f"--format : « {fmt} » n'est pas pdf, csv ou json")
    settings = get_settings()
    with _session(settings) as session:
        body = write_report(session, contract, period, fmt)
    if output is None:
        sys.stdout.buffer.write(body)
    else:
        output.write_bytes(body)


@app.command("import-patientele")
def import_patientele(
    csv_path: Annotated[
        Path, typer.Argument(metavar="FILE.csv", help="rpps;date;pmt;file_active;source")
    ],
    groupement: Annotated[
        str | None, typer.Option(help="Slug of the groupement (default: the first).")
    ] = None,
) -> None:
    """Import patientèle statements from a CPAM CSV: every line checked, all stored or none."""
    from scheduler.services.subscriptions import import_snapshots

    try:
        data = csv_path.read_bytes()
    except OSError as error:
        fail(f"FILE.csv : lecture impossible de {csv_path} : {error.strerror}")
    settings = get_settings()
    with _session(settings) as session:
        target = _groupement(session, groupement)
        count = import_snapshots(session, None, data, groupement_id=target.id)
        out.print(f"{count} relevé(s) importé(s).")


@app.command("export-national")
def export_national(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="CSV file (else stdout).")
    ] = None,
) -> None:
    """Stream the national CSV for the Assurance maladie: every contract, member and week."""
    from scheduler.reports import national_export_lines

    settings = get_settings()
    with _session(settings) as session:
        target = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            for line in national_export_lines(session):
                target.write(line)
        finally:
            if output:
                target.close()


# --- Processes ---------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Serve the API and the web pages with uvicorn."""
    import uvicorn

    if get_settings().secret_key == Settings.model_fields["secret_key"].default:
        err.print(
            "partagenda: attention : PARTAGENDA_SECRET_KEY n'est pas défini ; les jetons sont "
            "signés avec la clé de développement. Définissez-la avant toute mise en service.",
            markup=False,
            highlight=False,
        )

    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        proxy_headers=True,
    )


@app.command("scheduler")
def scheduler_command() -> None:
    """Run the jobs process (APScheduler): weekly planning, plan runs, feeds, reports."""
    from scheduler.jobs import run_scheduler

    run_scheduler(get_settings())


# --- The main job ------------------------------------------------------------------------------


@app.command()
def demo(
    weeks: Annotated[int, typer.Option(min=1, max=4, help="How many coming weeks to plan.")] = 2,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=1, max=600, help="Seconds per week.")
    ] = 20.0,
) -> None:
    """Set up the embedded database, load the demo, plan and publish the coming weeks, write artefacts."""
    from scheduler.demo import demo_loaded, load_demo
    from scheduler.planning import plan_period, publish_rota

    settings = get_settings()
    upgrade_to_head(settings.database_url)
    output_dir = settings.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    today = datetime.now(UTC).date()
    first = today + timedelta(days=7 - today.weekday())
    summary: list[dict[str, Any]] = []
    with _session(settings) as session:
        if not demo_loaded(session):
            load_demo(session)
            out.print("Groupement de démonstration chargé.")
        session.commit()
        groupement = _groupement(session, "val-de-moselle")
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
                with _progress_bar(sys.stderr.isatty(), time_limit) as progress:
                    rota = plan_period(
                        session,
                        groupement.id,
                        start,
                        7,
                        time_limit_s=time_limit,
                        deterministic=True,
                        progress=progress,
                    )
                if rota.solver_status in ("optimal", "feasible"):
                    rota = publish_rota(session, rota.id, actor=None)
                session.commit()
            else:
                rota = published
            summary.append(_write_week(session, rota, week_label, output_dir))
        files = _write_feeds(session, groupement, output_dir)
        files += _write_reports(session, output_dir, first)
    _print_summary(summary, files, settings)


def _write_week(
    session: Session, rota: models.Rota, label: str, output_dir: Path
) -> dict[str, Any]:
    from scheduler.planning import planning_for, to_solver_rota
    from solver.instance_io import dump_rota
    from solver.validation import credited_minutes

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
    return {"week": label, "rota": rota, "path": path, "minutes": document.get("minutes", {})}


def _write_feeds(session: Session, groupement: models.Groupement, output_dir: Path) -> list[Path]:
    """Write every rendered feed of the groupement, named after what it shows."""
    from scheduler.feeds import feed_key

    kinds = models.FeedKind
    names = {
        feed_key(kinds.CABINET, c.id): f"cabinet-{c.code}"
        for c in session.scalars(select(models.Cabinet))
    }
    names |= {
        feed_key(kinds.ASSISTANT, a.id): f"assistante-{a.code}"
        for a in session.scalars(select(models.Assistant))
    }
    names[feed_key(kinds.GROUPEMENT, groupement.id)] = f"groupement-{groupement.slug}"
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
    from scheduler.reports import write_report

    quarter = f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    written: list[Path] = []
    for contract in session.scalars(
        select(models.PooledContract).order_by(models.PooledContract.code)
    ):
        for fmt in ("pdf", "json", "csv"):
            path = output_dir / "reports" / f"{contract.code}-{quarter}.{fmt}"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(write_report(session, contract.code, quarter, fmt))
            written.append(path)
    return written


def _print_rota(rota: models.Rota) -> None:
    table = Table(title=f"Planning du {rota.period_start:%d/%m/%Y} (révision {rota.revision})")
    table.add_column("Statut")
    table.add_column("Objectif", justify="right")
    table.add_column("Borne", justify="right")
    table.add_column("Affectations", justify="right")
    table.add_column("Trajets", justify="right")
    table.add_column("Secondes", justify="right")
    table.add_row(
        rota.solver_status,
        str(rota.objective),
        str(rota.bound),
        str(len(rota.assignments)),
        str(len(rota.travel_legs)),
        f"{rota.solve_seconds:.2f}",
    )
    out.print(table)


def _print_summary(summary: list[dict[str, Any]], files: list[Path], settings: Settings) -> None:
    table = Table(title="Plannings publiés")
    for column in ("Semaine", "Solveur", "Statut", "Objectif", "Borne", "Affect.", "Trajets"):
        table.add_column(column)
    for item in summary:
        rota: models.Rota = item["rota"]
        table.add_row(
            item["week"],
            rota.solver_status,
            rota.status.value,
            str(rota.objective),
            str(rota.bound),
            str(len(rota.assignments)),
            str(len(rota.travel_legs)),
        )
    out.print(table)
    if summary:
        minutes = Table(title=f"Minutes par cabinet, semaine {summary[0]['week']}")
        minutes.add_column("Contrat")
        minutes.add_column("Cabinet")
        minutes.add_column("Minutes", justify="right")
        for contract, per in sorted(summary[0]["minutes"].items()):
            for cabinet, value in sorted(per.items()):
                minutes.add_row(contract, cabinet, str(value))
        out.print(minutes)
    out.print(f"{len(summary) + len(files)} fichiers écrits sous {settings.output_dir}/ :")
    for item in summary:
        out.print(f"  {item['path']}", highlight=False)
    for path in files:
        out.print(f"  {path}", highlight=False)
    out.print(f"Base de données : {_safe_url(settings.database_url)}", highlight=False)
    out.print(
        "Pour démarrer le serveur : .venv/bin/partagenda serve (puis http://127.0.0.1:8000/)",
        highlight=False,
    )


def _safe_url(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """Entry point that never shows a traceback for a domain error."""
    app()
