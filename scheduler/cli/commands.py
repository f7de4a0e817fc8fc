"""The `partagenda` commands of the core: set up, plan, publish, report, export and run the jobs
process. The console script (`api.cli`) adds `serve`, which starts the web edge.

Bad input ends with exit code 2 and one readable line on stderr, never a traceback
(`scheduler.cli.messages`); an infeasible instance ends with exit code 1 and its explanation.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scheduler.cli.context import (
    check_output,
    checked_engine,
    command_session,
    find_groupement,
    is_special_file,
    load_settings,
    migrate_database,
    parse_day,
    parse_week,
    progress_bar,
    safe_url,
    write_file,
)
from scheduler.cli.messages import OneLineErrors, fail, os_reason, stderr_console, stdout_console
from solver import FIRST_YEAR, LAST_YEAR, InvalidInstance
from solver import model as sm

# Only what `solve` needs is imported above: the database, the settings, Rich and the services
# are imported by the commands that use them, so that solving a file does not first load the whole
# service (tests/scheduler/test_cli_solve_imports.py keeps it so).
if TYPE_CHECKING:
    from scheduler import models

MAX_ID = 2_147_483_647
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

Deterministic = Annotated[
    bool,
    typer.Option(
        help="One worker and a fixed seed: the same rota every time; --time-limit is then "
        "deterministic time."
    ),
]
"""The --deterministic flag of `solve` and `plan`."""


def new_command_line() -> typer.Typer:
    """An empty `partagenda` command line: its name, help and one-line errors."""
    return typer.Typer(
        name="partagenda",
        help="Plan shared medical assistants' rotas, publish calendar feeds and allocation reports.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        cls=OneLineErrors,
    )


app = new_command_line()
"""The core's commands (no `serve`: the web edge is the outer layer's)."""


def with_core_commands() -> typer.Typer:
    """A new command line holding the core's commands, for the outer layer to add its own to."""
    extended = new_command_line()
    extended.registered_commands.extend(app.registered_commands)
    return extended


# --- Set-up ------------------------------------------------------------------------------------


@app.command()
def migrate() -> None:
    """Bring the configured database to the latest schema."""
    settings = load_settings()
    migrate_database(settings)
    stdout_console().print(f"Base de données à jour : {safe_url(settings.database_url)}")


@app.command("load-demo")
def load_demo_command() -> None:
    """Load the demo groupement (once) into the configured database."""
    from datetime import UTC, datetime, timedelta

    from scheduler.demo import demo_loaded, load_demo

    settings = load_settings()
    migrate_database(settings)
    with command_session(settings) as session:
        if demo_loaded(session):
            stdout_console().print("Le groupement de démonstration est déjà chargé.")
            return
        # The weeks delivered so far, up to next Monday, as the demo command loads them.
        today = datetime.now(UTC).date()
        groupement = load_demo(session, history_until=today + timedelta(days=7 - today.weekday()))
        stdout_console().print(f"Groupement de démonstration chargé : {groupement.name}")


@app.command("create-groupement")
def create_groupement_command(
    slug: Annotated[str, typer.Option(help="Short identifier, e.g. val-de-moselle.")],
    name: Annotated[str, typer.Option(help="Full name of the groupement.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "Europe/Paris",
) -> None:
    """Create a groupement (the tenant); then create its first coordinator."""
    from scheduler.services.resources import create_groupement

    settings = load_settings()
    fields = {"slug": "--slug", "name": "--name", "timezone": "--timezone", "groupement": "--slug"}
    with command_session(settings, fields) as session:
        groupement = create_groupement(session, slug, name, timezone)
        stdout_console().print(f"Groupement créé : {groupement.slug}")


def _read_password(*, from_stdin: bool) -> str:
    """The new user's password: the first line of standard input, or asked on the terminal."""
    if from_stdin:
        line = sys.stdin.readline(1024)
        if not line:
            fail("--password-stdin : l'entrée standard est vide")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        fail(
            "mot de passe : il se saisit au terminal ; sans terminal, "
            "passez-le sur l'entrée standard avec --password-stdin"
        )
    password: str = typer.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    return password


Email = Annotated[str, typer.Option(help="Sign-in e-mail address.")]
FullName = Annotated[str, typer.Option(help="Full name.")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input (scripts); "
        "otherwise it is asked on the terminal.",
    ),
]
"""The options of the commands that create an account (the password is never an option)."""


@app.command("create-coordinator")
def create_coordinator(
    groupement: Annotated[str, typer.Option(help="Slug of the groupement.")],
    email: Email,
    name: FullName,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create the first coordinator of a groupement.

    The password is never an option: a command line is visible to every user of the machine
    (`ps`). It is asked on the terminal, hidden and twice, or read from standard input.
    """
    from scheduler import models

    _create_user(groupement, email, name, password_stdin, models.Role.COORDINATOR, "Coordinateur")


@app.command("create-national-reader")
def create_national_reader(
    groupement: Annotated[str, typer.Option(help="Slug of the groupement the account is kept in.")],
    email: Email,
    name: FullName,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a national reader (Assurance maladie): she reads every contract's figures and
    reports, in every groupement, and no personal data beyond them. Only this command creates one.

    The password is asked on the terminal, hidden and twice, or read from standard input.
    """
    from scheduler import models

    _create_user(groupement, email, name, password_stdin, models.Role.NATIONAL, "Lecteur national")


def _create_user(
    groupement: str, email: str, name: str, password_stdin: bool, role: models.Role, created: str
) -> None:
    """Check the options, read the password and create the user of `role`."""
    from scheduler.auth import create_user

    email = email.strip()
    if len(email) > 254 or not EMAIL.fullmatch(email):
        fail(f"--email : « {email} » n'est pas une adresse e-mail comme nom@domaine.fr")
    if not 1 <= len(name.strip()) <= 200 or any(ord(char) < 32 for char in name):
        fail("--name : un nom de 1 à 200 caractères, sans caractère de contrôle")
    password = _read_password(from_stdin=password_stdin)
    if not 8 <= len(password) <= 200:
        fail("mot de passe : de 8 à 200 caractères")
    settings = load_settings()
    fields = {
        "email": "--email",
        "password": "mot de passe",
        "groupement": "--groupement",
        "user": "--email",
    }
    with command_session(settings, fields) as session:
        user = create_user(session, groupement, email, name.strip(), password, role)
        stdout_console().print(f"{created} créé : {user.email}")


@app.command("grant-contract")
def grant_contract_command(
    email: Annotated[str, typer.Option(help="Sign-in e-mail address of the auditor.")],
    groupement: Annotated[str, typer.Option(help="Slug of the contract's groupement.")],
    contract: Annotated[str, typer.Option(help="Code of the contract.")],
) -> None:
    """Grant an auditor a contract of any groupement: she reads its figures and reports."""
    from scheduler.auth import grant_contract

    settings = load_settings()
    fields = {"email": "--email", "utilisateur": "--email", "contrat": "--contract"}
    with command_session(settings, fields) as session:
        grant_contract(session, email, groupement, contract)
        stdout_console().print(f"Contrat {contract} ({groupement}) accordé à {email.strip()}")


@app.command("unlock-user")
def unlock_user_command(
    email: Annotated[str, typer.Option(help="Sign-in e-mail address of the locked user.")],
) -> None:
    """Lift a user's sign-in lock (after too many wrong passwords) and clear the failures."""
    from scheduler.auth import find_user_by_email, unlock_user

    settings = load_settings()
    with command_session(settings, {"utilisateur": "--email"}) as session:
        user = unlock_user(session, find_user_by_email(session, email).id)
        stdout_console().print(f"Utilisateur débloqué : {user.email}")


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
        float,
        typer.Option(
            "--time-limit",
            min=0.1,
            max=3600,
            help="Seconds (with --deterministic: CP-SAT deterministic time, about seconds on an "
            "idle machine, longer on a busy one).",
        ),
    ] = 30.0,
    deterministic: Deterministic = False,
) -> None:
    """Solve an instance file: exit 0 with a rota, 1 when infeasible, 2 on invalid input."""
    from solver import dump_rota, parse_instance, read_document_file, solve

    check_output(output)
    try:
        raw = read_document_file(instance_path)
    except OSError as error:
        fail(f"INSTANCE.json : lecture impossible de {instance_path} : {os_reason(error)}")
    try:
        instance = parse_instance(raw)
    except InvalidInstance as error:
        fail(str(error))
    with progress_bar(sys.stderr.isatty(), time_limit) as progress:
        rota = solve(
            instance, time_limit_s=time_limit, deterministic=deterministic, progress=progress
        )
    document = json.dumps(dump_rota(rota, instance), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(document)
    else:
        write_file(output, [document.encode("utf-8")])
    if rota.status == sm.Status.INFEASIBLE:
        for line in rota.explanation:
            stderr_console().print(line, markup=False, highlight=False)
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
    deterministic: Deterministic = False,
) -> None:
    """Plan a period as a new draft on the configured database."""
    from scheduler.planning import plan_period

    start = parse_week(week)
    settings = load_settings()
    limit = time_limit or settings.solver_time_limit_s
    with command_session(settings) as session, progress_bar(sys.stderr.isatty(), limit) as progress:
        target = find_groupement(session, groupement)
        rota = plan_period(
            session,
            target.id,
            start,
            7 * weeks,
            time_limit_s=limit,
            deterministic=deterministic,
            progress=progress,
            release_reads=True,  # no transaction held through the solve: others write meanwhile
        )
        _print_rota(rota)
        if rota.solver_status not in ("optimal", "feasible"):
            for line in rota.explanation:
                stderr_console().print(line, markup=False, highlight=False)
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
        str | None,
        typer.Option(
            help="Why changes inside the notice window are made, or why a week already begun is"
            " published."
        ),
    ] = None,
) -> None:
    """Publish the latest draft of a week."""
    from sqlalchemy import select

    from scheduler import models
    from scheduler.planning import publish_rota

    start = parse_week(week)
    settings = load_settings()
    with command_session(settings) as session:
        target = find_groupement(session, groupement)
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
        stdout_console().print(f"Planning {week} publié (révision {rota.revision}).")


@app.command()
def report(
    contract: Annotated[str, typer.Argument(help="Contract code or id.")],
    period: Annotated[str, typer.Option(help="2026-11, 2026-Q4, or a contract year such as Y1.")],
    fmt: Annotated[
        str, typer.Option("--format", help="A report format: pdf, csv, json (the registered ones).")
    ] = "pdf",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (else stdout).")
    ] = None,
) -> None:
    """Write a contract's allocation report for a period."""
    from scheduler.errors import InvalidPeriod
    from scheduler.reports import FORMATS, either_of, format_names, write_report

    if fmt not in FORMATS:
        fail(f"--format : « {fmt} » n'est pas {either_of(format_names())}")
    if contract.isdigit() and not 1 <= int(contract) <= MAX_ID:
        fail(f"CONTRACT : contrat {contract} introuvable")
    year = re.match(r"\s*(\d{4})-", period)
    if year and not FIRST_YEAR <= int(year[1]) <= LAST_YEAR:
        fail(f"--period : « {period} » : année hors de {FIRST_YEAR} à {LAST_YEAR}")
    check_output(output)
    settings = load_settings()
    with command_session(settings, {"contrat": "CONTRACT"}) as session:
        try:
            body = write_report(session, contract, period, fmt)
        except InvalidPeriod as error:
            fail(f"--period : {error}")
    if output is None:
        sys.stdout.buffer.write(body)
    else:
        write_file(output, [body])


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
        fail(f"FILE.csv : lecture impossible de {csv_path} : {os_reason(error)}")
    settings = load_settings()
    with command_session(settings) as session:
        target = find_groupement(session, groupement)
        count = import_snapshots(session, None, data, groupement_id=target.id)
        stdout_console().print(f"{count} relevé(s) importé(s).")


@app.command("import-reference")
def import_reference(
    csv_path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.csv",
            help="department;rpps;quarter;pmt;file_active;source (--series: "
            "department;quarter;pmt;file_active;doctors;source)",
        ),
    ],
    series: Annotated[
        bool,
        typer.Option(
            "--series",
            help="A published series (the département's average per GP and quarter) instead of "
            "non-member doctors' statements.",
        ),
    ] = False,
) -> None:
    """Import the evaluation's reference group from a CPAM CSV: every line checked, all stored
    or none."""
    from scheduler.services.evaluation import import_reference_doctors, import_reference_series

    try:
        data = csv_path.read_bytes()
    except OSError as error:
        fail(f"FILE.csv : lecture impossible de {csv_path} : {os_reason(error)}")
    settings = load_settings()
    with command_session(settings) as session:
        if series:
            count = import_reference_series(session, None, data)
            stdout_console().print(f"{count} trimestre(s) de série de référence importé(s).")
        else:
            count = import_reference_doctors(session, None, data)
            stdout_console().print(f"{count} relevé(s) de médecins de référence importé(s).")


@app.command("export-national")
def export_national(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="CSV file (else stdout); its SHA-256 is written beside it, in FILE.sha256.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The day the weeks are read at, 2026-12-07: a week's minutes are delivered once "
            "it is over, a forecast before (default: today in Paris).",
        ),
    ] = None,
) -> None:
    """Stream the national CSV for the Assurance maladie: every contract, member and week."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from scheduler.reports import NationalExport

    today = (
        parse_day(as_of, "--as-of")
        if as_of is not None
        else datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()
    )
    check_output(output)
    digest_file = None
    if output is not None and not is_special_file(output):
        digest_file = output.with_name(output.name + ".sha256")
        check_output(digest_file)
    settings = load_settings()
    with command_session(settings) as session:
        export = NationalExport(session, today=today)
        if output is None:
            for chunk in export:
                sys.stdout.buffer.write(chunk)
        else:
            write_file(output, export)
    digest = export.hexdigest()
    if digest_file is not None and output is not None:
        # sha256sum's format: `sha256sum -c national.csv.sha256` checks the export.
        write_file(digest_file, [f"{digest}  {output.name}\n".encode()])
        stderr_console().print(
            f"SHA-256 : {digest} (écrit dans {digest_file})", highlight=False, markup=False
        )
    else:
        stderr_console().print(f"SHA-256 : {digest}", highlight=False, markup=False)


@app.command("export-evaluation")
def export_evaluation(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="File (else stdout); its SHA-256 is written beside it, in FILE.sha256.",
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="csv (one line per group and contract) or json.")
    ] = "csv",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The day the statements are read up to, 2026-12-07 (default: today in Paris).",
        ),
    ] = None,
) -> None:
    """Write the national evaluation for the Assurance maladie: every contract's effect on PMT
    and file active, pooled nationally, by département and by size, and the event study."""
    from scheduler.errors import InvalidField
    from scheduler.services.national_evaluation import EXPORT_FORMATS, export_national_evaluation

    if fmt not in EXPORT_FORMATS:
        fail(f"--format : « {fmt} » inconnu : {' ou '.join(EXPORT_FORMATS)}")
    day = parse_day(as_of, "--as-of") if as_of is not None else None
    check_output(output)
    digest_file = None
    if output is not None and not is_special_file(output):
        digest_file = output.with_name(output.name + ".sha256")
        check_output(digest_file)
    settings = load_settings()
    with command_session(settings) as session:
        try:
            export = export_national_evaluation(session, None, as_of=day, fmt=fmt)
        except InvalidField as error:
            fail(f"--as-of : {error.message}")
    if output is None:
        sys.stdout.buffer.write(export.body)
    else:
        write_file(output, [export.body])
    if digest_file is not None and output is not None:
        # sha256sum's format, as export-national writes: `sha256sum -c FILE.sha256` checks it.
        write_file(digest_file, [f"{export.sha256}  {output.name}\n".encode()])
        stderr_console().print(
            f"SHA-256 : {export.sha256} (écrit dans {digest_file})", highlight=False, markup=False
        )
    else:
        stderr_console().print(f"SHA-256 : {export.sha256}", highlight=False, markup=False)


@app.command("replan-national")
def replan_national(
    week: Annotated[str, typer.Option(help="ISO week to plan in every groupement, e.g. 2026-W51.")],
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", min=0.1, max=3600, help="Budget per groupement.")
    ] = None,
    wait: Annotated[
        bool,
        typer.Option("--wait/--no-wait", help="Follow the runs to their end on a progress bar."),
    ] = True,
) -> None:
    """Queue a plan run of the week in every groupement (one task each, for the workers), and
    follow them: queued, running, done, failed, throughput."""
    from scheduler.services.national_replan import request_national_replan

    start = parse_week(week)
    settings = load_settings()
    limit = time_limit or settings.solver_time_limit_s
    with command_session(settings, {"week": "--week"}) as session:
        figures = request_national_replan(session, start, actor=None, time_limit_s=limit)
    out = stderr_console()
    out.print(
        f"Replanification nationale de la semaine du {start:%d/%m/%Y} : "
        f"{figures.total} calcul(s) demandé(s).",
        highlight=False,
        markup=False,
    )
    if figures.busy_elsewhere:
        out.print(
            "Déjà en cours de calcul, laissés à leur calcul : " + ", ".join(figures.busy_elsewhere),
            highlight=False,
            markup=False,
        )
    if not wait:
        return
    final = _follow_replan(settings, start, sys.stderr.isatty())
    out.print(_replan_line(final), highlight=False, markup=False)
    if final.failed:
        raise typer.Exit(1)


def _replan_line(figures: Any) -> str:
    rate = figures.throughput_per_s
    return (
        f"en file {figures.queued}, en cours {figures.running}, faits {figures.succeeded}, "
        f"échoués {figures.failed}, annulés {figures.cancelled}"
        + (f", débit {rate:.2f} par seconde" if rate is not None else "")
    )


def _follow_replan(settings: Any, week: Any, bar_shown: bool) -> Any:
    """Follow the re-plan of `week` until every run ended; on SQLite, where no worker runs,
    execute its queued runs here meanwhile."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from scheduler import models
    from scheduler.db import make_session_factory
    from scheduler.engine import has_workers
    from scheduler.runs import execute_plan_run
    from scheduler.services.national_replan import replan_figures, replan_key

    engine = checked_engine(settings)
    factory = make_session_factory(engine)
    here = not has_workers(engine)

    def figures() -> Any:
        with factory() as session:
            return replan_figures(session, week)

    def next_queued() -> int | None:
        with factory() as session:
            return session.scalar(
                select(models.PlanRun.id)
                .where(
                    models.PlanRun.idempotency_key == replan_key(week),
                    models.PlanRun.state == models.RunState.QUEUED,
                )
                .order_by(models.PlanRun.id)
                .limit(1)
            )

    from sqlalchemy import select

    now = figures()
    with Progress(
        TextColumn("[bold]Replanification"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[figures]}"),
        TimeElapsedColumn(),
        console=stderr_console(),
        transient=True,
        disable=not bar_shown,
    ) as bar:
        task = bar.add_task("replan", total=now.total, completed=now.finished, figures="")
        while now.finished < now.total:
            run_id = next_queued() if here else None
            if run_id is not None:
                execute_plan_run(
                    factory,
                    run_id,
                    deterministic=settings.solver_deterministic,
                    solver_workers=settings.solver_workers,
                )
            else:
                time.sleep(0.5)
            now = figures()
            bar.update(task, completed=now.finished, figures=_replan_line(now))
    engine.dispose()
    return now


# --- Processes ---------------------------------------------------------------------------------


@app.command("scheduler")
def scheduler_command() -> None:
    """Run the jobs process (APScheduler): weekly planning, plan runs, feeds, reports."""
    from scheduler.jobs import run_scheduler

    settings = load_settings()
    checked_engine(settings).dispose()  # one readable line when the database is not there
    run_scheduler(settings)


@app.command("worker")
def worker_command(
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Tasks run side by side by this process.")
    ] = 1,
) -> None:
    """Run a task worker (PostgreSQL): plan runs, e-mails, reports; start one per core wanted, on
    any number of machines."""
    from scheduler.engine import has_workers
    from scheduler.engine.worker import run_worker

    settings = load_settings()
    engine = checked_engine(settings)
    with_workers = has_workers(engine)
    engine.dispose()
    if not with_workers:
        fail(
            "les processus de calcul demandent PostgreSQL : avec SQLite, "
            "« partagenda scheduler » exécute lui-même les calculs"
        )
    run_worker(settings, concurrency=concurrency)


# --- The main job ------------------------------------------------------------------------------


@app.command()
def demo(
    weeks: Annotated[int, typer.Option(min=1, max=4, help="How many coming weeks to plan.")] = 2,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            min=1,
            max=600,
            help="Budget per week, in CP-SAT deterministic time (the demo plans reproducibly): "
            "about seconds on an idle machine, longer on a busy one.",
        ),
    ] = 20.0,
) -> None:
    """Set up the embedded database, load the demo, plan and publish the coming weeks, write artefacts."""
    from scheduler.cli.demo_export import run_demo

    run_demo(weeks, time_limit)


def _print_rota(rota: models.Rota) -> None:
    from rich.table import Table

    from scheduler.french import short_date

    table = Table(title=f"Planning du {short_date(rota.period_start)} (révision {rota.revision})")
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
    stdout_console().print(table)
