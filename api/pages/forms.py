"""The set-up pages' forms: what a person types read into the API's request schemas, and every
refusal (the schema's or the resource service's) as a French message next to its input.

The rules stay where they are: the schemas of `api.schemas` check the shape of each value, the
resource services (`scheduler.services.resources`) the rest. This module only reads form text
(times as `8:30`, weekly windows as `08:00-12:00, 14:00-18:00`, French decimals) and words the
refusals for the field that the person sees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from scheduler import french
from scheduler.errors import (
    DuplicateResource,
    InvalidField,
    NotFound,
    PartagendaError,
    PreconditionFailed,
    ResourceInUse,
)

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")

FORM = "form"
"""The key of a message that concerns the whole form (shown above it)."""

WEEKDAYS = tuple(range(7))
_CLOCK = re.compile(r"\s*(\d{1,2})\s*(?:[:hH]\s*(\d{2})?)?\s*")
_WINDOW = re.compile(r"\s*([^-–]+?)\s*[-–]\s*([^-–]+?)\s*")


@dataclass(frozen=True)
class Labels:
    """The inputs of a form: each schema field's label, the rule its pattern stands for, and
    which inputs stand for the items of a list (a window per line, by index)."""

    names: Mapping[str, str]
    """Schema field -> label, in the order of the form."""
    patterns: Mapping[str, str] = field(default_factory=dict)
    """Schema field -> what its pattern asks for, in French."""
    aliases: Mapping[str, str] = field(default_factory=dict)
    """A service's field name -> the schema field that the form shows it on."""

    def label(self, name: str) -> str:
        return self.names.get(name, name)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def _schema_text(error: Mapping[str, Any], name: str, labels: Labels) -> str:
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind in ("missing", "string_too_short"):
        return "est obligatoire"
    if kind == "string_too_long":
        return f"est trop long ({context.get('max_length', '?')} caractères au plus)"
    if kind == "string_pattern_mismatch":
        return labels.patterns.get(name, "n'a pas la forme attendue")
    if kind in ("decimal_parsing", "decimal_type", "float_parsing"):
        return "doit être un nombre (par exemple 49,1193)"
    if kind in ("decimal_max_digits", "decimal_max_places", "decimal_whole_digits"):
        return "a trop de chiffres (6 décimales au plus)"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "doit être un nombre entier"
    if kind in ("greater_than_equal", "greater_than"):
        return f"doit valoir au moins {context.get('ge', context.get('gt', '?'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"doit valoir au plus {context.get('le', context.get('lt', '?'))}"
    if kind == "date_range":
        first, last = str(context.get("first", "?")), str(context.get("last", "?"))
        return f"est hors des années que Partagenda planifie ({first[:4]} à {last[:4]})"
    if kind.startswith("date"):
        return "n'est pas une date valide (attendu : AAAA-MM-JJ)"
    if kind.startswith("datetime"):
        return "n'est pas une date et une heure valides"
    if kind == "value_error":
        return "doit suivre le début"
    if kind == "too_long":
        return f"a trop d'éléments ({context.get('max_length', '?')} au plus)"
    return "n'est pas valide"


def schema_errors(
    error: ValidationError, labels: Labels, items: Mapping[str, Sequence[str]] | None = None
) -> dict[str, str]:
    """The schema's refusals, one French message per input (the first one for each).

    `items` names, for a list field, the input each of its items came from (`opening` ->
    `opening_0`...): an item's refusal is shown on that input."""
    found: dict[str, str] = {}
    for item in error.errors():
        loc = list(item.get("loc", ()))
        # A rule on the whole body (the end after the start) is shown on the input `aliases`
        # names for the form.
        name = str(loc[0]) if loc else labels.aliases.get(FORM, FORM)
        if items and name in items and len(loc) > 1 and isinstance(loc[1], int):
            inputs = items[name]
            where = inputs[loc[1]] if loc[1] < len(inputs) else name
            found.setdefault(
                where,
                f"« {labels.label(where)} » : une plage se termine avant de commencer ou sort "
                "de la journée (attendu : 08:00-12:00, la fin après le début).",
            )
            continue
        found.setdefault(name, f"« {labels.label(name)} » {_schema_text(item, name, labels)}.")
    return found


def validate(
    schema: type[M],
    data: Mapping[str, Any],
    labels: Labels,
    items: Mapping[str, Sequence[str]] | None = None,
) -> tuple[M | None, dict[str, str]]:
    """`data` as the API's `schema` reads it, or the French message of each refused input."""
    try:
        return schema.model_validate(dict(data)), {}
    except ValidationError as error:
        return None, schema_errors(error, labels, items)


@dataclass(frozen=True)
class Wording:
    """How a form names its row in the messages of a stale change or a refused deletion."""

    stale: str
    """The start of the stale form's message, agreed with its subject: `Ce cabinet a été
    modifié`."""
    in_use: str = ""
    """Why the row cannot be deleted, in full."""
    duplicate_field: str = "code"
    """The input a duplicate natural key is shown on."""


def service_errors(error: PartagendaError, labels: Labels, wording: Wording) -> dict[str, str]:
    """A resource service's refusal as the message of the input it names (else of the form)."""
    if isinstance(error, PreconditionFailed):
        return {
            FORM: f"{wording.stale} par quelqu'un d'autre depuis l'ouverture de "
            "cette page : vos changements n'ont pas été enregistrés. Rechargez la page pour voir "
            "la version actuelle, puis refaites-les."
        }
    if isinstance(error, ResourceInUse):
        return {FORM: wording.in_use or _sentence(str(error))}
    if isinstance(error, DuplicateResource):
        return {
            wording.duplicate_field: f"« {labels.label(wording.duplicate_field)} » est déjà "
            "pris par un autre élément du groupement."
        }
    if isinstance(error, InvalidField | NotFound) and getattr(error, "field", None):
        name = str(error.field).split(".")[-1]
        name = labels.aliases.get(name, name)
        if name in labels.names:
            message = str(getattr(error, "message", error))
            # The service names other fields by their API names: the page says their labels.
            for other, label in labels.names.items():
                message = re.sub(rf"\b{re.escape(other)}\b", f"« {label} »", message)
            for other, shown in labels.aliases.items():
                message = re.sub(rf"\b{re.escape(other)}\b", f"« {labels.label(shown)} »", message)
            return {name: f"« {labels.label(name)} » {message.rstrip('.')}."}
    return {FORM: _sentence(str(error))}


def attempt(
    call: Callable[[], R], labels: Labels, wording: Wording
) -> tuple[R | None, dict[str, str]]:
    """Run a service's use case: its result, or its refusal as the messages of the form."""
    try:
        return call(), {}
    except PartagendaError as error:
        return None, service_errors(error, labels, wording)


# --- Reading form text ------------------------------------------------------------------------------


def clock_minutes(text: str) -> int | None:
    """`8`, `8h`, `8h30`, `08:30` or `24:00` as minutes after midnight; None when unreadable."""
    match = _CLOCK.fullmatch(text)
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2] or 0)
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def clock_text(minutes: int | None) -> str:
    """Minutes after midnight as a form shows them (`08:30`); empty for None."""
    return "" if minutes is None else french.clock_digits(minutes)


def windows_text(windows: Sequence[Any], weekday: int) -> str:
    """A day's weekly windows as the form shows them: `08:00-12:00, 14:00-18:00`."""
    return ", ".join(
        f"{clock_text(w.start_minute)}-{clock_text(w.end_minute)}"
        for w in sorted(windows, key=lambda w: w.start_minute)
        if w.weekday == weekday
    )


def read_windows(
    texts: Mapping[str, str], prefix: str, labels: Labels
) -> tuple[list[dict[str, Any]], list[str], dict[str, str]]:
    """The weekly windows typed day by day (`{prefix}_0` for Monday...): the windows, the input
    each came from, and the message of each input that does not read as windows."""
    windows: list[dict[str, Any]] = []
    inputs: list[str] = []
    errors: dict[str, str] = {}
    for weekday in WEEKDAYS:
        name = f"{prefix}_{weekday}"
        text = texts.get(name, "").strip()
        if not text:
            continue
        for part in re.split(r"[,;]", text):
            if not part.strip():
                continue
            match = _WINDOW.fullmatch(part)
            start = clock_minutes(match[1]) if match else None
            end = clock_minutes(match[2]) if match else None
            if start is None or end is None:
                errors[name] = (
                    f"« {labels.label(name)} » : « {part.strip()} » n'est pas une plage "
                    "horaire (attendu : 08:00-12:00, plusieurs plages séparées par des virgules)."
                )
                break
            windows.append({"weekday": weekday, "start_minute": start, "end_minute": end})
            inputs.append(name)
    return windows, inputs, errors


def decimal_text(text: str) -> str:
    """A number as a French person types it (`49,1193`) as the schema reads it."""
    return text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")


def whole_number(text: str) -> int | str:
    """A whole number typed in a form, or the text itself (the schema then refuses it)."""
    text = text.strip()
    return int(text) if re.fullmatch(r"-?\d{1,12}", text) else text


def day_labels(prefix: str) -> dict[str, str]:
    """The labels of the day-by-day inputs of weekly windows: `Lundi`..."""
    return {
        f"{prefix}_{weekday}": french.weekday_name(weekday).capitalize() for weekday in WEEKDAYS
    }


def week_summary(windows: Sequence[Any]) -> list[str]:
    """Weekly windows in short, days in a row with the same hours together:
    `["lun.–ven. 08:00-19:00", "sam. 09:00-12:00"]`."""
    days = [(weekday, windows_text(windows, weekday)) for weekday in WEEKDAYS]
    runs: list[tuple[int, int, str]] = []
    for weekday, text in days:
        if text and runs and runs[-1][1] == weekday - 1 and runs[-1][2] == text:
            runs[-1] = (runs[-1][0], weekday, text)
        elif text:
            runs.append((weekday, weekday, text))

    def short(weekday: int) -> str:
        return french.weekday_name(weekday)[:3] + "."

    return [
        f"{short(first)}{'–' + short(last) if last != first else ''} {text}"
        for first, last, text in runs
    ]
