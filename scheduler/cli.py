"""The `partagenda` command: set up, plan, publish, report, serve and run the jobs process.

Bad input ends with exit code 2 and one readable line on stderr, never a traceback; an infeasible
instance ends with exit code 1 and its explanation.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from difflib import get_close_matches
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer._click.core import Command as ClickCommand  # typer vendors click
from typer._click.core import Context as ClickContext
from typer._click.core import Parameter
from typer._click.exceptions import (
    BadParameter,
    ClickException,
    FileError,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.exceptions import Abort

from solver import FIRST_YEAR, LAST_YEAR, InvalidInstance
from solver import model as sm

# Only what `solve` needs is imported above: the database, the settings, Rich and the services
# are imported by the commands that use them, so that solving a file does not first load the whole
# service (tests/scheduler/test_cli_solve_imports.py keeps it so).
if TYPE_CHECKING:
    from pydantic_core import ErrorDetails
    from rich.console import Console
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from scheduler import models
    from scheduler.config import Settings
    from solver import Progress as SolveProgress

MAX_ID = 2_147_483_647


class _OneLineErrors(TyperGroup):
    """Usage errors (unknown option or command, bad or missing value) as one French line on
    stderr, exit code 2: the group's own options, the command's name and each command's."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: ClickContext | None = None,
        **extra: Any,
    ) -> ClickContext:
        """Parse the group's own options (`partagenda --bogus`)."""
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except NoArgsIsHelpError:
            raise
        except ClickException as error:
            fail(_usage_message(error), code=_usage_code(error))

    def resolve_command(
        self, ctx: ClickContext, args: list[str]
    ) -> tuple[str | None, ClickCommand | None, list[str]]:
        """The command named first; an unknown one ends with a suggestion."""
        name = args[0]
        if not ctx.resilient_parsing and not name.startswith("-") and name not in self.commands:
            suggestion = _did_you_mean(get_close_matches(name, list(self.commands)))
            fail(f"commande inconnue : {name}{suggestion}")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: ClickContext) -> Any:
        """Run the command; a usage error becomes one line instead of Rich's framed box."""
        try:
            return super().invoke(ctx)
        except NoArgsIsHelpError:
            raise
        except ClickException as error:
            fail(_usage_message(error), code=_usage_code(error))
        except Abort:
            # A prompt that met the end of its input (the password, without a terminal).
            fail("saisie interrompue : rien n'a été fait", code=1)


def _usage_code(error: ClickException) -> int:
    # A file that cannot be opened is bad input too (click says 1).
    return 2 if isinstance(error, UsageError | FileError) else error.exit_code


def _did_you_mean(matches: Iterable[str]) -> str:
    """Click's or difflib's close matches as a French suggestion, or nothing."""
    names = list(matches)
    return f" (vouliez-vous dire {' ou '.join(names)} ?)" if names else ""


def _param_name(param: Parameter | None) -> str:
    """The option as typed (`--output` rather than `-o`), or the argument's metavar."""
    if param is None:
        return "valeur"
    if isinstance(param, TyperArgument):
        return param.metavar or (param.name or "argument").upper()
    long = [opt for opt in param.opts if opt.startswith("--")]
    return (long or param.opts or [param.name or "option"])[0]


def _number(value: object) -> str:
    """A bound written the French way: 0,1 and 3600."""
    return f"{value:g}".replace(".", ",") if isinstance(value, int | float) else str(value)


def _quoted(value: object) -> str:
    return f"« {' '.join(str(value).split())} »"


def _bounds(
    low: object, high: object, *, strict_low: bool = False, strict_high: bool = False
) -> str:
    """The allowed range of a number, in words."""
    if low is not None and high is not None and not strict_low and not strict_high:
        return f"doit être entre {_number(low)} et {_number(high)}"
    above = f"{'supérieur à' if strict_low else 'au moins égal à'} {_number(low)}"
    below = f"{'inférieur à' if strict_high else 'au plus'} {_number(high)}"
    if low is not None and high is not None:
        return f"doit être {above} et {below}"
    return f"doit être {above if low is not None else below}"


_NUMBER_KINDS = {"float_parsing": "un nombre", "float_type": "un nombre"} | dict.fromkeys(
    ("int_parsing", "int_type", "int_from_float", "int_parsing_size"), "un nombre entier"
)


def _pydantic_rule(
    detail: ErrorDetails,
    *,
    low: object = None,
    high: object = None,
    strict_low: bool = False,
    strict_high: bool = False,
) -> str | None:
    """The broken rule of one pydantic error, in French, starting with the value when it
    helps; `low` and `high` are the parameter's bounds (one sentence for a range). None when the
    error type is not one of the common ones."""
    kind, value, context = detail["type"], detail.get("input"), detail.get("ctx") or {}
    if kind in _NUMBER_KINDS:
        return f"{_quoted(value)} n'est pas {_NUMBER_KINDS[kind]}"
    if kind in ("bool_parsing", "bool_type"):
        return (
            f"{_quoted(value)} n'est pas un booléen : true ou false, 1 ou 0, yes ou no, on ou off"
        )
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        if low is None and high is None:
            bound = next(iter(context.values()), "?")
            rule = {
                "greater_than": f"doit être supérieur à {_number(bound)}",
                "greater_than_equal": f"doit être au moins égal à {_number(bound)}",
                "less_than": f"doit être inférieur à {_number(bound)}",
                "less_than_equal": f"doit être au plus {_number(bound)}",
            }[kind]
        else:
            rule = _bounds(low, high, strict_low=strict_low, strict_high=strict_high)
        return f"{_quoted(value)} : {rule}"
    if kind == "literal_error":
        return f"{_quoted(value)} : valeurs possibles : {context.get('expected', '?')}"
    if kind == "missing":
        return "valeur obligatoire manquante"
    if kind in ("datetime_parsing", "datetime_from_date_parsing", "datetime_type"):
        return f"{_quoted(value)} n'est pas une date comme 2026-11-30 ou 2026-11-30T08:00"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return f"{_quoted(value)} n'est pas une date comme 2026-11-30"
    if kind == "url_scheme":
        schemes = context.get("expected_schemes", "?")
        return f"{_quoted(value)} : schéma d'URL non admis (attendu : {schemes})"
    if kind.startswith("url_") or kind == "url":
        return f"{_quoted(value)} n'est pas une URL valide"
    if kind in ("string_too_long", "too_long"):
        return f"{_quoted(value)} : trop long (au plus {context.get('max_length', '?')})"
    if kind in ("string_too_short", "too_short"):
        return f"{_quoted(value)} : trop court (au moins {context.get('min_length', '?')})"
    return None


# Typer's own checks of a path parameter (`exists=`, `dir_okay=`, …), by message.
_PATH_RULE = re.compile(
    r"(?P<kind>file|dir|path) '(?P<path>.*)' "
    r"(?P<rule>does not exist|is a file|is a directory|is not readable|is not writable)\.",
    re.S,
)
_PATH_KINDS = {"file": "fichier", "dir": "dossier", "path": "chemin"}
_PATH_RULES = {
    "does not exist": "{kind} introuvable : {path}",
    "is a file": "{path} est un fichier, pas un dossier",
    "is a directory": "{path} est un dossier, pas un fichier",
    "is not readable": "pas le droit de lire {path}",
    "is not writable": "pas le droit d'écrire {path}",
}


def _bad_value(error: BadParameter) -> str:
    """What is wrong with the value of one parameter, in French."""
    from pydantic import ValidationError  # typer validates values with it: already loaded

    param = error.param
    cause = error.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        detail = cause.errors()[0]
        info = param.type_descriptor if isinstance(param, TyperArgument | TyperOption) else None
        low = info.parameter_info.min if info else None
        high = info.parameter_info.max if info else None
        if info is not None and info.is_choice and detail["type"] == "value_error":
            choices = ", ".join(str(getattr(c, "value", c)) for c in info.choices or ())
            return f"{_quoted(detail.get('input'))} : valeurs possibles : {choices}"
        if info is not None and info.is_datetime and detail["type"] == "value_error":
            sample = datetime(2026, 11, 30, 8, 0)  # noqa: DTZ001 - only shows the formats
            formats = " ou ".join(sample.strftime(f) for f in info.parameter_info.formats or ())
            return f"{_quoted(detail.get('input'))} n'est pas une date comme {formats}"
        rule = _pydantic_rule(detail, low=low, high=high)
        if rule is not None:
            return rule
        return f"valeur refusée ({' '.join(str(detail['msg']).split())})"
    path = _PATH_RULE.fullmatch(error.message)
    if path:
        kind = _PATH_KINDS[path["kind"]]
        return _PATH_RULES[path["rule"]].format(kind=kind, path=path["path"])
    if isinstance(cause, OSError) and cause.filename is not None:
        return f"ouverture impossible de {os.fsdecode(cause.filename)} : {_os_reason(cause)}"
    return f"valeur refusée ({' '.join(error.message.split())})"


_OS_REASONS = {
    errno.ENOENT: "fichier introuvable",
    errno.EACCES: "permission refusée",
    errno.EPERM: "permission refusée",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.ENOSPC: "plus de place sur le disque",
    errno.EROFS: "système de fichiers en lecture seule",
}


def _os_reason(error: OSError) -> str:
    """Why a file could not be read or written, in French when the cause is a common one."""
    return _OS_REASONS.get(error.errno or 0) or error.strerror or str(error)


_OPTION_USAGE = (
    (re.compile(r"Option '(.*)' requires an argument\."), "{} : une valeur est attendue"),
    (re.compile(r"Option '(.*)' requires (\d+) arguments\."), "{} : {} valeurs sont attendues"),
    (
        re.compile(r"Option '(.*)' does not take a value\."),
        "{} : cette option ne prend pas de valeur",
    ),
    (re.compile(r"Got unexpected extra argument\(s\) \((.*)\)", re.S), "argument(s) en trop : {}"),
    (re.compile(r"Missing command\."), "commande manquante : partagenda --help les liste"),
    (re.compile(r"No such command '(.*)'\..*", re.S), "commande inconnue : {}"),
)


def _usage_message(error: ClickException) -> str:
    """One French line for a click usage error, naming the option or argument."""
    if isinstance(error, MissingParameter):
        name = _param_name(error.param)
        if isinstance(error.param, TyperArgument):
            return f"{name} : argument obligatoire manquant"
        return f"{name} : option obligatoire manquante"
    if isinstance(error, NoSuchOption):
        suggestion = _did_you_mean(sorted(error.possibilities or ()))
        return f"option inconnue : {error.option_name}{suggestion}"
    if isinstance(error, BadParameter):
        return f"{_param_name(error.param)} : {_bad_value(error)}"
    if isinstance(error, FileError):
        return f"{error.filename} : ouverture impossible ({error.message})"
    for pattern, template in _OPTION_USAGE:
        match = pattern.fullmatch(error.message)
        if match:
            return template.format(*match.groups())
    return f"utilisation incorrecte ({' '.join(error.format_message().split())})"


Deterministic = Annotated[
    bool,
    typer.Option(
        help="One worker and a fixed seed: the same rota every time; --time-limit is then "
        "deterministic time."
    ),
]
"""The --deterministic flag of `solve` and `plan`."""

app = typer.Typer(
    name="partagenda",
    help="Plan shared medical assistants' rotas, publish calendar feeds and allocation reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_OneLineErrors,
)


@cache
def _stdout() -> Console:
    """The console on standard output, built on first use (Rich is not needed to solve a file)."""
    from rich.console import Console

    return Console()


@cache
def _stderr() -> Console:
    """The console on standard error, built on first use."""
    from rich.console import Console

    return Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line on stderr and exit."""
    line = " ".join(message.split())
    _stderr().print(f"partagenda: {line}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(code)


def _settings() -> Settings:
    """The settings, or one French line naming the first bad `PARTAGENDA_*` variable."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from scheduler.config import get_settings

    try:
        return get_settings()
    except ValidationError as error:
        more = f" (et {error.error_count() - 1} autre(s))" if error.error_count() > 1 else ""
        fail(f"{_settings_message(error.errors()[0])}{more}")
    except SettingsError as error:
        # pydantic-settings could not even decode the value (a list that is not JSON).
        field = re.search(r'field "(\w+)"', str(error))
        name = f"PARTAGENDA_{field[1].upper()}" if field else "configuration"
        fail(
            f'{name} : valeur illisible : une liste JSON est attendue, par exemple ["pdf", "json"]'
        )


# What the validators of `Settings` check, by field: their own messages are English.
_SETTINGS_RULES = {
    "database_url": "doit être une URL SQLite ou PostgreSQL (sqlite:///… ou postgresql://…)",
    "timezone": "fuseau horaire inconnu (un nom IANA comme Europe/Paris)",
    "plan_day": "jour inconnu : mon, tue, wed, thu, fri, sat ou sun",
    "review_day": "jour inconnu : mon, tue, wed, thu, fri, sat ou sun",
    "report_formats": "format de rapport inconnu : pdf, csv ou json",
    "rate_limit_storage": "stockage inconnu : memory:// ou redis://hôte:6379/0",
    "metrics_address": "attendu hôte:port, par exemple 127.0.0.1:9108",
}
# Settings whose value is a secret: an error names the variable and the rule, never the value.
_SECRET_SETTINGS = frozenset({"secret_key", "metrics_token"})


def _settings_message(detail: ErrorDetails) -> str:
    """One French sentence for one settings error, naming the variable."""
    from scheduler.config import Settings

    field = str(detail["loc"][0]) if detail["loc"] else ""
    if not field:
        if "plan_run_stale_after_s" in detail["msg"]:
            return (
                "PARTAGENDA_PLAN_RUN_STALE_AFTER_S : doit valoir au moins 3 fois "
                "PARTAGENDA_PLAN_RUN_HEARTBEAT_S"
            )
        return f"configuration : réglages incohérents ({' '.join(detail['msg'].split())})"
    name = f"PARTAGENDA_{field.upper()}"
    if field in _SECRET_SETTINGS:
        detail = {**detail, "input": "[masqué]"}
    value = detail.get("input")
    if detail["type"] == "value_error" and field in _SETTINGS_RULES:
        return f"{name} : {_quoted(value)} : {_SETTINGS_RULES[field]}"
    bounds: dict[str, object] = {}
    info = Settings.model_fields.get(field)
    for constraint in info.metadata if info else ():
        for attribute in ("gt", "ge", "lt", "le"):
            if getattr(constraint, attribute, None) is not None:
                bounds[attribute] = getattr(constraint, attribute)
    rule = _pydantic_rule(
        detail,
        low=bounds.get("gt", bounds.get("ge")),
        high=bounds.get("lt", bounds.get("le")),
        strict_low="gt" in bounds,
        strict_high="lt" in bounds,
    )
    if rule is not None:
        return f"{name} : {rule}"
    return f"{name} : valeur refusée ({' '.join(str(detail['msg']).split())})"


def _engine(settings: Settings, *, migrated: bool = True) -> Engine:
    """An engine on a database that answers (and, when `migrated`, has the schema)."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import ArgumentError, DBAPIError

    from scheduler.db import make_engine

    try:
        where = _safe_url(settings.database_url)
        engine = make_engine(settings.database_url)
    except (ArgumentError, ValueError) as error:
        fail(f"PARTAGENDA_DATABASE_URL : URL illisible ({error})")
    try:
        with engine.connect() as connection:
            has_schema = inspect(connection).has_table("alembic_version")
    except DBAPIError as error:
        engine.dispose()
        reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
        fail(
            f"PARTAGENDA_DATABASE_URL : base de données {where} injoignable ou illisible : {reason}"
        )
    if migrated and not has_schema:
        engine.dispose()
        fail(
            f"PARTAGENDA_DATABASE_URL : la base {where} n'a pas de schéma : lancez partagenda migrate"
        )
    return engine


@contextmanager
def _session(settings: Settings, fields: Mapping[str, str] | None = None) -> Iterator[Session]:
    """A unit of work; a domain error ends the command with its message, naming the option
    (`fields` maps an error's field to the option that carries it)."""
    from scheduler.db import make_session_factory
    from scheduler.errors import PartagendaError
    from scheduler.uow import unit_of_work

    engine = _engine(settings)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            yield session
    except PartagendaError as error:
        field = getattr(error, "field", None)
        if fields and isinstance(field, str) and field in fields:
            fail(f"{fields[field]} : {getattr(error, 'message', error)}")
        entity = getattr(error, "entity", None)
        if fields and isinstance(entity, str) and entity in fields:
            fail(f"{fields[entity]} : {error}")
        fail(str(error))
    finally:
        engine.dispose()


_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.IGNORECASE)


def parse_week(value: str) -> date:
    """The Monday of an ISO week written `2026-W49`."""
    match = _WEEK.fullmatch(value.strip())
    if match is None:
        fail(f"--week : « {value} » n'est pas une semaine ISO comme 2026-W49")
    year, week = int(match[1]), int(match[2])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        fail(f"--week : « {value} » : année hors de {FIRST_YEAR} à {LAST_YEAR}")
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        fail(f"--week : « {value} » : l'année {year} n'a pas de semaine {week}")


def _special_file(path: Path) -> bool:
    """True for an existing path that is not a regular file: a device (`/dev/null`), a pipe."""
    try:
        return not stat.S_ISREG(path.stat().st_mode) and not path.is_dir()
    except OSError:
        return False


def _check_output(path: Path | None, option: str = "--output") -> None:
    """Refuse, before any work, an output path that cannot be written."""
    if path is None:
        return
    if path.is_dir():
        fail(f"{option} : {path} est un dossier, pas un fichier")
    if _special_file(path):
        if not os.access(path, os.W_OK):
            fail(f"{option} : pas le droit d'écrire {path}")
        return
    if not path.parent.is_dir():
        fail(f"{option} : le dossier {path.parent} n'existe pas")
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        fail(f"{option} : pas le droit d'écrire {path}")


def _write_file(path: Path, chunks: Iterable[bytes], option: str = "--output") -> None:
    """Write `path` whole or not at all: into a temporary file beside it, renamed at the end.

    A device or a pipe (`-o /dev/null`, `-o /dev/stdout`, a FIFO) is written to directly: renaming
    over it would replace it with a regular file. A link is written through, to the file it names
    (`-o /dev/stdout` with stdout sent to a file links to that file): the link itself stays."""
    if _special_file(path):
        try:
            with path.open("wb") as stream:
                for chunk in chunks:
                    stream.write(chunk)
        except OSError as error:
            fail(f"{option} : écriture impossible de {path} : {_os_reason(error)}")
        return
    path = Path(os.path.realpath(path))
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
        try:
            # Replacing a file keeps its mode: a 0600 export must not come back 0644.
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        fail(f"{option} : écriture impossible de {path} : {_os_reason(error)}")
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _groupement(session: Session, slug: str | None) -> models.Groupement:
    from sqlalchemy import select

    from scheduler import models

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
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]Résolution"),
        BarColumn(),
        TextColumn("{task.fields[figures]}"),
        TimeElapsedColumn(),
        console=_stderr(),
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
    settings = _settings()
    _migrate(settings)
    _stdout().print(f"Base de données à jour : {_safe_url(settings.database_url)}")


@app.command("load-demo")
def load_demo_command() -> None:
    """Load the demo groupement (once) into the configured database."""
    from scheduler.demo import demo_loaded, load_demo

    settings = _settings()
    _migrate(settings)
    with _session(settings) as session:
        if demo_loaded(session):
            _stdout().print("Le groupement de démonstration est déjà chargé.")
            return
        groupement = load_demo(session)
        _stdout().print(f"Groupement de démonstration chargé : {groupement.name}")


@app.command("create-groupement")
def create_groupement_command(
    slug: Annotated[str, typer.Option(help="Short identifier, e.g. val-de-moselle.")],
    name: Annotated[str, typer.Option(help="Full name of the groupement.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "Europe/Paris",
) -> None:
    """Create a groupement (the tenant); then create its first coordinator."""
    from scheduler.services.resources import create_groupement

    settings = _settings()
    fields = {"slug": "--slug", "name": "--name", "timezone": "--timezone", "groupement": "--slug"}
    with _session(settings, fields) as session:
        groupement = create_groupement(session, slug, name, timezone)
        _stdout().print(f"Groupement créé : {groupement.slug}")


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


@app.command("create-coordinator")
def create_coordinator(
    groupement: Annotated[str, typer.Option(help="Slug of the groupement.")],
    email: Annotated[str, typer.Option(help="Sign-in e-mail address.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of standard input (scripts); "
            "otherwise it is asked on the terminal.",
        ),
    ] = False,
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
    email: Annotated[str, typer.Option(help="Sign-in e-mail address.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of standard input (scripts); "
            "otherwise it is asked on the terminal.",
        ),
    ] = False,
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
    settings = _settings()
    fields = {
        "email": "--email",
        "password": "mot de passe",
        "groupement": "--groupement",
        "user": "--email",
    }
    with _session(settings, fields) as session:
        user = create_user(session, groupement, email, name.strip(), password, role)
        _stdout().print(f"{created} créé : {user.email}")


@app.command("grant-contract")
def grant_contract_command(
    email: Annotated[str, typer.Option(help="Sign-in e-mail address of the auditor.")],
    groupement: Annotated[str, typer.Option(help="Slug of the contract's groupement.")],
    contract: Annotated[str, typer.Option(help="Code of the contract.")],
) -> None:
    """Grant an auditor a contract of any groupement: she reads its figures and reports."""
    from scheduler.auth import grant_contract

    settings = _settings()
    fields = {"email": "--email", "utilisateur": "--email", "contrat": "--contract"}
    with _session(settings, fields) as session:
        grant_contract(session, email, groupement, contract)
        _stdout().print(f"Contrat {contract} ({groupement}) accordé à {email.strip()}")


@app.command("unlock-user")
def unlock_user_command(
    email: Annotated[str, typer.Option(help="Sign-in e-mail address of the locked user.")],
) -> None:
    """Lift a user's sign-in lock (after too many wrong passwords) and clear the failures."""
    from scheduler.auth import find_user_by_email, unlock_user

    settings = _settings()
    with _session(settings, {"utilisateur": "--email"}) as session:
        user = unlock_user(session, find_user_by_email(session, email).id)
        _stdout().print(f"Utilisateur débloqué : {user.email}")


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

    _check_output(output)
    try:
        raw = read_document_file(instance_path)
    except OSError as error:
        fail(f"INSTANCE.json : lecture impossible de {instance_path} : {_os_reason(error)}")
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
        _write_file(output, [document.encode("utf-8")])
    if rota.status == sm.Status.INFEASIBLE:
        for line in rota.explanation:
            _stderr().print(line, markup=False, highlight=False)
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
    settings = _settings()
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
            release_reads=True,  # no transaction held through the solve: others write meanwhile
        )
        _print_rota(rota)
        if rota.solver_status not in ("optimal", "feasible"):
            for line in rota.explanation:
                _stderr().print(line, markup=False, highlight=False)
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
    from sqlalchemy import select

    from scheduler import models
    from scheduler.planning import publish_rota

    start = parse_week(week)
    settings = _settings()
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
        _stdout().print(f"Planning {week} publié (révision {rota.revision}).")


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
    _check_output(output)
    settings = _settings()
    with _session(settings, {"contrat": "CONTRACT"}) as session:
        try:
            body = write_report(session, contract, period, fmt)
        except InvalidPeriod as error:
            fail(f"--period : {error}")
    if output is None:
        sys.stdout.buffer.write(body)
    else:
        _write_file(output, [body])


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
        fail(f"FILE.csv : lecture impossible de {csv_path} : {_os_reason(error)}")
    settings = _settings()
    with _session(settings) as session:
        target = _groupement(session, groupement)
        count = import_snapshots(session, None, data, groupement_id=target.id)
        _stdout().print(f"{count} relevé(s) importé(s).")


@app.command("export-national")
def export_national(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="CSV file (else stdout).")
    ] = None,
) -> None:
    """Stream the national CSV for the Assurance maladie: every contract, member and week."""
    from scheduler.reports import national_export_lines

    _check_output(output)
    settings = _settings()
    with _session(settings) as session:
        lines = national_export_lines(session)
        if output is None:
            for line in lines:
                sys.stdout.write(line)
        else:
            _write_file(output, (line.encode("utf-8") for line in lines))


# --- Processes ---------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Serve the API and the web pages with uvicorn."""
    import uvicorn

    from scheduler.config import Settings
    from scheduler.observability import logging_config

    settings = _settings()
    if settings.secret_key == Settings.model_fields["secret_key"].default:
        _stderr().print(
            "partagenda: attention : PARTAGENDA_SECRET_KEY n'est pas défini ; les jetons sont "
            "signés avec la clé de développement. Définissez-la avant toute mise en service.",
            markup=False,
            highlight=False,
        )

    if settings.metrics_address is not None:
        from scheduler.observability import serve_metrics

        try:
            serve_metrics(settings.metrics_address)
        except OSError as error:
            fail(f"PARTAGENDA_METRICS_ADDRESS : {settings.metrics_address} : {_os_reason(error)}")
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        proxy_headers=True,
        log_config=logging_config(json_lines=settings.log_json),
    )


@app.command("scheduler")
def scheduler_command() -> None:
    """Run the jobs process (APScheduler): weekly planning, plan runs, feeds, reports."""
    from scheduler.jobs import run_scheduler

    settings = _settings()
    _engine(settings).dispose()  # one readable line when the database is not there
    run_scheduler(settings)


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
    from sqlalchemy import select

    from scheduler import models, uow
    from scheduler.demo import demo_loaded, load_demo
    from scheduler.planning import plan_period, publish_rota

    settings = _settings()
    _migrate(settings)
    output_dir = settings.output_dir
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(
            f"PARTAGENDA_OUTPUT_DIR : dossier {output_dir} impossible à créer : {_os_reason(error)}"
        )
    if not os.access(output_dir, os.W_OK):
        fail(f"PARTAGENDA_OUTPUT_DIR : pas le droit d'écrire dans {output_dir}")
    today = datetime.now(UTC).date()
    first = today + timedelta(days=7 - today.weekday())
    summary: list[dict[str, Any]] = []
    with _session(settings) as session:
        if not demo_loaded(session):
            load_demo(session)
            _stdout().print("Groupement de démonstration chargé.")
        uow.commit(session)
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
    _stdout().print(table)


def _print_summary(summary: list[dict[str, Any]], files: list[Path], settings: Settings) -> None:
    from rich.table import Table

    table = Table(title="Plannings publiés")
    for column in ("Semaine", "Solveur", "Statut", "Objectif", "Borne", "Affect.", "Trajets"):
        table.add_column(column)
    for item in summary:
        table.add_row(*item["row"])
    _stdout().print(table)
    if summary:
        minutes = Table(title=f"Minutes par cabinet, semaine {summary[0]['week']}")
        minutes.add_column("Contrat")
        minutes.add_column("Cabinet")
        minutes.add_column("Minutes", justify="right")
        for contract, per in sorted(summary[0]["minutes"].items()):
            for cabinet, value in sorted(per.items()):
                minutes.add_row(contract, cabinet, str(value))
        _stdout().print(minutes)
    _stdout().print(f"{len(summary) + len(files)} fichiers écrits sous {settings.output_dir}/ :")
    for item in summary:
        _stdout().print(f"  {item['path']}", highlight=False)
    for path in files:
        _stdout().print(f"  {path}", highlight=False)
    _stdout().print(f"Base de données : {_safe_url(settings.database_url)}", highlight=False)
    _stdout().print(
        "Pour démarrer le serveur : .venv/bin/partagenda serve (puis http://127.0.0.1:8000/)",
        highlight=False,
        soft_wrap=True,  # one line to copy, even when the output is not a terminal
    )


def _migrate(settings: Settings) -> None:
    """Bring the database to the latest schema, once it answers."""
    from scheduler.migrations import upgrade_to_head

    _engine(settings, migrated=False).dispose()
    upgrade_to_head(settings.database_url)


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _safe_url(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """Entry point that never shows a traceback for a domain error."""
    app()
