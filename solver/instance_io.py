"""Reading and writing the interchange formats `partagenda-instance/1` and `partagenda-rota/1`.

Rules encoded (docs/instance-format-v1.md, documented in full by
`solver/schema/instance.schema.json` and `solver/schema/rota.schema.json`): every field is checked
and every problem is collected with its field path and rule id before `InvalidInstance` is raised;
unknown fields are rejected; times of day become minutes after midnight and shares basis points
(exactly, through `Decimal`); local date-times of leave become aware date-times in the instance's
time zone; the part-time minimum (`rules.min_weekly_contract_minutes`, IDCC 1147) and the horizon
limit (`rules.max_horizon_days`) are checked here, when the instance is read.

Limits, so that no document can make the reader or the planner hang or overflow: a document of at
most 20 MiB (`MAX_DOCUMENT_BYTES`) nested at most 64 levels deep (`MAX_DEPTH`, checked before it is
parsed); number literals of at most 40 characters and exponents within 10^±30 (anything longer is out
of every range and refused with its field's path, without ever being turned into a number); every
whole number within its field's range (minutes within a week, `MAX_MINUTES`); names and ids of at
most 200 characters without control characters or lone surrogates; dates within the years the
service can plan (`solver.model.FIRST_YEAR` to `LAST_YEAR`).

Problem rule ids: `json`, `format`, `type`, `unknown-field`, `required`, `duplicate-id`,
`unknown-id`, `not-member`, `shares-sum`, `share`, `precision`, `minutes`, `time`, `order`,
`weekday`, `timezone`, `slot-minutes`, `horizon`, `date`, `datetime`, `leave`, `travel`,
`weekly-hours`, `part-time-minimum`, `department`, `positive`, `weight`, `places`, `status`,
`size`, `depth`, `range`, `length`, `characters`.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from solver.errors import InvalidInstance, InvalidRota, Problem
from solver.model import (
    BASIS_POINTS,
    FIRST_DAY,
    FIRST_YEAR,
    INSTANCE_FORMAT,
    LAST_DAY,
    LAST_YEAR,
    MAX_NAME_LENGTH,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    ROTA_FORMAT,
    Assignment,
    Assistant,
    AssistantId,
    Break,
    Cabinet,
    CabinetId,
    Change,
    Contract,
    ContractId,
    DatedRequest,
    Instance,
    Leave,
    Preferences,
    Replan,
    Rota,
    Rules,
    Session,
    Status,
    TravelLeg,
    WeeklyWindow,
    Weights,
)
from solver.public_holidays import is_known_department

T = TypeVar("T")

DEFAULT_SLOT_MINUTES = 15
_MISSING: Any = object()
_TIME = re.compile(r"(\d{2}):(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LOCAL_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_RULE_FIELDS = {f.name: f.default for f in fields(Rules)}
_WEIGHT_FIELDS = [f.name for f in fields(Weights)]
_ZERO_ALLOWED_RULES = {"share_tolerance_minutes"}

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
"""Largest instance or rota document read, in bytes (a big groupement's year is far smaller)."""
MAX_DEPTH = 64
"""Deepest nesting of JSON arrays and objects (the format itself needs 6)."""
MAX_MINUTES = MINUTES_PER_WEEK
"""Longest duration in minutes (travel, rules, a week's work, a balance): a week."""
MAX_HORIZON_DAYS = 366
MAX_WEIGHT = 10_000
MAX_PLACES = 50
_MAX_INT64 = 2**63 - 1
_MAX_NUMBER_CHARS = 40
_MAX_EXPONENT = 30
# Control characters (C0, DEL, C1) and lone surrogates (legal as JSON escapes, not as text).
_BAD_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Every byte but the brackets; and braces made brackets, for counting levels.
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_AS_BRACKETS = bytes.maketrans(b"{}", b"[]")
# Upper bounds of the rules that are not minutes (those are at most MAX_MINUTES).
_RULE_MAXIMA = {
    "max_vacations_per_day": 24,
    "average_weeks": 52,
    "max_days_per_week": 7,
    "notice_days": MAX_HORIZON_DAYS,
    "max_horizon_days": MAX_HORIZON_DAYS,
}


@dataclass(frozen=True, slots=True)
class _Enormous:
    """A number literal too long or too large for any field: refused with its field's path."""

    text: str


class _Unreadable(ValueError):
    """A document refused before it is parsed: too large or too deeply nested."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def _printable(text: str, limit: int) -> str:
    """`text` safe on one line of a terminal: control characters and lone surrogates escaped,
    and cut to `limit` characters."""
    shown = _BAD_TEXT.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


# --- The reader: collects problems along field paths -----------------------------------------------


@dataclass(slots=True)
class _Reader:
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: str, rule: str, message: str) -> None:
        # Paths and messages quote the document: a key or value may hold anything.
        self.problems.append(Problem(_printable(path, 300) or "$", rule, _printable(message, 500)))

    def record(
        self, value: object, path: str, required: Sequence[str], optional: Sequence[str] = ()
    ) -> dict[str, Any] | None:
        """The object's fields, after reporting unknown and missing ones; None if not an object."""
        if not isinstance(value, Mapping):
            self.add(path, "type", "un objet JSON est attendu")
            return None
        known = set(required) | set(optional)
        for key in value:
            if key not in known:
                self.add(_key(path, str(key)), "unknown-field", f"champ inconnu « {key} »")
        for key in required:
            if key not in value:
                self.add(_key(path, key), "required", "champ obligatoire manquant")
        return {str(k): v for k, v in value.items() if k in known}

    def array(self, value: object, path: str) -> list[Any] | None:
        if value is _MISSING:
            return None
        if not isinstance(value, list | tuple):
            self.add(path, "type", "une liste est attendue")
            return None
        return list(value)

    def items(
        self, value: object, path: str, read: Callable[[object, str], T | None]
    ) -> list[T] | None:
        """Each item read by `read`; None if the value is not a list or any item is bad."""
        items = self.array(value, path)
        if items is None:
            return None
        result = [read(item, f"{path}[{i}]") for i, item in enumerate(items)]
        if any(item is None for item in result):
            return None
        return [item for item in result if item is not None]

    def string(self, value: object, path: str) -> str | None:
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            self.add(path, "type", "un texte est attendu")
            return None
        return value

    def name(self, value: object, path: str) -> str | None:
        """A name or id: at most MAX_NAME_LENGTH characters, none of them a control character
        or a lone surrogate."""
        text = self.string(value, path)
        if text is None:
            return None
        if len(text) > MAX_NAME_LENGTH:
            self.add(
                path, "length", f"{len(text)} caractères : au plus {MAX_NAME_LENGTH} sont permis"
            )
            return None
        bad = _BAD_TEXT.search(text)
        if bad is not None:
            what = (
                "surrogat isolé"
                if 0xD800 <= ord(bad.group()) <= 0xDFFF
                else "caractère de contrôle"
            )
            self.add(path, "characters", f"{what} U+{ord(bad.group()):04X} interdit")
            return None
        return text

    def ident(self, value: object, path: str) -> str | None:
        text = self.name(value, path)
        if text is not None and not text.strip():
            self.add(path, "type", "un identifiant non vide est attendu")
            return None
        return text

    def enormous(self, value: object, path: str) -> bool:
        """True, after reporting it, for a number literal beyond every range."""
        if not isinstance(value, _Enormous):
            return False
        shown = value.text if len(value.text) <= 24 else value.text[:20] + "…"
        self.add(path, "range", f"nombre hors de toute limite : « {shown} »")
        return True

    def integer(
        self, value: object, path: str, rule: str = "type", maximum: int = _MAX_INT64
    ) -> int | None:
        """A whole number of at most `maximum` in absolute value (a larger one is reported with
        the rule `range`)."""
        if value is _MISSING or self.enormous(value, path):
            return None
        number = _integer(value)
        if number is None:
            self.add(path, rule, "un nombre entier est attendu")
        elif abs(number) > maximum:
            self.add(path, "range", f"un nombre entier de -{maximum} à {maximum} est attendu")
            return None
        return number

    def minutes(
        self, value: object, path: str, minimum: int = 0, maximum: int = MAX_MINUTES
    ) -> int | None:
        """A whole number of minutes from `minimum` to `maximum` (a week by default)."""
        if value is _MISSING or self.enormous(value, path):
            return None
        number = _integer(value)
        if number is None or not minimum <= number <= maximum:
            self.add(
                path,
                "minutes",
                f"un nombre entier de minutes de {minimum} à {maximum} est attendu",
            )
            return None
        return number

    def number(self, value: object, path: str) -> Decimal | None:
        if value is _MISSING or self.enormous(value, path):
            return None
        number = _decimal(value)
        if number is None:
            self.add(path, "type", "un nombre est attendu")
        return number

    def weekday(self, value: object, path: str) -> int | None:
        number = self.integer(value, path)
        if number is not None and not 0 <= number <= 6:
            self.add(path, "weekday", "jour de semaine de 0 (lundi) à 6 (dimanche) attendu")
            return None
        return number

    def time(self, value: object, path: str, *, end: bool = False) -> int | None:
        """Minutes after midnight of "HH:MM" (00:00 to 23:59, and 24:00 as an end)."""
        text = self.string(value, path)
        if text is None:
            return None
        match = _TIME.fullmatch(text)
        if match is not None:
            hours, minutes = int(match.group(1)), int(match.group(2))
            if minutes < 60 and (hours < 24 or (end and hours == 24 and minutes == 0)):
                return hours * 60 + minutes
        limit = "24:00" if end else "23:59"
        self.add(path, "time", f"heure « HH:MM » entre 00:00 et {limit} attendue, pas « {text} »")
        return None

    def day(self, value: object, path: str) -> date | None:
        text = self.string(value, path)
        if text is None:
            return None
        if _DATE.fullmatch(text):
            try:
                day = date.fromisoformat(text)
            except ValueError:
                pass
            else:
                return day if self.plannable(day, path, "date") else None
        self.add(path, "date", f"date « AAAA-MM-JJ » attendue, pas « {text} »")
        return None

    def plannable(self, day: date, path: str, rule: str) -> bool:
        """True for a day of the years the service can plan; else reported with `rule`."""
        if FIRST_DAY <= day <= LAST_DAY:
            return True
        self.add(
            path, rule, f"année {day.year} hors des années planifiables {FIRST_YEAR} à {LAST_YEAR}"
        )
        return False

    def local_datetime(self, value: object, path: str, zone: ZoneInfo | None) -> datetime | None:
        """A naive local "YYYY-MM-DDTHH:MM", made aware in the instance's zone."""
        text = self.string(value, path)
        if text is None:
            return None
        if _LOCAL_DATETIME.fullmatch(text):
            try:
                moment = datetime.strptime(text, "%Y-%m-%dT%H:%M")  # noqa: DTZ007 - made aware below
            except ValueError:
                pass
            else:
                if not self.plannable(moment.date(), path, "datetime"):
                    return None
                return moment.replace(tzinfo=zone) if zone is not None else None
        self.add(
            path, "datetime", f"date-heure locale « AAAA-MM-JJTHH:MM » attendue, pas « {text} »"
        )
        return None

    def aware_datetime(self, value: object, path: str, zone: ZoneInfo | None) -> datetime | None:
        """An ISO 8601 date-time with its UTC offset, in the instance's zone."""
        text = self.string(value, path)
        if text is None:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None or "T" not in text:
            self.add(
                path, "datetime", f"date-heure ISO 8601 avec décalage UTC attendue, pas « {text} »"
            )
            return None
        # Checked before converting: a moment of year 9999 would overflow in another zone.
        if not self.plannable(moment.date(), path, "datetime"):
            return None
        return moment.astimezone(zone) if zone is not None else moment


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        try:
            value = Decimal(repr(value))
        except InvalidOperation:
            return None
    if isinstance(value, Decimal) and value.is_finite():
        return value
    return None


def _integer(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = _decimal(value)
    if number is not None and number == number.to_integral_value():
        return int(number)
    return None


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} n'est pas un nombre JSON")


def _parse_int(text: str) -> int | _Enormous:
    return int(text) if len(text) <= _MAX_NUMBER_CHARS else _Enormous(text)


def _parse_float(text: str) -> Decimal | _Enormous:
    if len(text) > _MAX_NUMBER_CHARS:
        return _Enormous(text)
    number = Decimal(text)
    return number if abs(number.adjusted()) <= _MAX_EXPONENT else _Enormous(text)


def _too_deep(data: bytes | str) -> bool:
    """True when the arrays and objects of a JSON text nest more than MAX_DEPTH levels deep.

    Brackets inside strings do not count. Whole-buffer operations only, so that 20 MiB take a
    fraction of a second whatever their shape: escapes dropped, strings cut out, the brackets
    kept, and their running count's peak taken. Unpaired brackets are for `json.loads` to refuse."""
    if isinstance(data, str):
        raw = data.encode("utf-8", "surrogatepass")
    else:
        encoding = json.detect_encoding(data)
        raw = data if encoding.startswith("utf-8") else data.decode(encoding).encode("utf-8")
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside = b"".join(unescaped.split(b'"')[::2])
    brackets = outside.translate(_AS_BRACKETS, _NOT_BRACKETS)
    if not brackets:
        return False
    # "[" is 91 and "]" 93: one level up, one level down.
    steps = np.int8(92) - np.frombuffer(brackets, dtype=np.int8)
    return int(np.cumsum(steps, dtype=np.int32).max()) > MAX_DEPTH


def _load_json(data: bytes | str) -> object:
    """The decoded document; `_Unreadable` when too large or too deep, ValueError when not JSON.

    Numbers are exact (`Decimal`); a literal beyond every range stays an `_Enormous`."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _Unreadable(
            "size", f"document de plus de {MAX_DOCUMENT_BYTES // (1024 * 1024)} Mio refusé"
        )
    too_deep = _Unreadable("depth", f"plus de {MAX_DEPTH} niveaux de listes et d'objets imbriqués")
    if _too_deep(data):
        raise too_deep
    try:
        return json.loads(
            data, parse_float=_parse_float, parse_int=_parse_int, parse_constant=_reject_constant
        )
    except RecursionError as error:  # unpaired brackets, thousands deep
        raise too_deep from error


def _read_document(data: bytes | str) -> object:
    """`_load_json`, its refusals as one problem of the whole document (`$`)."""
    try:
        return _load_json(data)
    except _Unreadable as error:
        raise _Refused(Problem("$", error.rule, str(error))) from error
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError and NaN are ValueErrors
        message = _printable(f"JSON illisible : {error}", 500)
        raise _Refused(Problem("$", "json", message)) from error


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


# --- Instance --------------------------------------------------------------------------------------


def read_document_file(path: str | Path) -> bytes:
    """The bytes of an instance or rota file, read up to one byte past `MAX_DOCUMENT_BYTES`
    (an endless one, `/dev/zero`, is refused at once by `parse_instance`); raises OSError."""
    with Path(path).open("rb") as stream:
        return stream.read(MAX_DOCUMENT_BYTES + 1)


def load_instance(path: str | Path) -> Instance:
    """Read an instance file (`partagenda-instance/1`); raises InvalidInstance and OSError."""
    return parse_instance(read_document_file(path))


def parse_instance(data: bytes | str | Mapping[str, Any]) -> Instance:
    """Read a `partagenda-instance/1` document into an Instance.

    Parameters:
        data: the JSON text (bytes or str) or the already decoded JSON object.

    Returns:
        The instance, with times of day in minutes, shares in basis points and leave as aware
        local date-times.

    Raises:
        InvalidInstance: listing every problem found, each with its field path and rule id.
    """
    if isinstance(data, bytes | str):
        try:
            document = _read_document(data)
        except _Refused as error:
            raise InvalidInstance([error.problem]) from error
    else:
        document = data
    reader = _Reader()
    instance = _read_instance(reader, document)
    if reader.problems or instance is None:
        raise InvalidInstance(reader.problems or [Problem("$", "type", "instance illisible")])
    return instance


@dataclass(slots=True)
class _Ids:
    assistants: set[str] = field(default_factory=set)
    cabinets: set[str] = field(default_factory=set)
    contracts: set[str] = field(default_factory=set)


def _read_instance(r: _Reader, document: object) -> Instance | None:
    top = r.record(
        document,
        "",
        ("format", "timezone", "start", "days", "assistants", "cabinets", "contracts"),
        ("slot_minutes", "travel_minutes", "rules", "weights", "replan"),
    )
    if top is None:
        return None
    fmt = top.get("format", _MISSING)
    if fmt is not _MISSING and fmt != INSTANCE_FORMAT:
        r.add("format", "format", f"format « {INSTANCE_FORMAT} » attendu, pas « {fmt} »")
    zone = _read_zone(r, top.get("timezone", _MISSING))
    start = r.day(top.get("start", _MISSING), "start")
    slot = _read_slot(r, top.get("slot_minutes", DEFAULT_SLOT_MINUTES))
    rules = _read_rules(r, top.get("rules", {}))
    days = _read_days(r, top.get("days", _MISSING), rules)
    weights = _read_weights(r, top.get("weights", {}))

    ids = _Ids()
    cabinets = _read_unique(
        r, top.get("cabinets", _MISSING), "cabinets", ids.cabinets, _read_cabinet_with(r)
    )
    assistants = _read_unique(
        r,
        top.get("assistants", _MISSING),
        "assistants",
        ids.assistants,
        lambda value, path: _read_assistant(r, value, path, zone),
    )
    contracts = _read_unique(
        r,
        top.get("contracts", _MISSING),
        "contracts",
        ids.contracts,
        lambda value, path: _read_contract(r, value, path, ids, rules),
    )
    travel = _read_travel(r, top.get("travel_minutes", []), ids)
    replan = _read_replan(r, top.get("replan", {}), ids, zone)
    if start is not None and days is not None:
        r.plannable(start + timedelta(days=days - 1), "days", "horizon")
    _check_part_time(r, top, contracts, rules)
    if (
        r.problems
        or zone is None
        or start is None
        or days is None
        or slot is None
        or cabinets is None
        or assistants is None
        or contracts is None
        or travel is None
        or replan is None
        or weights is None
    ):
        return None
    return Instance(
        timezone=zone.key,
        start=start,
        days=days,
        slot_minutes=slot,
        assistants=tuple(assistants),
        cabinets=tuple(cabinets),
        contracts=tuple(contracts),
        travel_minutes=travel,
        rules=rules,
        weights=weights,
        replan=replan,
    )


def _read_zone(r: _Reader, value: object) -> ZoneInfo | None:
    name = r.string(value, "timezone")
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        r.add(
            "timezone", "timezone", f"fuseau horaire inconnu « {name} » (par ex. « Europe/Paris »)"
        )
        return None


def _read_slot(r: _Reader, value: object) -> int | None:
    slot = r.integer(value, "slot_minutes")
    if slot is not None and (slot <= 0 or 60 % slot != 0):
        r.add("slot_minutes", "slot-minutes", f"le pas doit diviser 60 minutes, pas {slot}")
        return None
    return slot


def _read_days(r: _Reader, value: object, rules: Rules) -> int | None:
    days = r.integer(value, "days")
    if days is None:
        return None
    if days < 1:
        r.add("days", "horizon", "au moins 1 jour à planifier")
        return None
    if days > rules.max_horizon_days:
        r.add(
            "days", "horizon", f"horizon trop long : {days} jours, au plus {rules.max_horizon_days}"
        )
        return None
    return days


def _read_rules(r: _Reader, value: object) -> Rules:
    """The overridden rules; bad values are reported and replaced by defaults."""
    given = r.record(value, "rules", (), tuple(_RULE_FIELDS))
    if not given:
        return Rules()
    chosen: dict[str, Any] = {}
    for name, raw in given.items():
        path = f"rules.{name}"
        if isinstance(_RULE_FIELDS[name], bool):
            if isinstance(raw, bool):
                chosen[name] = raw
            else:
                r.add(path, "type", "vrai ou faux attendu")
            continue
        number = r.integer(raw, path)
        if number is None:
            continue
        minimum = 0 if name in _ZERO_ALLOWED_RULES else 1
        maximum = _RULE_MAXIMA.get(name, MAX_MINUTES)
        if number < minimum:
            r.add(path, "positive", f"la valeur doit être au moins {minimum}, pas {number}")
            continue
        if number > maximum:
            r.add(path, "range", f"la valeur doit être au plus {maximum}, pas {number}")
            continue
        chosen[name] = number
    return Rules(**chosen)


def _read_weights(r: _Reader, value: object) -> Weights | None:
    given = r.record(value, "weights", (), _WEIGHT_FIELDS)
    if given is None:
        return None
    chosen: dict[str, int] = {}
    for name, raw in given.items():
        number = _read_weight(r, raw, f"weights.{name}")
        if number is not None:
            chosen[name] = number
    return Weights(**chosen)


def _read_weight(r: _Reader, value: object, path: str) -> int | None:
    if r.enormous(value, path):
        return None
    number = _integer(value)
    if number is None or not 0 <= number <= MAX_WEIGHT:
        r.add(path, "weight", f"un poids entier de 0 à {MAX_WEIGHT} est attendu")
        return None
    return number


def _read_unique(
    r: _Reader,
    value: object,
    path: str,
    seen: set[str],
    read: Callable[[object, str], T | None],
) -> list[T] | None:
    """The list's items, recording each item's `id` in `seen` and reporting duplicates."""
    items = r.array(value, path)
    if items is None:
        return None
    result: list[T | None] = []
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]"
        raw_id = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(raw_id, str):
            if raw_id in seen:
                r.add(f"{item_path}.id", "duplicate-id", f"identifiant « {raw_id} » déjà utilisé")
            seen.add(raw_id)
        result.append(read(item, item_path))
    if any(item is None for item in result):
        return None
    return [item for item in result if item is not None]


def _read_window(r: _Reader, value: object, path: str) -> WeeklyWindow | None:
    obj = r.record(value, path, ("weekday", "start", "end"))
    if obj is None:
        return None
    weekday = r.weekday(obj.get("weekday", _MISSING), f"{path}.weekday")
    span = _read_span(r, obj, path)
    if weekday is None or span is None:
        return None
    return WeeklyWindow(weekday, *span)


def _read_span(r: _Reader, obj: Mapping[str, Any], path: str) -> tuple[int, int] | None:
    start = r.time(obj.get("start", _MISSING), f"{path}.start")
    end = r.time(obj.get("end", _MISSING), f"{path}.end", end=True)
    if start is None or end is None:
        return None
    if end <= start:
        r.add(f"{path}.end", "order", "la fin doit suivre le début")
        return None
    return start, end


def _read_assistant(
    r: _Reader, value: object, path: str, zone: ZoneInfo | None
) -> Assistant | None:
    obj = r.record(
        value,
        path,
        ("id", "availability"),
        ("name", "leave", "preferences", "worked_minutes_before"),
    )
    if obj is None:
        return None
    ident = r.ident(obj.get("id", _MISSING), f"{path}.id")
    name = r.name(obj.get("name", ident or ""), f"{path}.name")
    availability = r.items(
        obj.get("availability", _MISSING),
        f"{path}.availability",
        lambda v, p: _read_window(r, v, p),
    )
    leave = r.items(obj.get("leave", []), f"{path}.leave", lambda v, p: _read_leave(r, v, p, zone))
    preferences = _read_preferences(r, obj.get("preferences", {}), f"{path}.preferences")
    before = r.items(
        obj.get("worked_minutes_before", []),
        f"{path}.worked_minutes_before",
        lambda v, p: r.minutes(v, p),
    )
    if None in (ident, name, availability, leave, preferences, before):
        return None
    assert ident is not None and name is not None and availability is not None
    assert leave is not None and preferences is not None and before is not None
    return Assistant(
        id=AssistantId(ident),
        name=name,
        availability=tuple(availability),
        leave=tuple(leave),
        preferences=preferences,
        worked_minutes_before=tuple(before),
    )


def _read_leave(r: _Reader, value: object, path: str, zone: ZoneInfo | None) -> Leave | None:
    obj = r.record(value, path, (), ("date", "start", "end"))
    if obj is None:
        return None
    if "date" in obj:
        if "start" in obj or "end" in obj:
            r.add(path, "leave", "un congé donne soit « date », soit « start » et « end »")
            return None
        on = r.day(obj["date"], f"{path}.date")
        if on is None or zone is None:
            return None
        return Leave(
            datetime.combine(on, time(0), tzinfo=zone),
            datetime.combine(on + timedelta(days=1), time(0), tzinfo=zone),
        )
    if "start" not in obj or "end" not in obj:
        r.add(path, "leave", "un congé donne soit « date », soit « start » et « end »")
        return None
    start = r.local_datetime(obj["start"], f"{path}.start", zone)
    end = r.local_datetime(obj["end"], f"{path}.end", zone)
    if start is None or end is None:
        return None
    if end <= start:
        r.add(f"{path}.end", "order", "la fin du congé doit suivre son début")
        return None
    return Leave(start, end, whole_days=start.time() == time(0) and end.time() == time(0))


def _read_preferences(r: _Reader, value: object, path: str) -> Preferences | None:
    obj = r.record(value, path, (), ("days_off", "earliest_start", "latest_end"))
    if obj is None:
        return None
    days_off = r.items(obj.get("days_off", []), f"{path}.days_off", lambda v, p: r.weekday(v, p))
    earliest = (
        r.time(obj["earliest_start"], f"{path}.earliest_start") if "earliest_start" in obj else None
    )
    latest = (
        r.time(obj["latest_end"], f"{path}.latest_end", end=True) if "latest_end" in obj else None
    )
    if days_off is None or ("earliest_start" in obj and earliest is None):
        return None
    if "latest_end" in obj and latest is None:
        return None
    return Preferences(days_off=tuple(days_off), earliest_start=earliest, latest_end=latest)


def _read_cabinet_with(r: _Reader) -> Callable[[object, str], Cabinet | None]:
    def read(value: object, path: str) -> Cabinet | None:
        obj = r.record(
            value,
            path,
            ("id", "opening"),
            ("name", "department", "sessions", "requests", "places"),
        )
        if obj is None:
            return None
        ident = r.ident(obj.get("id", _MISSING), f"{path}.id")
        name = r.name(obj.get("name", ident or ""), f"{path}.name")
        opening = r.items(
            obj.get("opening", _MISSING), f"{path}.opening", lambda v, p: _read_window(r, v, p)
        )
        department = _read_department(r, obj.get("department"), f"{path}.department")
        sessions = r.items(
            obj.get("sessions", []), f"{path}.sessions", lambda v, p: _read_session(r, v, p)
        )
        requests = r.items(
            obj.get("requests", []), f"{path}.requests", lambda v, p: _read_request(r, v, p)
        )
        places = _read_places(r, obj.get("places", 1), f"{path}.places")
        if None in (ident, name, opening, sessions, requests, places):
            return None
        if "department" in obj and obj["department"] is not None and department is None:
            return None
        assert ident is not None and name is not None and opening is not None
        assert sessions is not None and requests is not None and places is not None
        return Cabinet(
            id=CabinetId(ident),
            name=name,
            opening=tuple(opening),
            department=department,
            sessions=tuple(sessions),
            requests=tuple(requests),
            places=places,
        )

    return read


def _read_department(r: _Reader, value: object, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        r.add(path, "type", "code de département en texte attendu (par ex. « 57 »)")
        return None
    if not is_known_department(value):
        r.add(path, "department", f"département français inconnu « {value} »")
        return None
    return value


def _read_places(r: _Reader, value: object, path: str) -> int | None:
    if r.enormous(value, path):
        return None
    places = _integer(value)
    if places is None or not 1 <= places <= MAX_PLACES:
        r.add(path, "places", f"un nombre entier de places de 1 à {MAX_PLACES} est attendu")
        return None
    return places


def _read_session(r: _Reader, value: object, path: str) -> Session | None:
    obj = r.record(value, path, ("weekday", "start", "end"), ("weight",))
    if obj is None:
        return None
    weekday = r.weekday(obj.get("weekday", _MISSING), f"{path}.weekday")
    span = _read_span(r, obj, path)
    weight = _read_weight(r, obj.get("weight", 1), f"{path}.weight")
    if weekday is None or span is None or weight is None:
        return None
    return Session(weekday, span[0], span[1], weight)


def _read_request(r: _Reader, value: object, path: str) -> DatedRequest | None:
    obj = r.record(value, path, ("date", "start", "end"), ("weight",))
    if obj is None:
        return None
    on = r.day(obj.get("date", _MISSING), f"{path}.date")
    span = _read_span(r, obj, path)
    weight = _read_weight(r, obj.get("weight", 1), f"{path}.weight")
    if on is None or span is None or weight is None:
        return None
    return DatedRequest(on, span[0], span[1], weight)


def _read_contract(
    r: _Reader, value: object, path: str, ids: _Ids, rules: Rules
) -> Contract | None:
    obj = r.record(
        value,
        path,
        ("id", "assistant", "shares"),
        ("weekly_hours", "weekly_minutes", "balance_minutes"),
    )
    if obj is None:
        return None
    ident = r.ident(obj.get("id", _MISSING), f"{path}.id")
    assistant = r.ident(obj.get("assistant", _MISSING), f"{path}.assistant")
    if assistant is not None and assistant not in ids.assistants:
        r.add(f"{path}.assistant", "unknown-id", f"assistante inconnue « {assistant} »")
        assistant = None
    weekly = _read_weekly_minutes(r, obj, path, rules)
    shares = _read_shares(r, obj.get("shares", _MISSING), f"{path}.shares", ids)
    balance = _read_balance(
        r, obj.get("balance_minutes", {}), f"{path}.balance_minutes", ids, shares
    )
    if ident is None or assistant is None or weekly is None or shares is None or balance is None:
        return None
    return Contract(
        id=ContractId(ident),
        assistant=AssistantId(assistant),
        weekly_minutes=weekly,
        shares=shares,
        balance_minutes=balance,
    )


def _read_weekly_minutes(r: _Reader, obj: Mapping[str, Any], path: str, rules: Rules) -> int | None:
    limit = rules.max_weekly_minutes
    if "weekly_hours" in obj and "weekly_minutes" in obj:
        r.add(
            f"{path}.weekly_minutes",
            "weekly-hours",
            "donner « weekly_hours » ou « weekly_minutes », pas les deux",
        )
        return None
    if "weekly_minutes" in obj:
        minutes = r.integer(obj["weekly_minutes"], f"{path}.weekly_minutes", rule="precision")
        where = f"{path}.weekly_minutes"
    elif "weekly_hours" in obj:
        where = f"{path}.weekly_hours"
        hours = r.number(obj["weekly_hours"], where)
        if hours is None:
            return None
        exact = hours * 60
        if exact != exact.to_integral_value():
            r.add(where, "precision", f"{hours} h ne fait pas un nombre entier de minutes")
            return None
        minutes = int(exact)
    else:
        r.add(f"{path}.weekly_hours", "required", "champ obligatoire manquant")
        return None
    if minutes is None:
        return None
    if not 0 < minutes <= limit:
        r.add(
            where,
            "weekly-hours",
            f"les heures hebdomadaires doivent être positives et d'au plus {limit // 60} h",
        )
        return None
    return minutes


def _read_shares(r: _Reader, value: object, path: str, ids: _Ids) -> dict[CabinetId, int] | None:
    if value is _MISSING:
        return None
    if not isinstance(value, Mapping):
        r.add(path, "type", "un objet JSON est attendu")
        return None
    shares: dict[CabinetId, int] = {}
    ok = True
    if not value:
        r.add(path, "shares-sum", "au moins un cabinet doit avoir une part")
        return None
    for key, raw in value.items():
        share_path = f"{path}.{key}"
        if key not in ids.cabinets:
            r.add(share_path, "unknown-id", f"cabinet inconnu « {key} »")
            ok = False
        number = r.number(raw, share_path)
        if number is None:
            ok = False
            continue
        points = number * 100
        if points != points.to_integral_value():
            r.add(share_path, "precision", f"part de {number} % : au plus 2 décimales")
            ok = False
            continue
        if points <= 0:
            r.add(share_path, "share", f"une part doit être positive, pas {number} %")
            ok = False
            continue
        shares[CabinetId(str(key))] = int(points)
    if ok and sum(shares.values()) != BASIS_POINTS:
        total = Decimal(sum(shares.values())) / 100
        r.add(path, "shares-sum", f"les parts font {total.normalize():f} %, pas 100 %")
        return None
    return shares if ok else None


def _read_balance(
    r: _Reader, value: object, path: str, ids: _Ids, shares: Mapping[CabinetId, int] | None
) -> dict[CabinetId, int] | None:
    if not isinstance(value, Mapping):
        r.add(path, "type", "un objet JSON est attendu")
        return None
    balance: dict[CabinetId, int] = {}
    ok = True
    for key, raw in value.items():
        item_path = f"{path}.{key}"
        if key not in ids.cabinets:
            r.add(item_path, "unknown-id", f"cabinet inconnu « {key} »")
            ok = False
        elif shares is not None and key not in shares:
            r.add(item_path, "not-member", f"le cabinet « {key} » n'a pas de part dans ce contrat")
            ok = False
        minutes = None if r.enormous(raw, item_path) else _integer(raw)
        if minutes is None or not -MAX_MINUTES <= minutes <= MAX_MINUTES:
            if not isinstance(raw, _Enormous):
                r.add(
                    item_path,
                    "minutes",
                    f"un nombre entier de minutes de {-MAX_MINUTES} à {MAX_MINUTES} est attendu",
                )
            ok = False
            continue
        balance[CabinetId(str(key))] = minutes
    return balance if ok else None


def _read_travel(
    r: _Reader, value: object, ids: _Ids
) -> dict[tuple[CabinetId, CabinetId], int] | None:
    items = r.array(value, "travel_minutes")
    if items is None:
        return None
    travel: dict[tuple[CabinetId, CabinetId], int] = {}
    seen: dict[frozenset[str], int] = {}
    ok = True
    for i, item in enumerate(items):
        path = f"travel_minutes[{i}]"
        obj = r.record(item, path, ("from", "to", "minutes"))
        if obj is None:
            ok = False
            continue
        ends = [r.ident(obj.get(k, _MISSING), f"{path}.{k}") for k in ("from", "to")]
        for key, end in zip(("from", "to"), ends, strict=True):
            if end is not None and end not in ids.cabinets:
                r.add(f"{path}.{key}", "unknown-id", f"cabinet inconnu « {end} »")
                ok = False
        minutes = r.minutes(obj.get("minutes", _MISSING), f"{path}.minutes", minimum=1)
        origin, destination = ends
        if origin is None or destination is None or minutes is None:
            ok = False
            continue
        if origin == destination:
            r.add(path, "travel", f"trajet du cabinet « {origin} » vers lui-même")
            ok = False
            continue
        pair = frozenset((origin, destination))
        if pair in seen and seen[pair] != minutes:
            r.add(
                path,
                "travel",
                f"trajet « {origin} » - « {destination} » déjà donné avec {seen[pair]} min",
            )
            ok = False
            continue
        if pair in seen:
            continue
        seen[pair] = minutes
        travel[(CabinetId(origin), CabinetId(destination))] = minutes
    return travel if ok else None


def _read_assignment(
    r: _Reader, value: object, path: str, ids: _Ids | None, zone: ZoneInfo | None
) -> Assignment | None:
    obj = r.record(value, path, ("assistant", "contract", "cabinet", "start", "end"))
    if obj is None:
        return None
    names = {
        k: r.ident(obj.get(k, _MISSING), f"{path}.{k}")
        for k in ("assistant", "contract", "cabinet")
    }
    if ids is not None:
        known = {"assistant": ids.assistants, "contract": ids.contracts, "cabinet": ids.cabinets}
        for key, name in names.items():
            if name is not None and name not in known[key]:
                r.add(f"{path}.{key}", "unknown-id", f"identifiant inconnu « {name} »")
                names[key] = None
    start = r.aware_datetime(obj.get("start", _MISSING), f"{path}.start", zone)
    end = r.aware_datetime(obj.get("end", _MISSING), f"{path}.end", zone)
    if start is not None and end is not None and end <= start:
        r.add(f"{path}.end", "order", "la fin doit suivre le début")
        return None
    assistant, contract, cabinet = names["assistant"], names["contract"], names["cabinet"]
    if assistant is None or contract is None or cabinet is None or start is None or end is None:
        return None
    return Assignment(AssistantId(assistant), ContractId(contract), CabinetId(cabinet), start, end)


def _read_replan(r: _Reader, value: object, ids: _Ids, zone: ZoneInfo | None) -> Replan | None:
    obj = r.record(value, "replan", (), ("published", "pinned", "protected_until"))
    if obj is None:
        return None

    def read(v: object, p: str) -> Assignment | None:
        return _read_assignment(r, v, p, ids, zone)

    published = r.items(obj.get("published", []), "replan.published", read)
    pinned = r.items(obj.get("pinned", []), "replan.pinned", read)
    until = obj.get("protected_until")
    protected = (
        r.aware_datetime(until, "replan.protected_until", zone) if until is not None else None
    )
    if published is None or pinned is None or (until is not None and protected is None):
        return None
    return Replan(published=tuple(published), pinned=tuple(pinned), protected_until=protected)


def _check_part_time(
    r: _Reader, top: Mapping[str, Any], contracts: Sequence[Contract] | None, rules: Rules
) -> None:
    """IDCC 1147: an assistant's contracts together give her at least the part-time minimum."""
    if contracts is None or not isinstance(top.get("assistants"), list):
        return
    totals: dict[str, int] = defaultdict(int)
    for contract in contracts:
        totals[contract.assistant] += contract.weekly_minutes
    for i, raw in enumerate(top["assistants"]):
        ident = raw.get("id") if isinstance(raw, Mapping) else None
        if (
            isinstance(ident, str)
            and ident in totals
            and totals[ident] < rules.min_weekly_contract_minutes
        ):
            r.add(
                f"assistants[{i}]",
                "part-time-minimum",
                f"les contrats de « {ident} » font {totals[ident] / 60:g} h par semaine : au moins "
                f"{rules.min_weekly_contract_minutes / 60:g} h (IDCC 1147)",
            )


# --- Writing -----------------------------------------------------------------------------------------


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _number(value: Decimal) -> int | float:
    """A JSON number for an exact decimal (an int when whole)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _iso(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds")


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _dump_window(window: WeeklyWindow) -> dict[str, Any]:
    return {"weekday": window.weekday, "start": _hhmm(window.start), "end": _hhmm(window.end)}


def _dump_leave(leave: Leave, zone: ZoneInfo) -> dict[str, Any]:
    start, end = leave.start.astimezone(zone), leave.end.astimezone(zone)
    one_day = datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=zone)
    if leave.whole_days and start.time() == time(0) and end == one_day:
        return {"date": start.date().isoformat()}
    return {"start": _local(start, zone), "end": _local(end, zone)}


def dump_assignment(assignment: Assignment, zone: ZoneInfo) -> dict[str, Any]:
    """An assignment as in the rota format, date-times with their UTC offset."""
    return {
        "assistant": assignment.assistant,
        "contract": assignment.contract,
        "cabinet": assignment.cabinet,
        "start": _iso(assignment.start, zone),
        "end": _iso(assignment.end, zone),
    }


def _dump_assistant(assistant: Assistant, zone: ZoneInfo) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": assistant.id,
        "name": assistant.name,
        "availability": [_dump_window(w) for w in assistant.availability],
    }
    if assistant.leave:
        result["leave"] = [_dump_leave(leave, zone) for leave in assistant.leave]
    preferences = assistant.preferences
    if preferences != Preferences():
        dumped: dict[str, Any] = {"days_off": list(preferences.days_off)}
        if preferences.earliest_start is not None:
            dumped["earliest_start"] = _hhmm(preferences.earliest_start)
        if preferences.latest_end is not None:
            dumped["latest_end"] = _hhmm(preferences.latest_end)
        result["preferences"] = dumped
    if assistant.worked_minutes_before:
        result["worked_minutes_before"] = list(assistant.worked_minutes_before)
    return result


def _dump_cabinet(cabinet: Cabinet) -> dict[str, Any]:
    result: dict[str, Any] = {"id": cabinet.id, "name": cabinet.name}
    if cabinet.department is not None:
        result["department"] = cabinet.department
    result["opening"] = [_dump_window(w) for w in cabinet.opening]
    if cabinet.sessions:
        result["sessions"] = [
            {"weekday": s.weekday, "start": _hhmm(s.start), "end": _hhmm(s.end), "weight": s.weight}
            for s in cabinet.sessions
        ]
    if cabinet.requests:
        result["requests"] = [
            {
                "date": q.date.isoformat(),
                "start": _hhmm(q.start),
                "end": _hhmm(q.end),
                "weight": q.weight,
            }
            for q in cabinet.requests
        ]
    if cabinet.places != 1:
        result["places"] = cabinet.places
    return result


def _dump_contract(contract: Contract) -> dict[str, Any]:
    result: dict[str, Any] = {"id": contract.id, "assistant": contract.assistant}
    # Hours are exact decimals only when the minutes are a multiple of 3 (60 = 2^2 x 3 x 5).
    if contract.weekly_minutes % 3 == 0:
        result["weekly_hours"] = _number(Decimal(contract.weekly_minutes) / 60)
    else:
        result["weekly_minutes"] = contract.weekly_minutes
    result["shares"] = {c: _number(Decimal(s) / 100) for c, s in contract.shares.items()}
    if contract.balance_minutes:
        result["balance_minutes"] = dict(contract.balance_minutes)
    return result


def dump_instance(instance: Instance) -> dict[str, Any]:
    """The instance as a `partagenda-instance/1` JSON object (read back equal by parse_instance)."""
    zone = ZoneInfo(instance.timezone)
    result: dict[str, Any] = {
        "format": INSTANCE_FORMAT,
        "timezone": instance.timezone,
        "start": instance.start.isoformat(),
        "days": instance.days,
        "slot_minutes": instance.slot_minutes,
        "assistants": [_dump_assistant(a, zone) for a in instance.assistants],
        "cabinets": [_dump_cabinet(c) for c in instance.cabinets],
        "contracts": [_dump_contract(c) for c in instance.contracts],
        "travel_minutes": [
            {"from": origin, "to": destination, "minutes": minutes}
            for (origin, destination), minutes in instance.travel_minutes.items()
        ],
        "rules": {f.name: getattr(instance.rules, f.name) for f in fields(Rules)},
        "weights": {f.name: getattr(instance.weights, f.name) for f in fields(Weights)},
    }
    replan = instance.replan
    if replan != Replan():
        dumped: dict[str, Any] = {
            "published": [dump_assignment(a, zone) for a in replan.published],
            "pinned": [dump_assignment(a, zone) for a in replan.pinned],
        }
        if replan.protected_until is not None:
            dumped["protected_until"] = _iso(replan.protected_until, zone)
        result["replan"] = dumped
    return result


def dump_rota(rota: Rota, instance: Instance) -> dict[str, Any]:
    """The rota as a `partagenda-rota/1` JSON object, date-times in the instance's zone with offset."""
    zone = ZoneInfo(instance.timezone)
    return {
        "format": ROTA_FORMAT,
        "status": rota.status.value,
        "objective": {"total": rota.objective, "terms": dict(rota.objective_terms)},
        "bound": rota.bound,
        "solve_seconds": rota.solve_seconds,
        "assignments": [dump_assignment(a, zone) for a in rota.assignments],
        "travel": [
            {
                "assistant": leg.assistant,
                "from": leg.origin,
                "to": leg.destination,
                "start": _iso(leg.start, zone),
                "end": _iso(leg.end, zone),
            }
            for leg in rota.travel
        ],
        "breaks": [
            {"assistant": b.assistant, "start": _iso(b.start, zone), "end": _iso(b.end, zone)}
            for b in rota.breaks
        ],
        "minutes": {contract: dict(by_cabinet) for contract, by_cabinet in rota.minutes.items()},
        "explanation": list(rota.explanation),
        "changes": [
            {
                "assistant": change.assistant,
                "cabinets": list(change.cabinets),
                "before": dump_assignment(change.before, zone) if change.before else None,
                "after": dump_assignment(change.after, zone) if change.after else None,
                "description": change.description,
            }
            for change in rota.changes
        ],
    }


# --- Reading a rota ----------------------------------------------------------------------------------


def parse_rota(data: bytes | str | Mapping[str, Any], instance: Instance) -> Rota:
    """Read a `partagenda-rota/1` document; date-times are converted to the instance's zone.

    Only the structure is checked here (fields, types, date-times with offsets); ids and rules are
    for `solver.validation.check_rota`, so that a faulty rota can still be read and explained.

    Raises:
        InvalidRota: listing every problem found, each with its field path and rule id.
    """
    if isinstance(data, bytes | str):
        try:
            document = _read_document(data)
        except _Refused as error:
            raise InvalidRota([error.problem]) from error
    else:
        document = data
    reader = _Reader()
    rota = _read_rota(reader, document, ZoneInfo(instance.timezone))
    if reader.problems or rota is None:
        raise InvalidRota(reader.problems or [Problem("$", "type", "planning illisible")])
    return rota


def _read_rota(r: _Reader, document: object, zone: ZoneInfo) -> Rota | None:
    top = r.record(
        document,
        "",
        ("format", "status"),
        (
            "objective",
            "bound",
            "solve_seconds",
            "assignments",
            "travel",
            "breaks",
            "minutes",
            "explanation",
            "changes",
        ),
    )
    if top is None:
        return None
    fmt = top.get("format", _MISSING)
    if fmt is not _MISSING and fmt != ROTA_FORMAT:
        r.add("format", "format", f"format « {ROTA_FORMAT} » attendu, pas « {fmt} »")
    status = _read_status(r, top.get("status", _MISSING))
    total, terms = _read_objective(r, top.get("objective", {"total": None, "terms": {}}))
    bound = r.integer(top["bound"], "bound") if top.get("bound") is not None else None
    seconds = r.number(top.get("solve_seconds", 0), "solve_seconds")
    assignments = r.items(
        top.get("assignments", []),
        "assignments",
        lambda v, p: _read_assignment(r, v, p, None, zone),
    )
    travel = r.items(top.get("travel", []), "travel", lambda v, p: _read_leg(r, v, p, zone))
    breaks = r.items(top.get("breaks", []), "breaks", lambda v, p: _read_break(r, v, p, zone))
    minutes = _read_minutes(r, top.get("minutes", {}))
    explanation = r.items(top.get("explanation", []), "explanation", lambda v, p: r.string(v, p))
    changes = r.items(top.get("changes", []), "changes", lambda v, p: _read_change(r, v, p, zone))
    if r.problems:
        return None
    assert status is not None and seconds is not None and assignments is not None
    assert travel is not None and breaks is not None and minutes is not None
    assert explanation is not None and changes is not None
    return Rota(
        status=status,
        assignments=tuple(assignments),
        travel=tuple(travel),
        breaks=tuple(breaks),
        objective=total,
        objective_terms=terms,
        bound=bound,
        solve_seconds=float(seconds),
        minutes=minutes,
        explanation=tuple(explanation),
        changes=tuple(changes),
    )


def _read_status(r: _Reader, value: object) -> Status | None:
    text = r.string(value, "status")
    if text is None:
        return None
    try:
        return Status(text)
    except ValueError:
        choices = ", ".join(s.value for s in Status)
        r.add("status", "status", f"statut « {text} » inconnu ({choices})")
        return None


def _read_objective(r: _Reader, value: object) -> tuple[int | None, dict[str, int]]:
    obj = r.record(value, "objective", (), ("total", "terms"))
    if obj is None:
        return None, {}
    total = r.integer(obj["total"], "objective.total") if obj.get("total") is not None else None
    terms: dict[str, int] = {}
    raw_terms = obj.get("terms", {})
    if not isinstance(raw_terms, Mapping):
        r.add("objective.terms", "type", "un objet JSON est attendu")
        return total, terms
    for name, raw in raw_terms.items():
        number = r.integer(raw, f"objective.terms.{name}")
        if number is not None:
            terms[str(name)] = number
    return total, terms


def _read_minutes(r: _Reader, value: object) -> dict[ContractId, dict[CabinetId, int]] | None:
    if not isinstance(value, Mapping):
        r.add("minutes", "type", "un objet JSON est attendu")
        return None
    result: dict[ContractId, dict[CabinetId, int]] = {}
    for contract, by_cabinet in value.items():
        path = f"minutes.{contract}"
        if not isinstance(by_cabinet, Mapping):
            r.add(path, "type", "un objet JSON est attendu")
            continue
        result[ContractId(str(contract))] = {}
        for cabinet, raw in by_cabinet.items():
            number = r.minutes(raw, f"{path}.{cabinet}", maximum=MAX_HORIZON_DAYS * MINUTES_PER_DAY)
            if number is not None:
                result[ContractId(str(contract))][CabinetId(str(cabinet))] = number
    return result


def _read_leg(r: _Reader, value: object, path: str, zone: ZoneInfo) -> TravelLeg | None:
    obj = r.record(value, path, ("assistant", "from", "to", "start", "end"))
    if obj is None:
        return None
    assistant = r.ident(obj.get("assistant", _MISSING), f"{path}.assistant")
    origin = r.ident(obj.get("from", _MISSING), f"{path}.from")
    destination = r.ident(obj.get("to", _MISSING), f"{path}.to")
    start = r.aware_datetime(obj.get("start", _MISSING), f"{path}.start", zone)
    end = r.aware_datetime(obj.get("end", _MISSING), f"{path}.end", zone)
    if assistant is None or origin is None or destination is None or start is None or end is None:
        return None
    return TravelLeg(AssistantId(assistant), CabinetId(origin), CabinetId(destination), start, end)


def _read_break(r: _Reader, value: object, path: str, zone: ZoneInfo) -> Break | None:
    obj = r.record(value, path, ("assistant", "start", "end"))
    if obj is None:
        return None
    assistant = r.ident(obj.get("assistant", _MISSING), f"{path}.assistant")
    start = r.aware_datetime(obj.get("start", _MISSING), f"{path}.start", zone)
    end = r.aware_datetime(obj.get("end", _MISSING), f"{path}.end", zone)
    if assistant is None or start is None or end is None:
        return None
    return Break(AssistantId(assistant), start, end)


def _read_change(r: _Reader, value: object, path: str, zone: ZoneInfo) -> Change | None:
    obj = r.record(value, path, ("assistant", "cabinets", "before", "after", "description"))
    if obj is None:
        return None
    assistant = r.ident(obj.get("assistant", _MISSING), f"{path}.assistant")
    cabinets = r.items(
        obj.get("cabinets", _MISSING), f"{path}.cabinets", lambda v, p: r.ident(v, p)
    )
    sides: dict[str, Assignment | None] = {}
    ok = True
    for side in ("before", "after"):
        raw = obj.get(side)
        sides[side] = (
            _read_assignment(r, raw, f"{path}.{side}", None, zone) if raw is not None else None
        )
        ok = ok and (raw is None or sides[side] is not None)
    description = r.string(obj.get("description", _MISSING), f"{path}.description")
    if assistant is None or cabinets is None or description is None or not ok:
        return None
    return Change(
        AssistantId(assistant),
        tuple(CabinetId(c) for c in cabinets),
        sides["before"],
        sides["after"],
        description,
    )
