"""French wording of dates, times of day, durations, numbers and money: the one place for it.

Everything a person reads (the planner's explanations, the pages, the calendar feeds, the
notices and the allocation reports) formats these values here, one function per meaning, so that
one name never means two forms. The names of days and months, the quarters, the grouping of
thousands and the decimal comma come from the CLDR data of Babel (`fr_FR`); Babel is imported
inside the functions, so that `partagenda solve` loads it only when it writes a sentence.

Dates (`1er` for the first of the month, as French writes it):

- `weekday_date(day)`: `mardi 1er décembre`; `weekday_date(day, year=True)`: `mardi 1er
  décembre 2026`.
- `long_date(day)`: `1er décembre 2026`.
- `short_date(day)`: `01/12/2026`.
- `month_year(day)`: `décembre 2026`; `quarter_year(day)`: `1er trimestre 2026`, `2e trimestre
  2026`.
- `weekday_name(weekday)`: `lundi` for 0 (Monday) to `dimanche` for 6.

Times of day, given as minutes since midnight (1440 is the midnight that ends the day) or as a
`time` or `datetime` (read on its own clock):

- `clock_digits(minute)`: `08:00`, `12:30`, `24:00`.
- `clock_hours(minute)`: `8 h`, `12 h 30`, `8 h 05`.
- `clock_compact(minute)`: `8h00`, `12h30`, the short form of the calendar feeds' descriptions.

Durations, given in minutes, in hours and minutes as French says them:

- `duration(minutes)`: `2 h`, `11 h 15`, `1 h 05`, `45 min`, `0 min`; thousands of hours are
  grouped like any number (`1 484 h 30`) and a negative duration takes a hyphen-minus (`-1 h 30`),
  as durations always have (the printed numbers' U+2212 is theirs alone).
- `signed_duration(minutes)`: a difference, `+1 h 12`, `-30 min`, `0 min`.

Numbers, percentages and money (`—` for an unknown value). Two styles are in use and kept as they
are: `PRINTED`, the allocation report's (rounded half up, minus sign U+2212, a narrow no-break
space before `%`), and `SCREEN`, the pages' (rounded half to even, hyphen-minus, a no-break space
before `%`, percentages without grouping of thousands). Both group thousands with a narrow
no-break space and write a decimal comma.

- `number(value, places=0, style=PRINTED)`: `1 234 567,89`, `−20`.
- `percent(ratio, places=1, style=PRINTED)`: `93,6 %` for 0.9359.
- `euros(value)`: `20 589,74 €`.
- `screen_number(value, places=0)`, `screen_percent(ratio, places=0)`: the same in the `SCREEN`
  style, as the pages call them.
- `plain_number(value)`: a value as a sentence quotes it, with as many decimals as it has (up to
  six) and no grouping: `33,33`, `40`, `0,1`, `3600` (a contracted share, a limit of the CLI).

Spaces: `duration`, `signed_duration` and `clock_hours` write plain spaces (`11 h 15`), as the
planner's sentences always have, but group the thousands of hours as numbers do (`1 484 h`, with
U+202F); numbers group with U+202F and put U+00A0 before `€`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from functools import lru_cache

__all__ = [
    "MINUS",
    "NBSP",
    "NNBSP",
    "PRINTED",
    "SCREEN",
    "NumberStyle",
    "clock_compact",
    "clock_digits",
    "clock_hours",
    "duration",
    "euros",
    "long_date",
    "month_year",
    "number",
    "percent",
    "plain_number",
    "quarter_year",
    "short_date",
    "screen_number",
    "screen_percent",
    "signed_duration",
    "weekday_date",
    "weekday_name",
]

LOCALE = "fr_FR"
NNBSP = "\u202f"  # narrow no-break space: thousands, and before ; : ! ? % in print
NBSP = "\u00a0"
MINUS = "\u2212"
DURATION_MINUS = "-"  # the sign durations have always been written with

# --- Dates -----------------------------------------------------------------------------------------


def _date_text(day: date, pattern: str) -> str:
    return _formatted_date(day.date() if isinstance(day, datetime) else day, pattern)


@lru_cache(maxsize=4096)
def _formatted_date(day: date, pattern: str) -> str:
    # Cached: a rota's sentences name the same few days and weeks again and again.
    from babel.dates import format_date

    return format_date(day, pattern, locale=LOCALE)


def _day(day: date) -> str:
    """The pattern of the day of the month: `1er` for the first, as French writes it."""
    return "d'er'" if day.day == 1 else "d"


def weekday_name(weekday: int) -> str:
    """The name of a day of the week, 0 (Monday) to 6: `lundi`, `dimanche`."""
    from babel.dates import get_day_names

    return str(get_day_names("wide", locale=LOCALE)[weekday])


def weekday_date(day: date, *, year: bool = False) -> str:
    """`mardi 1er décembre`, or `mardi 1er décembre 2026` with the year."""
    return _date_text(day, f"EEEE {_day(day)} MMMM y" if year else f"EEEE {_day(day)} MMMM")


def long_date(day: date) -> str:
    """`1er décembre 2026`, `5 janvier 2026`."""
    return _date_text(day, f"{_day(day)} MMMM y")


def short_date(day: date) -> str:
    """`01/12/2026`: the date in figures, day first."""
    return _date_text(day, "dd/MM/y")


def month_year(day: date) -> str:
    """The month of `day` and its year: `décembre 2026`."""
    return _date_text(day, "MMMM y")


def quarter_year(day: date) -> str:
    """The quarter of `day` and its year: `1er trimestre 2026`, `4e trimestre 2026`."""
    return _date_text(day, "QQQQ y")


# --- Times of day ----------------------------------------------------------------------------------


def _minutes(moment: int | time | datetime) -> int:
    return moment if isinstance(moment, int) else moment.hour * 60 + moment.minute


def clock_digits(moment: int | time | datetime) -> str:
    """A time of day as on a digital clock: `08:00`, `24:00`."""
    hours, rest = divmod(_minutes(moment), 60)
    return f"{hours:02d}:{rest:02d}"


def clock_hours(moment: int | time | datetime) -> str:
    """A time of day as French says it: `8 h`, `12 h 30`, `8 h 05`."""
    hours, rest = divmod(_minutes(moment), 60)
    return f"{hours} h" if rest == 0 else f"{hours} h {rest:02d}"


def clock_compact(moment: int | time | datetime) -> str:
    """A time of day in the short written form, minutes always shown: `8h00`, `12h30`."""
    hours, rest = divmod(_minutes(moment), 60)
    return f"{hours}h{rest:02d}"


# --- Durations -------------------------------------------------------------------------------------


def duration(minutes: int) -> str:
    """`2 h`, `11 h 15`, `1 h 05`, `45 min`, `0 min`, `1 484 h`; `-1 h 30` below zero."""
    sign = DURATION_MINUS if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if hours == 0:
        return f"{sign}{rest} min"
    whole = number(hours) if hours >= 1000 else str(hours)
    return f"{sign}{whole} h" if rest == 0 else f"{sign}{whole} h {rest:02d}"


def signed_duration(minutes: int) -> str:
    """A difference of durations with its sign: `+1 h 12`, `-30 min`; `0 min` for none."""
    if minutes == 0:
        return duration(0)
    return ("+" if minutes > 0 else DURATION_MINUS) + duration(abs(minutes))


# --- Numbers and money -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NumberStyle:
    """How numbers read in one kind of document (see the module docstring)."""

    rounding: str
    minus: str
    percent_space: str
    group_percent: bool
    #: Whether a value that rounds to zero from below keeps its sign (`-0`), as Python's own
    #: formatting of a Decimal does.
    signed_zero: bool
    #: Whether a float is read as it is written (`0.1` is 0.1) rather than as the binary value
    #: it holds (0.1000000000000000055…); the two differ only on a tie of the rounding.
    float_as_written: bool


PRINTED = NumberStyle(
    rounding=ROUND_HALF_UP,
    minus=MINUS,
    percent_space=NNBSP,
    group_percent=True,
    signed_zero=False,
    float_as_written=False,
)
SCREEN = NumberStyle(
    rounding=ROUND_HALF_EVEN,
    minus="-",
    percent_space=NBSP,
    group_percent=False,
    signed_zero=True,
    float_as_written=True,
)


def _decimal(value: Decimal | int | float, style: NumberStyle) -> Decimal:
    if isinstance(value, float) and style.float_as_written:
        return Decimal(str(value))
    return Decimal(value)


def _digits(value: Decimal, places: int, style: NumberStyle, *, grouped: bool) -> str:
    from babel.numbers import format_decimal

    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=style.rounding)
    negative = rounded.is_signed() if style.signed_zero else rounded < 0
    fraction = "." + "0" * places if places else ""
    pattern = ("#,##0" if grouped else "0") + fraction
    text = format_decimal(abs(rounded), format=pattern, locale=LOCALE)
    return f"{style.minus}{text}" if negative else text


def number(
    value: Decimal | int | float | None, places: int = 0, style: NumberStyle = PRINTED
) -> str:
    """`1 234 567,89` (narrow no-break spaces between thousands), `−20`; `—` when unknown."""
    if value is None:
        return "—"
    return _digits(_decimal(value, style), places, style, grouped=True)


def percent(
    ratio: Decimal | int | float | None, places: int = 1, style: NumberStyle = PRINTED
) -> str:
    """A ratio as a percentage: `93,6 %` for 0.9359; `—` when unknown."""
    if ratio is None:
        return "—"
    # As each style always did: the screen scales the ratio as written, the print scales the
    # value it holds.
    scaled = (
        _decimal(ratio, style) * 100 if style.float_as_written else _decimal(ratio * 100, style)
    )
    text = _digits(scaled, places, style, grouped=style.group_percent)
    return f"{text}{style.percent_space}%"


def euros(value: Decimal) -> str:
    """An amount in euros to the cent: `20 589,74 €`."""
    return f"{number(value, 2)}{NBSP}€"


def screen_number(value: Decimal | int | float | None, places: int = 0) -> str:
    """`number` as the pages show it (`SCREEN`): `1 234,5`, `-20`."""
    return number(value, places, SCREEN)


def screen_percent(ratio: Decimal | int | float | None, places: int = 0) -> str:
    """`percent` as the pages show it (`SCREEN`): `94 %` for 0.9359."""
    return percent(ratio, places, SCREEN)


def plain_number(value: Decimal | int | float) -> str:
    """`33,33`, `40`, `0,1`, `3600`: the decimals the value has (up to six), no grouping."""
    from babel.numbers import format_decimal

    text: str = format_decimal(value, format="0.######", locale=LOCALE)
    return text.replace("-", MINUS)
