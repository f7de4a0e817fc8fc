"""What the command line says when it stops: one readable French line on stderr, never a traceback.

Usage errors (an unknown option or command, a bad or missing value), bad `PARTAGENDA_*` settings,
files that cannot be read or written and the database's refusals each become one line naming the
option, argument or variable at fault; bad input ends with exit code 2. The database's refusals
are named by the unit of work (`scheduler.uow.translate`); this module only words them.

Only what `solve` needs is imported at the top: Rich, pydantic and the database's errors are
imported where they are used.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable
from datetime import datetime
from difflib import get_close_matches
from functools import cache
from typing import TYPE_CHECKING, Any, NoReturn

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

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails
    from rich.console import Console

    from scheduler.errors import DatabaseRefusal


class OneLineErrors(TyperGroup):
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
    from scheduler.french import plain_number  # only when a bound is broken: `solve` stays lean

    return plain_number(value) if isinstance(value, int | float) else str(value)


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


def pydantic_rule(
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
        rule = pydantic_rule(detail, low=low, high=high)
        if rule is not None:
            return rule
        return f"valeur refusée ({' '.join(str(detail['msg']).split())})"
    path = _PATH_RULE.fullmatch(error.message)
    if path:
        kind = _PATH_KINDS[path["kind"]]
        return _PATH_RULES[path["rule"]].format(kind=kind, path=path["path"])
    if isinstance(cause, OSError) and cause.filename is not None:
        return f"ouverture impossible de {os.fsdecode(cause.filename)} : {os_reason(cause)}"
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


def os_reason(error: OSError) -> str:
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


@cache
def stdout_console() -> Console:
    """The console on standard output, built on first use (Rich is not needed to solve a file)."""
    from rich.console import Console

    return Console()


@cache
def stderr_console() -> Console:
    """The console on standard error, built on first use."""
    from rich.console import Console

    return Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line on stderr and exit."""
    line = " ".join(message.split())
    stderr_console().print(f"partagenda: {line}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(code)


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


def settings_message(detail: ErrorDetails) -> str:
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
    rule = pydantic_rule(
        detail,
        low=bounds.get("gt", bounds.get("ge")),
        high=bounds.get("lt", bounds.get("le")),
        strict_low="gt" in bounds,
        strict_high="lt" in bounds,
    )
    if rule is not None:
        return f"{name} : {rule}"
    return f"{name} : valeur refusée ({' '.join(str(detail['msg']).split())})"


def database_message(refusal: DatabaseRefusal, where: str, cause: BaseException) -> str:
    """One French line for a refusal of the database at `where` (its URL, password hidden), as
    `scheduler.uow.translate` named it; `cause` is the raw error, whose first line says why a
    database could not serve."""
    from scheduler.errors import ChangedMeanwhile, DatabaseUnavailable, DataOutOfRange

    if isinstance(refusal, DatabaseUnavailable):
        raw = str(getattr(cause, "orig", None) or cause).strip()
        reason = raw.splitlines()[0] if raw else ""
        return (
            f"PARTAGENDA_DATABASE_URL : base de données {where} injoignable ou illisible : {reason}"
        )
    if isinstance(refusal, ChangedMeanwhile):
        return "données modifiées entre-temps par ailleurs : relancez la commande"
    if isinstance(refusal, DataOutOfRange):
        return "une valeur dépasse ce que la base de données accepte : rien n'a été fait"
    return "la modification contredit des données existantes : rien n'a été fait"
