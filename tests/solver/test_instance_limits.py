"""The instance reader's limits: no document can make it (or the planner after it) hang, overflow
or fail with anything but `InvalidInstance` naming the field and the rule.

Rules under test (solver/instance_io.py): documents of at most 20 MiB and 64 levels of nesting;
number literals beyond every range refused at once with their field's path; every whole number
within its field's range (minutes within a week); names and ids of at most 200 characters without
control characters or lone surrogates; dates within the years the service can plan.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solver.errors import InvalidInstance, InvalidRota
from solver.instance_io import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    dump_instance,
    load_instance,
    parse_instance,
    parse_rota,
)
from solver.model import LAST_YEAR, MAX_NAME_LENGTH
from tests.solver.builders import make_instance


def _document() -> dict[str, Any]:
    return dump_instance(make_instance())


def _refusal(data: bytes | str | dict[str, Any]) -> tuple[str, str, str]:
    """(path, rule, message) of the first problem (how fast the reader refuses is not measured
    here: a reader that hung on a document would never come back, and fail the run)."""
    with pytest.raises(InvalidInstance) as caught:
        parse_instance(data)
    first = caught.value.problems[0]
    return first.path, first.rule, first.message


def _with_number(literal: str, field: str = "days") -> str:
    """The valid document as JSON text whose `field` is the raw number `literal`."""
    document = _document()
    document[field] = 424242
    return json.dumps(document).replace("424242", literal)


@pytest.mark.parametrize("literal", ["1e999999", "9" * 5000, "-1e-999999", "0e999999"])
def test_a_number_beyond_every_range_is_refused_at_once_naming_the_field(literal: str) -> None:
    path, rule, message = _refusal(_with_number(literal))
    assert (path, rule) == ("days", "range") and len(message) < 80


def test_nesting_deeper_than_64_levels_is_refused_before_parsing() -> None:
    assert _refusal("[" * 100_000 + "]" * 100_000)[:2] == ("$", "depth")
    assert _refusal("[" * 100_000)[:2] == ("$", "depth")
    deep: dict[str, Any] = {"format": "partagenda-instance/1", "rules": {}}
    inner: dict[str, Any] = deep["rules"]
    for _ in range(MAX_DEPTH):
        inner["x"] = {}
        inner = inner["x"]
    assert _refusal(json.dumps(deep))[:2] == ("$", "depth")


def test_brackets_inside_names_do_not_count_as_nesting() -> None:
    document = _document()
    document["cabinets"][0]["name"] = '[[[[{{{{"\\' * 20
    assert parse_instance(json.dumps(document)).cabinets[0].name == '[[[[{{{{"\\' * 20


def test_a_document_over_20_mib_is_refused(tmp_path: Path) -> None:
    assert _refusal(b" " * (MAX_DOCUMENT_BYTES + 1))[:2] == ("$", "size")
    with pytest.raises(InvalidRota) as caught:
        parse_rota(b" " * (MAX_DOCUMENT_BYTES + 1), make_instance())
    assert caught.value.problems[0].rule == "size"


def test_an_endless_file_is_read_no_further_than_the_limit() -> None:
    with pytest.raises(InvalidInstance) as caught:
        load_instance("/dev/zero")
    assert caught.value.problems[0].rule == "size"


@pytest.mark.parametrize(
    ("change", "path", "rule"),
    [
        (
            lambda d: d.update(travel_minutes=[_leg(10**18)]),
            "travel_minutes[0].minutes",
            "minutes",
        ),
        (
            lambda d: d.update(travel_minutes=[_leg(10_081)]),
            "travel_minutes[0].minutes",
            "minutes",
        ),
        (lambda d: d["rules"].update(max_daily_minutes=10**17), "rules.max_daily_minutes", "range"),
        (lambda d: d["rules"].update(max_horizon_days=10**6), "rules.max_horizon_days", "range"),
        (
            lambda d: d["weights"].update(share_deviation=10**15),
            "weights.share_deviation",
            "weight",
        ),
        (lambda d: d["cabinets"][0].update(places=10**12), "cabinets[0].places", "places"),
        (
            lambda d: d["assistants"][0].update(worked_minutes_before=[10**9]),
            "assistants[0].worked_minutes_before[0]",
            "minutes",
        ),
        (
            lambda d: d["contracts"][0].update(balance_minutes={"tilleuls": -(10**12)}),
            "contracts[0].balance_minutes.tilleuls",
            "minutes",
        ),
    ],
    ids=[
        "travel-1e18",
        "travel-week",
        "rule",
        "horizon-rule",
        "weight",
        "places",
        "worked",
        "balance",
    ],
)
def test_every_whole_number_has_a_range(change: Any, path: str, rule: str) -> None:
    document = _document()
    change(document)
    assert _refusal(document)[:2] == (path, rule)


def _leg(minutes: int) -> dict[str, Any]:
    return {"from": "tilleuls", "to": "parc", "minutes": minutes}


@pytest.mark.parametrize(
    ("name", "rule", "shown"),
    [
        ("Julie\x00Martin", "characters", "U+0000"),
        ("Julie\udc80", "characters", "U+DC80"),
        ("Julie\x1b[31m", "characters", "U+001B"),
        ("x" * (MAX_NAME_LENGTH + 1), "length", "200"),
    ],
    ids=["nul", "lone-surrogate", "escape", "too-long"],
)
def test_names_are_short_printable_text(name: str, rule: str, shown: str) -> None:
    document = _document()
    document["assistants"][0]["name"] = name
    # As JSON text, where "\udc80" is a legal escape, and as an object.
    for data in (json.dumps(document), document):
        path, found, message = _refusal(data)
        assert (path, found) == ("assistants[0].name", rule) and shown in message


def test_ids_follow_the_name_rules_and_messages_stay_printable() -> None:
    document = _document()
    document["cabinets"][0]["id"] = "tilleuls\x00"
    assert _refusal(document)[:2] == ("cabinets[0].id", "characters")
    document = _document()
    document["\udc80\x00" + "k" * 10_000] = 1
    path, rule, message = _refusal(json.dumps(document))
    assert rule == "unknown-field" and path.startswith("\\udc80\\u0000k") and len(path) <= 300
    assert message.isprintable() and len(message) <= 500


@pytest.mark.parametrize(
    ("field", "value", "path", "rule"),
    [
        ("start", "9999-12-31", "start", "date"),
        ("start", "0001-01-01", "start", "date"),
        ("start", f"{LAST_YEAR}-12-30", "days", "horizon"),
    ],
)
def test_dates_stay_within_the_plannable_years(
    field: str, value: str, path: str, rule: str
) -> None:
    document = _document()
    document[field] = value
    assert _refusal(document)[:2] == (path, rule)


def test_leave_and_replan_moments_stay_within_the_plannable_years() -> None:
    document = _document()
    document["assistants"][0]["leave"] = [{"start": "9999-12-31T08:00", "end": "9999-12-31T12:00"}]
    assert _refusal(document)[:2] == ("assistants[0].leave[0].start", "datetime")
    document = _document()
    # Would overflow when moved to the instance's zone.
    document["replan"] = {"protected_until": "9999-12-31T23:00:00-05:00"}
    assert _refusal(document)[:2] == ("replan.protected_until", "datetime")
